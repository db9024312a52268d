// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics registry, its text exposition (format 0.0.4) and the loopback
 * HTTP/1.0 endpoint that serves it (see metrics.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listener.h"
#include "metrics.h"

struct series {
	char *lv;			/* label value; NULL when unlabelled */
	double value;			/* counter, gauge; histogram: sum */
	uint64_t count;			/* histogram */
	uint64_t buckets[METRICS_BUCKETS_MAX + 1];	/* per bucket, +Inf last */
};

struct metric {
	enum metric_type type;
	char *name, *help, *label;
	double bounds[METRICS_BUCKETS_MAX];
	size_t nbounds;
	size_t nseries;
	struct series series[METRICS_SERIES_MAX];
	struct metric *next;
};

struct metrics {
	struct metric *first, **last;
};

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (m)
		m->last = &m->first;
	return m;
}

static void metric_free(struct metric *x)
{
	size_t i;

	for (i = 0; i < x->nseries; i++)
		free(x->series[i].lv);
	free(x->name);
	free(x->help);
	free(x->label);
	free(x);
}

void metrics_free(struct metrics *m)
{
	struct metric *x, *next;

	if (!m)
		return;
	for (x = m->first; x; x = next) {
		next = x->next;
		metric_free(x);
	}
	free(m);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metrics; labels: no ':' and no "__" prefix. */
static bool valid_name(const char *s, bool label)
{
	const char *p;

	if (!s || !*s || (label && !strncmp(s, "__", 2)))
		return false;
	for (p = s; *p; p++) {
		bool alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_';

		if (alpha || (*p == ':' && !label) || (p > s && *p >= '0' && *p <= '9'))
			continue;
		return false;
	}
	return true;
}

struct metric *metrics_add(struct metrics *m, enum metric_type type, const char *name,
			   const char *help, const char *label, const double *bounds,
			   size_t nbounds)
{
	struct metric *x;
	size_t i;

	if (!valid_name(name, false) || (label && !valid_name(label, true)) || !help ||
	    (type == METRIC_HISTOGRAM && ((label && !strcmp(label, "le")) || !nbounds ||
					  nbounds > METRICS_BUCKETS_MAX)) ||
	    (type != METRIC_HISTOGRAM && nbounds)) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < nbounds; i++)
		if (!isfinite(bounds[i]) || (i && bounds[i] <= bounds[i - 1])) {
			errno = EINVAL;
			return NULL;
		}
	for (x = m->first; x; x = x->next)
		if (!strcmp(x->name, name)) {
			errno = EEXIST;
			return NULL;
		}
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->type = type;
	x->name = strdup(name);
	x->help = strdup(help);
	x->label = label ? strdup(label) : NULL;
	if (!x->name || !x->help || (label && !x->label)) {
		metric_free(x);
		errno = ENOMEM;
		return NULL;
	}
	if (nbounds)
		memcpy(x->bounds, bounds, nbounds * sizeof(*bounds));
	x->nbounds = nbounds;
	if (!label)
		x->nseries = 1;	/* the one series, shown as 0 from the start */
	*m->last = x;
	m->last = &x->next;
	return x;
}

static int find_series(struct metric *x, const char *lv, struct series **out)
{
	size_t i;

	if (!x->label != !lv)
		return -EINVAL;
	if (!lv) {
		*out = &x->series[0];
		return 0;
	}
	for (i = 0; i < x->nseries; i++)
		if (!strcmp(x->series[i].lv, lv)) {
			*out = &x->series[i];
			return 0;
		}
	if (x->nseries == METRICS_SERIES_MAX)
		return -ENOSPC;
	x->series[x->nseries].lv = strdup(lv);
	if (!x->series[x->nseries].lv)
		return -ENOMEM;
	*out = &x->series[x->nseries++];
	return 0;
}

int metric_add(struct metric *x, const char *lv, double v)
{
	struct series *s;
	int ret;

	if (isnan(v) || x->type == METRIC_HISTOGRAM || (x->type == METRIC_COUNTER && v < 0))
		return -EINVAL;
	ret = find_series(x, lv, &s);
	if (!ret)
		s->value += v;
	return ret;
}

int metric_set(struct metric *x, const char *lv, double v)
{
	struct series *s;
	int ret;

	if (isnan(v) || x->type == METRIC_HISTOGRAM)
		return -EINVAL;
	ret = find_series(x, lv, &s);
	if (ret)
		return ret;
	if (x->type == METRIC_COUNTER && v < s->value)
		return -EINVAL;
	s->value = v;
	return 0;
}

