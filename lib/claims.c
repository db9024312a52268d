// SPDX-License-Identifier: GPL-2.0
/*
 * The claims ABI: 20 static words, big-endian, right-aligned
 * (Documentation/userspace-api/attestation.rst, "Claims").  The decoder is
 * the strict inverse of the encoder: every 640-byte string it accepts
 * re-encodes to itself.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "abi.h"
#include "claims.h"

const char *const claims_word_names[CLAIMS_WORDS] = {
	"version", "agentId", "epoch", "workload", "hostId", "logFirst", "logLast",
	"logHead", "modelDigest", "dataRoot", "requestRoot", "requestCount",
	"countersDigest", "blockNumber", "blockHash", "tpmClock", "tpmResetCount",
	"tpmRestartCount", "flags", "violations",
};

/* How many low-order bytes of each word may be non-zero. */
static const unsigned char word_bytes[CLAIMS_WORDS] = {
	4, 32, 8, 8, 32, 8, 8, 32, 32, 32, 32, 8, 32, 8, 32, 8, 4, 4, 4, 4,
};

static void put_uint(uint8_t w[32], uint64_t v)
{
	uint64_t be = htobe64(v);

	memset(w, 0, 24);
	memcpy(w + 24, &be, 8);
}

static uint64_t get_uint(const uint8_t w[32])
{
	uint64_t be;

	memcpy(&be, w + 24, 8);
	return be64toh(be);
}

void claims_encode(const struct claims *c, uint8_t out[CLAIMS_ABI_SIZE])
{
	uint8_t (*w)[32] = (uint8_t (*)[32])out;

	put_uint(w[0], c->version);
	memcpy(w[1], c->agent_id, 32);
	put_uint(w[2], c->epoch);
	put_uint(w[3], c->workload);
	memcpy(w[4], c->host_id, 32);
	put_uint(w[5], c->log_first);
	put_uint(w[6], c->log_last);
	memcpy(w[7], c->log_head, 32);
	memcpy(w[8], c->model_digest, 32);
	memcpy(w[9], c->data_root, 32);
	memcpy(w[10], c->request_root, 32);
	put_uint(w[11], c->request_count);
	memcpy(w[12], c->counters_digest, 32);
	put_uint(w[13], c->block_number);
	memcpy(w[14], c->block_hash, 32);
	put_uint(w[15], c->tpm_clock);
	put_uint(w[16], c->tpm_reset_count);
	put_uint(w[17], c->tpm_restart_count);
	put_uint(w[18], c->flags);
	put_uint(w[19], c->violations);
}

static int fail(char err[CLAIMS_ERR_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, CLAIMS_ERR_MAX, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int claims_decode(const uint8_t *abi, size_t len, struct claims *c,
		  char err[CLAIMS_ERR_MAX])
{
	const uint8_t (*w)[32] = (const uint8_t (*)[32])abi;
	static const uint8_t zero[32];
	unsigned int i;

	memset(c, 0, sizeof(*c));
	if (len != CLAIMS_ABI_SIZE)
		return fail(err, "claims: %zu bytes, want %d", len, CLAIMS_ABI_SIZE);
	for (i = 0; i < CLAIMS_WORDS; i++)
		if (memcmp(w[i], zero, 32 - word_bytes[i]))
			return fail(err, "word %u (%s): value exceeds uint%u", i,
				    claims_word_names[i], word_bytes[i] * 8);

	c->version = get_uint(w[0]);
	memcpy(c->agent_id, w[1], 32);
	c->epoch = get_uint(w[2]);
	c->workload = get_uint(w[3]);
	memcpy(c->host_id, w[4], 32);
	c->log_first = get_uint(w[5]);
	c->log_last = get_uint(w[6]);
	memcpy(c->log_head, w[7], 32);
	memcpy(c->model_digest, w[8], 32);
	memcpy(c->data_root, w[9], 32);
	memcpy(c->request_root, w[10], 32);
	c->request_count = get_uint(w[11]);
	memcpy(c->counters_digest, w[12], 32);
	c->block_number = get_uint(w[13]);
	memcpy(c->block_hash, w[14], 32);
	c->tpm_clock = get_uint(w[15]);
	c->tpm_reset_count = get_uint(w[16]);
	c->tpm_restart_count = get_uint(w[17]);
	c->flags = get_uint(w[18]);
	c->violations = get_uint(w[19]);

	if (c->version != CLAIMS_VERSION)
		return fail(err, "word 0 (version): %u, want %d", c->version, CLAIMS_VERSION);
	if (c->flags & ~CLAIM_F_KNOWN)
		return fail(err, "word 18 (flags): unknown bits 0x%x",
			    c->flags & ~CLAIM_F_KNOWN);
	return 0;
}

void claims_hash(const struct claims *c, uint8_t out[32])
{
	uint8_t abi[CLAIMS_ABI_SIZE];

	claims_encode(c, abi);
	EVP_Digest(abi, sizeof(abi), out, NULL, EVP_sha256(), NULL);
}

/*
 * Canonical decimal: digits only, no sign, no leading zero (except "0"), at
 * most 78 digits and below 2^256, so each id has exactly one spelling.
 */
int claims_agent_from_dec(const char *s, uint8_t out[32])
{
	uint8_t v[32] = { 0 };
	size_t n = strlen(s), i;
	int j;

	if (n == 0 || n > 78 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		unsigned int carry;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		carry = s[i] - '0';
		for (j = 31; j >= 0; j--) {
			carry += v[j] * 10U;
			v[j] = carry & 0xff;
			carry >>= 8;
		}
		if (carry)
			return -ERANGE;
	}
	memcpy(out, v, 32);
	return 0;
}

void claims_agent_to_dec(const uint8_t id[32], char out[80])
{
	abi_uint256_dec(id, out);
}

struct model_ref {
	const struct model_file *f;
	size_t index;
};

static int model_ref_cmp(const void *a, const void *b)
{
	const struct model_ref *x = a, *y = b;
	int r = strcmp(x->f->path, y->f->path);

	if (r)
		return r;
	return x->index < y->index ? -1 : x->index > y->index;
}

void claims_model_digest(const struct model_file *files, size_t n, uint8_t out[32])
{
	struct model_ref *refs;
	EVP_MD_CTX *ctx;
	size_t i;

	memset(out, 0, 32);
	if (n == 0)
		return;
	refs = calloc(n, sizeof(*refs));
	ctx = EVP_MD_CTX_new();
	if (!refs || !ctx)
		abort();	/* a few bytes per file: nothing sane to return */
	for (i = 0; i < n; i++) {
		refs[i].f = &files[i];
		refs[i].index = i;
	}
	/* Sorted by (path, input index): the last of equal paths wins. */
	qsort(refs, n, sizeof(*refs), model_ref_cmp);
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (i = 0; i < n; i++) {
		if (i + 1 < n && !strcmp(refs[i].f->path, refs[i + 1].f->path))
			continue;
		EVP_DigestUpdate(ctx, refs[i].f->digest, 32);
	}
	EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	free(refs);
}
