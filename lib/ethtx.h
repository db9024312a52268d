/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ethereum transactions signed with secp256k1 (libsecp256k1, recoverable
 * ECDSA, RFC 6979 nonces, low s).
 *
 * EIP-1559 (type 2): 0x02 || rlp([chainId, nonce, maxPriorityFeePerGas,
 * maxFeePerGas, gas, to, value, data, accessList, yParity, r, s]), signed
 * over keccak256(0x02 || rlp(the first nine fields)).  The access list is
 * always empty.
 *
 * Legacy with EIP-155 replay protection: rlp([nonce, gasPrice, gas, to,
 * value, data, v, r, s]), signed over keccak256(rlp([nonce, gasPrice, gas,
 * to, value, data, chainId, 0, 0])), v = chainId * 2 + 35 + yParity.
 */
#ifndef VINFER_ETHTX_H
#define VINFER_ETHTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETHTX_ERR_MAX 160

struct ethtx {
	uint64_t chain_id;
	uint64_t nonce;
	uint64_t max_priority_fee;	/* wei per gas; type 2 */
	uint64_t max_fee;		/* wei per gas; type 2 */
	uint64_t gas_price;		/* wei per gas; legacy */
	uint64_t gas;
	bool has_to;			/* false: contract creation */
	uint8_t to[20];
	uint8_t value[32];		/* wei, big-endian */
	const uint8_t *data;
	size_t data_len;
};

struct ethtx_signed {
	uint8_t *raw;			/* malloc'ed; free with ethtx_signed_free */
	size_t raw_len;
	uint8_t hash[32];		/* the transaction hash: keccak256(raw) */
	uint8_t sighash[32];		/* what was signed */
	uint8_t r[32], s[32];
	int y_parity;
};

int ethtx_sign_1559(const struct ethtx *tx, const uint8_t key[32], struct ethtx_signed *out,
		    char err[ETHTX_ERR_MAX]);
int ethtx_sign_legacy(const struct ethtx *tx, const uint8_t key[32], struct ethtx_signed *out,
		      char err[ETHTX_ERR_MAX]);
void ethtx_signed_free(struct ethtx_signed *s);

/* The address of a private key: the last 20 bytes of keccak256(X || Y). */
int ethtx_address(const uint8_t key[32], uint8_t addr[20], char err[ETHTX_ERR_MAX]);
/* Recovers the signer of sighash from (r, s, y_parity). */
int ethtx_recover(const uint8_t sighash[32], const uint8_t r[32], const uint8_t s[32],
		  int y_parity, uint8_t addr[20], char err[ETHTX_ERR_MAX]);

/* "0x" + 40 hex digits with the EIP-55 mixed-case checksum. */
void ethtx_address_str(const uint8_t addr[20], char out[43]);
/* Accepts "0x" + 40 hex digits; a mixed-case address must carry a valid checksum. */
int ethtx_address_parse(const char *s, uint8_t addr[20], char err[ETHTX_ERR_MAX]);

#endif
