// SPDX-License-Identifier: GPL-2.0
/*
 * The attestation Merkle tree (RFC 6962 domain separation, padded with zero
 * leaves to a power of two).  The padding is never materialised: a level of
 * odd length borrows the root of an all-zero subtree of that height, which
 * is what the padded tree has in that place.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "merkle.h"

void merkle_leaf(const uint8_t *payload, size_t len, uint8_t out[32])
{
	static const uint8_t prefix = 0x00;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		abort();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, &prefix, 1);
	EVP_DigestUpdate(ctx, payload, len);
	EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
}

void merkle_node(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
	uint8_t in[65];

	in[0] = 0x01;
	memcpy(in + 1, l, 32);
	memcpy(in + 33, r, 32);
	EVP_Digest(in, sizeof(in), out, NULL, EVP_sha256(), NULL);
}

/*
 * Walks the tree bottom-up over a copy of the leaves; when proof is given,
 * records the sibling of index at each level.  Returns the depth or -errno.
 */
static int merkle_walk(const uint8_t (*leaves)[32], size_t n, size_t index,
		       uint8_t root[32], uint8_t proof[][32])
{
	uint8_t zero[32] = { 0 };	/* root of an all-zero subtree of this height */
	uint8_t (*level)[32];
	unsigned int depth = 0;
	size_t m = n, i;

	if (n == 0) {
		memset(root, 0, 32);
		return 0;
	}
	if (n > (size_t)1 << MERKLE_MAX_DEPTH)
		return -E2BIG;
	level = malloc(n * 32);
	if (!level)
		return -ENOMEM;
	memcpy(level, leaves, n * 32);
	while (m > 1) {
		if (proof) {
			size_t sib = index ^ 1;

			memcpy(proof[depth], sib < m ? level[sib] : zero, 32);
		}
		for (i = 0; i < m; i += 2)
			merkle_node(level[i], i + 1 < m ? level[i + 1] : zero, level[i / 2]);
		m = (m + 1) / 2;
		index /= 2;
		merkle_node(zero, zero, zero);
		depth++;
	}
	memcpy(root, level[0], 32);
	free(level);
	return depth;
}

int merkle_root(const uint8_t (*leaves)[32], size_t n, uint8_t root[32])
{
	int r = merkle_walk(leaves, n, 0, root, NULL);

	return r < 0 ? r : 0;
}

int merkle_proof(const uint8_t (*leaves)[32], size_t n, size_t index,
		 uint8_t proof[][32], unsigned int *depth)
{
	uint8_t root[32];
	int r;

	if (index >= n)
		return -EINVAL;
	r = merkle_walk(leaves, n, index, root, proof);
	if (r < 0)
		return r;
	*depth = r;
	return 0;
}

bool merkle_verify(const uint8_t leaf[32], uint64_t index,
		   const uint8_t proof[][32], unsigned int depth,
		   const uint8_t root[32])
{
	uint8_t h[32];
	unsigned int k;

	if (depth > MERKLE_MAX_DEPTH || (index >> depth) != 0)
		return false;
	memcpy(h, leaf, 32);
	for (k = 0; k < depth; k++) {
		if ((index >> k) & 1)
			merkle_node(proof[k], h, h);
		else
			merkle_node(h, proof[k], h);
	}
	return !memcmp(h, root, 32);
}
