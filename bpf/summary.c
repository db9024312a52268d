// SPDX-License-Identifier: GPL-2.0
/*
 * The end-of-trace summary: per-function counts (exact, or estimated with
 * their error), bytes by direction, accelerator devices with per-command
 * ioctl counts, files opened, processes with the bypass verdict, events
 * emitted/received/dropped, and the mode with the estimator's parameters.
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
		for (slot = 0; slot < t->win.n_hot; slot++) {
			struct vinfer_estimate e;

			if (t->win.hot_fid[slot] != fid)
				continue;
			vinfer_estimate(t->win.pd, t->win.n_pd, slot, t->win.tau,
					t->win.tau_err, &e);
			f->exact = false;
			f->estimate = e.value;
			f->error = e.error;
			f->sampled_calls = f->calls;
			f->calls = (uint64_t)llround(e.value);
			f->windows = e.windows;
			/* A trace shorter than any window says nothing. */
			f->unknown = !e.windows;
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
	if (!t->finished) {
		ring_buffer__consume(t->rb);
		vinfer_fdinfo_sample(t);
		vinfer_window_finish(t);
		t->end_ns = vinfer_now_ns();
		t->finished = true;
	}
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
