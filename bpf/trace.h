/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvinfer_probe: trace an inference workload with the vinfer BPF probes.
 *
 * One struct vinfer_trace is one tracing session over one scope (a cgroup v2
 * subtree or a process tree). The pipeline follows libbpf-tools:
 *
 *	vinfer_trace_open()	open the BPF object, set its load-time
 *				settings, load, attach the kernel tier
 *	vinfer_trace_add_pid()	(optional) put a process tree in scope
 *	vinfer_trace_poll()	deliver events to the callback, attach the
 *				runtime tier to processes as they load it,
 *				run the sampling windows
 *	vinfer_trace_summary()	counts, bytes, devices, files, drops, mode
 *				(cumulative; or _since() a mark: an interval)
 *	vinfer_trace_close()	detach everything, continue held processes
 *
 * The callback sees every event as it arrives; the daemon uses the OPEN
 * events (path, flags, result, pid/tgid/cgroup) to hand model and data files
 * to vinfer.ko. Nothing here prints: errors come back as a negative errno and
 * a message naming what was wrong.
 *
 * Documentation/probes.rst describes the modes, the estimator and the JSON
 * the CLI prints from these structures.
 */
#ifndef VINFER_TRACE_H
#define VINFER_TRACE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>

#include "vinfer_probe.h"

enum vinfer_trace_scope {
	VINFER_TRACE_PID = 1,	/* the tree under opts.pid (or added pids) */
	VINFER_TRACE_CGROUP,	/* the cgroup v2 subtree at opts.cgroup */
};

struct vinfer_trace_opts {
	enum vinfer_trace_scope scope;
	const char *cgroup;	/* VINFER_TRACE_CGROUP: a cgroup v2 directory */
	pid_t pid;		/* VINFER_TRACE_PID: root; 0: add later */
	bool exact;		/* count every call of every function */
	bool no_hold;		/* never stop a process to attach uprobes */
	unsigned int ringbuf_bytes;	/* power of two >= page size; 0: 4 MiB */
	unsigned int period_ms;	/* sampled mode: one window per period */
	unsigned int window_ms;	/* sampled mode: window length */
	unsigned int seed;	/* window placement; 0: from the clock */
};

#define VINFER_DEFAULT_PERIOD_MS	200
#define VINFER_DEFAULT_WINDOW_MS	2

/* Events the loader adds to the kernel's (enum vinfer_event_type). */
enum vinfer_trace_event_kind {
	VINFER_TEV_ATTACH = 100,	/* runtime probes attached to a process */
	VINFER_TEV_ATTACH_ERROR,	/* ... could not be: why */
};

struct vinfer_attach_info {
	pid_t tgid;
	enum vinfer_runtime runtime;
	const char *path;	/* library as the process maps it */
	unsigned int functions;	/* attached, all kinds */
	unsigned int hot;	/* of which hot (windowed in sampled mode) */
	unsigned int missing;	/* table entries the library does not export */
	bool held;		/* the process was stopped for the attach */
	uint64_t held_ns;	/* for how long */
	const char *error;	/* VINFER_TEV_ATTACH_ERROR only */
};

struct vinfer_trace_event {
	unsigned int kind;	/* enum vinfer_event_type or vinfer_trace_event_kind */
	union {
		const struct vinfer_event_hdr *hdr;
		const struct vinfer_ev_exec *exec;
		const struct vinfer_ev_fork *fork;
		const struct vinfer_ev_exit *exit;
		const struct vinfer_ev_open *open;
		const struct vinfer_ev_lib_map *lib_map;
		const struct vinfer_ev_hold *hold;
		const struct vinfer_ev_rt_call *rt_call;
		const struct vinfer_attach_info *attach;
	};
};

typedef void (*vinfer_trace_cb)(const struct vinfer_trace_event *ev, void *ctx);

struct vinfer_trace;

int vinfer_trace_open(struct vinfer_trace **tp, const struct vinfer_trace_opts *opts,
		      vinfer_trace_cb cb, void *ctx, char *err, size_t errlen);
int vinfer_trace_add_pid(struct vinfer_trace *t, pid_t pid, char *err, size_t errlen);
/*
 * Wait up to @timeout_ms for events (ppoll with @sigmask, which may be NULL),
 * handle them and any due sampling window. Returns the number of events
 * handled, -EINTR when a signal arrived, another negative errno on failure.
 */
