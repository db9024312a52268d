// SPDX-License-Identifier: GPL-2.0
/*
 * lib/tpm.c against a real TPM 2.0 (swtpm, started by tests/tpm/run.sh):
 * provisioning and reuse, clock, quotes checked with OpenSSL and with
 * tpm2_checkquote, software MakeCredential + ActivateCredential, the EK
 * certificate from NV, and refusals (closed port, wrong AK object, bad
 * arguments, credentials for another AK).
 *
 * Usage: tpm_test DIR   with VINFER_TCTI (ours) and TPM2TOOLS_TCTI (tpm2-tools)
 * naming the same TPM, DIR a scratch directory.  Prints TAP-like lines and
 * the measured command counts and latencies; exits 1 on any failure.
 *
 * swtpm serves one connection at a time: the vtpm is closed around every
 * tpm2-tools call.  What must happen behind lib/tpm.c's back while a vtpm is
 * open (an extend its PCR cache does not know of, the AK evicted) is sent
 * on the vtpm's own connection through the ESAPI context, which the test
 * takes from Esys_Initialize (linked with --wrap).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>

#include "tpm.h"

#define AK	0x81010002U
#define OTHER	0x81010003U	/* a persistent key that is not an AK */
#define MASK	(0xffU | 1U << 10 | 1U << 13)
#define QUOTE_RUNS 20

static int failures, checks;
static const char *dir, *tcti;
static ESYS_CONTEXT *esys;	/* of the last vtpm opened */

TSS2_RC __real_Esys_Initialize(ESYS_CONTEXT **ctx, TSS2_TCTI_CONTEXT *t, TSS2_ABI_VERSION *abi);
TSS2_RC __wrap_Esys_Initialize(ESYS_CONTEXT **ctx, TSS2_TCTI_CONTEXT *t, TSS2_ABI_VERSION *abi);
TSS2_RC __wrap_Esys_Initialize(ESYS_CONTEXT **ctx, TSS2_TCTI_CONTEXT *t, TSS2_ABI_VERSION *abi)
{
	TSS2_RC rc = __real_Esys_Initialize(ctx, t, abi);

	esys = rc == TSS2_RC_SUCCESS ? *ctx : NULL;
	return rc;
}

#define CHECK(cond, ...) do {							\
	checks++;								\
	if (cond) {								\
		printf("ok %d - ", checks);					\
	} else {								\
		failures++;							\
		printf("not ok %d - ", checks);					\
	}									\
	printf(__VA_ARGS__);							\
	printf("\n");								\
} while (0)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static struct vtpm *open_tpm(void)
{
	char err[TPM_ERR_MAX];
	struct vtpm *t;
	int ret = vtpm_open(&t, tcti, err);

	if (ret != TPM_OK) {
		printf("Bail out! vtpm_open(%s): %d %s\n", tcti, ret, err);
		exit(1);
	}
	return t;
}

