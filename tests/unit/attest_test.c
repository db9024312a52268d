// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the attestation document (lib/attest.c): a full document
 * written and read back field by field; a document without a TPM; and a
 * table of tampered documents, each refused with an error naming the JSON
 * path.  With ATTEST_SEED=DIR the valid documents are also written there
 * (the fuzzer's seeds).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "attest.h"

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = seed + i * 7;
}

static uint8_t *blob(size_t n, uint8_t seed)
{
	uint8_t *p = malloc(n);

	assert_non_null(p);
	fill(p, n, seed);
	return p;
}

/* Every field set, none to a value another field has. */
static void build(struct attest_doc *d, bool tpm)
{
	struct claims *c = &d->claims;
	unsigned int i;

	memset(d, 0, sizeof(*d));
	c->version = CLAIMS_VERSION;
	assert_int_equal(0, claims_agent_from_dec("98765432109876543210987654321", c->agent_id));
	c->epoch = 42;
	c->workload = 0x1234567890ULL;
	fill(c->host_id, 32, 1);
	c->log_first = 100;
	c->log_last = 0xfffffffffffffff0ULL;
	fill(c->log_head, 32, 2);
	fill(c->model_digest, 32, 3);
	fill(c->data_root, 32, 4);
	fill(c->request_root, 32, 5);
	c->request_count = 2;
	fill(c->counters_digest, 32, 6);
	c->block_number = 21000000;
	fill(c->block_hash, 32, 7);
	c->tpm_clock = 987654321;
	c->tpm_reset_count = 3;
	c->tpm_restart_count = 0xffffffffU;
	c->flags = CLAIM_F_ESTIMATED | CLAIM_F_VIOLATION | (tpm ? 0 : CLAIM_F_NO_TPM);
	c->violations = 1;
	claims_encode(c, d->claims_abi);

	d->n_model = 2;
	d->model = calloc(2, sizeof(*d->model));
	d->model[0].path = strdup("/models/eng.traineddata");
	fill(d->model[0].sha256, 32, 8);
	d->model[0].seq = 101;
	d->model[0].size = 4113088;
	d->model[1].path = strdup("/models/caf\xc3\xa9 \"quoted\"\\/x");
	fill(d->model[1].sha256, 32, 9);
	d->model[1].seq = 102;
	d->model[1].size = 0;
	d->n_data = 1;
	d->data = calloc(1, sizeof(*d->data));
	d->data[0].path = strdup("/data/in.png");
	fill(d->data[0].sha256, 32, 10);
	d->data[0].seq = 103;
	d->data[0].size = 77;
	d->n_requests = 2;
	d->requests = calloc(2, sizeof(*d->requests));
	for (i = 0; i < 2; i++) {
		d->requests[i].seq = 104 + i;
		fill(d->requests[i].input, 32, 11 + i);
		fill(d->requests[i].output, 32, 13 + i);
	}
	strcpy(d->counters_mode, "sampled");
	d->n_counters = 2;
	d->counters = calloc(2, sizeof(*d->counters));
	d->counters[0].api = strdup("cuda");
	d->counters[0].name = strdup("cuLaunchKernel");
	d->counters[0].calls = 1000;
	d->counters[0].bytes = 0;
	d->counters[0].error = 1;
	d->counters[0].exact = false;
	d->counters[1].api = strdup("cuda");
	d->counters[1].name = strdup("cuMemcpyHtoD_v2");
	d->counters[1].calls = 5;
	d->counters[1].bytes = 1ULL << 40;
	d->counters[1].exact = true;
	d->ioctls = 12;
	d->drm_jobs = 34;
	d->gpu_ns = 56;

	if (tpm) {
		d->has_quote = true;
		d->attest_len = 145;
		d->attest = blob(145, 15);
		d->signature_len = 72;
		d->signature = blob(72, 16);
		fill(d->r, 32, 17);
		fill(d->s, 32, 18);
		d->pcr_mask = 0xff | 1U << 10 | 1U << 13;
		for (i = 0; i < ATTEST_PCR_MAX; i++)
			if (d->pcr_mask & (1U << i))
				fill(d->pcrs[i], 32, 19 + i);
		d->ak_public_len = 88;
		d->ak_public = blob(88, 20);
		fill(d->ak_name, 34, 21);
		fill(d->ak_x, 32, 22);
		fill(d->ak_y, 32, 23);
		d->ek_public_len = 122;
		d->ek_public = blob(122, 24);
		d->ek_cert_len = 301;	/* 301 % 3 == 1: base64 padding "==" */
		d->ek_cert = blob(301, 25);
		d->has_activation = true;
		fill(d->reg_x, 32, 26);
		fill(d->reg_y, 32, 27);
		fill(d->reg_r, 32, 28);
		fill(d->reg_s, 32, 29);
	}
	d->log_pcr = 13;
	fill(d->pcr_base, 32, 30);
	d->n_witness = 2;
	d->witness = calloc(2, 32);
	fill(d->witness[0], 32, 31);
	fill(d->witness[1], 32, 32);
	fill(d->head_before, 32, 33);
	d->records_len = 200;	/* 200 % 3 == 2: padding "=" */
	d->records = blob(200, 34);
}

