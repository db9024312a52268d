// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the Merkle tree (lib/merkle.c) against roots written out by
 * hand here with OpenSSL for 1, 2, 3, 5 and 8 leaves; every index's proof
 * verifies, and a wrong index, leaf, sibling or root does not.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "merkle.h"

typedef uint8_t hash[32];

static const hash Z;	/* a padding leaf */

static void sha(const void *a, size_t alen, const void *b, size_t blen, const void *c,
		size_t clen, uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_non_null(ctx);
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, a, alen);
	EVP_DigestUpdate(ctx, b, blen);
	EVP_DigestUpdate(ctx, c, clen);
	EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
}

/* N(l, r) = SHA-256(0x01 || l || r), written independently of the library. */
static const uint8_t *N(const uint8_t *l, const uint8_t *r)
{
	static hash pool[64];
	static unsigned int next;
	uint8_t *out = pool[next++ % 64];

	sha("\x01", 1, l, 32, r, 32, out);
	return out;
}

static void leaves_of(hash *leaves, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t payload[64];

		memset(payload, (int)(i + 1), sizeof(payload));	/* input || output */
		sha("\x00", 1, payload, sizeof(payload), "", 0, leaves[i]);
	}
}

static void check_tree(hash *L, size_t n, const uint8_t *want)
{
	uint8_t root[32], proof[MERKLE_MAX_DEPTH][32], bad[32];
	unsigned int depth, want_depth = 0, k;
	size_t i;

	while (((size_t)1 << want_depth) < n)
		want_depth++;
	assert_int_equal(0, merkle_root((const uint8_t (*)[32])L, n, root));
	assert_memory_equal(root, want, 32);
	for (i = 0; i < n; i++) {
		assert_int_equal(0, merkle_proof((const uint8_t (*)[32])L, n, i, proof, &depth));
		assert_int_equal(depth, want_depth);
		assert_true(merkle_verify(L[i], i, (const uint8_t (*)[32])proof, depth, root));
		/* wrong index (in range and out of range) */
		if (n > 1)
			assert_false(merkle_verify(L[i], i ^ 1, (const uint8_t (*)[32])proof,
						   depth, root));
		assert_false(merkle_verify(L[i], i + ((uint64_t)1 << depth),
					   (const uint8_t (*)[32])proof, depth, root));
		/* wrong leaf */
		memcpy(bad, L[i], 32);
		bad[0] ^= 1;
		assert_false(merkle_verify(bad, i, (const uint8_t (*)[32])proof, depth, root));
		/* wrong sibling at every level */
		for (k = 0; k < depth; k++) {
			proof[k][31] ^= 0x80;
			assert_false(merkle_verify(L[i], i, (const uint8_t (*)[32])proof, depth,
						   root));
			proof[k][31] ^= 0x80;
		}
		/* wrong root; a proof too short */
		memcpy(bad, root, 32);
		bad[5] ^= 1;
		assert_false(merkle_verify(L[i], i, (const uint8_t (*)[32])proof, depth, bad));
		if (depth)
			assert_false(merkle_verify(L[i], i, (const uint8_t (*)[32])proof,
						   depth - 1, root));
	}
	assert_int_equal(-EINVAL, merkle_proof((const uint8_t (*)[32])L, n, n, proof, &depth));
}

static void test_roots_and_proofs(void **state)
{
	hash L[8], z1, want;

	(void)state;
	leaves_of(L, 8);
	memcpy(z1, N(Z, Z), 32);

	check_tree(L, 1, L[0]);
	check_tree(L, 2, N(L[0], L[1]));
	memcpy(want, N(N(L[0], L[1]), N(L[2], Z)), 32);
	check_tree(L, 3, want);
	memcpy(want, N(N(N(L[0], L[1]), N(L[2], L[3])), N(N(L[4], Z), z1)), 32);
	check_tree(L, 5, want);
	memcpy(want, N(N(N(L[0], L[1]), N(L[2], L[3])), N(N(L[4], L[5]), N(L[6], L[7]))), 32);
	check_tree(L, 8, want);
}

static void test_leaf_node_and_empty(void **state)
{
	uint8_t payload[64], got[32], want[32], root[32], proof[1][32];
	unsigned int depth;
	hash L[1];

	(void)state;
	memset(payload, 7, sizeof(payload));
	merkle_leaf(payload, sizeof(payload), got);
	sha("\x00", 1, payload, sizeof(payload), "", 0, want);
	assert_memory_equal(got, want, 32);
	merkle_node(payload, payload + 32, got);
	sha("\x01", 1, payload, 32, payload + 32, 32, want);
	assert_memory_equal(got, want, 32);

	memset(root, 0xee, sizeof(root));
	assert_int_equal(0, merkle_root(NULL, 0, root));
	assert_memory_equal(root, Z, 32);
	assert_int_equal(-EINVAL, merkle_proof(L, 0, 0, proof, &depth));
	/* A padding leaf is never a computed leaf, and a zero leaf proves nothing. */
	assert_false(merkle_verify(Z, 0, (const uint8_t (*)[32])proof, MERKLE_MAX_DEPTH + 1,
				   root));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roots_and_proofs),
		cmocka_unit_test(test_leaf_node_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
