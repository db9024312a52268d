// SPDX-License-Identifier: GPL-2.0
/*
 * vinferd: closes an epoch per workload, has the TPM quote its claims and
 * writes the attestation to the spool (daemon/vinferd/epoch.c).
 *
 * main() only orders the start of each part and the reverse teardown:
 * configuration, start-up check, /dev/vinfer, spool and journal, TPM,
 * workloads and their probes (daemon/vinferd/probes.c), the publisher
 * (lib/publish.h: the spool is its outbox; with [chain] block = chain it
 * also gives the claims their block), catching up on epochs a crash left,
 * control socket, metrics, systemd notification; then the loop.  It waits
 * in one ppoll() on the control and metrics sockets and each trace's ring
 * buffer, at most until the earliest of: a trace's deadline (sampling
 * windows, holds), an epoch's period, the publisher's next step, a tick.
 * Signal handlers only set flags: the signals are blocked except inside
 * ppoll(), so an epoch or a publisher step in progress always finishes
 * (SIGTERM exits 0 after it; a transaction sent but not yet journaled as
 * mined is safe: its nonce and hash were journaled before the send, and
 * the next start reconciles them with the chain; SIGHUP re-reads the
 * configuration).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <openssl/sha.h>

#include "check.h"
#include "claims.h"
#include "client.h"
#include "config.h"
#include "control.h"
#include "epoch.h"
#include "metrics.h"
#include "notify.h"
#include "probes.h"
#include "publish.h"
#include "rpc.h"
#include "state.h"
#include "tpm.h"

#define TICK_MS		1000	/* records trigger and pending retries */
#define PUBLISH_BUSY_MS	1000	/* next publisher step while some attestation is unfinished */
#define PUBLISH_IDLE_MS	10000	/* ... while none is (new ones step at once) */
#define PUBLISH_TIMEOUT_S 120	/* --once: default --publish-timeout */

/* syslog(3) priorities, as lib/publish.c reports with them */
enum { PRIO_ERR = 3, PRIO_WARNING = 4, PRIO_NOTICE = 5, PRIO_INFO = 6 };

struct vinferd {
	struct vinferd_config conf;
	const char *conf_path;
	struct vinferd_epoch_env env;
	struct vinferd_workload w[CONF_MAX_WORKLOADS];
	size_t n_w;
	bool once;
	struct control *control;
	struct vinfer_metrics metrics;
	bool have_metrics;
	struct metrics_server *msrv;
	struct notify notify;
	json_object *closed;		/* control close-epoch: paths written */
	size_t n_probes;		/* workloads with a trace */
	uint64_t probe_err_ns;		/* last poll error logged (one a second) */
	struct publisher *pub;		/* NULL: [chain] rpc unset */
	struct rpc block_rpc;		/* [chain] block = chain: the claims' block */
	bool have_block_rpc;
	uint64_t pub_next_ns;		/* CLOCK_MONOTONIC of the next step */
	bool chain_down;		/* an outage is on: its messages at debug */
	uint64_t pub_failures;		/* failed steps + refused since start */
	size_t refused_at_start;
	bool have_refused;
	unsigned long publish_timeout;	/* --once, seconds */
	char **once_names;		/* --once: the attestations written */
	size_t n_once;
};

static volatile sig_atomic_t got_term, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vinferd [-c FILE] [--once [--publish-timeout S]] [--workload PATH] [-v]\n"
		"               [--foreground]\n"
		"  -c, --config FILE   configuration (default " CONF_DEFAULT_PATH ")\n"
		"      --once          close one epoch of each workload, print each\n"
		"                      attestation's path, exit; with [chain] rpc set,\n"
		"                      then publish them and wait until they land\n"
		"      --publish-timeout S  --once: wait at most S seconds (default %d) for\n"
		"                      the block and the landing; the attestation stays in\n"
		"                      the spool and a running vinferd publishes it later\n"
		"      --workload PATH only this cgroup v2 directory (added when not configured)\n"
		"  -v, --verbose       debug messages, with the time of each epoch step\n"
		"      --foreground    the only mode (accepted for unit files)\n"
		"exit status: 0 ok, 1 an epoch or the spool failed (--once: or an attestation\n"
		"did not land in time, or the contract refused it), 2 usage or configuration\n"
		"error, 3 something the daemon needs is missing (vinfer.ko, securityfs, TPM,\n"
		"cgroup, spool directory, the wallet's keystore)\n", PUBLISH_TIMEOUT_S);
}

/* ---- publishing ---- */

/* The publisher's messages; while an outage is on, its warnings go to debug. */
static void publish_log(void *arg, int prio, const char *msg)
{
	struct vinferd *d = arg;
	int level = prio <= PRIO_ERR ? LOG_ERR : prio == PRIO_WARNING ? LOG_WARN :
		    prio <= PRIO_INFO ? LOG_INFO : LOG_DEBUG;

	if (d->chain_down && level == LOG_WARN)
		level = LOG_DEBUG;
	vinferd_log(level, "chain: %s", msg);
}

static void chain_state(struct vinferd *d, bool down)
{
	if (down && !d->chain_down)
		vinferd_log(LOG_WARN, "chain: [chain] rpc = %s does not answer: attestations wait in the spool (further failures at debug level until it answers)",
			    d->conf.chain_rpc);
	else if (!down && d->chain_down)
		vinferd_log(LOG_INFO, "chain: [chain] rpc = %s answers again", d->conf.chain_rpc);
	d->chain_down = down;
}

