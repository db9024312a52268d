// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the claims ABI (lib/claims.c): the encoding is checked word
 * by word against the table of the spec, the decoder refuses every value
 * its type cannot hold, and the model set digest follows the OpenSSF rule
 * (digests sorted by path, a path measured twice counted once).
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "claims.h"

static void sample(struct claims *c)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->version = CLAIMS_VERSION;
	for (i = 0; i < 32; i++) {
		c->agent_id[i] = 0xa0 + i;
		c->host_id[i] = 0x10 + i;
		c->log_head[i] = 0x20 + i;
		c->model_digest[i] = 0x30 + i;
		c->data_root[i] = 0x40 + i;
		c->request_root[i] = 0x50 + i;
		c->counters_digest[i] = 0x60 + i;
		c->block_hash[i] = 0x70 + i;
	}
	c->epoch = 0x0102030405060708ULL;
	c->workload = 0xfffffffffffffffeULL;
	c->log_first = 11;
	c->log_last = 0x8000000000000000ULL;
	c->request_count = 3;
	c->block_number = 19000000;
	c->tpm_clock = 123456789;
	c->tpm_reset_count = 0xffffffffU;
	c->tpm_restart_count = 7;
	c->flags = CLAIM_F_VIOLATION | CLAIM_F_RELOAD;
	c->violations = 2;
}

/* A uint word: 24 zero bytes then the big-endian value. */
static void assert_uint_word(const uint8_t *w, uint64_t v)
{
	uint8_t want[32] = { 0 };
	uint64_t be = htobe64(v);

	memcpy(want + 24, &be, 8);
	assert_memory_equal(w, want, 32);
}

static void test_encoding_follows_the_table(void **state)
{
	uint8_t abi[CLAIMS_ABI_SIZE], digest[32], want[32];
	struct claims c, back;
	char err[CLAIMS_ERR_MAX];

	(void)state;
	sample(&c);
	claims_encode(&c, abi);
	assert_uint_word(abi + 0 * 32, 1);
	assert_memory_equal(abi + 1 * 32, c.agent_id, 32);
	assert_uint_word(abi + 2 * 32, c.epoch);
	assert_uint_word(abi + 3 * 32, c.workload);
	assert_memory_equal(abi + 4 * 32, c.host_id, 32);
	assert_uint_word(abi + 5 * 32, c.log_first);
	assert_uint_word(abi + 6 * 32, c.log_last);
	assert_memory_equal(abi + 7 * 32, c.log_head, 32);
	assert_memory_equal(abi + 8 * 32, c.model_digest, 32);
	assert_memory_equal(abi + 9 * 32, c.data_root, 32);
	assert_memory_equal(abi + 10 * 32, c.request_root, 32);
	assert_uint_word(abi + 11 * 32, c.request_count);
	assert_memory_equal(abi + 12 * 32, c.counters_digest, 32);
	assert_uint_word(abi + 13 * 32, c.block_number);
	assert_memory_equal(abi + 14 * 32, c.block_hash, 32);
	assert_uint_word(abi + 15 * 32, c.tpm_clock);
	assert_uint_word(abi + 16 * 32, c.tpm_reset_count);
	assert_uint_word(abi + 17 * 32, c.tpm_restart_count);
	assert_uint_word(abi + 18 * 32, c.flags);
	assert_uint_word(abi + 19 * 32, c.violations);

	assert_int_equal(0, claims_decode(abi, sizeof(abi), &back, err));
	assert_memory_equal(&c, &back, sizeof(c));

	claims_hash(&c, digest);
	EVP_Digest(abi, sizeof(abi), want, NULL, EVP_sha256(), NULL);
	assert_memory_equal(digest, want, 32);
	assert_string_equal(claims_word_names[6], "logLast");
}

static void test_decode_refuses(void **state)
{
	static const struct {
		unsigned int byte;	/* offset in the ABI */
		uint8_t value;
		const char *msg;
	} cases[] = {
		{ 0 * 32 + 27, 1, "word 0 (version): value exceeds uint32" },
		{ 0 * 32 + 31, 2, "word 0 (version): 2, want 1" },
		{ 2 * 32 + 23, 1, "word 2 (epoch): value exceeds uint64" },
		{ 6 * 32 + 0, 0x80, "word 6 (logLast): value exceeds uint64" },
		{ 16 * 32 + 27, 1, "word 16 (tpmResetCount): value exceeds uint32" },
		{ 18 * 32 + 31, 0x40, "word 18 (flags): unknown bits 0x40" },
		{ 18 * 32 + 28, 0x80, "word 18 (flags): unknown bits 0x80000000" },
		{ 19 * 32 + 0, 1, "word 19 (violations): value exceeds uint32" },
	};
	uint8_t abi[CLAIMS_ABI_SIZE];
	char err[CLAIMS_ERR_MAX];
	struct claims c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sample(&c);
		claims_encode(&c, abi);
		abi[cases[i].byte] = cases[i].value;
		assert_int_equal(-EINVAL, claims_decode(abi, sizeof(abi), &c, err));
		assert_string_equal(err, cases[i].msg);
	}
	sample(&c);
	claims_encode(&c, abi);
	assert_int_equal(-EINVAL, claims_decode(abi, sizeof(abi) - 1, &c, err));
	assert_string_equal(err, "claims: 639 bytes, want 640");
	/* Any value fits a bytes32 or the uint256 agent id. */
	memset(abi + 32, 0xff, 32);
	memset(abi + 4 * 32, 0xff, 32);
	assert_int_equal(0, claims_decode(abi, sizeof(abi), &c, err));
}

