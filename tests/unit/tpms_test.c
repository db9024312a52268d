// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the TPM structure parsers and P-256 verification
 * (lib/tpms.c).  The real quote is a fixture made once with tpm2-tools
 * against swtpm (tests/unit/corpus/tpms_fuzz/swtpm-*):
 *
 *   tpm2_createek -G ecc -c ek.ctx -u ek.pub
 *   tpm2_createak -C ek.ctx -c ak.ctx -G ecc -g sha256 -s ecdsa -u ak.pub -n ak.name
 *   tpm2_quote -c ak.ctx -l sha256:0,1,2,3,4,5,6,7,10,13 -g sha256 \
 *	-q 0102...1f20 -m attest.bin -s sig.bin
 *
 * (ak.pub and ek.pub with their 2-byte TPM2B size stripped).  Tampered
 * structures are marshalled here with libtss2-mu.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "tpms.h"

struct blob {
	uint8_t b[1024];
	size_t n;
};

static void load(const char *name, struct blob *out)
{
	const char *dir = getenv("TPMS_CORPUS");
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/unit/corpus/tpms_fuzz", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: cannot open (run from the source tree or set TPMS_CORPUS)", path);
	out->n = fread(out->b, 1, sizeof(out->b), f);
	fclose(f);
	assert_true(out->n > 0);
}

static void test_real_quote(void **state)
{
	static const uint8_t zero_pcrs[TPMS_PCR_MAX][32];
	struct blob attest, sig, akpub, akname, ekpub;
	uint8_t r[32], s[32], x[32], y[32], name[34], digest[32], extra[32];
	char err[TPMS_ERR_MAX];
	struct tpms_quote q;
	bool rs;
	int i;

	(void)state;
	load("swtpm-quote-attest", &attest);
	load("swtpm-quote-signature", &sig);
	load("swtpm-ak-public", &akpub);
	load("swtpm-ak-name", &akname);
	load("swtpm-ek-public", &ekpub);

	assert_int_equal(0, tpms_parse_quote(attest.b, attest.n, &q, err));
	assert_int_equal(q.magic, TPMS_QUOTE_MAGIC);
	assert_int_equal(q.type, TPMS_ST_ATTEST_QUOTE);
	for (i = 0; i < 32; i++)
		extra[i] = i + 1;
	assert_int_equal(q.extra_len, 32);
	assert_memory_equal(q.extra, extra, 32);
	assert_int_equal(q.pcr_mask, 0xff | 1U << 10 | 1U << 13);
	assert_false(q.other_banks);
	assert_int_equal(q.signer_name_len, 34);
	/* A fresh swtpm: the quoted PCRs are all zero. */
	tpms_pcr_digest(zero_pcrs, q.pcr_mask, digest);
	assert_int_equal(q.pcr_digest_len, 32);
	assert_memory_equal(q.pcr_digest, digest, 32);

	assert_int_equal(0, tpms_parse_ecdsa(sig.b, sig.n, r, s, err));
	assert_int_equal(0, tpms_parse_ecc_public(akpub.b, akpub.n, x, y, name, &rs, err));
	assert_true(rs);
	assert_int_equal(akname.n, 34);
	assert_memory_equal(name, akname.b, 34);
	assert_true(tpms_p256_verify(attest.b, attest.n, r, s, x, y));
	attest.b[attest.n - 1] ^= 1;
	assert_false(tpms_p256_verify(attest.b, attest.n, r, s, x, y));

	/* The EK decrypts: not an AK. */
	assert_int_equal(0, tpms_parse_ecc_public(ekpub.b, ekpub.n, x, y, name, &rs, err));
	assert_false(rs);
}

