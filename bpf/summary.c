// SPDX-License-Identifier: GPL-2.0
/*
 * The summary: per-function counts (exact, or estimated with their error),
 * bytes by direction, accelerator devices with per-command ioctl counts,
 * files opened, processes with the bypass verdict, events
 * emitted/received/dropped, and the mode with the estimator's parameters.
 *
 * vinfer_trace_summary() is cumulative from the trace's open and fresh at
 * every call: it drains the ring buffer, samples DRM fdinfo and cuts the
 * sampling period there (window.c), so its estimate covers exactly the
 * time up to the call. vinfer_trace_summary_since() gives the same figures
 * for the interval since a mark: a mark holds the cumulative summary and
 * the estimator's sums at its point; exact counters are differences, and
 * estimates are computed from the differences of the sums, i.e. from the
 * interval's own windows, with the interval's own error.
 *
 * Bypass: a process whose kernel tier shows accelerator activity (device
 * opens or ioctls, DRM jobs) while the runtime tier saw no call at all is
 * talking to the device without going through a probed runtime, e.g. with
 * raw ioctls or a runtime vinfer does not know.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "session.h"
#include "bpf/vinfer.skel.h"

static int ncpus(void)
{
	int n = libbpf_num_possible_cpus();

	return n > 0 ? n : 1;
}

static void read_ev_counts(struct vinfer_trace *t, struct vinfer_summary *s)
{
	int fd = bpf_map__fd(t->skel->maps.vinfer_ev_counts), n = ncpus(), i;
	struct vinfer_ev_count { __u64 emitted, dropped; } v[n];
	__u32 k;

	for (k = 1; k < VINFER_EV_MAX; k++) {
		s->received[k] = t->received[k];
		if (bpf_map_lookup_elem(fd, &k, v))
			continue;
		for (i = 0; i < n; i++) {
			s->emitted[k] += v[i].emitted;
			s->dropped[k] += v[i].dropped;
		}
	}
}

/* The sampling slot of hot function @fid, or n_hot if it has none. */
static unsigned int hot_slot(const struct vinfer_trace *t, unsigned int fid)
{
	unsigned int slot;

	for (slot = 0; slot < t->win.n_hot; slot++)
		if (t->win.hot_fid[slot] == fid)
			break;
	return slot;
}

/* A windowed function's count: the estimate from @sums, slot @slot. */
static void fill_estimate(struct vinfer_fn_summary *f, const struct vinfer_est_sums *sums,
			  unsigned int slot)
{
	struct vinfer_estimate e;

	vinfer_estimate(sums, slot, &e);
	f->exact = false;
	f->estimate = e.value;
	f->error = e.error;
	f->calls = (uint64_t)llround(e.value);
	f->windows = e.windows;
	/* A span shorter than any window says nothing. */
	f->unknown = !e.windows;
}

static int read_fns(struct vinfer_trace *t, struct vinfer_summary *s)
{
	int fd = bpf_map__fd(t->skel->maps.vinfer_fn_stats), n = ncpus(), i, d;
	struct vinfer_fn_stats v[n];
	unsigned int fid, slot;

	s->fns = calloc(vinfer_n_fns, sizeof(*s->fns));
	if (!s->fns)
		return -ENOMEM;
	for (fid = 0; fid < vinfer_n_fns; fid++) {
		const struct vinfer_fn_def *def = &vinfer_fns[fid];
		struct vinfer_fn_summary *f;

		if (!t->fn_attached[fid] || bpf_map_lookup_elem(fd, &fid, v))
			continue;
		f = &s->fns[s->n_fns++];
		f->name = def->name;
		f->runtime = def->rt;
		f->op = def->op;
		f->hot = vinfer_fn_hot(def);
		f->exact = true;
		for (i = 0; i < n; i++) {
			f->calls += v[i].calls;
			f->traps += v[i].traps;
			for (d = 0; d < VINFER_DIR_MAX; d++)
				f->bytes[d] += v[i].bytes[d];
		}
		if (def->op == VINFER_OP_ALLOC) {
			s->bytes_alloc += f->bytes[VINFER_DIR_NONE];
		} else if (def->op == VINFER_OP_COPY || def->op == VINFER_OP_COPY_KIND) {
			s->bytes_htod += f->bytes[VINFER_DIR_HTOD];
			s->bytes_dtoh += f->bytes[VINFER_DIR_DTOH];
			s->bytes_dtod += f->bytes[VINFER_DIR_DTOD];
			s->bytes_copy_other += f->bytes[VINFER_DIR_NONE];
		}
		if (!f->hot || t->opts.exact)
			continue;
		/* Windowed: the count is the estimator's. */
		slot = hot_slot(t, fid);
		if (slot < t->win.n_hot) {
			f->sampled_calls = f->calls;
			fill_estimate(f, &t->win.sums, slot);
		}
	}
	return 0;
}