/*
 * [chain] block = chain: the parent of the node's latest block.  Not the
 * latest itself: the contract checks the claims' block with blockhash(),
 * which knows only blocks strictly older than the executing one, and the
 * publisher's pre-check (eth_call at "latest") executes in the latest
 * block, whose own hash it cannot see, so it would refuse the attestation
 * for good (StaleBlock) until the next block.  The parent is one block
 * (seconds) older and passes both the pre-check and the mined submit.
 */
static int chain_block(void *ctx, uint64_t *num, uint8_t hash[32])
{
	static const char m[] = "eth_getBlockByNumber";
	struct vinferd *d = ctx;
	char err[RPC_ERR_MAX];
	json_object *res = NULL, *params = json_object_new_array(), *v;
	int ret;

	json_object_array_add(params, json_object_new_string("latest"));
	json_object_array_add(params, json_object_new_boolean(0));
	ret = rpc_call(&d->block_rpc, m, params, &res, NULL, err);
	if (!ret && (!res || !json_object_is_type(res, json_type_object))) {
		snprintf(err, sizeof(err), "%s: result: want a block object", m);
		ret = -EPROTO;
	}
	if (!ret)
		ret = rpc_get_quantity(json_object_object_get_ex(res, "number", &v) ? v : NULL, m,
				       "result.number", num, err);
	if (!ret)
		ret = rpc_get_fixed(json_object_object_get_ex(res, "parentHash", &v) ? v : NULL, m,
				    "result.parentHash", hash, 32, err);
	if (!ret && *num == 0) {
		snprintf(err, sizeof(err), "%s: the chain has no block before the genesis", m);
		ret = -EAGAIN;
	}
	json_object_put(res);
	if (ret) {
		vinferd_log(d->chain_down ? LOG_DEBUG : LOG_WARN, "chain: %s", err);
		chain_state(d, true);
		return ret;
	}
	(*num)--;
	chain_state(d, false);
	return 0;
}

/* spool_depth: attestations not yet landed; publish_failures: failed steps + refusals. */
static void publish_metrics(struct vinferd *d)
{
	struct publish_summary sum;
	char err[PUBLISH_ERR_MAX];
	size_t refused;

	if (!d->have_metrics)
		return;
	if (publish_summary(d->conf.spool_dir, &sum, err)) {
		vinferd_log(LOG_DEBUG, "spool depth: %s", err);
		return;
	}
	refused = sum.count[PUBLISH_REFUSED];
	metric_set(d->metrics.spool_depth, NULL,
		   (double)(sum.documents - sum.count[PUBLISH_LANDED] - refused));
	if (!d->pub)
		return;
	if (!d->have_refused) {
		d->refused_at_start = refused;
		d->have_refused = true;
	}
	metric_set(d->metrics.publish_failures, NULL,
		   (double)(d->pub_failures + (refused > d->refused_at_start ?
					       refused - d->refused_at_start : 0)));
}

static void publish_step(struct vinferd *d)
{
	uint64_t now = mono_ns();
	int n = publisher_step(d->pub, now / 1000000ULL);

	if (n >= 0) {
		chain_state(d, false);
		d->pub_next_ns = now + (n ? PUBLISH_BUSY_MS : PUBLISH_IDLE_MS) * 1000000ULL;
	} else {
		/* the publisher's own backoff (publisher_wait_ms) says when */
		d->pub_failures++;
		if (n == -EAGAIN)
			chain_state(d, true);
		d->pub_next_ns = now;
	}
	publish_metrics(d);
}

/* When the next publisher step is due (CLOCK_MONOTONIC ns). */
static uint64_t publish_due(const struct vinferd *d, uint64_t now)
{
	uint64_t backoff = now + publisher_wait_ms(d->pub, now / 1000000ULL) * 1000000ULL;

	return backoff > d->pub_next_ns ? backoff : d->pub_next_ns;
}

static int open_publisher(struct vinferd *d)
{
	struct publisher_config pc = {
		.rpc_url = d->conf.chain_rpc,
		.chain_id = d->conf.chain_id,
		.keystore = d->conf.keystore,
		.password_file = d->conf.password_file,
		.spool_dir = d->conf.spool_dir,
		.confirmations = d->conf.confirmations,
		.log = publish_log,
		.log_arg = d,
	};
	char err[PUBLISH_ERR_MAX];
	const char *missing = NULL, *key = NULL;
	int ret;

	if (!d->conf.chain_rpc)
		return 0;
	if (!d->conf.keystore)
		key = "keystore", missing = "the publishing account's key file";
	else if (!d->conf.password_file)
		key = "password_file", missing = "the keystore's password file";
	if (key) {
		vinferd_log(LOG_ERR, "%s: [chain] rpc is set but [wallet] %s (%s) is missing",
			    d->conf_path, key, missing);
		return VINFERD_EXIT_USAGE;
	}
	memcpy(pc.registry, d->conf.registry, 20);
	ret = publisher_open(&pc, &d->pub, err);
	if (ret) {
		vinferd_log(LOG_ERR, "[wallet] keystore = '%s', password_file = '%s': %s",
			    d->conf.keystore, d->conf.password_file, err);
		return ret == -ENOMEM ? VINFERD_EXIT_FAIL : VINFERD_EXIT_SYSTEM;
	}
	if (d->conf.block == CONF_BLOCK_CHAIN) {
		ret = rpc_open(&d->block_rpc, d->conf.chain_rpc, 0, 0, err);
		if (ret) {
			vinferd_log(LOG_ERR, "[chain] rpc = '%s': %s", d->conf.chain_rpc, err);
			return VINFERD_EXIT_FAIL;
		}
		d->have_block_rpc = true;
		d->env.fresh_block = chain_block;
		d->env.fresh_block_ctx = d;
	}
	{
		uint8_t a[20];
		char hex[41];
		int i;

		publisher_address(d->pub, a);
		for (i = 0; i < 20; i++)
			snprintf(hex + 2 * i, 3, "%02x", a[i]);
		vinferd_log(LOG_INFO, "chain: publishing to %s (chain %llu) from 0x%s; claims' block: %s",
			    d->conf.chain_rpc, (unsigned long long)d->conf.chain_id, hex,
			    d->conf.block == CONF_BLOCK_CHAIN ? "the parent of the latest" : "none (zeros)");
	}
	return 0;
}

