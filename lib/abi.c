// SPDX-License-Identifier: GPL-2.0
/*
 * Solidity ABI encoding of calls and decoding of returns and reverts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "keccak.h"

static const char *const type_names[] = {
	[ABI_UINT256] = "uint256", [ABI_UINT64] = "uint64", [ABI_BOOL] = "bool",
	[ABI_BYTES32] = "bytes32", [ABI_BYTES] = "bytes", [ABI_STRING] = "string",
	[ABI_BYTES32_ARRAY] = "bytes32[]",
};

static size_t padded(size_t len)
{
	return (len + 31) / 32 * 32;
}

static size_t tail_size(const struct abi_arg *a)
{
	switch (a->type) {
	case ABI_BYTES:
	case ABI_STRING:
		return 32 + padded(a->len);
	case ABI_BYTES32_ARRAY:
		return 32 + 32 * a->len;
	default:
		return 0;
	}
}

static void put_u64(uint8_t w[32], uint64_t v)
{
	int i;

	memset(w, 0, 32);
	for (i = 0; i < 8; i++)
		w[31 - i] = (uint8_t)(v >> (8 * i));
}

/* Checks that signature is "name(" types joined by "," ")". */
static int check_signature(const char *sig, const struct abi_arg *args, size_t n,
			   char err[ABI_ERR_MAX])
{
	const char *p = strchr(sig, '(');
	size_t i, l;

	if (!p || p == sig)
		goto bad;
	p++;
	for (i = 0; i < n; i++) {
		if (args[i].type > ABI_BYTES32_ARRAY)
			goto bad;
		l = strlen(type_names[args[i].type]);
		if (strncmp(p, type_names[args[i].type], l))
			goto bad;
		p += l;
		if (*p != (i + 1 < n ? ',' : ')'))
			goto bad;
		p++;
	}
	if (!n && *p++ != ')')
		goto bad;
	if (*p)
		goto bad;
	return 0;
bad:
	snprintf(err, ABI_ERR_MAX, "abi: signature '%s' does not match the %zu arguments", sig, n);
	return -EINVAL;
}

int abi_encode_call(const char *signature, const struct abi_arg *args, size_t n,
		    uint8_t **out, size_t *out_len, char err[ABI_ERR_MAX])
{
	size_t total = 4 + 32 * n, i, j, head, tail;
	uint8_t *buf;

	if (check_signature(signature, args, n, err))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (args[i].type == ABI_BOOL && args[i].u > 1) {
			snprintf(err, ABI_ERR_MAX, "abi: argument %zu: bool %llu", i,
				 (unsigned long long)args[i].u);
			return -EINVAL;
		}
		if (args[i].len > (1u << 24)) {
			snprintf(err, ABI_ERR_MAX, "abi: argument %zu: %zu bytes is too long", i,
				 args[i].len);
			return -EINVAL;
		}
		total += tail_size(&args[i]);
	}
	buf = calloc(1, total);
	if (!buf) {
		snprintf(err, ABI_ERR_MAX, "abi: out of memory");
		return -ENOMEM;
	}
	keccak_selector(signature, buf);
	head = 4;
	tail = 32 * n;		/* offsets count from the start of the arguments */
	for (i = 0; i < n; i++, head += 32) {
		const struct abi_arg *a = &args[i];
		uint8_t *w = buf + head;

		switch (a->type) {
		case ABI_UINT256:
		case ABI_BYTES32:
			memcpy(w, a->p, 32);
			break;
		case ABI_UINT64:
		case ABI_BOOL:
			put_u64(w, a->u);
			break;
		case ABI_BYTES:
		case ABI_STRING:
			put_u64(w, tail);
			put_u64(buf + 4 + tail, a->len);
			if (a->len)
				memcpy(buf + 4 + tail + 32, a->p, a->len);
			tail += tail_size(a);
			break;
		case ABI_BYTES32_ARRAY:
			put_u64(w, tail);
			put_u64(buf + 4 + tail, a->len);
			for (j = 0; j < a->len; j++)
				memcpy(buf + 4 + tail + 32 + 32 * j, a->p + 32 * j, 32);
			tail += tail_size(a);
			break;
		}
	}
	*out = buf;
	*out_len = total;
	return 0;
}

int abi_ret_word(const uint8_t *ret, size_t len, size_t i, uint8_t out[32],
		 char err[ABI_ERR_MAX])
{
	if (len % 32 || len / 32 <= i) {
		snprintf(err, ABI_ERR_MAX, "abi: return of %zu bytes has no word %zu", len, i);
		return -EINVAL;
	}
	memcpy(out, ret + 32 * i, 32);
	return 0;
}

static int word_high_zero(const uint8_t w[32], size_t keep)
{
	size_t i;

	for (i = 0; i < 32 - keep; i++)
		if (w[i])
			return 0;
	return 1;
}

