// SPDX-License-Identifier: GPL-2.0
/*
 * TPM structures carried in an attestation, parsed as untrusted input:
 * libtss2-mu does the unmarshalling, this file refuses what an attestation
 * must not carry (trailing bytes, other algorithms, oversized values) and
 * copies the fields out into plain C types.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "tpms.h"

static int fail(char err[TPMS_ERR_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, TPMS_ERR_MAX, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* One check for every unmarshal: it succeeded and consumed everything. */
static int unmarshalled(const char *what, TSS2_RC rc, size_t off, size_t len,
			char err[TPMS_ERR_MAX])
{
	if (rc != TSS2_RC_SUCCESS)
		return fail(err, "%s: cannot unmarshal %zu bytes: %s", what, len,
			    Tss2_RC_Decode(rc));
	if (off != len)
		return fail(err, "%s: %zu trailing bytes after %zu", what, len - off, off);
	return 0;
}

int tpms_parse_quote(const uint8_t *buf, size_t len, struct tpms_quote *q,
		     char err[TPMS_ERR_MAX])
{
	const TPML_PCR_SELECTION *sel;
	TPMS_ATTEST a;
	size_t off = 0;
	TSS2_RC rc;
	bool sha256_seen = false;
	uint32_t i, j;
	int r;

	memset(q, 0, sizeof(*q));
	memset(&a, 0, sizeof(a));
	rc = Tss2_MU_TPMS_ATTEST_Unmarshal(buf, len, &off, &a);
	r = unmarshalled("attest", rc, off, len, err);
	if (r)
		return r;

	q->magic = a.magic;
	q->type = a.type;
	if (a.qualifiedSigner.size > sizeof(q->signer_name))
		return fail(err, "attest.qualifiedSigner: %u bytes, max %zu",
			    a.qualifiedSigner.size, sizeof(q->signer_name));
	memcpy(q->signer_name, a.qualifiedSigner.name, a.qualifiedSigner.size);
	q->signer_name_len = a.qualifiedSigner.size;
	if (a.extraData.size > sizeof(q->extra))
		return fail(err, "attest.extraData: %u bytes, max %zu",
			    a.extraData.size, sizeof(q->extra));
	memcpy(q->extra, a.extraData.buffer, a.extraData.size);
	q->extra_len = a.extraData.size;
	q->clock = a.clockInfo.clock;
	q->reset_count = a.clockInfo.resetCount;
	q->restart_count = a.clockInfo.restartCount;
	q->safe = a.clockInfo.safe;
	q->firmware = a.firmwareVersion;
	if (a.type != TPM2_ST_ATTEST_QUOTE)
		return 0;	/* the caller reports the type */

	sel = &a.attested.quote.pcrSelect;
	for (i = 0; i < sel->count; i++) {
		const TPMS_PCR_SELECTION *s = &sel->pcrSelections[i];
		uint32_t mask = 0;

		for (j = 0; j < s->sizeofSelect; j++)
			mask |= (uint32_t)s->pcrSelect[j] << (8 * j);
		if (s->hash != TPM2_ALG_SHA256) {
			q->other_banks |= mask != 0;
			continue;
		}
		if (sha256_seen)
			return fail(err, "attest.quote.pcrSelect[%u]: SHA-256 bank selected twice",
				    i);
		sha256_seen = true;
		if (mask >> TPMS_PCR_MAX)
			return fail(err, "attest.quote.pcrSelect[%u]: PCR %d selected, max %d",
				    i, 31 - __builtin_clz(mask), TPMS_PCR_MAX - 1);
		q->pcr_mask = mask;
	}
	if (a.attested.quote.pcrDigest.size > sizeof(q->pcr_digest))
		return fail(err, "attest.quote.pcrDigest: %u bytes, max %zu",
			    a.attested.quote.pcrDigest.size, sizeof(q->pcr_digest));
	memcpy(q->pcr_digest, a.attested.quote.pcrDigest.buffer, a.attested.quote.pcrDigest.size);
	q->pcr_digest_len = a.attested.quote.pcrDigest.size;
	return 0;
}

/* A big-endian integer of at most 32 bytes, left-padded; zero refused. */
static int ecc_word(const char *what, const TPM2B_ECC_PARAMETER *p, uint8_t out[32],
		    char err[TPMS_ERR_MAX])
{
	if (p->size == 0 || p->size > 32)
		return fail(err, "%s: %u bytes, want 1 to 32", what, p->size);
	memset(out, 0, 32 - p->size);
	memcpy(out + 32 - p->size, p->buffer, p->size);
	return 0;
}

