// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vinferd's metrics: the exposition text is exactly format
 * 0.0.4; bad names, labels and updates are refused; only loopback addresses
 * are served; the HTTP endpoint answers 200/404/405/400 and bounds requests.
 */
#include <errno.h>
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
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "metrics.h"

static void test_format_exact(void **state)
{
	static const double bounds[] = { 0.1, 1 };
	static const char expect[] =
		"# HELP t_epochs_total Epochs.\n"
		"# TYPE t_epochs_total counter\n"
		"t_epochs_total{workload=\"a\"} 2\n"
		"t_epochs_total{workload=\"q\\\"b\\\\\\n\"} 1\n"
		"# HELP t_depth Depth with \\\\ and \\n.\n"
		"# TYPE t_depth gauge\n"
		"t_depth 0.5\n"
		"# HELP t_lat_seconds Latency.\n"
		"# TYPE t_lat_seconds histogram\n"
		"t_lat_seconds_bucket{le=\"0.1\"} 1\n"
		"t_lat_seconds_bucket{le=\"1\"} 2\n"
		"t_lat_seconds_bucket{le=\"+Inf\"} 3\n"
		"t_lat_seconds_sum 5.55\n"
		"t_lat_seconds_count 3\n"
		"# HELP t_unused_total Never updated.\n"
		"# TYPE t_unused_total counter\n"
		"t_unused_total 0\n";
	struct metrics *m = metrics_new();
	struct metric *c, *g, *h, *u;
	char buf[2048];

	(void)state;
	assert_non_null(m);
	c = metrics_add(m, METRIC_COUNTER, "t_epochs_total", "Epochs.", "workload", NULL, 0);
	g = metrics_add(m, METRIC_GAUGE, "t_depth", "Depth with \\ and \n.", NULL, NULL, 0);
	h = metrics_add(m, METRIC_HISTOGRAM, "t_lat_seconds", "Latency.", NULL, bounds, 2);
	u = metrics_add(m, METRIC_COUNTER, "t_unused_total", "Never updated.", NULL, NULL, 0);
	assert_true(c && g && h && u);
	assert_int_equal(metric_add(c, "a", 1), 0);
	assert_int_equal(metric_add(c, "q\"b\\\n", 1), 0);
	assert_int_equal(metric_add(c, "a", 1), 0);
	assert_int_equal(metric_set(g, NULL, 3), 0);
	assert_int_equal(metric_set(g, NULL, 0.5), 0);	/* gauges go down */
	assert_int_equal(metric_observe(h, NULL, 0.05), 0);
	assert_int_equal(metric_observe(h, NULL, 1), 0);	/* le is inclusive */
	assert_int_equal(metric_observe(h, NULL, 4.5), 0);
	assert_int_equal(metrics_format(m, buf, sizeof(buf)), strlen(expect));
	assert_string_equal(buf, expect);
	metrics_free(m);
}

