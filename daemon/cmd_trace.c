// SPDX-License-Identifier: GPL-2.0
/*
 * vinfer trace [options] [--cgroup PATH | --pid PID | -- CMD...]
 *
 * Traces one workload with the vinfer probes (libvinfer_probe) and prints
 * its events, one per line, then a summary record:
 *
 *   -- CMD...      run CMD in scope from its first instruction; the trace
 *                  ends when CMD and every process it started have exited,
 *                  and vinfer exits with CMD's status
 *   --pid PID      the process tree under PID (existing descendants too);
 *                  ends when the tree is gone, on SIGINT/SIGTERM or after
 *                  --duration
 *   --cgroup PATH  every task in the cgroup v2 subtree at PATH; ends on
 *                  SIGINT/SIGTERM or after --duration
 *
 * Output goes to standard output, or to --output FILE (a workload's own
 * output then stays apart). --json prints JSON lines, otherwise a short text
 * line per event and the same summary as indented JSON. The schema is in
 * Documentation/probes.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cmd.h"
#include "trace.h"

struct tracer {
	FILE *out;
	bool json;
	bool verbose_calls;	/* print runtime_call events in text mode */
	pid_t child;		/* -- CMD: the command, until reaped */
	int child_status;
	bool child_reaped;
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_chld(int sig)
{
	(void)sig;
}

/* ---- events ---- */

static json_object *jstr(const char *s, size_t max)
{
	return json_object_new_string_len(s, (int)strnlen(s, max));
}

