// SPDX-License-Identifier: GPL-2.0
/*
 * Closing an epoch (Documentation/userspace-api/attestation.rst):
 *
 *   1. APPEND the epoch marker (VINFER_CLAIM_EPOCH) and SEAL: the epoch's
 *      range ends at the first seal after its marker.
 *   2. Read the log; the range is (previous epoch's seal, this seal].
 *   3. Derive the claims from the workload's records in the range.
 *   4. The TPM clock (the previous quote's clockInfo, or ReadClock), quote
 *      with qualifyingData = claimsHash.
 *   5. The document: claims, files, requests, quote, keys, the log slice
 *      through the batch boundary whose PCR the quote shows.
 *   6. spool_create() it; 7. the journal.
 *
 * Steps 2-7 are epoch_catch_up(), which also serves a restart: the log's
 * markers, not this process's memory, say which epochs exist, so a crash
 * anywhere leaves a marker that the next start attests (or finds attested).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/sha.h>

#include "attest.h"
#include "claims.h"
#include "client.h"
#include "epoch.h"
#include "merkle.h"
#include "tpms.h"
#include "vlog.h"

#define NO_SEQ UINT64_MAX

static int fail(char err[EPOCH_ERR_MAX], int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, EPOCH_ERR_MAX, fmt, ap);
	va_end(ap);
	return ret;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int epoch_block_none(void *ctx, uint64_t *num, uint8_t hash[32])
{
	(void)ctx;
	*num = 0;
	memset(hash, 0, 32);
	return 0;
}

void epoch_file_name(const struct vinferd_epoch_env *env, const struct vinferd_workload *w,
		     uint64_t epoch, char *out, size_t size)
{
	snprintf(out, size, "%s-%llu-%llu.json", env->conf->agent_dec,
		 (unsigned long long)w->id, (unsigned long long)epoch);
}

/* The low 64 bits of the (big-endian) agent id, as the marker carries them. */
static uint64_t agent_low64(const uint8_t id[32])
{
	uint64_t v = 0;
	int i;

	for (i = 24; i < 32; i++)
		v = v << 8 | id[i];
	return v;
}

static void marker_encode(const struct vinferd_epoch_env *env, const struct vinferd_workload *w,
			  uint64_t epoch, uint8_t out[VINFER_CLAIM_EPOCH_LEN])
{
	uint64_t v;

	memset(out, 0, VINFER_CLAIM_EPOCH_LEN);
	v = htole64(agent_low64(env->conf->agent_id));
	memcpy(out, &v, 8);
	v = htole64(w->id);
	memcpy(out + 8, &v, 8);
	v = htole64(epoch);
	memcpy(out + 16, &v, 8);
}

/* Whether r is this agent's marker for w; *epoch its epoch. */
static bool marker_of(const struct vinferd_epoch_env *env, const struct vinferd_workload *w,
		      const struct vlog_rec *r, uint64_t *epoch)
{
	static const uint8_t zeros[24];
	const struct vinfer_rec_claim *c = (const void *)r->payload;
	const uint8_t *d = r->payload + sizeof(*c);
	uint64_t v;

	if (r->type != VINFER_REC_CLAIM || r->source != VINFER_SRC_USER ||
	    r->payload_len != sizeof(*c) + VINFER_CLAIM_EPOCH_LEN ||
	    le32toh(c->kind) != VINFER_CLAIM_EPOCH || le32toh(c->len) != VINFER_CLAIM_EPOCH_LEN)
		return false;
	memcpy(&v, d, 8);
	if (le64toh(v) != agent_low64(env->conf->agent_id))
		return false;
	memcpy(&v, d + 8, 8);
	if (le64toh(v) != w->id || memcmp(d + 24, zeros, sizeof(zeros)))
		return false;
	memcpy(&v, d + 16, 8);
	*epoch = le64toh(v);
	return *epoch != 0;
}

static uint64_t rec_cgroup(const struct vlog_rec *r)
{
	return le64toh(r->hdr->cgroup_id);
}