static void written(void *ctx, struct vinferd_workload *w, uint64_t epoch, const char *path,
		    const struct epoch_timing *t)
{
	struct vinferd *d = ctx;

	vinferd_log(LOG_INFO, "epoch %llu of %s closed: %s", (unsigned long long)epoch, w->path,
		    path);
	vinferd_log(LOG_DEBUG,
		    "epoch %llu of %s: seal %.2f ms, log+claims %.2f ms, quote %.2f ms, encode %.2f ms, write+fsync %.2f ms, journal %.2f ms, tpm commands %llu",
		    (unsigned long long)epoch, w->path, t->seal_ms, t->log_ms, t->quote_ms,
		    t->encode_ms, t->write_ms, t->journal_ms, (unsigned long long)t->tpm_commands);
	if (d->once) {
		const char *base = strrchr(path, '/');
		char **nv = realloc(d->once_names, (d->n_once + 1) * sizeof(*nv));

		printf("%s\n", path);
		fflush(stdout);
		if (nv) {
			d->once_names = nv;
			nv[d->n_once] = strdup(base ? base + 1 : path);
			if (nv[d->n_once])
				d->n_once++;
		}
	}
	if (d->closed)
		json_object_array_add(d->closed, json_object_new_string(path));
	d->pub_next_ns = 0;	/* a new attestation: publish it at once */
	if (d->have_metrics) {
		uint64_t drops = 0;
		char id[24];
		size_t k;

		snprintf(id, sizeof(id), "%llu", (unsigned long long)w->id);
		metric_add(d->metrics.epochs, id, 1);
		metric_set(d->metrics.records, id, (double)w->records);
		metric_set(d->metrics.violations, id, (double)w->violations);
		if (d->env.tpm) {
			metric_set(d->metrics.tpm_commands, NULL, (double)vtpm_commands(d->env.tpm));
			metric_observe(d->metrics.tpm_latency, NULL, t->quote_ms / 1e3);
		}
		for (k = 0; k < d->n_w; k++)
			if (d->w[k].probe)
				drops += probe_drops(d->w[k].probe);
		metric_set(d->metrics.probe_drops, NULL, (double)drops);
		publish_metrics(d);
	}
}

static int close_one(struct vinferd *d, struct vinferd_workload *w)
{
	char err[EPOCH_ERR_MAX];
	int ret;

	ret = epoch_close(&d->env, w, err);
	w->next_due_ns = mono_ns() + d->conf.period * 1000000000ULL;
	/* no block: sealed and pending, retried; epoch.c logged the outage */
	if (ret == EPOCH_NO_BLOCK)
		vinferd_log(LOG_DEBUG, "%s", err);
	else if (ret)
		vinferd_log(LOG_ERR, "%s", err);
	return ret;
}

/* ---- control socket answers ---- */

static struct vinferd_workload *find_workload(struct vinferd *d, const char *s)
{
	size_t i;

	for (i = 0; i < d->n_w; i++) {
		char id[24];

		snprintf(id, sizeof(id), "%llu", (unsigned long long)d->w[i].id);
		if (!strcmp(s, d->w[i].path) || !strcmp(s, id))
			return &d->w[i];
	}
	return NULL;
}

static json_object *workload_json(struct vinferd *d, struct vinferd_workload *w)
{
	struct state_entry *st = state_get(&d->env.state, d->conf.agent_id, w->id);
	json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_object_new_string(w->path));
	json_object_object_add(o, "id", json_object_new_uint64(w->id));
	json_object_object_add(o, "epoch", json_object_new_uint64(st ? st->epoch : 0));
	json_object_object_add(o, "pending", json_object_new_boolean(w->pending));
	json_object_object_add(o, "closed", json_object_new_uint64(w->closed));
	json_object_object_add(o, "last", w->last_name[0] ?
			       json_object_new_string(w->last_name) : NULL);
	return o;
}

static int op_status(void *ctx, json_object *out)
{
	struct vinferd *d = ctx;
	json_object *arr = json_object_new_array();
	size_t i;

	json_object_object_add(out, "agent", json_object_new_string(d->conf.agent_dec));
	json_object_object_add(out, "tpm", json_object_new_boolean(!d->env.no_tpm));
	json_object_object_add(out, "spool", json_object_new_string(d->conf.spool_dir));
	json_object_object_add(out, "period", json_object_new_uint64(d->conf.period));
	json_object_object_add(out, "records", json_object_new_uint64(d->conf.records));
	for (i = 0; i < d->n_w; i++)
		json_object_array_add(arr, workload_json(d, &d->w[i]));
	json_object_object_add(out, "workloads", arr);
	return 0;
}