static int read_ioctls(struct vinfer_trace *t)
{
	int fd = bpf_map__fd(t->skel->maps.vinfer_ioctls), n = ncpus(), i;
	struct vinfer_ioctl_key key, next, *prev = NULL;
	__u64 v[n];
	size_t k;

	for (k = 0; k < t->n_devs; k++) {
		free(t->devs[k].cmds);
		t->devs[k].cmds = NULL;
		t->devs[k].n_cmds = 0;
		t->devs[k].ioctls = 0;
	}
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct vinfer_dev_summary *d = NULL;
		struct vinfer_ioctl_summary *c;
		uint64_t sum = 0;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, v))
			continue;
		for (i = 0; i < n; i++)
			sum += v[i];
		for (k = 0; k < t->n_devs; k++)
			if (t->devs[k].rdev == key.rdev)
				d = &t->devs[k];
		if (!d) {
			/* An fd opened before the trace, or through a node vinfer
			 * knows by number only: no path. */
			void *nd = realloc(t->devs, (t->n_devs + 1) * sizeof(*t->devs));

			if (!nd)
				return -ENOMEM;
			t->devs = nd;
			t->cap_devs = t->n_devs + 1;
			d = &t->devs[t->n_devs++];
			memset(d, 0, sizeof(*d));
			d->rdev = key.rdev;
		}
		c = realloc(d->cmds, (d->n_cmds + 1) * sizeof(*c));
		if (!c)
			return -ENOMEM;
		d->cmds = c;
		d->cmds[d->n_cmds].cmd = key.cmd;
		d->cmds[d->n_cmds].count = sum;
		d->n_cmds++;
		d->ioctls += sum;
	}
	return 0;
}

static void fill_procs(struct vinfer_trace *t, struct vinfer_summary *s)
{
	int fd = bpf_map__fd(t->skel->maps.vinfer_scope);
	struct vinfer_uproc *p;
	unsigned int i;

	s->procs = calloc(t->procs.n ? t->procs.n : 1, sizeof(*s->procs));
	if (!s->procs)
		return;
	vinfer_proc_for_each(&t->procs, i, p) {
		struct vinfer_proc_summary *ps = &s->procs[s->n_procs++];
		struct vinfer_proc kp = p->final;
		__u32 key = p->tgid;

		if (!p->have_final && bpf_map_lookup_elem(fd, &key, &kp))
			memset(&kp, 0, sizeof(kp));
		ps->tgid = p->tgid;
		ps->ppid = p->ppid;
		memcpy(ps->comm, p->comm, sizeof(ps->comm));
		memcpy(ps->exe, p->exe, sizeof(ps->exe));
		ps->exited = p->exited;
		ps->exit_code = p->exit_code;
		ps->rt_calls = kp.rt_calls;
		ps->accel_opens = kp.accel_opens;
		ps->accel_ioctls = kp.accel_ioctls;
		ps->drm_jobs = kp.drm_jobs;
		ps->runtimes = p->runtimes;
		ps->bypass = (kp.accel_opens || kp.accel_ioctls || kp.drm_jobs) && !kp.rt_calls;
		if (ps->bypass)
			s->bypass = true;
	}
}

static void fill_engines(struct vinfer_trace *t, struct vinfer_summary *s)
{
	size_t i, k, j;

	for (i = 0; i < t->clients.n; i++) {
		struct vinfer_engines *e = &t->clients.c[i].eng;

		for (k = 0; k < e->n; k++) {
			for (j = 0; j < s->n_engines; j++)
				if (!strcmp(s->engines[j].engine, e->e[k].engine))
					break;
			if (j == s->n_engines) {
				void *ne = realloc(s->engines, (j + 1) * sizeof(*s->engines));

				if (!ne)
					return;
				s->engines = ne;
				s->engines[j] = e->e[k];
				s->engines[j].ns = 0;
				s->n_engines++;
			}
			s->engines[j].ns += e->e[k].ns;
		}
	}
}

