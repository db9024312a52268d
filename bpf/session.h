/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of one tracing session (struct vinfer_trace), shared by the
 * loader's files. Each file owns one part:
 *
 *   trace.c     the pipeline: open, load, attach, poll, close; event dispatch
 *   features.c  what the running kernel offers (the loader's drift handling)
 *   scope.c     the cgroup or process tree: resolving and seeding it
 *   proc.c      the loader's table of scoped processes
 *   runtime.c   runtime function tables; attaching uprobes to a process
 *   window.c    sampling windows, probe-cost calibration, on-CPU time
 *   estimate.c  the estimator (pure arithmetic, unit tested)
 *   fdinfo.c    per-client GPU time from DRM fdinfo
 *   summary.c   the summary: cumulative, or for the interval since a mark
 *
 * Locking: none. A session is driven by one thread; window.c's helper
 * threads only close file descriptors handed to them.
 */
#ifndef VINFER_SESSION_H
#define VINFER_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "trace.h"
#include "symbols.h"

struct vinfer_bpf;
struct ring_buffer;
struct bpf_link;

/* ---- features.c ---- */

struct vinfer_features {
	bool uprobe_multi;	/* BPF_TRACE_UPROBE_MULTI links (6.6+) */
	/* char-device majors of accelerator drivers, from /proc/devices */
	int n_majors;
	struct {
		unsigned int major;
		enum vinfer_accel_class cls;
	} majors[16];
};

int vinfer_features_probe(struct vinfer_features *f, char *err, size_t errlen);
/* Create a uprobe_multi link of @prog_fd on @path for process @pid. */
int vinfer_uprobe_multi_link(int prog_fd, const char *path, pid_t pid,
			     const unsigned long *offsets, const uint64_t *cookies,
			     unsigned int cnt);

#define VINFER_BPF_TRACE_UPROBE_MULTI	48	/* enum bpf_attach_type, 6.6 */

/* ---- runtime.c ---- */

struct vinfer_fn_def {
	const char *name;
	enum vinfer_runtime rt;
	enum vinfer_op op;
	uint8_t size_arg;	/* VINFER_ARG_NONE: none */
	uint8_t aux_arg;	/* kind (COPY_KIND) or string (LIFECYCLE) */
	uint8_t dir;		/* enum vinfer_dir (COPY) */
	bool size32;
};

extern const struct vinfer_fn_def vinfer_fns[];
extern const unsigned int vinfer_n_fns;

/* Launches and synchronisation: the functions windows duty-cycle. */
static inline bool vinfer_fn_hot(const struct vinfer_fn_def *d)
{
	return d->op == VINFER_OP_LAUNCH || d->op == VINFER_OP_SYNC;
}

/* The uprobes of one runtime library in one process. */
struct vinfer_attachment {
	struct vinfer_attachment *next;
	enum vinfer_runtime rt;
	uint64_t ino;
	uint32_t dev;
	char path[512];		/* what uprobes attach to (/proc/PID/root/...) */
	char shown[VINFER_PATH_LEN];	/* the path the process maps */
	/* always-on probes */
	int multi_fd;			/* uprobe_multi link, or -1 */
	struct bpf_link **links;	/* perf-event links otherwise */
	unsigned int n_links;
	/* hot probes, attached only inside windows in sampled mode */
	unsigned int n_hot;
	unsigned long *hot_offs;
	uint64_t *hot_cookies;
	int hot_multi_fd;
	struct bpf_link **hot_links;
	unsigned int n_hot_links;
};

struct vinfer_uproc;

/* Attach the runtime (@rt) mapped from (@dev, @ino) by @p; continue it if held. */
int vinfer_runtime_attach(struct vinfer_trace *t, struct vinfer_uproc *p,
			  enum vinfer_runtime rt, uint32_t dev, uint64_t ino, bool held);
/* Attach every runtime @p maps now (it was running when the trace began). */
void vinfer_runtime_scan(struct vinfer_trace *t, struct vinfer_uproc *p);
/* Attach a forked child's inherited runtimes (from its parent's list). */
void vinfer_runtime_fork(struct vinfer_trace *t, struct vinfer_uproc *child);
void vinfer_runtime_detach_all(struct vinfer_trace *t, struct vinfer_uproc *p);
int vinfer_libnames_fill(struct vinfer_trace *t);
/* Wait (bounded) until @tgid is stopped; -ESRCH if it is gone. */
int vinfer_wait_stopped(pid_t tgid, int timeout_ms);

/* ---- proc.c ---- */

struct vinfer_uproc {
	struct vinfer_uproc *next;	/* hash chain */
	pid_t tgid;
	pid_t ppid;
	char comm[VINFER_COMM_LEN];
	char exe[VINFER_PATH_LEN];
	bool exited;
	int exit_code;
	struct vinfer_proc final;	/* kernel counters at exit (have_final) */
	bool have_final;
	unsigned int runtimes;		/* bit per enum vinfer_runtime */
	struct vinfer_attachment *att;
	int drm_fds[8];
	unsigned int n_drm_fds;
	bool held_child;		/* a HOLD event is expected/was seen */
};

#define VINFER_PROC_BUCKETS	1024

struct vinfer_proctab {
	struct vinfer_uproc *b[VINFER_PROC_BUCKETS];
	size_t n;		/* entries, live and exited */
	size_t live;
};

struct vinfer_uproc *vinfer_proc_get(struct vinfer_proctab *pt, pid_t tgid);
struct vinfer_uproc *vinfer_proc_add(struct vinfer_proctab *pt, pid_t tgid, pid_t ppid);
void vinfer_proc_mark_exited(struct vinfer_proctab *pt, struct vinfer_uproc *p, int code);
void vinfer_proctab_free(struct vinfer_proctab *pt);
#define vinfer_proc_for_each(pt, i, p) \
	for (i = 0; i < VINFER_PROC_BUCKETS; i++) \
		for (p = (pt)->b[i]; p; p = p->next)

/* ---- scope.c ---- */

int vinfer_scope_cgroup(struct vinfer_trace *t, const char *path, char *err, size_t errlen);
int vinfer_scope_pid_tree(struct vinfer_trace *t, pid_t pid, char *err, size_t errlen);
/* Put @tgid (child of @ppid) in the kernel scope map and the proc table. */
struct vinfer_uproc *vinfer_scope_seed(struct vinfer_trace *t, pid_t tgid, pid_t ppid);
/* Forget exited processes whose exit event was lost (ring buffer full). */
void vinfer_scope_sweep(struct vinfer_trace *t);

/* ---- estimate.c ---- */

/* One sampling period: on-CPU time and probe hits, the window's share. */
struct vinfer_period {
	double period_ns;			/* on-CPU time of the scope */
	double period_traps[VINFER_TRAP_MAX];
	bool has_window;
	double win_ns;
	double win_traps[VINFER_TRAP_MAX];
	uint64_t calls[VINFER_MAX_FUNCS];	/* per hot slot, in the window */
};

/* The estimator's tau variants: tau, tau - its error, tau + its error. */
enum { VINFER_TAU_MID, VINFER_TAU_LO, VINFER_TAU_HI, VINFER_TAU_N };

/*
 * Running sums of the estimator over periods: all it needs, in constant
 * memory. Cumulative since sampling began; the sums of an interval are the
 * differences of two snapshots (vinfer_est_sums_sub). tau is fixed before
 * the first period, so the time bases are summed for each tau variant.
 */
struct vinfer_est_sums {
	unsigned int windows;		/* periods with a window */
	double X[VINFER_TAU_N];		/* sum over periods of max(0, U period) */
	double x[VINFER_TAU_N];		/* sum over windows of max(0, U window) */
	long double xx;			/* sum over windows of x^2 (tau) */
	double y[VINFER_MAX_FUNCS];	/* per hot slot: sum of calls in windows */
	long double xy[VINFER_MAX_FUNCS];	/* sum of x * calls (tau) */
	long double yy[VINFER_MAX_FUNCS];	/* sum of calls^2 */
};

struct vinfer_estimate {
	double value;
	double error;		/* 3 sigma statistical + calibration term */
	double sigma;		/* statistical standard deviation */
	double calib;		/* half the spread over tau +- its error */
	uint64_t sampled;	/* calls seen in windows */
	unsigned int windows;
};

/* Add finished period @pd (@n_hot slots) to @s, with tau +- tau_err. */
void vinfer_est_sums_add(struct vinfer_est_sums *s, const struct vinfer_period *pd,
			 unsigned int n_hot, const double tau[VINFER_TRAP_MAX],
			 const double tau_err[VINFER_TRAP_MAX]);
/* @d = @a - @b: the sums of the periods between snapshot @b and @a. */
void vinfer_est_sums_sub(struct vinfer_est_sums *d, const struct vinfer_est_sums *a,
			 const struct vinfer_est_sums *b);
/* Estimate the calls of hot slot @k from the sums @s. */
void vinfer_estimate(const struct vinfer_est_sums *s, size_t k, struct vinfer_estimate *e);

/* ---- window.c ---- */

struct vinfer_window_state {
	bool enabled;		/* sampled mode and some hot probe exists */
	bool calibrated;
	bool open;		/* a window is open now */
	bool opened;		/* this period's window is done */
	uint64_t period_start;	/* CLOCK_MONOTONIC ns */
	uint64_t next_open;	/* when to attach the next window */
	uint64_t open_at, close_at;
	double tau[VINFER_TRAP_MAX], tau_err[VINFER_TRAP_MAX];
	unsigned int seed;
	/* snapshots at the period start and at the window open */
	double r0, h0[VINFER_TRAP_MAX];
	double rw, hw[VINFER_TRAP_MAX];
	uint64_t calls_w[VINFER_MAX_FUNCS];	/* per hot slot at window open */
	/* hot functions: slot -> fid */
	unsigned int n_hot;
	unsigned int hot_fid[VINFER_MAX_FUNCS];
	struct vinfer_period cur;	/* the period in progress */
	struct vinfer_est_sums sums;	/* over the finished periods */
	unsigned int windows;
	uint64_t live_ns;	/* time the hot probes were counted */
	double oncpu_ns;	/* on-CPU time over the finished periods */
	uint64_t first_ns;	/* when sampling began */
};

void vinfer_window_init(struct vinfer_trace *t);
/* A process gained hot probes: start sampling if not yet. */
void vinfer_window_hot_added(struct vinfer_trace *t, unsigned int fid);
/* Open/close windows that are due; returns ms until the next deadline. */
int vinfer_window_tick(struct vinfer_trace *t, uint64_t now);
/* ms from @now until the next window deadline; -1 when not sampling. */
int vinfer_window_next_ms(const struct vinfer_trace *t, uint64_t now);
/*
 * A summary's cut: close any open window and end the period now, so the
 * sums cover exactly the time up to here; sampling goes on with a new
 * period.
 */
void vinfer_window_cut(struct vinfer_trace *t);
void vinfer_window_free(struct vinfer_trace *t);
/* Attach/detach the hot probes of one process (window open/close). */
int vinfer_hot_attach(struct vinfer_trace *t, pid_t tgid, struct vinfer_attachment *a);
void vinfer_hot_detach(struct vinfer_attachment *a);
/* Close @fd on a helper thread: link teardown waits for RCU. */
void vinfer_close_async(int fd);
void vinfer_link_destroy_async(struct bpf_link *l);

/* ---- fdinfo.c ---- */

struct vinfer_engines {
	size_t n;
	struct vinfer_engine_summary *e;
};

struct vinfer_client_key {
	pid_t tgid;
	uint64_t client_id;
};

struct vinfer_clients {
	size_t n, cap;
	struct {
		struct vinfer_client_key key;
		struct vinfer_engines eng;
	} *c;
};

/* Parse one DRM fdinfo text; 0 and @id/@eng filled, -ENOENT if not DRM. */
int vinfer_fdinfo_parse(const char *text, uint64_t *id, struct vinfer_engines *eng);
void vinfer_fdinfo_sample(struct vinfer_trace *t);
void vinfer_engines_free(struct vinfer_engines *e);

/* ---- trace.c ---- */

struct vinfer_trace {
	struct vinfer_trace_opts opts;
	vinfer_trace_cb cb;
	void *ctx;
	struct vinfer_bpf *skel;
	struct ring_buffer *rb;
	struct vinfer_features feat;
	int cgroup_fd;
	pid_t self;
	uint64_t start_ns, end_ns;
	bool had_procs;
	struct vinfer_proctab procs;
	struct vinfer_window_state win;
	struct vinfer_clients clients;
	struct bpf_link *drm_links[8];
	unsigned int n_drm_links;
	char drm_tp[128];
	uint64_t received[VINFER_EV_MAX];
	uint64_t attach_errors;
	uint64_t next_sweep, next_fdinfo;
	/* files and devices seen, for the summary */
	struct vinfer_file_summary *files;
	size_t n_files, cap_files;
	size_t *file_index, *file_next;	/* hash chains over files[] */
	struct vinfer_dev_summary *devs;
	size_t n_devs, cap_devs;
	/* functions that got attached somewhere (summary lists those) */
	bool fn_attached[VINFER_MAX_FUNCS];
};

void vinfer_emit(struct vinfer_trace *t, const struct vinfer_trace_event *ev);
uint64_t vinfer_now_ns(void);

#endif /* VINFER_SESSION_H */
