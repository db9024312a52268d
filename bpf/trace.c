// SPDX-License-Identifier: GPL-2.0
/*
 * One tracing session: the libbpf-tools pipeline (open, set the load-time
 * settings, load, attach, poll, clean up) and the dispatch of ring-buffer
 * events to the parts that act on them and to the caller's callback.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "session.h"
#include "bpf/vinfer.skel.h"

#define NS_PER_MS		1000000ULL
#define VINFER_SWEEP_NS		(1000 * NS_PER_MS)
#define VINFER_FDINFO_NS	(1000 * NS_PER_MS)
/* The BPF side stops holding processes when the loader is silent for 2 s. */
#define VINFER_MAX_WAIT_MS	500
#define VINFER_FILE_BUCKETS	4096

uint64_t vinfer_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

const char *vinfer_event_name(unsigned int kind)
{
	switch (kind) {
	case VINFER_EV_EXEC: return "exec";
	case VINFER_EV_FORK: return "fork";
	case VINFER_EV_EXIT: return "exit";
	case VINFER_EV_OPEN: return "open";
	case VINFER_EV_LIB_MAP: return "lib_map";
	case VINFER_EV_HOLD: return "hold";
	case VINFER_EV_RT_CALL: return "runtime_call";
	case VINFER_TEV_ATTACH: return "attach";
	case VINFER_TEV_ATTACH_ERROR: return "attach_error";
	default: return "unknown";
	}
}

const char *vinfer_accel_name(enum vinfer_accel_class cls)
{
	switch (cls) {
	case VINFER_ACCEL_NVIDIA: return "nvidia";
	case VINFER_ACCEL_NVIDIA_UVM: return "nvidia-uvm";
	case VINFER_ACCEL_KFD: return "kfd";
	case VINFER_ACCEL_DRM: return "drm";
	case VINFER_ACCEL_ACCEL: return "accel";
	default: return "none";
	}
}

const char *vinfer_path_src_name(enum vinfer_path_src src)
{
	return src == VINFER_PATH_RESOLVED ? "resolved" : "user";
}

void vinfer_emit(struct vinfer_trace *t, const struct vinfer_trace_event *ev)
{
	if (t->cb)
		t->cb(ev, t->ctx);
}

/* ---- files and devices seen, for the summary ---- */

static uint32_t path_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void note_file(struct vinfer_trace *t, const struct vinfer_ev_open *e)
{
	struct vinfer_file_summary *f;
	uint32_t b;
	size_t i;

	if (!t->file_index) {
		t->file_index = malloc(VINFER_FILE_BUCKETS * sizeof(*t->file_index));
		if (!t->file_index)
			return;
		memset(t->file_index, 0xff, VINFER_FILE_BUCKETS * sizeof(*t->file_index));
	}
	b = path_hash(e->path) % VINFER_FILE_BUCKETS;
	for (i = t->file_index[b]; i != (size_t)-1; i = t->file_next[i])
		if (!strcmp(t->files[i].path, e->path))
			break;
	if (i == (size_t)-1) {
		if (t->n_files == t->cap_files) {
			size_t cap = t->cap_files ? 2 * t->cap_files : 64;
			void *nf = realloc(t->files, cap * sizeof(*t->files));
			void *nn = realloc(t->file_next, cap * sizeof(*t->file_next));

			if (nf)
				t->files = nf;
			if (nn)
				t->file_next = nn;
			if (!nf || !nn)
				return;
			t->cap_files = cap;
		}
		i = t->n_files++;
		f = &t->files[i];
		memset(f, 0, sizeof(*f));
		snprintf(f->path, sizeof(f->path), "%s", e->path);
		f->first_tgid = e->hdr.tgid;
		t->file_next[i] = t->file_index[b];
		t->file_index[b] = i;
	}
	f = &t->files[i];
	if (e->ret >= 0) {
		f->opens++;
		f->ino = e->ino;
		f->dev = e->dev;
	} else {
		f->failures++;
	}
	f->flags |= e->flags;
}

static struct vinfer_dev_summary *dev_get(struct vinfer_trace *t, uint32_t rdev)
{
	struct vinfer_dev_summary *d;
	size_t i;

	for (i = 0; i < t->n_devs; i++)
		if (t->devs[i].rdev == rdev)
			return &t->devs[i];
	if (t->n_devs == t->cap_devs) {
		size_t cap = t->cap_devs ? 2 * t->cap_devs : 8;

		d = realloc(t->devs, cap * sizeof(*d));
		if (!d)
			return NULL;
		t->devs = d;
		t->cap_devs = cap;
	}
	d = &t->devs[t->n_devs++];
	memset(d, 0, sizeof(*d));
	d->rdev = rdev;
	return d;
}