int vinfer_trace_poll(struct vinfer_trace *t, int timeout_ms, const sigset_t *sigmask);
/* Whether a process tree scope has had processes and has none left. */
bool vinfer_trace_done(const struct vinfer_trace *t);
/* Handle everything already in the ring buffer, without waiting. */
int vinfer_trace_drain(struct vinfer_trace *t);
/*
 * Waiting in the caller's own loop instead of vinfer_trace_poll()'s:
 * vinfer_trace_fd() is an epoll file descriptor (the ring buffer's) that
 * becomes readable when events are queued; it may be added to the caller's
 * epoll set or poll()ed. vinfer_trace_next_deadline_ms() says how long the
 * caller may wait, from @now (CLOCK_MONOTONIC, ns), before the session
 * needs to run: the next sampling window to open or close, the period's
 * end, the exited-process sweep and DRM fdinfo sample, and at most 500 ms
 * (the loader's heartbeat that lets the BPF side hold new processes). It
 * is 0 when something is due now. Then call vinfer_trace_poll(t, 0, NULL):
 *
 *	for (;;) {
 *		clock_gettime(CLOCK_MONOTONIC, &ts);
 *		ms = vinfer_trace_next_deadline_ms(t, ts.tv_sec * 1000000000ULL +
 *						   ts.tv_nsec);
 *		poll(&(struct pollfd){ .fd = vinfer_trace_fd(t), .events = POLLIN },
 *		     1, ms);
 *		vinfer_trace_poll(t, 0, NULL);
 *	}
 *
 * Waiting longer than the deadline delays windows (and so the estimate's
 * schedule) and, past 2 s, stops the holds; it loses no event.
 */
int vinfer_trace_fd(const struct vinfer_trace *t);
int vinfer_trace_next_deadline_ms(const struct vinfer_trace *t, uint64_t now);
void vinfer_trace_close(struct vinfer_trace *t);

const char *vinfer_event_name(unsigned int kind);
const char *vinfer_runtime_name(enum vinfer_runtime rt);
const char *vinfer_accel_name(enum vinfer_accel_class cls);
/* "user" or "resolved": where an open event's path came from. */
const char *vinfer_path_src_name(enum vinfer_path_src src);
/* Name of runtime function slot @fid, or NULL. */
const char *vinfer_fn_name(unsigned int fid);

/* ---- summary ---- */

struct vinfer_fn_summary {
	const char *name;
	enum vinfer_runtime runtime;
	enum vinfer_op op;
	bool hot;		/* launch/sync class */
	bool exact;		/* calls is an exact count */
	uint64_t calls;		/* exact count, or the estimate rounded */
	double estimate;	/* !exact: the estimate */
	double error;		/* !exact: ~99.7% bound on |estimate - truth| */
	uint64_t sampled_calls;	/* !exact: calls seen inside windows */
	unsigned int windows;	/* !exact: windows the estimate rests on */
	bool unknown;		/* !exact: no window at all: no estimate */
	uint64_t traps;		/* probe hits (cost), counted or not */
	uint64_t bytes[VINFER_DIR_MAX];	/* exact copy/alloc bytes */
};

struct vinfer_ioctl_summary {
	uint32_t cmd;
	uint64_t count;
};

struct vinfer_dev_summary {
	char path[VINFER_PATH_LEN];	/* as first opened, or "" if unseen */
	uint32_t rdev;			/* major << 20 | minor */
	enum vinfer_accel_class accel;
	uint64_t opens;
	uint64_t ioctls;
	size_t n_cmds;
	struct vinfer_ioctl_summary *cmds;
};

struct vinfer_file_summary {
	char path[VINFER_PATH_LEN];
	uint64_t opens;		/* successful */
	uint64_t failures;
	uint32_t flags;		/* union of the open flags */
	pid_t first_tgid;	/* the process that opened it first */
	uint64_t ino;
	uint32_t dev;
};

struct vinfer_proc_summary {
	pid_t tgid;
	pid_t ppid;
	char comm[VINFER_COMM_LEN];
	char exe[VINFER_PATH_LEN];
	bool exited;
	int exit_code;
	uint64_t rt_calls;
	uint64_t accel_opens;
	uint64_t accel_ioctls;
	uint64_t drm_jobs;
	unsigned int runtimes;	/* bit per enum vinfer_runtime attached */
	bool bypass;		/* accelerator ioctls, no runtime calls seen */
};

struct vinfer_engine_summary {
	char engine[32];
	uint64_t ns;
};

