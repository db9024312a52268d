// SPDX-License-Identifier: GPL-2.0
/*
 * Solidity ABI (lib/abi.c): the Solidity documentation's encoding example,
 * the layout of every type vinfer sends, strict return decoding, and revert
 * names.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "abi.h"
#include "keccak.h"

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;

	for (; *s; s += 2) {
		while (*s == ' ' || *s == '\n')
			s++;
		if (!*s)
			break;
		sscanf(s, "%2hhx", &out[n++]);
	}
	return n;
}

/*
 * The documentation's sam("dave", true, [1, 2, 3]).  bytes32[] is laid out
 * as uint256[] is, so with "sam(bytes,bool,bytes32[])" only the selector
 * differs from the published call.
 */
static void test_docs_example(void **state)
{
	static const char body[] =
		"0000000000000000000000000000000000000000000000000000000000000060"
		"0000000000000000000000000000000000000000000000000000000000000001"
		"00000000000000000000000000000000000000000000000000000000000000a0"
		"0000000000000000000000000000000000000000000000000000000000000004"
		"6461766500000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000003"
		"0000000000000000000000000000000000000000000000000000000000000001"
		"0000000000000000000000000000000000000000000000000000000000000002"
		"0000000000000000000000000000000000000000000000000000000000000003";
	uint8_t want[512], arr[96] = { 0 }, sel[4], *out;
	size_t n = unhex(body, want), len;
	char err[ABI_ERR_MAX];
	struct abi_arg args[] = {
		{ .type = ABI_BYTES, .p = (const uint8_t *)"dave", .len = 4 },
		{ .type = ABI_BOOL, .u = 1 },
		{ .type = ABI_BYTES32_ARRAY, .p = arr, .len = 3 },
	};

	(void)state;
	arr[31] = 1;
	arr[63] = 2;
	arr[95] = 3;
	assert_int_equal(abi_encode_call("sam(bytes,bool,bytes32[])", args, 3, &out, &len, err), 0);
	assert_int_equal(len, 4 + n);
	keccak_selector("sam(bytes,bool,bytes32[])", sel);
	assert_memory_equal(out, sel, 4);
	assert_memory_equal(out + 4, want, n);
	free(out);
}

/* submit(bytes,bytes,bytes32,bytes32) with a 640-byte and a 33-byte value. */
static void test_submit_layout(void **state)
{
	uint8_t claims[640], attest[33], r[32], s[32], *out;
	char err[ABI_ERR_MAX];
	size_t len;
	struct abi_arg args[] = {
		{ .type = ABI_BYTES, .p = claims, .len = sizeof(claims) },
		{ .type = ABI_BYTES, .p = attest, .len = sizeof(attest) },
		{ .type = ABI_BYTES32, .p = r },
		{ .type = ABI_BYTES32, .p = s },
	};
	uint64_t v;

	(void)state;
	memset(claims, 0xc1, sizeof(claims));
	memset(attest, 0xa7, sizeof(attest));
	memset(r, 0x11, sizeof(r));
	memset(s, 0x22, sizeof(s));
	assert_int_equal(abi_encode_call("submit(bytes,bytes,bytes32,bytes32)", args, 4, &out,
					 &len, err), 0);
	/* head 4 words, claims 32 + 640, attest 32 + 64 */
	assert_int_equal(len, 4 + 128 + 672 + 96);
	assert_int_equal(abi_ret_uint64(out + 4, 128, 0, &v, err), 0);
	assert_int_equal(v, 128);
	assert_int_equal(abi_ret_uint64(out + 4, 128, 1, &v, err), 0);
	assert_int_equal(v, 128 + 672);
	assert_memory_equal(out + 4 + 64, r, 32);
	assert_memory_equal(out + 4 + 96, s, 32);
	assert_int_equal(abi_ret_uint64(out + 4 + 128, 32, 0, &v, err), 0);
	assert_int_equal(v, 640);
	assert_memory_equal(out + 4 + 160, claims, 640);
	assert_int_equal(abi_ret_uint64(out + 4 + 800, 32, 0, &v, err), 0);
	assert_int_equal(v, 33);
	assert_memory_equal(out + 4 + 832, attest, 33);
	/* zero padding after the 33 bytes */
	for (size_t i = 33; i < 64; i++)
		assert_int_equal(out[4 + 832 + i], 0);
	free(out);
}