int metric_observe(struct metric *x, const char *lv, double v)
{
	struct series *s;
	size_t i;
	int ret;

	if (isnan(v) || x->type != METRIC_HISTOGRAM)
		return -EINVAL;
	ret = find_series(x, lv, &s);
	if (ret)
		return ret;
	for (i = 0; i < x->nbounds && v > x->bounds[i]; i++)
		;
	s->buckets[i]++;
	s->count++;
	s->value += v;
	return 0;
}

/* An output buffer with snprintf semantics: counts what did not fit. */
struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL,
		      o->len < o->size ? o->size - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* HELP escapes \ and newline; label values also ". */
static void put_escaped(struct out *o, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			put(o, "\\\\");
		else if (*s == '\n')
			put(o, "\\n");
		else if (*s == '"' && quote)
			put(o, "\\\"");
		else
			put(o, "%c", *s);
	}
}

/* The shortest of %.15g and %.17g that reads back as v; Inf and NaN spelled out. */
static void put_value(struct out *o, double v)
{
	char s[32];

	if (isnan(v)) {
		put(o, "NaN");
	} else if (isinf(v)) {
		put(o, v > 0 ? "+Inf" : "-Inf");
	} else {
		snprintf(s, sizeof(s), "%.15g", v);
		if (strtod(s, NULL) != v)
			snprintf(s, sizeof(s), "%.17g", v);
		put(o, "%s", s);
	}
}

/* name{label="lv",le="bound"} with either part absent. */
static void put_series(struct out *o, const struct metric *x, const char *suffix,
		       const struct series *s, const double *le)
{
	put(o, "%s%s", x->name, suffix);
	if (!x->label && !le)
		return;
	put(o, "{");
	if (x->label) {
		put(o, "%s=\"", x->label);
		put_escaped(o, s->lv, true);
		put(o, "\"%s", le ? "," : "");
	}
	if (le) {
		put(o, "le=\"");
		put_value(o, *le);
		put(o, "\"");
	}
	put(o, "}");
}

static void put_metric(struct out *o, const struct metric *x)
{
	static const char *const types[] = {
		[METRIC_COUNTER] = "counter", [METRIC_GAUGE] = "gauge",
		[METRIC_HISTOGRAM] = "histogram",
	};
	const double inf = INFINITY;
	uint64_t cum;
	size_t i, b;

	put(o, "# HELP %s ", x->name);
	put_escaped(o, x->help, false);
	put(o, "\n# TYPE %s %s\n", x->name, types[x->type]);
	for (i = 0; i < x->nseries; i++) {
		const struct series *s = &x->series[i];

		if (x->type != METRIC_HISTOGRAM) {
			put_series(o, x, "", s, NULL);
			put(o, " ");
			put_value(o, s->value);
			put(o, "\n");
			continue;
		}
		for (b = 0, cum = 0; b <= x->nbounds; b++) {
			cum += s->buckets[b];
			put_series(o, x, "_bucket", s, b < x->nbounds ? &x->bounds[b] : &inf);
			put(o, " %llu\n", (unsigned long long)cum);
		}
		put_series(o, x, "_sum", s, NULL);
		put(o, " ");
		put_value(o, s->value);
		put(o, "\n");
		put_series(o, x, "_count", s, NULL);
		put(o, " %llu\n", (unsigned long long)s->count);
	}
}

size_t metrics_format(const struct metrics *m, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };
	const struct metric *x;

	if (size)
		buf[0] = '\0';
	for (x = m->first; x; x = x->next)
		put_metric(&o, x);
	return o.len;
}

