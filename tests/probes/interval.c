// SPDX-License-Identifier: GPL-2.0
/*
 * Drives libvinfer_probe the way a long-running caller does, for run.sh:
 * one sampled trace, waited on with vinfer_trace_fd() and
 * vinfer_trace_next_deadline_ms() (no busy polling), over two commands run
 * one after the other, each in its own interval of
 * vinfer_trace_summary_since():
 *
 *	interval PREFIX SEP CMD1... SEP CMD2...
 *
 * writes PREFIX.1.json and PREFIX.2.json (the intervals, each covering one
 * command), PREFIX.c1.json (a cumulative summary after the first) and
 * PREFIX.c2.json (after the second): one JSON object each, with the fields
 * of the `vinfer trace --json` summary run.sh compares. Exit 0, or 1 with
 * a message: a command failed, the trace did, or a deadline was out of
 * range.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "trace.h"

#define BOUND_NS	(120ULL * 1000000000ULL)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "interval: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

static void put_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static int write_summary(const char *prefix, const char *name, const struct vinfer_summary *s)
{
	json_object *o = json_object_new_object(), *fns = json_object_new_array();
	char path[4096];
	size_t i;
	int ret;

	put_u64(o, "duration_ns", s->duration_ns);
	put_u64(o, "windows", s->windows);
	put_u64(o, "oncpu_ns", s->oncpu_ns);
	put_u64(o, "bytes_htod", s->bytes_htod);
	put_u64(o, "bytes_dtoh", s->bytes_dtoh);
	put_u64(o, "exec", s->received[VINFER_EV_EXEC]);
	for (i = 0; i < s->n_fns; i++) {
		const struct vinfer_fn_summary *f = &s->fns[i];
		json_object *j = json_object_new_object();

		json_object_object_add(j, "name", json_object_new_string(f->name));
		json_object_object_add(j, "exact", json_object_new_boolean(f->exact));
		put_u64(j, "calls", f->calls);
		if (!f->exact) {
			json_object_object_add(j, "estimate", f->unknown ? NULL :
					       json_object_new_double(f->estimate));
			json_object_object_add(j, "error", f->unknown ? NULL :
					       json_object_new_double(f->error));
			put_u64(j, "windows", f->windows);
			put_u64(j, "sampled_calls", f->sampled_calls);
		}
		json_object_array_add(fns, j);
	}
	json_object_object_add(o, "functions", fns);
	snprintf(path, sizeof(path), "%s.%s.json", prefix, name);
	ret = json_object_to_file_ext(path, o, JSON_C_TO_STRING_PLAIN);
	json_object_put(o);
	return ret ? fail(path, EIO) : 0;
}

/* Start @argv held on a pipe, put it in scope, let it exec. */
static pid_t spawn(struct vinfer_trace *t, char **argv)
{
	char err[256], c;
	int p[2], ret;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[0]);
	ret = vinfer_trace_add_pid(t, pid, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "interval: adding %d: %s\n", pid, err);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(p[1]);
		return -1;
	}
	if (write(p[1], "x", 1) != 1)
		kill(pid, SIGKILL);
	close(p[1]);
	return pid;
}

/* Wait as a caller with its own loop would, until the tree is gone. */
static int wait_done(struct vinfer_trace *t, pid_t pid)
{
	uint64_t start = now_ns();
	int status, fd = vinfer_trace_fd(t);

	if (fd < 0)
		return fail("vinfer_trace_fd", fd);
	while (!vinfer_trace_done(t)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int ms = vinfer_trace_next_deadline_ms(t, now_ns()), ret;

		if (ms < 0 || ms > 500) {
			fprintf(stderr, "interval: deadline %d ms: not in [0, 500]\n", ms);
			return 1;
		}
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			return fail("poll", errno);
		ret = vinfer_trace_poll(t, 0, NULL);
		if (ret < 0 && ret != -EINTR)
			return fail("vinfer_trace_poll", ret);
		if (now_ns() - start > BOUND_NS) {
			fprintf(stderr, "interval: the command did not end in time\n");
			kill(pid, SIGKILL);
			return 1;
		}
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "interval: the command failed (status 0x%x)\n", status);
		return 1;
	}
	vinfer_trace_drain(t);
	return 0;
}

int main(int argc, char **argv)
{
	struct vinfer_trace_opts opts = { .scope = VINFER_TRACE_PID };
	struct vinfer_trace_mark *mark = NULL;
	struct vinfer_trace *t = NULL;
	char **cmdv[2], err[256], name[8];
	int i, k = -1, ret = 1;

	if (argc < 5) {
		fprintf(stderr, "usage: interval PREFIX SEP CMD1... SEP CMD2...\n");
		return 2;
	}
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], argv[2]))
			continue;
		argv[i] = NULL;
		k = i + 1;
	}
	if (k < 0 || k >= argc || k == 4) {
		fprintf(stderr, "interval: two commands, each after '%s'\n", argv[2]);
		return 2;
	}
	cmdv[0] = &argv[3];
	cmdv[1] = &argv[k];

	ret = vinfer_trace_open(&t, &opts, NULL, NULL, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "interval: %s\n", err);
		return 1;
	}
	ret = vinfer_trace_mark_new(t, &mark);
	if (ret) {
		ret = fail("vinfer_trace_mark_new", ret);
		goto out;
	}
	for (i = 0; i < 2; i++) {
		struct vinfer_summary *s = NULL, *c = NULL;
		pid_t pid = spawn(t, cmdv[i]);

		if (pid < 0) {
			ret = fail("starting the command", errno ? errno : EINVAL);
			goto out;
		}
		ret = wait_done(t, pid);
		if (ret)
			goto out;
		ret = vinfer_trace_summary_since(t, mark, &s);
		if (ret) {
			ret = fail("vinfer_trace_summary_since", ret);
			goto out;
		}
		ret = vinfer_trace_summary(t, &c);
		if (ret) {
			vinfer_summary_free(s);
			ret = fail("vinfer_trace_summary", ret);
			goto out;
		}
		snprintf(name, sizeof(name), "%d", i + 1);
		ret = write_summary(argv[1], name, s);
		snprintf(name, sizeof(name), "c%d", i + 1);
		ret = ret ?: write_summary(argv[1], name, c);
		vinfer_summary_free(s);
		vinfer_summary_free(c);
		if (ret)
			goto out;
	}
out:
	vinfer_trace_mark_free(mark);
	vinfer_trace_close(t);
	return ret;
}
