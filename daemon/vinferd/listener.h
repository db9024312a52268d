/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bounded listener: the part the control socket and the metrics endpoint
 * share. It accepts connections on a listening socket, reads one request from
 * each (at most max_request bytes, within timeout_ms of the accept), hands the
 * request to a callback, and closes the connection. At most max_clients are
 * read at once; while that many are open, the listening socket is left alone
 * and new connections wait in the kernel's backlog.
 *
 * All of it sits behind one epoll descriptor, so the main loop polls a single
 * fd per listener and calls listener_handle() when it is readable. Nothing
 * here blocks except the reply, which the callback writes with
 * listener_reply() (bounded by the same timeout).
 */
#ifndef VINFERD_LISTENER_H
#define VINFERD_LISTENER_H

#include <stdbool.h>
#include <stddef.h>

struct listener;

/*
 * Called once per connection. status is 0 for a complete request, -E2BIG when
 * it grew past max_request, -ETIMEDOUT when the timeout ran out, -ENODATA when
 * the peer closed before the request was complete (buf holds what came, len
 * may be 0), or the -errno of a failed read. The connection is closed when
 * the callback returns.
 */
typedef void (*listener_request_fn)(void *ctx, int fd, const char *buf, size_t len,
				    int status);
/* Whether buf[0..len) is a whole request (e.g. holds a newline). */
typedef bool (*listener_complete_fn)(const char *buf, size_t len);

struct listener_opts {
	int fd;				/* listening socket; owned by the listener */
	size_t max_request;
	int timeout_ms;
	unsigned int max_clients;
	listener_complete_fn complete;
	listener_request_fn request;
	void *ctx;
};

/* Returns 0 or -errno; on error the listening socket is still the caller's. */
int listener_open(struct listener **out, const struct listener_opts *o);
/* Closes every connection and the listening socket. NULL is fine. */
void listener_close(struct listener *l);
/* The descriptor to poll for POLLIN. */
int listener_fd(const struct listener *l);
/* Accepts, reads, answers and expires without blocking; 0 or -errno. */
int listener_handle(struct listener *l);
/* Connections being read now (for tests). */
unsigned int listener_clients(const struct listener *l);

/* Writes all of buf to a connection within timeout_ms; 0 or -errno. */
int listener_reply(int fd, const void *buf, size_t len, int timeout_ms);

#endif