static void test_format_truncates(void **state)
{
	struct vinfer_metrics vm;
	char small[40], *full;
	size_t n;

	(void)state;
	assert_int_equal(vinfer_metrics_open(&vm), 0);
	assert_int_equal(metric_add(vm.epochs, "llama", 1), 0);
	assert_int_equal(metric_observe(vm.tpm_latency, NULL, 0.02), 0);
	n = metrics_format(vm.reg, NULL, 0);
	assert_true(n > sizeof(small));
	assert_int_equal(metrics_format(vm.reg, small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	full = malloc(n + 1);
	assert_int_equal(metrics_format(vm.reg, full, n + 1), n);
	assert_memory_equal(small, full, sizeof(small) - 1);
	for (const char *const *p = (const char *const[]){
		"# TYPE vinfer_epochs_total counter\n", "vinfer_epochs_total{workload=\"llama\"} 1\n",
		"# TYPE vinfer_records_total counter\n", "# TYPE vinfer_violations_total counter\n",
		"# TYPE vinfer_tpm_commands_total counter\n", "vinfer_tpm_commands_total 0\n",
		"# TYPE vinfer_tpm_latency_seconds histogram\n",
		"vinfer_tpm_latency_seconds_bucket{le=\"0.025\"} 1\n",
		"vinfer_tpm_latency_seconds_bucket{le=\"0.01\"} 0\n",
		"vinfer_tpm_latency_seconds_count 1\n",
		"# TYPE vinfer_spool_depth gauge\n", "# TYPE vinfer_probe_drops_total counter\n",
		"# TYPE vinfer_publish_failures_total counter\n", NULL }; *p; p++)
		if (!strstr(full, *p))
			fail_msg("missing from the exposition: %s", *p);
	free(full);
	vinfer_metrics_close(&vm);
}

static void test_refused(void **state)
{
	static const double down[] = { 1, 0.5 };
	struct metrics *m = metrics_new();
	struct metric *c, *g, *h;
	char lv[16];
	int i;

	(void)state;
	c = metrics_add(m, METRIC_COUNTER, "c_total", "C.", "workload", NULL, 0);
	g = metrics_add(m, METRIC_GAUGE, "g", "G.", NULL, NULL, 0);
	h = metrics_add(m, METRIC_HISTOGRAM, "h", "H.", "workload", (double[]){ 1 }, 1);
	assert_true(c && g && h);
	/* names, labels, bounds */
	assert_null(metrics_add(m, METRIC_GAUGE, "c_total", "dup", NULL, NULL, 0));
	assert_int_equal(errno, EEXIST);
	assert_null(metrics_add(m, METRIC_GAUGE, "9bad", "x", NULL, NULL, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(metrics_add(m, METRIC_GAUGE, "bad-name", "x", NULL, NULL, 0));
	assert_null(metrics_add(m, METRIC_GAUGE, "ok", "x", "__reserved", NULL, 0));
	assert_null(metrics_add(m, METRIC_GAUGE, "ok", "x", "a:b", NULL, 0));
	assert_null(metrics_add(m, METRIC_HISTOGRAM, "hh", "x", "le", (double[]){ 1 }, 1));
	assert_null(metrics_add(m, METRIC_HISTOGRAM, "hh", "x", NULL, down, 2));
	assert_null(metrics_add(m, METRIC_HISTOGRAM, "hh", "x", NULL, NULL, 0));
	assert_null(metrics_add(m, METRIC_GAUGE, "gg", "x", NULL, down, 2));
	/* updates */
	assert_int_equal(metric_add(c, "w", -1), -EINVAL);	/* counters only go up */
	assert_int_equal(metric_set(c, "w", 5), 0);
	assert_int_equal(metric_set(c, "w", 4), -EINVAL);
	assert_int_equal(metric_add(c, NULL, 1), -EINVAL);	/* label required */
	assert_int_equal(metric_add(g, "w", 1), -EINVAL);	/* no label here */
	assert_int_equal(metric_add(g, NULL, 0.0 / 0.0), -EINVAL);
	assert_int_equal(metric_observe(g, NULL, 1), -EINVAL);
	assert_int_equal(metric_add(h, "w", 1), -EINVAL);
	for (i = 1; i < METRICS_SERIES_MAX; i++) {	/* "w" is the first */
		snprintf(lv, sizeof(lv), "w%d", i);
		assert_int_equal(metric_add(c, lv, 1), 0);
	}
	assert_int_equal(metric_add(c, "one-too-many", 1), -ENOSPC);
	assert_int_equal(metric_add(c, "w", 1), 0);	/* known values still count */
	metrics_free(m);
}

static void test_addr(void **state)
{
	static const struct {
		const char *addr;
		int ok;
		const char *err;	/* part of the error */
	} cases[] = {
		{ "127.0.0.1:9464", 1, NULL },
		{ "127.3.2.1:0", 1, NULL },
		{ "[::1]:9464", 1, NULL },
		{ "0.0.0.0:9464", 0, "0.0.0.0 is not a loopback address" },
		{ "10.1.2.3:9464", 0, "10.1.2.3 is not a loopback address" },
		{ "[::]:9464", 0, ":: is not a loopback address" },
		{ "[2001:db8::1]:80", 0, "2001:db8::1 is not a loopback address" },
		{ "localhost:9464", 0, "'localhost' is not a numeric IPv4 address" },
		{ "::1:9464", 0, "is not a numeric IPv4 address" },
		{ "127.0.0.1", 0, "expected IPV4:PORT" },
		{ "[::1]9464", 0, "expected IPV4:PORT" },
		{ "127.0.0.1:65536", 0, "port '65536'" },
		{ "127.0.0.1:-1", 0, "port '-1'" },
		{ "127.0.0.1:", 0, "port ''" },
		{ "127.0.0.1:80x", 0, "port '80x'" },
	};
	struct sockaddr_storage ss;
	char err[METRICS_ERR_MAX];
	unsigned int len;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		int ret = metrics_parse_addr(cases[i].addr, &ss, &len, err);

		if (cases[i].ok) {
			if (ret)
				fail_msg("%s refused: %s", cases[i].addr, err);
			continue;
		}
		if (ret != -EINVAL || !strstr(err, cases[i].err))
			fail_msg("%s: ret %d, error '%s', expected '%s'", cases[i].addr, ret, err,
				 cases[i].err);
		if (!strstr(err, cases[i].addr))
			fail_msg("error does not name '%s': %s", cases[i].addr, err);
	}
	assert_int_equal(metrics_parse_addr("[::1]:9464", &ss, &len, err), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 9464);
}

static void test_respond(void **state)
{
	static const struct {
		const char *req;
		const char *status;
		bool body;
	} cases[] = {
		{ "GET /metrics HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n", true },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.0 200 OK\r\n", true },
		{ "GET /metrics?name[]=x HTTP/1.1\n\n", "HTTP/1.0 200 OK\r\n", true },
		{ "GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 404 Not Found\r\n", false },
		{ "GET /metricsx HTTP/1.0\r\n\r\n", "HTTP/1.0 404 Not Found\r\n", false },
		{ "POST /metrics HTTP/1.0\r\n\r\n", "HTTP/1.0 405 Method Not Allowed\r\n", false },
		{ "HEAD /metrics HTTP/1.0\r\n\r\n", "HTTP/1.0 405 Method Not Allowed\r\n", false },
		{ "GET /metrics\r\n\r\n", "HTTP/1.0 400 Bad Request\r\n", false },
		{ "GET /metrics HTTP/2.0\r\n\r\n", "HTTP/1.0 400 Bad Request\r\n", false },
		{ "GET  /metrics HTTP/1.0\r\n\r\n", "HTTP/1.0 400 Bad Request\r\n", false },
		{ "\r\n\r\n", "HTTP/1.0 400 Bad Request\r\n", false },
	};
	struct vinfer_metrics vm;
	char *resp, *body;
	size_t i, n;

	(void)state;
	assert_int_equal(vinfer_metrics_open(&vm), 0);
	assert_int_equal(metric_set(vm.spool_depth, NULL, 7), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = metrics_respond(vm.reg, cases[i].req, strlen(cases[i].req), &resp);
		assert_non_null(resp);
		assert_int_equal(n, strlen(resp));
		if (strncmp(resp, cases[i].status, strlen(cases[i].status)))
			fail_msg("'%s': got '%.40s', expected '%s'", cases[i].req, resp,
				 cases[i].status);
		body = strstr(resp, "\r\n\r\n");
		assert_non_null(body);
		if (cases[i].body) {
			assert_non_null(strstr(resp, "Content-Type: " METRICS_CONTENT_TYPE "\r\n"));
			assert_non_null(strstr(body, "\nvinfer_spool_depth 7\n"));
		}
		if (strstr(cases[i].status, "405"))
			assert_non_null(strstr(resp, "\r\nAllow: GET\r\n"));
		{
			char cl[64];

			snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", strlen(body + 4));
			assert_non_null(strstr(resp, cl));
		}
		free(resp);
	}
	vinfer_metrics_close(&vm);
}

/* Serves until the client's reply is complete (the server closed), at most 5 s. */
static size_t fetch(struct metrics_server *s, int cfd, char *buf, size_t size)
{
	struct timespec t0, t;
	size_t len = 0;
	ssize_t r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p[2] = { { metrics_server_fd(s), POLLIN, 0 }, { cfd, POLLIN, 0 } };

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 5)
			fail_msg("no reply within 5 s");
		assert_true(poll(p, 2, 100) >= 0);
		if (p[0].revents)
			assert_int_equal(metrics_server_handle(s), 0);
		if (p[1].revents) {
			r = read(cfd, buf + len, size - 1 - len);
			assert_true(r >= 0);
			if (!r)
				break;
			len += (size_t)r;
		}
	}
	buf[len] = '\0';
	return len;
}

static int dial(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void test_server(void **state)
{
	char err[METRICS_ERR_MAX], buf[16384], big[METRICS_REQUEST_MAX + 16];
	struct metrics_server *s;
	struct vinfer_metrics vm;
	int fd;

	(void)state;
	assert_int_equal(vinfer_metrics_open(&vm), 0);
	assert_int_equal(metrics_server_open(&s, "0.0.0.0:0", vm.reg, err), -EINVAL);
	assert_non_null(strstr(err, "0.0.0.0"));
	assert_int_equal(metrics_server_open(&s, "127.0.0.1:0", vm.reg, err), 0);
	assert_true(metrics_server_port(s) > 0);
	assert_int_equal(metric_add(vm.epochs, "w1", 3), 0);

	fd = dial(metrics_server_port(s));
	assert_int_equal(write(fd, "GET /metrics HTTP/1.0\r\n\r\n", 25), 25);
	fetch(s, fd, buf, sizeof(buf));
	close(fd);
	assert_non_null(strstr(buf, "HTTP/1.0 200 OK\r\n"));
	assert_non_null(strstr(buf, "\nvinfer_epochs_total{workload=\"w1\"} 3\n"));

	/* A request split across writes is read to its end. */
	fd = dial(metrics_server_port(s));
	assert_int_equal(write(fd, "GET /nope HTTP/1.0\r\n", 20), 20);
	assert_int_equal(metrics_server_handle(s), 0);
	assert_int_equal(write(fd, "\r\n", 2), 2);
	fetch(s, fd, buf, sizeof(buf));
	close(fd);
	assert_non_null(strstr(buf, "HTTP/1.0 404 Not Found\r\n"));

	/* Too long a request. */
	fd = dial(metrics_server_port(s));
	memset(big, 'a', sizeof(big));
	assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	fetch(s, fd, buf, sizeof(buf));
	close(fd);
	assert_non_null(strstr(buf, "HTTP/1.0 431 "));

	/* Too slow a request: answered 408 after METRICS_TIMEOUT_MS. */
	fd = dial(metrics_server_port(s));
	assert_int_equal(write(fd, "GET /metrics", 12), 12);
	fetch(s, fd, buf, sizeof(buf));
	close(fd);
	assert_non_null(strstr(buf, "HTTP/1.0 408 "));

	metrics_server_close(s);
	vinfer_metrics_close(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_respond),
		cmocka_unit_test(test_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
