/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket of vinferd: an AF_UNIX stream socket where `vinfer
 * status|epochs|show|close-epoch` ask the daemon questions.
 *
 * Protocol: the client sends one request line (at most CONTROL_REQUEST_MAX
 * bytes, newline-terminated or ended by shutting down its write side), the
 * daemon writes one JSON object and closes. Requests:
 *
 *   status                  the daemon's state
 *   epochs [WORKLOAD]       epochs, of every workload or of one
 *   show ID                 one attestation; ID is AGENT-WORKLOAD-EPOCH
 *   close-epoch [WORKLOAD]  close the open epoch now (all workloads or one)
 *
 * Errors reply {"error": "..."}. Bounds: CONTROL_TIMEOUT_MS to send the
 * request, CONTROL_CLIENTS_MAX connections read at once. close-epoch is
 * allowed to uid 0, to the daemon's own uid and to members (primary or
 * supplementary, from SO_PEERCRED/SO_PEERGROUPS) of the socket's group; the
 * socket is 0660 in a 0750 directory, so nobody else can connect at all.
 */
#ifndef VINFERD_CONTROL_H
#define VINFERD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>

#define VINFERD_CONTROL_PATH	"/run/vinfer/vinferd.sock"
#define CONTROL_REQUEST_MAX	4096
#define CONTROL_TIMEOUT_MS	2000
#define CONTROL_CLIENTS_MAX	16
#define CONTROL_ERR_MAX		320

/*
 * Answers of the daemon core, called from control_handle() on the main loop.
 * Each fills out (an empty JSON object) and returns 0, or returns a negative
 * errno; on failure it should put the reason into out as "error" (a string),
 * else the reply says "<request>: strerror(-ret)". workload is NULL when the
 * request named none. A NULL callback answers "not supported".
 */
struct control_ops {
	int (*status)(void *ctx, json_object *out);
	int (*epochs)(void *ctx, const char *workload, json_object *out);
	int (*show)(void *ctx, const char *id, json_object *out);
	int (*close_epoch)(void *ctx, const char *workload, json_object *out);
};

struct control_opts {
	const char *path;	/* NULL: VINFERD_CONTROL_PATH */
	gid_t gid;		/* group of the socket; (gid_t)-1: the daemon's */
};

struct control;

/*
 * Creates the socket's directory (0750) if missing, refuses to start when a
 * daemon answers on path, removes a stale socket, binds (0660) and listens.
 * Returns 0 or -errno with err saying what and where.
 */
int control_open(struct control **out, const struct control_opts *o,
		 const struct control_ops *ops, void *ctx, char err[CONTROL_ERR_MAX]);
/* Whether a daemon answers on path (NULL: the default): a connect succeeds. */
bool control_answers(const char *path);
/* Closes every connection and removes the socket. NULL is fine. */
void control_close(struct control *c);
/* Poll it for POLLIN; then call control_handle(). */
int control_fd(const struct control *c);
/* Accepts, reads and answers what is ready, never blocking on a client. */
int control_handle(struct control *c);

/*
 * The protocol without the socket (tests, and the CLI's own checks): parses
 * one request line (len bytes, no NUL needed) and answers it as a client with
 * the given credentials would be answered. Returns the reply (a JSON object;
 * the caller puts it), NULL only when out of memory.
 */
struct control_peer {
	uid_t uid;
	bool may_close;		/* root, the daemon's uid or the socket's group */
};
json_object *control_answer(const struct control_ops *ops, void *ctx, const char *line,
			    size_t len, const struct control_peer *peer);

#endif
