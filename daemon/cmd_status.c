// SPDX-License-Identifier: GPL-2.0
/*
 * vinfer status | epochs [WORKLOAD] | show AGENT-WORKLOAD-EPOCH |
 *        close-epoch [WORKLOAD]      [--socket PATH] [--json]
 *
 * Asks the running vinferd over its control socket (protocol in
 * daemon/vinferd/control.h) and prints the answer readably, or as the raw
 * JSON object with --json. Exit status: 0 answered, 1 the daemon answered an
 * error (its message is printed), 2 usage, 3 vinferd is not running.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <json-c/json.h>

#include "cmd.h"
#include "vinferd/control.h"

#define EXIT_NOT_RUNNING	3
#define REPLY_MAX		(16 << 20)
#define REPLY_TIMEOUT_S		60	/* close-epoch waits for a TPM quote */

struct request {
	const char *name;
	int min_args, max_args;
	const char *usage;
};

/* Connects, sends "name [arg]\n", reads the reply until the daemon closes. */
static int ask(const char *who, const char *path, const char *line, char **reply)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	size_t len = 0, cap = 0;
	char *buf = NULL, *nb;
	ssize_t n;
	int fd, ret = VINFER_EXIT_FAIL;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: socket path too long: %s\n", who, path);
		return VINFER_EXIT_USAGE;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", who, strerror(errno));
		return VINFER_EXIT_FAIL;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (errno == ENOENT || errno == ENOTDIR) {
			fprintf(stderr, "vinfer: vinferd is not running (no socket at %s)\n", path);
			ret = EXIT_NOT_RUNNING;
		} else if (errno == ECONNREFUSED) {
			fprintf(stderr, "vinfer: vinferd is not running (stale socket at %s)\n", path);
			ret = EXIT_NOT_RUNNING;
		} else if (errno == EACCES) {
			fprintf(stderr, "%s: %s: %s (root and the socket's group only)\n", who, path,
				strerror(errno));
		} else {
			fprintf(stderr, "%s: connect %s: %s\n", who, path, strerror(errno));
		}
		goto out;
	}
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) != (ssize_t)strlen(line)) {
		fprintf(stderr, "%s: sending the request to %s: %s\n", who, path, strerror(errno));
		goto out;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 65536;
			if (cap > REPLY_MAX + 4096) {
				fprintf(stderr, "%s: reply from %s is longer than %d bytes\n", who,
					path, REPLY_MAX);
				goto out;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "%s: out of memory\n", who);
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: reading the reply from %s: %s\n", who, path,
				errno == EAGAIN ? "timed out" : strerror(errno));
			goto out;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	if (!len) {
		fprintf(stderr, "%s: vinferd closed the connection without a reply\n", who);
		goto out;
	}
	buf[len] = '\0';
	*reply = buf;
	buf = NULL;
	ret = VINFER_EXIT_OK;
out:
	free(buf);
	close(fd);
	return ret;
}

static void print_scalar(json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		fputs(json_object_get_string(v), stdout);
	else if (!v)
		fputs("-", stdout);
	else
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), stdout);
}

static bool is_container(json_object *v)
{
	return json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array);
}

/* key: value lines; nested objects indented; array elements one line each. */
static void print_object(json_object *o, int indent)
{
	json_object_object_foreach(o, key, v) {
		size_t i, n;

		printf("%*s%s:", indent, "", key);
		if (json_object_is_type(v, json_type_object)) {
			putchar('\n');
			print_object(v, indent + 2);
			continue;
		}
		if (!json_object_is_type(v, json_type_array)) {
			putchar(' ');
			print_scalar(v);
			putchar('\n');
			continue;
		}
		n = json_object_array_length(v);
		putchar(n ? '\n' : ' ');
		if (!n)
			puts("(none)");
		for (i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(v, i);

			printf("%*s- ", indent + 2, "");
			if (!json_object_is_type(e, json_type_object)) {
				print_scalar(e);
				putchar('\n');
				continue;
			}
			json_object_object_foreach(e, k, ev) {
				printf("%s=", k);
				if (is_container(ev))
					fputs(json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN),
					      stdout);
				else
					print_scalar(ev);
				putchar(' ');
			}
			putchar('\n');
		}
	}
}

static int run(const struct request *r, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = VINFERD_CONTROL_PATH;
	char who[64], line[CONTROL_REQUEST_MAX], *reply = NULL;
	enum json_tokener_error jerr;
	json_object *o, *err;
	bool json = false;
	int c, i, nargs, ret;

	snprintf(who, sizeof(who), "vinfer %s", r->name);
	while ((c = getopt_long(argc, argv, "+s:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			printf("usage: vinfer %s [--socket PATH] [--json]\n", r->usage);
			return VINFER_EXIT_OK;
		default:
			goto usage;
		}
	}
	nargs = argc - optind;
	if (nargs < r->min_args || nargs > r->max_args)
		goto usage;
	ret = snprintf(line, sizeof(line), "%s", r->name);
	for (i = optind; i < argc; i++) {
		const char *p;

		for (p = argv[i]; *p; p++)
			if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
				fprintf(stderr, "%s: argument '%s' contains a space or a "
					"non-printable byte\n", who, argv[i]);
				return VINFER_EXIT_USAGE;
			}
		if (!*argv[i]) {
			fprintf(stderr, "%s: empty argument\n", who);
			return VINFER_EXIT_USAGE;
		}
		ret += snprintf(line + ret, sizeof(line) - (size_t)ret, " %s", argv[i]);
	}
	if ((size_t)ret + 2 > sizeof(line)) {
		fprintf(stderr, "%s: request longer than %d bytes\n", who, CONTROL_REQUEST_MAX);
		return VINFER_EXIT_USAGE;
	}
	strcat(line, "\n");
	ret = ask(who, path, line, &reply);
	if (ret)
		return ret;
	o = json_tokener_parse_verbose(reply, &jerr);
	if (!o || !json_object_is_type(o, json_type_object)) {
		fprintf(stderr, "%s: vinferd's reply is not a JSON object (%s)\n", who,
			o ? "another JSON type" : json_tokener_error_desc(jerr));
		json_object_put(o);
		free(reply);
		return VINFER_EXIT_FAIL;
	}
	ret = VINFER_EXIT_OK;
	if (json_object_object_get_ex(o, "error", &err)) {
		fprintf(stderr, "vinfer: %s\n", json_object_get_string(err));
		ret = VINFER_EXIT_FAIL;
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	else if (!ret)
		print_object(o, 0);
	json_object_put(o);
	free(reply);
	return ret;
usage:
	fprintf(stderr, "usage: vinfer %s [--socket PATH] [--json]\n", r->usage);
	return VINFER_EXIT_USAGE;
}

int cmd_status(int argc, char **argv)
{
	static const struct request r = { "status", 0, 0, "status" };

	return run(&r, argc, argv);
}

int cmd_epochs(int argc, char **argv)
{
	static const struct request r = { "epochs", 0, 1, "epochs [WORKLOAD]" };

	return run(&r, argc, argv);
}

int cmd_show(int argc, char **argv)
{
	static const struct request r = { "show", 1, 1, "show AGENT-WORKLOAD-EPOCH" };

	return run(&r, argc, argv);
}

int cmd_close_epoch(int argc, char **argv)
{
	static const struct request r = { "close-epoch", 0, 1, "close-epoch [WORKLOAD]" };

	return run(&r, argc, argv);
}
