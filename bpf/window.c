// SPDX-License-Identifier: GPL-2.0
/*
 * Sampling windows: the bounded-overhead default mode.
 *
 * A uprobe hit costs the traced thread a trap (~9.5 us on the development
 * VMs when the first instruction is single-stepped), more than a launch-bound
 * workload spends per launch, so the hot probes (launches, synchronisation)
 * are attached only during short windows: one window of window_ms at a
 * random point of every period_ms. Outside windows no breakpoint exists and
 * the workload runs at full speed. The overhead bound is therefore about
 * (window_ms / period_ms) * tau / (tau + work per call) of the time, e.g.
 * 2/200 * 9.5/14.5 = 0.66% for 5 us launches; memory and lifecycle probes
 * stay exact (attached throughout) because they fire orders of magnitude
 * less often.
 *
 * On uprobe_multi kernels closing a link removes its breakpoints at once, so
 * a window costs what its length says; with perf-event links the kernel
 * keeps them for the RCU grace period of the program detach, which is why
 * links are closed on helper threads (the window thread must not wait) and
 * why sampled mode costs more there.
 *
 * Per period the loader records, from the kernel, the scope's on-CPU time
 * and probe hits per trap class for the whole period and for its window,
 * and the calls counted in the window (the BPF program counts hot calls
 * only while vinfer_window_open is set). At the period's end it adds them
 * to the estimator's running sums (estimate.c) and forgets the period, so
 * memory does not grow with the trace. A summary cuts the period where it
 * is taken (vinfer_window_cut), so every summary's sums end at its time.
 * tau, the per-hit cost the estimator must remove, is calibrated here on the
 * loader's own calibration stubs (calib.S).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "session.h"
#include "bpf/vinfer.skel.h"

#define NS_PER_MS	1000000ULL
#define CALIB_CALLS	1000
#define CALIB_ROUNDS	5

void vinfer_calib_xol(void);
void vinfer_calib_emul(void);

static void *close_thread(void *arg)
{
	close((int)(long)arg);
	return NULL;
}

static void *destroy_thread(void *arg)
{
	bpf_link__destroy(arg);
	return NULL;
}

static void run_detached(void *(*fn)(void *), void *arg)
{
	pthread_attr_t at;
	pthread_t th;

	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &at, fn, arg))
		fn(arg);	/* no thread: do it here, slower but correct */
	pthread_attr_destroy(&at);
}

void vinfer_close_async(int fd)
{
	run_detached(close_thread, (void *)(long)fd);
}

void vinfer_link_destroy_async(struct bpf_link *l)
{
	if (l)
		run_detached(destroy_thread, l);
}

/*
 * On-CPU time of the scope so far: closed slices plus the slices running
 * now, read consistently with the per-CPU sequence counters (task.bpf.c).
 */
static double read_oncpu(struct vinfer_trace *t)
{
	int fd = bpf_map__fd(t->skel->maps.vinfer_oncpu), ncpu = libbpf_num_possible_cpus();
	struct vinfer_oncpu a[ncpu > 0 ? ncpu : 1], b[ncpu > 0 ? ncpu : 1];
	__u32 zero = 0;
	double total = 0;
	int tries, i;

	for (tries = 0; tries < 100; tries++) {
		bool torn = false;
		uint64_t now, closed;

		if (bpf_map_lookup_elem(fd, &zero, a))
			return 0;
		closed = __atomic_load_n(&t->skel->bss->vinfer_oncpu_ns, __ATOMIC_SEQ_CST);
		now = vinfer_now_ns();
		if (bpf_map_lookup_elem(fd, &zero, b))
			return 0;
		total = closed;
		for (i = 0; i < ncpu; i++) {
			if ((a[i].seq & 1) || a[i].seq != b[i].seq) {
				torn = true;
				break;
			}
			if (a[i].since_ns && now > a[i].since_ns)
				total += now - a[i].since_ns;
		}
		if (!torn)
			return total;
	}
	return total;
}

static void read_traps(struct vinfer_trace *t, double h[VINFER_TRAP_MAX])
{
	int fd = bpf_map__fd(t->skel->maps.vinfer_traps), ncpu = libbpf_num_possible_cpus();
	__u64 v[ncpu > 0 ? ncpu : 1];
	__u32 c;
	int i;

	for (c = 0; c < VINFER_TRAP_MAX; c++) {
		h[c] = 0;
		if (bpf_map_lookup_elem(fd, &c, v))
			continue;
		for (i = 0; i < ncpu; i++)
			h[c] += v[i];
	}
}

