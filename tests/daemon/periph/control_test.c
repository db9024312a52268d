// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vinferd's control socket: the request protocol against a fake
 * daemon core (table-driven), the socket's life (modes, a live daemon
 * refused, a stale socket removed), its bounds (size, time, 16 clients), and
 * the CLI (daemon/cmd_status.c) against it, including its exit codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "cmd.h"
#include "control.h"

/* The fake core: records what it was asked. */
static struct {
	int calls;
	char last[64];
	char arg[300];
} core;

static void record(const char *what, const char *arg)
{
	core.calls++;
	snprintf(core.last, sizeof(core.last), "%s", what);
	snprintf(core.arg, sizeof(core.arg), "%s", arg ? arg : "(null)");
}

static int fake_status(void *ctx, json_object *out)
{
	(void)ctx;
	record("status", NULL);
	json_object_object_add(out, "state", json_object_new_string("running"));
	json_object_object_add(out, "open_epochs", json_object_new_int(2));
	return 0;
}

static int fake_epochs(void *ctx, const char *workload, json_object *out)
{
	json_object *a = json_object_new_array(), *e = json_object_new_object();

	(void)ctx;
	record("epochs", workload);
	json_object_object_add(e, "workload", json_object_new_string("llama"));
	json_object_object_add(e, "epoch", json_object_new_int(7));
	json_object_array_add(a, e);
	json_object_object_add(out, "epochs", a);
	return 0;
}

static int fake_show(void *ctx, const char *id, json_object *out)
{
	(void)ctx;
	record("show", id);
	json_object_object_add(out, "error", json_object_new_string("show: no attestation "
								   "with that id"));
	return -ENOENT;
}

static int fake_close(void *ctx, const char *workload, json_object *out)
{
	(void)ctx;
	(void)out;
	record("close-epoch", workload);
	return -EIO;
}

static const struct control_ops ops = {
	.status = fake_status, .epochs = fake_epochs, .show = fake_show,
	.close_epoch = fake_close,
};

static void test_answer(void **state)
{
	static const struct {
		const char *line;
		bool may_close;
		const char *called;	/* NULL: no callback */
		const char *arg;
		const char *error;	/* part of the error; NULL: success */
	} cases[] = {
		{ "status\n", false, "status", "(null)", NULL },
		{ "status", false, "status", "(null)", NULL },
		{ "status\r\n", false, "status", "(null)", NULL },
		{ "  status  \n", false, "status", "(null)", NULL },
		{ "epochs\n", false, "epochs", "(null)", NULL },
		{ "epochs llama\n", false, "epochs", "llama", NULL },
		{ "epochs a b\n", false, NULL, NULL, "epochs: unexpected argument (expected epochs [WORKLOAD])" },
		{ "show\n", false, NULL, NULL, "show: missing argument (expected show AGENT-WORKLOAD-EPOCH)" },
		{ "show 1-llama-7\n", false, "show", "1-llama-7", "show: no attestation with that id" },
		{ "close-epoch\n", false, NULL, NULL, "close-epoch: permission denied for uid 1000" },
		{ "close-epoch llama\n", true, "close-epoch", "llama", "close-epoch: Input/output error" },
		{ "status extra\n", false, NULL, NULL, "status: unexpected argument" },
		{ "frobnicate\n", false, NULL, NULL, "unknown command 'frobnicate'" },
		{ "STATUS\n", false, NULL, NULL, "unknown command 'STATUS'" },
		{ "\n", false, NULL, NULL, "empty line" },
		{ "", false, NULL, NULL, "empty line" },
		{ "status\x01\n", false, NULL, NULL, "byte 0x01 at offset 6" },
		{ "epochs w\xc3\xa9\n", false, NULL, NULL, "byte 0xc3 at offset 8" },
		{ "status\nstatus\n", false, NULL, NULL, "byte 0x0a at offset 6" },
		{ "a b c d\n", false, NULL, NULL, "too many words" },
	};
	struct control_peer peer = { .uid = 1000 };
	json_object *r, *err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&core, 0, sizeof(core));
		peer.may_close = cases[i].may_close;
		r = control_answer(&ops, NULL, cases[i].line, strlen(cases[i].line), &peer);
		assert_non_null(r);
		bool has_err = json_object_object_get_ex(r, "error", &err);
		const char *msg = has_err ? json_object_get_string(err) : "";

		if (cases[i].error ? !has_err || !strstr(msg, cases[i].error) : has_err)
			fail_msg("'%s': got %s", cases[i].line, json_object_to_json_string(r));
		if (cases[i].called) {
			assert_int_equal(core.calls, 1);
			assert_string_equal(core.last, cases[i].called);
			assert_string_equal(core.arg, cases[i].arg);
		} else if (core.calls) {
			fail_msg("'%s' reached the core (%s)", cases[i].line, core.last);
		}
		if (!cases[i].error && !strcmp(cases[i].called, "status"))
			assert_non_null(strstr(json_object_to_json_string(r), "\"running\""));
		json_object_put(r);
	}
	/* A word too long, and a core without the callback. */
	{
		char line[400] = "epochs ";
		struct control_ops none = { 0 };

		memset(line + 7, 'w', 300);
		r = control_answer(&ops, NULL, line, strlen(line), &peer);
		assert_true(json_object_object_get_ex(r, "error", &err));
		assert_non_null(strstr(json_object_get_string(err), "longer than 255 bytes"));
		json_object_put(r);
		r = control_answer(&none, NULL, "status\n", 7, &peer);
		assert_true(json_object_object_get_ex(r, "error", &err));
		assert_string_equal(json_object_get_string(err), "status: not supported by this daemon");
		json_object_put(r);
	}
}