/* ---- event dispatch ---- */

static struct vinfer_uproc *proc_of(struct vinfer_trace *t, const struct vinfer_event_hdr *h)
{
	struct vinfer_uproc *p = vinfer_proc_get(&t->procs, h->tgid);

	if (!p || p->exited) {
		/* Admitted by the kernel (cgroup mode) before any event said so. */
		p = vinfer_proc_add(&t->procs, h->tgid, h->ppid);
		if (p)
			t->had_procs = true;
	}
	if (p && !p->comm[0])
		memcpy(p->comm, h->comm, sizeof(p->comm));
	return p;
}

static void on_exec(struct vinfer_trace *t, const struct vinfer_ev_exec *e)
{
	struct vinfer_uproc *p = proc_of(t, &e->hdr);

	if (!p)
		return;
	memcpy(p->comm, e->hdr.comm, sizeof(p->comm));
	snprintf(p->exe, sizeof(p->exe), "%s", e->filename);
	/* The old image's uprobes went with its memory. */
	vinfer_runtime_detach_all(t, p);
	p->runtimes = 0;
	p->n_drm_fds = 0;
}

static void on_fork(struct vinfer_trace *t, const struct vinfer_ev_fork *e)
{
	struct vinfer_uproc *parent = vinfer_proc_get(&t->procs, e->hdr.ppid);
	struct vinfer_uproc *c = vinfer_proc_add(&t->procs, e->hdr.tgid, e->hdr.ppid);

	if (!c)
		return;
	t->had_procs = true;
	memcpy(c->comm, e->hdr.comm, sizeof(c->comm));
	if (parent) {
		memcpy(c->exe, parent->exe, sizeof(c->exe));
		if (parent->att)
			vinfer_runtime_fork(t, c);
	}
}

static void on_exit_ev(struct vinfer_trace *t, const struct vinfer_ev_exit *e)
{
	struct vinfer_uproc *p = vinfer_proc_get(&t->procs, e->hdr.tgid);
	__u32 key = e->hdr.tgid;

	bpf_map_delete_elem(bpf_map__fd(t->skel->maps.vinfer_scope), &key);
	if (!p)
		return;
	p->final = e->proc;
	p->have_final = true;
	vinfer_runtime_detach_all(t, p);
	vinfer_proc_mark_exited(&t->procs, p, e->exit_code);
}

static void on_open(struct vinfer_trace *t, const struct vinfer_ev_open *e)
{
	struct vinfer_dev_summary *d;
	struct vinfer_uproc *p;

	note_file(t, e);
	if (e->accel == VINFER_ACCEL_NONE)
		return;
	d = dev_get(t, e->rdev);
	if (!d)
		return;
	d->accel = e->accel;
	if (!d->path[0] && e->path[0])
		snprintf(d->path, sizeof(d->path), "%s", e->path);
	if (e->ret < 0)
		return;
	d->opens++;
	p = vinfer_proc_get(&t->procs, e->hdr.tgid);
	if (p && (e->accel == VINFER_ACCEL_DRM || e->accel == VINFER_ACCEL_ACCEL) &&
	    p->n_drm_fds < sizeof(p->drm_fds) / sizeof(p->drm_fds[0]))
		p->drm_fds[p->n_drm_fds++] = (int)e->ret;
}

/*
 * The kernel reports the path string the caller passed. A relative one is
 * joined here with what it was relative to: the process's working directory
 * (AT_FDCWD) or the directory open as dfd, read from /proc now. The process
 * may have moved or exited since the open: then the string stays as given
 * (VINFER_PATH_USER); dev and inode in the event are the kernel's either way.
 */
