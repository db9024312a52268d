// SPDX-License-Identifier: GPL-2.0
/*
 * A workload's accelerator counters from its libvinfer_probe trace.
 *
 * An epoch's counters are an interval of the trace (bpf/trace.h,
 * vinfer_trace_summary_since): the probe keeps a mark where the last
 * committed epoch ended, and each take asks for the interval from a copy of
 * it (take, then commit: the copy becomes the mark only once the epoch's
 * marker is in the log).
 *
 *   exact counts, bytes, ioctls, DRM jobs, GPU time, drops, attach errors:
 *	the interval's own counters
 *   sampled estimates of hot functions (launches, synchronisation): the
 *	estimator over the interval's own windows, with the interval's own
 *	~99.7% error; the count is the estimate rounded, so its error is
 *	ceil(error + 0.5).  An interval without a window says nothing about
 *	them ("unknown"): their calls are carried to the next epoch, whose
 *	estimate starts where the last estimated interval ended (a second
 *	mark, "sampled", that stays behind until an interval has windows).
 *   bypass: a process with accelerator activity in the interval and no
 *	runtime call ever (the library's verdict).
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

struct vinferd_probe {
	struct vinfer_trace *t;
	char *cgroup;
	bool exact;
	/* committed: where the last committed epoch ended */
	struct vinfer_trace_mark *mark;
	/* sampled mode: where the hot functions' uncounted calls begin */
	struct vinfer_trace_mark *sampled;
	bool carry;			/* sampled is behind mark */
	/* the last take, until committed */
	struct vinfer_trace_mark *next, *next_sampled;
	bool next_known;		/* the take had windows for the estimates */
	uint64_t next_drops, drops;	/* events lost: the take's, all committed */
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
	ret = vinfer_trace_mark_new(p->t, &p->mark);
	if (ret) {
		probe_close(p);
		return fail(err, ret, "out of memory");
	}
	*pp = p;
	return 0;
}

int probe_poll(struct vinferd_probe *p)
{
	int ret = vinfer_trace_poll(p->t, 0, NULL);

	return ret < 0 && ret != -EINTR ? ret : 0;
}

int probe_fd(const struct vinferd_probe *p)
{
	return vinfer_trace_fd(p->t);
}

int probe_deadline_ms(const struct vinferd_probe *p, uint64_t now_ns)
{
	return vinfer_trace_next_deadline_ms(p->t, now_ns);
}

uint64_t probe_drops(const struct vinferd_probe *p)
{
	return p->drops;
}

/* Forgets the last take (not committed: its epoch has no marker). */
static void take_drop(struct vinferd_probe *p)
{
	vinfer_trace_mark_free(p->next);
	vinfer_trace_mark_free(p->next_sampled);
	p->next = p->next_sampled = NULL;
	p->next_known = false;
	p->next_drops = 0;
}

