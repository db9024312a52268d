// SPDX-License-Identifier: GPL-2.0
/*
 * The attestation document (Documentation/userspace-api/attestation.rst,
 * "Document"): written and read with json-c.
 *
 * Reading is strict, in two passes.  json-c builds the tree but silently
 * keeps the last of duplicate keys and clamps integers beyond 64 bits, so a
 * first pass over the raw text (scan_*) refuses both, and any number that is
 * not a plain unsigned integer, naming the JSON path.  The second pass walks
 * the tree against the schema: every key known and present, every value of
 * its type, length and range.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "attest.h"
#include "vlog.h"

#define JSON_DEPTH	16
#define OBJ_KEYS_MAX	64		/* the largest object (claims) has 20 */
#define BLOB_MAX	4096		/* attest, signature, public keys */
#define CERT_MAX	16384
#define FILE_MAX	(256UL << 20)

static const char activation_tag[] = "vinfer.activation.v1";

static int fail(char err[ATTEST_ERR_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, ATTEST_ERR_MAX, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- digests of the spec ---- */

static void put_word(uint8_t w[32], uint64_t v)
{
	int i;

	memset(w, 0, 24);
	for (i = 0; i < 8; i++)
		w[31 - i] = v >> (8 * i);
}

static char *counter_key(const struct attest_counter *c)
{
	char *s;

	return asprintf(&s, "%s.%s", c->api, c->name) < 0 ? NULL : s;
}

struct counter_ref {
	char *key;
	const struct attest_counter *c;
};

static int counter_ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct counter_ref *)a)->key, ((const struct counter_ref *)b)->key);
}

void attest_counters_digest(const struct attest_doc *doc, uint8_t out[32])
{
	struct counter_ref *refs;
	uint8_t w[32];
	EVP_MD_CTX *ctx;
	size_t i;

	memset(out, 0, 32);
	if (!strcmp(doc->counters_mode, "none"))
		return;
	refs = calloc(doc->n_counters ? doc->n_counters : 1, sizeof(*refs));
	ctx = EVP_MD_CTX_new();
	if (!refs || !ctx)
		abort();
	for (i = 0; i < doc->n_counters; i++) {
		refs[i].c = &doc->counters[i];
		refs[i].key = counter_key(&doc->counters[i]);
		if (!refs[i].key)
			abort();
	}
	qsort(refs, doc->n_counters, sizeof(*refs), counter_ref_cmp);
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (i = 0; i < doc->n_counters; i++) {
		const struct attest_counter *c = refs[i].c;

		EVP_Digest(refs[i].key, strlen(refs[i].key), w, NULL, EVP_sha256(), NULL);
		EVP_DigestUpdate(ctx, w, 32);
		put_word(w, c->calls);
		EVP_DigestUpdate(ctx, w, 32);
		put_word(w, c->bytes);
		EVP_DigestUpdate(ctx, w, 32);
		put_word(w, c->error);
		EVP_DigestUpdate(ctx, w, 32);
		put_word(w, c->exact);
		EVP_DigestUpdate(ctx, w, 32);
		free(refs[i].key);
	}
	put_word(w, doc->ioctls);
	EVP_DigestUpdate(ctx, w, 32);
	put_word(w, doc->drm_jobs);
	EVP_DigestUpdate(ctx, w, 32);
	put_word(w, doc->gpu_ns);
	EVP_DigestUpdate(ctx, w, 32);
	EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	free(refs);
}

void attest_activation_message(const uint8_t ak_x[32], const uint8_t ak_y[32],
			       const uint8_t host_id[32], uint8_t out[128])
{
	_Static_assert(sizeof(activation_tag) <= 32, "activation tag fits a word");
	memset(out, 0, 32);
	memcpy(out, activation_tag, sizeof(activation_tag) - 1);
	memcpy(out + 32, ak_x, 32);
	memcpy(out + 64, ak_y, 32);
	memcpy(out + 96, host_id, 32);
}

/* ---- writing ---- */

struct writer {
	bool failed;	/* an allocation failed somewhere: the result is dropped */
	bool bad;	/* a string field was NULL */
};

static json_object *chk(struct writer *w, json_object *o)
{
	if (!o)
		w->failed = true;
	return o;
}

/* Adds val (NULL only after a failure, which chk() recorded). */
static void put(struct writer *w, json_object *obj, const char *key, json_object *val)
{
	if (!val || json_object_object_add(obj, key, val)) {
		json_object_put(val);
		w->failed = true;
	}
}

static void put_null(struct writer *w, json_object *obj, const char *key)
{
	if (json_object_object_add(obj, key, NULL))
		w->failed = true;
}

static void push(struct writer *w, json_object *arr, json_object *val)
{
	if (!val || json_object_array_add(arr, val)) {
		json_object_put(val);
		w->failed = true;
	}
}

static json_object *j_str(struct writer *w, const char *s)
{
	if (!s) {
		w->failed = w->bad = true;
		return NULL;
	}
	return chk(w, json_object_new_string(s));
}

static json_object *j_u64(struct writer *w, uint64_t v)
{
	return chk(w, json_object_new_uint64(v));
}

static json_object *j_hex(struct writer *w, const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	json_object *o;

	if (!s) {
		w->failed = true;
		return NULL;
	}
	vlog_hex(p, n, s);
	o = chk(w, json_object_new_string_len(s, 2 * n));
	free(s);
	return o;
}

static json_object *j_base64(struct writer *w, const uint8_t *p, size_t n)
{
	char *s = malloc(4 * ((n + 2) / 3) + 1);
	json_object *o;
	int len;

	if (!s || n > INT32_MAX / 2) {
		free(s);
		w->failed = true;
		return NULL;
	}
	len = EVP_EncodeBlock((unsigned char *)s, p, n);
	o = chk(w, json_object_new_string_len(s, len));
	free(s);
	return o;
}

static json_object *write_files(struct writer *w, const struct attest_file *f, size_t n)
{
	json_object *arr = chk(w, json_object_new_array());
	size_t i;

	for (i = 0; arr && i < n; i++) {
		json_object *o = chk(w, json_object_new_object());

		if (o) {
			put(w, o, "path", j_str(w, f[i].path));
			put(w, o, "sha256", j_hex(w, f[i].sha256, 32));
			put(w, o, "seq", j_u64(w, f[i].seq));
			put(w, o, "size", j_u64(w, f[i].size));
		}
		push(w, arr, o);
	}
	return arr;
}