static char *path(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static int write_file(const char *name, const void *p, size_t n)
{
	FILE *f = fopen(path(name), "wb");
	int ok = f && fwrite(p, 1, n, f) == n;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -1;
}

/* Runs a shell command quietly (output to DIR/cmd.log); returns its exit status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[2048], full[2600];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd '%s' && (%s) >> cmd.log 2>&1", dir, cmd);
	st = system(full);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static EVP_PKEY *p256(const uint8_t x[32], const uint8_t y[32])
{
	uint8_t pt[65] = { 0x04 };
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;
	OSSL_PARAM *p;

	memcpy(pt + 1, x, 32);
	memcpy(pt + 33, y, 32);
	OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
	OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt));
	p = OSSL_PARAM_BLD_to_param(b);
	if (EVP_PKEY_fromdata_init(c) <= 0 || EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, p) <= 0)
		k = NULL;
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(c);
	return k;
}

/* ECDSA-SHA256 check of a marshalled TPMT_SIGNATURE over msg by (x, y). */
static int verify_sig(const struct tpm_key *ak, const uint8_t *msg, size_t len,
		      const uint8_t *sig, size_t sig_len)
{
	TPMT_SIGNATURE s;
	size_t off = 0;
	ECDSA_SIG *es = ECDSA_SIG_new();
	uint8_t *der = NULL;
	EVP_PKEY *k = p256(ak->x, ak->y);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int derlen, ok = 0;

	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(sig, sig_len, &off, &s) || off != sig_len ||
	    s.sigAlg != TPM2_ALG_ECDSA || s.signature.ecdsa.hash != TPM2_ALG_SHA256)
		goto out;
	ECDSA_SIG_set0(es, BN_bin2bn(s.signature.ecdsa.signatureR.buffer,
				     s.signature.ecdsa.signatureR.size, NULL),
		       BN_bin2bn(s.signature.ecdsa.signatureS.buffer,
				 s.signature.ecdsa.signatureS.size, NULL));
	derlen = i2d_ECDSA_SIG(es, &der);
	ok = k && derlen > 0 && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
	     EVP_DigestVerify(md, der, derlen, msg, len) == 1;
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_PKEY_free(k);
	EVP_MD_CTX_free(md);
	return ok;
}

static int key_ok(const struct tpm_key *k)
{
	uint8_t name[34] = { 0x00, 0x0b }, zero[32] = { 0 };

	SHA256(k->public, k->public_len, name + 2);
	return k->public_len > 0 && !memcmp(name, k->name, 34) && memcmp(k->x, zero, 32) &&
	       memcmp(k->y, zero, 32);
}

static void test_refusals(void)
{
	char err[TPM_ERR_MAX], bad[128];
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	struct vtpm *t = NULL;
	int s, ret;

	/* A port bound but not listening refuses every connection. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(s, (struct sockaddr *)&a, &alen)) {
		printf("Bail out! socket: %s\n", strerror(errno));
		exit(1);
	}
	snprintf(bad, sizeof(bad), "swtpm:host=127.0.0.1,port=%u", ntohs(a.sin_port));
	ret = vtpm_open(&t, bad, err);
	CHECK(ret == TPM_E_TCTI && !t && strstr(err, bad),
	      "closed port: TPM_E_TCTI, one error naming the tcti (%d: %s)", ret, err);
	close(s);
	ret = vtpm_open(&t, "nosuchtcti:x", err);
	CHECK(ret == TPM_E_TCTI && !t && strstr(err, "nosuchtcti"),
	      "unknown tcti: TPM_E_TCTI (%d: %s)", ret, err);
	ret = vtpm_open(&t, "", err);
	CHECK(ret == TPM_E_BADARG, "empty tcti: TPM_E_BADARG (%s)", err);
}

static const struct {
	uint32_t handle;
	uint32_t mask;
	const char *what;
} bad_args[] = {
	{ 0x80000001U, MASK, "0x80000001" },	/* transient, not persistent */
	{ TPM_EK_HANDLE, MASK, "0x81010001" },	/* the EK's own handle */
	{ 0x81800000U, MASK, "0x81800000" },	/* platform persistent range */
	{ AK, 0, "mask" },
	{ AK, 1U << 24, "mask" },
};

static void test_bad_args(struct vtpm *t)
{
	uint8_t q[32] = { 0 }, *att, *sig, pcrs[TPM_PCR_MAX][32];
	size_t al, sl;
	char err[TPM_ERR_MAX];

	for (size_t i = 0; i < sizeof(bad_args) / sizeof(bad_args[0]); i++) {
		int ret = vtpm_quote(t, bad_args[i].handle, bad_args[i].mask, q, &att, &al, &sig,
				     &sl, pcrs, err);

		CHECK(ret == TPM_E_BADARG && strstr(err, bad_args[i].what) && !att && !sig,
		      "quote(0x%08x, mask 0x%x) refused naming %s (%s)", bad_args[i].handle,
		      bad_args[i].mask, bad_args[i].what, err);
	}
	CHECK(tpm_write_pcrs_file(stdout, 0, (const uint8_t (*)[32])pcrs) == -1 && errno == EINVAL,
	      "pcrs file: empty mask refused");
}

