// SPDX-License-Identifier: GPL-2.0
/*
 * The auditor's commands over an attestation document:
 *
 * vinfer verify FILE [--ak-policy PEM|NAMEHEX] [--registrar PEM]
 *               [--require-activation] [--allow-no-tpm] [--json]
 *	Runs the checks of lib/verify.h; one line per check ("ok   name"), then
 *	"FAIL name: ..." for the first failure.  Exit 0 every check passed,
 *	1 a check failed, 2 usage, 3 the document cannot be read or parsed.
 *
 * vinfer export-quote FILE DIR
 *	Writes the quote for tpm2_checkquote: quote.msg (TPMS_ATTEST),
 *	quote.sig (TPMT_SIGNATURE), quote.pcrs (tpm2-tools PCR file),
 *	ak.pub.pem and nonce.hex (the claims hash).
 *
 * vinfer prove FILE (INPUTHEX:OUTPUTHEX | --input F --output F | --index N)
 *	Prints the inclusion proof of one request in the document's request
 *	tree as JSON.
 *
 * vinfer check-proof PROOF.json (--doc FILE | --root HEX)
 *	Checks a proof against a verified document or a root: exit 0 or 1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <json-c/json.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "attest.h"
#include "claims.h"
#include "cmd.h"
#include "merkle.h"
#include "tpm.h"
#include "verify.h"
#include "vlog.h"

#define EXIT_UNREADABLE 3

static int read_all(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 65536, n = 0;
	char *b, *nb;

	if (!f)
		return -errno;
	b = malloc(cap + 1);
	while (b) {
		size_t got = fread(b + n, 1, cap - n, f);

		n += got;
		if (n < cap)
			break;
		cap *= 2;
		nb = realloc(b, cap + 1);
		if (!nb)
			free(b);
		b = nb;
	}
	if (!b || ferror(f)) {
		int e = b ? EIO : ENOMEM;

		free(b);
		fclose(f);
		return -e;
	}
	fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static void print_json_result(const char *file, const struct verify_result *r)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	size_t i;

	json_object_object_add(o, "file", json_object_new_string(file));
	json_object_object_add(o, "ok", json_object_new_boolean(!r->failed));
	json_object_object_add(o, "noHardwareTrust", json_object_new_boolean(r->no_hw_trust));
	for (i = 0; i < r->n_steps; i++) {
		json_object *s = json_object_new_object();

		json_object_object_add(s, "name", json_object_new_string(r->steps[i].name));
		json_object_object_add(s, "status", json_object_new_string(
			r->steps[i].status == VERIFY_OK ? "ok" : "skip"));
		if (r->steps[i].note)
			json_object_object_add(s, "note", json_object_new_string(r->steps[i].note));
		json_object_array_add(a, s);
	}
	json_object_object_add(o, "checks", a);
	json_object_object_add(o, "failed", r->failed ? json_object_new_string(r->failed) : NULL);
	json_object_object_add(o, "message", r->failed ? json_object_new_string(r->msg) : NULL);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_result(const struct verify_result *r)
{
	size_t i;

	for (i = 0; i < r->n_steps; i++) {
		const struct verify_step *s = &r->steps[i];

		printf("%s %s%s%s%s\n", s->status == VERIFY_OK ? "ok  " : "skip", s->name,
		       s->note ? " (" : "", s->note ? s->note : "", s->note ? ")" : "");
	}
	if (r->failed)
		printf("FAIL %s\n", r->msg);
	else if (r->no_hw_trust)
		printf("PASS without hardware trust: the document has no TPM quote\n");
}

/* --repeat N: parse and verify the document N times in this process. */
static int repeat_verify(const char *path, const struct verify_opts *o, long n)
{
	struct timespec t0, t1;
	struct verify_result r;
	char err[ATTEST_ERR_MAX];
	double secs, rate;
	size_t len;
	char *buf;
	long i;
	int ret;

	ret = read_all(path, &buf, &len);
	if (ret) {
		fprintf(stderr, "vinfer verify: %s: %s\n", path, strerror(-ret));
		return EXIT_UNREADABLE;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		struct attest_doc d;

		if (attest_parse_json(buf, len, &d, err)) {
			fprintf(stderr, "vinfer verify: %s: %s\n", path, err);
			free(buf);
			return EXIT_UNREADABLE;
		}
		ret = verify_doc(&d, o, &r);
		attest_free(&d);
		if (ret) {
			fprintf(stderr, "vinfer verify: FAIL %s\n", r.msg);
			free(buf);
			return VINFER_EXIT_FAIL;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(buf);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	rate = n / secs;
	fprintf(stderr, "verify: %ld documents in %.3f s: %.1f documents/s\n", n, secs, rate);
	return VINFER_EXIT_OK;
}

static void verify_usage(FILE *f)
{
	fprintf(f, "usage: vinfer verify FILE [--ak-policy PEM|NAMEHEX] [--registrar PEM]\n"
		   "                     [--require-activation] [--allow-no-tpm] [--json]\n"
		   "exit: 0 all checks passed, 1 a check failed, 2 usage, 3 unreadable document\n");
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ak-policy", required_argument, NULL, 'a' },
		{ "registrar", required_argument, NULL, 'r' },
		{ "require-activation", no_argument, NULL, 'R' },
		{ "allow-no-tpm", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "repeat", required_argument, NULL, 'N' },	/* hidden: benchmark */
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct verify_opts vo = { 0 };
	char err[ATTEST_ERR_MAX > VERIFY_ERR_MAX ? ATTEST_ERR_MAX : VERIFY_ERR_MAX];
	struct verify_result r;
	struct attest_doc d;
	bool json = false;
	long repeat = 0;
	char *end;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (verify_opts_set_ak(&vo, optarg, err)) {
				fprintf(stderr, "vinfer verify: --ak-policy: %s\n", err);
				return VINFER_EXIT_USAGE;
			}
			break;
		case 'r':
			if (verify_opts_set_registrar(&vo, optarg, err)) {
				fprintf(stderr, "vinfer verify: --registrar: %s\n", err);
				return VINFER_EXIT_USAGE;
			}
			break;
		case 'R':
			vo.require_activation = true;
			break;
		case 'n':
			vo.allow_no_tpm = true;
			break;
		case 'j':
			json = true;
			break;
		case 'N':
			errno = 0;
			repeat = strtol(optarg, &end, 10);
			if (errno || *end || repeat < 1) {
				fprintf(stderr, "vinfer verify: --repeat '%s': want a count >= 1\n", optarg);
				return VINFER_EXIT_USAGE;
			}
			break;
		case 'h':
			verify_usage(stdout);
			return VINFER_EXIT_OK;
		default:
			verify_usage(stderr);
			return VINFER_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		verify_usage(stderr);
		return VINFER_EXIT_USAGE;
	}
	if (repeat)
		return repeat_verify(argv[optind], &vo, repeat);

	if (attest_read_file(argv[optind], &d, err)) {
		if (json) {
			memset(&r, 0, sizeof(r));
			r.failed = "document";
			snprintf(r.msg, sizeof(r.msg), "document: %s", err);
			print_json_result(argv[optind], &r);
		} else {
			printf("FAIL document: %s\n", err);
		}
		return EXIT_UNREADABLE;
	}
	ret = verify_doc(&d, &vo, &r);
	attest_free(&d);
	if (json)
		print_json_result(argv[optind], &r);
	else
		print_result(&r);
	return ret ? VINFER_EXIT_FAIL : VINFER_EXIT_OK;
}

/* ---- export-quote ------------------------------------------------------ */

static int write_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "vinfer export-quote: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static EVP_PKEY *p256_from_xy(const uint8_t x[32], const uint8_t y[32])
{
	uint8_t pt[65] = { 0x04 };
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *p = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;

	memcpy(pt + 1, x, 32);
	memcpy(pt + 33, y, 32);
	if (b && OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)))
		p = OSSL_PARAM_BLD_to_param(b);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!p || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, p) <= 0)
		pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	return pk;
}

