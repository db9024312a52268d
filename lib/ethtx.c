// SPDX-License-Identifier: GPL-2.0
/*
 * Transaction encoding and signing (see ethtx.h).
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "ethtx.h"
#include "keccak.h"
#include "rlp.h"

/*
 * One signing context for the process.  libsecp256k1 contexts are
 * read-only after creation and randomisation, so sharing is safe; creation
 * is guarded by pthread_once.
 */
static secp256k1_context *ctx;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;

static void ctx_create(void)
{
	unsigned char seed[32];
	FILE *f;

	ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	f = fopen("/dev/urandom", "rb");
	/* randomisation only blinds side channels; a failure leaves it unblinded */
	if (ctx && f && fread(seed, 1, sizeof(seed), f) == sizeof(seed) &&
	    !secp256k1_context_randomize(ctx, seed))
		fprintf(stderr, "secp256k1: context randomisation failed\n");
	if (f)
		fclose(f);
	OPENSSL_cleanse(seed, sizeof(seed));
}

static secp256k1_context *context(char err[ETHTX_ERR_MAX])
{
	pthread_once(&ctx_once, ctx_create);
	if (!ctx)
		snprintf(err, ETHTX_ERR_MAX, "secp256k1: cannot create a context");
	return ctx;
}

static int sign_hash(const uint8_t hash[32], const uint8_t key[32], struct ethtx_signed *out,
		     char err[ETHTX_ERR_MAX])
{
	secp256k1_ecdsa_recoverable_signature sig;
	secp256k1_context *c = context(err);
	uint8_t compact[64];
	int recid;

	if (!c)
		return -ENOMEM;
	if (!secp256k1_ec_seckey_verify(c, key)) {
		snprintf(err, ETHTX_ERR_MAX, "secp256k1: the private key is not valid");
		return -EINVAL;
	}
	if (!secp256k1_ecdsa_sign_recoverable(c, &sig, hash, key, NULL, NULL)) {
		snprintf(err, ETHTX_ERR_MAX, "secp256k1: signing failed");
		return -EINVAL;
	}
	secp256k1_ecdsa_recoverable_signature_serialize_compact(c, compact, &recid, &sig);
	if (recid > 1) {
		/* r overflowed the group order: probability ~2^-127 */
		snprintf(err, ETHTX_ERR_MAX, "secp256k1: recovery id %d has no y parity", recid);
		return -EINVAL;
	}
	memcpy(out->r, compact, 32);
	memcpy(out->s, compact + 32, 32);
	out->y_parity = recid;
	memcpy(out->sighash, hash, 32);
	return 0;
}

static int finish(struct rlp_buf *b, struct ethtx_signed *out, char err[ETHTX_ERR_MAX])
{
	if (rlp_finish(b)) {
		rlp_free(b);
		snprintf(err, ETHTX_ERR_MAX, "ethtx: out of memory");
		return -ENOMEM;
	}
	out->raw = b->data;
	out->raw_len = b->len;
	keccak256(out->raw, out->raw_len, out->hash);
	return 0;
}

/* The nine fields that the type-2 signature covers, in one list. */
static void put_1559_fields(struct rlp_buf *b, const struct ethtx *tx)
{
	rlp_put_uint(b, tx->chain_id);
	rlp_put_uint(b, tx->nonce);
	rlp_put_uint(b, tx->max_priority_fee);
	rlp_put_uint(b, tx->max_fee);
	rlp_put_uint(b, tx->gas);
	rlp_put_bytes(b, tx->to, tx->has_to ? 20 : 0);
	rlp_put_uint256(b, tx->value);
	rlp_put_bytes(b, tx->data, tx->data_len);
	rlp_list_end(b, rlp_list_begin(b));	/* empty access list */
}

int ethtx_sign_1559(const struct ethtx *tx, const uint8_t key[32], struct ethtx_signed *out,
		    char err[ETHTX_ERR_MAX])
{
	struct rlp_buf b;
	uint8_t hash[32];
	size_t mark;
	int ret;

	memset(out, 0, sizeof(*out));
	if (tx->max_priority_fee > tx->max_fee) {
		snprintf(err, ETHTX_ERR_MAX,
			 "ethtx: maxPriorityFeePerGas %llu above maxFeePerGas %llu",
			 (unsigned long long)tx->max_priority_fee,
			 (unsigned long long)tx->max_fee);
		return -EINVAL;
	}
	rlp_init(&b);
	b.data = malloc(1);
	b.cap = b.data ? 1 : 0;
	if (b.data)
		b.data[b.len++] = 0x02;
	else
		b.oom = true;
	mark = rlp_list_begin(&b);
	put_1559_fields(&b, tx);
	rlp_list_end(&b, mark);
	if (rlp_finish(&b)) {
		rlp_free(&b);
		snprintf(err, ETHTX_ERR_MAX, "ethtx: out of memory");
		return -ENOMEM;
	}
	keccak256(b.data, b.len, hash);
	ret = sign_hash(hash, key, out, err);
	if (ret) {
		rlp_free(&b);
		return ret;
	}
	b.len = 1;
	mark = rlp_list_begin(&b);
	put_1559_fields(&b, tx);
	rlp_put_uint(&b, (uint64_t)out->y_parity);
	rlp_put_uint256(&b, out->r);
	rlp_put_uint256(&b, out->s);
	rlp_list_end(&b, mark);
	return finish(&b, out, err);
}