static void test_quote(struct tpm_key *ak)
{
	uint8_t q[32], *att = NULL, *sig = NULL, pcrs[TPM_PCR_MAX][32], digest[32];
	uint8_t cat[TPM_PCR_MAX * 32];
	uint64_t lat[QUOTE_RUNS], cmds = 0, t0, c0;
	size_t al, sl, n = 0;
	char err[TPM_ERR_MAX], qhex[65], qc;
	TPMS_ATTEST a;
	size_t off = 0;
	struct vtpm *t;
	EVP_PKEY *k;
	FILE *f;
	int ret, i, ok;

	t = open_tpm();
	RAND_bytes(q, sizeof(q));
	c0 = vtpm_commands(t);
	t0 = now_ns();
	ret = vtpm_quote(t, AK, MASK, q, &att, &al, &sig, &sl, pcrs, err);
	CHECK(ret == TPM_OK, "quote over PCRs 0-7,10,13 (%s) in %.2f ms, %llu commands",
	      err, (now_ns() - t0) / 1e6, (unsigned long long)(vtpm_commands(t) - c0));
	if (ret != TPM_OK) {
		vtpm_close(t);
		return;
	}
	ok = !Tss2_MU_TPMS_ATTEST_Unmarshal(att, al, &off, &a) && off == al;
	CHECK(ok && a.magic == TPM2_GENERATED_VALUE && a.type == TPM2_ST_ATTEST_QUOTE,
	      "attest parses: magic, TPM_ST_ATTEST_QUOTE");
	CHECK(ok && a.extraData.size == 32 && !memcmp(a.extraData.buffer, q, 32),
	      "extraData = qualifying data");
	for (i = 0; i < TPM_PCR_MAX; i++)
		if (MASK & (1U << i))
			memcpy(cat + 32 * n++, pcrs[i], 32);
	SHA256(cat, 32 * n, digest);
	CHECK(ok && a.attested.quote.pcrDigest.size == 32 &&
	      !memcmp(a.attested.quote.pcrDigest.buffer, digest, 32),
	      "pcrDigest = SHA-256 of the returned PCR values");
	CHECK(verify_sig(ak, att, al, sig, sl), "signature verifies with the AK (OpenSSL)");
	att[al - 1] ^= 1;
	CHECK(!verify_sig(ak, att, al, sig, sl), "tampered attest: signature fails");
	att[al - 1] ^= 1;

	/* Latency: a series of quotes on one connection. */
	for (i = 0; i < QUOTE_RUNS; i++) {
		uint8_t *a2, *s2;
		size_t l2, m2;

		c0 = vtpm_commands(t);
		t0 = now_ns();
		ret = vtpm_quote(t, AK, MASK, q, &a2, &l2, &s2, &m2, pcrs, err);
		lat[i] = now_ns() - t0;
		cmds = vtpm_commands(t) - c0;
		free(a2);
		free(s2);
		if (ret != TPM_OK)
			break;
	}
	CHECK(ret == TPM_OK, "%d further quotes", QUOTE_RUNS);
	for (i = 1; i < QUOTE_RUNS; i++)
		for (int j = i; j > 0 && lat[j] < lat[j - 1]; j--) {
			uint64_t x = lat[j];

			lat[j] = lat[j - 1];
			lat[j - 1] = x;
		}
	printf("# vtpm_quote under swtpm: %llu TPM commands per call, median %.2f ms, min %.2f ms, max %.2f ms; last command (Quote) %.3f ms\n",
	       (unsigned long long)cmds, lat[QUOTE_RUNS / 2] / 1e6, lat[0] / 1e6,
	       lat[QUOTE_RUNS - 1] / 1e6, vtpm_last_latency_ns(t) / 1e6);
	vtpm_close(t);

	/* The same quote through tpm2_checkquote. */
	k = p256(ak->x, ak->y);
	f = fopen(path("ak.pem"), "w");
	CHECK(k && f && PEM_write_PUBKEY(f, k) == 1 && fclose(f) == 0, "ak.pem written");
	EVP_PKEY_free(k);
	f = fopen(path("quote.pcrs"), "wb");
	CHECK(f && tpm_write_pcrs_file(f, MASK, (const uint8_t (*)[32])pcrs) == 0 &&
	      fclose(f) == 0, "pcrs file written");
	write_file("quote.msg", att, al);
	write_file("quote.sig", sig, sl);
	hex(q, 32, qhex);
	/* pcrs now holds the values of the last quote in the series: same PCRs, unchanged. */
	CHECK(run("tpm2_checkquote -u ak.pem -m quote.msg -s quote.sig -f quote.pcrs -g sha256 -q %s",
		  qhex) == 0, "tpm2_checkquote accepts the quote");
	qc = qhex[0];
	qhex[0] = qc == '0' ? '1' : '0';
	CHECK(run("tpm2_checkquote -u ak.pem -m quote.msg -s quote.sig -f quote.pcrs -g sha256 -q %s",
		  qhex) != 0, "tpm2_checkquote refuses a flipped nonce");
	qhex[0] = qc;
	pcrs[13][0] ^= 1;
	f = fopen(path("bad.pcrs"), "wb");
	tpm_write_pcrs_file(f, MASK, (const uint8_t (*)[32])pcrs);
	fclose(f);
	CHECK(run("tpm2_checkquote -u ak.pem -m quote.msg -s quote.sig -f bad.pcrs -g sha256 -q %s",
		  qhex) != 0, "tpm2_checkquote refuses a changed PCR value");

	/* An extend moves PCR 13: a new quote carries it, the old values no longer match. */
	CHECK(run("tpm2_pcrextend 13:sha256=%064x", 7) == 0, "tpm2_pcrextend 13");
	t = open_tpm();
	free(att);
	free(sig);
	ret = vtpm_quote(t, AK, MASK, q, &att, &al, &sig, &sl, pcrs, err);
	vtpm_close(t);
	/* cat holds PCRs 0-7, 10, 13 of the first quote: PCR 13 is its tenth value. */
	CHECK(ret == TPM_OK && memcmp(cat + 32 * 9, pcrs[13], 32) != 0 && !memcmp(cat, pcrs[0], 32),
	      "quote after extend: PCR 13 changed, PCR 0 did not (%s)", err);
	write_file("quote2.msg", att, al);
	write_file("quote2.sig", sig, sl);
	f = fopen(path("quote2.pcrs"), "wb");
	tpm_write_pcrs_file(f, MASK, (const uint8_t (*)[32])pcrs);
	fclose(f);
	CHECK(run("tpm2_checkquote -u ak.pem -m quote2.msg -s quote2.sig -f quote2.pcrs -g sha256 -q %s",
		  qhex) == 0, "tpm2_checkquote accepts the quote after the extend");
	CHECK(run("tpm2_checkquote -u ak.pem -m quote2.msg -s quote2.sig -f quote.pcrs -g sha256 -q %s",
		  qhex) != 0, "tpm2_checkquote refuses it with the PCRs before the extend");
	free(att);
	free(sig);
}