int cmd_export_quote(int argc, char **argv)
{
	char err[ATTEST_ERR_MAX], path[4096], hex[65];
	struct attest_doc d;
	uint8_t nonce[32];
	EVP_PKEY *pk;
	FILE *f;
	int ret = VINFER_EXIT_FAIL;

	if (argc != 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: vinfer export-quote FILE DIR\n");
		return VINFER_EXIT_USAGE;
	}
	if (attest_read_file(argv[1], &d, err)) {
		fprintf(stderr, "vinfer export-quote: %s\n", err);
		return EXIT_UNREADABLE;
	}
	if (!d.has_quote) {
		fprintf(stderr, "vinfer export-quote: %s: no quote (NO_TPM document)\n", argv[1]);
		goto out;
	}
	if (mkdir(argv[2], 0755) && errno != EEXIST) {
		fprintf(stderr, "vinfer export-quote: %s: %s\n", argv[2], strerror(errno));
		goto out;
	}
	claims_hash(&d.claims, nonce);
	vlog_hex(nonce, 32, hex);
	if (write_file(argv[2], "quote.msg", d.attest, d.attest_len) ||
	    write_file(argv[2], "quote.sig", d.signature, d.signature_len) ||
	    write_file(argv[2], "nonce.hex", hex, 64))
		goto out;
	snprintf(path, sizeof(path), "%s/quote.pcrs", argv[2]);
	f = fopen(path, "wb");
	if (!f || tpm_write_pcrs_file(f, d.pcr_mask, (const uint8_t (*)[32])d.pcrs) || fclose(f)) {
		fprintf(stderr, "vinfer export-quote: %s: %s\n", path, strerror(errno));
		goto out;
	}
	pk = p256_from_xy(d.ak_x, d.ak_y);
	if (!pk) {
		fprintf(stderr, "vinfer export-quote: ak.x/ak.y: not a point of P-256\n");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/ak.pub.pem", argv[2]);
	f = fopen(path, "w");
	if (!f || !PEM_write_PUBKEY(f, pk) || fclose(f)) {
		fprintf(stderr, "vinfer export-quote: %s: cannot write\n", path);
		EVP_PKEY_free(pk);
		goto out;
	}
	EVP_PKEY_free(pk);
	ret = VINFER_EXIT_OK;
out:
	attest_free(&d);
	return ret;
}

/* ---- prove / check-proof ---------------------------------------------- */

static int file_sha256(const char *path, uint8_t out[32])
{
	char *buf;
	size_t len;
	int ret = read_all(path, &buf, &len);

	if (ret) {
		fprintf(stderr, "vinfer prove: %s: %s\n", path, strerror(-ret));
		return ret;
	}
	SHA256((const uint8_t *)buf, len, out);
	free(buf);
	return 0;
}

static json_object *hexobj(const uint8_t *p, size_t n)
{
	char hex[2 * 64 + 1];

	vlog_hex(p, n, hex);
	return json_object_new_string(hex);
}

int cmd_prove(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "index", required_argument, NULL, 'x' },
		{}
	};
	const char *in_file = NULL, *out_file = NULL, *pair = NULL, *idx_arg = NULL;
	uint8_t want_in[32], want_out[32], root[32], (*leaves)[32] = NULL;
	uint8_t proof[MERKLE_MAX_DEPTH][32];
	char err[ATTEST_ERR_MAX], dec[80];
	json_object *o, *a;
	struct attest_doc d;
	unsigned int depth, k;
	size_t i, index = SIZE_MAX;
	int c, ret = VINFER_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': in_file = optarg; break;
		case 'o': out_file = optarg; break;
		case 'x': idx_arg = optarg; break;
		default: goto usage;
		}
	}
	if (optind == argc - 2)
		pair = argv[argc - 1];
	else if (optind != argc - 1)
		goto usage;
	if (!!pair + !!idx_arg + !!(in_file || out_file) != 1 || !!in_file != !!out_file)
		goto usage;
	if (pair) {
		const char *colon = strchr(pair, ':');
		char inhex[65] = "";

		if (!colon || colon - pair != 64) {
			fprintf(stderr, "vinfer prove: request '%s': want INPUTHEX:OUTPUTHEX (64 hex digits each)\n",
				pair);
			return VINFER_EXIT_USAGE;
		}
		memcpy(inhex, pair, 64);
		if (verify_unhex(inhex, want_in, 32) || verify_unhex(colon + 1, want_out, 32)) {
			fprintf(stderr, "vinfer prove: request '%s': not hex digests\n", pair);
			return VINFER_EXIT_USAGE;
		}
	} else if (in_file) {
		if (file_sha256(in_file, want_in) || file_sha256(out_file, want_out))
			return VINFER_EXIT_FAIL;
	} else {
		char *end;

		errno = 0;
		index = strtoull(idx_arg, &end, 10);
		if (errno || *end || idx_arg[0] == '-') {
			fprintf(stderr, "vinfer prove: --index '%s': not a number\n", idx_arg);
			return VINFER_EXIT_USAGE;
		}
	}
	if (attest_read_file(argv[optind], &d, err)) {
		fprintf(stderr, "vinfer prove: %s\n", err);
		return EXIT_UNREADABLE;
	}
	if (index == SIZE_MAX) {
		for (i = 0; i < d.n_requests; i++)
			if (!memcmp(d.requests[i].input, want_in, 32) &&
			    !memcmp(d.requests[i].output, want_out, 32))
				break;
		if (i == d.n_requests) {
			fprintf(stderr, "vinfer prove: no request with that input and output in %s\n",
				argv[optind]);
			goto out;
		}
		index = i;
	} else if (index >= d.n_requests) {
		fprintf(stderr, "vinfer prove: --index %zu: the document has %zu requests\n", index,
			d.n_requests);
		goto out;
	}
	leaves = calloc(d.n_requests, sizeof(*leaves));
	if (!leaves)
		goto out;
	for (i = 0; i < d.n_requests; i++) {
		uint8_t payload[64];

		memcpy(payload, d.requests[i].input, 32);
		memcpy(payload + 32, d.requests[i].output, 32);
		merkle_leaf(payload, 64, leaves[i]);
	}
	if (merkle_root((const uint8_t (*)[32])leaves, d.n_requests, root) ||
	    merkle_proof((const uint8_t (*)[32])leaves, d.n_requests, index, proof, &depth)) {
		fprintf(stderr, "vinfer prove: cannot build the request tree\n");
		goto out;
	}
	if (memcmp(root, d.claims.request_root, 32)) {
		fprintf(stderr, "vinfer prove: the requests' root does not equal requestRoot of %s (run vinfer verify)\n",
			argv[optind]);
		goto out;
	}
	o = json_object_new_object();
	claims_agent_to_dec(d.claims.agent_id, dec);
	json_object_object_add(o, "agentId", json_object_new_string(dec));
	json_object_object_add(o, "workload", json_object_new_uint64(d.claims.workload));
	json_object_object_add(o, "epoch", json_object_new_uint64(d.claims.epoch));
	json_object_object_add(o, "index", json_object_new_uint64(index));
	json_object_object_add(o, "input", hexobj(d.requests[index].input, 32));
	json_object_object_add(o, "output", hexobj(d.requests[index].output, 32));
	json_object_object_add(o, "leaf", hexobj(leaves[index], 32));
	json_object_object_add(o, "root", hexobj(root, 32));
	a = json_object_new_array();
	for (k = 0; k < depth; k++)
		json_object_array_add(a, hexobj(proof[k], 32));
	json_object_object_add(o, "proof", a);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
	ret = VINFER_EXIT_OK;
