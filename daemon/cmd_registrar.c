// SPDX-License-Identifier: GPL-2.0
/*
 * Credential activation, both sides (Documentation/userspace-api/attestation.rst,
 * "Registrar endorsement").
 *
 * Registrar (no TPM needed):
 *   vinfer registrar keygen -o REGISTRAR.pem
 *	A new P-256 key, written 0600; never overwrites a file.
 *   vinfer registrar challenge --ek EK.pub --ak AK.pub -o DIR
 *	MakeCredential for (EK, AK name) with a random 32-byte secret: writes
 *	DIR/blob and DIR/secret for the agent, and DIR/state, which keeps only
 *	SHA-256 of the expected secret with the two public keys.
 *   vinfer registrar endorse --key REGISTRAR.pem DIR --answer HEX
 *	Checks the agent's answer against DIR/state (constant time), then signs
 *	the activation message and writes DIR/activation.json
 *	{registrarX, registrarY, r, s}.  Exit 1 on a wrong answer.
 *
 * Agent (needs its TPM):
 *   vinfer tpm-keys --tcti T -o DIR	  provisions EK and AK; DIR/ek.pub, DIR/ak.pub
 *   vinfer activate --tcti T --blob F --secret F
 *	ActivateCredential with the persisted AK; prints the secret as hex.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "attest.h"
#include "cmd.h"
#include "spool.h"
#include "tpm.h"
#include "tpms.h"
#include "verify.h"
#include "vlog.h"

#define MAX_BLOB 1024

/* A small binary file (a TPM public area, a credential): 1..cap bytes. */
int cmd_read_small(const char *what, const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "vinfer: %s %s: %s\n", what, path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, cap, f);
	if (ferror(f) || (n == cap && fgetc(f) != EOF) || n == 0) {
		fprintf(stderr, "vinfer: %s %s: empty, unreadable or larger than %zu bytes\n", what,
			path, cap);
		fclose(f);
		return -1;
	}
	fclose(f);
	*len = n;
	return 0;
}

static int write_in(struct spool *sp, const char *name, const void *buf, size_t len)
{
	char err[SPOOL_ERR_MAX];

	if (spool_replace(sp, name, buf, len, err)) {
		fprintf(stderr, "vinfer: %s\n", err);
		return -1;
	}
	return 0;
}

static void hexstr(const uint8_t *p, size_t n, char *out)
{
	vlog_hex(p, n, out);
}

/* ---- registrar keygen ---------------------------------------------------- */

static int registrar_keygen(int argc, char **argv)
{
	const char *out = NULL;
	EVP_PKEY *pk;
	FILE *f;
	int c, fd;

	optind = 1;
	while ((c = getopt(argc, argv, "o:")) != -1) {
		if (c != 'o')
			goto usage;
		out = optarg;
	}
	if (!out || optind != argc)
		goto usage;
	pk = EVP_EC_gen("P-256");
	if (!pk) {
		fprintf(stderr, "vinfer registrar keygen: cannot generate a P-256 key\n");
		return VINFER_EXIT_FAIL;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "vinfer registrar keygen: %s: %s\n", out, strerror(errno));
		EVP_PKEY_free(pk);
		return VINFER_EXIT_FAIL;
	}
	f = fdopen(fd, "w");
	if (!f || !PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) || fflush(f) ||
	    fsync(fd) || fclose(f)) {
		fprintf(stderr, "vinfer registrar keygen: %s: cannot write the key\n", out);
		EVP_PKEY_free(pk);
		unlink(out);
		return VINFER_EXIT_FAIL;
	}
	EVP_PKEY_free(pk);
	return VINFER_EXIT_OK;
usage:
	fprintf(stderr, "usage: vinfer registrar keygen -o REGISTRAR.pem\n");
	return VINFER_EXIT_USAGE;
}

/* ---- registrar challenge --------------------------------------------------- */