static void test_tampered_attest(void **state)
{
	struct blob real;
	uint8_t buf[1024];
	size_t off;
	char err[TPMS_ERR_MAX];
	struct tpms_quote q;
	TPMS_ATTEST a;

	(void)state;
	load("swtpm-quote-attest", &real);

	memcpy(buf, real.b, real.n);
	buf[real.n] = 0;
	assert_int_equal(-EINVAL, tpms_parse_quote(buf, real.n + 1, &q, err));
	assert_string_equal(err, "attest: 1 trailing bytes after 145");
	assert_int_equal(-EINVAL, tpms_parse_quote(real.b, real.n - 1, &q, err));
	assert_non_null(strstr(err, "attest: cannot unmarshal 144 bytes"));

	/* Wrong magic: parsed and reported in q, for the verifier to refuse. */
	memcpy(buf, real.b, real.n);
	buf[0] = 0;
	assert_int_equal(0, tpms_parse_quote(buf, real.n, &q, err));
	assert_int_equal(q.magic, 0x00544347);

	off = 0;
	assert_int_equal(0, Tss2_MU_TPMS_ATTEST_Unmarshal(real.b, real.n, &off, &a));
	{
		TPML_PCR_SELECTION *sel = &a.attested.quote.pcrSelect;
		TPMS_ATTEST t;

		/* another bank with a PCR selected */
		t = a;
		t.attested.quote.pcrSelect.count = 2;
		t.attested.quote.pcrSelect.pcrSelections[1] = sel->pcrSelections[0];
		t.attested.quote.pcrSelect.pcrSelections[1].hash = TPM2_ALG_SHA1;
		off = 0;
		assert_int_equal(0, Tss2_MU_TPMS_ATTEST_Marshal(&t, buf, sizeof(buf), &off));
		assert_int_equal(0, tpms_parse_quote(buf, off, &q, err));
		assert_true(q.other_banks);
		assert_int_equal(q.pcr_mask, 0xff | 1U << 10 | 1U << 13);

		/* the SHA-256 bank twice */
		t.attested.quote.pcrSelect.pcrSelections[1].hash = TPM2_ALG_SHA256;
		off = 0;
		assert_int_equal(0, Tss2_MU_TPMS_ATTEST_Marshal(&t, buf, sizeof(buf), &off));
		assert_int_equal(-EINVAL, tpms_parse_quote(buf, off, &q, err));
		assert_string_equal(err, "attest.quote.pcrSelect[1]: SHA-256 bank selected twice");

		/* PCR 24 */
		t = a;
		t.attested.quote.pcrSelect.pcrSelections[0].sizeofSelect = 4;
		t.attested.quote.pcrSelect.pcrSelections[0].pcrSelect[3] = 1;
		off = 0;
		assert_int_equal(0, Tss2_MU_TPMS_ATTEST_Marshal(&t, buf, sizeof(buf), &off));
		assert_int_equal(-EINVAL, tpms_parse_quote(buf, off, &q, err));
		assert_string_equal(err, "attest.quote.pcrSelect[0]: PCR 24 selected, max 23");
	}
}

static void test_tampered_signature_and_public(void **state)
{
	struct blob sig, pub;
	uint8_t buf[1024], r[32], s[32], x[32], y[32], name[34];
	char err[TPMS_ERR_MAX];
	TPMT_SIGNATURE t, real_sig;
	TPMT_PUBLIC p, real_pub;
	size_t off;
	bool rs;

	(void)state;
	load("swtpm-quote-signature", &sig);
	load("swtpm-ak-public", &pub);
	off = 0;
	assert_int_equal(0, Tss2_MU_TPMT_SIGNATURE_Unmarshal(sig.b, sig.n, &off, &real_sig));
	off = 0;
	assert_int_equal(0, Tss2_MU_TPMT_PUBLIC_Unmarshal(pub.b, pub.n, &off, &real_pub));

	/* r of 31 bytes is left-padded */
	t = real_sig;
	t.signature.ecdsa.signatureR.size = 31;
	off = 0;
	assert_int_equal(0, Tss2_MU_TPMT_SIGNATURE_Marshal(&t, buf, sizeof(buf), &off));
	assert_int_equal(0, tpms_parse_ecdsa(buf, off, r, s, err));
	assert_int_equal(r[0], 0);
	assert_memory_equal(r + 1, real_sig.signature.ecdsa.signatureR.buffer, 31);

	{
		static const struct {
			TPMI_ALG_SIG_SCHEME alg;
			TPMI_ALG_HASH hash;
			uint16_t rsize, ssize;
			const char *msg;
		} cases[] = {
			{ TPM2_ALG_SM2, TPM2_ALG_SHA256, 32, 32,
			  "signature.sigAlg: 0x001b, want ECDSA (0x0018)" },
			{ TPM2_ALG_ECDSA, TPM2_ALG_SHA1, 32, 32,
			  "signature.hash: 0x0004, want SHA-256 (0x000b)" },
			{ TPM2_ALG_ECDSA, TPM2_ALG_SHA256, 33, 32,
			  "signature.r: 33 bytes, want 1 to 32" },
			{ TPM2_ALG_ECDSA, TPM2_ALG_SHA256, 32, 0,
			  "signature.s: 0 bytes, want 1 to 32" },
		};
		size_t i;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			t = real_sig;
			t.sigAlg = cases[i].alg;
			t.signature.ecdsa.hash = cases[i].hash;
			t.signature.ecdsa.signatureR.size = cases[i].rsize;
			t.signature.ecdsa.signatureS.size = cases[i].ssize;
			off = 0;
			assert_int_equal(0, Tss2_MU_TPMT_SIGNATURE_Marshal(&t, buf, sizeof(buf),
									   &off));
			assert_int_equal(-EINVAL, tpms_parse_ecdsa(buf, off, r, s, err));
			assert_string_equal(err, cases[i].msg);
		}
	}
	memcpy(buf, sig.b, sig.n);
	assert_int_equal(-EINVAL, tpms_parse_ecdsa(buf, sig.n - 1, r, s, err));

	{
		static const struct {
			int field;	/* 0 nameAlg, 1 curve, 2 x size, 3 restricted off */
			uint16_t value;
			const char *msg;
		} cases[] = {
			{ 0, TPM2_ALG_SHA384, "public.nameAlg: 0x000c, want SHA-256 (0x000b)" },
			{ 1, TPM2_ECC_NIST_P384, "public.curveID: 0x0004, want NIST P-256 (0x0003)" },
			{ 2, 48, "public.x: 48 bytes, want 1 to 32" },
			{ 3, 0, NULL },
		};
		size_t i;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			p = real_pub;
			if (cases[i].field == 0)
				p.nameAlg = cases[i].value;
			else if (cases[i].field == 1)
				p.parameters.eccDetail.curveID = cases[i].value;
			else if (cases[i].field == 2)
				p.unique.ecc.x.size = cases[i].value;
			else
				p.objectAttributes &= ~TPMA_OBJECT_RESTRICTED;
			off = 0;
			assert_int_equal(0, Tss2_MU_TPMT_PUBLIC_Marshal(&p, buf, sizeof(buf), &off));
			if (!cases[i].msg) {
				assert_int_equal(0, tpms_parse_ecc_public(buf, off, x, y, name, &rs,
									  err));
				assert_false(rs);
				continue;
			}
			assert_int_equal(-EINVAL, tpms_parse_ecc_public(buf, off, x, y, name, &rs,
									err));
			assert_string_equal(err, cases[i].msg);
		}
	}
	memset(&p, 0, sizeof(p));
	p.type = TPM2_ALG_KEYEDHASH;
	p.nameAlg = TPM2_ALG_SHA256;
	p.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
	off = 0;
	assert_int_equal(0, Tss2_MU_TPMT_PUBLIC_Marshal(&p, buf, sizeof(buf), &off));
	assert_int_equal(-EINVAL, tpms_parse_ecc_public(buf, off, x, y, name, &rs, err));
	assert_string_equal(err, "public.type: 0x0008, want ECC (0x0023)");
}