static json_object *write_claims(struct writer *w, const struct claims *c)
{
	json_object *o = chk(w, json_object_new_object());
	char dec[80];

	if (!o)
		return NULL;
	claims_agent_to_dec(c->agent_id, dec);
	put(w, o, "version", j_u64(w, c->version));
	put(w, o, "agentId", j_str(w, dec));
	put(w, o, "epoch", j_u64(w, c->epoch));
	put(w, o, "workload", j_u64(w, c->workload));
	put(w, o, "hostId", j_hex(w, c->host_id, 32));
	put(w, o, "logFirst", j_u64(w, c->log_first));
	put(w, o, "logLast", j_u64(w, c->log_last));
	put(w, o, "logHead", j_hex(w, c->log_head, 32));
	put(w, o, "modelDigest", j_hex(w, c->model_digest, 32));
	put(w, o, "dataRoot", j_hex(w, c->data_root, 32));
	put(w, o, "requestRoot", j_hex(w, c->request_root, 32));
	put(w, o, "requestCount", j_u64(w, c->request_count));
	put(w, o, "countersDigest", j_hex(w, c->counters_digest, 32));
	put(w, o, "blockNumber", j_u64(w, c->block_number));
	put(w, o, "blockHash", j_hex(w, c->block_hash, 32));
	put(w, o, "tpmClock", j_u64(w, c->tpm_clock));
	put(w, o, "tpmResetCount", j_u64(w, c->tpm_reset_count));
	put(w, o, "tpmRestartCount", j_u64(w, c->tpm_restart_count));
	put(w, o, "flags", j_u64(w, c->flags));
	put(w, o, "violations", j_u64(w, c->violations));
	return o;
}

static json_object *write_counters(struct writer *w, const struct attest_doc *d)
{
	json_object *o = chk(w, json_object_new_object());
	json_object *arr = chk(w, json_object_new_array());
	size_t i;

	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		return NULL;
	}
	put(w, o, "mode", j_str(w, d->counters_mode));
	for (i = 0; i < d->n_counters; i++) {
		const struct attest_counter *c = &d->counters[i];
		json_object *f = chk(w, json_object_new_object());

		if (f) {
			put(w, f, "api", j_str(w, c->api));
			put(w, f, "name", j_str(w, c->name));
			put(w, f, "calls", j_u64(w, c->calls));
			put(w, f, "bytes", j_u64(w, c->bytes));
			put(w, f, "error", j_u64(w, c->error));
			put(w, f, "exact", chk(w, json_object_new_boolean(c->exact)));
		}
		push(w, arr, f);
	}
	put(w, o, "functions", arr);
	put(w, o, "ioctls", j_u64(w, d->ioctls));
	put(w, o, "drmJobs", j_u64(w, d->drm_jobs));
	put(w, o, "gpuNs", j_u64(w, d->gpu_ns));
	return o;
}

static void write_tpm(struct writer *w, json_object *p, const struct attest_doc *d)
{
	json_object *q, *pcrs, *ak, *ek, *act;
	unsigned int i;

	if (!d->has_quote) {
		put_null(w, p, "quote");
		put_null(w, p, "ak");
		put_null(w, p, "ek");
		put_null(w, p, "activation");
		return;
	}
	q = chk(w, json_object_new_object());
	if (q) {
		put(w, q, "attest", j_hex(w, d->attest, d->attest_len));
		put(w, q, "signature", j_hex(w, d->signature, d->signature_len));
		put(w, q, "r", j_hex(w, d->r, 32));
		put(w, q, "s", j_hex(w, d->s, 32));
		put(w, q, "pcrBank", j_str(w, "sha256"));
		pcrs = chk(w, json_object_new_object());
		for (i = 0; pcrs && i < ATTEST_PCR_MAX; i++) {
			char key[4];

			if (!(d->pcr_mask & (1U << i)))
				continue;
			snprintf(key, sizeof(key), "%u", i);
			put(w, pcrs, key, j_hex(w, d->pcrs[i], 32));
		}
		put(w, q, "pcrs", pcrs);
	}
	put(w, p, "quote", q);

	ak = chk(w, json_object_new_object());
	if (ak) {
		put(w, ak, "public", j_hex(w, d->ak_public, d->ak_public_len));
		put(w, ak, "name", j_hex(w, d->ak_name, sizeof(d->ak_name)));
		put(w, ak, "x", j_hex(w, d->ak_x, 32));
		put(w, ak, "y", j_hex(w, d->ak_y, 32));
	}
	put(w, p, "ak", ak);

	ek = chk(w, json_object_new_object());
	if (ek) {
		put(w, ek, "public", j_hex(w, d->ek_public, d->ek_public_len));
		if (d->ek_cert)
			put(w, ek, "certificate", j_base64(w, d->ek_cert, d->ek_cert_len));
		else
			put_null(w, ek, "certificate");
	}
	put(w, p, "ek", ek);

	if (!d->has_activation) {
		put_null(w, p, "activation");
		return;
	}
	act = chk(w, json_object_new_object());
	if (act) {
		put(w, act, "registrarX", j_hex(w, d->reg_x, 32));
		put(w, act, "registrarY", j_hex(w, d->reg_y, 32));
		put(w, act, "r", j_hex(w, d->reg_r, 32));
		put(w, act, "s", j_hex(w, d->reg_s, 32));
	}
	put(w, p, "activation", act);
}

static json_object *write_log(struct writer *w, const struct attest_doc *d)
{
	json_object *o = chk(w, json_object_new_object());
	json_object *wit;
	size_t i;

	if (!o)
		return NULL;
	put(w, o, "pcr", j_u64(w, d->log_pcr));
	put(w, o, "pcrBase", j_hex(w, d->pcr_base, 32));
	wit = chk(w, json_object_new_array());
	for (i = 0; wit && i < d->n_witness; i++)
		push(w, wit, j_hex(w, d->witness[i], 32));
	put(w, o, "witness", wit);
	put(w, o, "headBefore", j_hex(w, d->head_before, 32));
	put(w, o, "records", j_base64(w, d->records, d->records_len));
	return o;
}