static int op_epochs(void *ctx, const char *workload, json_object *out)
{
	struct vinferd *d = ctx;
	struct vinferd_workload *only = NULL;
	json_object *arr;
	char **names;
	size_t n, i, k;

	if (workload && !(only = find_workload(d, workload))) {
		json_object_object_add(out, "error", json_object_new_string("no such workload"));
		return -ENOENT;
	}
	if (spool_list(&d->env.spool, ".json", &names, &n))
		return -EIO;
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		for (k = 0; k < d->n_w; k++) {
			struct vinferd_workload *w = &d->w[k];
			char prefix[128];
			size_t pl;

			if (only && only != w)
				continue;
			pl = (size_t)snprintf(prefix, sizeof(prefix), "%s-%llu-", d->conf.agent_dec,
					      (unsigned long long)w->id);
			if (!strncmp(names[i], prefix, pl)) {
				json_object *o = json_object_new_object();

				json_object_object_add(o, "workload", json_object_new_string(w->path));
				json_object_object_add(o, "epoch",
						       json_object_new_uint64(strtoull(names[i] + pl, NULL, 10)));
				json_object_object_add(o, "file", json_object_new_string(names[i]));
				json_object_array_add(arr, o);
			}
		}
		free(names[i]);
	}
	free(names);
	json_object_object_add(out, "epochs", arr);
	return 0;
}

