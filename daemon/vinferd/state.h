/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The resume journal, "state.json" in the spool: per (agent, workload) the
 * last epoch whose attestation is in the spool, the seq of its seal and the
 * chain head after that seal (which tells a later start whether the log is
 * still the same log: a reloaded module starts a new one).  Written with
 * spool_replace() after each attestation file, so it can only lag the
 * spool, never lead it; the log's epoch markers fill the gap at start.
 *
 *	{"version": 1, "workloads": [{"agent": "7", "workload": 1234,
 *	  "epoch": 3, "sealSeq": 88, "sealHead": HEX}]}
 */
#ifndef VINFERD_STATE_H
#define VINFERD_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "spool.h"

#define STATE_FILE	"state.json"
#define STATE_ERR_MAX	320

struct state_entry {
	uint8_t agent[32];
	uint64_t workload;
	uint64_t epoch;			/* 0: none yet */
	uint64_t seal_seq;
	uint8_t seal_head[32];
};

struct vinferd_state {
	struct state_entry *e;
	size_t n;
};

/* An absent journal is an empty one; a damaged one is an error. */
int state_load(struct spool *sp, struct vinferd_state *st, char err[STATE_ERR_MAX]);
int state_save(struct spool *sp, const struct vinferd_state *st, char err[STATE_ERR_MAX]);
/* The entry of (agent, workload), added (epoch 0) when missing; NULL: no memory. */
struct state_entry *state_get(struct vinferd_state *st, const uint8_t agent[32],
			      uint64_t workload);
void state_free(struct vinferd_state *st);

#endif