static void test_credential(const struct tpm_key *ek, const struct tpm_key *ak)
{
	uint8_t cred[32], out[TPM_CRED_MAX], blob[TPM_CRED_BLOB_MAX], secret[TPM_CRED_SECRET_MAX];
	uint8_t other[34];
	size_t bl, sl, ol;
	char err[TPM_ERR_MAX];
	struct vtpm *t;
	int ret;

	RAND_bytes(cred, sizeof(cred));
	ret = tpm_make_credential(ek->public, ek->public_len, ak->name, cred, sizeof(cred), blob,
				  &bl, secret, &sl, err);
	CHECK(ret == TPM_OK && bl == 2 + 32 + 2 + 32 && sl == 68,
	      "make_credential in software (%s)", err);
	t = open_tpm();
	ret = vtpm_activate(t, AK, blob, bl, secret, sl, out, &ol, err);
	CHECK(ret == TPM_OK && ol == sizeof(cred) && !memcmp(out, cred, ol),
	      "ActivateCredential returns the credential (%s)", err);

	memcpy(other, ak->name, 34);
	other[33] ^= 1;
	ret = tpm_make_credential(ek->public, ek->public_len, other, cred, sizeof(cred), blob, &bl,
				  secret, &sl, err);
	CHECK(ret == TPM_OK, "make_credential for another AK name");
	ret = vtpm_activate(t, AK, blob, bl, secret, sl, out, &ol, err);
	CHECK(ret != TPM_OK && ol == 0, "credential for another AK does not activate (%d: %s)",
	      ret, err);

	ret = tpm_make_credential(ek->public, ek->public_len, ak->name, cred, 16, blob, &bl,
				  secret, &sl, err);
	blob[bl - 1] ^= 1;
	ret = ret ?: vtpm_activate(t, AK, blob, bl, secret, sl, out, &ol, err);
	CHECK(ret != TPM_OK, "tampered blob does not activate (%d: %s)", ret, err);
	ret = vtpm_read_clock(t, &(struct tpm_clock){ 0 }, err);
	CHECK(ret == TPM_OK, "TPM usable after failed activations (%s)", err);
	vtpm_close(t);

	ret = tpm_make_credential(ek->public, ek->public_len - 1, ak->name, cred, 32, blob, &bl,
				  secret, &sl, err);
	CHECK(ret == TPM_E_BADARG && strstr(err, "ek public"), "truncated EK public refused (%s)",
	      err);
	ret = tpm_make_credential(ak->public, ak->public_len, ak->name, cred, 32, blob, &bl,
				  secret, &sl, err);
	CHECK(ret == TPM_E_BADARG && strstr(err, "ek public"),
	      "a signing key as EK refused (%s)", err);
	ret = tpm_make_credential(ek->public, ek->public_len, ak->name, cred, 33, blob, &bl,
				  secret, &sl, err);
	CHECK(ret == TPM_E_BADARG && strstr(err, "credential"), "33-byte credential refused (%s)",
	      err);
}