static void assert_files_equal(const struct attest_file *a, const struct attest_file *b,
			       size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		assert_string_equal(a[i].path, b[i].path);
		assert_memory_equal(a[i].sha256, b[i].sha256, 32);
		assert_int_equal(a[i].seq, b[i].seq);
		assert_int_equal(a[i].size, b[i].size);
	}
}

static void assert_docs_equal(const struct attest_doc *a, const struct attest_doc *b)
{
	size_t i;

	assert_memory_equal(&a->claims, &b->claims, sizeof(a->claims));
	assert_memory_equal(a->claims_abi, b->claims_abi, CLAIMS_ABI_SIZE);
	assert_int_equal(a->n_model, b->n_model);
	assert_files_equal(a->model, b->model, a->n_model);
	assert_int_equal(a->n_data, b->n_data);
	assert_files_equal(a->data, b->data, a->n_data);
	assert_int_equal(a->n_requests, b->n_requests);
	for (i = 0; i < a->n_requests; i++) {
		assert_int_equal(a->requests[i].seq, b->requests[i].seq);
		assert_memory_equal(a->requests[i].input, b->requests[i].input, 32);
		assert_memory_equal(a->requests[i].output, b->requests[i].output, 32);
	}
	assert_string_equal(a->counters_mode, b->counters_mode);
	assert_int_equal(a->n_counters, b->n_counters);
	for (i = 0; i < a->n_counters; i++) {
		assert_string_equal(a->counters[i].api, b->counters[i].api);
		assert_string_equal(a->counters[i].name, b->counters[i].name);
		assert_int_equal(a->counters[i].calls, b->counters[i].calls);
		assert_int_equal(a->counters[i].bytes, b->counters[i].bytes);
		assert_int_equal(a->counters[i].error, b->counters[i].error);
		assert_int_equal(a->counters[i].exact, b->counters[i].exact);
	}
	assert_int_equal(a->ioctls, b->ioctls);
	assert_int_equal(a->drm_jobs, b->drm_jobs);
	assert_int_equal(a->gpu_ns, b->gpu_ns);

	assert_int_equal(a->has_quote, b->has_quote);
	assert_int_equal(a->attest_len, b->attest_len);
	if (a->attest_len)
		assert_memory_equal(a->attest, b->attest, a->attest_len);
	assert_int_equal(a->signature_len, b->signature_len);
	if (a->signature_len)
		assert_memory_equal(a->signature, b->signature, a->signature_len);
	assert_memory_equal(a->r, b->r, 32);
	assert_memory_equal(a->s, b->s, 32);
	assert_int_equal(a->pcr_mask, b->pcr_mask);
	for (i = 0; i < ATTEST_PCR_MAX; i++)
		if (a->pcr_mask & (1U << i))
			assert_memory_equal(a->pcrs[i], b->pcrs[i], 32);
	assert_int_equal(a->ak_public_len, b->ak_public_len);
	if (a->ak_public_len)
		assert_memory_equal(a->ak_public, b->ak_public, a->ak_public_len);
	assert_memory_equal(a->ak_name, b->ak_name, 34);
	assert_memory_equal(a->ak_x, b->ak_x, 32);
	assert_memory_equal(a->ak_y, b->ak_y, 32);
	assert_int_equal(a->ek_public_len, b->ek_public_len);
	if (a->ek_public_len)
		assert_memory_equal(a->ek_public, b->ek_public, a->ek_public_len);
	assert_int_equal(a->ek_cert_len, b->ek_cert_len);
	if (a->ek_cert_len)
		assert_memory_equal(a->ek_cert, b->ek_cert, a->ek_cert_len);
	assert_int_equal(a->has_activation, b->has_activation);
	assert_memory_equal(a->reg_x, b->reg_x, 32);
	assert_memory_equal(a->reg_y, b->reg_y, 32);
	assert_memory_equal(a->reg_r, b->reg_r, 32);
	assert_memory_equal(a->reg_s, b->reg_s, 32);

	assert_int_equal(a->log_pcr, b->log_pcr);
	assert_memory_equal(a->pcr_base, b->pcr_base, 32);
	assert_int_equal(a->n_witness, b->n_witness);
	assert_memory_equal(a->witness, b->witness, 32 * a->n_witness);
	assert_memory_equal(a->head_before, b->head_before, 32);
	assert_int_equal(a->records_len, b->records_len);
	assert_memory_equal(a->records, b->records, a->records_len);
}

