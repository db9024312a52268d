// SPDX-License-Identifier: GPL-2.0
/*
 * A workload's accelerator counters from its libvinfer_probe trace.
 *
 * The trace's summary (vinfer_trace_summary) is cumulative: every count,
 * byte total, drop and estimate covers the trace from its open.  So the
 * counters of an epoch are differences: the probe keeps the totals of the
 * last committed take ("base") and subtracts them from the current summary.
 *
 *   exact counts, bytes, ioctls, DRM jobs, GPU time, drops, attach errors:
 *	current total - base total (the kernel's counters only grow)
 *   sampled estimates of hot functions (launches, synchronisation):
 *	current estimate - base estimate, with error = ceil(error now +
 *	error at the base + 0.5): |(N2 - N1) - (T2 - T1)| <= |N2 - T2| +
 *	|N1 - T1|, and rounding the difference to an integer moves it by at
 *	most 0.5.  A function with no window yet (the library says "unknown")
 *	is carried to the next epoch: its calls are counted there.
 *   bypass: a process the summary flags (kernel-tier activity, no runtime
 *	call ever) whose kernel-tier activity grew since the base.
 *
 * Only functions with calls > 0 in the epoch are listed.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"
#include "config.h"
#include "probes.h"
#include "trace.h"

struct fn_total {
	const char *name;		/* the library's table: lives as long as it */
	enum vinfer_runtime rt;
	uint64_t calls, bytes;		/* exact: counts; hot sampled: sampled bytes */
	double estimate, error;		/* hot sampled, when known */
	bool known;			/* hot sampled: some window has been */
};

struct bypass_proc {
	pid_t tgid;
	uint64_t activity;		/* accelerator opens + ioctls + DRM jobs */
};

struct totals {
	struct fn_total fns[VINFER_MAX_FUNCS];
	size_t n_fns;
	uint64_t ioctls, drm_jobs, gpu_ns, drops, attach_errors;
	struct bypass_proc *byp;
	size_t n_byp;
};

struct vinferd_probe {
	struct vinfer_trace *t;
	char *cgroup;
	bool exact;
	struct totals base;		/* committed: the previous epoch's end */
	struct totals next;		/* the last take, until committed */
};

static int fail(char err[PROBE_ERR_MAX], int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char err[PROBE_ERR_MAX], int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, PROBE_ERR_MAX, fmt, ap);
	va_end(ap);
	return ret;
}

static void on_event(const struct vinfer_trace_event *ev, void *ctx)
{
	struct vinferd_probe *p = ctx;

	if (ev->kind == VINFER_TEV_ATTACH_ERROR)
		vinferd_log(LOG_WARN, "%s: probes: %s of process %d (%s): %s: its calls are not counted",
			    p->cgroup, vinfer_runtime_name(ev->attach->runtime), ev->attach->tgid,
			    ev->attach->path ? ev->attach->path : "?",
			    ev->attach->error ? ev->attach->error : "?");
	else if (ev->kind == VINFER_TEV_ATTACH)
		vinferd_log(LOG_DEBUG, "%s: probes: %s attached to process %d (%u functions%s)",
			    p->cgroup, vinfer_runtime_name(ev->attach->runtime), ev->attach->tgid,
			    ev->attach->functions, ev->attach->held ? ", held" : "");
}

int probe_open(struct vinferd_probe **pp, const char *cgroup, enum conf_probes mode,
	       char err[PROBE_ERR_MAX])
{
	struct vinfer_trace_opts o = { .scope = VINFER_TRACE_CGROUP, .cgroup = cgroup };
	struct vinferd_probe *p;
	char terr[PROBE_ERR_MAX];
	int ret;

	*pp = NULL;
	if (mode != CONF_PROBES_EXACT && mode != CONF_PROBES_SAMPLED)
		return fail(err, -EINVAL, "[probes] mode = %s: no trace to open",
			    conf_probes_name(mode));
	p = calloc(1, sizeof(*p));
	if (!p || !(p->cgroup = strdup(cgroup))) {
		free(p);
		return fail(err, -ENOMEM, "out of memory");
	}
	p->exact = mode == CONF_PROBES_EXACT;
	o.exact = p->exact;
	ret = vinfer_trace_open(&p->t, &o, on_event, p, terr, sizeof(terr));
	if (ret) {
		probe_close(p);
		return fail(err, ret, "%s", terr);
	}
	*pp = p;
	return 0;
}