/* TPM command latency: a quote takes milliseconds on swtpm, up to seconds on chips. */
static const double tpm_latency_bounds[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

int vinfer_metrics_open(struct vinfer_metrics *vm)
{
	struct metrics *m;

	memset(vm, 0, sizeof(*vm));
	m = metrics_new();
	if (!m)
		return -ENOMEM;
	vm->reg = m;
	vm->epochs = metrics_add(m, METRIC_COUNTER, "vinfer_epochs_total",
				 "Epochs closed and attested.", "workload", NULL, 0);
	vm->records = metrics_add(m, METRIC_COUNTER, "vinfer_records_total",
				  "Log records attributed to a workload.", "workload", NULL, 0);
	vm->violations = metrics_add(m, METRIC_COUNTER, "vinfer_violations_total",
				     "Violation records (a file changed after measurement).",
				     "workload", NULL, 0);
	vm->tpm_commands = metrics_add(m, METRIC_COUNTER, "vinfer_tpm_commands_total",
				       "TPM commands sent.", NULL, NULL, 0);
	vm->tpm_latency = metrics_add(m, METRIC_HISTOGRAM, "vinfer_tpm_latency_seconds",
				      "Latency of TPM quotes in seconds.", NULL,
				      tpm_latency_bounds,
				      sizeof(tpm_latency_bounds) / sizeof(tpm_latency_bounds[0]));
	vm->spool_depth = metrics_add(m, METRIC_GAUGE, "vinfer_spool_depth",
				      "Attestations in the spool waiting to land on-chain.", NULL, NULL, 0);
	vm->probe_drops = metrics_add(m, METRIC_COUNTER, "vinfer_probe_drops_total",
				      "Probe events lost (ring buffer full, ioctl counters) in attested epochs.", NULL, NULL, 0);
	vm->publish_failures = metrics_add(m, METRIC_COUNTER, "vinfer_publish_failures_total",
					   "Failed publisher steps (node unreachable, wrong chain) and attestations the contract refused.",
					   NULL, NULL, 0);
	if (!vm->epochs || !vm->records || !vm->violations || !vm->tpm_commands ||
	    !vm->tpm_latency || !vm->spool_depth || !vm->probe_drops || !vm->publish_failures) {
		vinfer_metrics_close(vm);
		return -ENOMEM;
	}
	return 0;
}

void vinfer_metrics_close(struct vinfer_metrics *vm)
{
	metrics_free(vm->reg);
	memset(vm, 0, sizeof(*vm));
}

/* HTTP */

int metrics_parse_addr(const char *s, struct sockaddr_storage *ss, unsigned int *len,
		       char err[METRICS_ERR_MAX])
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = s;
	unsigned long port;
	size_t hlen;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		colon = strstr(s, "]:");
		h = s + 1;
		hlen = colon ? (size_t)(colon - h) : 0;
		colon = colon ? colon + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
		hlen = colon ? (size_t)(colon - s) : 0;
	}
	if (!colon || !hlen || hlen >= sizeof(host)) {
		snprintf(err, METRICS_ERR_MAX, "metrics address '%s': expected IPV4:PORT or "
			 "[IPV6]:PORT, e.g. %s", s, METRICS_ADDR_DEFAULT);
		return -EINVAL;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535 || colon[1] == '-' || colon[1] == '+') {
		snprintf(err, METRICS_ERR_MAX, "metrics address '%s': port '%s' is not a number "
			 "from 0 to 65535", s, colon + 1);
		return -EINVAL;
	}
	if (s[0] != '[' && inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		if ((ntohl(a4->sin_addr.s_addr) >> 24) != 127)
			goto not_loopback;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return 0;
	}
	if (s[0] == '[' && inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr))
			goto not_loopback;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
	snprintf(err, METRICS_ERR_MAX, "metrics address '%s': '%s' is not a numeric IPv4 "
		 "address (IPv6 goes in brackets: [::1]:PORT)", s, host);
	return -EINVAL;
not_loopback:
	memset(ss, 0, sizeof(*ss));
	snprintf(err, METRICS_ERR_MAX, "metrics address '%s': %s is not a loopback address; "
		 "metrics are served on 127.0.0.1 or [::1] only (put a proxy in front to "
		 "export them)", s, host);
	return -EINVAL;
}

static size_t http_reply(char **resp, const char *status, const char *extra,
			 const char *type, const char *body, size_t blen)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head), "HTTP/1.0 %s\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
		     status, type, blen, extra);
	*resp = malloc((size_t)n + blen + 1);
	if (!*resp)
		return 0;
	memcpy(*resp, head, (size_t)n);
	memcpy(*resp + n, body, blen);
	(*resp)[n + blen] = '\0';
	return (size_t)n + blen;
}

static size_t http_error(char **resp, const char *status, const char *extra)
{
	char body[128];
	int n = snprintf(body, sizeof(body), "%s\n", status);

	return http_reply(resp, status, extra, "text/plain; charset=utf-8", body, (size_t)n);
}