static void roundtrip(bool tpm)
{
	struct attest_doc d, back;
	char err[ATTEST_ERR_MAX], *json, *json2;
	size_t len, len2;

	build(&d, tpm);
	assert_int_equal(0, attest_write_json(&d, &json, &len));
	assert_int_equal(len, strlen(json));
	if (attest_parse_json(json, len, &back, err))
		fail_msg("parse: %s", err);
	assert_docs_equal(&d, &back);
	/* Writing what was read gives the same bytes. */
	assert_int_equal(0, attest_write_json(&back, &json2, &len2));
	assert_int_equal(len, len2);
	assert_memory_equal(json, json2, len);
	free(json);
	free(json2);
	attest_free(&back);
	attest_free(&d);
}

static void test_roundtrip_full(void **state)
{
	char path[] = "/tmp/attest-test-XXXXXX", err[ATTEST_ERR_MAX], *json;
	struct attest_doc d, back;
	size_t len;
	FILE *f;
	int fd;

	(void)state;
	roundtrip(true);

	/* attest_read_file() reads what attest_write_json() wrote. */
	build(&d, true);
	assert_int_equal(0, attest_write_json(&d, &json, &len));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(len, fwrite(json, 1, len, f));
	assert_int_equal(0, fclose(f));
	if (attest_read_file(path, &back, err))
		fail_msg("%s", err);
	assert_docs_equal(&d, &back);
	attest_free(&back);
	unlink(path);
	assert_int_equal(-ENOENT, attest_read_file(path, &back, err));
	assert_non_null(strstr(err, "No such file"));
	attest_free(&d);
	free(json);
}

static void test_roundtrip_no_tpm(void **state)
{
	struct attest_doc d;
	char *json;
	size_t len;

	(void)state;
	roundtrip(false);
	build(&d, false);
	assert_int_equal(0, attest_write_json(&d, &json, &len));
	assert_non_null(strstr(json, "\"quote\": null"));
	assert_non_null(strstr(json, "\"ak\": null"));
	assert_non_null(strstr(json, "\"ek\": null"));
	assert_non_null(strstr(json, "\"activation\": null"));
	free(json);
	attest_free(&d);
}

/* ---- tampering ---- */

/* The member at a dotted path ("predicate.model.1.path"); parent and key out. */
static json_object *walk(json_object *root, const char *path, json_object **parent,
			 char *last)
{
	char buf[256], *tok, *save;
	json_object *cur = root, *next = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		*parent = cur;
		strcpy(last, tok);
		if (json_object_is_type(cur, json_type_array))
			next = json_object_array_get_idx(cur, atoi(tok));
		else if (!json_object_object_get_ex(cur, tok, &next))
			next = NULL;
		cur = next;
	}
	return cur;
}