int abi_ret_uint64(const uint8_t *ret, size_t len, size_t i, uint64_t *v,
		   char err[ABI_ERR_MAX])
{
	uint8_t w[32];
	int k;

	if (abi_ret_word(ret, len, i, w, err))
		return -EINVAL;
	if (!word_high_zero(w, 8)) {
		snprintf(err, ABI_ERR_MAX, "abi: return word %zu is wider than uint64", i);
		return -EINVAL;
	}
	*v = 0;
	for (k = 24; k < 32; k++)
		*v = (*v << 8) | w[k];
	return 0;
}

int abi_ret_bool(const uint8_t *ret, size_t len, size_t i, bool *v, char err[ABI_ERR_MAX])
{
	uint64_t u;

	if (abi_ret_uint64(ret, len, i, &u, err))
		return -EINVAL;
	if (u > 1) {
		snprintf(err, ABI_ERR_MAX, "abi: return word %zu: bool %llu", i,
			 (unsigned long long)u);
		return -EINVAL;
	}
	*v = u;
	return 0;
}

void abi_uint256_dec(const uint8_t be[32], char out[80])
{
	uint8_t n[32];
	char tmp[80];
	size_t len = 0, i;
	bool zero;

	memcpy(n, be, 32);
	do {
		unsigned rem = 0;

		zero = true;
		for (i = 0; i < 32; i++) {
			unsigned cur = (rem << 8) | n[i];

			n[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
			if (n[i])
				zero = false;
		}
		tmp[len++] = (char)('0' + rem);
	} while (!zero);
	for (i = 0; i < len; i++)
		out[i] = tmp[len - 1 - i];
	out[len] = 0;
}

/* Number of arguments in a signature with static types only; -1 if dynamic. */
static int static_args(const char *sig)
{
	const char *p = strchr(sig, '(');
	int n = 0;

	if (!p)
		return -1;
	if (strstr(sig, "bytes,") || strstr(sig, "bytes)") || strstr(sig, "string") ||
	    strchr(sig, '['))
		return -1;
	if (p[1] == ')')
		return 0;
	for (n = 1; *p; p++)
		if (*p == ',')
			n++;
	return n;
}

int abi_revert_name(const uint8_t *data, size_t len, const char *const *errors, size_t n,
		    char out[ABI_REVERT_MAX])
{
	uint8_t sel[4], w[32];
	char dec[80], tmp[ABI_ERR_MAX];
	size_t i, used;
	int k, args;

	if (len == 0) {
		snprintf(out, ABI_REVERT_MAX, "revert without data");
		return 0;
	}
	if (len < 4) {
		snprintf(out, ABI_REVERT_MAX, "revert data of %zu bytes", len);
		return 0;
	}
	for (i = 0; i < n; i++) {
		keccak_selector(errors[i], sel);
		if (memcmp(sel, data, 4))
			continue;
		args = static_args(errors[i]);
		used = (size_t)(strchr(errors[i], '(') - errors[i]);
		if (args < 0 || len != 4 + 32 * (size_t)args) {
			snprintf(out, ABI_REVERT_MAX, "%.*s (malformed arguments)", (int)used,
				 errors[i]);
			return 1;
		}
		used = (size_t)snprintf(out, ABI_REVERT_MAX, "%.*s", (int)used, errors[i]);
		for (k = 0; k < args && used < ABI_REVERT_MAX; k++) {
			abi_uint256_dec(data + 4 + 32 * k, dec);
			used += (size_t)snprintf(out + used, ABI_REVERT_MAX - used, "%s%s",
						 k ? "," : "(", dec);
		}
		if (args && used < ABI_REVERT_MAX)
			snprintf(out + used, ABI_REVERT_MAX - used, ")");
		return 1;
	}
	keccak_selector("Error(string)", sel);
	if (!memcmp(sel, data, 4)) {
		uint64_t off, slen;

		if (abi_ret_uint64(data + 4, (len - 4) / 32 * 32, 0, &off, tmp) || off != 32 ||
		    abi_ret_uint64(data + 4, (len - 4) / 32 * 32, 1, &slen, tmp) ||
		    slen > len - 4 - 64) {
			snprintf(out, ABI_REVERT_MAX, "Error(string) malformed");
			return 0;
		}
		snprintf(out, ABI_REVERT_MAX, "Error(\"");
		used = strlen(out);
		for (i = 0; i < slen && used + 8 < ABI_REVERT_MAX; i++) {
			uint8_t c = data[4 + 64 + i];

			out[used++] = c >= 0x20 && c < 0x7f && c != '"' ? (char)c : '?';
		}
		snprintf(out + used, ABI_REVERT_MAX - used, "\")");
		return 0;
	}
	keccak_selector("Panic(uint256)", sel);
	if (!memcmp(sel, data, 4) && len == 36) {
		memcpy(w, data + 4, 32);
		abi_uint256_dec(w, dec);
		snprintf(out, ABI_REVERT_MAX, "Panic(%s)", dec);
		return 0;
	}
	snprintf(out, ABI_REVERT_MAX, "unknown error 0x%02x%02x%02x%02x (%zu bytes)", data[0],
		 data[1], data[2], data[3], len);
	return 0;
}
