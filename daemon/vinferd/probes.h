/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The accelerator counters of a workload: one libvinfer_probe trace
 * (bpf/trace.h) scoped to the workload's cgroup, open for the daemon's whole
 * life, and at each epoch close the counters of what happened since the
 * previous close (Documentation/userspace-api/attestation.rst, "Counters
 * digest"; Documentation/probes.rst for the modes and the estimator).
 *
 * Life of one workload's probe:
 *
 *	probe_open()	after the start-up check; a BPF failure is fatal
 *	probe_fd()	the main loop waits on it with ppoll(), at most
 *	probe_deadline_ms()  long: then
 *	probe_poll()	without waiting: delivers events, attaches uprobes and
 *			continues a held process, opens and closes sampling
 *			windows
 *	probe_take()	at the epoch close, before the marker: the counters
 *			since the last probe_commit() (or the open)
 *	probe_commit()	once the marker is in the log: those counters belong
 *			to that epoch; the next take starts from here
 *	probe_close()
 */
#ifndef VINFERD_PROBES_H
#define VINFERD_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest.h"
#include "conf.h"

#define PROBE_ERR_MAX	512

struct vinferd_probe;

/* The counters of one epoch, as the document and its digest carry them. */
struct probe_counts {
	struct probe_counts *next;	/* the workload's list, by epoch */
	uint64_t epoch;
	char mode[16];			/* "exact" or "sampled" */
	struct attest_counter *fns;	/* calls > 0 only */
	size_t n_fns;
	uint64_t ioctls, drm_jobs, gpu_ns;
	uint32_t flags;			/* CLAIM_F_ESTIMATED, _BYPASS, _LOST */
};

int probe_open(struct vinferd_probe **pp, const char *cgroup, enum conf_probes mode,
	       char err[PROBE_ERR_MAX]);
/* Handles what is pending, without waiting; 0 or a negative errno. */
int probe_poll(struct vinferd_probe *p);
/* Readable when events are queued (poll for POLLIN). */
int probe_fd(const struct vinferd_probe *p);
/*
 * Milliseconds from now_ns (CLOCK_MONOTONIC) until probe_poll() must run
 * even without events (sampling windows, holds; at most 500); 0: now.
 */
int probe_deadline_ms(const struct vinferd_probe *p, uint64_t now_ns);
/* Events lost (ring buffer full, ioctl counters) in the committed epochs. */
uint64_t probe_drops(const struct vinferd_probe *p);
/* The counters since the last commit; *out is malloc'ed (probe_counts_free). */
int probe_take(struct vinferd_probe *p, struct probe_counts **out, char err[PROBE_ERR_MAX]);
/* The last take's interval belongs to an epoch: the next take starts at its end. */
void probe_commit(struct vinferd_probe *p);
void probe_close(struct vinferd_probe *p);

void probe_counts_free(struct probe_counts *c);
/* Fills the document's counters (pointers into c, which must outlive doc). */
void probe_counts_to_doc(const struct probe_counts *c, struct attest_doc *doc);

#endif