static void test_agent_id_decimal(void **state)
{
	static const char *const max =
		"115792089237316195423570985008687907853269984665640564039457584007913129639935";
	static const char *const bad[] = { "", "-1", "+1", "01", "1a", " 1", "1 ", "0x10",
		"115792089237316195423570985008687907853269984665640564039457584007913129639936",
		"1157920892373161954235709850086879078532699846656405640394575840079131296399350",
	};
	uint8_t id[32], want[32] = { 0 };
	char dec[80];
	size_t i;

	(void)state;
	assert_int_equal(0, claims_agent_from_dec("0", id));
	assert_memory_equal(id, want, 32);
	claims_agent_to_dec(id, dec);
	assert_string_equal(dec, "0");

	assert_int_equal(0, claims_agent_from_dec("4660", id));	/* 0x1234 */
	want[30] = 0x12;
	want[31] = 0x34;
	assert_memory_equal(id, want, 32);
	claims_agent_to_dec(id, dec);
	assert_string_equal(dec, "4660");

	assert_int_equal(0, claims_agent_from_dec("18446744073709551616", id));	/* 2^64 */
	memset(want, 0, 32);
	want[23] = 1;
	assert_memory_equal(id, want, 32);

	assert_int_equal(0, claims_agent_from_dec(max, id));
	memset(want, 0xff, 32);
	assert_memory_equal(id, want, 32);
	claims_agent_to_dec(id, dec);
	assert_string_equal(dec, max);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (claims_agent_from_dec(bad[i], id) == 0)
			fail_msg("agent id \"%s\" accepted", bad[i]);
}

static void digest_of(const char *s, uint8_t out[32])
{
	EVP_Digest(s, strlen(s), out, NULL, EVP_sha256(), NULL);
}

static void test_model_digest(void **state)
{
	struct model_file f[4] = {
		{ .path = "/m/b.bin" }, { .path = "/m/a.bin" }, { .path = "/m/b.bin" },
		{ .path = "/m/B.bin" },
	};
	uint8_t cat[3 * 32], want[32], got[32], zero[32] = { 0 };

	(void)state;
	digest_of("b-old", f[0].digest);
	digest_of("a", f[1].digest);
	digest_of("b-new", f[2].digest);
	digest_of("B", f[3].digest);

	claims_model_digest(f, 0, got);
	assert_memory_equal(got, zero, 32);

	/* One file: SHA-256 of its digest. */
	claims_model_digest(f + 1, 1, got);
	EVP_Digest(f[1].digest, 32, want, NULL, EVP_sha256(), NULL);
	assert_memory_equal(got, want, 32);

	/* "/m/B.bin" < "/m/a.bin" < "/m/b.bin" bytewise; the later "/m/b.bin" wins. */
	memcpy(cat, f[3].digest, 32);
	memcpy(cat + 32, f[1].digest, 32);
	memcpy(cat + 64, f[2].digest, 32);
	EVP_Digest(cat, sizeof(cat), want, NULL, EVP_sha256(), NULL);
	claims_model_digest(f, 4, got);
	assert_memory_equal(got, want, 32);

	/* The input order of distinct paths does not matter. */
	{
		struct model_file g[3] = { f[2], f[3], f[1] };

		claims_model_digest(g, 3, got);
		assert_memory_equal(got, want, 32);
	}
}

/* With CLAIMS_SEED=DIR, write the fuzzer's seeds there. */
static void write_seeds(void)
{
	const char *dir = getenv("CLAIMS_SEED");
	uint8_t abi[CLAIMS_ABI_SIZE];
	struct claims c;
	char path[512];
	FILE *f;

	if (!dir)
		return;
	sample(&c);
	claims_encode(&c, abi);
	snprintf(path, sizeof(path), "%s/valid", dir);
	f = fopen(path, "wb");
	if (!f || fwrite(abi, 1, sizeof(abi), f) != sizeof(abi) || fclose(f))
		exit(1);
	abi[6 * 32] = 1;
	snprintf(path, sizeof(path), "%s/wide-loglast", dir);
	f = fopen(path, "wb");
	if (!f || fwrite(abi, 1, sizeof(abi), f) != sizeof(abi) || fclose(f))
		exit(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encoding_follows_the_table),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test(test_agent_id_decimal),
		cmocka_unit_test(test_model_digest),
	};

	write_seeds();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