enum op { SET, DEL };	/* SET without a value: a 32-byte hex string */

struct tamper {
	const char *path;
	enum op op;
	const char *value;	/* JSON text for SET */
	const char *err;	/* the whole message */
};

static const char *const H32 =
	"\"0000000000000000000000000000000000000000000000000000000000000000\"";

static const struct tamper tampers[] = {
	{ "_type", SET, "\"https://in-toto.io/Statement/v0.1\"",
	  "_type: \"https://in-toto.io/Statement/v0.1\", want \"https://in-toto.io/Statement/v1\"" },
	{ "predicateType", DEL, NULL, "predicateType: missing" },
	{ "extra", SET, "1", "(document): unknown key \"extra\"" },
	{ "predicate.extra", SET, "{}", "predicate: unknown key \"extra\"" },
	{ "predicate.claims.epoch", DEL, NULL, "predicate.claims.epoch: missing" },
	{ "predicate.claims.epoch", SET, "\"42\"", "predicate.claims.epoch: a string, want a number" },
	{ "predicate.claims.epoch", SET, "43",
	  "predicate.claimsAbi: word 2 (epoch) differs from predicate.claims.epoch" },
	{ "predicate.claims.version", SET, "2", "predicate.claims.version: 2, want 1" },
	{ "predicate.claims.flags", SET, "4294967296",
	  "predicate.claims.flags: 4294967296 exceeds 4294967295" },
	{ "predicate.claims.flags", SET, "64", "predicate.claims.flags: unknown bits 0x40" },
	{ "predicate.claims.flags", SET, "11",
	  "predicate.claimsAbi: word 18 (flags) differs from predicate.claims.flags" },
	{ "predicate.claims.agentId", SET, "1",
	  "predicate.claims.agentId: a number, want a string" },
	{ "predicate.claims.agentId", SET, "\"0x10\"",
	  "predicate.claims.agentId: \"0x10\" is not a canonical decimal uint256" },
	{ "predicate.claims.hostId", SET,
	  "\"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2F\"",
	  "predicate.claims.hostId: 'F' at 63 is not a lowercase hex digit" },
	{ "predicate.claims.hostId", SET, "\"00\"", "predicate.claims.hostId: 1 bytes, want 32" },
	{ "predicate.claims.x", SET, "1", "predicate.claims: unknown key \"x\"" },
	{ "predicate.claimsAbi", SET, "\"00\"", "predicate.claimsAbi: 1 bytes, want 640" },
	{ "predicate.model.0.sha256", DEL, NULL, "predicate.model[0].sha256: missing" },
	{ "predicate.model.1.path", SET, "\"\"", "predicate.model[1].path: empty" },
	{ "predicate.model.1.path", SET, "\"/m/x\"",
	  "subject[1].name: differs from predicate.model[1].path" },
	{ "predicate.model.0.seq", SET, "-1", "predicate.model[0].seq: -1 is not an unsigned integer" },
	{ "predicate.model.0.size", SET, "1.5", "predicate.model[0].size: 1.5 is not an unsigned integer" },
	{ "predicate.model.0.bogus", SET, "0", "predicate.model[0]: unknown key \"bogus\"" },
	{ "predicate.model", SET, "{}", "predicate.model: an object, want an array" },
	{ "predicate.data.0", SET, "7", "predicate.data[0]: a number, want an object" },
	{ "predicate.requests.1.output", SET, "\"0\"",
	  "predicate.requests[1].output: odd number of hex digits (1)" },
	{ "predicate.counters.mode", SET, "\"estimated\"",
	  "predicate.counters.mode: \"estimated\", want \"sampled\", \"exact\" or \"none\"" },
	{ "predicate.counters.mode", SET, "\"none\"",
	  "predicate.counters: counts with mode \"none\" (no probes)" },
	{ "predicate.counters.functions.0.exact", SET, "1",
	  "predicate.counters.functions[0].exact: a number, want a boolean" },
	{ "predicate.counters.functions.1.name", SET, "\"cuLaunchKernel\"",
	  "predicate.counters.functions[1]: cuda.cuLaunchKernel listed twice" },
	{ "predicate.counters.functions.0.api", SET, "\"cu.da\"",
	  "predicate.counters.functions[0].api: \"cu.da\": want a non-empty name without '.'" },
	{ "predicate.quote.r", SET,
	  "\"00000000000000000000000000000000000000000000000000000000000000\"",
	  "predicate.quote.r: 31 bytes, want 32" },
	{ "predicate.quote.attest", SET, "\"\"", "predicate.quote.attest: 0 bytes, want 1 to 4096" },
	{ "predicate.quote.pcrBank", SET, "\"sha1\"",
	  "predicate.quote.pcrBank: \"sha1\", want \"sha256\"" },
	{ "predicate.quote.pcrs.24", SET, NULL, "predicate.quote.pcrs.24: not a PCR index 0 to 23" },
	{ "predicate.quote.pcrs.07", SET, NULL, "predicate.quote.pcrs.07: not a PCR index 0 to 23" },
	{ "predicate.quote.pcrs", SET, "{}", "predicate.quote.pcrs: no PCR" },
	{ "predicate.quote", SET, "null",
	  "predicate.ak: present, but predicate.quote is null" },
	{ "predicate.quote", SET, "[]", "predicate.quote: an array, want an object or null" },
	{ "predicate.ak", SET, "null", "predicate.ak: null, but the document has a quote" },
	{ "predicate.ak.name", SET, NULL, "predicate.ak.name: 32 bytes, want 34" },
	{ "predicate.ek", SET, "null", "predicate.ek: null, but the document has a quote" },
	{ "predicate.ek.certificate", SET, "\"AAA\"",
	  "predicate.ek.certificate: base64 of 3 characters, want a non-zero multiple of 4" },
	{ "predicate.ek.certificate", SET, "\"AAB=\"", "predicate.ek.certificate: not canonical base64" },
	{ "predicate.ek.certificate", SET, "\"AA=A\"", "predicate.ek.certificate: not canonical base64" },
	{ "predicate.ek.certificate", SET, "\"A\\nA=\"", "predicate.ek.certificate: not canonical base64" },
	{ "predicate.activation.s", DEL, NULL, "predicate.activation.s: missing" },
	{ "predicate.log.pcr", SET, "24", "predicate.log.pcr: 24 exceeds 23" },
	{ "predicate.log.witness.1", SET, "null", "predicate.log.witness[1]: null, want a string" },
	{ "predicate.log.records", SET, "\"\"",
	  "predicate.log.records: base64 of 0 characters, want a non-zero multiple of 4" },
	{ "predicate.log.records", SET, "\"AA\\u0000A\"",
	  "predicate.log.records: string with a NUL character" },
	{ "subject.0.digest.sha256", SET, NULL,
	  "subject[0].digest.sha256: differs from predicate.model[0].sha256" },
	{ "subject.1", DEL, NULL, "subject: 1 entries, predicate.model has 2" },
};