static uint64_t read_calls(struct vinfer_trace *t, __u32 fid)
{
	int fd = bpf_map__fd(t->skel->maps.vinfer_fn_stats), ncpu = libbpf_num_possible_cpus();
	struct vinfer_fn_stats v[ncpu > 0 ? ncpu : 1];
	uint64_t sum = 0;
	int i;

	if (bpf_map_lookup_elem(fd, &fid, v))
		return 0;
	for (i = 0; i < ncpu; i++)
		sum += v[i].calls;
	return sum;
}

/* File offset of code address @addr in this process, and the file. */
static int self_offset(const void *addr, char *path, size_t len, unsigned long *off)
{
	unsigned long a = (unsigned long)addr, start, end, pgoff;
	char line[1024], perms[8], file[512];
	int ret = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		file[0] = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %511s", &start, &end, perms, &pgoff,
			   file) < 4)
			continue;
		if (a < start || a >= end || !file[0])
			continue;
		snprintf(path, len, "%s", file);
		*off = a - start + pgoff;
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static double time_calls(void (*fn)(void))
{
	uint64_t t0 = vinfer_now_ns();
	int i;

	for (i = 0; i < CALIB_CALLS; i++)
		fn();
	return (double)(vinfer_now_ns() - t0) / CALIB_CALLS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Calibrate tau per trap class on the stubs of calib.S, with the very BPF
 * program and link type the workload's probes use. Median of a few rounds;
 * the error is half their spread, at least 3% of tau.
 */
static void calibrate(struct vinfer_trace *t)
{
	void (*stub[VINFER_TRAP_MAX])(void) = { vinfer_calib_xol, vinfer_calib_emul };
	double m[VINFER_TRAP_MAX][CALIB_ROUNDS];
	unsigned long offs[VINFER_TRAP_MAX];
	uint64_t cookies[VINFER_TRAP_MAX];
	char path[512];
	int r, c;

	for (c = 0; c < VINFER_TRAP_MAX; c++) {
		if (self_offset((const void *)stub[c], path, sizeof(path), &offs[c]))
			goto fail;
		cookies[c] = VINFER_COOKIE(VINFER_FID_CALIB, VINFER_OP_CALL, VINFER_ARG_NONE,
					   VINFER_ARG_NONE, 0, 0, c, 0);
	}
	for (r = 0; r < CALIB_ROUNDS; r++) {
		double base[VINFER_TRAP_MAX];
		struct bpf_link *l[VINFER_TRAP_MAX] = {};
		int mfd = -1;

		for (c = 0; c < VINFER_TRAP_MAX; c++)
			base[c] = time_calls(stub[c]);
		if (t->feat.uprobe_multi) {
			mfd = vinfer_uprobe_multi_link(
				bpf_program__fd(t->skel->progs.vinfer_rt_hit_multi), path,
				t->self, offs, cookies, VINFER_TRAP_MAX);
			if (mfd < 0)
				goto fail;
		} else {
			for (c = 0; c < VINFER_TRAP_MAX; c++) {
				LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = cookies[c]);

				l[c] = bpf_program__attach_uprobe_opts(t->skel->progs.vinfer_rt_hit,
								       t->self, path, offs[c], &uo);
				if (!l[c])
					goto fail;
			}
		}
		for (c = 0; c < VINFER_TRAP_MAX; c++)
			m[c][r] = time_calls(stub[c]) - base[c];
		/* Synchronously: the next baseline must run without the probe. */
		if (mfd >= 0)
			close(mfd);
		for (c = 0; c < VINFER_TRAP_MAX; c++)
			bpf_link__destroy(l[c]);
	}
	for (c = 0; c < VINFER_TRAP_MAX; c++) {
		double half;

		qsort(m[c], CALIB_ROUNDS, sizeof(double), cmp_double);
		t->win.tau[c] = m[c][CALIB_ROUNDS / 2];
		half = (m[c][CALIB_ROUNDS - 1] - m[c][0]) / 2;
		t->win.tau_err[c] = half > 0.03 * t->win.tau[c] ? half : 0.03 * t->win.tau[c];
	}
	t->win.calibrated = true;
	return;
fail:
	/* Without calibration the estimate carries the worst case as error. */
	t->win.tau[VINFER_TRAP_XOL] = 10000;
	t->win.tau_err[VINFER_TRAP_XOL] = 10000;
	t->win.tau[VINFER_TRAP_EMUL] = 1000;
	t->win.tau_err[VINFER_TRAP_EMUL] = 1000;
	t->win.calibrated = true;
}