struct vinfer_summary {
	bool exact;			/* mode: exact or sampled */
	uint64_t duration_ns;
	uint64_t emitted[VINFER_EV_MAX];
	uint64_t dropped[VINFER_EV_MAX];
	uint64_t received[VINFER_EV_MAX];
	uint64_t ioctl_lost;
	uint64_t attach_errors;
	size_t n_fns;
	struct vinfer_fn_summary *fns;	/* functions seen attached */
	uint64_t bytes_htod, bytes_dtoh, bytes_dtod, bytes_copy_other;
	uint64_t bytes_alloc;
	size_t n_devs;
	struct vinfer_dev_summary *devs;
	size_t n_files;
	struct vinfer_file_summary *files;
	size_t n_procs;
	struct vinfer_proc_summary *procs;
	bool bypass;			/* some process bypassed the runtime */
	/* DRM scheduler and fdinfo (kernel tier). */
	char drm_tracepoints[128];	/* attached names, comma separated */
	uint64_t drm_queued, drm_run, drm_done_all;
	size_t n_engines;
	struct vinfer_engine_summary *engines;
	/* Sampled mode. */
	unsigned int period_ms, window_ms;
	unsigned int windows;		/* windows closed */
	uint64_t window_ns;		/* total time hot probes were live */
	uint64_t oncpu_ns;		/* on-CPU time of the scope, sampled span */
	double tau_ns[VINFER_TRAP_MAX];	/* calibrated cost of one probe hit */
	double tau_err_ns[VINFER_TRAP_MAX];
	bool uprobe_multi;		/* windows used uprobe_multi links */
};

/*
 * The summary from the trace's open until now, fresh at every call: it
 * handles the queued events, samples DRM fdinfo, and ends the current
 * sampling period here (an open window is closed early; sampling goes on
 * with a new period), so duration_ns, every count and every estimate
 * cover exactly the trace so far. Free it with vinfer_summary_free().
 */
int vinfer_trace_summary(struct vinfer_trace *t, struct vinfer_summary **sp);
void vinfer_summary_free(struct vinfer_summary *s);

/*
 * Intervals. A mark is a point of one trace; vinfer_trace_summary_since()
 * returns the summary of the interval from @mark until now and moves @mark
 * to now, so consecutive calls give consecutive, non-overlapping intervals
 * that add up to the cumulative summary:
 *
 *   - exact counters are the interval's: calls, traps and bytes per
 *     function, the byte totals, events emitted/received/dropped, ioctl
 *     counters lost, attach errors, device opens, ioctls and per-command
 *     counts, file opens and failures, each process's rt_calls,
 *     accel_opens, accel_ioctls and drm_jobs, DRM job counts and engine
 *     busy time, and the sampling figures windows, window_ns, oncpu_ns;
 *     duration_ns is the interval's length;
 *   - a sampled (hot) function's estimate, error and windows come from the
 *     windows inside the interval only: the estimator's sums over the
 *     interval, not a difference of two estimates, so the error is the
 *     interval's own ~99.7% bound. With no window in the interval its
 *     estimate is unknown; a caller that wants it folded into the next
 *     interval keeps a copy of the mark (vinfer_trace_mark_dup()) and asks
 *     again from that copy later;
 *   - the lists (functions, devices, files, processes, engines) are the
 *     cumulative summary's, with the counters above for the interval;
 *     flags, paths, exit status stay as they are now; a process is flagged
 *     bypass when its verdict holds and it had accelerator activity in the
 *     interval.
 *
 * Like vinfer_trace_summary(), each call ends the sampling period at its
 * time. A mark is used only with the trace it was made for (-EINVAL
 * otherwise); vinfer_trace_mark_free() does not need the trace. A caller that commits an interval
 * only later (take, then commit) works on a copy: dup the committed mark,
 * take from the copy, and keep the copy as the committed mark on commit.
 */
struct vinfer_trace_mark;

/* A mark at the trace's open: the first interval is the trace so far. */
int vinfer_trace_mark_new(const struct vinfer_trace *t, struct vinfer_trace_mark **mp);
int vinfer_trace_mark_dup(const struct vinfer_trace_mark *m, struct vinfer_trace_mark **mp);
void vinfer_trace_mark_free(struct vinfer_trace_mark *m);
int vinfer_trace_summary_since(struct vinfer_trace *t, struct vinfer_trace_mark *mark,
			       struct vinfer_summary **sp);

#endif /* VINFER_TRACE_H */