out:
	free(leaves);
	attest_free(&d);
	return ret;
usage:
	fprintf(stderr, "usage: vinfer prove FILE (INPUTHEX:OUTPUTHEX | --input FILE --output FILE | --index N)\n");
	return VINFER_EXIT_USAGE;
}

/* A hex field of the proof: prints the error naming the key. */
static int proof_hex(json_object *o, const char *key, uint8_t out[32])
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string) ||
	    verify_unhex(json_object_get_string(v), out, 32)) {
		fprintf(stderr, "vinfer check-proof: %s: want 64 hex digits\n", key);
		return -1;
	}
	return 0;
}

static int proof_u64(json_object *o, const char *key, uint64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0) {
		fprintf(stderr, "vinfer check-proof: %s: want a non-negative integer\n", key);
		return -1;
	}
	*out = json_object_get_uint64(v);
	return 0;
}

int cmd_check_proof(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "doc", required_argument, NULL, 'd' },
		{ "root", required_argument, NULL, 'r' },
		{}
	};
	uint8_t in[32], outd[32], leaf[32], want_leaf[32], root[32], want_root[32];
	uint8_t proof[MERKLE_MAX_DEPTH][32], payload[64];
	const char *doc = NULL, *root_arg = NULL;
	uint64_t index, workload, epoch;
	json_object *o = NULL, *a, *v;
	char err[ATTEST_ERR_MAX];
	unsigned int depth, k;
	int c, ret = VINFER_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': doc = optarg; break;
		case 'r': root_arg = optarg; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || !!doc == !!root_arg)
		goto usage;
	if (root_arg && verify_unhex(root_arg, want_root, 32)) {
		fprintf(stderr, "vinfer check-proof: --root '%s': want 64 hex digits\n", root_arg);
		return VINFER_EXIT_USAGE;
	}
	o = json_object_from_file(argv[optind]);
	if (!o || !json_object_is_type(o, json_type_object)) {
		fprintf(stderr, "vinfer check-proof: %s: not a JSON object\n", argv[optind]);
		goto out;
	}
	if (proof_hex(o, "input", in) || proof_hex(o, "output", outd) ||
	    proof_hex(o, "leaf", leaf) || proof_hex(o, "root", root) ||
	    proof_u64(o, "index", &index) || proof_u64(o, "workload", &workload) ||
	    proof_u64(o, "epoch", &epoch))
		goto out;
	if (!json_object_object_get_ex(o, "proof", &a) || !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) > MERKLE_MAX_DEPTH) {
		fprintf(stderr, "vinfer check-proof: proof: want an array of at most %d hashes\n",
			MERKLE_MAX_DEPTH);
		goto out;
	}
	depth = json_object_array_length(a);
	for (k = 0; k < depth; k++) {
		v = json_object_array_get_idx(a, k);
		if (!json_object_is_type(v, json_type_string) ||
		    verify_unhex(json_object_get_string(v), proof[k], 32)) {
			fprintf(stderr, "vinfer check-proof: proof[%u]: want 64 hex digits\n", k);
			goto out;
		}
	}
	memcpy(payload, in, 32);
	memcpy(payload + 32, outd, 32);
	merkle_leaf(payload, 64, want_leaf);
	if (memcmp(leaf, want_leaf, 32)) {
		fprintf(stderr, "vinfer check-proof: leaf is not SHA-256(0x00 || input || output)\n");
		goto out;
	}
	if (doc) {
		struct verify_opts vo = { 0 };
		struct verify_result r;
		struct attest_doc d;
		char dec[80];

		if (attest_read_file(doc, &d, err)) {
			fprintf(stderr, "vinfer check-proof: %s\n", err);
			ret = EXIT_UNREADABLE;
			goto out;
		}
		if (verify_doc(&d, &vo, &r)) {
			fprintf(stderr, "vinfer check-proof: %s does not verify: %s\n", doc, r.msg);
			attest_free(&d);
			goto out;
		}
		memcpy(want_root, d.claims.request_root, 32);
		claims_agent_to_dec(d.claims.agent_id, dec);
		if (!json_object_object_get_ex(o, "agentId", &v) ||
		    !json_object_is_type(v, json_type_string) || strcmp(json_object_get_string(v), dec) ||
		    workload != d.claims.workload || epoch != d.claims.epoch) {
			fprintf(stderr, "vinfer check-proof: agentId/workload/epoch of the proof != %s, %llu, %llu of %s\n",
				dec, (unsigned long long)d.claims.workload,
				(unsigned long long)d.claims.epoch, doc);
			attest_free(&d);
			goto out;
		}
		if (index >= d.claims.request_count) {
			fprintf(stderr, "vinfer check-proof: index %llu >= requestCount %llu\n",
				(unsigned long long)index,
				(unsigned long long)d.claims.request_count);
			attest_free(&d);
			goto out;
		}
		attest_free(&d);
	}
	if (memcmp(root, want_root, 32)) {
		fprintf(stderr, "vinfer check-proof: root of the proof != the expected root\n");
		goto out;
	}
	if (depth < 64 && index >> depth) {
		fprintf(stderr, "vinfer check-proof: index %llu needs more than %u levels\n",
			(unsigned long long)index, depth);
		goto out;
	}
	if (!merkle_verify(leaf, index, (const uint8_t (*)[32])proof, depth, want_root)) {
		fprintf(stderr, "vinfer check-proof: the proof does not lead to the root\n");
		goto out;
	}
	printf("ok: request %llu (input %.16s..., output %.16s...) is in the tree of root %.16s...\n",
	       (unsigned long long)index, json_object_get_string(json_object_object_get(o, "input")),
	       json_object_get_string(json_object_object_get(o, "output")),
	       json_object_get_string(json_object_object_get(o, "root")));
	ret = VINFER_EXIT_OK;
out:
	json_object_put(o);
	return ret;
usage:
	fprintf(stderr, "usage: vinfer check-proof PROOF.json (--doc FILE | --root HEX)\n");
	return VINFER_EXIT_USAGE;
}