int ethtx_sign_legacy(const struct ethtx *tx, const uint8_t key[32], struct ethtx_signed *out,
		      char err[ETHTX_ERR_MAX])
{
	struct rlp_buf b;
	uint8_t hash[32];
	size_t mark;
	int ret;

	memset(out, 0, sizeof(*out));
	if (tx->chain_id > (UINT64_MAX - 36) / 2) {
		snprintf(err, ETHTX_ERR_MAX, "ethtx: chainId %llu too large for EIP-155",
			 (unsigned long long)tx->chain_id);
		return -EINVAL;
	}
	for (int pass = 0; pass < 2; pass++) {
		rlp_init(&b);
		mark = rlp_list_begin(&b);
		rlp_put_uint(&b, tx->nonce);
		rlp_put_uint(&b, tx->gas_price);
		rlp_put_uint(&b, tx->gas);
		rlp_put_bytes(&b, tx->to, tx->has_to ? 20 : 0);
		rlp_put_uint256(&b, tx->value);
		rlp_put_bytes(&b, tx->data, tx->data_len);
		if (!pass) {
			rlp_put_uint(&b, tx->chain_id);
			rlp_put_uint(&b, 0);
			rlp_put_uint(&b, 0);
		} else {
			rlp_put_uint(&b, tx->chain_id * 2 + 35 + (uint64_t)out->y_parity);
			rlp_put_uint256(&b, out->r);
			rlp_put_uint256(&b, out->s);
		}
		rlp_list_end(&b, mark);
		if (pass)
			break;
		if (rlp_finish(&b)) {
			rlp_free(&b);
			snprintf(err, ETHTX_ERR_MAX, "ethtx: out of memory");
			return -ENOMEM;
		}
		keccak256(b.data, b.len, hash);
		rlp_free(&b);
		ret = sign_hash(hash, key, out, err);
		if (ret)
			return ret;
	}
	return finish(&b, out, err);
}

void ethtx_signed_free(struct ethtx_signed *s)
{
	free(s->raw);
	memset(s, 0, sizeof(*s));
}

static void pubkey_address(secp256k1_context *c, const secp256k1_pubkey *pk, uint8_t addr[20])
{
	uint8_t ser[65], h[32];
	size_t len = sizeof(ser);

	secp256k1_ec_pubkey_serialize(c, ser, &len, pk, SECP256K1_EC_UNCOMPRESSED);
	keccak256(ser + 1, 64, h);
	memcpy(addr, h + 12, 20);
}

int ethtx_address(const uint8_t key[32], uint8_t addr[20], char err[ETHTX_ERR_MAX])
{
	secp256k1_context *c = context(err);
	secp256k1_pubkey pk;

	if (!c)
		return -ENOMEM;
	if (!secp256k1_ec_pubkey_create(c, &pk, key)) {
		snprintf(err, ETHTX_ERR_MAX, "secp256k1: the private key is not valid");
		return -EINVAL;
	}
	pubkey_address(c, &pk, addr);
	return 0;
}

int ethtx_recover(const uint8_t sighash[32], const uint8_t r[32], const uint8_t s[32],
		  int y_parity, uint8_t addr[20], char err[ETHTX_ERR_MAX])
{
	secp256k1_ecdsa_recoverable_signature sig;
	secp256k1_context *c = context(err);
	secp256k1_pubkey pk;
	uint8_t compact[64];

	if (!c)
		return -ENOMEM;
	memcpy(compact, r, 32);
	memcpy(compact + 32, s, 32);
	if (y_parity < 0 || y_parity > 1 ||
	    !secp256k1_ecdsa_recoverable_signature_parse_compact(c, &sig, compact, y_parity) ||
	    !secp256k1_ecdsa_recover(c, &pk, &sig, sighash)) {
		snprintf(err, ETHTX_ERR_MAX, "secp256k1: signature does not recover");
		return -EINVAL;
	}
	pubkey_address(c, &pk, addr);
	return 0;
}

void ethtx_address_str(const uint8_t addr[20], char out[43])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t h[32];
	int i;

	for (i = 0; i < 20; i++) {
		out[2 + 2 * i] = hex[addr[i] >> 4];
		out[3 + 2 * i] = hex[addr[i] & 15];
	}
	keccak256(out + 2, 40, h);
	for (i = 0; i < 40; i++) {
		int nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 15;

		if (nib >= 8)
			out[2 + i] = (char)toupper((unsigned char)out[2 + i]);
	}
	out[0] = '0';
	out[1] = 'x';
	out[42] = 0;
}

int ethtx_address_parse(const char *s, uint8_t addr[20], char err[ETHTX_ERR_MAX])
{
	bool upper = false, lower = false;
	char canon[43];
	int i;

	if (strlen(s) != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		goto bad;
	for (i = 0; i < 40; i++) {
		char ch = s[2 + i];
		int v;

		if (ch >= '0' && ch <= '9')
			v = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v = ch - 'a' + 10, lower = true;
		else if (ch >= 'A' && ch <= 'F')
			v = ch - 'A' + 10, upper = true;
		else
			goto bad;
		if (i % 2)
			addr[i / 2] |= (uint8_t)v;
		else
			addr[i / 2] = (uint8_t)(v << 4);
	}
	if (upper && lower) {
		ethtx_address_str(addr, canon);
		if (strcmp(canon + 2, s + 2)) {
			snprintf(err, ETHTX_ERR_MAX, "address '%s': bad EIP-55 checksum", s);
			return -EINVAL;
		}
	}
	return 0;
bad:
	snprintf(err, ETHTX_ERR_MAX, "address '%.60s': want 0x and 40 hex digits", s);
	return -EINVAL;
}