void vinfer_window_init(struct vinfer_trace *t)
{
	struct vinfer_window_state *w = &t->win;

	memset(w, 0, sizeof(*w));
	w->enabled = !t->opts.exact;
	w->seed = t->opts.seed ? t->opts.seed : (unsigned int)vinfer_now_ns() | 1;
}

/* Uniform in [0, n). */
static uint64_t rand_below(struct vinfer_window_state *w, uint64_t n)
{
	/* xorshift32: deterministic under opts.seed, good enough to place windows */
	w->seed ^= w->seed << 13;
	w->seed ^= w->seed >> 17;
	w->seed ^= w->seed << 5;
	return n ? ((uint64_t)w->seed * n) >> 32 : 0;
}

static void schedule_window(struct vinfer_trace *t)
{
	struct vinfer_window_state *w = &t->win;
	uint64_t period = (uint64_t)t->opts.period_ms * NS_PER_MS;
	uint64_t win = (uint64_t)t->opts.window_ms * NS_PER_MS;
	/* Leave room for the window and for attaching its probes. */
	uint64_t room = period > 2 * win + 30 * NS_PER_MS ? period - win - 30 * NS_PER_MS : 1;

	w->next_open = w->period_start + rand_below(w, room);
}

static void start_period(struct vinfer_trace *t, uint64_t now)
{
	struct vinfer_window_state *w = &t->win;

	w->period_start = now;
	w->r0 = read_oncpu(t);
	read_traps(t, w->h0);
	schedule_window(t);
}

void vinfer_window_hot_added(struct vinfer_trace *t, unsigned int fid)
{
	struct vinfer_window_state *w = &t->win;
	unsigned int i;

	if (!w->enabled)
		return;
	for (i = 0; i < w->n_hot; i++)
		if (w->hot_fid[i] == fid)
			return;
	if (w->n_hot >= VINFER_MAX_FUNCS)
		return;
	/* Slots are fixed for the whole trace: periods index calls by slot. */
	w->hot_fid[w->n_hot++] = fid;
	if (!w->calibrated)
		calibrate(t);
	if (!w->first_ns) {
		w->first_ns = vinfer_now_ns();
		start_period(t, w->first_ns);
	}
}

/* Add the finished current period to the estimator's sums; start afresh. */
static void push_period(struct vinfer_trace *t)
{
	struct vinfer_window_state *w = &t->win;

	vinfer_est_sums_add(&w->sums, &w->cur, w->n_hot, w->tau, w->tau_err);
	memset(&w->cur, 0, sizeof(w->cur));
}

static void open_window(struct vinfer_trace *t)
{
	struct vinfer_window_state *w = &t->win;
	struct vinfer_attachment *a;
	struct vinfer_uproc *p;
	uint64_t now;
	unsigned int i;

	vinfer_proc_for_each(&t->procs, i, p) {
		if (p->exited)
			continue;
		for (a = p->att; a; a = a->next)
			if (a->n_hot)
				vinfer_hot_attach(t, p->tgid, a);
	}
	w->rw = read_oncpu(t);
	read_traps(t, w->hw);
	for (i = 0; i < w->n_hot; i++)
		w->calls_w[i] = read_calls(t, w->hot_fid[i]);
	__atomic_store_n(&t->skel->bss->vinfer_window_open, 1, __ATOMIC_SEQ_CST);
	now = vinfer_now_ns();
	w->open = true;
	w->opened = true;
	w->open_at = now;
	w->close_at = now + (uint64_t)t->opts.window_ms * NS_PER_MS;
}