int probe_poll(struct vinferd_probe *p)
{
	int ret = vinfer_trace_poll(p->t, 0, NULL);

	return ret < 0 && ret != -EINTR ? ret : 0;
}

static void totals_free(struct totals *t)
{
	free(t->byp);
	memset(t, 0, sizeof(*t));
}

void probe_close(struct vinferd_probe *p)
{
	if (!p)
		return;
	vinfer_trace_close(p->t);
	totals_free(&p->base);
	totals_free(&p->next);
	free(p->cgroup);
	free(p);
}

void probe_counts_free(struct probe_counts *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_fns; i++) {
		free(c->fns[i].api);
		free(c->fns[i].name);
	}
	free(c->fns);
	free(c);
}

void probe_counts_to_doc(const struct probe_counts *c, struct attest_doc *doc)
{
	snprintf(doc->counters_mode, sizeof(doc->counters_mode), "%s", c->mode);
	doc->counters = c->fns;
	doc->n_counters = c->n_fns;
	doc->ioctls = c->ioctls;
	doc->drm_jobs = c->drm_jobs;
	doc->gpu_ns = c->gpu_ns;
}

/* a - b of a total that only grows (0 should it ever not have). */
static uint64_t grown(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static const struct fn_total *base_fn(const struct totals *b, const struct vinfer_fn_summary *f)
{
	size_t i;

	for (i = 0; i < b->n_fns; i++)
		if (b->fns[i].rt == f->runtime && !strcmp(b->fns[i].name, f->name))
			return &b->fns[i];
	return NULL;
}

static uint64_t bytes_of(const struct vinfer_fn_summary *f)
{
	uint64_t sum = 0;
	int d;

	for (d = 0; d < VINFER_DIR_MAX; d++)
		sum += f->bytes[d];
	return sum;
}

static int add_counter(struct probe_counts *c, const struct vinfer_fn_summary *f,
		       uint64_t calls, uint64_t bytes, uint64_t error)
{
	struct attest_counter *nv = realloc(c->fns, (c->n_fns + 1) * sizeof(*nv)), *e;

	if (!nv)
		return -ENOMEM;
	c->fns = nv;
	e = &nv[c->n_fns];
	e->api = strdup(vinfer_runtime_name(f->runtime));
	e->name = strdup(f->name);
	if (!e->api || !e->name) {
		free(e->api);
		free(e->name);
		return -ENOMEM;
	}
	e->calls = calls;
	e->bytes = bytes;
	e->error = error;
	e->exact = f->exact;
	c->n_fns++;
	if (!f->exact)
		c->flags |= CLAIM_F_ESTIMATED;
	return 0;
}

/* One function: its epoch counter into c, its totals into n. */
static int fn_delta(const struct totals *b, const struct vinfer_fn_summary *f,
		    struct fn_total *n, struct probe_counts *c)
{
	const struct fn_total *pb = base_fn(b, f);
	uint64_t bytes = grown(bytes_of(f), pb ? pb->bytes : 0), calls;
	double d, e;

	*n = (struct fn_total){ .name = f->name, .rt = f->runtime, .calls = f->calls,
				.bytes = bytes_of(f) };
	if (f->exact) {
		calls = grown(f->calls, pb ? pb->calls : 0);
		return calls ? add_counter(c, f, calls, bytes, 0) : 0;
	}
	if (f->unknown) {
		/* No window yet: nothing to say now; the next epoch counts it. */
		if (pb)
			*n = *pb;
		else
			n->bytes = 0;
		return 0;
	}
	n->estimate = f->estimate;
	n->error = f->error;
	n->known = true;
	d = f->estimate - (pb && pb->known ? pb->estimate : 0);
	e = f->error + (pb && pb->known ? pb->error : 0);
	calls = d >= 0.5 ? (uint64_t)llround(d) : 0;
	return calls ? add_counter(c, f, calls, bytes, (uint64_t)ceil(e + 0.5)) : 0;
}

static uint64_t base_activity(const struct totals *b, pid_t tgid)
{
	size_t i;

	for (i = 0; i < b->n_byp; i++)
		if (b->byp[i].tgid == tgid)
			return b->byp[i].activity;
	return 0;
}

static int bypass_delta(const struct totals *b, const struct vinfer_summary *s,
			struct totals *n, struct probe_counts *c)
{
	size_t i;

	n->byp = calloc(s->n_procs ? s->n_procs : 1, sizeof(*n->byp));
	if (!n->byp)
		return -ENOMEM;
	for (i = 0; i < s->n_procs; i++) {
		const struct vinfer_proc_summary *ps = &s->procs[i];
		uint64_t act = ps->accel_opens + ps->accel_ioctls + ps->drm_jobs;

		if (!ps->bypass)
			continue;
		n->byp[n->n_byp++] = (struct bypass_proc){ .tgid = ps->tgid, .activity = act };
		if (act > base_activity(b, ps->tgid))
			c->flags |= CLAIM_F_BYPASS;
	}
	return 0;
}

static int counter_cmp(const void *a, const void *b)
{
	const struct attest_counter *x = a, *y = b;
	int r = strcmp(x->api, y->api);

	return r ? r : strcmp(x->name, y->name);
}

static int counts_from(const struct totals *b, const struct vinfer_summary *s, bool exact,
		       struct totals *n, struct probe_counts *c)
{
	size_t i;
	int k, ret = 0;

	snprintf(c->mode, sizeof(c->mode), "%s", exact ? "exact" : "sampled");
	for (i = 0; i < s->n_fns && i < VINFER_MAX_FUNCS && !ret; i++)
		ret = fn_delta(b, &s->fns[i], &n->fns[n->n_fns++], c);
	if (!ret)
		ret = bypass_delta(b, s, n, c);
	if (ret)
		return ret;
	qsort(c->fns, c->n_fns, sizeof(*c->fns), counter_cmp);

	for (i = 0; i < s->n_devs; i++)
		n->ioctls += s->devs[i].ioctls;
	n->drm_jobs = s->drm_queued;
	for (i = 0; i < s->n_engines; i++)
		n->gpu_ns += s->engines[i].ns;
	for (k = 1; k < VINFER_EV_MAX; k++)
		n->drops += s->dropped[k];
	n->drops += s->ioctl_lost;
	n->attach_errors = s->attach_errors;

	c->ioctls = grown(n->ioctls, b->ioctls);
	c->drm_jobs = grown(n->drm_jobs, b->drm_jobs);
	c->gpu_ns = grown(n->gpu_ns, b->gpu_ns);
	/*
	 * Lost events, or a process whose runtime could not be probed: the
	 * counts miss something, and the claims say so.
	 */
	if (n->drops > b->drops || n->attach_errors > b->attach_errors)
		c->flags |= CLAIM_F_LOST;
	return 0;
}

int probe_take(struct vinferd_probe *p, struct probe_counts **out, char err[PROBE_ERR_MAX])
{
	struct vinfer_summary *s = NULL;
	struct probe_counts *c;
	int ret;

	*out = NULL;
	/* Whatever is in the ring buffer belongs to this epoch. */
	ret = probe_poll(p);
	if (ret)
		return fail(err, ret, "%s: probes: polling the trace: %s", p->cgroup,
			    strerror(-ret));
	ret = vinfer_trace_summary(p->t, &s);
	if (ret)
		return fail(err, ret, "%s: probes: the trace's summary: %s", p->cgroup,
			    strerror(-ret));
	c = calloc(1, sizeof(*c));
	totals_free(&p->next);
	ret = c ? counts_from(&p->base, s, p->exact, &p->next, c) : -ENOMEM;
	vinfer_summary_free(s);
	if (ret) {
		probe_counts_free(c);
		totals_free(&p->next);
		return fail(err, ret, "%s: probes: out of memory", p->cgroup);
	}
	*out = c;
	return 0;
}

void probe_commit(struct vinferd_probe *p)
{
	totals_free(&p->base);
	p->base = p->next;
	memset(&p->next, 0, sizeof(p->next));
}