static json_object *write_predicate(struct writer *w, const struct attest_doc *d)
{
	uint8_t abi[CLAIMS_ABI_SIZE];
	json_object *p = chk(w, json_object_new_object());
	json_object *reqs;
	size_t i;

	if (!p)
		return NULL;
	claims_encode(&d->claims, abi);
	put(w, p, "claims", write_claims(w, &d->claims));
	put(w, p, "claimsAbi", j_hex(w, abi, sizeof(abi)));
	put(w, p, "model", write_files(w, d->model, d->n_model));
	put(w, p, "data", write_files(w, d->data, d->n_data));
	reqs = chk(w, json_object_new_array());
	for (i = 0; reqs && i < d->n_requests; i++) {
		json_object *r = chk(w, json_object_new_object());

		if (r) {
			put(w, r, "seq", j_u64(w, d->requests[i].seq));
			put(w, r, "input", j_hex(w, d->requests[i].input, 32));
			put(w, r, "output", j_hex(w, d->requests[i].output, 32));
		}
		push(w, reqs, r);
	}
	put(w, p, "requests", reqs);
	put(w, p, "counters", write_counters(w, d));
	write_tpm(w, p, d);
	put(w, p, "log", write_log(w, d));
	return p;
}

int attest_write_json(const struct attest_doc *doc, char **out, size_t *len)
{
	struct writer w = { 0 };
	json_object *root, *subj;
	const char *s;
	size_t i, n;

	*out = NULL;
	*len = 0;
	root = chk(&w, json_object_new_object());
	if (!root)
		return -ENOMEM;
	put(&w, root, "_type", j_str(&w, ATTEST_STATEMENT_TYPE));
	subj = chk(&w, json_object_new_array());
	for (i = 0; subj && i < doc->n_model; i++) {
		json_object *o = chk(&w, json_object_new_object());
		json_object *dg = chk(&w, json_object_new_object());

		if (dg)
			put(&w, dg, "sha256", j_hex(&w, doc->model[i].sha256, 32));
		if (o) {
			put(&w, o, "name", j_str(&w, doc->model[i].path));
			put(&w, o, "digest", dg);
		} else {
			json_object_put(dg);
		}
		push(&w, subj, o);
	}
	put(&w, root, "subject", subj);
	put(&w, root, "predicateType", j_str(&w, ATTEST_PREDICATE_TYPE));
	put(&w, root, "predicate", write_predicate(&w, doc));
	if (w.failed) {
		json_object_put(root);
		return w.bad ? -EINVAL : -ENOMEM;
	}
	s = json_object_to_json_string_length(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	*out = s ? malloc(n + 2) : NULL;
	if (*out) {
		memcpy(*out, s, n);
		(*out)[n] = '\n';
		(*out)[n + 1] = '\0';
		*len = n + 1;
	}
	json_object_put(root);
	return *out ? 0 : -ENOMEM;
}

/* ---- reading, pass 1: the raw text ---- */

struct scan_frame {
	bool object;
	size_t index;			/* array: current element */
	const char *key;		/* object: current key (raw, unescaped) */
	size_t key_len;
	size_t n_keys;
	const char *keys[OBJ_KEYS_MAX];
	size_t key_lens[OBJ_KEYS_MAX];
};

struct scan {
	struct scan_frame st[JSON_DEPTH + 1];
	int depth;			/* frames in use */
	bool want_key;
	char path[ATTEST_ERR_MAX];
};

static const char *scan_path(struct scan *s)
{
	size_t n = 0;
	int i;

	s->path[0] = '\0';
	for (i = 0; i < s->depth && n < sizeof(s->path); i++) {
		const struct scan_frame *f = &s->st[i];

		if (f->object && f->key)
			n += snprintf(s->path + n, sizeof(s->path) - n, "%s%.*s", n ? "." : "",
				      (int)f->key_len, f->key);
		else if (!f->object)
			n += snprintf(s->path + n, sizeof(s->path) - n, "[%zu]", f->index);
	}
	return n ? s->path : "(document)";
}

/* Whether a digit string is at most UINT64_MAX. */
static bool fits_u64(const char *p, size_t n)
{
	static const char max[] = "18446744073709551615";

	while (n > 1 && *p == '0') {
		p++;
		n--;
	}
	return n < sizeof(max) - 1 || (n == sizeof(max) - 1 && memcmp(p, max, n) <= 0);
}

/*
 * Pass 1 over text json-c has already accepted, so the syntax is known to be
 * valid and only tokens matter.
 */
static int scan_text(const char *buf, size_t len, char err[ATTEST_ERR_MAX])
{
	struct scan *s = calloc(1, sizeof(*s));
	size_t i = 0;
	int r = 0;

	if (!s)
		return fail(err, "JSON: out of memory");
	while (i < len && !r) {
		char c = buf[i];
		struct scan_frame *f = s->depth ? &s->st[s->depth - 1] : NULL;

		if (c == '"') {
			size_t start = ++i;
			bool escaped = false;

			while (i < len && buf[i] != '"') {
				if (buf[i] == '\\') {
					escaped = true;
					i++;
				}
				i++;
			}
			if (f && f->object && s->want_key) {
				size_t k, n = i - start;

				s->want_key = false;
				f->key = buf + start;
				f->key_len = n;
				if (escaped) {
					r = fail(err, "%s: key with an escape sequence",
						 scan_path(s));
					break;
				}
				for (k = 0; k < f->n_keys; k++)
					if (f->key_lens[k] == n &&
					    !memcmp(f->keys[k], buf + start, n))
						break;
				if (k < f->n_keys) {
					r = fail(err, "%s: duplicate key", scan_path(s));
					break;
				}
				if (f->n_keys == OBJ_KEYS_MAX) {
					r = fail(err, "%s: more than %d keys in one object",
						 scan_path(s), OBJ_KEYS_MAX);
					break;
				}
				f->keys[f->n_keys] = buf + start;
				f->key_lens[f->n_keys++] = n;
			}
			i++;
			continue;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			size_t start = i;

			while (i < len && strchr("0123456789+-.eE", buf[i]))
				i++;
			if (strspn(buf + start, "0123456789") < i - start)
				r = fail(err, "%s: %.*s is not an unsigned integer", scan_path(s),
					 (int)(i - start > 24 ? 24 : i - start), buf + start);
			else if (!fits_u64(buf + start, i - start))
				r = fail(err, "%s: %.*s exceeds uint64", scan_path(s),
					 (int)(i - start > 24 ? 24 : i - start), buf + start);
			continue;
		}
		switch (c) {
		case '{':
		case '[':
			if (s->depth == JSON_DEPTH) {
				r = fail(err, "%s: nested deeper than %d", scan_path(s),
					 JSON_DEPTH);
				break;
			}
			f = &s->st[s->depth++];
			memset(f, 0, offsetof(struct scan_frame, keys));
			f->object = c == '{';
			s->want_key = f->object;
			break;
		case '}':
		case ']':
			if (s->depth)
				s->depth--;
			break;
		case ',':
			if (f && f->object)
				s->want_key = true;
			else if (f)
				f->index++;
			break;
		}
		i++;
	}
	free(s);
	return r;
}

/* ---- reading, pass 2: the schema ---- */

/* A path for messages: parent + "." + key, or parent + "[i]". */
struct jpath {
	char s[160];
};

static void path_key(struct jpath *out, const struct jpath *parent, const char *key)
{
	/* A long path is cut; a message naming its start is still useful. */
	if (snprintf(out->s, sizeof(out->s), "%s%s%s", parent ? parent->s : "",
		     parent && parent->s[0] ? "." : "", key) >= (int)sizeof(out->s))
		out->s[sizeof(out->s) - 1] = '\0';
}

static void path_index(struct jpath *out, const struct jpath *parent, size_t i)
{
	if (snprintf(out->s, sizeof(out->s), "%s[%zu]", parent->s, i) >= (int)sizeof(out->s))
		out->s[sizeof(out->s) - 1] = '\0';
}

static const char *type_name(json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a fraction";
	case json_type_int: return "a number";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "unknown";
}

static int want_type(json_object *o, json_type t, const char *what, const struct jpath *p,
		     char err[ATTEST_ERR_MAX])
{
	if (json_object_get_type(o) != t)
		return fail(err, "%s: %s, want %s", p->s, type_name(o), what);
	return 0;
}

/* Every key of o is one of keys[] (NULL-terminated). */
static int only_keys(json_object *o, const char *const *keys, const struct jpath *p,
		     char err[ATTEST_ERR_MAX])
{
	json_object_object_foreach(o, k, v) {
		const char *const *q;

		(void)v;
		for (q = keys; *q && strcmp(*q, k); q++)
			;
		if (!*q)
			return fail(err, "%s: unknown key \"%.40s\"",
				    p->s[0] ? p->s : "(document)", k);
	}
	return 0;
}

/* The member key of o: present (null allowed when nullable). */
static int member(json_object *o, const char *key, const struct jpath *parent,
		  struct jpath *p, json_object **v, char err[ATTEST_ERR_MAX])
{
	path_key(p, parent, key);
	if (!json_object_object_get_ex(o, key, v))
		return fail(err, "%s: missing", p->s);
	return 0;
}

static int get_object(json_object *o, const char *key, const struct jpath *parent,
		      struct jpath *p, json_object **v, bool nullable, char err[ATTEST_ERR_MAX])
{
	int r = member(o, key, parent, p, v, err);

	if (r || (nullable && json_object_is_type(*v, json_type_null)))
		return r;
	return want_type(*v, json_type_object, nullable ? "an object or null" : "an object",
			 p, err);
}

static int get_array(json_object *o, const char *key, const struct jpath *parent,
		     struct jpath *p, json_object **v, char err[ATTEST_ERR_MAX])
{
	int r = member(o, key, parent, p, v, err);

	return r ? r : want_type(*v, json_type_array, "an array", p, err);
}

/* A string without NUL bytes. */
static int as_string(json_object *v, const struct jpath *p, const char **s, size_t *n,
		     char err[ATTEST_ERR_MAX])
{
	int r = want_type(v, json_type_string, "a string", p, err);

	if (r)
		return r;
	*s = json_object_get_string(v);
	*n = json_object_get_string_len(v);
	if (strlen(*s) != *n)
		return fail(err, "%s: string with a NUL character", p->s);
	return 0;
}

static int get_string(json_object *o, const char *key, const struct jpath *parent,
		      const char **s, size_t *n, char err[ATTEST_ERR_MAX])
{
	struct jpath p;
	json_object *v;
	int r = member(o, key, parent, &p, &v, err);

	return r ? r : as_string(v, &p, s, n, err);
}

static int get_const(json_object *o, const char *key, const struct jpath *parent,
		     const char *want, char err[ATTEST_ERR_MAX])
{
	const char *s;
	size_t n;
	int r = get_string(o, key, parent, &s, &n, err);
	struct jpath p;

	if (r)
		return r;
	path_key(&p, parent, key);
	if (strcmp(s, want))
		return fail(err, "%s: \"%.80s\", want \"%s\"", p.s, s, want);
	return 0;
}

static int as_uint(json_object *v, const struct jpath *p, uint64_t max, uint64_t *out,
		   char err[ATTEST_ERR_MAX])
{
	int r = want_type(v, json_type_int, "a number", p, err);

	if (r)
		return r;
	/* Pass 1 refused signs, fractions and values beyond 64 bits. */
	*out = json_object_get_uint64(v);
	if (*out > max)
		return fail(err, "%s: %llu exceeds %llu", p->s, (unsigned long long)*out,
			    (unsigned long long)max);
	return 0;
}

static int get_uint(json_object *o, const char *key, const struct jpath *parent,
		    uint64_t max, uint64_t *out, char err[ATTEST_ERR_MAX])
{
	struct jpath p;
	json_object *v;
	int r = member(o, key, parent, &p, &v, err);

	return r ? r : as_uint(v, &p, max, out, err);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Lowercase hex of exactly want bytes (want 0: 1 to max bytes, allocated). */
static int as_hex(json_object *v, const struct jpath *p, uint8_t *fixed, size_t want,
		  size_t max, uint8_t **alloc, size_t *alloc_len, char err[ATTEST_ERR_MAX])
{
	const char *s;
	uint8_t *out;
	size_t n, i;
	int r = as_string(v, p, &s, &n, err);

	if (r)
		return r;
	if (n % 2)
		return fail(err, "%s: odd number of hex digits (%zu)", p->s, n);
	if (want && n / 2 != want)
		return fail(err, "%s: %zu bytes, want %zu", p->s, n / 2, want);
	if (!want && (n == 0 || n / 2 > max))
		return fail(err, "%s: %zu bytes, want 1 to %zu", p->s, n / 2, max);
	for (i = 0; i < n; i++)
		if (hexval(s[i]) < 0)
			return fail(err, "%s: '%c' at %zu is not a lowercase hex digit", p->s,
				    s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?', i);
	out = fixed;
	if (!want) {
		out = malloc(n / 2);
		if (!out)
			return fail(err, "%s: out of memory", p->s);
		*alloc = out;
		*alloc_len = n / 2;
	}
	for (i = 0; i < n / 2; i++)
		out[i] = hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]);
	return 0;
}

static int get_hex(json_object *o, const char *key, const struct jpath *parent,
		   uint8_t *out, size_t want, char err[ATTEST_ERR_MAX])
{
	struct jpath p;
	json_object *v;
	int r = member(o, key, parent, &p, &v, err);

	return r ? r : as_hex(v, &p, out, want, 0, NULL, NULL, err);
}

static int get_blob(json_object *o, const char *key, const struct jpath *parent,
		    size_t max, uint8_t **out, size_t *len, char err[ATTEST_ERR_MAX])
{
	struct jpath p;
	json_object *v;
	int r = member(o, key, parent, &p, &v, err);

	return r ? r : as_hex(v, &p, NULL, 0, max, out, len, err);
}

/*
 * Canonical base64 (RFC 4648, padded): the decoded bytes must encode back
 * to the very same text, which rules out whitespace, stray padding and
 * non-zero unused bits.
 */
static int as_base64(json_object *v, const struct jpath *p, size_t max, uint8_t **out,
		     size_t *len, char err[ATTEST_ERR_MAX])
{
	unsigned char *bin = NULL, *back = NULL;
	const char *s;
	size_t n, pad = 0;
	int r = as_string(v, p, &s, &n, err), dn;

	if (r)
		return r;
	if (n == 0 || n % 4)
		return fail(err, "%s: base64 of %zu characters, want a non-zero multiple of 4",
			    p->s, n);
	if (n / 4 * 3 > max)
		return fail(err, "%s: more than %zu bytes", p->s, max);
	while (pad < 2 && s[n - 1 - pad] == '=')
		pad++;
	bin = malloc(n / 4 * 3 + 1);
	back = malloc(n + 1);
	if (!bin || !back) {
		r = fail(err, "%s: out of memory", p->s);
		goto out;
	}
	dn = EVP_DecodeBlock(bin, (const unsigned char *)s, n);
	if (dn < 0 || (size_t)dn != n / 4 * 3 ||
	    (size_t)EVP_EncodeBlock(back, bin, dn - pad) != n || memcmp(back, s, n)) {
		r = fail(err, "%s: not canonical base64", p->s);
		goto out;
	}
	*out = bin;
	*len = dn - pad;
	bin = NULL;
out:
	free(bin);
	free(back);
	return r;
}

/*
 * predicate.claims and predicate.claimsAbi.  The JSON claims are encoded to
 * ABI words as they are read (the word names are the key names), so the
 * comparison with claimsAbi is word by word.
 */
static int parse_claims(json_object *pred, const struct jpath *parent, struct attest_doc *d,
			char err[ATTEST_ERR_MAX])
{
	static const unsigned char bits[CLAIMS_WORDS] = {
		32, 0, 64, 64, 1, 64, 64, 1, 1, 1, 1, 64, 1, 64, 1, 64, 32, 32, 32, 32,
	};	/* uint width; 1: bytes32; 0: agentId */
	uint8_t abi[CLAIMS_ABI_SIZE];
	const char *keys[CLAIMS_WORDS + 1];
	char cerr[CLAIMS_ERR_MAX];
	struct claims wire;
	struct jpath p, pa;
	unsigned int i;
	json_object *o, *v;
	int r;

	r = get_object(pred, "claims", parent, &p, &o, false, err);
	if (r)
		return r;
	for (i = 0; i < CLAIMS_WORDS; i++)
		keys[i] = claims_word_names[i];
	keys[CLAIMS_WORDS] = NULL;
	r = only_keys(o, keys, &p, err);
	for (i = 0; !r && i < CLAIMS_WORDS; i++) {
		uint8_t *word = abi + 32 * i;
		struct jpath pw;
		uint64_t u = 0;

		path_key(&pw, &p, keys[i]);
		if (bits[i] == 1) {
			r = get_hex(o, keys[i], &p, word, 32, err);
		} else if (bits[i] == 0) {
			const char *s;
			size_t n;

			r = get_string(o, keys[i], &p, &s, &n, err);
			if (!r && claims_agent_from_dec(s, word))
				r = fail(err, "%s: \"%.80s\" is not a canonical decimal uint256",
					 pw.s, s);
		} else {
			r = get_uint(o, keys[i], &p, bits[i] == 64 ? UINT64_MAX : UINT32_MAX,
				     &u, err);
			put_word(word, u);
		}
		if (!r && i == 0 && u != CLAIMS_VERSION)
			r = fail(err, "%s: %llu, want %d", pw.s, (unsigned long long)u,
				 CLAIMS_VERSION);
		if (!r && i == 18 && (u & ~(uint64_t)CLAIM_F_KNOWN))
			r = fail(err, "%s: unknown bits 0x%llx", pw.s,
				 (unsigned long long)(u & ~(uint64_t)CLAIM_F_KNOWN));
	}
	if (r)
		return r;
	if (claims_decode(abi, sizeof(abi), &d->claims, cerr))
		return fail(err, "%s: %s", p.s, cerr);	/* checked above: not reached */

	r = member(pred, "claimsAbi", parent, &pa, &v, err);
	if (!r)
		r = as_hex(v, &pa, d->claims_abi, CLAIMS_ABI_SIZE, 0, NULL, NULL, err);
	if (r)
		return r;
	if (claims_decode(d->claims_abi, CLAIMS_ABI_SIZE, &wire, cerr))
		return fail(err, "%s: %s", pa.s, cerr);
	for (i = 0; i < CLAIMS_WORDS; i++)
		if (memcmp(abi + 32 * i, d->claims_abi + 32 * i, 32))
			return fail(err, "%s: word %u (%s) differs from %s.%s", pa.s, i,
				    claims_word_names[i], p.s, claims_word_names[i]);
	return 0;
}

static int parse_files(json_object *pred, const char *key, const struct jpath *parent,
		       struct attest_file **out, size_t *n_out, char err[ATTEST_ERR_MAX])
{
	static const char *const keys[] = { "path", "sha256", "seq", "size", NULL };
	struct jpath p, pe;
	json_object *arr;
	size_t i, n;
	int r;

	r = get_array(pred, key, parent, &p, &arr, err);
	if (r)
		return r;
	n = json_object_array_length(arr);
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return fail(err, "%s: out of memory", p.s);
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		struct attest_file *f = &(*out)[i];
		const char *s;
		size_t len;

		path_index(&pe, &p, i);
		r = want_type(e, json_type_object, "an object", &pe, err);
		if (!r)
			r = only_keys(e, keys, &pe, err);
		if (!r)
			r = get_string(e, "path", &pe, &s, &len, err);
		if (!r && len == 0)
			r = fail(err, "%s.path: empty", pe.s);
		if (!r && !(f->path = strdup(s)))
			r = fail(err, "%s.path: out of memory", pe.s);
		if (!r)
			*n_out = i + 1;	/* attest_free() frees the paths so far */
		if (!r)
			r = get_hex(e, "sha256", &pe, f->sha256, 32, err);
		if (!r)
			r = get_uint(e, "seq", &pe, UINT64_MAX, &f->seq, err);
		if (!r)
			r = get_uint(e, "size", &pe, UINT64_MAX, &f->size, err);
		if (r)
			return r;
	}
	*n_out = n;
	return 0;
}