void probe_close(struct vinferd_probe *p)
{
	if (!p)
		return;
	take_drop(p);
	vinfer_trace_mark_free(p->mark);
	vinfer_trace_mark_free(p->sampled);
	vinfer_trace_close(p->t);
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

/* A function of an interval: its counter into c when it has calls. */
static int fn_count(const struct vinfer_fn_summary *f, struct probe_counts *c)
{
	uint64_t calls;

	if (f->exact)
		return f->calls ? add_counter(c, f, f->calls, bytes_of(f), 0) : 0;
	if (f->unknown)
		return 0;	/* no window: carried (see the top of this file) */
	calls = f->estimate >= 0.5 ? (uint64_t)llround(f->estimate) : 0;
	return calls ? add_counter(c, f, calls, bytes_of(f), (uint64_t)ceil(f->error + 0.5)) : 0;
}

static int counter_cmp(const void *a, const void *b)
{
	const struct attest_counter *x = a, *y = b;
	int r = strcmp(x->api, y->api);

	return r ? r : strcmp(x->name, y->name);
}

/* Whether some sampled function of s has no window to be estimated from. */
static bool has_unknown(const struct vinfer_summary *s)
{
	size_t i;

	for (i = 0; i < s->n_fns; i++)
		if (!s->fns[i].exact && s->fns[i].unknown)
			return true;
	return false;
}

/*
 * s: the interval since the committed mark (every exact counter); hot:
 * the interval the sampled functions are estimated over (s itself unless
 * calls are carried).
 */
static int counts_from(const struct vinfer_summary *s, const struct vinfer_summary *hot,
		       bool exact, struct probe_counts *c, uint64_t *drops)
{
	size_t i;
	int k, ret = 0;

	snprintf(c->mode, sizeof(c->mode), "%s", exact ? "exact" : "sampled");
	for (i = 0; i < s->n_fns && !ret; i++)
		if (s->fns[i].exact)
			ret = fn_count(&s->fns[i], c);
	for (i = 0; i < hot->n_fns && !ret; i++)
		if (!hot->fns[i].exact)
			ret = fn_count(&hot->fns[i], c);
	if (ret)
		return ret;
	qsort(c->fns, c->n_fns, sizeof(*c->fns), counter_cmp);

	for (i = 0; i < s->n_procs; i++)
		if (s->procs[i].bypass)
			c->flags |= CLAIM_F_BYPASS;
	for (i = 0; i < s->n_devs; i++)
		c->ioctls += s->devs[i].ioctls;
	c->drm_jobs = s->drm_queued;
	for (i = 0; i < s->n_engines; i++)
		c->gpu_ns += s->engines[i].ns;
	*drops = s->ioctl_lost;
	for (k = 1; k < VINFER_EV_MAX; k++)
		*drops += s->dropped[k];
	/*
	 * Lost events, or a process whose runtime could not be probed: the
	 * counts miss something, and the claims say so.
	 */
	if (*drops || s->attach_errors)
		c->flags |= CLAIM_F_LOST;
	return 0;
}

int probe_take(struct vinferd_probe *p, struct probe_counts **out, char err[PROBE_ERR_MAX])
{
	struct vinfer_summary *s = NULL, *hot = NULL;
	struct probe_counts *c = NULL;
	int ret;

	*out = NULL;
	take_drop(p);
	/* Whatever is in the ring buffer belongs to this epoch. */
	ret = probe_poll(p);
	if (ret)
		return fail(err, ret, "%s: probes: polling the trace: %s", p->cgroup,
			    strerror(-ret));
	ret = vinfer_trace_mark_dup(p->mark, &p->next);
	if (!ret)
		ret = vinfer_trace_summary_since(p->t, p->next, &s);
	if (!ret && p->carry) {
		ret = vinfer_trace_mark_dup(p->sampled, &p->next_sampled);
		if (!ret)
			ret = vinfer_trace_summary_since(p->t, p->next_sampled, &hot);
	}
	if (ret) {
		take_drop(p);
		vinfer_summary_free(s);
		return fail(err, ret, "%s: probes: the interval's summary: %s", p->cgroup,
			    strerror(-ret));
	}
	c = calloc(1, sizeof(*c));
	ret = c ? counts_from(s, hot ? hot : s, p->exact, c, &p->next_drops) : -ENOMEM;
	p->next_known = !has_unknown(hot ? hot : s);
	vinfer_summary_free(s);
	vinfer_summary_free(hot);
	if (ret) {
		probe_counts_free(c);
		take_drop(p);
		return fail(err, ret, "%s: probes: out of memory", p->cgroup);
	}
	*out = c;
	return 0;
}

void probe_commit(struct vinferd_probe *p)
{
	if (!p->next)
		return;
	if (p->next_known) {
		/* the sampled functions are counted through here */
		vinfer_trace_mark_free(p->sampled);
		p->sampled = NULL;
		p->carry = false;
	} else if (!p->carry) {
		/* their calls since the take's start wait for a window */
		vinfer_trace_mark_free(p->sampled);
		p->sampled = p->mark;
		p->mark = NULL;
		p->carry = true;
	}
	vinfer_trace_mark_free(p->mark);
	p->mark = p->next;
	p->next = NULL;
	p->drops += p->next_drops;
	take_drop(p);
}