static void resolve_path(struct vinfer_ev_open *e)
{
	char link[64], base[VINFER_PATH_LEN], joined[VINFER_PATH_LEN];
	const char *rel = e->path;
	ssize_t n;
	int len;

	if (!e->path[0] || e->path[0] == '/')
		return;
	if (e->dfd == -100)	/* AT_FDCWD */
		snprintf(link, sizeof(link), "/proc/%u/cwd", e->hdr.tgid);
	else
		snprintf(link, sizeof(link), "/proc/%u/fd/%d", e->hdr.tgid, e->dfd);
	n = readlink(link, base, sizeof(base) - 1);
	if (n <= 0 || base[0] != '/')
		return;
	base[n] = 0;
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	if (!strcmp(rel, "."))
		rel = "";
	len = snprintf(joined, sizeof(joined), "%s%s%s", base, (n > 1 && *rel) ? "/" : "", rel);
	if (len >= (int)sizeof(joined))
		e->truncated = 1;
	memcpy(e->path, joined, sizeof(e->path));
	e->path_src = VINFER_PATH_RESOLVED;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	const struct vinfer_event_hdr *h = data;
	struct vinfer_trace *t = ctx;
	struct vinfer_trace_event ev = { .hdr = h };
	struct vinfer_uproc *p;

	if (size < sizeof(*h) || h->type == 0 || h->type >= VINFER_EV_MAX)
		return 0;
	ev.kind = h->type;
	t->received[h->type]++;
	switch (h->type) {
	case VINFER_EV_EXEC:
		on_exec(t, data);
		vinfer_emit(t, &ev);
		break;
	case VINFER_EV_FORK:
		/* Emitted first: the child's attach events follow its fork. */
		vinfer_emit(t, &ev);
		on_fork(t, data);
		break;
	case VINFER_EV_EXIT:
		on_exit_ev(t, data);
		vinfer_emit(t, &ev);
		break;
	case VINFER_EV_OPEN: {
		struct vinfer_ev_open o;

		if (size < sizeof(o))
			return 0;
		memcpy(&o, data, sizeof(o));
		resolve_path(&o);
		ev.open = &o;
		proc_of(t, h);
		on_open(t, &o);
		vinfer_emit(t, &ev);
		break;
	}
	case VINFER_EV_LIB_MAP: {
		const struct vinfer_ev_lib_map *e = data;

		vinfer_emit(t, &ev);
		p = proc_of(t, h);
		if (p)
			vinfer_runtime_attach(t, p, e->runtime, e->dev, e->ino, e->held);
		else if (e->held)
			kill(h->tgid, SIGCONT);
		break;
	}
	case VINFER_EV_HOLD:
		/* Its probes went in on the fork event, which came first. */
		vinfer_emit(t, &ev);
		kill(h->tgid, SIGCONT);
		break;
	default:
		vinfer_emit(t, &ev);
		break;
	}
	return 0;
}

/* ---- pipeline ---- */

static const struct {
	const char *old_name, *new_name;
} drm_tracepoints[] = {
	{ "drm_sched_job", "drm_sched_job_queue" },
	{ "drm_run_job", "drm_sched_job_run" },
	{ "drm_sched_process_job", "drm_sched_job_done" },
};

/* Attach the DRM scheduler programs under every name this kernel has. */
static void attach_drm(struct vinfer_trace *t)
{
	struct bpf_program *progs[] = {
		t->skel->progs.vinfer_drm_queue,
		t->skel->progs.vinfer_drm_run_job,
		t->skel->progs.vinfer_drm_done,
	};
	size_t i, k;

	for (i = 0; i < 3; i++) {
		const char *names[2] = { drm_tracepoints[i].old_name, drm_tracepoints[i].new_name };

		for (k = 0; k < 2; k++) {
			struct bpf_link *l;
			size_t len = strlen(t->drm_tp);

			if (t->n_drm_links >= sizeof(t->drm_links) / sizeof(t->drm_links[0]))
				return;
			l = bpf_program__attach_raw_tracepoint(progs[i], names[k]);
			if (!l)
				continue;
			t->drm_links[t->n_drm_links++] = l;
			snprintf(t->drm_tp + len, sizeof(t->drm_tp) - len, "%s%s",
				 len ? "," : "", names[k]);
		}
	}
}