static int registrar_challenge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ek", required_argument, NULL, 'e' },
		{ "ak", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },
		{}
	};
	uint8_t ek[512], ak[512], x[32], y[32], ak_name[34], ek_name[34], secret[32], hash[32];
	uint8_t blob[MAX_BLOB], enc[MAX_BLOB];
	const char *ek_path = NULL, *ak_path = NULL, *dir = NULL;
	size_t ek_len, ak_len, blob_len = sizeof(blob), enc_len = sizeof(enc);
	char err[TPM_ERR_MAX > SPOOL_ERR_MAX ? TPM_ERR_MAX : SPOOL_ERR_MAX];
	char hex[2 * 512 + 1];
	json_object *st;
	struct spool sp;
	bool rs;
	int c, ret = VINFER_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'e': ek_path = optarg; break;
		case 'a': ak_path = optarg; break;
		case 'o': dir = optarg; break;
		default: goto usage;
		}
	}
	if (!ek_path || !ak_path || !dir || optind != argc)
		goto usage;
	if (cmd_read_small("--ek", ek_path, ek, sizeof(ek), &ek_len) ||
	    cmd_read_small("--ak", ak_path, ak, sizeof(ak), &ak_len))
		return VINFER_EXIT_FAIL;
	if (tpms_parse_ecc_public(ek, ek_len, x, y, ek_name, &rs, err)) {
		fprintf(stderr, "vinfer registrar challenge: --ek %s: %s\n", ek_path, err);
		return VINFER_EXIT_FAIL;
	}
	if (tpms_parse_ecc_public(ak, ak_len, x, y, ak_name, &rs, err)) {
		fprintf(stderr, "vinfer registrar challenge: --ak %s: %s\n", ak_path, err);
		return VINFER_EXIT_FAIL;
	}
	if (!rs) {
		fprintf(stderr, "vinfer registrar challenge: --ak %s: not a restricted signing key\n",
			ak_path);
		return VINFER_EXIT_FAIL;
	}
	if (RAND_bytes(secret, sizeof(secret)) != 1) {
		fprintf(stderr, "vinfer registrar challenge: no randomness\n");
		return VINFER_EXIT_FAIL;
	}
	if (tpm_make_credential(ek, ek_len, ak_name, secret, sizeof(secret), blob, &blob_len,
				enc, &enc_len, err)) {
		fprintf(stderr, "vinfer registrar challenge: %s\n", err);
		goto wipe;
	}
	SHA256(secret, sizeof(secret), hash);
	if (spool_open(&sp, dir, err)) {
		fprintf(stderr, "vinfer registrar challenge: %s\n", err);
		goto wipe;
	}
	st = json_object_new_object();
	hexstr(hash, 32, hex);
	json_object_object_add(st, "secretSha256", json_object_new_string(hex));
	hexstr(ek, ek_len, hex);
	json_object_object_add(st, "ek", json_object_new_string(hex));
	hexstr(ak, ak_len, hex);
	json_object_object_add(st, "ak", json_object_new_string(hex));
	{
		const char *s = json_object_to_json_string_ext(st, JSON_C_TO_STRING_PRETTY);

		if (!write_in(&sp, "blob", blob, blob_len) &&
		    !write_in(&sp, "secret", enc, enc_len) &&
		    !write_in(&sp, "state", s, strlen(s)))
			ret = VINFER_EXIT_OK;
	}
	json_object_put(st);
	spool_close(&sp);
wipe:
	OPENSSL_cleanse(secret, sizeof(secret));
	return ret;
usage:
	fprintf(stderr, "usage: vinfer registrar challenge --ek EK.pub --ak AK.pub -o DIR\n");
	return VINFER_EXIT_USAGE;
}

/* ---- registrar endorse ----------------------------------------------------- */

/* A private key file: refused when group or others may read it. */
static EVP_PKEY *read_private_key(const char *path)
{
	struct stat st;
	EVP_PKEY *pk;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "vinfer registrar: --key %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) || (st.st_mode & 077)) {
		fprintf(stderr, "vinfer registrar: --key %s: mode %04o, group or others may access it; want 0600\n",
			path, (unsigned int)(st.st_mode & 07777));
		fclose(f);
		return NULL;
	}
	pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!pk)
		fprintf(stderr, "vinfer registrar: --key %s: not a PEM private key\n", path);
	return pk;
}

static int state_hex(json_object *st, const char *key, uint8_t *out, size_t cap, size_t *len)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(st, key, &v) || !json_object_is_type(v, json_type_string))
		goto bad;
	s = json_object_get_string(v);
	if (strlen(s) % 2 || strlen(s) / 2 > cap || verify_unhex(s, out, strlen(s) / 2))
		goto bad;
	*len = strlen(s) / 2;
	return 0;
bad:
	fprintf(stderr, "vinfer registrar endorse: state: %s: want hex of at most %zu bytes\n", key, cap);
	return -1;
}