static int parse_requests(json_object *pred, const struct jpath *parent,
			  struct attest_doc *d, char err[ATTEST_ERR_MAX])
{
	static const char *const keys[] = { "seq", "input", "output", NULL };
	struct jpath p, pe;
	json_object *arr;
	size_t i, n;
	int r;

	r = get_array(pred, "requests", parent, &p, &arr, err);
	if (r)
		return r;
	n = json_object_array_length(arr);
	d->requests = calloc(n ? n : 1, sizeof(*d->requests));
	if (!d->requests)
		return fail(err, "%s: out of memory", p.s);
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		struct attest_request *q = &d->requests[i];

		path_index(&pe, &p, i);
		r = want_type(e, json_type_object, "an object", &pe, err);
		if (!r)
			r = only_keys(e, keys, &pe, err);
		if (!r)
			r = get_uint(e, "seq", &pe, UINT64_MAX, &q->seq, err);
		if (!r)
			r = get_hex(e, "input", &pe, q->input, 32, err);
		if (!r)
			r = get_hex(e, "output", &pe, q->output, 32, err);
		if (r)
			return r;
	}
	d->n_requests = n;
	return 0;
}

static int parse_counter(json_object *e, const struct jpath *pe, struct attest_doc *d,
			 size_t i, char err[ATTEST_ERR_MAX])
{
	static const char *const keys[] = { "api", "name", "calls", "bytes", "error", "exact",
					    NULL };
	struct attest_counter *c = &d->counters[i];
	const char *api, *name;
	size_t alen, nlen, k;
	struct jpath pk;
	json_object *v;
	int r;

	r = want_type(e, json_type_object, "an object", pe, err);
	if (!r)
		r = only_keys(e, keys, pe, err);
	if (!r)
		r = get_string(e, "api", pe, &api, &alen, err);
	if (!r && (alen == 0 || strchr(api, '.')))
		r = fail(err, "%s.api: \"%.40s\": want a non-empty name without '.'", pe->s, api);
	if (!r)
		r = get_string(e, "name", pe, &name, &nlen, err);
	if (!r && nlen == 0)
		r = fail(err, "%s.name: empty", pe->s);
	if (r)
		return r;
	for (k = 0; k < i; k++)
		if (!strcmp(d->counters[k].api, api) && !strcmp(d->counters[k].name, name))
			return fail(err, "%s: %.40s.%.80s listed twice", pe->s, api, name);
	c->api = strdup(api);
	c->name = strdup(name);
	d->n_counters = i + 1;	/* attest_free() frees the strings so far */
	if (!c->api || !c->name)
		return fail(err, "%s: out of memory", pe->s);
	r = get_uint(e, "calls", pe, UINT64_MAX, &c->calls, err);
	if (!r)
		r = get_uint(e, "bytes", pe, UINT64_MAX, &c->bytes, err);
	if (!r)
		r = get_uint(e, "error", pe, UINT64_MAX, &c->error, err);
	if (!r)
		r = member(e, "exact", pe, &pk, &v, err);
	if (!r)
		r = want_type(v, json_type_boolean, "a boolean", &pk, err);
	if (r)
		return r;
	c->exact = json_object_get_boolean(v);
	return 0;
}