size_t metrics_respond(const struct metrics *m, const char *req, size_t len, char **resp)
{
	const char *eol = memchr(req, '\n', len), *sp1, *sp2, *q;
	size_t llen, plen, n;
	char *body;

	*resp = NULL;
	if (!eol)
		return http_error(resp, "400 Bad Request", "");
	llen = (size_t)(eol - req);
	if (llen && req[llen - 1] == '\r')
		llen--;
	sp1 = memchr(req, ' ', llen);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', llen - (size_t)(sp1 + 1 - req)) : NULL;
	if (!sp1 || !sp2 || sp1 == req || sp2 == sp1 + 1 ||
	    req + llen - (sp2 + 1) != 8 ||
	    (memcmp(sp2 + 1, "HTTP/1.0", 8) && memcmp(sp2 + 1, "HTTP/1.1", 8)))
		return http_error(resp, "400 Bad Request", "");
	if (sp1 - req != 3 || memcmp(req, "GET", 3))
		return http_error(resp, "405 Method Not Allowed", "Allow: GET\r\n");
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	plen = (size_t)((q ? q : sp2) - (sp1 + 1));
	if (plen != 8 || memcmp(sp1 + 1, "/metrics", 8))
		return http_error(resp, "404 Not Found", "");
	n = metrics_format(m, NULL, 0);
	body = malloc(n + 1);
	if (!body)
		return 0;
	metrics_format(m, body, n + 1);
	n = http_reply(resp, "200 OK", "", METRICS_CONTENT_TYPE, body, n);
	free(body);
	return n;
}

struct metrics_server {
	struct listener *l;
	const struct metrics *m;
	int port;
};

static bool head_complete(const char *buf, size_t len)
{
	size_t i;

	for (i = 1; i < len; i++)
		if (buf[i] == '\n' && (buf[i - 1] == '\n' ||
				       (i >= 3 && !memcmp(buf + i - 3, "\r\n\r", 3))))
			return true;
	return false;
}

static void on_request(void *ctx, int fd, const char *buf, size_t len, int status)
{
	struct metrics_server *s = ctx;
	char *resp = NULL;
	size_t n = 0;

	if (!status)
		n = metrics_respond(s->m, buf, len, &resp);
	else if (status == -E2BIG)
		n = http_error(&resp, "431 Request Header Fields Too Large", "");
	else if (status == -ETIMEDOUT)
		n = http_error(&resp, "408 Request Timeout", "");
	if (n)
		listener_reply(fd, resp, n, METRICS_TIMEOUT_MS);
	free(resp);
}

int metrics_server_open(struct metrics_server **out, const char *addr, const struct metrics *m,
			char err[METRICS_ERR_MAX])
{
	struct listener_opts lo = {
		.max_request = METRICS_REQUEST_MAX, .timeout_ms = METRICS_TIMEOUT_MS,
		.max_clients = METRICS_CLIENTS_MAX, .complete = head_complete,
		.request = on_request,
	};
	struct sockaddr_storage ss;
	struct metrics_server *s;
	const char *step;
	unsigned int slen;
	socklen_t blen;
	int fd, ret, one = 1;

	*out = NULL;
	if (!addr)
		addr = METRICS_ADDR_DEFAULT;
	ret = metrics_parse_addr(addr, &ss, &slen, err);
	if (ret)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->m = m;
	step = "socket";
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	step = "bind";
	if (bind(fd, (struct sockaddr *)&ss, slen))
		goto fail;
	step = "listen";
	if (listen(fd, 16))
		goto fail;
	blen = sizeof(ss);
	step = "getsockname";
	if (getsockname(fd, (struct sockaddr *)&ss, &blen))
		goto fail;
	s->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
			((struct sockaddr_in6 *)&ss)->sin6_port);
	lo.fd = fd;
	lo.ctx = s;
	ret = listener_open(&s->l, &lo);
	if (ret) {
		errno = -ret;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	ret = -errno;
	snprintf(err, METRICS_ERR_MAX, "metrics address %s: %s: %s", addr, step, strerror(-ret));
	if (fd >= 0)
		close(fd);
	free(s);
	return ret;
}

void metrics_server_close(struct metrics_server *s)
{
	if (!s)
		return;
	listener_close(s->l);
	free(s);
}

int metrics_server_fd(const struct metrics_server *s)
{
	return listener_fd(s->l);
}

int metrics_server_handle(struct metrics_server *s)
{
	return listener_handle(s->l);
}

int metrics_server_port(const struct metrics_server *s)
{
	return s->port;
}