static int registrar_endorse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "answer", required_argument, NULL, 'a' },
		{}
	};
	uint8_t ek[512], ak[512], want[32], hash[32], answer[64], msg[128], host[32];
	uint8_t ak_x[32], ak_y[32], ak_name[34], reg_x[32], reg_y[32], rs_r[32], rs_s[32];
	const char *key_path = NULL, *ans = NULL, *dir;
	char err[SPOOL_ERR_MAX > TPMS_ERR_MAX ? SPOOL_ERR_MAX : TPMS_ERR_MAX], hex[65];
	size_t ek_len, ak_len, hlen, alen, siglen;
	unsigned char sig[80];
	const unsigned char *sp_der;
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *md = NULL;
	ECDSA_SIG *es = NULL;
	json_object *st = NULL, *out;
	struct spool sp = { .dirfd = -1 };
	char *buf = NULL;
	size_t len;
	bool rsign;
	int c, ret = VINFER_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key_path = optarg; break;
		case 'a': ans = optarg; break;
		default: goto usage;
		}
	}
	if (!key_path || !ans || optind != argc - 1)
		goto usage;
	dir = argv[optind];
	alen = strlen(ans) / 2;
	if (alen == 0 || alen > sizeof(answer) || verify_unhex(ans, answer, alen)) {
		fprintf(stderr, "vinfer registrar endorse: --answer: want hex of 1-%zu bytes\n",
			sizeof(answer));
		return VINFER_EXIT_USAGE;
	}
	pk = read_private_key(key_path);
	if (!pk)
		goto out;
	if (spool_open(&sp, dir, err) || spool_read(&sp, "state", &buf, &len, err)) {
		fprintf(stderr, "vinfer registrar endorse: %s\n", err);
		goto out;
	}
	st = json_tokener_parse(buf);
	if (!st || state_hex(st, "secretSha256", want, 32, &hlen) || hlen != 32 ||
	    state_hex(st, "ek", ek, sizeof(ek), &ek_len) ||
	    state_hex(st, "ak", ak, sizeof(ak), &ak_len)) {
		fprintf(stderr, "vinfer registrar endorse: %s/state: not a challenge state\n", dir);
		goto out;
	}
	SHA256(answer, alen, hash);
	OPENSSL_cleanse(answer, sizeof(answer));
	if (CRYPTO_memcmp(hash, want, 32)) {
		fprintf(stderr, "vinfer registrar endorse: the answer is not the challenge's secret\n");
		goto out;
	}
	if (tpms_parse_ecc_public(ak, ak_len, ak_x, ak_y, ak_name, &rsign, err)) {
		fprintf(stderr, "vinfer registrar endorse: state ak: %s\n", err);
		goto out;
	}
	SHA256(ek, ek_len, host);
	attest_activation_message(ak_x, ak_y, host, msg);

	md = EVP_MD_CTX_new();
	siglen = sizeof(sig);
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) != 1) {
		fprintf(stderr, "vinfer registrar endorse: signing failed (is --key a P-256 key?)\n");
		goto out;
	}
	sp_der = sig;
	es = d2i_ECDSA_SIG(NULL, &sp_der, siglen);
	if (!es || BN_bn2binpad(ECDSA_SIG_get0_r(es), rs_r, 32) != 32 ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), rs_s, 32) != 32) {
		fprintf(stderr, "vinfer registrar endorse: cannot decode the signature\n");
		goto out;
	}
	{
		BIGNUM *bx = NULL, *by = NULL;
		char curve[32] = "";

		if (!EVP_PKEY_get_utf8_string_param(pk, "group", curve, sizeof(curve), NULL) ||
		    strcmp(curve, "prime256v1") ||
		    !EVP_PKEY_get_bn_param(pk, "qx", &bx) || !EVP_PKEY_get_bn_param(pk, "qy", &by) ||
		    BN_bn2binpad(bx, reg_x, 32) != 32 || BN_bn2binpad(by, reg_y, 32) != 32) {
			fprintf(stderr, "vinfer registrar endorse: --key %s: not a P-256 key\n", key_path);
			BN_free(bx);
			BN_free(by);
			goto out;
		}
		BN_free(bx);
		BN_free(by);
	}
	out = json_object_new_object();
	hexstr(reg_x, 32, hex);
	json_object_object_add(out, "registrarX", json_object_new_string(hex));
	hexstr(reg_y, 32, hex);
	json_object_object_add(out, "registrarY", json_object_new_string(hex));
	hexstr(rs_r, 32, hex);
	json_object_object_add(out, "r", json_object_new_string(hex));
	hexstr(rs_s, 32, hex);
	json_object_object_add(out, "s", json_object_new_string(hex));
	{
		const char *s = json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY);

		if (!write_in(&sp, "activation.json", s, strlen(s)))
			ret = VINFER_EXIT_OK;
	}
	json_object_put(out);
out:
	if (sp.dirfd >= 0)
		spool_close(&sp);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	json_object_put(st);
	free(buf);
	return ret;
usage:
	fprintf(stderr, "usage: vinfer registrar endorse --key REGISTRAR.pem DIR --answer HEX\n");
	return VINFER_EXIT_USAGE;
}

