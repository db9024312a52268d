// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket (see control.h): the socket's life (directory, stale
 * socket, permissions), peer credentials, and the request protocol.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "listener.h"

#define CONTROL_ARG_MAX 255

struct control {
	struct listener *l;
	const struct control_ops *ops;
	void *ctx;
	char *path;
	gid_t gid;		/* the socket's group */
};

enum request_kind { REQ_STATUS, REQ_EPOCHS, REQ_SHOW, REQ_CLOSE_EPOCH };

static const struct request {
	const char *name;
	enum request_kind kind;
	unsigned int min_args, max_args;
	bool privileged;
	const char *usage;
} requests[] = {
	{ "status", REQ_STATUS, 0, 0, false, "status" },
	{ "epochs", REQ_EPOCHS, 0, 1, false, "epochs [WORKLOAD]" },
	{ "show", REQ_SHOW, 1, 1, false, "show AGENT-WORKLOAD-EPOCH" },
	{ "close-epoch", REQ_CLOSE_EPOCH, 0, 1, true, "close-epoch [WORKLOAD]" },
};

static json_object *error_reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_object *error_reply(const char *fmt, ...)
{
	char msg[CONTROL_ERR_MAX];
	json_object *o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = json_object_new_object();
	if (o)
		json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

/* Splits line into at most 3 words in words[], NUL-terminated in buf. */
static json_object *split(char *buf, char *words[3], unsigned int *n)
{
	char *p = buf, *end;

	*n = 0;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*n == 3)
			return error_reply("request: too many words (at most a command and one argument)");
		end = strchr(p, ' ');
		if (end)
			*end = '\0';
		if (strlen(p) > CONTROL_ARG_MAX)
			return error_reply("request: word '%.32s...' longer than %d bytes", p,
					   CONTROL_ARG_MAX);
		words[(*n)++] = p;
		p = end ? end + 1 : p + strlen(p);
	}
	return NULL;
}

static const char *kind_expect(void)
{
	return "expected status, epochs [WORKLOAD], show AGENT-WORKLOAD-EPOCH or "
	       "close-epoch [WORKLOAD]";
}

static json_object *dispatch(const struct control_ops *ops, void *ctx, const struct request *r,
			     const char *arg, json_object *out, int *ret)
{
	switch (r->kind) {
	case REQ_STATUS:
		if (!ops->status)
			return NULL;
		*ret = ops->status(ctx, out);
		break;
	case REQ_EPOCHS:
		if (!ops->epochs)
			return NULL;
		*ret = ops->epochs(ctx, arg, out);
		break;
	case REQ_SHOW:
		if (!ops->show)
			return NULL;
		*ret = ops->show(ctx, arg, out);
		break;
	case REQ_CLOSE_EPOCH:
		if (!ops->close_epoch)
			return NULL;
		*ret = ops->close_epoch(ctx, arg, out);
		break;
	}
	return out;
}

json_object *control_answer(const struct control_ops *ops, void *ctx, const char *line,
			    size_t len, const struct control_peer *peer)
{
	char buf[CONTROL_REQUEST_MAX + 1], *words[3];
	const struct request *r = NULL;
	json_object *out, *err;
	unsigned int n;
	size_t i;
	int ret = 0;

	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	if (len > CONTROL_REQUEST_MAX)
		return error_reply("request: longer than %d bytes", CONTROL_REQUEST_MAX);
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e)
			return error_reply("request: byte 0x%02x at offset %zu is not printable ASCII",
					   (unsigned char)line[i], i);
	memcpy(buf, line, len);
	buf[len] = '\0';
	out = split(buf, words, &n);
	if (out)
		return out;
	if (!n)
		return error_reply("request: empty line (%s)", kind_expect());
	for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		if (!strcmp(words[0], requests[i].name))
			r = &requests[i];
	if (!r)
		return error_reply("request: unknown command '%s' (%s)", words[0], kind_expect());
	if (n - 1 < r->min_args || n - 1 > r->max_args)
		return error_reply("%s: %s argument (expected %s)", r->name,
				   n - 1 < r->min_args ? "missing" : "unexpected", r->usage);
	if (r->privileged && !peer->may_close)
		return error_reply("%s: permission denied for uid %u (root or the control "
				   "socket's group only)", r->name, (unsigned int)peer->uid);
	out = json_object_new_object();
	if (!out)
		return NULL;
	if (!dispatch(ops, ctx, r, n > 1 ? words[1] : NULL, out, &ret)) {
		json_object_put(out);
		return error_reply("%s: not supported by this daemon", r->name);
	}
	if (ret >= 0)
		return out;
	if (json_object_object_get_ex(out, "error", &err) &&
	    json_object_is_type(err, json_type_string)) {
		err = json_object_get(err);
		json_object_put(out);
		out = json_object_new_object();
		if (out)
			json_object_object_add(out, "error", err);
		else
			json_object_put(err);
		return out;
	}
	json_object_put(out);
	return error_reply("%s: %s", r->name, strerror(-ret));
}