static void put(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

static void put_u64(json_object *o, const char *k, uint64_t v)
{
	put(o, k, json_object_new_uint64(v));
}

static void put_i64(json_object *o, const char *k, int64_t v)
{
	put(o, k, json_object_new_int64(v));
}

static json_object *hdr_json(const char *name, const struct vinfer_event_hdr *h)
{
	json_object *o = json_object_new_object();

	put(o, "event", json_object_new_string(name));
	put_u64(o, "ts_ns", h->ts_ns);
	put_i64(o, "pid", h->pid);
	put_i64(o, "tgid", h->tgid);
	put_i64(o, "ppid", h->ppid);
	put_u64(o, "cgroup", h->cgroup_id);
	put(o, "comm", jstr(h->comm, sizeof(h->comm)));
	return o;
}

static json_object *event_json(const struct vinfer_trace_event *ev)
{
	const char *name = vinfer_event_name(ev->kind);
	json_object *o, *a;
	unsigned int i;

	switch (ev->kind) {
	case VINFER_EV_EXEC:
		o = hdr_json(name, ev->hdr);
		put_i64(o, "old_pid", ev->exec->old_pid);
		put(o, "filename", jstr(ev->exec->filename, sizeof(ev->exec->filename)));
		put(o, "truncated", json_object_new_boolean(ev->exec->truncated));
		return o;
	case VINFER_EV_FORK:
		o = hdr_json(name, ev->hdr);
		put_i64(o, "parent_pid", ev->fork->parent_pid);
		return o;
	case VINFER_EV_EXIT:
		o = hdr_json(name, ev->hdr);
		if (WIFSIGNALED(ev->exit->exit_code))
			put_i64(o, "signal", WTERMSIG(ev->exit->exit_code));
		else
			put_i64(o, "exit_code", WEXITSTATUS(ev->exit->exit_code));
		put_u64(o, "rt_calls", ev->exit->proc.rt_calls);
		put_u64(o, "accel_opens", ev->exit->proc.accel_opens);
		put_u64(o, "accel_ioctls", ev->exit->proc.accel_ioctls);
		put_u64(o, "drm_jobs", ev->exit->proc.drm_jobs);
		return o;
	case VINFER_EV_OPEN:
		o = hdr_json(name, ev->hdr);
		put(o, "path", jstr(ev->open->path, sizeof(ev->open->path)));
		put(o, "path_source", json_object_new_string(
			vinfer_path_src_name(ev->open->path_src)));
		put(o, "truncated", json_object_new_boolean(ev->open->truncated));
		put_u64(o, "flags", ev->open->flags);
		put_i64(o, "ret", ev->open->ret);
		if (ev->open->ret >= 0) {
			put_u64(o, "dev", ev->open->dev);
			put_u64(o, "ino", ev->open->ino);
		}
		if (ev->open->accel) {
			put(o, "accel", json_object_new_string(vinfer_accel_name(ev->open->accel)));
			put_u64(o, "rdev", ev->open->rdev);
		}
		return o;
	case VINFER_EV_LIB_MAP:
		o = hdr_json(name, ev->hdr);
		put(o, "runtime", json_object_new_string(vinfer_runtime_name(ev->lib_map->runtime)));
		put(o, "name", jstr(ev->lib_map->name, sizeof(ev->lib_map->name)));
		put_u64(o, "dev", ev->lib_map->dev);
		put_u64(o, "ino", ev->lib_map->ino);
		put(o, "held", json_object_new_boolean(ev->lib_map->held));
		return o;
	case VINFER_EV_HOLD:
		return hdr_json(name, ev->hdr);
	case VINFER_EV_RT_CALL: {
		const char *fn = vinfer_fn_name(ev->rt_call->fid);

		o = hdr_json(name, ev->hdr);
		put(o, "function", json_object_new_string(fn ? fn : "?"));
		a = json_object_new_array();
		for (i = 0; i < 3; i++)
			json_object_array_add(a, json_object_new_uint64(ev->rt_call->args[i]));
		put(o, "args", a);
		if (ev->rt_call->has_str)
			put(o, "string", jstr(ev->rt_call->str, sizeof(ev->rt_call->str)));
		return o;
	}
	case VINFER_TEV_ATTACH:
	case VINFER_TEV_ATTACH_ERROR:
		o = json_object_new_object();
		put(o, "event", json_object_new_string(name));
		put_i64(o, "tgid", ev->attach->tgid);
		put(o, "runtime", json_object_new_string(vinfer_runtime_name(ev->attach->runtime)));
		put(o, "path", json_object_new_string(ev->attach->path ? ev->attach->path : ""));
		if (ev->kind == VINFER_TEV_ATTACH_ERROR) {
			put(o, "error", json_object_new_string(ev->attach->error ?
							       ev->attach->error : ""));
		} else {
			put_u64(o, "functions", ev->attach->functions);
			put_u64(o, "hot", ev->attach->hot);
			put_u64(o, "missing", ev->attach->missing);
		}
		put(o, "held", json_object_new_boolean(ev->attach->held));
		if (ev->attach->held)
			put_u64(o, "held_ns", ev->attach->held_ns);
		return o;
	default:
		o = json_object_new_object();
		put(o, "event", json_object_new_string(name));
		put_u64(o, "kind", ev->kind);
		return o;
	}
}

/* One short line per event for people; JSON keeps every field. */
static void event_text(struct tracer *tr, const struct vinfer_trace_event *ev)
{
	const struct vinfer_event_hdr *h = ev->hdr;
	const char *name = vinfer_event_name(ev->kind);
	FILE *f = tr->out;

	if (ev->kind == VINFER_TEV_ATTACH || ev->kind == VINFER_TEV_ATTACH_ERROR) {
		fprintf(f, "%-12s tgid=%d %s %s", name, ev->attach->tgid,
			vinfer_runtime_name(ev->attach->runtime),
			ev->attach->path ? ev->attach->path : "");
		if (ev->kind == VINFER_TEV_ATTACH)
			fprintf(f, " functions=%u hot=%u\n", ev->attach->functions,
				ev->attach->hot);
		else
			fprintf(f, ": %s\n", ev->attach->error ? ev->attach->error : "?");
		return;
	}
	if (ev->kind == VINFER_EV_RT_CALL && !tr->verbose_calls)
		return;
	fprintf(f, "%-12s pid=%u tgid=%u ppid=%u comm=%.*s", name, h->pid, h->tgid, h->ppid,
		(int)sizeof(h->comm), h->comm);
	switch (ev->kind) {
	case VINFER_EV_EXEC:
		fprintf(f, " file=%.*s", (int)sizeof(ev->exec->filename), ev->exec->filename);
		break;
	case VINFER_EV_EXIT:
		fprintf(f, " status=%d", ev->exit->exit_code);
		break;
	case VINFER_EV_OPEN:
		fprintf(f, " ret=%lld flags=%#x path=%.*s%s", (long long)ev->open->ret,
			ev->open->flags, (int)sizeof(ev->open->path), ev->open->path,
			ev->open->accel ? " (accelerator)" : "");
		break;
	case VINFER_EV_LIB_MAP:
		fprintf(f, " runtime=%s lib=%.*s", vinfer_runtime_name(ev->lib_map->runtime),
			(int)sizeof(ev->lib_map->name), ev->lib_map->name);
		break;
	case VINFER_EV_RT_CALL: {
		const char *fn = vinfer_fn_name(ev->rt_call->fid);

		fprintf(f, " %s", fn ? fn : "?");
		if (ev->rt_call->has_str)
			fprintf(f, " %.*s", (int)sizeof(ev->rt_call->str), ev->rt_call->str);
		break;
	}
	default:
		break;
	}
	fputc('\n', f);
}

static void on_event(const struct vinfer_trace_event *ev, void *ctx)
{
	struct tracer *tr = ctx;
	json_object *o;

	if (!tr->json) {
		event_text(tr, ev);
		return;
	}
	o = event_json(ev);
	fprintf(tr->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

/* ---- summary ---- */

static json_object *counts_json(const uint64_t *v)
{
	json_object *o = json_object_new_object();
	uint64_t total = 0;
	unsigned int i;

	for (i = 1; i < VINFER_EV_MAX; i++) {
		put_u64(o, vinfer_event_name(i), v[i]);
		total += v[i];
	}
	put_u64(o, "total", total);
	return o;
}

static json_object *fn_json(const struct vinfer_fn_summary *fn)
{
	json_object *o = json_object_new_object();

	put(o, "name", json_object_new_string(fn->name));
	put(o, "runtime", json_object_new_string(vinfer_runtime_name(fn->runtime)));
	put(o, "exact", json_object_new_boolean(fn->exact));
	if (!fn->exact && fn->unknown) {
		/* No window fell inside the trace: no number is honest. */
		put(o, "calls", NULL);
		put(o, "estimate", NULL);
		put(o, "error", NULL);
	} else {
		put_u64(o, "calls", fn->calls);
	}
	if (!fn->exact && !fn->unknown) {
		put(o, "estimate", json_object_new_double(fn->estimate));
		put(o, "error", json_object_new_double(fn->error));
	}
	if (!fn->exact) {
		put_u64(o, "windows", fn->windows);
		put_u64(o, "sampled_calls", fn->sampled_calls);
	}
	put_u64(o, "traps", fn->traps);
	if (fn->bytes[VINFER_DIR_HTOD])
		put_u64(o, "bytes_htod", fn->bytes[VINFER_DIR_HTOD]);
	if (fn->bytes[VINFER_DIR_DTOH])
		put_u64(o, "bytes_dtoh", fn->bytes[VINFER_DIR_DTOH]);
	if (fn->bytes[VINFER_DIR_DTOD])
		put_u64(o, "bytes_dtod", fn->bytes[VINFER_DIR_DTOD]);
	if (fn->bytes[VINFER_DIR_NONE])
		put_u64(o, "bytes", fn->bytes[VINFER_DIR_NONE]);
	return o;
}

static json_object *dev_json(const struct vinfer_dev_summary *d)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	char cmd[16];
	size_t i;

	put(o, "path", jstr(d->path, sizeof(d->path)));
	put_u64(o, "major", d->rdev >> 20);
	put_u64(o, "minor", d->rdev & 0xfffff);
	put(o, "class", json_object_new_string(vinfer_accel_name(d->accel)));
	put_u64(o, "opens", d->opens);
	put_u64(o, "ioctls", d->ioctls);
	for (i = 0; i < d->n_cmds; i++) {
		json_object *c = json_object_new_object();

		snprintf(cmd, sizeof(cmd), "%#x", d->cmds[i].cmd);
		put(c, "cmd", json_object_new_string(cmd));
		put_u64(c, "count", d->cmds[i].count);
		json_object_array_add(a, c);
	}
	put(o, "commands", a);
	return o;
}

static json_object *file_json(const struct vinfer_file_summary *f)
{
	json_object *o = json_object_new_object();

	put(o, "path", jstr(f->path, sizeof(f->path)));
	put_u64(o, "opens", f->opens);
	put_u64(o, "failures", f->failures);
	put_u64(o, "flags", f->flags);
	put_i64(o, "first_tgid", f->first_tgid);
	put_u64(o, "dev", f->dev);
	put_u64(o, "ino", f->ino);
	return o;
}

static json_object *proc_json(const struct vinfer_proc_summary *p)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	unsigned int rt;

	put_i64(o, "tgid", p->tgid);
	put_i64(o, "ppid", p->ppid);
	put(o, "comm", jstr(p->comm, sizeof(p->comm)));
	put(o, "exe", jstr(p->exe, sizeof(p->exe)));
	put(o, "exited", json_object_new_boolean(p->exited));
	if (p->exited)
		put_i64(o, "exit_status", p->exit_code);
	put_u64(o, "rt_calls", p->rt_calls);
	put_u64(o, "accel_opens", p->accel_opens);
	put_u64(o, "accel_ioctls", p->accel_ioctls);
	put_u64(o, "drm_jobs", p->drm_jobs);
	for (rt = 1; rt < VINFER_RT_MAX; rt++)
		if (p->runtimes & (1u << rt))
			json_object_array_add(a, json_object_new_string(vinfer_runtime_name(rt)));
	put(o, "runtimes", a);
	put(o, "bypass", json_object_new_boolean(p->bypass));
	return o;
}

static json_object *summary_json(const struct vinfer_summary *s)
{
	json_object *o = json_object_new_object(), *a, *x;
	uint64_t total = 0;
	size_t i;

	put(o, "event", json_object_new_string("summary"));
	put(o, "mode", json_object_new_string(s->exact ? "exact" : "sampled"));
	put_u64(o, "duration_ns", s->duration_ns);

	a = json_object_new_array();
	for (i = 0; i < s->n_fns; i++)
		json_object_array_add(a, fn_json(&s->fns[i]));
	put(o, "functions", a);
	put_u64(o, "bytes_htod", s->bytes_htod);
	put_u64(o, "bytes_dtoh", s->bytes_dtoh);
	put_u64(o, "bytes_dtod", s->bytes_dtod);
	put_u64(o, "bytes_copy_other", s->bytes_copy_other);
	put_u64(o, "bytes_alloc", s->bytes_alloc);

	a = json_object_new_array();
	for (i = 0; i < s->n_devs; i++)
		json_object_array_add(a, dev_json(&s->devs[i]));
	put(o, "devices", a);
	a = json_object_new_array();
	for (i = 0; i < s->n_files; i++)
		json_object_array_add(a, file_json(&s->files[i]));
	put(o, "files", a);
	a = json_object_new_array();
	for (i = 0; i < s->n_procs; i++)
		json_object_array_add(a, proc_json(&s->procs[i]));
	put(o, "processes", a);
	put(o, "bypass", json_object_new_boolean(s->bypass));

	for (i = 1; i < VINFER_EV_MAX; i++)
		total += s->dropped[i];
	total += s->ioctl_lost;
	x = json_object_new_object();
	put(x, "events", counts_json(s->dropped));
	put_u64(x, "ioctl_counters", s->ioctl_lost);
	put_u64(x, "total", total);
	put(o, "drops", x);
	put(o, "emitted", counts_json(s->emitted));
	put(o, "received", counts_json(s->received));
	put_u64(o, "attach_errors", s->attach_errors);

	x = json_object_new_object();
	a = json_object_new_array();
	if (s->drm_tracepoints[0]) {
		char buf[sizeof(s->drm_tracepoints)], *tok, *save;

		memcpy(buf, s->drm_tracepoints, sizeof(buf));
		buf[sizeof(buf) - 1] = '\0';
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			json_object_array_add(a, json_object_new_string(tok));
	}
	put(x, "tracepoints", a);
	put_u64(x, "jobs_queued", s->drm_queued);
	put_u64(x, "jobs_run", s->drm_run);
	put_u64(x, "jobs_done", s->drm_done_all);
	a = json_object_new_array();
	for (i = 0; i < s->n_engines; i++) {
		json_object *e = json_object_new_object();

		put(e, "engine", jstr(s->engines[i].engine, sizeof(s->engines[i].engine)));
		put_u64(e, "busy_ns", s->engines[i].ns);
		json_object_array_add(a, e);
	}
	put(x, "engines", a);
	put(o, "drm", x);

	if (!s->exact) {
		x = json_object_new_object();
		put_u64(x, "period_ms", s->period_ms);
		put_u64(x, "window_ms", s->window_ms);
		put_u64(x, "windows", s->windows);
		put_u64(x, "window_ns", s->window_ns);
		put_u64(x, "oncpu_ns", s->oncpu_ns);
		put(x, "probe_cost_xol_ns", json_object_new_double(s->tau_ns[VINFER_TRAP_XOL]));
		put(x, "probe_cost_emul_ns", json_object_new_double(s->tau_ns[VINFER_TRAP_EMUL]));
		put(x, "uprobe_multi", json_object_new_boolean(s->uprobe_multi));
		put(o, "sampling", x);
	}
	return o;
}

static int print_summary(struct tracer *tr, struct vinfer_trace *t)
{
	struct vinfer_summary *s;
	json_object *o;
	int ret;

	ret = vinfer_trace_summary(t, &s);
	if (ret) {
		fprintf(stderr, "vinfer trace: summary: %s\n", strerror(-ret));
		return ret;
	}
	o = summary_json(s);
	fprintf(tr->out, "%s\n", json_object_to_json_string_ext(o, tr->json ?
		JSON_C_TO_STRING_PLAIN : JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(o);
	vinfer_summary_free(s);
	return 0;
}

/* ---- the command ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vinfer trace [options] (--cgroup PATH | --pid PID | -- CMD [ARG...])\n"
		"  --json             events and summary as JSON lines\n"
		"  --exact            count every launch and sync call (default: sampled)\n"
		"  -o, --output FILE  write the trace to FILE, not standard output\n"
		"  --duration SECS    stop after SECS seconds\n"
		"  --ringbuf BYTES    event ring buffer size (power of two, default 4 MiB)\n"
		"  --period MS        sampled mode: one window per period (default %u)\n"
		"  --window MS        sampled mode: window length (default %u)\n"
		"  --seed N           sampled mode: window placement seed\n"
		"  --no-hold          never stop a new process to attach its probes\n"
		"  --calls            text mode: also print runtime lifecycle calls\n",
		VINFER_DEFAULT_PERIOD_MS, VINFER_DEFAULT_WINDOW_MS);
}

/* More than one of --cgroup, --pid and -- CMD. */
static int scope_conflict(void)
{
	fprintf(stderr, "vinfer trace: give one of --cgroup, --pid, -- CMD\n");
	return VINFER_EXIT_USAGE;
}

/* A decimal number in [min, max], or a usage error naming the option. */
static int parse_num(const char *opt, const char *s, unsigned long long min,
		     unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	if (*s == '-' || *s == '\0')
		goto bad;
	*v = strtoull(s, &end, 10);
	if (errno || *end || *v < min || *v > max)
		goto bad;
	return 0;
bad:
	fprintf(stderr, "vinfer trace: %s: '%s' is not a number in [%llu, %llu]\n",
		opt, s, min, max);
	return -EINVAL;
}

/*
 * Start CMD stopped before exec: it waits on a pipe until the trace has it
 * in scope, so its exec and everything after are seen. Closing the pipe
 * without a byte (the trace failed) makes it exit 127 without running.
 */
static pid_t spawn(char **argv, int *go)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(127);
		close(p[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "vinfer trace: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

static void reap(struct tracer *tr)
{
	int st;

	if (tr->child <= 0 || tr->child_reaped)
		return;
	if (waitpid(tr->child, &st, WNOHANG) == tr->child) {
		tr->child_status = st;
		tr->child_reaped = true;
	}
}

static int exit_status_of(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return VINFER_EXIT_FAIL;
}

enum {
	OPT_JSON = 0x100, OPT_EXACT, OPT_DURATION, OPT_RINGBUF, OPT_PERIOD, OPT_WINDOW,
	OPT_SEED, OPT_NO_HOLD, OPT_CGROUP, OPT_PID, OPT_CALLS,
};

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "exact", no_argument, NULL, OPT_EXACT },
	{ "output", required_argument, NULL, 'o' },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "ringbuf", required_argument, NULL, OPT_RINGBUF },
	{ "period", required_argument, NULL, OPT_PERIOD },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "no-hold", no_argument, NULL, OPT_NO_HOLD },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "calls", no_argument, NULL, OPT_CALLS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_trace(int argc, char **argv)
{
	struct vinfer_trace_opts opts = { 0 };
	struct tracer tr = { .out = stdout };
	struct vinfer_trace *t = NULL;
	unsigned long long v, duration = 0;
	const char *output = NULL;
	uint64_t deadline = 0;
	sigset_t block, orig;
	struct sigaction sa = { 0 };
	char err[512] = "";
	int c, ret, go = -1, status = VINFER_EXIT_OK;
	bool forwarded = false;

	while ((c = getopt_long(argc, argv, "+ho:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			tr.json = true;
			break;
		case OPT_EXACT:
			opts.exact = true;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_DURATION:
			if (parse_num("--duration", optarg, 1, 86400 * 365, &duration))
				return VINFER_EXIT_USAGE;
			break;
		case OPT_RINGBUF:
			if (parse_num("--ringbuf", optarg, 1, 1u << 30, &v))
				return VINFER_EXIT_USAGE;
			opts.ringbuf_bytes = v;
			break;
		case OPT_PERIOD:
			if (parse_num("--period", optarg, 1, 60000, &v))
				return VINFER_EXIT_USAGE;
			opts.period_ms = v;
			break;
		case OPT_WINDOW:
			if (parse_num("--window", optarg, 1, 15000, &v))
				return VINFER_EXIT_USAGE;
			opts.window_ms = v;
			break;
		case OPT_SEED:
			if (parse_num("--seed", optarg, 1, UINT_MAX, &v))
				return VINFER_EXIT_USAGE;
			opts.seed = v;
			break;
		case OPT_NO_HOLD:
			opts.no_hold = true;
			break;
		case OPT_CALLS:
			tr.verbose_calls = true;
			break;
		case OPT_CGROUP:
			if (opts.scope) {
				return scope_conflict();
			}
			opts.scope = VINFER_TRACE_CGROUP;
			opts.cgroup = optarg;
			break;
		case OPT_PID:
			if (opts.scope) {
				return scope_conflict();
			}
			if (parse_num("--pid", optarg, 1, INT_MAX, &v))
				return VINFER_EXIT_USAGE;
			opts.scope = VINFER_TRACE_PID;
			opts.pid = v;
			break;
		case 'h':
			usage(stdout);
			return VINFER_EXIT_OK;
		default:
			usage(stderr);
			return VINFER_EXIT_USAGE;
		}
	}
	if (optind < argc && opts.scope) {
		return scope_conflict();
	}
	if (optind == argc && !opts.scope) {
		usage(stderr);
		return VINFER_EXIT_USAGE;
	}
	if (output) {
		tr.out = fopen(output, "we");
		if (!tr.out) {
			fprintf(stderr, "vinfer trace: %s: %s\n", output, strerror(errno));
			return VINFER_EXIT_FAIL;
		}
	}
	setvbuf(tr.out, NULL, _IOLBF, 0);

	/* Signals are handled only inside ppoll: no event is cut in half. */
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &orig);

	if (optind < argc) {
		tr.child = spawn(argv + optind, &go);
		if (tr.child < 0) {
			fprintf(stderr, "vinfer trace: starting %s: %s\n", argv[optind],
				strerror(errno));
			status = VINFER_EXIT_FAIL;
			goto out;
		}
		opts.scope = VINFER_TRACE_PID;
		opts.pid = tr.child;
	}

	ret = vinfer_trace_open(&t, &opts, on_event, &tr, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "vinfer trace: %s\n", err);
		status = VINFER_EXIT_FAIL;
		goto out;
	}
	if (go >= 0) {
		if (write(go, "g", 1) != 1) {
			fprintf(stderr, "vinfer trace: releasing %s: %s\n", argv[optind],
				strerror(errno));
			status = VINFER_EXIT_FAIL;
			goto out;
		}
		close(go);
		go = -1;
	} else if (opts.scope == VINFER_TRACE_CGROUP)
		fprintf(stderr, "vinfer trace: tracing cgroup %s\n", opts.cgroup);
	else
		fprintf(stderr, "vinfer trace: tracing process tree %d\n", opts.pid);
	if (duration) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		deadline = (ts.tv_sec + duration) * 1000000000ULL + ts.tv_nsec;
	}

	for (;;) {
		struct timespec ts;
		uint64_t now;

		ret = vinfer_trace_poll(t, 100, &orig);
		if (ret < 0 && ret != -EINTR) {
			fprintf(stderr, "vinfer trace: %s\n", strerror(-ret));
			status = VINFER_EXIT_FAIL;
			break;
		}
		reap(&tr);
		if (vinfer_trace_done(t))
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		if (deadline && now >= deadline)
			break;
		if (stop_signal) {
			/* -- CMD: pass it on and trace CMD's end, once. */
			if (tr.child > 0 && !tr.child_reaped && !forwarded) {
				kill(tr.child, stop_signal);
				forwarded = true;
				stop_signal = 0;
				deadline = now + 5000000000ULL;
				continue;
			}
			break;
		}
	}
	if (t) {
		vinfer_trace_drain(t);
		if (print_summary(&tr, t))
			status = VINFER_EXIT_FAIL;
	}
out:
	if (go >= 0)
		close(go);
	vinfer_trace_close(t);
	if (tr.child > 0) {
		if (!tr.child_reaped && waitpid(tr.child, &tr.child_status, 0) == tr.child)
			tr.child_reaped = true;
		if (status == VINFER_EXIT_OK && tr.child_reaped)
			status = exit_status_of(tr.child_status);
	}
	if (tr.out != stdout && fclose(tr.out)) {
		fprintf(stderr, "vinfer trace: writing %s: %s\n", output, strerror(errno));
		status = VINFER_EXIT_FAIL;
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return status;
}