static int op_show(void *ctx, const char *id, json_object *out)
{
	struct vinferd *d = ctx;
	char name[160], serr[SPOOL_ERR_MAX];
	json_object *doc;
	size_t len;
	char *buf;
	int ret;

	if (!id || !*id || strspn(id, "0123456789-") != strlen(id) || strlen(id) > 140) {
		json_object_object_add(out, "error",
				       json_object_new_string("show: ID is AGENT-WORKLOAD-EPOCH"));
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%s.json", id);
	ret = spool_read(&d->env.spool, name, &buf, &len, serr);
	if (ret) {
		json_object_object_add(out, "error", json_object_new_string(serr));
		return ret;
	}
	doc = json_tokener_parse(buf);
	free(buf);
	if (!doc)
		return -EINVAL;
	json_object_object_add(out, "attestation", doc);
	return 0;
}

static int op_close_epoch(void *ctx, const char *workload, json_object *out)
{
	struct vinferd *d = ctx;
	size_t i;
	int ret = 0;

	if (workload && !find_workload(d, workload)) {
		json_object_object_add(out, "error", json_object_new_string("no such workload"));
		return -ENOENT;
	}
	d->closed = json_object_new_array();
	for (i = 0; i < d->n_w; i++) {
		int r;

		if (workload && &d->w[i] != find_workload(d, workload))
			continue;
		r = close_one(d, &d->w[i]);
		if (r == EPOCH_NO_BLOCK)
			json_object_object_add(out, "waiting",
					       json_object_new_string("sealed; attested once the chain answers with a block"));
		else if (r)
			ret = -EIO;
	}
	json_object_object_add(out, "closed", d->closed);
	d->closed = NULL;
	if (ret)
		json_object_object_add(out, "error",
				       json_object_new_string("an epoch failed: see the daemon's log"));
	return ret;
}

static const struct control_ops control_ops = {
	.status = op_status,
	.epochs = op_epochs,
	.show = op_show,
	.close_epoch = op_close_epoch,
};

/* ---- start ---- */

static int add_workload(struct vinferd *d, const char *path)
{
	struct vinferd_workload *w;
	char err[CONFIG_ERR_MAX];
	size_t i;
	int ret;

	if (d->n_w == CONF_MAX_WORKLOADS) {
		vinferd_log(LOG_ERR, "more than %d workloads", CONF_MAX_WORKLOADS);
		return VINFERD_EXIT_USAGE;
	}
	w = &d->w[d->n_w];
	ret = config_cgroup_id(path, &w->id, err);
	if (ret) {
		vinferd_log(LOG_ERR, "%s", err);
		return VINFERD_EXIT_SYSTEM;
	}
	for (i = 0; i < d->n_w; i++)
		if (d->w[i].id == w->id)
			return 0;
	w->path = strdup(path);
	if (!w->path)
		return VINFERD_EXIT_FAIL;
	d->n_w++;
	return 0;
}

/* The module runs without a TPM: its state says "binding: none". */
static bool module_unbound(void)
{
	char binding[32] = "";

	return config_module_state("binding", binding, sizeof(binding)) == 0 &&
	       !strcmp(binding, "none");
}

static int open_tpm(struct vinferd *d)
{
	struct vinferd_epoch_env *env = &d->env;
	char err[TPM_ERR_MAX];
	int ret;

	if (module_unbound()) {
		vinferd_log(LOG_WARN, "vinfer.ko has no TPM binding (%s: binding: none): every attestation is NO_TPM and carries no hardware trust",
			    VINFER_STATE_FILE);
		env->no_tpm = true;
		return 0;
	}
	if (!strcmp(d->conf.tcti, "none")) {
		vinferd_log(LOG_WARN, "[tpm] tcti = none: every attestation is NO_TPM and carries no hardware trust");
		env->no_tpm = true;
		return 0;
	}
	ret = vtpm_open(&env->tpm, d->conf.tcti, err);
	if (ret) {
		vinferd_log(LOG_ERR, "[tpm] tcti = '%s': %s (set [tpm] tcti = none to run without hardware trust)",
			    d->conf.tcti, err);
		return VINFERD_EXIT_SYSTEM;
	}
	env->ak_handle = d->conf.ak_handle;
	ret = vtpm_provision(env->tpm, d->conf.ak_handle, &env->ek, &env->ak, &env->ek_cert,
			     &env->ek_cert_len, err);
	if (ret) {
		vinferd_log(LOG_ERR, "[tpm] ak_handle = 0x%08x: the EK and AK: %s", d->conf.ak_handle,
			    err);
		return VINFERD_EXIT_SYSTEM;
	}
	SHA256(env->ek.public, env->ek.public_len, env->host_id);
	return 0;
}

/* One trace per workload, unless [probes] mode = off or --once. */
static int open_probes(struct vinferd *d)
{
	char err[PROBE_ERR_MAX];
	size_t k;
	int ret;

	if (d->conf.probes == CONF_PROBES_OFF || d->once)
		return 0;
	for (k = 0; k < d->n_w; k++) {
		struct vinferd_workload *w = &d->w[k];

		ret = probe_open(&w->probe, w->path, d->conf.probes, err);
		if (ret) {
			vinferd_log(LOG_ERR, "[probes] mode = %s: tracing %s: %s (set [probes] mode = off to run without accelerator counters)",
				    conf_probes_name(d->conf.probes), w->path, err);
			return VINFERD_EXIT_SYSTEM;
		}
		d->n_probes++;
	}
	vinferd_log(LOG_INFO, "[probes] mode = %s: tracing %zu workload(s)",
		    conf_probes_name(d->conf.probes), d->n_probes);
	return 0;
}

/*
 * Each trace without waiting: events, uprobe attaches (a process stopped
 * for them is continued here), sampling windows.  The loop waits on the
 * traces' descriptors, never past the earliest trace deadline.
 */
static void poll_probes(struct vinferd *d)
{
	size_t k;
	int ret;

	for (k = 0; k < d->n_w; k++) {
		if (!d->w[k].probe)
			continue;
		ret = probe_poll(d->w[k].probe);
		if (ret && mono_ns() - d->probe_err_ns > 1000000000ULL) {
			d->probe_err_ns = mono_ns();
			vinferd_log(LOG_ERR, "%s: probes: %s", d->w[k].path, strerror(-ret));
		}
	}
}

static int start(struct vinferd *d, const char **only, size_t n_only)
{
	struct vinferd_epoch_env *env = &d->env;
	char err[CONFIG_ERR_MAX > SPOOL_ERR_MAX ? CONFIG_ERR_MAX : SPOOL_ERR_MAX];
	struct check_opts co = { 0 };
	struct check_report rep;
	struct vinfer_seal s;
	unsigned int i;
	size_t k;
	int ret;

	ret = config_check_module_pcr(&d->conf, err);
	if (ret) {
		vinferd_log(LOG_ERR, "%s: %s", d->conf_path, err);
		return VINFERD_EXIT_USAGE;
	}
	co.tcti = d->conf.tcti;
	co.need_tpm = strcmp(d->conf.tcti, "none") != 0 && !module_unbound();
	/* --once closes epochs no trace has watched: no probes then. */
	co.need_probes = d->conf.probes != CONF_PROBES_OFF && !d->once;
	vinferd_check(&co, &rep);
	for (i = 0; i < rep.n; i++)
		vinferd_log(rep.p[i].level == CHECK_FATAL ? LOG_ERR : LOG_WARN, "%s", rep.p[i].text);
	if (rep.fatal) {
		vinferd_log(LOG_ERR, "start-up check: %u problem(s) above", rep.fatal);
		return VINFERD_EXIT_SYSTEM;
	}
	if (d->conf.probes != CONF_PROBES_OFF && d->once)
		vinferd_log(LOG_INFO, "--once: no trace watches the epoch: its counters mode is none");

	env->conf = &d->conf;
	env->fresh_block = epoch_block_none;
	env->written = written;
	env->written_ctx = d;
	env->dev = vinfer_client_open();
	if (env->dev < 0) {
		vinferd_log(LOG_ERR, "%s", vinfer_client_strerror(env->dev));
		return VINFERD_EXIT_SYSTEM;
	}
	if (access(VINFER_BINARY_FILE, R_OK)) {
		vinferd_log(LOG_ERR, "%s: %s (is securityfs mounted on /sys/kernel/security?)",
			    VINFER_BINARY_FILE, strerror(errno));
		return VINFERD_EXIT_SYSTEM;
	}
	if (d->conf.activation) {
		ret = config_load_activation(d->conf.activation, &env->act, err);
		if (ret) {
			vinferd_log(LOG_ERR, "%s", err);
			return VINFERD_EXIT_USAGE;
		}
	}
	for (k = 0; k < n_only; k++) {
		ret = add_workload(d, only[k]);
		if (ret)
			return ret;
	}
	for (k = 0; !n_only && k < d->conf.n_cgroups; k++) {
		ret = add_workload(d, d->conf.cgroups[k]);
		if (ret)
			return ret;
	}
	if (!d->n_w) {
		vinferd_log(LOG_ERR, "%s: no [workload] cgroup and no --workload: nothing to attest",
			    d->conf_path);
		return VINFERD_EXIT_USAGE;
	}
	ret = open_probes(d);
	if (ret)
		return ret;
	ret = spool_open(&env->spool, d->conf.spool_dir, err);
	if (ret) {
		vinferd_log(LOG_ERR, "[spool] dir = '%s': %s", d->conf.spool_dir, err);
		return VINFERD_EXIT_SYSTEM;
	}
	ret = state_load(&env->spool, &env->state, err);
	if (ret) {
		vinferd_log(LOG_ERR, "%s (the journal is rebuilt from the log and the spool when removed)",
			    err);
		return VINFERD_EXIT_FAIL;
	}
	ret = open_tpm(d);
	if (ret)
		return ret;
	ret = open_publisher(d);
	if (ret)
		return ret;

	/* Every marker a crash left gets its seal, then its attestation. */
	ret = vinfer_client_seal(env->dev, &s);
	if (ret) {
		vinferd_log(LOG_ERR, "seal: %s", vinfer_client_strerror(ret));
		return VINFERD_EXIT_SYSTEM;
	}
	for (k = 0; k < d->n_w; k++) {
		struct vinferd_workload *w = &d->w[k];
		char eerr[EPOCH_ERR_MAX];

		ret = epoch_catch_up(env, w, eerr);
		if (ret)
			vinferd_log(ret == EPOCH_NO_BLOCK ? LOG_DEBUG : LOG_ERR, "%s: catching up: %s",
				    w->path, eerr);
		w->next_due_ns = mono_ns() + d->conf.period * 1000000000ULL;
	}
	return 0;
}

static int start_services(struct vinferd *d)
{
	struct control_opts co = { .path = d->conf.control_socket, .gid = (gid_t)-1 };
	char err[CONTROL_ERR_MAX > METRICS_ERR_MAX ? CONTROL_ERR_MAX : METRICS_ERR_MAX];
	char nerr[NOTIFY_ERR_MAX];
	int ret;

	ret = control_open(&d->control, &co, &control_ops, d, err);
	if (ret) {
		vinferd_log(LOG_ERR, "[control] socket = '%s': %s", d->conf.control_socket, err);
		return VINFERD_EXIT_SYSTEM;
	}
	if (d->conf.metrics_listen) {
		if (vinfer_metrics_open(&d->metrics))
			return VINFERD_EXIT_FAIL;
		d->have_metrics = true;
		ret = metrics_server_open(&d->msrv, d->conf.metrics_listen, d->metrics.reg, err);
		if (ret) {
			vinferd_log(LOG_ERR, "[metrics] listen = '%s': %s", d->conf.metrics_listen, err);
			return VINFERD_EXIT_USAGE;
		}
	}
	if (notify_open(&d->notify, nerr))
		vinferd_log(LOG_WARN, "%s", nerr);
	return 0;
}

/* SIGHUP: the new file replaces [epoch]; other changes need a restart. */
static void reload(struct vinferd *d)
{
	struct vinferd_config n;
	char err[CONF_ERR_MAX];
	size_t k;

	notify_reloading(&d->notify);
	if (vinferd_config_init(&n) || vinferd_config_load(d->conf_path, &n, err)) {
		vinferd_log(LOG_ERR, "SIGHUP: %s: keeping the running configuration", err);
		notify_ready(&d->notify);
		return;
	}
	if (strcmp(n.tcti, d->conf.tcti) || n.ak_handle != d->conf.ak_handle ||
	    n.pcr != d->conf.pcr || strcmp(n.agent_dec, d->conf.agent_dec) ||
	    strcmp(n.spool_dir, d->conf.spool_dir) || n.n_cgroups != d->conf.n_cgroups ||
	    n.probes != d->conf.probes)
		vinferd_log(LOG_WARN, "SIGHUP: changes outside [epoch] take effect on restart");
	d->conf.period = n.period;
	d->conf.records = n.records;
	for (k = 0; k < d->n_w; k++)
		d->w[k].next_due_ns = mono_ns() + d->conf.period * 1000000000ULL;
	vinferd_log(LOG_INFO, "SIGHUP: [epoch] period = %llu, records = %llu",
		    (unsigned long long)d->conf.period, (unsigned long long)d->conf.records);
	vinferd_config_free(&n);
	notify_ready(&d->notify);
}

/* The records trigger: counts the workload's records at most once a tick. */
static void check_records(struct vinferd *d, struct vinferd_workload *w)
{
	char buf[32], err[EPOCH_ERR_MAX];
	uint64_t total, count;

	if (!d->conf.records || config_module_state("records", buf, sizeof(buf)))
		return;
	total = strtoull(buf, NULL, 10);
	if (total < w->counted_at + d->conf.records / 8 + 1)
		return;
	if (epoch_pending_records(&d->env, w, &count, &total, err)) {
		vinferd_log(LOG_ERR, "%s", err);
		return;
	}
	w->counted_at = total;
	if (count >= d->conf.records) {
		vinferd_log(LOG_DEBUG, "%s: %llu records: closing the epoch", w->path,
			    (unsigned long long)count);
		close_one(d, w);
	}
}

/* How long ppoll() may wait, in ns: the earliest deadline, at most a tick. */
static uint64_t loop_wait(struct vinferd *d, uint64_t now)
{
	uint64_t wait = TICK_MS * 1000000ULL, due;
	size_t k;

	for (k = 0; k < d->n_w; k++) {
		if (d->w[k].probe) {
			int ms = probe_deadline_ms(d->w[k].probe, now);

			if (ms >= 0 && (uint64_t)ms * 1000000ULL < wait)
				wait = (uint64_t)ms * 1000000ULL;
		}
		if (!d->conf.period)
			continue;
		due = d->w[k].next_due_ns;
		if (due <= now)
			return 0;
		if (due - now < wait)
			wait = due - now;
	}
	if (d->pub) {
		due = publish_due(d, now);
		if (due <= now)
			return 0;
		if (due - now < wait)
			wait = due - now;
	}
	return wait;
}

static int loop(struct vinferd *d, const sigset_t *waitmask)
{
	struct pollfd pfd[2 + CONF_MAX_WORKLOADS];
	nfds_t nfd = 0, nfd_fixed;
	size_t k;

	pfd[nfd++] = (struct pollfd){ .fd = control_fd(d->control), .events = POLLIN };
	if (d->msrv)
		pfd[nfd++] = (struct pollfd){ .fd = metrics_server_fd(d->msrv), .events = POLLIN };
	nfd_fixed = nfd;
	for (k = 0; k < d->n_w; k++)
		if (d->w[k].probe)
			pfd[nfd++] = (struct pollfd){ .fd = probe_fd(d->w[k].probe), .events = POLLIN };
	notify_ready(&d->notify);
	notify_status(&d->notify, "attesting %zu workload(s)", d->n_w);
	publish_metrics(d);
	vinferd_log(LOG_INFO, "started: agent %s, %zu workload(s), period %llu s, records %llu, spool %s%s%s",
		    d->conf.agent_dec, d->n_w, (unsigned long long)d->conf.period,
		    (unsigned long long)d->conf.records, d->conf.spool_dir,
		    d->env.no_tpm ? ", no TPM" : "", d->pub ? ", publishing" : "");
	while (!got_term) {
		uint64_t now = mono_ns(), wait = loop_wait(d, now);
		struct timespec ts;
		int n;

		ts.tv_sec = (time_t)(wait / 1000000000ULL);
		ts.tv_nsec = (long)(wait % 1000000000ULL);
		n = ppoll(pfd, nfd, &ts, waitmask);
		if (n < 0 && errno != EINTR) {
			vinferd_log(LOG_ERR, "ppoll: %s", strerror(errno));
			return VINFERD_EXIT_FAIL;
		}
		if (got_term)
			break;
		poll_probes(d);
		if (got_hup) {
			got_hup = 0;
			reload(d);
		}
		if (n > 0 && (pfd[0].revents & POLLIN))
			control_handle(d->control);
		if (n > 0 && nfd_fixed > 1 && (pfd[1].revents & POLLIN))
			metrics_server_handle(d->msrv);
		now = mono_ns();
		for (k = 0; k < d->n_w && !got_term; k++) {
			struct vinferd_workload *w = &d->w[k];
			char err[EPOCH_ERR_MAX];
			int ret;

			if (d->conf.period && w->next_due_ns <= now) {
				close_one(d, w);
			} else if (w->pending) {
				ret = epoch_catch_up(&d->env, w, err);
				if (ret && ret != EPOCH_NO_BLOCK)
					vinferd_log(LOG_ERR, "%s: %s", w->path, err);
			} else {
				check_records(d, w);
			}
		}
		if (d->pub && !got_term && publish_due(d, mono_ns()) <= mono_ns())
			publish_step(d);
		notify_watchdog(&d->notify);
	}
	notify_stopping(&d->notify);
	vinferd_log(LOG_INFO, "stopping on a signal");
	return VINFERD_EXIT_OK;
}

/* ---- --once ---- */

/* The publishing state of spool file name ("<stem>.json"): its journal's. */
static const char *once_state(struct vinferd *d, const char *name, char *why, size_t whylen)
{
	char tx[PATH_MAX], serr[SPOOL_ERR_MAX];
	const char *st = "new";
	json_object *j, *v;
	size_t len, i;
	char *buf;

	snprintf(tx, sizeof(tx), "%.*s.tx", (int)(strlen(name) - 5), name);
	if (spool_read(&d->env.spool, tx, &buf, &len, serr))
		return "new";
	j = json_tokener_parse(buf);
	free(buf);
	if (j && json_object_object_get_ex(j, "state", &v) && json_object_is_type(v, json_type_string))
		for (i = 0; i < PUBLISH_STATES; i++)
			if (!strcmp(json_object_get_string(v), publish_state_names[i]))
				st = publish_state_names[i];
	if (j && json_object_object_get_ex(j, "error", &v) && v)
		snprintf(why, whylen, "%s", json_object_get_string(v));
	json_object_put(j);
	return st;
}

/*
 * --once with [chain] rpc: attest what waits for a block, then step the
 * publisher until every attestation written is landed or refused, for at
 * most --publish-timeout seconds.
 */
static int once_publish(struct vinferd *d, const sigset_t *waitmask)
{
	uint64_t deadline = mono_ns() + d->publish_timeout * 1000000000ULL, now;
	bool waiting = true;
	int ret = VINFERD_EXIT_OK;
	size_t k, done;

	while (!got_term) {
		char why[256] = "";

		waiting = false;
		for (k = 0; k < d->n_w; k++) {
			struct vinferd_workload *w = &d->w[k];
			char err[EPOCH_ERR_MAX];
			int r;

			if (!w->pending)
				continue;
			r = epoch_catch_up(&d->env, w, err);
			if (r && r != EPOCH_NO_BLOCK) {
				vinferd_log(LOG_ERR, "%s", err);
				return VINFERD_EXIT_FAIL;
			}
			waiting |= w->pending;
		}
		now = mono_ns();
		if (publish_due(d, now) <= now)
			publish_step(d);
		for (k = done = 0; k < d->n_once; k++) {
			const char *st = once_state(d, d->once_names[k], why, sizeof(why));

			if (!strcmp(st, publish_state_names[PUBLISH_REFUSED])) {
				vinferd_log(LOG_ERR, "%s: refused by the contract: %s", d->once_names[k],
					    why[0] ? why : "?");
				ret = VINFERD_EXIT_FAIL;
				done++;
			} else if (!strcmp(st, publish_state_names[PUBLISH_LANDED])) {
				done++;
			}
		}
		if (!waiting && done == d->n_once)
			return ret;
		now = mono_ns();
		if (now >= deadline)
			break;
		{
			uint64_t wait = publish_due(d, now) > now ? publish_due(d, now) - now : 0;
			struct timespec ts;

			if (wait > 200000000ULL)
				wait = 200000000ULL;
			if (wait > deadline - now)
				wait = deadline - now;
			ts.tv_sec = (time_t)(wait / 1000000000ULL);
			ts.tv_nsec = (long)(wait % 1000000000ULL);
			ppoll(NULL, 0, &ts, waitmask);
		}
	}
	if (got_term)
		vinferd_log(LOG_ERR, "stopped on a signal before the attestations landed: they stay in the spool; a running vinferd publishes them");
	else if (waiting)
		vinferd_log(LOG_ERR, "--publish-timeout %lu: no block from [chain] rpc = %s: the epoch is sealed in the log; the next vinferd attests and publishes it",
			    d->publish_timeout, d->conf.chain_rpc);
	else
		vinferd_log(LOG_ERR, "--publish-timeout %lu: not landed yet: the attestation stays in the spool; a running vinferd publishes it",
			    d->publish_timeout);
	return VINFERD_EXIT_FAIL;
}

static void stop(struct vinferd *d)
{
	size_t k;

	notify_close(&d->notify);
	publisher_close(d->pub);
	if (d->have_block_rpc)
		rpc_close(&d->block_rpc);
	for (k = 0; k < d->n_once; k++)
		free(d->once_names[k]);
	free(d->once_names);
	metrics_server_close(d->msrv);
	if (d->have_metrics)
		vinfer_metrics_close(&d->metrics);
	control_close(d->control);
	if (d->env.tpm)
		vtpm_close(d->env.tpm);
	free(d->env.ek_cert);
	state_free(&d->env.state);
	if (d->env.spool.dir)
		spool_close(&d->env.spool);
	vinfer_client_close(d->env.dev);
	for (k = 0; k < d->n_w; k++) {
		probe_close(d->w[k].probe);
		epoch_counts_free(&d->w[k]);
		free(d->w[k].path);
	}
	vinferd_config_free(&d->conf);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, 'o' },
		{ "workload", required_argument, NULL, 'w' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "publish-timeout", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static struct vinferd d = { .conf_path = CONF_DEFAULT_PATH, .env.dev = -1, .notify.fd = -1,
				    .publish_timeout = PUBLISH_TIMEOUT_S };
	char *end;
	const char *only[CONF_MAX_WORKLOADS];
	size_t n_only = 0, k;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[CONF_ERR_MAX];
	sigset_t block, waitmask;
	int c, ret;

	while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': d.conf_path = optarg; break;
		case 'o': d.once = true; break;
		case 'w':
			if (n_only == CONF_MAX_WORKLOADS) {
				vinferd_log(LOG_ERR, "--workload: more than %d", CONF_MAX_WORKLOADS);
				return VINFERD_EXIT_USAGE;
			}
			only[n_only++] = optarg;
			break;
		case 'v': vinferd_log_level = LOG_DEBUG; break;
		case 'f': break;
		case 'p':
			errno = 0;
			d.publish_timeout = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' ||
			    d.publish_timeout > 86400) {
				vinferd_log(LOG_ERR, "--publish-timeout '%s': not a number of seconds (0 to 86400)",
					    optarg);
				return VINFERD_EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return VINFERD_EXIT_OK;
		default: usage(stderr); return VINFERD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		vinferd_log(LOG_ERR, "unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return VINFERD_EXIT_USAGE;
	}
	if (vinferd_config_init(&d.conf) ||
	    vinferd_config_load(d.conf_path, &d.conf, err)) {
		vinferd_log(LOG_ERR, "%s", err);
		return VINFERD_EXIT_USAGE;
	}

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* --once would close epochs and write the journal behind its back. */
	if (d.once && control_answers(d.conf.control_socket)) {
		vinferd_log(LOG_ERR, "--once: a vinferd is running (its control socket %s answers): "
			    "close its epochs with `vinfer close-epoch` instead",
			    d.conf.control_socket);
		ret = VINFERD_EXIT_FAIL;
		goto out;
	}
	ret = start(&d, only, n_only);
	if (ret)
		goto out;
	if (d.once) {
		for (k = 0; k < d.n_w && !got_term; k++) {
			int r = close_one(&d, &d.w[k]);

			if (r && (r != EPOCH_NO_BLOCK || !d.pub))
				ret = VINFERD_EXIT_FAIL;
		}
		if (d.pub && !got_term) {
			int r = once_publish(&d, &waitmask);

			if (r)
				ret = r;
		}
		goto out;
	}
	ret = start_services(&d);
	if (!ret)
		ret = loop(&d, &waitmask);
out:
	stop(&d);
	return ret;
}