int vinfer_trace_summary(struct vinfer_trace *t, struct vinfer_summary **sp)
{
	struct vinfer_summary *s;
	size_t i;
	int ret;

	*sp = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	/* Fresh at every call: what is queued, GPU time, the period so far. */
	ring_buffer__consume(t->rb);
	vinfer_fdinfo_sample(t);
	vinfer_window_cut(t);
	t->end_ns = vinfer_now_ns();
	s->exact = t->opts.exact;
	s->duration_ns = t->end_ns - t->start_ns;
	read_ev_counts(t, s);
	ret = read_fns(t, s);
	if (!ret)
		ret = read_ioctls(t);
	if (ret) {
		vinfer_summary_free(s);
		return ret;
	}
	s->devs = calloc(t->n_devs ? t->n_devs : 1, sizeof(*s->devs));
	s->files = calloc(t->n_files ? t->n_files : 1, sizeof(*s->files));
	if (!s->devs || !s->files) {
		vinfer_summary_free(s);
		return -ENOMEM;
	}
	for (i = 0; i < t->n_devs; i++) {
		s->devs[i] = t->devs[i];
		s->devs[i].cmds = NULL;
		if (t->devs[i].n_cmds) {
			s->devs[i].cmds = malloc(t->devs[i].n_cmds * sizeof(*s->devs[i].cmds));
			if (!s->devs[i].cmds)
				s->devs[i].n_cmds = 0;
			else
				memcpy(s->devs[i].cmds, t->devs[i].cmds,
				       t->devs[i].n_cmds * sizeof(*s->devs[i].cmds));
		}
	}
	s->n_devs = t->n_devs;
	memcpy(s->files, t->files, t->n_files * sizeof(*s->files));
	s->n_files = t->n_files;
	fill_procs(t, s);
	fill_engines(t, s);
	s->ioctl_lost = t->skel->bss->vinfer_ioctl_lost;
	s->attach_errors = t->attach_errors;
	snprintf(s->drm_tracepoints, sizeof(s->drm_tracepoints), "%s", t->drm_tp);
	s->drm_queued = t->skel->bss->vinfer_drm_queued;
	s->drm_run = t->skel->bss->vinfer_drm_run;
	s->drm_done_all = t->skel->bss->vinfer_drm_done_all;
	s->period_ms = t->opts.period_ms;
	s->window_ms = t->opts.window_ms;
	s->windows = t->win.windows;
	s->window_ns = t->win.live_ns;
	s->oncpu_ns = (uint64_t)t->win.oncpu_ns;
	memcpy(s->tau_ns, t->win.tau, sizeof(s->tau_ns));
	memcpy(s->tau_err_ns, t->win.tau_err, sizeof(s->tau_err_ns));
	s->uprobe_multi = t->feat.uprobe_multi;
	*sp = s;
	return 0;
}

void vinfer_summary_free(struct vinfer_summary *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_devs; i++)
		free(s->devs[i].cmds);
	free(s->devs);
	free(s->fns);
	free(s->files);
	free(s->procs);
	free(s->engines);
	free(s);
}

/* ---- intervals ---- */

struct vinfer_trace_mark {
	const struct vinfer_trace *t;
	struct vinfer_summary *s;	/* cumulative at the mark; NULL: the open */
	struct vinfer_est_sums sums;	/* the estimator's sums at the mark */
};

static void *dup_array(const void *a, size_t n, size_t size)
{
	void *c = malloc(n ? n * size : 1);

	if (c && n)
		memcpy(c, a, n * size);
	return c;
}

static struct vinfer_summary *summary_dup(const struct vinfer_summary *s)
{
	struct vinfer_summary *c = calloc(1, sizeof(*c));
	size_t i;

	if (!c)
		return NULL;
	*c = *s;
	c->fns = dup_array(s->fns, s->n_fns, sizeof(*s->fns));
	c->devs = calloc(s->n_devs ? s->n_devs : 1, sizeof(*s->devs));
	c->files = dup_array(s->files, s->n_files, sizeof(*s->files));
	c->procs = dup_array(s->procs, s->n_procs, sizeof(*s->procs));
	c->engines = dup_array(s->engines, s->n_engines, sizeof(*s->engines));
	if (!c->fns || !c->devs || !c->files || !c->procs || !c->engines) {
		c->n_devs = 0;
		vinfer_summary_free(c);
		return NULL;
	}
	for (i = 0; i < s->n_devs; i++) {
		c->devs[i] = s->devs[i];
		c->devs[i].cmds = dup_array(s->devs[i].cmds, s->devs[i].n_cmds,
					    sizeof(*s->devs[i].cmds));
		if (!c->devs[i].cmds) {
			c->n_devs = i;
			vinfer_summary_free(c);
			return NULL;
		}
	}
	return c;
}