/* May this peer close epochs? uid 0, our own uid, or the socket's group. */
static bool peer_may_close(int fd, gid_t gid, uid_t *uid)
{
	gid_t groups[256];
	socklen_t len = sizeof(struct ucred);
	struct ucred cred;
	size_t i;

	*uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	*uid = cred.uid;
	if (cred.uid == 0 || cred.uid == geteuid() || cred.gid == gid)
		return true;
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return false;	/* more than 256 groups, or an old kernel */
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static void send_reply(int fd, json_object *reply)
{
	const char *s;
	size_t n;
	char *msg;

	if (!reply)
		return;
	s = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	n = strlen(s);
	msg = malloc(n + 1);
	if (msg) {
		memcpy(msg, s, n);
		msg[n] = '\n';
		listener_reply(fd, msg, n + 1, CONTROL_TIMEOUT_MS);
		free(msg);
	}
	json_object_put(reply);
}

static void on_request(void *ctx, int fd, const char *buf, size_t len, int status)
{
	struct control *c = ctx;
	struct control_peer peer;
	const char *nl;

	switch (status) {
	case 0:
		break;
	case -ENODATA:
		if (!len)	/* connected and left: the liveness check of a new daemon */
			return;
		break;		/* a request without its newline */
	case -E2BIG:
		send_reply(fd, error_reply("request: longer than %d bytes", CONTROL_REQUEST_MAX));
		return;
	case -ETIMEDOUT:
		send_reply(fd, error_reply("request: no complete line within %d ms",
					   CONTROL_TIMEOUT_MS));
		return;
	default:
		return;
	}
	nl = memchr(buf, '\n', len);	/* one line; what a client sent after it is dropped */
	if (nl)
		len = (size_t)(nl - buf) + 1;
	peer.may_close = peer_may_close(fd, c->gid, &peer.uid);
	send_reply(fd, control_answer(c->ops, c->ctx, buf, len, &peer));
}

static bool line_complete(const char *buf, size_t len)
{
	return memchr(buf, '\n', len) != NULL;
}

/* mkdir -p of the socket's directory; what we create is 0750 in group gid. */
static int make_dir(const char *path, gid_t gid, char err[CONTROL_ERR_MAX])
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)], *p, save;
	int ret;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p && *p != '/')
			continue;
		save = *p;
		*p = '\0';
		if (!mkdir(dir, 0750)) {
			if (gid != (gid_t)-1 && chown(dir, (uid_t)-1, gid)) {
				ret = -errno;
				snprintf(err, CONTROL_ERR_MAX, "control socket directory %s: chown to "
					 "group %u: %s", dir, (unsigned int)gid, strerror(-ret));
				return ret;
			}
		} else if (errno != EEXIST) {
			ret = -errno;
			snprintf(err, CONTROL_ERR_MAX, "control socket directory %s: %s", dir,
				 strerror(-ret));
			return ret;
		}
		*p = save;
		if (!save)
			return 0;
	}
}

