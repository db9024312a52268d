/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one Merkle tree of attestations (requests, data files): leaves
 * SHA-256(0x00 || payload), nodes SHA-256(0x01 || l || r), padded with zero
 * leaves to a power of two (Documentation/userspace-api/attestation.rst).
 */
#ifndef VINFER_MERKLE_H
#define VINFER_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MERKLE_MAX_DEPTH	40

void merkle_leaf(const uint8_t *payload, size_t len, uint8_t out[32]);
void merkle_node(const uint8_t l[32], const uint8_t r[32], uint8_t out[32]);

/*
 * Root over n leaf hashes (not payloads); zeros for n == 0, the leaf itself
 * for n == 1.  -E2BIG beyond 2^MERKLE_MAX_DEPTH leaves, -ENOMEM.
 */
int merkle_root(const uint8_t (*leaves)[32], size_t n, uint8_t root[32]);
/*
 * The sibling path of leaf index: *depth siblings, bottom-up, written to
 * proof (room for MERKLE_MAX_DEPTH).  -EINVAL for index >= n.
 */
int merkle_proof(const uint8_t (*leaves)[32], size_t n, size_t index,
		 uint8_t proof[][32], unsigned int *depth);
/* False for depth > MERKLE_MAX_DEPTH or an index beyond 2^depth. */
bool merkle_verify(const uint8_t leaf[32], uint64_t index,
		   const uint8_t proof[][32], unsigned int depth,
		   const uint8_t root[32]);

#endif
