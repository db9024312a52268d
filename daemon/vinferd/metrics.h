/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Metrics of vinferd: a small registry of counters, gauges and fixed-bucket
 * histograms, formatted in the Prometheus text exposition format 0.0.4, and
 * served over HTTP/1.0 on a loopback TCP address (GET /metrics only).
 *
 * A metric has at most one label (e.g. workload). An unlabelled metric is
 * exposed as 0 from the start; a labelled one shows a series per label value
 * once that value was first updated, up to METRICS_SERIES_MAX values.
 * Single-threaded: the main loop updates and serves.
 */
#ifndef VINFERD_METRICS_H
#define VINFERD_METRICS_H

#include <stddef.h>

#define METRICS_ADDR_DEFAULT	"127.0.0.1:9464"
#define METRICS_SERIES_MAX	64	/* label values per metric */
#define METRICS_BUCKETS_MAX	16	/* upper bounds per histogram */
#define METRICS_REQUEST_MAX	2048
#define METRICS_TIMEOUT_MS	2000
#define METRICS_CLIENTS_MAX	8
#define METRICS_ERR_MAX		320
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

struct metrics;
struct metric;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/*
 * Registers a metric; label is NULL for none. bounds (histograms only) are
 * the bucket upper bounds, strictly increasing, +Inf implied. Returns NULL
 * with errno EINVAL (bad name, label or bounds), EEXIST or ENOMEM.
 */
struct metric *metrics_add(struct metrics *m, enum metric_type type, const char *name,
			   const char *help, const char *label, const double *bounds,
			   size_t nbounds);

/*
 * Updates the series of label value lv (NULL for an unlabelled metric).
 * metric_add: counters (v >= 0) and gauges. metric_set: gauges, and counters
 * copied from a cumulative source (v must not go below the current value).
 * metric_observe: histograms. Returns 0, -EINVAL (wrong kind, wrong label
 * use, a counter going down, NaN) or -ENOSPC (too many label values).
 */
int metric_add(struct metric *x, const char *lv, double v);
int metric_set(struct metric *x, const char *lv, double v);
int metric_observe(struct metric *x, const char *lv, double v);

/*
 * Formats every metric into buf (NUL-terminated, truncated to size) and
 * returns the length of the whole text, as snprintf does: call with size 0
 * to learn it.
 */
size_t metrics_format(const struct metrics *m, char *buf, size_t size);

/* The metrics of vinferd, registered together; the core updates them. */
struct vinfer_metrics {
	struct metrics *reg;
	struct metric *epochs;		/* vinfer_epochs_total{workload} */
	struct metric *records;		/* vinfer_records_total{workload} */
	struct metric *violations;	/* vinfer_violations_total{workload} */
	struct metric *tpm_commands;	/* vinfer_tpm_commands_total */
	struct metric *tpm_latency;	/* vinfer_tpm_latency_seconds, histogram */
	struct metric *spool_depth;	/* vinfer_spool_depth, gauge */
	struct metric *probe_drops;	/* vinfer_probe_drops_total */
	struct metric *publish_failures;/* vinfer_publish_failures_total */
};
int vinfer_metrics_open(struct vinfer_metrics *vm);	/* 0 or -ENOMEM */
void vinfer_metrics_close(struct vinfer_metrics *vm);

/*
 * HTTP. metrics_parse_addr() accepts "IPV4:PORT" and "[IPV6]:PORT" with a
 * loopback address only (127.0.0.0/8, ::1); port 0 picks a free one.
 * metrics_respond() answers one request (malloc'ed reply in *resp, its
 * length returned; 0 when out of memory): 200 for GET /metrics, 404 for
 * another path, 405 for another method, 400 for a malformed request.
 */
struct sockaddr_storage;
int metrics_parse_addr(const char *s, struct sockaddr_storage *ss, unsigned int *len,
		       char err[METRICS_ERR_MAX]);
size_t metrics_respond(const struct metrics *m, const char *req, size_t len, char **resp);

struct metrics_server;
/* Listens on addr (NULL: METRICS_ADDR_DEFAULT); 0 or -errno with err. */
int metrics_server_open(struct metrics_server **out, const char *addr, const struct metrics *m,
			char err[METRICS_ERR_MAX]);
void metrics_server_close(struct metrics_server *s);	/* NULL is fine */
int metrics_server_fd(const struct metrics_server *s);	/* poll for POLLIN */
int metrics_server_handle(struct metrics_server *s);	/* never blocks on a client */
int metrics_server_port(const struct metrics_server *s);	/* the bound port */

#endif