static int parse_counters(json_object *pred, const struct jpath *parent,
			  struct attest_doc *d, char err[ATTEST_ERR_MAX])
{
	static const char *const keys[] = { "mode", "functions", "ioctls", "drmJobs", "gpuNs",
					    NULL };
	struct jpath p, pf, pe;
	json_object *o, *arr;
	const char *mode;
	size_t i, n, len;
	int r;

	r = get_object(pred, "counters", parent, &p, &o, false, err);
	if (!r)
		r = only_keys(o, keys, &p, err);
	if (!r)
		r = get_string(o, "mode", &p, &mode, &len, err);
	if (!r && strcmp(mode, "sampled") && strcmp(mode, "exact") && strcmp(mode, "none"))
		r = fail(err, "%s.mode: \"%.40s\", want \"sampled\", \"exact\" or \"none\"",
			 p.s, mode);
	if (r)
		return r;
	snprintf(d->counters_mode, sizeof(d->counters_mode), "%s", mode);
	r = get_uint(o, "ioctls", &p, UINT64_MAX, &d->ioctls, err);
	if (!r)
		r = get_uint(o, "drmJobs", &p, UINT64_MAX, &d->drm_jobs, err);
	if (!r)
		r = get_uint(o, "gpuNs", &p, UINT64_MAX, &d->gpu_ns, err);
	if (!r)
		r = get_array(o, "functions", &p, &pf, &arr, err);
	if (r)
		return r;
	n = json_object_array_length(arr);
	if (!strcmp(mode, "none") && (n || d->ioctls || d->drm_jobs || d->gpu_ns))
		return fail(err, "%s: counts with mode \"none\" (no probes)", p.s);
	d->counters = calloc(n ? n : 1, sizeof(*d->counters));
	if (!d->counters)
		return fail(err, "%s: out of memory", pf.s);
	for (i = 0; i < n; i++) {
		path_index(&pe, &pf, i);
		r = parse_counter(json_object_array_get_idx(arr, i), &pe, d, i, err);
		if (r)
			return r;
	}
	return 0;
}