int tpms_parse_ecdsa(const uint8_t *buf, size_t len, uint8_t r[32], uint8_t s[32],
		     char err[TPMS_ERR_MAX])
{
	TPMT_SIGNATURE sig;
	size_t off = 0;
	TSS2_RC rc;
	int ret;

	memset(&sig, 0, sizeof(sig));
	rc = Tss2_MU_TPMT_SIGNATURE_Unmarshal(buf, len, &off, &sig);
	ret = unmarshalled("signature", rc, off, len, err);
	if (ret)
		return ret;
	if (sig.sigAlg != TPM2_ALG_ECDSA)
		return fail(err, "signature.sigAlg: 0x%04x, want ECDSA (0x%04x)",
			    sig.sigAlg, TPM2_ALG_ECDSA);
	if (sig.signature.ecdsa.hash != TPM2_ALG_SHA256)
		return fail(err, "signature.hash: 0x%04x, want SHA-256 (0x%04x)",
			    sig.signature.ecdsa.hash, TPM2_ALG_SHA256);
	ret = ecc_word("signature.r", &sig.signature.ecdsa.signatureR, r, err);
	if (ret)
		return ret;
	return ecc_word("signature.s", &sig.signature.ecdsa.signatureS, s, err);
}

int tpms_parse_ecc_public(const uint8_t *buf, size_t len, uint8_t x[32], uint8_t y[32],
			  uint8_t name[34], bool *restricted_sign, char err[TPMS_ERR_MAX])
{
	TPMA_OBJECT attrs;
	TPMT_PUBLIC pub;
	size_t off = 0;
	TSS2_RC rc;
	int r;

	memset(&pub, 0, sizeof(pub));
	rc = Tss2_MU_TPMT_PUBLIC_Unmarshal(buf, len, &off, &pub);
	r = unmarshalled("public", rc, off, len, err);
	if (r)
		return r;
	if (pub.type != TPM2_ALG_ECC)
		return fail(err, "public.type: 0x%04x, want ECC (0x%04x)", pub.type, TPM2_ALG_ECC);
	if (pub.nameAlg != TPM2_ALG_SHA256)
		return fail(err, "public.nameAlg: 0x%04x, want SHA-256 (0x%04x)",
			    pub.nameAlg, TPM2_ALG_SHA256);
	if (pub.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256)
		return fail(err, "public.curveID: 0x%04x, want NIST P-256 (0x%04x)",
			    pub.parameters.eccDetail.curveID, TPM2_ECC_NIST_P256);
	r = ecc_word("public.x", &pub.unique.ecc.x, x, err);
	if (!r)
		r = ecc_word("public.y", &pub.unique.ecc.y, y, err);
	if (r)
		return r;

	name[0] = TPM2_ALG_SHA256 >> 8;
	name[1] = TPM2_ALG_SHA256 & 0xff;
	EVP_Digest(buf, len, name + 2, NULL, EVP_sha256(), NULL);
	attrs = pub.objectAttributes;
	*restricted_sign = (attrs & TPMA_OBJECT_RESTRICTED) && (attrs & TPMA_OBJECT_SIGN_ENCRYPT) &&
			   !(attrs & TPMA_OBJECT_DECRYPT);
	return 0;
}

void tpms_pcr_digest(const uint8_t (*pcrs)[32], uint32_t mask, uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int i;

	if (!ctx)
		abort();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (i = 0; i < TPMS_PCR_MAX; i++)
		if (mask & (1U << i))
			EVP_DigestUpdate(ctx, pcrs[i], 32);
	EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
}

static bool is_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	while (n--)
		acc |= *p++;
	return acc == 0;
}

/* The public key from its affine coordinates; NULL when not on the curve. */
static EVP_PKEY *p256_key(const uint8_t x[32], const uint8_t y[32])
{
	uint8_t point[65];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;

	point[0] = 0x04;	/* uncompressed */
	memcpy(point + 1, x, 32);
	memcpy(point + 33, y, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)"prime256v1", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point,
						      sizeof(point));
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx)
		return NULL;
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

bool tpms_p256_verify(const uint8_t *msg, size_t len, const uint8_t r[32],
		      const uint8_t s[32], const uint8_t x[32], const uint8_t y[32])
{
	unsigned char *der = NULL;
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pkey = NULL;
	ECDSA_SIG *sig = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	bool ok = false;
	int der_len;

	if (is_zero(r, 32) || is_zero(s, 32))
		return false;
	pkey = p256_key(x, y);
	sig = ECDSA_SIG_new();
	br = BN_bin2bn(r, 32, NULL);
	bs = BN_bin2bn(s, 32, NULL);
	md = EVP_MD_CTX_new();
	if (!pkey || !sig || !br || !bs || !md)
		goto out;
	if (!ECDSA_SIG_set0(sig, br, bs))
		goto out;
	br = bs = NULL;		/* owned by sig now */
	der_len = i2d_ECDSA_SIG(sig, &der);
	if (der_len <= 0)
		goto out;
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) != 1)
		goto out;
	ok = EVP_DigestVerify(md, der, der_len, msg, len) == 1;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	ECDSA_SIG_free(sig);
	BN_free(br);
	BN_free(bs);
	EVP_PKEY_free(pkey);
	return ok;
}