/* A signature made here with OpenSSL verifies; any flipped bit does not. */
static void test_p256_verify(void **state)
{
	static const char msg[] = "vinfer p256 test message";
	uint8_t r[32], s[32], x[32], y[32], pub[65], der[80], m[sizeof(msg)], zero[32] = { 0 };
	const unsigned char *dp = der;
	size_t der_len = sizeof(der), pub_len;
	const BIGNUM *br, *bs;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ECDSA_SIG *sig;
	unsigned int bit;

	(void)state;
	assert_non_null(md);
	assert_non_null(key);
	assert_int_equal(1, EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pub,
							    sizeof(pub), &pub_len));
	assert_int_equal(pub_len, 65);
	memcpy(x, pub + 1, 32);
	memcpy(y, pub + 33, 32);
	assert_int_equal(1, EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key));
	assert_int_equal(1, EVP_DigestSign(md, der, &der_len, (const uint8_t *)msg,
					   sizeof(msg)));
	sig = d2i_ECDSA_SIG(NULL, &dp, der_len);
	assert_non_null(sig);
	ECDSA_SIG_get0(sig, &br, &bs);
	assert_int_equal(32, BN_bn2binpad(br, r, 32));
	assert_int_equal(32, BN_bn2binpad(bs, s, 32));

	memcpy(m, msg, sizeof(m));
	assert_true(tpms_p256_verify(m, sizeof(m), r, s, x, y));
	for (bit = 0; bit < 8 * sizeof(m); bit += 7) {
		m[bit / 8] ^= 1 << (bit % 8);
		assert_false(tpms_p256_verify(m, sizeof(m), r, s, x, y));
		m[bit / 8] ^= 1 << (bit % 8);
	}
	for (bit = 0; bit < 256; bit += 5) {
		r[bit / 8] ^= 1 << (bit % 8);
		assert_false(tpms_p256_verify(m, sizeof(m), r, s, x, y));
		r[bit / 8] ^= 1 << (bit % 8);
		s[bit / 8] ^= 1 << (bit % 8);
		assert_false(tpms_p256_verify(m, sizeof(m), r, s, x, y));
		s[bit / 8] ^= 1 << (bit % 8);
		y[bit / 8] ^= 1 << (bit % 8);	/* off the curve, or another key */
		assert_false(tpms_p256_verify(m, sizeof(m), r, s, x, y));
		y[bit / 8] ^= 1 << (bit % 8);
	}
	assert_false(tpms_p256_verify(m, sizeof(m), zero, s, x, y));
	assert_false(tpms_p256_verify(m, sizeof(m), r, zero, x, y));
	assert_true(tpms_p256_verify(m, sizeof(m), r, s, x, y));

	ECDSA_SIG_free(sig);
	EVP_PKEY_free(key);
	EVP_MD_CTX_free(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_quote),
		cmocka_unit_test(test_tampered_attest),
		cmocka_unit_test(test_tampered_signature_and_public),
		cmocka_unit_test(test_p256_verify),
	};

	setenv("TSS2_LOG", "all+none", 0);	/* the refusals here are expected */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