static void set_member(json_object *parent, const char *key, json_object *v)
{
	if (json_object_is_type(parent, json_type_array))
		assert_int_equal(0, json_object_array_put_idx(parent, atoi(key), v));
	else
		assert_int_equal(0, json_object_object_add(parent, key, v));
}

static void test_tampered_documents(void **state)
{
	char err[ATTEST_ERR_MAX], last[64], *json;
	struct attest_doc d;
	size_t len, i;

	(void)state;
	build(&d, true);
	assert_int_equal(0, attest_write_json(&d, &json, &len));
	attest_free(&d);
	for (i = 0; i < sizeof(tampers) / sizeof(tampers[0]); i++) {
		const struct tamper *t = &tampers[i];
		json_object *root = json_tokener_parse(json), *parent = NULL, *v = NULL;
		const char *text;

		assert_non_null(root);
		walk(root, t->path, &parent, last);
		assert_non_null(parent);
		if (t->op == DEL && json_object_is_type(parent, json_type_array)) {
			assert_int_equal(0, json_object_array_del_idx(parent, atoi(last), 1));
		} else if (t->op == DEL) {
			json_object_object_del(parent, last);
		} else {
			/* no value: a 32-byte hex string; "null": JSON null */
			if (!t->value || strcmp(t->value, "null")) {
				v = json_tokener_parse(t->value ? t->value : H32);
				assert_non_null(v);
			}
			set_member(parent, last, v);
		}
		text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
		if (!attest_parse_json(text, strlen(text), &d, err)) {
			attest_free(&d);
			fail_msg("tamper %zu (%s) accepted", i, t->path);
		}
		if (strcmp(err, t->err))
			fail_msg("tamper %zu (%s):\n  got  %s\n  want %s", i, t->path, err, t->err);
		json_object_put(root);
	}
	free(json);
}