int cmd_registrar(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "keygen"))
		return registrar_keygen(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "challenge"))
		return registrar_challenge(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "endorse"))
		return registrar_endorse(argc - 1, argv + 1);
	fprintf(stderr, "usage: vinfer registrar keygen -o REGISTRAR.pem\n"
			"       vinfer registrar challenge --ek EK.pub --ak AK.pub -o DIR\n"
			"       vinfer registrar endorse --key REGISTRAR.pem DIR --answer HEX\n");
	return VINFER_EXIT_USAGE;
}

/* ---- the agent's side -------------------------------------------------------- */

static int parse_handle(const char *s, uint32_t *h)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > 0xffffffffUL || (v >> 24) != 0x81) {
		fprintf(stderr, "vinfer: --ak-handle '%s': want a persistent handle 0x81xxxxxx\n", s);
		return -1;
	}
	*h = v;
	return 0;
}

int cmd_tpm_keys(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tcti", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "ak-handle", required_argument, NULL, 'H' },
		{}
	};
	const char *tcti = NULL, *dir = NULL;
	uint32_t handle = TPM_AK_HANDLE;
	char err[TPM_ERR_MAX > SPOOL_ERR_MAX ? TPM_ERR_MAX : SPOOL_ERR_MAX];
	struct tpm_key ek, ak;
	struct vtpm *t;
	struct spool sp;
	uint8_t *cert = NULL;
	size_t cert_len = 0;
	int c, ret = VINFER_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 't': tcti = optarg; break;
		case 'o': dir = optarg; break;
		case 'H':
			if (parse_handle(optarg, &handle))
				return VINFER_EXIT_USAGE;
			break;
		default: goto usage;
		}
	}
	if (!tcti || !dir || optind != argc)
		goto usage;
	if (vtpm_open(&t, tcti, err)) {
		fprintf(stderr, "vinfer tpm-keys: %s\n", err);
		return VINFER_EXIT_FAIL;
	}
	if (vtpm_provision(t, handle, &ek, &ak, &cert, &cert_len, err)) {
		fprintf(stderr, "vinfer tpm-keys: %s\n", err);
		goto out;
	}
	if (spool_open(&sp, dir, err)) {
		fprintf(stderr, "vinfer tpm-keys: %s\n", err);
		goto out;
	}
	if (!write_in(&sp, "ek.pub", ek.public, ek.public_len) &&
	    !write_in(&sp, "ak.pub", ak.public, ak.public_len) &&
	    (!cert || !write_in(&sp, "ek.crt", cert, cert_len)))
		ret = VINFER_EXIT_OK;
	spool_close(&sp);
out:
	free(cert);
	vtpm_close(t);
	return ret;
usage:
	fprintf(stderr, "usage: vinfer tpm-keys --tcti TCTI -o DIR [--ak-handle H]\n");
	return VINFER_EXIT_USAGE;
}

int cmd_activate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tcti", required_argument, NULL, 't' },
		{ "blob", required_argument, NULL, 'b' },
		{ "secret", required_argument, NULL, 's' },
		{ "ak-handle", required_argument, NULL, 'H' },
		{}
	};
	const char *tcti = NULL, *blob_path = NULL, *secret_path = NULL;
	uint8_t blob[MAX_BLOB], enc[MAX_BLOB], out[64];
	size_t blob_len, enc_len, out_len = sizeof(out);
	uint32_t handle = TPM_AK_HANDLE;
	char err[TPM_ERR_MAX], hex[2 * sizeof(out) + 1];
	struct vtpm *t;
	int c, ret = VINFER_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': tcti = optarg; break;
		case 'b': blob_path = optarg; break;
		case 's': secret_path = optarg; break;
		case 'H':
			if (parse_handle(optarg, &handle))
				return VINFER_EXIT_USAGE;
			break;
		default: goto usage;
		}
	}
	if (!tcti || !blob_path || !secret_path || optind != argc)
		goto usage;
	if (cmd_read_small("--blob", blob_path, blob, sizeof(blob), &blob_len) ||
	    cmd_read_small("--secret", secret_path, enc, sizeof(enc), &enc_len))
		return VINFER_EXIT_FAIL;
	if (vtpm_open(&t, tcti, err)) {
		fprintf(stderr, "vinfer activate: %s\n", err);
		return VINFER_EXIT_FAIL;
	}
	if (vtpm_activate(t, handle, blob, blob_len, enc, enc_len, out, &out_len, err)) {
		fprintf(stderr, "vinfer activate: %s\n", err);
	} else {
		hexstr(out, out_len, hex);
		printf("%s\n", hex);
		OPENSSL_cleanse(hex, sizeof(hex));
		ret = VINFER_EXIT_OK;
	}
	OPENSSL_cleanse(out, sizeof(out));
	vtpm_close(t);
	return ret;
usage:
	fprintf(stderr, "usage: vinfer activate --tcti TCTI --blob FILE --secret FILE [--ak-handle H]\n");
	return VINFER_EXIT_USAGE;
}
