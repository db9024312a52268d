// SPDX-License-Identifier: GPL-2.0
/*
 * Verification of an attestation document: each check is one function in
 * the table below, run in order over a context that earlier checks fill in
 * (the parsed quote, the parsed log slice).  A check that depends on an
 * earlier one only runs after it passed, so it may rely on its results.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "claims.h"
#include "merkle.h"
#include "tpms.h"
#include "verify.h"
#include "vlog.h"

struct ctx {
	const struct attest_doc *d;
	const struct verify_opts *o;
	struct verify_result *r;
	const char *check;		/* the running check's name */
	const char *note;		/* set by a check: shown next to "ok" */
	bool skip;			/* set by a check: it did not apply */
	struct tpms_quote q;
	struct vlog log;
	bool log_parsed;
	uint8_t pcr_before[32];		/* PCR replayed over the witness */
};

static int fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->r->msg, sizeof(c->r->msg), "%s: ", c->check);
	va_start(ap, fmt);
	vsnprintf(c->r->msg + n, sizeof(c->r->msg) - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Hex of a short value for messages; a rotating set of buffers. */
static const char *hx(const uint8_t *p, size_t n)
{
	static __thread char bufs[6][2 * 68 + 1];
	static __thread unsigned int next;
	char *b = bufs[next++ % 6];

	if (n > 68)
		n = 68;
	vlog_hex(p, n, b);
	return b;
}

static const uint8_t zero32[32];

static void sha256_pair(uint8_t acc[32], const uint8_t v[32])
{
	uint8_t pair[64];

	memcpy(pair, acc, 32);
	memcpy(pair + 32, v, 32);
	SHA256(pair, sizeof(pair), acc);
}

static bool in_range(const struct ctx *c, uint64_t seq)
{
	return seq >= c->d->claims.log_first && seq <= c->d->claims.log_last;
}

static uint64_t rec_seq(const struct vlog_rec *r)
{
	return le64toh(r->hdr->seq);
}

static uint64_t rec_cgroup(const struct vlog_rec *r)
{
	return le64toh(r->hdr->cgroup_id);
}

/* ---- the document and its TPM parts ---------------------------------- */

static int check_document(struct ctx *c)
{
	const struct claims *cl = &c->d->claims;

	if (cl->version != CLAIMS_VERSION)
		return fail(c, "claims version %u, want %u", cl->version, CLAIMS_VERSION);
	if (cl->log_first > cl->log_last)
		return fail(c, "logFirst %llu > logLast %llu",
			    (unsigned long long)cl->log_first, (unsigned long long)cl->log_last);
	if (!c->d->records_len)
		return fail(c, "predicate.log.records is empty");
	return 0;
}

static int check_claims_encoding(struct ctx *c)
{
	uint8_t abi[CLAIMS_ABI_SIZE];
	size_t i;

	claims_encode(&c->d->claims, abi);
	for (i = 0; i < CLAIMS_WORDS; i++)
		if (memcmp(abi + 32 * i, c->d->claims_abi + 32 * i, 32))
			return fail(c, "claimsAbi word %zu (%s) %s != claims %s", i,
				    claims_word_names[i], hx(c->d->claims_abi + 32 * i, 32),
				    hx(abi + 32 * i, 32));
	return 0;
}

static int check_no_tpm(struct ctx *c)
{
	bool flag = c->d->claims.flags & CLAIM_F_NO_TPM;

	if (flag && c->d->has_quote)
		return fail(c, "flag NO_TPM is set but the document has a quote");
	if (!flag && !c->d->has_quote)
		return fail(c, "the document has no quote but flag NO_TPM is clear");
	if (!c->d->has_quote) {
		if (!c->o->allow_no_tpm)
			return fail(c, "no quote (flag NO_TPM): no hardware trust; refused without --allow-no-tpm");
		c->r->no_hw_trust = true;
		c->note = "no hardware trust: no TPM quote";
	}
	return 0;
}

static int check_ak(struct ctx *c)
{
	const struct attest_doc *d = c->d;
	uint8_t x[32], y[32], name[34];
	char err[TPMS_ERR_MAX] = "";
	bool rs = false;

	if (tpms_parse_ecc_public(d->ak_public, d->ak_public_len, x, y, name, &rs, err))
		return fail(c, "ak.public: %s", err);
	if (!rs)
		return fail(c, "ak.public is not a restricted signing key");
	if (memcmp(x, d->ak_x, 32))
		return fail(c, "ak.x %s != ak.public x %s", hx(d->ak_x, 32), hx(x, 32));
	if (memcmp(y, d->ak_y, 32))
		return fail(c, "ak.y %s != ak.public y %s", hx(d->ak_y, 32), hx(y, 32));
	if (memcmp(name, d->ak_name, 34))
		return fail(c, "ak.name %s != name of ak.public %s", hx(d->ak_name, 34),
			    hx(name, 34));
	return 0;
}

static int check_ak_policy(struct ctx *c)
{
	const struct verify_opts *o = c->o;
	const struct attest_doc *d = c->d;

	if (!o->ak_key && !o->ak_name) {
		c->note = "no expected AK given";
		c->skip = true;
		return 0;
	}
	if (o->ak_key && (memcmp(o->ak_x, d->ak_x, 32) || memcmp(o->ak_y, d->ak_y, 32)))
		return fail(c, "AK x %s y %s != expected x %s y %s", hx(d->ak_x, 32),
			    hx(d->ak_y, 32), hx(o->ak_x, 32), hx(o->ak_y, 32));
	if (o->ak_name && memcmp(o->ak_name_v, d->ak_name, 34))
		return fail(c, "AK name %s != expected %s", hx(d->ak_name, 34),
			    hx(o->ak_name_v, 34));
	return 0;
}

static int check_quote_signature(struct ctx *c)
{
	const struct attest_doc *d = c->d;
	char err[TPMS_ERR_MAX] = "";
	uint8_t r[32], s[32];

	if (tpms_parse_ecdsa(d->signature, d->signature_len, r, s, err))
		return fail(c, "quote.signature: %s", err);
	if (memcmp(r, d->r, 32))
		return fail(c, "quote.r %s != signature r %s", hx(d->r, 32), hx(r, 32));
	if (memcmp(s, d->s, 32))
		return fail(c, "quote.s %s != signature s %s", hx(d->s, 32), hx(s, 32));
	if (!tpms_p256_verify(d->attest, d->attest_len, r, s, d->ak_x, d->ak_y))
		return fail(c, "ECDSA signature r %s over SHA-256(attest) does not verify with AK x %s",
			    hx(r, 32), hx(d->ak_x, 32));
	return 0;
}

static int check_quote_magic(struct ctx *c)
{
	char err[TPMS_ERR_MAX] = "";

	if (tpms_parse_quote(c->d->attest, c->d->attest_len, &c->q, err))
		return fail(c, "quote.attest: %s", err);
	if (c->q.magic != TPMS_QUOTE_MAGIC)
		return fail(c, "magic %#x != %#x", c->q.magic, TPMS_QUOTE_MAGIC);
	return 0;
}

static int check_quote_type(struct ctx *c)
{
	if (c->q.type != TPMS_ST_ATTEST_QUOTE)
		return fail(c, "type %#x != TPM_ST_ATTEST_QUOTE %#x", c->q.type,
			    TPMS_ST_ATTEST_QUOTE);
	return 0;
}

/*
 * qualifiedSigner is the AK's Qualified Name (TPM 2.0 Part 1, 16.6):
 * vinferd creates the AK as a child of the EK, a primary key of the
 * endorsement hierarchy, so QN(EK) = H(TPM_RH_ENDORSEMENT || Name(EK)) and
 * QN(AK) = H(QN(EK) || Name(AK)), each nameAlg (SHA-256) || digest.
 */
static void qualified_name(const uint8_t parent_qn[], size_t parent_len,
			   const uint8_t name[34], uint8_t out[34])
{
	uint8_t buf[4 + 34 + 34];

	memcpy(buf, parent_qn, parent_len);
	memcpy(buf + parent_len, name, 34);
	out[0] = 0x00;
	out[1] = 0x0b;
	SHA256(buf, parent_len + 34, out + 2);
}

static int check_quote_signer(struct ctx *c)
{
	static const uint8_t rh_endorsement[4] = { 0x40, 0x00, 0x00, 0x0b };
	const struct attest_doc *d = c->d;
	uint8_t ek_name[34], ek_qn[34], ak_qn[34];

	if (!d->ek_public_len)
		return fail(c, "ek.public is missing: the AK's qualified name needs it");
	ek_name[0] = 0x00;
	ek_name[1] = 0x0b;
	SHA256(d->ek_public, d->ek_public_len, ek_name + 2);
	qualified_name(rh_endorsement, sizeof(rh_endorsement), ek_name, ek_qn);
	qualified_name(ek_qn, sizeof(ek_qn), d->ak_name, ak_qn);
	if (c->q.signer_name_len != 34 || memcmp(c->q.signer_name, ak_qn, 34))
		return fail(c, "qualifiedSigner %s != qualified name %s of AK %s under EK %s",
			    hx(c->q.signer_name, c->q.signer_name_len), hx(ak_qn, 34),
			    hx(d->ak_name, 34), hx(ek_name, 34));
	return 0;
}

static int check_quote_nonce(struct ctx *c)
{
	uint8_t h[32];

	claims_hash(&c->d->claims, h);
	if (c->q.extra_len != 32 || memcmp(c->q.extra, h, 32))
		return fail(c, "extraData %s != claims hash %s", hx(c->q.extra, c->q.extra_len),
			    hx(h, 32));
	return 0;
}

static bool pcr_allowed(uint32_t pcr)
{
	/* firmware 0-7, IMA 10 and the resettable 16-23 are never vinfer's. */
	return pcr < 16 && pcr > 7 && pcr != 10;
}

static uint32_t want_mask(const struct ctx *c)
{
	return 0xffU | 1U << 10 | 1U << c->d->log_pcr;
}

static int check_pcr_selection(struct ctx *c)
{
	if (!pcr_allowed(c->d->log_pcr))
		return fail(c, "log.pcr %u is not a PCR vinfer may use", c->d->log_pcr);
	if (c->q.other_banks)
		return fail(c, "the quote selects a bank other than SHA-256");
	if (c->q.pcr_mask != want_mask(c))
		return fail(c, "quoted SHA-256 PCRs %#x != PCRs 0-7, 10, %u (%#x)",
			    c->q.pcr_mask, c->d->log_pcr, want_mask(c));
	if (c->d->pcr_mask != want_mask(c))
		return fail(c, "quote.pcrs holds PCRs %#x != quoted %#x", c->d->pcr_mask,
			    want_mask(c));
	return 0;
}

static int check_pcr_digest(struct ctx *c)
{
	uint8_t dg[32];

	tpms_pcr_digest((const uint8_t (*)[32])c->d->pcrs, c->q.pcr_mask, dg);
	if (c->q.pcr_digest_len != 32 || memcmp(c->q.pcr_digest, dg, 32))
		return fail(c, "quoted pcrDigest %s != SHA-256 of quote.pcrs %s",
			    hx(c->q.pcr_digest, c->q.pcr_digest_len), hx(dg, 32));
	return 0;
}

static int check_clock(struct ctx *c)
{
	const struct claims *cl = &c->d->claims;

	if (c->q.reset_count != cl->tpm_reset_count)
		return fail(c, "quote resetCount %u != claims tpmResetCount %u",
			    c->q.reset_count, cl->tpm_reset_count);
	if (c->q.restart_count != cl->tpm_restart_count)
		return fail(c, "quote restartCount %u != claims tpmRestartCount %u",
			    c->q.restart_count, cl->tpm_restart_count);
	if (c->q.clock < cl->tpm_clock)
		return fail(c, "quote clock %llu < claims tpmClock %llu",
			    (unsigned long long)c->q.clock, (unsigned long long)cl->tpm_clock);
	return 0;
}

/* ---- the log slice ----------------------------------------------------- */

static int check_log_parse(struct ctx *c)
{
	const struct attest_doc *d = c->d;
	char err[VLOG_ERR_MAX] = "";
	uint64_t first;
	uint8_t *buf;
	size_t i;

	if (d->records_len < sizeof(struct vinfer_rec_hdr))
		return fail(c, "log.records: %zu bytes, shorter than a record header",
			    d->records_len);
	first = le64toh(((const struct vinfer_rec_hdr *)d->records)->seq);
	memcpy(c->pcr_before, d->pcr_base, 32);
	for (i = 0; i < d->n_witness; i++)
		sha256_pair(c->pcr_before, d->witness[i]);
	buf = malloc(d->records_len);
	if (!buf)
		return fail(c, "out of memory for %zu bytes", d->records_len);
	memcpy(buf, d->records, d->records_len);
	if (vlog_parse_slice(buf, d->records_len, first, d->head_before,
			     d->has_quote ? c->pcr_before : NULL, &c->log, err))
		return fail(c, "%s", err);
	c->log_parsed = true;
	return 0;
}

static const struct vlog_rec *rec_at(const struct ctx *c, uint64_t seq)
{
	if (seq < c->log.first_seq || seq - c->log.first_seq >= c->log.n)
		return NULL;
	return &c->log.recs[seq - c->log.first_seq];
}

/* The daemon's epoch marker: agentId low 64 bits, workload, epoch, zeros. */
static bool is_epoch_marker(const struct ctx *c, const struct vlog_rec *r)
{
	const struct vinfer_rec_claim *cl = (const void *)r->payload;
	const uint8_t *p = r->payload + sizeof(*cl);
	uint64_t agent = 0, v;
	int i;

	if (r->type != VINFER_REC_CLAIM || le32toh(cl->kind) != VINFER_CLAIM_EPOCH ||
	    le32toh(cl->len) != VINFER_CLAIM_EPOCH_LEN)
		return false;
	for (i = 24; i < 32; i++)
		agent = agent << 8 | c->d->claims.agent_id[i];
	memcpy(&v, p, 8);
	if (le64toh(v) != agent)
		return false;
	memcpy(&v, p + 8, 8);
	if (le64toh(v) != c->d->claims.workload)
		return false;
	memcpy(&v, p + 16, 8);
	if (le64toh(v) != c->d->claims.epoch)
		return false;
	return !memcmp(p + 24, zero32, 24);
}

static int check_log_range(struct ctx *c)
{
	const struct claims *cl = &c->d->claims;
	const struct vlog_rec *last;
	uint64_t end = c->log.first_seq + c->log.n - 1, s;

	if (c->log.first_seq != cl->log_first)
		return fail(c, "slice starts at seq %llu != logFirst %llu",
			    (unsigned long long)c->log.first_seq,
			    (unsigned long long)cl->log_first);
	last = rec_at(c, cl->log_last);
	if (!last)
		return fail(c, "logLast %llu is not in the slice (seq %llu-%llu)",
			    (unsigned long long)cl->log_last,
			    (unsigned long long)c->log.first_seq, (unsigned long long)end);
	if (last->type != VINFER_REC_BATCH_SEAL)
		return fail(c, "record logLast %llu is a %s record, not a seal",
			    (unsigned long long)cl->log_last, vlog_type_name(last->type));
	if (memcmp(last->head, cl->log_head, 32))
		return fail(c, "head after record %llu %s != logHead %s",
			    (unsigned long long)cl->log_last, hx(last->head, 32),
			    hx(cl->log_head, 32));
	for (s = cl->log_first; s <= cl->log_last; s++)
		if (is_epoch_marker(c, rec_at(c, s)))
			return 0;
	return fail(c, "no epoch marker (claim kind %#x) for workload %llu epoch %llu in seq %llu-%llu",
		    VINFER_CLAIM_EPOCH, (unsigned long long)cl->workload,
		    (unsigned long long)cl->epoch, (unsigned long long)cl->log_first,
		    (unsigned long long)cl->log_last);
}

static int check_log_witness(struct ctx *c)
{
	const struct attest_doc *d = c->d;

	if (d->claims.log_first == 0) {
		if (d->n_witness)
			return fail(c, "logFirst is 0 but the witness has %zu heads", d->n_witness);
		if (memcmp(d->head_before, zero32, 32))
			return fail(c, "logFirst is 0 but headBefore %s is not zero",
				    hx(d->head_before, 32));
		if (d->has_quote) {
			if (!c->log.tpm)
				return fail(c, "the load record says the log has no TPM, the document has a quote");
			if (c->log.pcr_index != d->log_pcr)
				return fail(c, "load record PCR %u != log.pcr %u", c->log.pcr_index,
					    d->log_pcr);
			if (memcmp(c->log.pcr_base, d->pcr_base, 32))
				return fail(c, "load record pcr_base %s != log.pcrBase %s",
					    hx(c->log.pcr_base, 32), hx(d->pcr_base, 32));
		}
		return 0;
	}
	if (!d->has_quote) {
		if (d->n_witness)
			return fail(c, "a document without TPM has %zu witness heads", d->n_witness);
		return 0;
	}
	if (!d->n_witness)
		return fail(c, "logFirst %llu > 0 but the witness is empty",
			    (unsigned long long)d->claims.log_first);
	if (memcmp(d->witness[d->n_witness - 1], d->head_before, 32))
		return fail(c, "last witness head %s != headBefore %s",
			    hx(d->witness[d->n_witness - 1], 32), hx(d->head_before, 32));
	return 0;
}

static bool is_tpm_seal(const struct vlog_rec *r)
{
	const struct vinfer_rec_seal *s = (const void *)r->payload;

	return r->type == VINFER_REC_BATCH_SEAL && (le32toh(s->flags) & VINFER_SEAL_TPM);
}

static int check_log_pcr(struct ctx *c)
{
	const uint8_t *quoted = c->d->pcrs[c->d->log_pcr];
	const struct vlog_rec *end = &c->log.recs[c->log.n - 1];
	size_t i;

	for (i = c->d->claims.log_last - c->log.first_seq; i < c->log.n; i++) {
		const struct vlog_rec *r = &c->log.recs[i];

		if (!is_tpm_seal(r) || memcmp(r->pcr, quoted, 32))
			continue;
		if (r != end)
			return fail(c, "the boundary at seq %llu gives the quoted PCR %u, but the slice goes on to seq %llu",
				    (unsigned long long)rec_seq(r), c->d->log_pcr,
				    (unsigned long long)rec_seq(end));
		return 0;
	}
	return fail(c, "no TPM batch boundary at or after logLast %llu gives the quoted PCR %u %s (the slice ends at seq %llu with PCR %s)",
		    (unsigned long long)c->d->claims.log_last, c->d->log_pcr, hx(quoted, 32),
		    (unsigned long long)rec_seq(end), hx(end->pcr, 32));
}

/* ---- claims recomputed from the log ----------------------------------- */

struct file_ref {
	const struct vlog_rec *rec;
	const struct vinfer_rec_file *f;
	const uint8_t *path;
	uint32_t path_len;
};

static int cmp_path(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int r = memcmp(a, b, al < bl ? al : bl);

	if (r)
		return r;
	return al < bl ? -1 : al > bl;
}

static int cmp_ref(const void *a, const void *b)
{
	const struct file_ref *x = a, *y = b;

	return cmp_path(x->path, x->path_len, y->path, y->path_len);
}

static int cmp_afile(const void *a, const void *b)
{
	const struct attest_file *const *x = a, *const *y = b;

	return strcmp((*x)->path, (*y)->path);
}

/*
 * The workload's kernel-measured files of kind in the range, a path measured
 * twice counted once (its last measurement), sorted by path.
 */
static size_t collect_files(const struct ctx *c, uint32_t kind, struct file_ref *out)
{
	size_t n = 0, i, j;

	for (i = 0; i < c->log.n; i++) {
		const struct vlog_rec *r = &c->log.recs[i];
		const struct vinfer_rec_file *f = (const void *)r->payload;
		struct file_ref ref;

		if (r->type != VINFER_REC_FILE || !in_range(c, rec_seq(r)) ||
		    rec_cgroup(r) != c->d->claims.workload || le32toh(f->kind) != kind)
			continue;
		ref.rec = r;
		ref.f = f;
		ref.path = r->payload + sizeof(*f);
		ref.path_len = le32toh(f->path_len);
		for (j = 0; j < n; j++)
			if (!cmp_ref(&out[j], &ref))
				break;
		out[j] = ref;
		if (j == n)
			n++;
	}
	qsort(out, n, sizeof(*out), cmp_ref);
	return n;
}

/* Compares the document's list (any order) with the log's files. */
static int match_files(struct ctx *c, const char *field, const struct attest_file *df,
		       size_t dn, const struct file_ref *refs, size_t n)
{
	const struct attest_file **sorted;
	size_t i;
	int ret = 0;

	if (dn != n)
		return fail(c, "%s has %zu files, the log has %zu in seq %llu-%llu", field, dn, n,
			    (unsigned long long)c->d->claims.log_first,
			    (unsigned long long)c->d->claims.log_last);
	sorted = calloc(n ? n : 1, sizeof(*sorted));
	if (!sorted)
		return fail(c, "out of memory");
	for (i = 0; i < n; i++)
		sorted[i] = &df[i];
	qsort(sorted, n, sizeof(*sorted), cmp_afile);
	for (i = 0; i < n && !ret; i++) {
		const struct attest_file *a = sorted[i];
		const struct file_ref *b = &refs[i];
		size_t al = strlen(a->path);

		if (i && !strcmp(sorted[i - 1]->path, a->path))
			ret = fail(c, "%s lists %s twice", field, a->path);
		else if (cmp_path((const uint8_t *)a->path, al, b->path, b->path_len))
			ret = fail(c, "%s path %s != log record %llu path %.*s", field, a->path,
				   (unsigned long long)rec_seq(b->rec), (int)b->path_len, b->path);
		else if (a->seq != rec_seq(b->rec))
			ret = fail(c, "%s %s seq %llu != log record %llu", field, a->path,
				   (unsigned long long)a->seq, (unsigned long long)rec_seq(b->rec));
		else if (memcmp(a->sha256, b->f->digest, 32))
			ret = fail(c, "%s %s sha256 %s != log record %llu digest %s", field,
				   a->path, hx(a->sha256, 32), (unsigned long long)a->seq,
				   hx(b->f->digest, 32));
		else if (a->size != le64toh(b->f->size))
			ret = fail(c, "%s %s size %llu != log record %llu size %llu", field,
				   a->path, (unsigned long long)a->size, (unsigned long long)a->seq,
				   (unsigned long long)le64toh(b->f->size));
	}
	free(sorted);
	return ret;
}

static int check_claims_model(struct ctx *c)
{
	const struct attest_doc *d = c->d;
	struct model_file *mf = NULL;
	struct file_ref *refs;
	uint8_t dg[32];
	size_t n, i;
	int ret;

	refs = calloc(c->log.n, sizeof(*refs));
	if (!refs)
		return fail(c, "out of memory");
	n = collect_files(c, VINFER_KIND_MODEL, refs);
	ret = match_files(c, "model", d->model, d->n_model, refs, n);
	if (ret)
		goto out;
	mf = calloc(n ? n : 1, sizeof(*mf));
	if (!mf) {
		ret = fail(c, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		mf[i].path = d->model[i].path;
		memcpy(mf[i].digest, d->model[i].sha256, 32);
	}
	if (n)
		claims_model_digest(mf, n, dg);
	else
		memset(dg, 0, 32);
	if (memcmp(dg, d->claims.model_digest, 32))
		ret = fail(c, "modelDigest %s != digest of the model files %s",
			   hx(d->claims.model_digest, 32), hx(dg, 32));
out:
	free(mf);
	free(refs);
	return ret;
}

static int check_claims_data(struct ctx *c)
{
	const struct attest_doc *d = c->d;
	uint8_t (*leaves)[32] = NULL, root[32];
	struct file_ref *refs;
	size_t n, i;
	int ret;

	refs = calloc(c->log.n, sizeof(*refs));
	if (!refs)
		return fail(c, "out of memory");
	n = collect_files(c, VINFER_KIND_DATA, refs);
	ret = match_files(c, "data", d->data, d->n_data, refs, n);
	if (ret)
		goto out;
	leaves = calloc(n ? n : 1, sizeof(*leaves));
	if (!leaves) {
		ret = fail(c, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)		/* refs are in path order */
		merkle_leaf(refs[i].f->digest, 32, leaves[i]);
	if (merkle_root((const uint8_t (*)[32])leaves, n, root)) {
		ret = fail(c, "cannot build the data tree of %zu leaves", n);
		goto out;
	}
	if (memcmp(root, d->claims.data_root, 32))
		ret = fail(c, "dataRoot %s != root of the data files %s",
			   hx(d->claims.data_root, 32), hx(root, 32));
out:
	free(leaves);
	free(refs);
	return ret;
}

static bool is_request(const struct ctx *c, const struct vlog_rec *r)
{
	const struct vinfer_rec_claim *cl = (const void *)r->payload;

	return r->type == VINFER_REC_CLAIM && le32toh(cl->kind) == VINFER_CLAIM_REQUEST &&
	       le32toh(cl->len) == 64 && in_range(c, rec_seq(r)) &&
	       rec_cgroup(r) == c->d->claims.workload;
}

static int check_claims_requests(struct ctx *c)
{
	const struct attest_doc *d = c->d;
	uint8_t (*leaves)[32], root[32];
	size_t n = 0, i;
	int ret = 0;

	leaves = calloc(c->log.n, sizeof(*leaves));
	if (!leaves)
		return fail(c, "out of memory");
	for (i = 0; i < c->log.n && !ret; i++) {
		const struct vlog_rec *r = &c->log.recs[i];
		const uint8_t *p = r->payload + sizeof(struct vinfer_rec_claim);

		if (!is_request(c, r))
			continue;
		if (n >= d->n_requests) {
			ret = fail(c, "the log has a request at seq %llu beyond the %zu listed",
				   (unsigned long long)rec_seq(r), d->n_requests);
			break;
		}
		if (d->requests[n].seq != rec_seq(r))
			ret = fail(c, "requests[%zu].seq %llu != log request seq %llu", n,
				   (unsigned long long)d->requests[n].seq,
				   (unsigned long long)rec_seq(r));
		else if (memcmp(d->requests[n].input, p, 32))
			ret = fail(c, "requests[%zu].input %s != log record %llu input %s", n,
				   hx(d->requests[n].input, 32), (unsigned long long)rec_seq(r),
				   hx(p, 32));
		else if (memcmp(d->requests[n].output, p + 32, 32))
			ret = fail(c, "requests[%zu].output %s != log record %llu output %s", n,
				   hx(d->requests[n].output, 32), (unsigned long long)rec_seq(r),
				   hx(p + 32, 32));
		merkle_leaf(p, 64, leaves[n]);
		n++;
	}
	if (ret)
		goto out;
	if (n != d->n_requests) {
		ret = fail(c, "requests lists %zu, the log has %zu", d->n_requests, n);
		goto out;
	}
	if (d->claims.request_count != n) {
		ret = fail(c, "requestCount %llu != %zu requests in the log",
			   (unsigned long long)d->claims.request_count, n);
		goto out;
	}
	if (merkle_root((const uint8_t (*)[32])leaves, n, root)) {
		ret = fail(c, "cannot build the request tree of %zu leaves", n);
		goto out;
	}
	if (memcmp(root, d->claims.request_root, 32))
		ret = fail(c, "requestRoot %s != root of the requests %s",
			   hx(d->claims.request_root, 32), hx(root, 32));
out:
	free(leaves);
	return ret;
}

static int check_claims_violations(struct ctx *c)
{
	uint32_t flags = c->d->claims.flags, viol = 0, unknown = 0;
	uint64_t w = c->d->claims.workload;
	bool lost = false, reload = false, load = false;
	size_t i;

	for (i = 0; i < c->log.n; i++) {
		const struct vlog_rec *r = &c->log.recs[i];
		const struct vinfer_rec_violation *v = (const void *)r->payload;
		const struct vlog_rec *m;

		if (!in_range(c, rec_seq(r)))
			continue;
		switch (r->type) {
		case VINFER_REC_VIOLATION:
			/*
			 * The workload's own, or anyone's change to a file the
			 * workload measured (the writer may be outside it).  A
			 * file measured before the slice cannot be attributed
			 * here: such a violation may or may not be counted.
			 */
			m = rec_at(c, le64toh(v->measured_seq));
			if (rec_cgroup(r) == w || (m && rec_cgroup(m) == w))
				viol++;
			else if (!m)
				unknown++;
			break;
		case VINFER_REC_LOG_FULL:
		case VINFER_REC_TPM_ERROR:
			lost = true;
			break;
		case VINFER_REC_LOAD:
			load = true;
			reload |= rec_seq(r) > 0;
			break;
		}
	}
	if (c->d->claims.violations < viol || c->d->claims.violations - viol > unknown) {
		if (unknown)
			return fail(c, "violations %u, the range holds %u to %u violation records of workload %llu",
				    c->d->claims.violations, viol, viol + unknown,
				    (unsigned long long)w);
		return fail(c, "violations %u != %u violation records of workload %llu",
			    c->d->claims.violations, viol, (unsigned long long)w);
	}
	if (!!(flags & CLAIM_F_VIOLATION) != (c->d->claims.violations > 0))
		return fail(c, "flag VIOLATION is %s with violations %u",
			    flags & CLAIM_F_VIOLATION ? "set" : "clear", c->d->claims.violations);
	/* LOST may also come from the probes; only its absence can be wrong. */
	if (lost && !(flags & CLAIM_F_LOST))
		return fail(c, "flag LOST is clear but the range holds a log-full or tpm-error record");
	if (reload && !(flags & CLAIM_F_RELOAD))
		return fail(c, "flag RELOAD is clear but the range holds a load record after seq 0");
	if ((flags & CLAIM_F_RELOAD) && !load)
		return fail(c, "flag RELOAD is set but the range holds no load record");
	return 0;
}

static int check_claims_counters(struct ctx *c)
{
	uint8_t dg[32];

	attest_counters_digest(c->d, dg);
	if (memcmp(dg, c->d->claims.counters_digest, 32))
		return fail(c, "countersDigest %s != digest of the counters %s",
			    hx(c->d->claims.counters_digest, 32), hx(dg, 32));
	return 0;
}

static int check_activation(struct ctx *c)
{
	const struct attest_doc *d = c->d;
	const struct verify_opts *o = c->o;
	uint8_t msg[128];

	if (!d->has_activation) {
		if (o->require_activation)
			return fail(c, "the document has no registrar endorsement and one is required");
		if (o->registrar)
			return fail(c, "the document has no registrar endorsement, a registrar key was given");
		c->note = "no registrar endorsement";
		c->skip = true;
		return 0;
	}
	if (!d->has_quote)
		return fail(c, "an endorsement in a document without an AK");
	if (o->registrar && (memcmp(o->reg_x, d->reg_x, 32) || memcmp(o->reg_y, d->reg_y, 32)))
		return fail(c, "registrar x %s y %s != trusted registrar x %s y %s",
			    hx(d->reg_x, 32), hx(d->reg_y, 32), hx(o->reg_x, 32), hx(o->reg_y, 32));
	attest_activation_message(d->ak_x, d->ak_y, d->claims.host_id, msg);
	if (!tpms_p256_verify(msg, sizeof(msg), d->reg_r, d->reg_s, d->reg_x, d->reg_y))
		return fail(c, "registrar signature r %s over (AK %s, host %s) does not verify with registrar x %s",
			    hx(d->reg_r, 32), hx(d->ak_x, 32), hx(d->claims.host_id, 32),
			    hx(d->reg_x, 32));
	if (!o->registrar)
		c->note = "signature valid; registrar key not pinned (--registrar)";
	return 0;
}

static int check_host(struct ctx *c)
{
	uint8_t h[32];

	if (!c->d->ek_public_len) {
		if (!c->d->has_quote) {
			c->note = "no EK";
			c->skip = true;
			return 0;
		}
		return fail(c, "ek.public is missing");
	}
	SHA256(c->d->ek_public, c->d->ek_public_len, h);
	if (memcmp(h, c->d->claims.host_id, 32))
		return fail(c, "hostId %s != SHA-256(ek.public) %s", hx(c->d->claims.host_id, 32),
			    hx(h, 32));
	return 0;
}

/* ---- the table --------------------------------------------------------- */

enum { NEED_NONE, NEED_QUOTE };

static const struct {
	const char *name;
	int (*fn)(struct ctx *c);
	int need;
} checks[] = {
	{ "document", check_document, NEED_NONE },
	{ "claims-encoding", check_claims_encoding, NEED_NONE },
	{ "no-tpm", check_no_tpm, NEED_NONE },
	{ "ak", check_ak, NEED_QUOTE },
	{ "ak-policy", check_ak_policy, NEED_QUOTE },
	{ "quote-signature", check_quote_signature, NEED_QUOTE },
	{ "quote-magic", check_quote_magic, NEED_QUOTE },
	{ "quote-type", check_quote_type, NEED_QUOTE },
	{ "quote-signer", check_quote_signer, NEED_QUOTE },
	{ "quote-nonce", check_quote_nonce, NEED_QUOTE },
	{ "pcr-selection", check_pcr_selection, NEED_QUOTE },
	{ "pcr-digest", check_pcr_digest, NEED_QUOTE },
	{ "clock", check_clock, NEED_QUOTE },
	{ "log-parse", check_log_parse, NEED_NONE },
	{ "log-range", check_log_range, NEED_NONE },
	{ "log-witness", check_log_witness, NEED_NONE },
	{ "log-pcr", check_log_pcr, NEED_QUOTE },
	{ "claims-model", check_claims_model, NEED_NONE },
	{ "claims-data", check_claims_data, NEED_NONE },
	{ "claims-requests", check_claims_requests, NEED_NONE },
	{ "claims-violations", check_claims_violations, NEED_NONE },
	{ "claims-counters", check_claims_counters, NEED_NONE },
	{ "activation", check_activation, NEED_NONE },
	{ "host", check_host, NEED_NONE },
};

#define N_CHECKS (sizeof(checks) / sizeof(checks[0]))
_Static_assert(N_CHECKS <= VERIFY_CHECKS_MAX, "too many checks");

const char *const verify_check_names[] = {
	"document", "claims-encoding", "no-tpm", "ak", "ak-policy", "quote-signature",
	"quote-magic", "quote-type", "quote-signer", "quote-nonce", "pcr-selection",
	"pcr-digest", "clock", "log-parse", "log-range", "log-witness", "log-pcr",
	"claims-model", "claims-data", "claims-requests", "claims-violations",
	"claims-counters", "activation", "host", NULL,
};
_Static_assert(sizeof(verify_check_names) / sizeof(verify_check_names[0]) == N_CHECKS + 1,
	       "verify_check_names and checks[] disagree");

int verify_doc(const struct attest_doc *d, const struct verify_opts *o,
	       struct verify_result *r)
{
	static const struct verify_opts none;
	struct ctx c = { .d = d, .o = o ? o : &none, .r = r };
	size_t i;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < N_CHECKS; i++) {
		struct verify_step *st = &r->steps[r->n_steps];

		c.check = checks[i].name;
		c.note = NULL;
		c.skip = false;
		if (checks[i].need == NEED_QUOTE && !d->has_quote) {
			st->name = checks[i].name;
			st->status = VERIFY_SKIP;
			st->note = "no TPM quote";
			r->n_steps++;
			continue;
		}
		if (checks[i].fn(&c)) {
			r->failed = checks[i].name;
			ret = 1;
			break;
		}
		st->name = checks[i].name;
		st->status = c.skip ? VERIFY_SKIP : VERIFY_OK;
		st->note = c.note;
		r->n_steps++;
	}
	if (c.log_parsed)
		vlog_free(&c.log);
	return ret;
}

/* ---- keys and options ------------------------------------------------- */

int verify_unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	if (strlen(s) != 2 * n)
		return -EINVAL;
	for (i = 0; i < 2 * n; i++) {
		char ch = s[i];
		int v = ch >= '0' && ch <= '9' ? ch - '0' :
			ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
			ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;

		if (v < 0)
			return -EINVAL;
		if (i % 2)
			out[i / 2] |= v;
		else
			out[i / 2] = v << 4;
	}
	return 0;
}

static int pkey_p256_xy(EVP_PKEY *pk, uint8_t x[32], uint8_t y[32])
{
	BIGNUM *bx = NULL, *by = NULL;
	char curve[64] = "";
	int ret = -EINVAL;

	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, curve,
					    sizeof(curve), NULL) ||
	    strcmp(curve, "prime256v1"))
		return -EINVAL;
	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &bx) &&
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &by) &&
	    BN_bn2binpad(bx, x, 32) == 32 && BN_bn2binpad(by, y, 32) == 32)
		ret = 0;
	BN_free(bx);
	BN_free(by);
	return ret;
}