/* Text json-c would take with a different meaning: refused before the schema. */
static void test_tampered_text(void **state)
{
	static const struct {
		const char *find, *replace, *err;
	} cases[] = {
		{ "\"epoch\": 42,", "\"epoch\": 42, \"epoch\": 43,",
		  "predicate.claims.epoch: duplicate key" },
		{ "\"epoch\": 42,", "\"ep\\u006fch\": 42,",
		  "predicate.claims.ep\\u006fch: key with an escape sequence" },
		{ "\"epoch\": 42,", "\"epoch\": 42e0,", "predicate.claims.epoch: 42e0 is not an unsigned integer" },
		{ "\"epoch\": 42,", "\"epoch\": -0,", "predicate.claims.epoch: -0 is not an unsigned integer" },
		{ "\"epoch\": 42,", "\"epoch\": 99999999999999999999999,",
		  "predicate.claims.epoch: 99999999999999999999999 exceeds uint64" },
		{ "\"epoch\": 42,", "\"epoch\": 42, // c\n", "JSON: invalid string sequence at offset 0" },
	};
	char err[ATTEST_ERR_MAX], *json, *text;
	struct attest_doc d;
	size_t len, i;

	(void)state;
	build(&d, true);
	assert_int_equal(0, attest_write_json(&d, &json, &len));
	attest_free(&d);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *at = strstr(json, cases[i].find);

		assert_non_null(at);
		assert_true(asprintf(&text, "%.*s%s%s", (int)(at - json), json, cases[i].replace,
				     at + strlen(cases[i].find)) > 0);
		assert_int_equal(-EINVAL, attest_parse_json(text, strlen(text), &d, err));
		if (i < 5)
			assert_string_equal(err, cases[i].err);
		else
			assert_non_null(strstr(err, "JSON: "));	/* json-c's words */
		free(text);
	}

	/* Trailing data, a NUL byte, truncation, not an object. */
	assert_true(asprintf(&text, "%s{}", json) > 0);
	assert_int_equal(-EINVAL, attest_parse_json(text, strlen(text), &d, err));
	assert_non_null(strstr(err, "JSON: unexpected character at offset"));
	free(text);
	assert_int_equal(-EINVAL, attest_parse_json(json, len + 1, &d, err));
	assert_non_null(strstr(err, "JSON: NUL byte at offset"));
	assert_int_equal(-EINVAL, attest_parse_json(json, len / 2, &d, err));
	assert_non_null(strstr(err, "JSON: truncated document"));
	assert_int_equal(-EINVAL, attest_parse_json("[1]", 3, &d, err));
	assert_string_equal(err, "(document): an array, want an object");
	assert_int_equal(-EINVAL, attest_parse_json("\"\xff\"", 3, &d, err));
	free(json);
}