/*
 * libbpf's messages only when VINFER_LIBBPF_DEBUG is set: 1 warnings and
 * the verifier log of a failed load, 2 everything.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static int debug = -1;

	if (debug < 0) {
		const char *v = getenv("VINFER_LIBBPF_DEBUG");

		debug = v ? (atoi(v) > 1 ? 2 : 1) : 0;
	}
	if (!debug || (level == LIBBPF_DEBUG && debug < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int attach_prog(struct bpf_program *prog, struct bpf_link **link,
		       char *err, size_t errlen)
{
	if (!bpf_program__autoload(prog))
		return 0;
	*link = bpf_program__attach(prog);
	if (!*link) {
		int e = errno;

		snprintf(err, errlen, "attaching %s: %s", bpf_program__name(prog), strerror(e));
		return -e;
	}
	return 0;
}

static int check_opts(struct vinfer_trace_opts *o, char *err, size_t errlen)
{
	long page = sysconf(_SC_PAGESIZE);

	if (o->scope != VINFER_TRACE_PID && o->scope != VINFER_TRACE_CGROUP) {
		snprintf(err, errlen, "scope %d: must be a process tree or a cgroup", o->scope);
		return -EINVAL;
	}
	if (o->scope == VINFER_TRACE_CGROUP && (!o->cgroup || !*o->cgroup)) {
		snprintf(err, errlen, "cgroup scope without a cgroup path");
		return -EINVAL;
	}
	if (!o->ringbuf_bytes)
		o->ringbuf_bytes = 4u << 20;
	if (o->ringbuf_bytes < page || (o->ringbuf_bytes & (o->ringbuf_bytes - 1))) {
		snprintf(err, errlen, "ring buffer size %u: must be a power of two >= %ld",
			 o->ringbuf_bytes, page);
		return -EINVAL;
	}
	if (!o->period_ms)
		o->period_ms = VINFER_DEFAULT_PERIOD_MS;
	if (!o->window_ms)
		o->window_ms = VINFER_DEFAULT_WINDOW_MS;
	if (o->window_ms * 4 > o->period_ms) {
		snprintf(err, errlen, "window %u ms: must be at most a quarter of the "
			 "period (%u ms)", o->window_ms, o->period_ms);
		return -EINVAL;
	}
	return 0;
}

int vinfer_trace_open(struct vinfer_trace **tp, const struct vinfer_trace_opts *opts,
		      vinfer_trace_cb cb, void *ctx, char *err, size_t errlen)
{
	struct vinfer_bpf *skel = NULL;
	struct vinfer_trace *t;
	unsigned int i;
	int ret;

	*tp = NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->opts = *opts;
	t->cb = cb;
	t->ctx = ctx;
	t->cgroup_fd = -1;
	t->self = getpid();
	t->start_ns = vinfer_now_ns();
	ret = check_opts(&t->opts, err, errlen);
	if (ret)
		goto fail;
	ret = vinfer_features_probe(&t->feat, err, errlen);
	if (ret)
		goto fail;

	libbpf_set_print(libbpf_print);
	skel = vinfer_bpf__open();
	if (!skel) {
		ret = -errno;
		snprintf(err, errlen, "opening the BPF object: %s", strerror(errno));
		goto fail;
	}
	t->skel = skel;
	skel->rodata->targ_scope = t->opts.scope == VINFER_TRACE_CGROUP ? 2 : 1;
	skel->rodata->targ_self_tgid = t->self;
	skel->rodata->targ_sampled = !t->opts.exact;
	skel->rodata->targ_hold = !t->opts.no_hold;
	bpf_map__set_max_entries(skel->maps.vinfer_events, t->opts.ringbuf_bytes);
	bpf_program__set_autoload(skel->progs.vinfer_switch, !t->opts.exact);
	if (t->feat.uprobe_multi)
		bpf_program__set_expected_attach_type(skel->progs.vinfer_rt_hit_multi,
						      VINFER_BPF_TRACE_UPROBE_MULTI);
	else
		bpf_program__set_autoload(skel->progs.vinfer_rt_hit_multi, false);

	ret = vinfer_bpf__load(skel);
	if (ret) {
		snprintf(err, errlen, "loading the BPF programs: %s%s", strerror(-ret),
			 ret == -EPERM ? " (needs root: CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN)" : "");
		goto fail;
	}
	ret = vinfer_libnames_fill(t);
	for (i = 0; !ret && i < (unsigned int)t->feat.n_majors; i++) {
		__u32 major = t->feat.majors[i].major, cls = t->feat.majors[i].cls;

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.vinfer_accel_major), &major, &cls,
					BPF_ANY))
			ret = -errno;
	}
	if (ret) {
		snprintf(err, errlen, "filling the BPF maps: %s", strerror(-ret));
		goto fail;
	}
	skel->bss->vinfer_heartbeat_ns = vinfer_now_ns();

	/* Attach: the lifecycle first, so no fork is missed while seeding. */
	ret = attach_prog(skel->progs.vinfer_exec, &skel->links.vinfer_exec, err, errlen) ?:
	      attach_prog(skel->progs.vinfer_fork, &skel->links.vinfer_fork, err, errlen) ?:
	      attach_prog(skel->progs.vinfer_exit, &skel->links.vinfer_exit, err, errlen) ?:
	      attach_prog(skel->progs.vinfer_switch, &skel->links.vinfer_switch, err, errlen) ?:
	      attach_prog(skel->progs.vinfer_sys_enter, &skel->links.vinfer_sys_enter, err,
			  errlen) ?:
	      attach_prog(skel->progs.vinfer_sys_exit, &skel->links.vinfer_sys_exit, err, errlen);
	if (ret)
		goto fail;
	attach_drm(t);

	t->rb = ring_buffer__new(bpf_map__fd(skel->maps.vinfer_events), handle_event, t, NULL);
	if (!t->rb) {
		ret = -errno;
		snprintf(err, errlen, "ring buffer: %s", strerror(errno));
		goto fail;
	}
	vinfer_window_init(t);

	if (t->opts.scope == VINFER_TRACE_CGROUP)
		ret = vinfer_scope_cgroup(t, t->opts.cgroup, err, errlen);
	else if (t->opts.pid)
		ret = vinfer_scope_pid_tree(t, t->opts.pid, err, errlen);
	if (ret)
		goto fail;
	*tp = t;
	return 0;