static void test_string_and_mismatch(void **state)
{
	uint8_t *out = NULL, x[32] = { 0 };
	char err[ABI_ERR_MAX];
	size_t len;
	struct abi_arg s = { .type = ABI_STRING, .p = (const uint8_t *)"https://a.example/x",
			     .len = 19 };
	struct abi_arg u = { .type = ABI_UINT256, .p = x };

	(void)state;
	assert_int_equal(abi_encode_call("f(string)", &s, 1, &out, &len, err), 0);
	assert_int_equal(len, 4 + 32 + 32 + 32);
	assert_memory_equal(out + 4 + 64, "https://a.example/x", 19);
	free(out);
	/* the signature must name the argument types given */
	assert_int_equal(abi_encode_call("f(bytes)", &s, 1, &out, &len, err), -EINVAL);
	assert_non_null(strstr(err, "f(bytes)"));
	assert_int_equal(abi_encode_call("f(uint256,uint256)", &u, 1, &out, &len, err), -EINVAL);
	assert_int_equal(abi_encode_call("f()", &u, 1, &out, &len, err), -EINVAL);
	assert_int_equal(abi_encode_call("reputation(uint256)", &u, 1, &out, &len, err), 0);
	assert_int_equal(len, 36);
	free(out);
}

static void test_returns(void **state)
{
	uint8_t ret[64] = { 0 };
	char err[ABI_ERR_MAX];
	uint64_t v;
	bool b;

	(void)state;
	ret[31] = 1;
	ret[63] = 7;
	assert_int_equal(abi_ret_bool(ret, 64, 0, &b, err), 0);
	assert_true(b);
	assert_int_equal(abi_ret_bool(ret, 64, 1, &b, err), -EINVAL);	/* 7 is no bool */
	assert_int_equal(abi_ret_uint64(ret, 64, 1, &v, err), 0);
	assert_int_equal(v, 7);
	ret[32] = 1;						/* wider than uint64 */
	assert_int_equal(abi_ret_uint64(ret, 64, 1, &v, err), -EINVAL);
	assert_int_equal(abi_ret_uint64(ret, 64, 2, &v, err), -EINVAL);	/* no word 2 */
	assert_int_equal(abi_ret_bool(ret, 63, 0, &b, err), -EINVAL);	/* not words */
}

static void test_reverts(void **state)
{
	static const char *const errors[] = { "BadMagic()", "Truncated(uint256)" };
	uint8_t data[256] = { 0 };
	char out[ABI_REVERT_MAX];

	(void)state;
	keccak_selector("BadMagic()", data);
	assert_int_equal(abi_revert_name(data, 4, errors, 2, out), 1);
	assert_string_equal(out, "BadMagic");
	keccak_selector("Truncated(uint256)", data);
	data[4 + 31] = 42;
	assert_int_equal(abi_revert_name(data, 36, errors, 2, out), 1);
	assert_string_equal(out, "Truncated(42)");
	assert_int_equal(abi_revert_name(data, 35, errors, 2, out), 1);
	assert_non_null(strstr(out, "malformed"));

	memset(data, 0, sizeof(data));
	keccak_selector("Error(string)", data);
	data[4 + 31] = 32;
	data[4 + 63] = 2;
	memcpy(data + 4 + 64, "no", 2);
	assert_int_equal(abi_revert_name(data, 4 + 96, errors, 2, out), 0);
	assert_string_equal(out, "Error(\"no\")");

	memset(data, 0, sizeof(data));
	keccak_selector("Panic(uint256)", data);
	data[4 + 31] = 0x11;
	assert_int_equal(abi_revert_name(data, 36, errors, 2, out), 0);
	assert_string_equal(out, "Panic(17)");

	memcpy(data, "\xde\xad\xbe\xef", 4);
	assert_int_equal(abi_revert_name(data, 4, errors, 2, out), 0);
	assert_non_null(strstr(out, "0xdeadbeef"));
	assert_int_equal(abi_revert_name(data, 0, errors, 2, out), 0);
}

static void test_decimal(void **state)
{
	uint8_t v[32] = { 0 };
	char out[80];

	(void)state;
	abi_uint256_dec(v, out);
	assert_string_equal(out, "0");
	memset(v, 0xff, 32);
	abi_uint256_dec(v, out);
	assert_string_equal(out, "115792089237316195423570985008687907853269984665640564039457584007913129639935");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docs_example),
		cmocka_unit_test(test_submit_layout),
		cmocka_unit_test(test_string_and_mismatch),
		cmocka_unit_test(test_returns),
		cmocka_unit_test(test_reverts),
		cmocka_unit_test(test_decimal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
