/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keccak-256 as Ethereum uses it: the original Keccak padding (0x01 ... 0x80),
 * not the SHA3-256 of FIPS 202 (0x06 ... 0x80).  Hashes transactions,
 * addresses, function selectors, event topics and keystore MACs.
 */
#ifndef VINFER_KECCAK_H
#define VINFER_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define KECCAK256_RATE	136

struct keccak256 {
	uint64_t st[25];
	size_t pos;		/* bytes absorbed into the current block */
};

void keccak256_init(struct keccak256 *k);
void keccak256_update(struct keccak256 *k, const void *data, size_t len);
/* Writes the digest and wipes the state. */
void keccak256_final(struct keccak256 *k, uint8_t out[32]);
void keccak256(const void *data, size_t len, uint8_t out[32]);

/* The first four bytes of keccak256(signature), e.g. "submit(bytes,bytes,bytes32,bytes32)". */
void keccak_selector(const char *signature, uint8_t out[4]);

#endif