/* An extend lib/tpm.c does not see: on the vtpm's connection, around its PCR cache. */
static TSS2_RC extend_behind(uint32_t pcr, const uint8_t d[32])
{
	TPML_DIGEST_VALUES v = { .count = 1, .digests[0].hashAlg = TPM2_ALG_SHA256 };

	memcpy(v.digests[0].digest.sha256, d, 32);
	return Esys_PCR_Extend(esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			       ESYS_TR_NONE, &v);
}

/* new = SHA-256(old || d), the TPM's extend. */
static void extended(const uint8_t old[32], const uint8_t d[32], uint8_t out[32])
{
	uint8_t cat[64];

	memcpy(cat, old, 32);
	memcpy(cat + 32, d, 32);
	SHA256(cat, sizeof(cat), out);
}

/* Whether the quote's pcrDigest is SHA-256 of pcrs over MASK and the AK signed it. */
static int quote_ok(const struct tpm_key *ak, const uint8_t *att, size_t al, const uint8_t *sig,
		    size_t sl, const uint8_t (*pcrs)[32], const uint8_t q[32],
		    struct tpm_clock *clock)
{
	uint8_t cat[TPM_PCR_MAX * 32], digest[32];
	TPMS_ATTEST a;
	size_t off = 0, n = 0;