/* NO_TPM and the quote go together. */
static void test_no_tpm_flag(void **state)
{
	char err[ATTEST_ERR_MAX], *json;
	struct attest_doc d;
	size_t len;

	(void)state;
	build(&d, false);
	d.claims.flags &= ~CLAIM_F_NO_TPM;
	assert_int_equal(0, attest_write_json(&d, &json, &len));
	attest_free(&d);
	assert_int_equal(-EINVAL, attest_parse_json(json, len, &d, err));
	assert_string_equal(err, "predicate.quote: null, but predicate.claims.flags lacks NO_TPM");
	free(json);

	build(&d, true);
	d.claims.flags |= CLAIM_F_NO_TPM;
	assert_int_equal(0, attest_write_json(&d, &json, &len));
	attest_free(&d);
	assert_int_equal(-EINVAL, attest_parse_json(json, len, &d, err));
	assert_string_equal(err, "predicate.quote: present, but predicate.claims.flags has NO_TPM");
	free(json);

	/* A quote without an activation is fine. */
	build(&d, true);
	d.has_activation = false;
	assert_int_equal(0, attest_write_json(&d, &json, &len));
	attest_free(&d);
	assert_int_equal(0, attest_parse_json(json, len, &d, err));
	assert_false(d.has_activation);
	attest_free(&d);
	free(json);
}

static void word(EVP_MD_CTX *ctx, uint64_t v)
{
	uint8_t w[32] = { 0 };
	int i;

	for (i = 0; i < 8; i++)
		w[31 - i] = v >> (8 * i);
	EVP_DigestUpdate(ctx, w, 32);
}

static void test_counters_digest_and_activation(void **state)
{
	uint8_t got[32], want[32], h[32], msg[128], x[32], y[32], host[32];
	struct attest_doc d;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	struct attest_counter tmp;

	(void)state;
	build(&d, true);
	/* Out of order in the document: "cuda.cuMemcpyHtoD_v2" > "cuda.cuLaunchKernel". */
	tmp = d.counters[0];
	d.counters[0] = d.counters[1];
	d.counters[1] = tmp;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_Digest("cuda.cuLaunchKernel", 19, h, NULL, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, h, 32);
	word(ctx, 1000);
	word(ctx, 0);
	word(ctx, 1);
	word(ctx, 0);
	EVP_Digest("cuda.cuMemcpyHtoD_v2", 20, h, NULL, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, h, 32);
	word(ctx, 5);
	word(ctx, 1ULL << 40);
	word(ctx, 0);
	word(ctx, 1);
	word(ctx, 12);
	word(ctx, 34);
	word(ctx, 56);
	EVP_DigestFinal_ex(ctx, want, NULL);
	attest_counters_digest(&d, got);
	assert_memory_equal(got, want, 32);

	strcpy(d.counters_mode, "none");
	attest_counters_digest(&d, got);
	memset(want, 0, 32);
	assert_memory_equal(got, want, 32);
	attest_free(&d);
	EVP_MD_CTX_free(ctx);

	fill(x, 32, 1);
	fill(y, 32, 2);
	fill(host, 32, 3);
	attest_activation_message(x, y, host, msg);
	assert_memory_equal(msg, "vinfer.activation.v1\0\0\0\0\0\0\0\0\0\0\0\0", 32);
	assert_memory_equal(msg + 32, x, 32);
	assert_memory_equal(msg + 64, y, 32);
	assert_memory_equal(msg + 96, host, 32);
}

static void write_seeds(void)
{
	const char *dir = getenv("ATTEST_SEED");
	const bool modes[] = { true, false };
	struct attest_doc d;
	char path[512], *json;
	size_t len, i;
	FILE *f;

	if (!dir)
		return;
	for (i = 0; i < 2; i++) {
		build(&d, modes[i]);
		if (attest_write_json(&d, &json, &len))
			exit(1);
		snprintf(path, sizeof(path), "%s/%s.json", dir, modes[i] ? "tpm" : "no-tpm");
		f = fopen(path, "wb");
		if (!f || fwrite(json, 1, len, f) != len || fclose(f))
			exit(1);
		free(json);
		attest_free(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_full),
		cmocka_unit_test(test_roundtrip_no_tpm),
		cmocka_unit_test(test_tampered_documents),
		cmocka_unit_test(test_tampered_text),
		cmocka_unit_test(test_no_tpm_flag),
		cmocka_unit_test(test_counters_digest_and_activation),
	};

	write_seeds();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