/*
 * A counter's growth since the mark. The kernel's and the loader's counters
 * only grow; one that did not (a process entry matched by a reused pid) is
 * taken as new.
 */
static uint64_t grown(uint64_t now, uint64_t then)
{
	return now >= then ? now - then : now;
}

static const struct vinfer_fn_summary *find_fn(const struct vinfer_summary *m,
					       const struct vinfer_fn_summary *f)
{
	size_t i;

	for (i = 0; i < m->n_fns; i++)
		if (m->fns[i].runtime == f->runtime && !strcmp(m->fns[i].name, f->name))
			return &m->fns[i];
	return NULL;
}

static void sub_fns(struct vinfer_summary *d, const struct vinfer_summary *m)
{
	size_t i;
	int k;

	for (i = 0; i < d->n_fns; i++) {
		struct vinfer_fn_summary *f = &d->fns[i];
		const struct vinfer_fn_summary *o = find_fn(m, f);

		if (!o)
			continue;
		/* An estimated count is redone from the interval's sums. */
		f->calls = grown(f->calls, o->calls);
		f->sampled_calls = grown(f->sampled_calls, o->sampled_calls);
		f->traps = grown(f->traps, o->traps);
		for (k = 0; k < VINFER_DIR_MAX; k++)
			f->bytes[k] = grown(f->bytes[k], o->bytes[k]);
	}
}

static void sub_devs(struct vinfer_summary *d, const struct vinfer_summary *m)
{
	size_t i, j, a, b;

	for (i = 0; i < d->n_devs; i++) {
		struct vinfer_dev_summary *v = &d->devs[i];
		const struct vinfer_dev_summary *o = NULL;

		for (j = 0; j < m->n_devs && !o; j++)
			if (m->devs[j].rdev == v->rdev)
				o = &m->devs[j];
		if (!o)
			continue;
		v->opens = grown(v->opens, o->opens);
		v->ioctls = grown(v->ioctls, o->ioctls);
		for (a = 0; a < v->n_cmds; a++)
			for (b = 0; b < o->n_cmds; b++)
				if (o->cmds[b].cmd == v->cmds[a].cmd)
					v->cmds[a].count = grown(v->cmds[a].count,
								 o->cmds[b].count);
	}
}

static void sub_files(struct vinfer_summary *d, const struct vinfer_summary *m)
{
	size_t i, j;

	for (i = 0; i < d->n_files; i++) {
		struct vinfer_file_summary *f = &d->files[i];
		const struct vinfer_file_summary *o = NULL;

		/* The list only grows at its end: same index, same file. */
		if (i < m->n_files && !strcmp(m->files[i].path, f->path))
			o = &m->files[i];
		for (j = 0; j < m->n_files && !o; j++)
			if (!strcmp(m->files[j].path, f->path))
				o = &m->files[j];
		if (!o)
			continue;
		f->opens = grown(f->opens, o->opens);
		f->failures = grown(f->failures, o->failures);
	}
}

static int cmp_proc_tgid(const void *a, const void *b)
{
	const struct vinfer_proc_summary *x = a, *y = b;

	return (x->tgid > y->tgid) - (x->tgid < y->tgid);
}

static int sub_procs(struct vinfer_summary *d, const struct vinfer_summary *m)
{
	struct vinfer_proc_summary *sorted, key;
	size_t i;

	sorted = dup_array(m->procs, m->n_procs, sizeof(*m->procs));
	if (!sorted)
		return -ENOMEM;
	qsort(sorted, m->n_procs, sizeof(*sorted), cmp_proc_tgid);
	d->bypass = false;
	for (i = 0; i < d->n_procs; i++) {
		struct vinfer_proc_summary *p = &d->procs[i];
		const struct vinfer_proc_summary *o;

		key.tgid = p->tgid;
		o = bsearch(&key, sorted, m->n_procs, sizeof(*sorted), cmp_proc_tgid);
		if (o) {
			p->rt_calls = grown(p->rt_calls, o->rt_calls);
			p->accel_opens = grown(p->accel_opens, o->accel_opens);
			p->accel_ioctls = grown(p->accel_ioctls, o->accel_ioctls);
			p->drm_jobs = grown(p->drm_jobs, o->drm_jobs);
		}
		/* The verdict is the process's; it counts where it was active. */
		p->bypass = p->bypass && (p->accel_opens || p->accel_ioctls || p->drm_jobs);
		if (p->bypass)
			d->bypass = true;
	}
	free(sorted);
	return 0;
}

