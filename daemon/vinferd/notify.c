// SPDX-License-Identifier: GPL-2.0
/*
 * sd_notify without libsystemd (see notify.h). The protocol: datagrams to
 * $NOTIFY_SOCKET; the service manager trusts them because it checks the
 * sender's pid, so nothing here needs credentials of its own.
 * The watchdog: systemd sets WATCHDOG_USEC (and WATCHDOG_PID, which must be
 * ours); the main loop sends WATCHDOG=1 every half of it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

int notify_open(struct notify *n, char err[NOTIFY_ERR_MAX])
{
	const char *path = getenv("NOTIFY_SOCKET"), *wd = getenv("WATCHDOG_USEC");
	const char *wpid = getenv("WATCHDOG_PID");
	unsigned long long v;
	size_t len;
	char *end;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (wd && (!wpid || strtoul(wpid, NULL, 10) == (unsigned long)getpid())) {
		errno = 0;
		v = strtoull(wd, &end, 10);
		if (errno || !*wd || *end || !v) {
			snprintf(err, NOTIFY_ERR_MAX, "WATCHDOG_USEC '%s': not a positive number "
				 "of microseconds", wd);
			return -EINVAL;
		}
		n->watchdog_usec = v;
	}
	if (!path || !*path)
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(n->addr.sun_path)) {
		snprintf(err, NOTIFY_ERR_MAX, "NOTIFY_SOCKET '%s': expected an absolute path or "
			 "@abstract name shorter than %zu bytes", path, sizeof(n->addr.sun_path));
		return -EINVAL;
	}
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0';	/* abstract: no NUL terminator counted */
	n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
				  (path[0] == '/'));
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0) {
		snprintf(err, NOTIFY_ERR_MAX, "NOTIFY_SOCKET '%s': socket: %s", path,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

void notify_close(struct notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

int notify_send(const struct notify *n, const char *state)
{
	struct iovec iov = { .iov_base = (void *)state, .iov_len = strlen(state) };
	struct msghdr msg = {
		.msg_name = (void *)&n->addr, .msg_namelen = n->addr_len,
		.msg_iov = &iov, .msg_iovlen = 1,
	};

	if (n->fd < 0)
		return 0;
	return sendmsg(n->fd, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int notify_ready(const struct notify *n)
{
	return notify_send(n, "READY=1");
}

/* Type=notify-reload wants the monotonic time of the reload with it. */
int notify_reloading(const struct notify *n)
{
	struct timespec ts;
	char s[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(s, sizeof(s), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL +
		 (unsigned long long)ts.tv_nsec / 1000);
	return notify_send(n, s);
}

int notify_stopping(const struct notify *n)
{
	return notify_send(n, "STOPPING=1");
}

int notify_watchdog(const struct notify *n)
{
	return notify_send(n, "WATCHDOG=1");
}

int notify_status(const struct notify *n, const char *fmt, ...)
{
	char s[256];
	va_list ap;
	char *p;
	int len;

	if (n->fd < 0)
		return 0;
	len = snprintf(s, sizeof(s), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(s + len, sizeof(s) - (size_t)len, fmt, ap);
	va_end(ap);
	for (p = s; *p; p++)	/* a newline would start another variable */
		if (*p == '\n')
			*p = ' ';
	return notify_send(n, s);
}