/* PCR keys are canonical decimals 0..23. */
static int pcr_index(const char *k)
{
	if (!k[0] || strspn(k, "0123456789") != strlen(k) || strlen(k) > 2 ||
	    (k[0] == '0' && k[1]) || atoi(k) >= ATTEST_PCR_MAX)
		return -1;
	return atoi(k);
}

static int parse_quote(json_object *pred, const struct jpath *parent, struct attest_doc *d,
		       char err[ATTEST_ERR_MAX])
{
	static const char *const keys[] = { "attest", "signature", "r", "s", "pcrBank",
					    "pcrs", NULL };
	struct jpath p, pp, pk;
	json_object *o, *pcrs;
	int r;

	r = get_object(pred, "quote", parent, &p, &o, true, err);
	if (r || json_object_is_type(o, json_type_null))
		return r;
	d->has_quote = true;
	r = only_keys(o, keys, &p, err);
	if (!r)
		r = get_blob(o, "attest", &p, BLOB_MAX, &d->attest, &d->attest_len, err);
	if (!r)
		r = get_blob(o, "signature", &p, BLOB_MAX, &d->signature, &d->signature_len, err);
	if (!r)
		r = get_hex(o, "r", &p, d->r, 32, err);
	if (!r)
		r = get_hex(o, "s", &p, d->s, 32, err);
	if (!r)
		r = get_const(o, "pcrBank", &p, "sha256", err);
	if (!r)
		r = get_object(o, "pcrs", &p, &pp, &pcrs, false, err);
	if (r)
		return r;
	json_object_object_foreach(pcrs, k, v) {
		int i = pcr_index(k);

		path_key(&pk, &pp, k);
		if (i < 0)
			return fail(err, "%s: not a PCR index 0 to %d", pk.s, ATTEST_PCR_MAX - 1);
		r = as_hex(v, &pk, d->pcrs[i], 32, 0, NULL, NULL, err);
		if (r)
			return r;
		d->pcr_mask |= 1U << i;
	}
	if (!d->pcr_mask)
		return fail(err, "%s: no PCR", pp.s);
	return 0;
}