fail:
	vinfer_trace_close(t);
	return ret;
}

int vinfer_trace_add_pid(struct vinfer_trace *t, pid_t pid, char *err, size_t errlen)
{
	return vinfer_scope_pid_tree(t, pid, err, errlen);
}

static void housekeeping(struct vinfer_trace *t, uint64_t now)
{
	t->skel->bss->vinfer_heartbeat_ns = now;
	if (now >= t->next_sweep) {
		vinfer_scope_sweep(t);
		t->next_sweep = now + VINFER_SWEEP_NS;
	}
	if (now >= t->next_fdinfo) {
		vinfer_fdinfo_sample(t);
		t->next_fdinfo = now + VINFER_FDINFO_NS;
	}
}

int vinfer_trace_poll(struct vinfer_trace *t, int timeout_ms, const sigset_t *sigmask)
{
	struct pollfd pfd = { .fd = ring_buffer__epoll_fd(t->rb), .events = POLLIN };
	uint64_t now = vinfer_now_ns();
	struct timespec ts;
	int wait, n, r;

	housekeeping(t, now);
	wait = vinfer_window_tick(t, now);
	if (timeout_ms < 0 || timeout_ms > VINFER_MAX_WAIT_MS)
		timeout_ms = VINFER_MAX_WAIT_MS;
	if (wait >= 0 && wait < timeout_ms)
		timeout_ms = wait;
	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
	r = ppoll(&pfd, 1, &ts, sigmask);
	if (r < 0)
		return -errno;
	n = ring_buffer__consume(t->rb);
	vinfer_window_tick(t, vinfer_now_ns());
	return n;
}

int vinfer_trace_drain(struct vinfer_trace *t)
{
	return ring_buffer__consume(t->rb);
}

int vinfer_trace_fd(const struct vinfer_trace *t)
{
	return ring_buffer__epoll_fd(t->rb);
}

int vinfer_trace_next_deadline_ms(const struct vinfer_trace *t, uint64_t now)
{
	uint64_t next = t->next_sweep < t->next_fdinfo ? t->next_sweep : t->next_fdinfo;
	int ms = VINFER_MAX_WAIT_MS, w = vinfer_window_next_ms(t, now);

	if (w >= 0 && w < ms)
		ms = w;
	if (next <= now)
		return 0;
	if (next - now < (uint64_t)ms * NS_PER_MS)
		ms = (int)((next - now + NS_PER_MS - 1) / NS_PER_MS);
	return ms;
}

bool vinfer_trace_done(const struct vinfer_trace *t)
{
	return t->opts.scope == VINFER_TRACE_PID && t->had_procs && !t->procs.live;
}

void vinfer_trace_close(struct vinfer_trace *t)
{
	struct vinfer_uproc *p;
	unsigned int i;

	if (!t)
		return;
	/* Events still queued may hold processes: let them go first. */
	if (t->rb)
		ring_buffer__consume(t->rb);
	if (t->skel) {
		vinfer_proc_for_each(&t->procs, i, p)
			vinfer_runtime_detach_all(t, p);
	}
	for (i = 0; i < t->n_drm_links; i++)
		bpf_link__destroy(t->drm_links[i]);
	ring_buffer__free(t->rb);
	vinfer_bpf__destroy(t->skel);
	if (t->cgroup_fd >= 0)
		close(t->cgroup_fd);
	vinfer_window_free(t);
	vinfer_proctab_free(&t->procs);
	for (i = 0; i < t->clients.n; i++)
		vinfer_engines_free(&t->clients.c[i].eng);
	free(t->clients.c);
	free(t->files);
	free(t->file_next);
	free(t->file_index);
	for (i = 0; i < t->n_devs; i++)
		free(t->devs[i].cmds);
	free(t->devs);
	free(t);
}