/* A socket at path: refuse when a daemon answers, remove it when stale. */
/* 0 when something accepts a connection on sa (a live daemon), else -errno. */
static int connect_probe(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? -errno : 0;
	close(fd);
	return ret;
}

bool control_answers(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (!path)
		path = VINFERD_CONTROL_PATH;
	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	return !connect_probe(&sa);
}

static int clear_stale(const struct sockaddr_un *sa, char err[CONTROL_ERR_MAX])
{
	struct stat st;
	int ret;

	if (lstat(sa->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, CONTROL_ERR_MAX, "control socket path %s exists and is not a "
			 "socket: remove it or set another path", sa->sun_path);
		return -EEXIST;
	}
	ret = connect_probe(sa);
	if (!ret) {
		snprintf(err, CONTROL_ERR_MAX, "another vinferd answers on %s: stop it first",
			 sa->sun_path);
		return -EADDRINUSE;
	}
	if (ret != -ECONNREFUSED) {
		snprintf(err, CONTROL_ERR_MAX, "control socket %s: checking for a running "
			 "vinferd: %s", sa->sun_path, strerror(-ret));
		return ret;
	}
	if (unlink(sa->sun_path) && errno != ENOENT) {
		ret = -errno;
		snprintf(err, CONTROL_ERR_MAX, "control socket %s: removing the stale socket: %s",
			 sa->sun_path, strerror(-ret));
		return ret;
	}
	return 0;
}

int control_open(struct control **out, const struct control_opts *o,
		 const struct control_ops *ops, void *ctx, char err[CONTROL_ERR_MAX])
{
	const char *path = o->path ? o->path : VINFERD_CONTROL_PATH;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct listener_opts lo = {
		.max_request = CONTROL_REQUEST_MAX, .timeout_ms = CONTROL_TIMEOUT_MS,
		.max_clients = CONTROL_CLIENTS_MAX, .complete = line_complete,
		.request = on_request,
	};
	struct control *c;
	const char *step;
	struct stat st;
	mode_t mask;
	int fd, ret;

	*out = NULL;
	err[0] = '\0';
	if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, CONTROL_ERR_MAX, "control socket path '%s': empty or longer than "
			 "%zu bytes", path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	ret = make_dir(path, o->gid, err);
	if (!ret)
		ret = clear_stale(&sa, err);
	if (ret) {
		if (!err[0])
			snprintf(err, CONTROL_ERR_MAX, "control socket %s: %s", path,
				 strerror(-ret));
		return ret;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(path))) {
		free(c);
		return -ENOMEM;
	}
	c->ops = ops;
	c->ctx = ctx;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	step = "socket";
	if (fd < 0)
		goto fail_errno;
	mask = umask(0117);	/* no moment when the socket is more open than 0660 */
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(mask);
	step = "bind";
	if (ret)
		goto fail_errno;
	step = "chown";
	if (o->gid != (gid_t)-1 && chown(path, (uid_t)-1, o->gid))
		goto fail_unlink;
	step = "chmod";
	if (chmod(path, 0660))
		goto fail_unlink;
	step = "stat";
	if (stat(path, &st))
		goto fail_unlink;
	c->gid = st.st_gid;
	step = "listen";
	if (listen(fd, 64))
		goto fail_unlink;
	lo.fd = fd;
	lo.ctx = c;
	ret = listener_open(&c->l, &lo);
	if (ret) {
		errno = -ret;
		goto fail_unlink;
	}
	*out = c;
	return 0;
fail_unlink:
	ret = -errno;
	unlink(path);
	goto fail;
fail_errno:
	ret = -errno;
fail:
	snprintf(err, CONTROL_ERR_MAX, "control socket %s: %s: %s", path, step, strerror(-ret));
	if (fd >= 0)
		close(fd);
	free(c->path);
	free(c);
	return ret;
}

void control_close(struct control *c)
{
	if (!c)
		return;
	listener_close(c->l);
	unlink(c->path);
	free(c->path);
	free(c);
}

int control_fd(const struct control *c)
{
	return listener_fd(c->l);
}

int control_handle(struct control *c)
{
	return listener_handle(c->l);
}