	if (Tss2_MU_TPMS_ATTEST_Unmarshal(att, al, &off, &a) || off != al ||
	    a.extraData.size != 32 || memcmp(a.extraData.buffer, q, 32))
		return 0;
	for (int i = 0; i < TPM_PCR_MAX; i++)
		if (MASK & (1U << i))
			memcpy(cat + 32 * n++, pcrs[i], 32);
	SHA256(cat, 32 * n, digest);
	if (clock && (clock->clock != a.clockInfo.clock ||
		      clock->reset_count != a.clockInfo.resetCount ||
		      clock->restart_count != a.clockInfo.restartCount))
		return 0;
	return a.attested.quote.pcrDigest.size == 32 &&
	       !memcmp(a.attested.quote.pcrDigest.buffer, digest, 32) &&
	       verify_sig(ak, att, al, sig, sl);
}

/*
 * The PCR cache of one open: which commands a quote sends, and that the
 * values it returns are the TPM's whatever the cache or the hint say.
 */
static const struct {
	const char *what;
	int extend;		/* extend PCR 13 behind the cache first */
	int hint;		/* 0: none, 1: the right value of PCR 13, -1: a wrong one */
	uint64_t commands;
} cache_cases[] = {
	{ "unchanged PCRs, no hint: Quote only", 0, 0, 1 },
	{ "unchanged PCRs, right hint: Quote only", 0, 1, 1 },
	{ "PCR 13 extended by someone else, no hint: Quote + 2 PCR_Read", 1, 0, 3 },
	{ "PCR 13 extended, right hint (the caller's own extend): Quote only", 1, 1, 1 },
	{ "PCR 13 extended, wrong hint: Quote + 2 PCR_Read", 1, -1, 3 },
	{ "unchanged after a miss: Quote only", 0, 0, 1 },
};

static void test_cache(const struct tpm_key *ak)
{
	uint8_t q[32], *att, *sig, pcrs[TPM_PCR_MAX][32], pcr13[32], d[32];
	struct tpm_pcr_hint hint = { .pcr = 13 };
	struct tpm_clock before, clk;
	char err[TPM_ERR_MAX];
	size_t al, sl;
	uint64_t c0;
	struct vtpm *t;
	int ret;

	t = open_tpm();
	RAND_bytes(q, sizeof(q));
	c0 = vtpm_commands(t);
	ret = vtpm_quote2(t, AK, MASK, q, NULL, &att, &al, &sig, &sl, pcrs, NULL, err);
	CHECK(ret == TPM_OK && vtpm_commands(t) - c0 == 6,
	      "first quote of an open: AK checked (3) + Quote + 2 PCR_Read = %llu commands (%s)",
	      (unsigned long long)(vtpm_commands(t) - c0), err);
	free(att);
	free(sig);
	memcpy(pcr13, pcrs[13], 32);
	for (size_t i = 0; i < sizeof(cache_cases) / sizeof(cache_cases[0]); i++) {
		TSS2_RC rc = TSS2_RC_SUCCESS;

		RAND_bytes(q, sizeof(q));
		if (cache_cases[i].extend) {
			RAND_bytes(d, sizeof(d));
			rc = extend_behind(13, d);
			extended(pcr13, d, pcr13);
		}
		memcpy(hint.value, pcr13, 32);
		if (cache_cases[i].hint < 0)
			hint.value[0] ^= 0x80;
		memset(pcrs, 0, sizeof(pcrs));
		ret = vtpm_read_clock(t, &before, err);
		c0 = vtpm_commands(t);
		ret = ret ?: vtpm_quote2(t, AK, MASK, q, cache_cases[i].hint ? &hint : NULL, &att,
					 &al, &sig, &sl, pcrs, &clk, err);
		CHECK(rc == TSS2_RC_SUCCESS && ret == TPM_OK &&
		      vtpm_commands(t) - c0 == cache_cases[i].commands &&
		      !memcmp(pcrs[13], pcr13, 32) &&
		      quote_ok(ak, att, al, sig, sl, (const uint8_t (*)[32])pcrs, q, &clk) &&
		      clk.clock >= before.clock && clk.reset_count == before.reset_count,
		      "%s: %llu commands, PCR 13 as extended, pcrDigest and signature check, clockInfo returned (%s)",
		      cache_cases[i].what, (unsigned long long)(vtpm_commands(t) - c0), err);
		if (ret == TPM_OK) {
			free(att);
			free(sig);
		}
	}
	ret = vtpm_quote2(t, AK, MASK, q, &(struct tpm_pcr_hint){ .pcr = 12 }, &att, &al, &sig,
			  &sl, pcrs, NULL, err);
	CHECK(ret == TPM_E_BADARG && strstr(err, "hint pcr") && !att && !sig,
	      "a hint for a PCR outside the mask is refused (%s)", err);
	vtpm_close(t);
}