/* ak, ek and activation, which go with a quote (null without one). */
static int parse_keys(json_object *pred, const struct jpath *parent, struct attest_doc *d,
		      char err[ATTEST_ERR_MAX])
{
	static const char *const ak_keys[] = { "public", "name", "x", "y", NULL };
	static const char *const ek_keys[] = { "public", "certificate", NULL };
	static const char *const act_keys[] = { "registrarX", "registrarY", "r", "s", NULL };
	const char *const names[] = { "ak", "ek", "activation" };
	json_object *o[3], *cert;
	struct jpath p[3], pc;
	unsigned int i;
	int r;

	for (i = 0; i < 3; i++) {
		bool null;

		r = get_object(pred, names[i], parent, &p[i], &o[i], true, err);
		if (r)
			return r;
		null = json_object_is_type(o[i], json_type_null);
		if (null && d->has_quote && i < 2)
			return fail(err, "%s: null, but the document has a quote", p[i].s);
		if (!null && !d->has_quote)
			return fail(err, "%s: present, but predicate.quote is null", p[i].s);
	}
	if (!d->has_quote)
		return 0;

	r = only_keys(o[0], ak_keys, &p[0], err);
	if (!r)
		r = get_blob(o[0], "public", &p[0], BLOB_MAX, &d->ak_public, &d->ak_public_len,
			     err);
	if (!r)
		r = get_hex(o[0], "name", &p[0], d->ak_name, sizeof(d->ak_name), err);
	if (!r)
		r = get_hex(o[0], "x", &p[0], d->ak_x, 32, err);
	if (!r)
		r = get_hex(o[0], "y", &p[0], d->ak_y, 32, err);

	if (!r)
		r = only_keys(o[1], ek_keys, &p[1], err);
	if (!r)
		r = get_blob(o[1], "public", &p[1], BLOB_MAX, &d->ek_public, &d->ek_public_len,
			     err);
	if (!r)
		r = member(o[1], "certificate", &p[1], &pc, &cert, err);
	if (!r && !json_object_is_type(cert, json_type_null))
		r = as_base64(cert, &pc, CERT_MAX, &d->ek_cert, &d->ek_cert_len, err);
	if (r || json_object_is_type(o[2], json_type_null))
		return r;

	d->has_activation = true;
	r = only_keys(o[2], act_keys, &p[2], err);
	if (!r)
		r = get_hex(o[2], "registrarX", &p[2], d->reg_x, 32, err);
	if (!r)
		r = get_hex(o[2], "registrarY", &p[2], d->reg_y, 32, err);
	if (!r)
		r = get_hex(o[2], "r", &p[2], d->reg_r, 32, err);
	if (!r)
		r = get_hex(o[2], "s", &p[2], d->reg_s, 32, err);
	return r;
}

static int parse_log(json_object *pred, const struct jpath *parent, struct attest_doc *d,
		     char err[ATTEST_ERR_MAX])
{
	static const char *const keys[] = { "pcr", "pcrBase", "witness", "headBefore",
					    "records", NULL };
	struct jpath p, pw, pe, pr;
	json_object *o, *arr, *rec;
	uint64_t pcr;
	size_t i, n;
	int r;

	r = get_object(pred, "log", parent, &p, &o, false, err);
	if (!r)
		r = only_keys(o, keys, &p, err);
	if (!r)
		r = get_uint(o, "pcr", &p, ATTEST_PCR_MAX - 1, &pcr, err);
	if (!r)
		r = get_hex(o, "pcrBase", &p, d->pcr_base, 32, err);
	if (!r)
		r = get_hex(o, "headBefore", &p, d->head_before, 32, err);
	if (!r)
		r = get_array(o, "witness", &p, &pw, &arr, err);
	if (r)
		return r;
	d->log_pcr = pcr;
	n = json_object_array_length(arr);
	d->witness = calloc(n ? n : 1, 32);
	if (!d->witness)
		return fail(err, "%s: out of memory", pw.s);
	for (i = 0; i < n; i++) {
		path_index(&pe, &pw, i);
		r = as_hex(json_object_array_get_idx(arr, i), &pe, d->witness[i], 32, 0,
			   NULL, NULL, err);
		if (r)
			return r;
	}
	d->n_witness = n;
	r = member(o, "records", &p, &pr, &rec, err);
	if (!r)
		r = as_base64(rec, &pr, SIZE_MAX, &d->records, &d->records_len, err);
	return r;
}