/* ---- claims from the range ---- */

struct range {
	struct attest_file *model, *data;
	size_t n_model, n_data;
	struct attest_request *req;
	size_t n_req;
	uint32_t violations;
	uint32_t flags;
	uint64_t records;	/* of the workload */
};

static void range_free(struct range *g)
{
	size_t i;

	for (i = 0; i < g->n_model; i++)
		free(g->model[i].path);
	for (i = 0; i < g->n_data; i++)
		free(g->data[i].path);
	free(g->model);
	free(g->data);
	free(g->req);
	memset(g, 0, sizeof(*g));
}

static int add_file(struct attest_file **v, size_t *n, const struct vlog_rec *r)
{
	const struct vinfer_rec_file *f = (const void *)r->payload;
	struct attest_file *nv = realloc(*v, (*n + 1) * sizeof(**v)), *e;

	if (!nv)
		return -ENOMEM;
	*v = nv;
	e = &nv[*n];
	e->path = strndup((const char *)(f + 1), le32toh(f->path_len));
	if (!e->path)
		return -ENOMEM;
	memcpy(e->sha256, f->digest, 32);
	e->seq = le64toh(r->hdr->seq);
	e->size = le64toh(f->size);
	(*n)++;
	return 0;
}

static int file_cmp(const void *a, const void *b)
{
	const struct attest_file *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Ordered by path; of a path measured twice the last measurement stays. */
static void files_settle(struct attest_file *v, size_t *n)
{
	size_t i, out = 0;

	if (!*n)
		return;
	qsort(v, *n, sizeof(*v), file_cmp);
	for (i = 0; i < *n; i++) {
		if (i + 1 < *n && !strcmp(v[i].path, v[i + 1].path)) {
			free(v[i].path);
			continue;
		}
		v[out++] = v[i];
	}
	*n = out;
}

static int range_collect(const struct vlog *log, uint64_t first, uint64_t last, uint64_t wid,
			 struct range *g)
{
	uint64_t i;
	int ret = 0;

	for (i = first; i <= last && !ret; i++) {
		const struct vlog_rec *r = &log->recs[i];
		bool mine = rec_cgroup(r) == wid;

		if (mine)
			g->records++;
		switch (r->type) {
		case VINFER_REC_FILE: {
			const struct vinfer_rec_file *f = (const void *)r->payload;

			if (!mine || r->source != VINFER_SRC_KERNEL)
				break;
			if (le32toh(f->kind) == VINFER_KIND_MODEL)
				ret = add_file(&g->model, &g->n_model, r);
			else if (le32toh(f->kind) == VINFER_KIND_DATA)
				ret = add_file(&g->data, &g->n_data, r);
			break;
		}
		case VINFER_REC_CLAIM: {
			const struct vinfer_rec_claim *c = (const void *)r->payload;
			struct attest_request *nv;

			if (!mine || le32toh(c->kind) != VINFER_CLAIM_REQUEST ||
			    le32toh(c->len) != 2 * VINFER_DIGEST_SIZE)
				break;
			nv = realloc(g->req, (g->n_req + 1) * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			g->req = nv;
			nv[g->n_req].seq = le64toh(r->hdr->seq);
			memcpy(nv[g->n_req].input, c + 1, 32);
			memcpy(nv[g->n_req].output, (const uint8_t *)(c + 1) + 32, 32);
			g->n_req++;
			break;
		}
		case VINFER_REC_VIOLATION: {
			/*
			 * The workload's own doing, or anyone's change to a file
			 * the workload had measured (the writer may be outside).
			 */
			const struct vinfer_rec_violation *v = (const void *)r->payload;
			uint64_t m = le64toh(v->measured_seq);

			if (mine || (m < log->n && rec_cgroup(&log->recs[m]) == wid)) {
				g->violations++;
				g->flags |= CLAIM_F_VIOLATION;
			}
			break;
		}
		case VINFER_REC_LOG_FULL:
		case VINFER_REC_TPM_ERROR:
			g->flags |= CLAIM_F_LOST;
			break;
		case VINFER_REC_LOAD:
			if (i > 0)
				g->flags |= CLAIM_F_RELOAD;
			break;
		}
	}
	if (ret)
		return ret;
	files_settle(g->model, &g->n_model);
	files_settle(g->data, &g->n_data);
	return 0;
}

static int range_roots(const struct range *g, struct claims *c)
{
	struct model_file *mf = calloc(g->n_model + 1, sizeof(*mf));
	uint8_t (*leaves)[32];
	size_t i, n = g->n_data > g->n_req ? g->n_data : g->n_req;
	int ret;

	leaves = calloc(n + 1, sizeof(*leaves));
	if (!mf || !leaves) {
		free(mf);
		free(leaves);
		return -ENOMEM;
	}
	for (i = 0; i < g->n_model; i++) {
		mf[i].path = g->model[i].path;
		memcpy(mf[i].digest, g->model[i].sha256, 32);
	}
	claims_model_digest(mf, g->n_model, c->model_digest);
	for (i = 0; i < g->n_data; i++)
		merkle_leaf(g->data[i].sha256, 32, leaves[i]);
	ret = merkle_root((const uint8_t (*)[32])leaves, g->n_data, c->data_root);
	for (i = 0; i < g->n_req && !ret; i++) {
		uint8_t pair[64];

		memcpy(pair, g->req[i].input, 32);
		memcpy(pair + 32, g->req[i].output, 32);
		merkle_leaf(pair, sizeof(pair), leaves[i]);
	}
	if (!ret)
		ret = merkle_root((const uint8_t (*)[32])leaves, g->n_req, c->request_root);
	c->request_count = g->n_req;
	free(mf);
	free(leaves);
	return ret;
}

/* The seal record index ending the batch that holds record i, or NO_SEQ. */
static uint64_t seal_after(const struct vlog *log, uint64_t i)
{
	for (; i < log->n; i++)
		if (log->recs[i].type == VINFER_REC_BATCH_SEAL)
			return i;
	return NO_SEQ;
}

static bool seal_is_tpm(const struct vlog_rec *r)
{
	const struct vinfer_rec_seal *s = (const void *)r->payload;

	return r->type == VINFER_REC_BATCH_SEAL && (le32toh(s->flags) & VINFER_SEAL_TPM);
}

/* The first TPM batch boundary at or after last whose PCR is pcr. */
static uint64_t boundary_of(const struct vlog *log, uint64_t last, const uint8_t pcr[32])
{
	uint64_t i;

	for (i = last; i < log->n; i++)
		if (seal_is_tpm(&log->recs[i]) && !memcmp(log->recs[i].pcr, pcr, 32))
			return i;
	return NO_SEQ;
}

static uint32_t quote_mask(const struct vinferd_epoch_env *env)
{
	return 0xffU | 1U << 10 | 1U << env->conf->pcr;
}

/* ---- the probe's counters of each epoch ---- */

static struct probe_counts *epoch_counts(const struct vinferd_workload *w, uint64_t epoch)
{
	struct probe_counts *c;

	for (c = w->counts; c; c = c->next)
		if (c->epoch == epoch)
			return c;
	return NULL;
}

/* Epochs through @epoch are attested (or were already): their counters go. */
static void epoch_counts_done(struct vinferd_workload *w, uint64_t epoch)
{
	struct probe_counts **pc = &w->counts, *c;

	while ((c = *pc)) {
		if (c->epoch <= epoch) {
			*pc = c->next;
			probe_counts_free(c);
		} else {
			pc = &c->next;
		}
	}
}

void epoch_counts_free(struct vinferd_workload *w)
{
	epoch_counts_done(w, UINT64_MAX);
}

/* ---- one attestation ---- */

struct epoch_job {
	struct vinferd_workload *w;
	uint64_t epoch;
	uint64_t first, last;		/* the range, record indices = seqs */
	const char *name;
	struct epoch_timing t;
};

static int read_log(struct vlog *log, char err[EPOCH_ERR_MAX])
{
	char verr[VLOG_ERR_MAX];
	int ret;

	ret = vlog_read_file(VINFER_BINARY_FILE, log, verr);
	if (ret)
		return fail(err, ret, "%s: %s", VINFER_BINARY_FILE, verr);
	return 0;
}

/* The block fetch failed: back off; the outage is logged when it begins. */
static int block_missing(struct vinferd_epoch_env *env, const struct epoch_job *j, int why,
			 char err[EPOCH_ERR_MAX])
{
	uint64_t now = now_ns();

	if (!env->block_down) {
		env->block_down = true;
		env->block_down_ns = now;
		env->block_backoff_ms = 1000;
		vinferd_log(LOG_WARN, "epoch %llu of %s: no recent block from the chain (%s): the epoch stays sealed in the log and is attested once the chain answers (retrying, up to every %u s)",
			    (unsigned long long)j->epoch, j->w->path, strerror(-why),
			    EPOCH_BLOCK_BACKOFF_MAX_MS / 1000);
	} else {
		env->block_backoff_ms *= 2;
		if (env->block_backoff_ms > EPOCH_BLOCK_BACKOFF_MAX_MS)
			env->block_backoff_ms = EPOCH_BLOCK_BACKOFF_MAX_MS;
	}
	env->block_retry_ns = now + env->block_backoff_ms * 1000000ULL;
	return fail(err, EPOCH_NO_BLOCK, "epoch %llu of %s: no recent block (%s): next try in %u ms",
		    (unsigned long long)j->epoch, j->w->path, strerror(-why),
		    env->block_backoff_ms);
}

static void block_back(struct vinferd_epoch_env *env)
{
	if (!env->block_down)
		return;
	env->block_down = false;
	env->block_backoff_ms = 0;
	env->block_retry_ns = 0;
	vinferd_log(LOG_INFO, "the chain answers again after %.0f s: attesting the epochs that waited",
		    (double)(now_ns() - env->block_down_ns) / 1e9);
}

/* The PCR the log implies after its last TPM seal: the quote's likely value. */
static bool log_pcr_hint(const struct vinferd_epoch_env *env, const struct vlog *log,
			 struct tpm_pcr_hint *hint)
{
	uint64_t i;

	for (i = log->n; i-- > 0;)
		if (seal_is_tpm(&log->recs[i])) {
			hint->pcr = env->conf->pcr;
			memcpy(hint->value, log->recs[i].pcr, 32);
			return true;
		}
	return false;
}

/*
 * The claims' clock, claims ABI and hash, and the quote over them (doc's
 * attest, signature, pcrs).  The clock is the previous quote's clockInfo
 * when recent (EPOCH_CLOCK_REUSE_MS), else read; a TPM reset or restart
 * between that reading and the quote makes the claims wrong: read the clock
 * and quote again, once.
 */
static int claims_and_quote(struct vinferd_epoch_env *env, const struct vlog *log,
			    const struct epoch_job *j, struct attest_doc *doc, uint8_t chash[32],
			    char err[EPOCH_ERR_MAX])
{
	struct claims *c = &doc->claims;
	struct tpm_pcr_hint hint;
	bool has_hint = log_pcr_hint(env, log, &hint);
	bool reread = !env->have_quote_clock ||
		      now_ns() - env->quote_clock_ns > EPOCH_CLOCK_REUSE_MS * 1000000ULL;
	char terr[TPM_ERR_MAX];
	int tries, ret;

	for (tries = 0; tries < 2; tries++) {
		struct tpm_clock clk = env->quote_clock, qclk;

		if (reread) {
			ret = vtpm_read_clock(env->tpm, &clk, terr);
			if (ret) {
				env->have_quote_clock = false;
				return fail(err, -EIO, "epoch %llu: TPM clock: %s",
					    (unsigned long long)j->epoch, terr);
			}
		}
		c->tpm_clock = clk.clock;
		c->tpm_reset_count = clk.reset_count;
		c->tpm_restart_count = clk.restart_count;
		claims_encode(c, doc->claims_abi);
		claims_hash(c, chash);
		free(doc->attest);
		free(doc->signature);
		ret = vtpm_quote2(env->tpm, env->ak_handle, quote_mask(env), chash,
				  has_hint ? &hint : NULL, &doc->attest, &doc->attest_len,
				  &doc->signature, &doc->signature_len, doc->pcrs, &qclk, terr);
		if (ret) {
			env->have_quote_clock = false;
			return fail(err, -EIO, "epoch %llu: quote: %s", (unsigned long long)j->epoch,
				    terr);
		}
		env->have_quote_clock = true;
		env->quote_clock = qclk;
		env->quote_clock_ns = now_ns();
		if (qclk.reset_count == clk.reset_count && qclk.restart_count == clk.restart_count &&
		    qclk.clock >= clk.clock)
			return 0;
		vinferd_log(LOG_WARN, "epoch %llu of %s: the TPM was reset or restarted before the quote (resetCount %u -> %u, restartCount %u -> %u, clock %llu -> %llu): claims and quote made again",
			    (unsigned long long)j->epoch, j->w->path, clk.reset_count,
			    qclk.reset_count, clk.restart_count, qclk.restart_count,
			    (unsigned long long)clk.clock, (unsigned long long)qclk.clock);
		reread = true;
	}
	return fail(err, -EIO, "epoch %llu: the TPM's resetCount/restartCount changed between clock and quote twice",
		    (unsigned long long)j->epoch);
}

static int attest_epoch(struct vinferd_epoch_env *env, struct vlog *log, struct epoch_job *j,
			char err[EPOCH_ERR_MAX])
{
	struct attest_doc doc = { 0 };
	const struct probe_counts *cnt;
	struct range g = { 0 };
	struct claims *c = &doc.claims;
	char serr[SPOOL_ERR_MAX];
	uint8_t chash[32], (*pcrs)[32] = doc.pcrs;
	uint64_t end, i, n_w = 0;
	char *json = NULL;
	size_t json_len;
	double t0 = now_ms(), t1;
	int ret;

	ret = range_collect(log, j->first, j->last, j->w->id, &g);
	if (ret) {
		fail(err, ret, "out of memory collecting epoch %llu", (unsigned long long)j->epoch);
		goto out;
	}
	c->version = CLAIMS_VERSION;
	memcpy(c->agent_id, env->conf->agent_id, 32);
	c->epoch = j->epoch;
	c->workload = j->w->id;
	memcpy(c->host_id, env->host_id, 32);
	c->log_first = j->first;
	c->log_last = j->last;
	memcpy(c->log_head, log->recs[j->last].head, 32);
	ret = range_roots(&g, c);
	if (ret) {
		fail(err, ret, "epoch %llu: Merkle roots: %s", (unsigned long long)j->epoch,
		     strerror(-ret));
		goto out;
	}
	c->violations = g.violations;
	c->flags = g.flags;
	if (env->no_tpm || !log->tpm)
		c->flags |= CLAIM_F_NO_TPM;
	/* Counters: the probe's for an epoch this process closed, else "none". */
	cnt = epoch_counts(j->w, j->epoch);
	if (cnt) {
		probe_counts_to_doc(cnt, &doc);
		c->flags |= cnt->flags;
	} else {
		snprintf(doc.counters_mode, sizeof(doc.counters_mode), "none");
	}
	attest_counters_digest(&doc, c->counters_digest);
	ret = env->fresh_block(env->fresh_block_ctx, &c->block_number, c->block_hash);
	if (ret) {
		ret = block_missing(env, j, ret, err);
		goto out;
	}
	block_back(env);
	t1 = now_ms();
	j->t.log_ms += t1 - t0;

	end = j->last;
	if (c->flags & CLAIM_F_NO_TPM) {
		claims_encode(c, doc.claims_abi);
		claims_hash(c, chash);
	} else {
		uint64_t c0 = vtpm_commands(env->tpm);

		ret = claims_and_quote(env, log, j, &doc, chash, err);
		j->t.tpm_commands += vtpm_commands(env->tpm) - c0;
		if (ret)
			goto out;
		doc.has_quote = true;
		doc.pcr_mask = quote_mask(env);
		{
			char perr[TPMS_ERR_MAX];

			ret = tpms_parse_ecdsa(doc.signature, doc.signature_len, doc.r, doc.s, perr);
			if (ret) {
				ret = fail(err, -EIO, "epoch %llu: quote signature: %s",
					   (unsigned long long)j->epoch, perr);
				goto out;
			}
		}
		end = boundary_of(log, j->last, pcrs[env->conf->pcr]);
		if (end == NO_SEQ) {
			/* A batch extended after our read of the log: read it again. */
			struct vlog fresh;

			ret = read_log(&fresh, err);
			if (ret)
				goto out;
			vlog_free(log);
			*log = fresh;
			end = boundary_of(log, j->last, pcrs[env->conf->pcr]);
		}
		if (end == NO_SEQ) {
			char hex[65];

			vlog_hex(pcrs[env->conf->pcr], 32, hex);
			ret = fail(err, -EAGAIN,
				   "epoch %llu: quoted PCR %u = %s is no batch boundary at or after seal %llu (extend pending?)",
				   (unsigned long long)j->epoch, env->conf->pcr, hex,
				   (unsigned long long)j->last);
			goto out;
		}
		doc.ak_public = env->ak.public;
		doc.ak_public_len = env->ak.public_len;
		memcpy(doc.ak_name, env->ak.name, sizeof(doc.ak_name));
		memcpy(doc.ak_x, env->ak.x, 32);
		memcpy(doc.ak_y, env->ak.y, 32);
		doc.ek_public = env->ek.public;
		doc.ek_public_len = env->ek.public_len;
		doc.ek_cert = env->ek_cert;
		doc.ek_cert_len = env->ek_cert_len;
		if (env->act.present) {
			doc.has_activation = true;
			memcpy(doc.reg_x, env->act.x, 32);
			memcpy(doc.reg_y, env->act.y, 32);
			memcpy(doc.reg_r, env->act.r, 32);
			memcpy(doc.reg_s, env->act.s, 32);
		}
	}
	t0 = now_ms();
	j->t.quote_ms += t0 - t1;

	doc.model = g.model;
	doc.n_model = g.n_model;
	doc.data = g.data;
	doc.n_data = g.n_data;
	doc.requests = g.req;
	doc.n_requests = g.n_req;
	doc.log_pcr = log->pcr_index;
	memcpy(doc.pcr_base, log->pcr_base, 32);
	for (i = 0; i < j->first; i++)
		if (seal_is_tpm(&log->recs[i]))
			n_w++;
	doc.witness = calloc(n_w + 1, 32);
	if (!doc.witness) {
		ret = fail(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < j->first; i++)
		if (seal_is_tpm(&log->recs[i]))
			memcpy(doc.witness[doc.n_witness++], log->recs[i].head, 32);
	if (j->first)
		memcpy(doc.head_before, log->recs[j->first - 1].head, 32);
	doc.records = log->buf + log->recs[j->first].offset;
	doc.records_len = log->recs[end].offset + le32toh(log->recs[end].hdr->len) -
			  log->recs[j->first].offset;

	ret = attest_write_json(&doc, &json, &json_len);
	if (ret) {
		fail(err, ret, "epoch %llu: encoding the document: %s",
		     (unsigned long long)j->epoch, strerror(-ret));
		goto out;
	}
	t1 = now_ms();
	j->t.encode_ms += t1 - t0;
	ret = spool_create(&env->spool, j->name, json, json_len, serr);
	if (ret) {
		fail(err, ret, "epoch %llu: %s", (unsigned long long)j->epoch, serr);
		goto out;
	}
	j->t.write_ms += now_ms() - t1;
	j->w->records += g.records;
	j->w->violations += g.violations;
out:
	free(json);
	free(doc.witness);
	free(doc.attest);
	free(doc.signature);
	range_free(&g);
	return ret;
}

/* ---- catching up ---- */

static int journal(struct vinferd_epoch_env *env, struct vinferd_workload *w, uint64_t epoch,
		   const struct vlog_rec *seal, char err[EPOCH_ERR_MAX])
{
	struct state_entry *st = state_get(&env->state, env->conf->agent_id, w->id);
	char serr[STATE_ERR_MAX];
	int ret;

	if (!st)
		return fail(err, -ENOMEM, "out of memory");
	st->epoch = epoch;
	st->seal_seq = le64toh(seal->hdr->seq);
	memcpy(st->seal_head, seal->head, 32);
	ret = state_save(&env->spool, &env->state, serr);
	if (ret)
		return fail(err, ret, "journal: %s", serr);
	return 0;
}

/* The journal's seal, when it is a seal of this very log. */
static uint64_t journal_seal(const struct state_entry *st, const struct vlog *log)
{
	if (!st->epoch || st->seal_seq >= log->n ||
	    log->recs[st->seal_seq].type != VINFER_REC_BATCH_SEAL ||
	    memcmp(log->recs[st->seal_seq].head, st->seal_head, 32))
		return NO_SEQ;
	return st->seal_seq;
}

int epoch_catch_up(struct vinferd_epoch_env *env, struct vinferd_workload *w,
		   char err[EPOCH_ERR_MAX])
{
	struct state_entry *st = state_get(&env->state, env->conf->agent_id, w->id);
	uint64_t i, prev, done;
	struct vlog log;
	double t0 = now_ms();
	int ret;

	if (!st)
		return fail(err, -ENOMEM, "out of memory");
	if (env->block_down && w->pending && now_ns() < env->block_retry_ns)
		return fail(err, EPOCH_NO_BLOCK, "%s: waiting for the chain to attest the pending epoch",
			    w->path);
	done = st->epoch;
	if (w->epoch_hi < done)
		w->epoch_hi = done;
	ret = read_log(&log, err);
	if (ret)
		return ret;
	prev = journal_seal(st, &log);
	if (st->epoch && prev == NO_SEQ)
		vinferd_log(LOG_WARN, "%s: the seal of epoch %llu (record %llu) is not in this log (module reloaded?): the next range starts where this log has the previous marker, or at record 0",
			    w->path, (unsigned long long)st->epoch,
			    (unsigned long long)st->seal_seq);
	w->pending = false;
	for (i = 0; i < log.n; i++) {
		struct epoch_job j = { .w = w };
		char name[128], path[PATH_MAX];
		uint64_t e, seal;
		bool wrote = false;

		if (!marker_of(env, w, &log.recs[i], &e))
			continue;
		seal = seal_after(&log, i);
		if (e > w->epoch_hi)
			w->epoch_hi = e;
		if (e <= done) {
			if (e == done && seal != NO_SEQ)
				prev = seal;
			continue;
		}
		if (seal == NO_SEQ) {
			w->pending = true;
			break;
		}
		if (e != done + 1)
			vinferd_log(LOG_WARN, "%s: epoch marker %llu follows epoch %llu",
				    w->path, (unsigned long long)e, (unsigned long long)done);
		epoch_file_name(env, w, e, name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%s", env->spool.dir, name);
		j.epoch = e;
		j.first = prev == NO_SEQ ? 0 : prev + 1;
		j.last = seal;
		j.name = name;
		j.t.log_ms = now_ms() - t0;
		if (faccessat(env->spool.dirfd, name, F_OK, 0) == 0) {
			vinferd_log(LOG_DEBUG, "%s: epoch %llu: %s already in the spool", w->path,
				    (unsigned long long)e, name);
		} else {
			if (e != w->own_marker)
				vinferd_log(LOG_INFO, "epoch %llu of %s: marker left by an earlier run: attesting it now",
					    (unsigned long long)e, w->path);
			j.t.seal_ms = w->seal_ms;
			w->seal_ms = 0;
			ret = attest_epoch(env, &log, &j, err);
			if (ret) {
				w->pending = true;
				break;
			}
			wrote = true;
		}
		t0 = now_ms();
		ret = journal(env, w, e, &log.recs[seal], err);
		if (ret) {
			w->pending = true;
			break;
		}
		j.t.journal_ms = now_ms() - t0;
		epoch_counts_done(w, e);
		if (wrote) {
			snprintf(w->last_name, sizeof(w->last_name), "%s", name);
			w->closed++;
			if (env->written)
				env->written(env->written_ctx, w, e, path, &j.t);
		}
		done = e;
		prev = seal;
		t0 = now_ms();
	}
	epoch_counts_done(w, done);
	vlog_free(&log);
	return ret;
}

int epoch_close(struct vinferd_epoch_env *env, struct vinferd_workload *w,
		char err[EPOCH_ERR_MAX])
{
	uint8_t marker[VINFER_CLAIM_EPOCH_LEN];
	struct probe_counts *cnt = NULL;
	struct vinfer_seal s;
	uint64_t epoch = w->epoch_hi + 1;
	double t0 = now_ms();
	int ret;

	/*
	 * The counters end where the marker goes in; they are the epoch's
	 * once the marker is in the log (no marker: the next take has them).
	 */
	if (w->probe) {
		char perr[PROBE_ERR_MAX];

		ret = probe_take(w->probe, &cnt, perr);
		if (ret)
			return fail(err, ret, "epoch %llu of %s: %s", (unsigned long long)epoch,
				    w->path, perr);
		cnt->epoch = epoch;
	}
	marker_encode(env, w, epoch, marker);
	ret = vinfer_client_append(env->dev, VINFER_CLAIM_EPOCH, marker, sizeof(marker), NULL);
	if (ret) {
		probe_counts_free(cnt);
		return fail(err, ret, "epoch %llu of %s: marker: %s", (unsigned long long)epoch,
			    w->path, vinfer_client_strerror(ret));
	}
	if (cnt) {
		probe_commit(w->probe);
		cnt->next = w->counts;
		w->counts = cnt;
	}
	w->epoch_hi = epoch;
	w->own_marker = epoch;
	w->pending = true;
	ret = vinfer_client_seal(env->dev, &s);
	if (ret)
		return fail(err, ret, "epoch %llu of %s: seal: %s", (unsigned long long)epoch,
			    w->path, vinfer_client_strerror(ret));
	w->seal_ms = now_ms() - t0;
	if (s.out_flags & VINFER_SEALED_PENDING)
		vinferd_log(LOG_WARN, "epoch %llu of %s: the PCR extend of the seal is pending; attested once it lands",
			    (unsigned long long)epoch, w->path);
	return epoch_catch_up(env, w, err);
}

int epoch_pending_records(struct vinferd_epoch_env *env, struct vinferd_workload *w,
			  uint64_t *count, uint64_t *log_records, char err[EPOCH_ERR_MAX])
{
	struct state_entry *st = state_get(&env->state, env->conf->agent_id, w->id);
	uint64_t i, from;
	struct vlog log;
	int ret;

	if (!st)
		return fail(err, -ENOMEM, "out of memory");
	ret = read_log(&log, err);
	if (ret)
		return ret;
	from = journal_seal(st, &log);
	from = from == NO_SEQ ? 0 : from + 1;
	*count = 0;
	for (i = from; i < log.n; i++)
		if (rec_cgroup(&log.recs[i]) == w->id)
			(*count)++;
	*log_records = log.n;
	vlog_free(&log);
	return 0;
}