/* The AK evicted behind the open vtpm: the quote names it; a new AK quotes. */
static void test_ak_evicted(void)
{
	uint8_t q[32] = { 1 }, *att, *sig, pcrs[TPM_PCR_MAX][32], *cert = NULL;
	struct tpm_key ek, ak;
	char err[TPM_ERR_MAX];
	ESYS_TR tr = ESYS_TR_NONE, out = ESYS_TR_NONE;
	size_t al, sl, cert_len;
	TSS2_RC rc;
	struct vtpm *t;
	int ret;

	t = open_tpm();
	ret = vtpm_quote(t, AK, MASK, q, &att, &al, &sig, &sl, pcrs, err);
	if (ret == TPM_OK) {
		free(att);
		free(sig);
	}
	rc = Esys_TR_FromTPMPublic(esys, AK, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_EvictControl(esys, ESYS_TR_RH_OWNER, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				       ESYS_TR_NONE, AK, &out);
	CHECK(ret == TPM_OK && rc == TSS2_RC_SUCCESS, "AK quoted, then evicted behind the vtpm (0x%x)",
	      rc);
	ret = vtpm_quote(t, AK, MASK, q, &att, &al, &sig, &sl, pcrs, err);
	CHECK(ret != TPM_OK && strstr(err, "0x81010002") && strstr(err, "no persistent object") &&
	      !att && !sig, "quote with the AK gone: refused, naming the handle (%s)", err);
	ret = vtpm_provision(t, AK, &ek, &ak, &cert, &cert_len, err);
	free(cert);
	ret = ret ?: vtpm_quote(t, AK, MASK, q, &att, &al, &sig, &sl, pcrs, err);
	CHECK(ret == TPM_OK && quote_ok(&ak, att, al, sig, sl, (const uint8_t (*)[32])pcrs, q, NULL),
	      "provision makes a new AK; the same open quotes with it (%s)", err);
	if (ret == TPM_OK) {
		free(att);
		free(sig);
	}
	vtpm_close(t);
}

/* No resource manager in between: whatever was not flushed is still loaded. */
static void check_no_leaks(const char *when)
{
	CHECK(run("test -z \"$(tpm2_getcap handles-transient)\" && "
		  "test -z \"$(tpm2_getcap handles-loaded-session)\"") == 0,
	      "no transient object or session left in the TPM %s", when);
}

int main(int argc, char **argv)
{
	struct tpm_key ek, ak, ek2, ak2;
	struct tpm_clock c1, c2;
	uint8_t *cert = NULL, certdata[1500];
	size_t cert_len;
	uint64_t c0, t0;
	char err[TPM_ERR_MAX];
	struct vtpm *t;
	int ret;

	tcti = getenv("VINFER_TCTI");
	if (argc != 2 || !tcti) {
		fprintf(stderr, "usage: VINFER_TCTI=... TPM2TOOLS_TCTI=... %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);

	test_refusals();

	t = open_tpm();
	c0 = vtpm_commands(t);
	CHECK(c0 == 1, "open sent one command (Startup): %llu", (unsigned long long)c0);
	t0 = now_ns();
	ret = vtpm_provision(t, AK, &ek, &ak, &cert, &cert_len, err);
	CHECK(ret == TPM_OK, "provision creates EK and AK (%s) in %.1f ms, %llu commands", err,
	      (now_ns() - t0) / 1e6, (unsigned long long)(vtpm_commands(t) - c0));
	CHECK(key_ok(&ek) && key_ok(&ak), "EK and AK: name = 000b || SHA-256(public), x/y set");
	CHECK(!cert && cert_len == 0, "no EK certificate in NV: NULL, not an error");
	c0 = vtpm_commands(t);
	t0 = now_ns();
	ret = vtpm_provision(t, AK, &ek2, &ak2, &cert, &cert_len, err);
	CHECK(ret == TPM_OK && !memcmp(ak.name, ak2.name, 34) && !memcmp(ek.name, ek2.name, 34),
	      "provision again reuses the same EK and AK (%s) in %.1f ms, %llu commands", err,
	      (now_ns() - t0) / 1e6, (unsigned long long)(vtpm_commands(t) - c0));

	ret = vtpm_read_clock(t, &c1, err);
	ret = ret ?: vtpm_read_clock(t, &c2, err);
	CHECK(ret == TPM_OK && c2.clock >= c1.clock && c1.reset_count == c2.reset_count,
	      "clock %llu ms, resetCount %u, restartCount %u, safe %d; ReadClock %.3f ms (%s)",
	      (unsigned long long)c2.clock, c2.reset_count, c2.restart_count, c2.safe,
	      vtpm_last_latency_ns(t) / 1e6, err);
	test_bad_args(t);
	vtpm_close(t);

	check_no_leaks("after provisioning");
	test_quote(&ak);
	test_cache(&ak);
	test_credential(&ek, &ak);
	check_no_leaks("after quotes and activations");

	/* An object at the AK handle that is not a restricted signing key. */
	CHECK(run("tpm2_createprimary -C o -G ecc -c other.ctx && tpm2_evictcontrol -C o -c other.ctx 0x%08x",
		  OTHER) == 0, "tpm2-tools persist a decryption key at 0x%08x", OTHER);
	/* tpm2-tools leave the primary and its reloaded context loaded without an RM. */
	run("tpm2_flushcontext -t");
	t = open_tpm();
	ret = vtpm_provision(t, OTHER, &ek2, &ak2, &cert, &cert_len, err);
	CHECK(ret != TPM_OK && strstr(err, "0x81010003"),
	      "provision refuses a non-AK object at the handle, naming it (%s)", err);
	vtpm_close(t);

	/* An EK certificate in NV (larger than one NV_Read). */
	RAND_bytes(certdata, sizeof(certdata));
	write_file("ekcert.der", certdata, sizeof(certdata));
	CHECK(run("tpm2_nvdefine -C o -s %zu -a 'ownerread|ownerwrite|authread|authwrite' 0x%08x && "
		  "tpm2_nvwrite -C o -i ekcert.der 0x%08x", sizeof(certdata), TPM_EK_CERT_ECC_NV,
		  TPM_EK_CERT_ECC_NV) == 0, "tpm2-tools write a %zu-byte EK certificate", sizeof(certdata));
	t = open_tpm();
	ret = vtpm_provision(t, AK, &ek2, &ak2, &cert, &cert_len, err);
	CHECK(ret == TPM_OK && cert && cert_len == sizeof(certdata) &&
	      !memcmp(cert, certdata, cert_len) && !memcmp(ak.name, ak2.name, 34),
	      "provision reads the EK certificate from NV (%s)", err);
	free(cert);
	vtpm_close(t);

	test_ak_evicted();
	check_no_leaks("at the end");

	printf("1..%d\n", checks);
	if (failures)
		printf("# %d of %d checks failed; commands in %s/cmd.log\n", failures, checks, dir);
	return failures ? 1 : 0;
}