/* subject[] is the model list: same paths and digests, same order. */
static int parse_subject(json_object *root, const struct attest_doc *d,
			 char err[ATTEST_ERR_MAX])
{
	static const char *const keys[] = { "name", "digest", NULL };
	static const char *const dkeys[] = { "sha256", NULL };
	struct jpath p, pe, pd;
	uint8_t digest[32];
	json_object *arr, *dg;
	const char *name;
	size_t i, n, len;
	int r;

	r = get_array(root, "subject", NULL, &p, &arr, err);
	if (r)
		return r;
	n = json_object_array_length(arr);
	if (n != d->n_model)
		return fail(err, "subject: %zu entries, predicate.model has %zu", n, d->n_model);
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);

		path_index(&pe, &p, i);
		r = want_type(e, json_type_object, "an object", &pe, err);
		if (!r)
			r = only_keys(e, keys, &pe, err);
		if (!r)
			r = get_string(e, "name", &pe, &name, &len, err);
		if (!r && strcmp(name, d->model[i].path))
			r = fail(err, "%s.name: differs from predicate.model[%zu].path", pe.s, i);
		if (!r)
			r = get_object(e, "digest", &pe, &pd, &dg, false, err);
		if (!r)
			r = only_keys(dg, dkeys, &pd, err);
		if (!r)
			r = get_hex(dg, "sha256", &pd, digest, 32, err);
		if (!r && memcmp(digest, d->model[i].sha256, 32))
			r = fail(err, "%s.sha256: differs from predicate.model[%zu].sha256",
				 pd.s, i);
		if (r)
			return r;
	}
	return 0;
}

static int parse_document(json_object *root, struct attest_doc *d, char err[ATTEST_ERR_MAX])
{
	static const char *const top_keys[] = { "_type", "subject", "predicateType", "predicate",
						NULL };
	static const char *const pred_keys[] = { "claims", "claimsAbi", "model", "data",
						 "requests", "counters", "quote", "ak", "ek",
						 "activation", "log", NULL };
	struct jpath top = { "" }, p;
	bool no_tpm;
	json_object *pred;
	int r;

	r = want_type(root, json_type_object, "an object", &(struct jpath){ "(document)" }, err);
	if (!r)
		r = only_keys(root, top_keys, &top, err);
	if (!r)
		r = get_const(root, "_type", NULL, ATTEST_STATEMENT_TYPE, err);
	if (!r)
		r = get_const(root, "predicateType", NULL, ATTEST_PREDICATE_TYPE, err);
	if (!r)
		r = get_object(root, "predicate", NULL, &p, &pred, false, err);
	if (!r)
		r = only_keys(pred, pred_keys, &p, err);
	if (!r)
		r = parse_claims(pred, &p, d, err);
	if (!r)
		r = parse_files(pred, "model", &p, &d->model, &d->n_model, err);
	if (!r)
		r = parse_files(pred, "data", &p, &d->data, &d->n_data, err);
	if (!r)
		r = parse_requests(pred, &p, d, err);
	if (!r)
		r = parse_counters(pred, &p, d, err);
	if (!r)
		r = parse_quote(pred, &p, d, err);
	if (!r)
		r = parse_keys(pred, &p, d, err);
	if (!r)
		r = parse_log(pred, &p, d, err);
	if (!r)
		r = parse_subject(root, d, err);
	if (r)
		return r;
	no_tpm = d->claims.flags & CLAIM_F_NO_TPM;
	if (no_tpm == d->has_quote)
		return fail(err, "predicate.quote: %s, but predicate.claims.flags %s NO_TPM",
			    d->has_quote ? "present" : "null", no_tpm ? "has" : "lacks");
	return 0;
}

int attest_parse_json(const char *buf, size_t len, struct attest_doc *doc,
		      char err[ATTEST_ERR_MAX])
{
	struct json_tokener *tok;
	json_object *root;
	const char *nul;
	size_t end;
	int r;

	memset(doc, 0, sizeof(*doc));
	nul = memchr(buf, '\0', len);
	if (nul)
		return fail(err, "JSON: NUL byte at offset %zu", (size_t)(nul - buf));
	if (len > INT32_MAX)
		return fail(err, "JSON: %zu bytes, too large", len);
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		return fail(err, "JSON: out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, buf, len);
	if (!root) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		if (e == json_tokener_continue)
			r = fail(err, "JSON: truncated document (%zu bytes)", len);
		else
			r = fail(err, "JSON: %s at offset %zu", json_tokener_error_desc(e),
				 json_tokener_get_parse_end(tok));
		json_tokener_free(tok);
		return r;
	}
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (end < len && strchr(" \t\r\n", buf[end]))
		end++;
	if (end < len)
		r = fail(err, "JSON: trailing data at offset %zu", end);
	else
		r = scan_text(buf, len, err);
	if (!r)
		r = parse_document(root, doc, err);
	json_object_put(root);
	if (r)
		attest_free(doc);
	return r;
}

int attest_read_file(const char *path, struct attest_doc *doc, char err[ATTEST_ERR_MAX])
{
	size_t have = 0;
	struct stat st;
	char *buf;
	int fd, r;

	memset(doc, 0, sizeof(*doc));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, ATTEST_ERR_MAX, "%s: %s", path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > FILE_MAX) {
		close(fd);
		snprintf(err, ATTEST_ERR_MAX, "%s: not a regular file of at most %lu bytes",
			 path, FILE_MAX);
		return -EINVAL;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, ATTEST_ERR_MAX, "%s: out of memory", path);
		return -ENOMEM;
	}
	while (have < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + have, st.st_size - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += n;
	}
	close(fd);
	if (have != (size_t)st.st_size) {
		free(buf);
		snprintf(err, ATTEST_ERR_MAX, "%s: short read (%zu of %lld bytes)", path, have,
			 (long long)st.st_size);
		return -EIO;
	}
	r = attest_parse_json(buf, have, doc, err);
	free(buf);
	if (r) {
		char inner[ATTEST_ERR_MAX];

		memcpy(inner, err, sizeof(inner));
		if (snprintf(err, ATTEST_ERR_MAX, "%s: %s", path, inner) >= ATTEST_ERR_MAX)
			err[ATTEST_ERR_MAX - 1] = '\0';
	}
	return r;
}

static void free_files(struct attest_file *f, size_t n)
{
	size_t i;

	for (i = 0; f && i < n; i++)
		free(f[i].path);
	free(f);
}

void attest_free(struct attest_doc *doc)
{
	size_t i;

	free_files(doc->model, doc->n_model);
	free_files(doc->data, doc->n_data);
	free(doc->requests);
	for (i = 0; doc->counters && i < doc->n_counters; i++) {
		free(doc->counters[i].api);
		free(doc->counters[i].name);
	}
	free(doc->counters);
	free(doc->attest);
	free(doc->signature);
	free(doc->ak_public);
	free(doc->ek_public);
	free(doc->ek_cert);
	free(doc->witness);
	free(doc->records);
	memset(doc, 0, sizeof(*doc));
}
