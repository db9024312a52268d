// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vinferd's sd_notify: without NOTIFY_SOCKET nothing is sent
 * and nothing fails; with a path or an abstract name, each state arrives as
 * one datagram on a socket the test binds; bad environment values are named.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "notify.h"

static int bind_dgram(const char *name, struct sockaddr_un *sa, socklen_t *len)
{
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	strcpy(sa->sun_path, name);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1);
	if (name[0] == '@') {
		sa->sun_path[0] = '\0';
		(*len)--;
	}
	assert_int_equal(bind(fd, (struct sockaddr *)sa, *len), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void expect_datagram(int fd, const char *text)
{
	char buf[512];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, text);
}

static void exercise(const char *name)
{
	char err[NOTIFY_ERR_MAX], buf[512];
	struct notify n;
	struct sockaddr_un sa;
	socklen_t len;
	ssize_t r;
	int fd;

	fd = bind_dgram(name, &sa, &len);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(notify_open(&n, err), 0);
	assert_true(n.fd >= 0);
	assert_int_equal(notify_ready(&n), 0);
	expect_datagram(fd, "READY=1");
	assert_int_equal(notify_status(&n, "epoch %d of %s\nsealed", 3, "llama"), 0);
	expect_datagram(fd, "STATUS=epoch 3 of llama sealed");
	assert_int_equal(notify_watchdog(&n), 0);
	expect_datagram(fd, "WATCHDOG=1");
	assert_int_equal(notify_reloading(&n), 0);
	r = recv(fd, buf, sizeof(buf) - 1, 0);
	assert_true(r > 0);
	buf[r] = '\0';
	assert_true(!strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27) && buf[27] >= '1' &&
		    buf[27] <= '9');
	assert_int_equal(notify_stopping(&n), 0);
	expect_datagram(fd, "STOPPING=1");
	notify_close(&n);
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void test_path(void **state)
{
	char dir[] = "/tmp/vinfer-notify-XXXXXX", name[128];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(name, sizeof(name), "%s/notify", dir);
	exercise(name);
	unlink(name);
	rmdir(dir);
}

static void test_abstract(void **state)
{
	char name[64];

	(void)state;
	snprintf(name, sizeof(name), "@vinfer-notify-test-%d", (int)getpid());
	exercise(name);
}

static void test_unset(void **state)
{
	char err[NOTIFY_ERR_MAX];
	struct notify n;

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	assert_int_equal(notify_open(&n, err), 0);
	assert_int_equal(n.fd, -1);
	assert_int_equal(n.watchdog_usec, 0);
	assert_int_equal(notify_ready(&n), 0);
	assert_int_equal(notify_status(&n, "x"), 0);
	notify_close(&n);
}

static void test_env(void **state)
{
	char err[NOTIFY_ERR_MAX], pid[16];
	struct notify n;

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_USEC", "30000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(notify_open(&n, err), 0);
	assert_int_equal(n.watchdog_usec, 30000000);
	setenv("WATCHDOG_PID", "1", 1);		/* meant for another process */
	assert_int_equal(notify_open(&n, err), 0);
	assert_int_equal(n.watchdog_usec, 0);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "30s", 1);
	assert_int_equal(notify_open(&n, err), -EINVAL);
	assert_non_null(strstr(err, "WATCHDOG_USEC '30s'"));
	unsetenv("WATCHDOG_USEC");
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(notify_open(&n, err), -EINVAL);
	assert_non_null(strstr(err, "NOTIFY_SOCKET 'relative/path'"));
	unsetenv("NOTIFY_SOCKET");
	/* Nobody listening: the daemon is told, and carries on. */
	setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
	assert_int_equal(notify_open(&n, err), 0);
	assert_int_equal(notify_ready(&n), -ENOENT);
	notify_close(&n);
	unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_abstract),
		cmocka_unit_test(test_unset),
		cmocka_unit_test(test_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
