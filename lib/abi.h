/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Solidity ABI (docs.soliditylang.org, "Contract ABI Specification"): the
 * calls vinfer makes and the simple values and reverts it reads back.
 *
 * A call is the 4-byte selector (keccak256 of the canonical signature)
 * followed by the arguments' head (one word per argument: the value of a
 * static type, the offset of a dynamic one) and the tail (length-prefixed,
 * zero-padded dynamic values).
 */
#ifndef VINFER_ABI_H
#define VINFER_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ABI_ERR_MAX	160
#define ABI_REVERT_MAX	160

enum abi_type {
	ABI_UINT256,		/* p: 32 bytes big-endian */
	ABI_UINT64,		/* u */
	ABI_BOOL,		/* u: 0 or 1 */
	ABI_BYTES32,		/* p: 32 bytes */
	ABI_BYTES,		/* p, len */
	ABI_STRING,		/* p, len: UTF-8, not NUL-terminated */
	ABI_BYTES32_ARRAY,	/* p: len * 32 bytes */
};

struct abi_arg {
	enum abi_type type;
	const uint8_t *p;
	size_t len;
	uint64_t u;
};

/*
 * Encodes selector(signature) || args.  The signature must list exactly
 * the argument types given (checked).  *out is malloc'ed.
 */
int abi_encode_call(const char *signature, const struct abi_arg *args, size_t n,
		    uint8_t **out, size_t *out_len, char err[ABI_ERR_MAX]);

/* Return values: word i of ret, strictly typed (high bytes must be zero). */
int abi_ret_word(const uint8_t *ret, size_t len, size_t i, uint8_t out[32],
		 char err[ABI_ERR_MAX]);
int abi_ret_uint64(const uint8_t *ret, size_t len, size_t i, uint64_t *v,
		   char err[ABI_ERR_MAX]);
int abi_ret_bool(const uint8_t *ret, size_t len, size_t i, bool *v, char err[ABI_ERR_MAX]);

/*
 * Names a revert: a custom error from errors[] (canonical signatures such as
 * "Truncated(uint256)", static argument types only) with its arguments,
 * Error(string), Panic(uint256), or the unknown selector.  Returns 1 when it
 * matched errors[] (name written to out), 0 for anything else (a
 * description written to out).
 */
int abi_revert_name(const uint8_t *data, size_t len, const char *const *errors, size_t n,
		    char out[ABI_REVERT_MAX]);

/* uint256 (big-endian) to decimal. */
void abi_uint256_dec(const uint8_t be[32], char out[80]);

#endif
