/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Epochs: closing one (an epoch marker claim, a seal, claims derived from
 * the log, a TPM quote over them, the document into the spool, the journal)
 * and catching up after a crash (every marker with a seal beyond the
 * journal whose attestation is not in the spool gets one now; an existing
 * file is never rewritten).  Both run on the main loop, one at a time.
 */
#ifndef VINFERD_EPOCH_H
#define VINFERD_EPOCH_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "probes.h"
#include "spool.h"
#include "state.h"
#include "tpm.h"

#define EPOCH_ERR_MAX	512

struct vinferd_workload {
	char *path;			/* cgroup v2 directory */
	uint64_t id;			/* its inode number = cgroup id */
	uint64_t epoch_hi;		/* highest epoch marker written or seen */
	bool pending;			/* a marker not yet attested (retried) */
	uint64_t own_marker;		/* the last marker this process wrote */
	uint64_t next_due_ns;		/* CLOCK_MONOTONIC of the period trigger */
	uint64_t counted_at;		/* log records when last counted (records trigger) */
	uint64_t closed;		/* attestations written by this process */
	uint64_t records;		/* the workload's records in those epochs */
	uint64_t violations;
	double seal_ms;			/* of the marker not yet attested */
	char last_name[128];		/* last attestation file */
	struct vinferd_probe *probe;	/* its trace; NULL: [probes] mode = off */
	struct probe_counts *counts;	/* counters of its epochs not yet attested */
};

/* How long each step of the last epoch took (logged at debug, -v). */
struct epoch_timing {
	double seal_ms;		/* marker APPEND + SEAL (waits for the PCR extend) */
	double log_ms;		/* read and parse binary_measurements, derive claims */
	double quote_ms;	/* TPM clock read + quote */
	double encode_ms;	/* document to JSON */
	double write_ms;	/* spool_create: write, fsync, rename, fsync dir */
	double journal_ms;	/* state.json */
	uint64_t tpm_commands;	/* sent by vinferd (the seal's extend is the kernel's) */
};

/*
 * The claims' tpmClock/resetCount/restartCount are a TPM reading taken
 * before the quote: the clockInfo of this run's previous quote when it is
 * younger than EPOCH_CLOCK_REUSE_MS (no command), else a ReadClock.  When
 * the new quote's resetCount or restartCount differ from the claims' (the
 * TPM was reset or restarted in between), the clock is read and claims and
 * quote are made once more.
 */
#define EPOCH_CLOCK_REUSE_MS	3600000ULL

/*
 * Where the claims' block comes from; epoch_block_none() gives zeros.  A
 * failure (the chain is down) is never papered over with zeros, which the
 * contract refuses forever (StaleBlock): the epoch stays sealed in the log,
 * pending, and epoch_catch_up() attests it once a block can be had, retried
 * with a backoff from 1 s doubling to EPOCH_BLOCK_BACKOFF_MAX_MS; the
 * outage is logged once when it begins and once when it ends.
 */
typedef int (*vinferd_block_fn)(void *ctx, uint64_t *num, uint8_t hash[32]);
#define EPOCH_BLOCK_BACKOFF_MAX_MS	30000
/* Returned while the claims' block cannot be had: the epoch is pending. */
#define EPOCH_NO_BLOCK			(-ENOLINK)
int epoch_block_none(void *ctx, uint64_t *num, uint8_t hash[32]);

struct vinferd_epoch_env {
	const struct vinferd_config *conf;
	int dev;				/* /dev/vinfer, read-write */
	struct spool spool;
	struct vinferd_state state;
	bool no_tpm;				/* NO_TPM documents, no quote */
	struct vtpm *tpm;
	uint32_t ak_handle;
	struct tpm_key ek, ak;
	uint8_t *ek_cert;
	size_t ek_cert_len;
	uint8_t host_id[32];			/* SHA-256 of the EK's TPMT_PUBLIC */
	struct vinferd_activation act;
	/* clockInfo of this run's last quote, for the next claims */
	bool have_quote_clock;
	struct tpm_clock quote_clock;
	uint64_t quote_clock_ns;		/* CLOCK_MONOTONIC when quoted */
	vinferd_block_fn fresh_block;
	void *fresh_block_ctx;
	/* the chain's outage, as fresh_block() sees it */
	bool block_down;
	uint64_t block_down_ns;			/* CLOCK_MONOTONIC: since when */
	uint64_t block_retry_ns;		/* no attempt before */
	unsigned int block_backoff_ms;
	/* Called after each attestation file is in the spool (path is full). */
	void (*written)(void *ctx, struct vinferd_workload *w, uint64_t epoch,
			const char *path, const struct epoch_timing *t);
	void *written_ctx;
};

/*
 * The probe's counters (when w->probe), marker, seal, then epoch_catch_up():
 * the new epoch and any pending one.  An epoch whose marker this process did
 * not write (an earlier run's) has counters mode "none": nobody counted.
 */
int epoch_close(struct vinferd_epoch_env *env, struct vinferd_workload *w,
		char err[EPOCH_ERR_MAX]);
/*
 * Attests every sealed marker of w beyond the journal that has no file.
 * EPOCH_NO_BLOCK: no block for the claims (before the next retry time, it
 * returns at once); w->pending stays set.
 */
int epoch_catch_up(struct vinferd_epoch_env *env, struct vinferd_workload *w,
		   char err[EPOCH_ERR_MAX]);
/* Records of the workload in the log after its last attested seal. */
int epoch_pending_records(struct vinferd_epoch_env *env, struct vinferd_workload *w,
			  uint64_t *count, uint64_t *log_records, char err[EPOCH_ERR_MAX]);
/* Frees the counters of epochs not yet attested (at exit). */
void epoch_counts_free(struct vinferd_workload *w);
/* "<agentId>-<workload>-<epoch>.json" */
void epoch_file_name(const struct vinferd_epoch_env *env, const struct vinferd_workload *w,
		     uint64_t epoch, char *out, size_t size);

#endif