static char dir[64], sock[128];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/vinfer-ctl-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/run/vinferd.sock", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static int dial(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * Serves for up to limit_ms or until the client's reply is complete; returns
 * the reply's length, -1 when nothing came back in time.
 */
static int serve(struct control *c, int cfd, char *buf, size_t size, long limit_ms)
{
	struct timespec t0;
	size_t len = 0;
	ssize_t r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ms_since(&t0) < limit_ms) {
		struct pollfd p[2] = { { control_fd(c), POLLIN, 0 }, { cfd, POLLIN, 0 } };

		assert_true(poll(p, cfd >= 0 ? 2 : 1, 50) >= 0);
		if (p[0].revents)
			assert_int_equal(control_handle(c), 0);
		if (cfd >= 0 && p[1].revents) {
			r = read(cfd, buf + len, size - 1 - len);
			if (r <= 0) {
				buf[len] = '\0';
				return (int)len;
			}
			len += (size_t)r;
		}
	}
	return -1;
}

static void ask(struct control *c, const char *req, char *buf, size_t size)
{
	int fd = dial();

	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	assert_true(serve(c, fd, buf, size, 5000) > 0);
	close(fd);
}

static void test_socket(void **state)
{
	char err[CONTROL_ERR_MAX], buf[8192], big[CONTROL_REQUEST_MAX + 8];
	struct control_opts o = { .path = sock, .gid = (gid_t)-1 };
	struct control *c, *c2;
	struct timespec t0;
	struct stat st;
	char parent[128];
	long ms;
	int fd;

	(void)state;
	assert_int_equal(control_open(&c, &o, &ops, NULL, err), 0);
	snprintf(parent, sizeof(parent), "%s/run", dir);
	assert_int_equal(stat(parent, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(lstat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);

	/* A second daemon on the same path is refused while the first answers. */
	assert_int_equal(control_open(&c2, &o, &ops, NULL, err), -EADDRINUSE);
	assert_non_null(strstr(err, "another vinferd answers on"));
	assert_non_null(strstr(err, sock));
	assert_int_equal(serve(c, -1, buf, sizeof(buf), 100), -1);	/* its probe is served */

	memset(&core, 0, sizeof(core));
	ask(c, "status\n", buf, sizeof(buf));
	assert_string_equal(buf, "{\"state\":\"running\",\"open_epochs\":2}\n");
	/* Same uid as the daemon: close-epoch is allowed. */
	ask(c, "close-epoch llama\nignored", buf, sizeof(buf));
	assert_string_equal(core.last, "close-epoch");
	assert_string_equal(buf, "{\"error\":\"close-epoch: Input/output error\"}\n");
	/* Ended by shutting down the write side, no newline. */
	fd = dial();
	assert_int_equal(write(fd, "epochs w", 8), 8);
	shutdown(fd, SHUT_WR);
	assert_true(serve(c, fd, buf, sizeof(buf), 5000) > 0);
	close(fd);
	assert_string_equal(core.arg, "w");
	assert_non_null(strstr(buf, "\"epoch\":7"));

	/* Too long. */
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	ask(c, big, buf, sizeof(buf));
	assert_string_equal(buf, "{\"error\":\"request: longer than 4096 bytes\"}\n");

	/* Too slow: answered after the 2 s timeout, not before. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ask(c, "stat", buf, sizeof(buf));
	ms = ms_since(&t0);
	assert_true(ms >= CONTROL_TIMEOUT_MS - 50 && ms < CONTROL_TIMEOUT_MS + 1500);
	assert_string_equal(buf, "{\"error\":\"request: no complete line within 2000 ms\"}\n");

	control_close(c);
	assert_int_equal(access(sock, F_OK), -1);	/* removed */
}

static void test_clients_bounded(void **state)
{
	struct control_opts o = { .path = sock, .gid = (gid_t)-1 };
	char err[CONTROL_ERR_MAX], buf[1024];
	int idle[CONTROL_CLIENTS_MAX], fd, i;
	struct control *c;

	(void)state;
	assert_int_equal(control_open(&c, &o, &ops, NULL, err), 0);
	for (i = 0; i < CONTROL_CLIENTS_MAX; i++)
		idle[i] = dial();
	fd = dial();
	assert_int_equal(write(fd, "status\n", 7), 7);
	/* 16 silent clients hold every slot: the 17th waits in the backlog. */
	assert_int_equal(serve(c, fd, buf, sizeof(buf), 500), -1);
	close(idle[0]);
	assert_true(serve(c, fd, buf, sizeof(buf), 1000) > 0);
	assert_non_null(strstr(buf, "running"));
	close(fd);
	for (i = 1; i < CONTROL_CLIENTS_MAX; i++)
		close(idle[i]);
	control_close(c);
}

static void test_stale_and_foreign(void **state)
{
	struct control_opts o = { .path = sock, .gid = (gid_t)-1 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char err[CONTROL_ERR_MAX], parent[128];
	struct control *c;
	int fd;

	(void)state;
	snprintf(parent, sizeof(parent), "%s/run", dir);
	mkdir(parent, 0750);
	/* A socket nobody listens on: a crashed daemon's. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(control_open(&c, &o, &ops, NULL, err), 0);
	control_close(c);
	/* Not a socket: left alone. */
	fd = open(sock, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(control_open(&c, &o, &ops, NULL, err), -EEXIST);
	assert_non_null(strstr(err, "exists and is not a socket"));
	assert_int_equal(access(sock, F_OK), 0);
	unlink(sock);
}

/* Runs fn(argv) in a child with stdout and stderr to files, serving meanwhile. */
static int run_cli(struct control *c, int (*fn)(int, char **), char **argv, char *out,
		   size_t size)
{
	char path[128], buf[16];
	int status, argc = 0, fd;
	pid_t pid;
	FILE *f;
	size_t n;

	while (argv[argc])
		argc++;
	snprintf(path, sizeof(path), "%s/cli.out", dir);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		alarm(10);
		fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		fflush(NULL);
		status = fn(argc, argv);
		fflush(NULL);
		_exit(status);
	}
	for (int i = 0; i < 200 && !waitpid(pid, &status, WNOHANG); i++)
		if (c)
			serve(c, -1, buf, sizeof(buf), 50);
		else
			usleep(50000);
	if (!WIFEXITED(status)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		fail_msg("the CLI did not finish");
	}
	f = fopen(path, "r");
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
	return WEXITSTATUS(status);
}

static void test_cli(void **state)
{
	struct control_opts o = { .path = sock, .gid = (gid_t)-1 };
	char err[CONTROL_ERR_MAX], out[4096], expect[256];
	struct control *c;

	(void)state;
	snprintf(expect, sizeof(expect), "vinfer: vinferd is not running (no socket at %s)\n", sock);
	assert_int_equal(run_cli(NULL, cmd_status, (char *[]){ "status", "--socket", sock, NULL },
				 out, sizeof(out)), 3);
	assert_string_equal(out, expect);

	assert_int_equal(control_open(&c, &o, &ops, NULL, err), 0);
	assert_int_equal(run_cli(c, cmd_status, (char *[]){ "status", "--socket", sock, NULL },
				 out, sizeof(out)), 0);
	assert_string_equal(out, "state: running\nopen_epochs: 2\n");
	assert_int_equal(run_cli(c, cmd_epochs, (char *[]){ "epochs", "--socket", sock, "llama",
				 NULL }, out, sizeof(out)), 0);
	assert_string_equal(out, "epochs:\n  - workload=llama epoch=7 \n");
	assert_string_equal(core.arg, "llama");
	assert_int_equal(run_cli(c, cmd_epochs, (char *[]){ "epochs", "--json", "--socket", sock,
				 NULL }, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"epoch\":7") ? out : strstr(out, "\"epoch\": 7"));
	assert_int_equal(run_cli(c, cmd_show, (char *[]){ "show", "--socket", sock, "1-llama-7",
				 NULL }, out, sizeof(out)), 1);
	assert_string_equal(out, "vinfer: show: no attestation with that id\n");
	assert_int_equal(run_cli(c, cmd_close_epoch, (char *[]){ "close-epoch", "--socket", sock,
				 NULL }, out, sizeof(out)), 1);
	assert_string_equal(out, "vinfer: close-epoch: Input/output error\n");
	/* Usage errors never reach the daemon. */
	memset(&core, 0, sizeof(core));
	assert_int_equal(run_cli(c, cmd_show, (char *[]){ "show", "--socket", sock, NULL },
				 out, sizeof(out)), 2);
	assert_int_equal(run_cli(c, cmd_epochs, (char *[]){ "epochs", "--socket", sock, "a b",
				 NULL }, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "contains a space"));
	assert_int_equal(core.calls, 0);
	control_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer),
		cmocka_unit_test_setup_teardown(test_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clients_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_foreign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
