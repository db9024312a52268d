// SPDX-License-Identifier: GPL-2.0
/*
 * The bounded listener (see listener.h). One epoll set holds the listening
 * socket, a timerfd armed for the earliest client deadline, and the clients
 * being read; the epoll data of each is its slot: LISTEN_SLOT, TIMER_SLOT or
 * CLIENT_SLOT + index.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "listener.h"

enum { LISTEN_SLOT, TIMER_SLOT, CLIENT_SLOT };

struct client {
	int fd;			/* -1: slot free */
	size_t len;
	uint64_t deadline_ms;	/* CLOCK_MONOTONIC */
	char *buf;		/* max_request + 1 bytes */
};

struct listener {
	struct listener_opts o;
	int ep;
	int tfd;
	bool accepting;
	unsigned int n;
	struct client *c;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int ep_ctl(int ep, int op, int fd, uint32_t events, uint64_t slot)
{
	struct epoll_event ev = { .events = events, .data.u64 = slot };

	return epoll_ctl(ep, op, fd, &ev) ? -errno : 0;
}

int listener_open(struct listener **out, const struct listener_opts *o)
{
	struct listener *l;
	unsigned int i;
	int ret = -ENOMEM;

	*out = NULL;
	if (o->fd < 0 || !o->max_request || o->timeout_ms <= 0 || !o->max_clients ||
	    !o->complete || !o->request)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->o = *o;
	l->ep = l->tfd = -1;
	l->c = calloc(o->max_clients, sizeof(*l->c));
	if (!l->c)
		goto fail;
	for (i = 0; i < o->max_clients; i++) {
		l->c[i].fd = -1;
		l->c[i].buf = malloc(o->max_request + 1);
		if (!l->c[i].buf)
			goto fail;
	}
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->ep < 0 || l->tfd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = ep_ctl(l->ep, EPOLL_CTL_ADD, l->tfd, EPOLLIN, TIMER_SLOT);
	if (!ret)
		ret = ep_ctl(l->ep, EPOLL_CTL_ADD, o->fd, EPOLLIN, LISTEN_SLOT);
	if (ret)
		goto fail;
	l->accepting = true;
	*out = l;
	return 0;
fail:
	l->o.fd = -1;	/* still the caller's */
	listener_close(l);
	return ret;
}

/*
 * Closing a TCP socket with unread input resets the connection, and the
 * peer may lose the reply already sent: so drain what has arrived (bounded)
 * after the reply.
 */
static void drain(int fd)
{
	char scratch[4096];
	int i;

	shutdown(fd, SHUT_WR);
	for (i = 0; i < 16 && read(fd, scratch, sizeof(scratch)) > 0; i++)
		;
}

static void client_end(struct listener *l, struct client *c, int status)
{
	c->buf[c->len] = '\0';
	l->o.request(l->o.ctx, c->fd, c->buf, c->len, status);
	drain(c->fd);
	epoll_ctl(l->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	l->n--;
}

void listener_close(struct listener *l)
{
	unsigned int i;

	if (!l)
		return;
	if (l->c) {
		for (i = 0; i < l->o.max_clients; i++) {
			if (l->c[i].fd >= 0)
				close(l->c[i].fd);
			free(l->c[i].buf);
		}
		free(l->c);
	}
	if (l->o.fd >= 0)
		close(l->o.fd);
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->ep >= 0)
		close(l->ep);
	free(l);
}

int listener_fd(const struct listener *l)
{
	return l->ep;
}

unsigned int listener_clients(const struct listener *l)
{
	return l->n;
}

/* Pauses or resumes accepting so that a full table does not spin the loop. */
static int set_accepting(struct listener *l, bool on)
{
	int ret;

	if (l->accepting == on)
		return 0;
	ret = ep_ctl(l->ep, EPOLL_CTL_MOD, l->o.fd, on ? EPOLLIN : 0, LISTEN_SLOT);
	if (!ret)
		l->accepting = on;
	return ret;
}

static int accept_all(struct listener *l)
{
	unsigned int i;
	int fd, ret;

	while (l->n < l->o.max_clients) {
		fd = accept4(l->o.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			/* A peer that went away before the accept is not our error. */
			if (errno == EAGAIN || errno == ECONNABORTED || errno == EINTR)
				return 0;
			return -errno;
		}
		for (i = 0; l->c[i].fd >= 0; i++)
			;
		ret = ep_ctl(l->ep, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP, CLIENT_SLOT + i);
		if (ret) {
			close(fd);
			return ret;
		}
		l->c[i].fd = fd;
		l->c[i].len = 0;
		l->c[i].deadline_ms = now_ms() + (uint64_t)l->o.timeout_ms;
		l->n++;
	}
	return set_accepting(l, false);
}

static void client_read(struct listener *l, struct client *c)
{
	ssize_t r;

	for (;;) {
		r = read(c->fd, c->buf + c->len, l->o.max_request - c->len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				client_end(l, c, -errno);
			return;
		}
		if (r == 0) {
			client_end(l, c, -ENODATA);
			return;
		}
		c->len += (size_t)r;
		if (l->o.complete(c->buf, c->len)) {
			client_end(l, c, 0);
			return;
		}
		if (c->len == l->o.max_request) {
			client_end(l, c, -E2BIG);
			return;
		}
	}
}

/* Ends the clients past their deadline; arms the timer for the next one. */
static int expire(struct listener *l)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	uint64_t now = now_ms(), next = 0;
	unsigned int i;

	for (i = 0; i < l->o.max_clients; i++) {
		if (l->c[i].fd < 0)
			continue;
		if (l->c[i].deadline_ms <= now)
			client_end(l, &l->c[i], -ETIMEDOUT);
		else if (!next || l->c[i].deadline_ms < next)
			next = l->c[i].deadline_ms;
	}
	if (next) {
		its.it_value.tv_sec = (time_t)((next - now) / 1000);
		its.it_value.tv_nsec = (long)((next - now) % 1000) * 1000000;
	}
	return timerfd_settime(l->tfd, 0, &its, NULL) ? -errno : 0;
}

int listener_handle(struct listener *l)
{
	struct epoll_event ev[32];
	uint64_t ticks;
	int i, n, ret = 0;

	n = epoll_wait(l->ep, ev, 32, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		uint64_t slot = ev[i].data.u64;

		if (slot == LISTEN_SLOT) {
			ret = accept_all(l);
		} else if (slot == TIMER_SLOT) {
			if (read(l->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
				ret = -errno;
		} else if (l->c[slot - CLIENT_SLOT].fd >= 0) {
			client_read(l, &l->c[slot - CLIENT_SLOT]);
		}
	}
	if (l->n < l->o.max_clients && !l->accepting) {
		int r = set_accepting(l, true);

		if (!ret)
			ret = r;
	}
	n = expire(l);
	return ret ? ret : n;
}

int listener_reply(int fd, const void *buf, size_t len, int timeout_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms, now;
	const char *p = buf;
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t w;

	while (len) {
		w = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			p += w;
			len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		now = now_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)(deadline - now)) < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}
