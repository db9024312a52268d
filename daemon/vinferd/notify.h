/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The systemd notification protocol, written out (no libsystemd): one
 * datagram of newline-separated VAR=VALUE lines to the AF_UNIX socket named
 * by $NOTIFY_SOCKET (a path, or an abstract name written "@name"). Without
 * NOTIFY_SOCKET every call is a no-op that succeeds, so the daemon runs the
 * same outside systemd.
 */
#ifndef VINFERD_NOTIFY_H
#define VINFERD_NOTIFY_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#define NOTIFY_ERR_MAX 320

struct notify {
	int fd;				/* -1: not under systemd */
	struct sockaddr_un addr;
	socklen_t addr_len;
	uint64_t watchdog_usec;		/* 0: no watchdog asked for */
};

/*
 * Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from the environment
 * (and leaves them there). Returns 0 (also when unset) or -errno with err
 * naming the bad value.
 */
int notify_open(struct notify *n, char err[NOTIFY_ERR_MAX]);
void notify_close(struct notify *n);

/* Sends state as one datagram; 0, or -errno (the daemon carries on). */
int notify_send(const struct notify *n, const char *state);
int notify_ready(const struct notify *n);	/* READY=1 */
int notify_reloading(const struct notify *n);	/* RELOADING=1 + MONOTONIC_USEC */
int notify_stopping(const struct notify *n);	/* STOPPING=1 */
int notify_watchdog(const struct notify *n);	/* WATCHDOG=1 */
int notify_status(const struct notify *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));	/* STATUS=..., one line */

#endif