int verify_read_p256_pem(const char *path, uint8_t x[32], uint8_t y[32],
			 char err[VERIFY_ERR_MAX])
{
	EVP_PKEY *pk;
	FILE *f;
	int ret;

	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		snprintf(err, VERIFY_ERR_MAX, "%s: %s", path, strerror(errno));
		return ret;
	}
	pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	if (!pk) {
		rewind(f);
		pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	}
	fclose(f);
	if (!pk) {
		snprintf(err, VERIFY_ERR_MAX, "%s: not a PEM public or private key", path);
		return -EINVAL;
	}
	ret = pkey_p256_xy(pk, x, y);
	EVP_PKEY_free(pk);
	if (ret)
		snprintf(err, VERIFY_ERR_MAX, "%s: not an ECC NIST P-256 key", path);
	return ret;
}

int verify_opts_set_ak(struct verify_opts *o, const char *arg, char err[VERIFY_ERR_MAX])
{
	if (strlen(arg) == 68 && !verify_unhex(arg, o->ak_name_v, 34)) {
		if (o->ak_name_v[0] != 0x00 || o->ak_name_v[1] != 0x0b) {
			snprintf(err, VERIFY_ERR_MAX, "--ak-policy %s: a name must start with 000b (SHA-256)",
				 arg);
			return -EINVAL;
		}
		o->ak_name = true;
		return 0;
	}
	if (verify_read_p256_pem(arg, o->ak_x, o->ak_y, err))
		return -EINVAL;
	o->ak_key = true;
	return 0;
}

int verify_opts_set_registrar(struct verify_opts *o, const char *path,
			      char err[VERIFY_ERR_MAX])
{
	if (verify_read_p256_pem(path, o->reg_x, o->reg_y, err))
		return -EINVAL;
	o->registrar = true;
	return 0;
}