static void sub_engines(struct vinfer_summary *d, const struct vinfer_summary *m)
{
	size_t i, j;

	for (i = 0; i < d->n_engines; i++)
		for (j = 0; j < m->n_engines; j++)
			if (!strcmp(d->engines[i].engine, m->engines[j].engine))
				d->engines[i].ns = grown(d->engines[i].ns, m->engines[j].ns);
}

/* @d (a copy of the cumulative summary now) less the one at the mark, @m. */
static int summary_sub(struct vinfer_summary *d, const struct vinfer_summary *m)
{
	int k;

	d->duration_ns = grown(d->duration_ns, m->duration_ns);
	for (k = 0; k < VINFER_EV_MAX; k++) {
		d->emitted[k] = grown(d->emitted[k], m->emitted[k]);
		d->dropped[k] = grown(d->dropped[k], m->dropped[k]);
		d->received[k] = grown(d->received[k], m->received[k]);
	}
	d->ioctl_lost = grown(d->ioctl_lost, m->ioctl_lost);
	d->attach_errors = grown(d->attach_errors, m->attach_errors);
	sub_fns(d, m);
	d->bytes_htod = grown(d->bytes_htod, m->bytes_htod);
	d->bytes_dtoh = grown(d->bytes_dtoh, m->bytes_dtoh);
	d->bytes_dtod = grown(d->bytes_dtod, m->bytes_dtod);
	d->bytes_copy_other = grown(d->bytes_copy_other, m->bytes_copy_other);
	d->bytes_alloc = grown(d->bytes_alloc, m->bytes_alloc);
	sub_devs(d, m);
	sub_files(d, m);
	d->drm_queued = grown(d->drm_queued, m->drm_queued);
	d->drm_run = grown(d->drm_run, m->drm_run);
	d->drm_done_all = grown(d->drm_done_all, m->drm_done_all);
	sub_engines(d, m);
	d->windows = d->windows >= m->windows ? d->windows - m->windows : d->windows;
	d->window_ns = grown(d->window_ns, m->window_ns);
	d->oncpu_ns = grown(d->oncpu_ns, m->oncpu_ns);
	return sub_procs(d, m);
}

int vinfer_trace_mark_new(const struct vinfer_trace *t, struct vinfer_trace_mark **mp)
{
	*mp = calloc(1, sizeof(**mp));
	if (!*mp)
		return -ENOMEM;
	(*mp)->t = t;
	return 0;
}

int vinfer_trace_mark_dup(const struct vinfer_trace_mark *m, struct vinfer_trace_mark **mp)
{
	struct vinfer_trace_mark *c;

	*mp = NULL;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = *m;
	if (m->s) {
		c->s = summary_dup(m->s);
		if (!c->s) {
			free(c);
			return -ENOMEM;
		}
	}
	*mp = c;
	return 0;
}

void vinfer_trace_mark_free(struct vinfer_trace_mark *m)
{
	if (!m)
		return;
	vinfer_summary_free(m->s);
	free(m);
}

int vinfer_trace_summary_since(struct vinfer_trace *t, struct vinfer_trace_mark *mark,
			       struct vinfer_summary **sp)
{
	struct vinfer_summary *now, *d;
	struct vinfer_est_sums *sums;
	size_t i;
	int ret;

	*sp = NULL;
	if (!mark || mark->t != t)
		return -EINVAL;
	sums = malloc(sizeof(*sums));
	if (!sums)
		return -ENOMEM;
	ret = vinfer_trace_summary(t, &now);
	if (ret) {
		free(sums);
		return ret;
	}
	d = summary_dup(now);
	ret = d ? 0 : -ENOMEM;
	if (!ret && mark->s)
		ret = summary_sub(d, mark->s);
	if (ret) {
		vinfer_summary_free(d);
		vinfer_summary_free(now);
		free(sums);
		return ret;
	}
	/* Estimates from the interval's own windows. */
	vinfer_est_sums_sub(sums, &t->win.sums, &mark->sums);
	for (i = 0; i < d->n_fns; i++) {
		struct vinfer_fn_summary *f = &d->fns[i];
		unsigned int fid, slot;

		if (f->exact)
			continue;
		for (fid = 0; fid < vinfer_n_fns; fid++)
			if (vinfer_fns[fid].name == f->name)
				break;
		slot = hot_slot(t, fid);
		if (slot < t->win.n_hot)
			fill_estimate(f, sums, slot);
	}
	free(sums);
	vinfer_summary_free(mark->s);
	mark->s = now;
	mark->sums = t->win.sums;
	*sp = d;
	return 0;
}