static void close_window(struct vinfer_trace *t)
{
	struct vinfer_window_state *w = &t->win;
	double r, h[VINFER_TRAP_MAX];
	struct vinfer_attachment *a;
	struct vinfer_uproc *p;
	unsigned int i;
	int c;

	__atomic_store_n(&t->skel->bss->vinfer_window_open, 0, __ATOMIC_SEQ_CST);
	w->live_ns += vinfer_now_ns() - w->open_at;
	r = read_oncpu(t);
	read_traps(t, h);
	w->cur.has_window = true;
	w->cur.win_ns = r - w->rw;
	for (c = 0; c < VINFER_TRAP_MAX; c++)
		w->cur.win_traps[c] = h[c] - w->hw[c];
	for (i = 0; i < w->n_hot; i++)
		w->cur.calls[i] = read_calls(t, w->hot_fid[i]) - w->calls_w[i];
	vinfer_proc_for_each(&t->procs, i, p)
		for (a = p->att; a; a = a->next)
			vinfer_hot_detach(a);
	w->open = false;
	w->windows++;
}

static void end_period(struct vinfer_trace *t, uint64_t now)
{
	struct vinfer_window_state *w = &t->win;
	double r, h[VINFER_TRAP_MAX];
	int c;

	r = read_oncpu(t);
	read_traps(t, h);
	w->cur.period_ns = r - w->r0;
	for (c = 0; c < VINFER_TRAP_MAX; c++)
		w->cur.period_traps[c] = h[c] - w->h0[c];
	push_period(t);
	w->oncpu_ns += r - w->r0;
	w->period_start = now;
	w->r0 = r;
	memcpy(w->h0, h, sizeof(h));
	w->opened = false;
	schedule_window(t);
}

int vinfer_window_next_ms(const struct vinfer_trace *t, uint64_t now)
{
	const struct vinfer_window_state *w = &t->win;
	uint64_t period = (uint64_t)t->opts.period_ms * NS_PER_MS, next;

	if (!w->enabled || !w->first_ns)
		return -1;
	if (w->open)
		next = w->close_at;
	else if (!w->opened)
		next = w->next_open;
	else
		next = w->period_start + period;
	return next > now ? (int)((next - now + NS_PER_MS - 1) / NS_PER_MS) : 0;
}

int vinfer_window_tick(struct vinfer_trace *t, uint64_t now)
{
	struct vinfer_window_state *w = &t->win;
	uint64_t period = (uint64_t)t->opts.period_ms * NS_PER_MS;

	if (!w->enabled || !w->first_ns)
		return -1;
	if (w->open && now >= w->close_at)
		close_window(t);
	if (!w->open && now >= w->period_start + period)
		end_period(t, now);
	if (!w->open && !w->opened && now >= w->next_open)
		open_window(t);
	return vinfer_window_next_ms(t, vinfer_now_ns());
}

void vinfer_window_cut(struct vinfer_trace *t)
{
	struct vinfer_window_state *w = &t->win;

	if (!w->enabled || !w->first_ns)
		return;
	if (w->open)
		close_window(t);
	end_period(t, vinfer_now_ns());
}

void vinfer_window_free(struct vinfer_trace *t)
{
	memset(&t->win, 0, sizeof(t->win));
}

int vinfer_hot_attach(struct vinfer_trace *t, pid_t tgid, struct vinfer_attachment *a)
{
	unsigned int i;
	int fd;

	if (!a->n_hot || a->hot_multi_fd >= 0 || a->n_hot_links)
		return 0;
	if (t->feat.uprobe_multi) {
		fd = vinfer_uprobe_multi_link(bpf_program__fd(t->skel->progs.vinfer_rt_hit_multi),
					      a->path, tgid, a->hot_offs, a->hot_cookies,
					      a->n_hot);
		if (fd < 0)
			return fd;
		a->hot_multi_fd = fd;
		return 0;
	}
	a->hot_links = calloc(a->n_hot, sizeof(*a->hot_links));
	if (!a->hot_links)
		return -ENOMEM;
	for (i = 0; i < a->n_hot; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = a->hot_cookies[i]);

		a->hot_links[i] = bpf_program__attach_uprobe_opts(t->skel->progs.vinfer_rt_hit,
								  tgid, a->path, a->hot_offs[i],
								  &uo);
		if (a->hot_links[i])
			a->n_hot_links = i + 1;
	}
	return 0;
}

void vinfer_hot_detach(struct vinfer_attachment *a)
{
	unsigned int i;

	if (a->hot_multi_fd >= 0)
		vinfer_close_async(a->hot_multi_fd);
	a->hot_multi_fd = -1;
	for (i = 0; i < a->n_hot_links; i++)
		vinfer_link_destroy_async(a->hot_links[i]);
	free(a->hot_links);
	a->hot_links = NULL;
	a->n_hot_links = 0;
}
