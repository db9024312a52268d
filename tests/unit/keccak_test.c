// SPDX-License-Identifier: GPL-2.0
/*
 * Keccak-256 (lib/keccak.c) against published digests and selectors, and
 * incremental hashing across block boundaries against one-shot hashing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "keccak.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static const struct {
	const char *in, *digest;
} digests[] = {
	{ "", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470" },
	{ "abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45" },
};

static void test_digests(void **state)
{
	char got[65];
	uint8_t h[32];

	(void)state;
	for (size_t i = 0; i < sizeof(digests) / sizeof(digests[0]); i++) {
		keccak256(digests[i].in, strlen(digests[i].in), h);
		hex(h, 32, got);
		assert_string_equal(got, digests[i].digest);
	}
}

/* Selectors published with the ERC-20 standard and the Solidity docs. */
static const struct {
	const char *sig, *sel;
} selectors[] = {
	{ "transfer(address,uint256)", "a9059cbb" },
	{ "balanceOf(address)", "70a08231" },
	{ "baz(uint32,bool)", "cdcd77c0" },
	{ "sam(bytes,bool,uint256[])", "a5643bf2" },
	{ "Error(string)", "08c379a0" },
	{ "Panic(uint256)", "4e487b71" },
};

static void test_selectors(void **state)
{
	uint8_t s[4];
	char got[9];

	(void)state;
	for (size_t i = 0; i < sizeof(selectors) / sizeof(selectors[0]); i++) {
		keccak_selector(selectors[i].sig, s);
		hex(s, 4, got);
		assert_string_equal(got, selectors[i].sel);
	}
}

/* Every split of inputs around the 136-byte rate gives the one-shot digest. */
static void test_incremental(void **state)
{
	static const size_t lens[] = { 135, 136, 137, 271, 272, 273, 1000 };
	uint8_t buf[1000], a[32], b[32];
	struct keccak256 k;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
		keccak256(buf, lens[l], a);
		for (size_t cut = 0; cut <= lens[l]; cut += 17) {
			keccak256_init(&k);
			keccak256_update(&k, buf, cut);
			keccak256_update(&k, buf + cut, lens[l] - cut);
			keccak256_final(&k, b);
			assert_memory_equal(a, b, 32);
		}
	}
	/* different lengths differ (padding is length-aware) */
	keccak256(buf, 135, a);
	keccak256(buf, 136, b);
	assert_memory_not_equal(a, b, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_incremental),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
