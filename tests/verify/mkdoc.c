// SPDX-License-Identifier: GPL-2.0
/*
 * mkdoc: a real attestation document made on the host without vinfer.ko,
 * for the verifier's tests.  It writes a binary log in the kernel's format
 * (include/uapi/linux/vinfer.h), extends the log's batch heads into PCR 13
 * of a TPM (swtpm), has the TPM quote the claims, and writes the document.
 *
 *   mkdoc --tcti TCTI -o DOC.json --model FILE --data FILE [--data FILE...]
 *         [--ak-handle H] [--lie WORD=VALUE]... [--lie-nonce] [--pcr-mask M]
 *         [--violation] [--violation-other] [--no-tpm]
 *
 * The log (W = the workload, O = another cgroup, D = the daemon):
 *
 *   0 load(tpm, pcr 13, base = PCR 13 now)   1 note O   2 seal b1
 *   3 note O   4 seal b2                       -- previous epochs: witness
 *   5 file model W   6 file data W   7 file model O   8 request W
 *   9 request W   10 request O   11 seal b3   12 request W
 *   13.. file data W (each further --data)   [violation W]
 *   epoch marker D   seal b4 (= logLast)   note O   seal b5 (= quoted PCR)
 *
 * --lie sets a claims word after the honest claims were computed and
 * before the quote: what a lying agent with a real TPM could sign.
 * --lie-nonce quotes other qualifying data; --pcr-mask another selection.
 * --violation: the workload modified its model; --violation-other: another
 * cgroup did.  --no-tpm: a log without TPM binding and a document without
 * quote (flag NO_TPM); no TCTI needed.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "attest.h"
#include "claims.h"
#include "merkle.h"
#include "tpm.h"
#include "tpms.h"
#include "verify.h"
#include "vlog.h"

#define PCR		13
#define WORKLOAD	4242
#define OTHER		777
#define DAEMON		1
#define MAX_DATA	4

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkdoc: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

struct logb {
	uint8_t *buf;
	size_t len, cap;
	uint64_t seq, batch;
	uint8_t head[32], pcr[32];
	uint8_t seal_heads[16][32];	/* heads after each TPM seal */
	uint64_t seal_seq[16];
	size_t n_seals;
	bool no_tpm;
};

static void extend(uint8_t acc[32], const uint8_t v[32])
{
	uint8_t pair[64];

	memcpy(pair, acc, 32);
	memcpy(pair + 32, v, 32);
	SHA256(pair, 64, acc);
}

static uint64_t add(struct logb *b, uint16_t type, uint64_t cgroup, const void *payload,
		    uint32_t plen, const void *tail, uint32_t tlen)
{
	uint32_t len = (sizeof(struct vinfer_rec_hdr) + plen + tlen + 7) & ~7U;
	struct vinfer_rec_hdr *h;
	uint8_t d[32];

	if (b->len + len > b->cap) {
		b->cap = (b->cap + len) * 2;
		b->buf = realloc(b->buf, b->cap);
		if (!b->buf)
			die("%s", "out of memory");
	}
	h = (void *)(b->buf + b->len);
	memset(h, 0, len);
	h->len = htole32(len);
	h->type = htole16(type);
	h->source = htole16(type == VINFER_REC_CLAIM ? VINFER_SRC_USER : VINFER_SRC_KERNEL);
	h->seq = htole64(b->seq);
	h->time_real_ns = htole64(1700000000000000000ULL + b->seq * 1000);
	h->time_boot_ns = htole64(5000000000ULL + b->seq * 1000);
	h->cgroup_id = htole64(cgroup);
	h->pid = htole32(cgroup == WORKLOAD ? 4000 : 100);
	h->tgid = h->pid;
	h->payload_len = htole32(plen + tlen);
	snprintf(h->comm, sizeof(h->comm), "%s", cgroup == WORKLOAD ? "infer" : "other");
	memcpy(b->buf + b->len + sizeof(*h), payload, plen);
	if (tlen)
		memcpy(b->buf + b->len + sizeof(*h) + plen, tail, tlen);
	SHA256(b->buf + b->len, len, d);
	extend(b->head, d);
	b->len += len;
	return b->seq++;
}

static uint64_t add_seal(struct logb *b)
{
	struct vinfer_rec_seal s = { .batch = htole64(++b->batch),
				     .first_seq = htole64(0),
				     .reason = htole32(VINFER_SEAL_REQUEST),
				     .flags = htole32(b->no_tpm ? 0 : VINFER_SEAL_TPM) };
	uint64_t seq = add(b, VINFER_REC_BATCH_SEAL, DAEMON, &s, sizeof(s), NULL, 0);

	if (b->no_tpm)
		return seq;
	extend(b->pcr, b->head);
	memcpy(b->seal_heads[b->n_seals], b->head, 32);
	b->seal_seq[b->n_seals++] = seq;
	return seq;
}

static uint64_t add_note(struct logb *b, uint64_t cgroup)
{
	struct vinfer_rec_claim c = { .kind = htole32(VINFER_CLAIM_NOTE), .len = htole32(5) };

	return add(b, VINFER_REC_CLAIM, cgroup, &c, sizeof(c), "hello", 5);
}

static uint64_t add_request(struct logb *b, uint64_t cgroup, const uint8_t in[32],
			    const uint8_t out[32])
{
	struct vinfer_rec_claim c = { .kind = htole32(VINFER_CLAIM_REQUEST), .len = htole32(64) };
	uint8_t p[64];

	memcpy(p, in, 32);
	memcpy(p + 32, out, 32);
	return add(b, VINFER_REC_CLAIM, cgroup, &c, sizeof(c), p, 64);
}

static uint64_t add_file(struct logb *b, uint64_t cgroup, uint32_t kind, const char *path,
			 const uint8_t digest[32], uint64_t size)
{
	struct vinfer_rec_file f = { .kind = htole32(kind), .size = htole64(size),
				     .dev = htole64(2049), .ino = htole64(1000 + b->seq),
				     .path_len = htole32(strlen(path)) };

	memcpy(f.digest, digest, 32);
	return add(b, VINFER_REC_FILE, cgroup, &f, sizeof(f), path, strlen(path));
}

static void hash_file(const char *path, uint8_t out[32], uint64_t *size)
{
	uint8_t buf[65536];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f || !c)
		die("cannot open %s", path);
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	*size = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		EVP_DigestUpdate(c, buf, n);
		*size += n;
	}
	fclose(f);
	EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
}

static void tpm_fail(const char *what, const char *err)
{
	fprintf(stderr, "mkdoc: %s: %s\n", what, err);
	exit(1);
}

static void set_word(struct claims *c, const char *spec)
{
	const char *eq = strchr(spec, '=');
	char name[32];
	unsigned long long v;
	uint8_t b32[32];
	bool is_hex;
	char *end;

	if (!eq || (size_t)(eq - spec) >= sizeof(name))
		die("--lie '%s': want WORD=VALUE", spec);
	memcpy(name, spec, eq - spec);
	name[eq - spec] = '\0';
	eq++;
	is_hex = !verify_unhex(eq, b32, 32);
	errno = 0;
	v = strtoull(eq, &end, 0);
	if (!strcmp(name, "agentId")) {
		if (claims_agent_from_dec(eq, c->agent_id))
			die("--lie agentId=%s: want a decimal", eq);
		return;
	}
#define B32(field, key) if (!strcmp(name, key)) { \
		if (!is_hex) \
			die("--lie %s: want 64 hex digits", spec); \
		memcpy(c->field, b32, 32); \
		return; \
	}
	B32(host_id, "hostId")
	B32(log_head, "logHead")
	B32(model_digest, "modelDigest")
	B32(data_root, "dataRoot")
	B32(request_root, "requestRoot")
	B32(counters_digest, "countersDigest")
	B32(block_hash, "blockHash")
#undef B32
	if (errno || *end)
		die("--lie %s: want a number", spec);
#define INT(field, key) if (!strcmp(name, key)) { c->field = v; return; }
	INT(epoch, "epoch")
	INT(workload, "workload")
	INT(log_first, "logFirst")
	INT(log_last, "logLast")
	INT(request_count, "requestCount")
	INT(block_number, "blockNumber")
	INT(tpm_clock, "tpmClock")
	INT(tpm_reset_count, "tpmResetCount")
	INT(tpm_restart_count, "tpmRestartCount")
	INT(flags, "flags")
	INT(violations, "violations")
#undef INT
	die("--lie: unknown claims word '%s'", name);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct attest_file *)a)->path, ((const struct attest_file *)b)->path);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tcti", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "model", required_argument, NULL, 'm' },
		{ "data", required_argument, NULL, 'd' },
		{ "ak-handle", required_argument, NULL, 'H' },
		{ "lie", required_argument, NULL, 'l' },
		{ "lie-nonce", no_argument, NULL, 'n' },
		{ "pcr-mask", required_argument, NULL, 'p' },
		{ "violation", no_argument, NULL, 'v' },
		{ "violation-other", no_argument, NULL, 'V' },
		{ "no-tpm", no_argument, NULL, 'N' },
		{}
	};
	const char *tcti = NULL, *out = NULL, *model = NULL, *data[MAX_DATA], *lies[32];
	uint32_t ak_handle = TPM_AK_HANDLE, mask = 0xffU | 1U << 10 | 1U << PCR;
	size_t n_data = 0, n_lies = 0, i;
	bool lie_nonce = false, violation = false, violation_other = false, no_tpm = false;
	static uint8_t pcrs[ATTEST_PCR_MAX][32];
	uint8_t base[ATTEST_PCR_MAX][32], in[3][32], outd[3][32], nonce[32];
	uint8_t (*leaves)[32];
	char err[TPM_ERR_MAX > ATTEST_ERR_MAX ? TPM_ERR_MAX : ATTEST_ERR_MAX], cmd[512], hex[65];
	struct attest_counter counter = { .api = "cuda", .name = "cuLaunchKernel", .calls = 10,
					  .bytes = 0, .error = 0, .exact = true };
	struct attest_request reqs[3];
	struct attest_file mfile, dfiles[MAX_DATA];
	struct model_file mf;
	struct tpm_key ek, ak;
	struct tpm_clock clk;
	struct attest_doc d;
	struct logb b = { 0 };
	struct claims *c = &d.claims;
	uint64_t first, last, size;
	uint8_t *cert = NULL, *attest, *sig;
	size_t cert_len = 0, attest_len, sig_len, json_len;
	struct vtpm *t;
	char *json;
	FILE *f;
	int o;

	while ((o = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (o) {
		case 't': tcti = optarg; break;
		case 'o': out = optarg; break;
		case 'm': model = optarg; break;
		case 'd':
			if (n_data == MAX_DATA)
				die("%s", "too many --data");
			data[n_data++] = optarg;
			break;
		case 'H': ak_handle = strtoul(optarg, NULL, 0); break;
		case 'l':
			if (n_lies == 32)
				die("%s", "too many --lie");
			lies[n_lies++] = optarg;
			break;
		case 'n': lie_nonce = true; break;
		case 'p': mask = strtoul(optarg, NULL, 0); break;
		case 'v': violation = true; break;
		case 'V': violation_other = true; break;
		case 'N': no_tpm = true; break;
		default:
			return 2;
		}
	}
	if ((!tcti && !no_tpm) || !out || !model || !n_data || optind != argc) {
		fprintf(stderr, "usage: mkdoc --tcti TCTI -o DOC --model FILE --data FILE... [--ak-handle H] [--lie WORD=VALUE]... [--lie-nonce] [--pcr-mask M] [--violation]\n");
		return 2;
	}

	/* The PCR as it stands is the base of the new log's chain. */
	memset(base, 0, sizeof(base));
	b.no_tpm = no_tpm;
	if (!no_tpm) {
		if (vtpm_open(&t, tcti, err))
			tpm_fail("open", err);
		if (vtpm_read_pcrs(t, 1U << PCR, base, err))
			tpm_fail("read PCR", err);
		vtpm_close(t);
	}

	memset(&d, 0, sizeof(d));
	memcpy(b.pcr, base[PCR], 32);
	{
		struct vinfer_rec_load l = { .log_version = htole32(VINFER_LOG_VERSION),
					     .flags = htole32(no_tpm ? 0 : VINFER_LOAD_TPM),
					     .pcr = htole32(PCR) };

		memcpy(l.pcr_base, base[PCR], 32);
		add(&b, VINFER_REC_LOAD, DAEMON, &l, sizeof(l), NULL, 0);
	}
	add_note(&b, OTHER);
	add_seal(&b);
	add_note(&b, OTHER);
	add_seal(&b);
	memcpy(d.pcr_base, base[PCR], 32);
	d.n_witness = b.n_seals;
	d.witness = calloc(b.n_seals + 1, 32);
	memcpy(d.witness, b.seal_heads, b.n_seals * 32);
	memcpy(d.head_before, b.head, 32);
	first = b.seq;
	{
		size_t slice_off = b.len;

		/* the epoch */
		mfile.path = "/models/net.onnx";
		hash_file(model, mfile.sha256, &mfile.size);
		mfile.seq = add_file(&b, WORKLOAD, VINFER_KIND_MODEL, mfile.path, mfile.sha256,
				     mfile.size);
		dfiles[0].path = "/data/set-0.bin";
		hash_file(data[0], dfiles[0].sha256, &dfiles[0].size);
		dfiles[0].seq = add_file(&b, WORKLOAD, VINFER_KIND_DATA, dfiles[0].path,
					 dfiles[0].sha256, dfiles[0].size);
		add_file(&b, OTHER, VINFER_KIND_MODEL, "/models/other.bin", mfile.sha256, 1);
		for (i = 0; i < 3; i++) {
			uint8_t seed[2] = { 'i', (uint8_t)i };

			SHA256(seed, 2, in[i]);
			seed[0] = 'o';
			SHA256(seed, 2, outd[i]);
		}
		reqs[0].seq = add_request(&b, WORKLOAD, in[0], outd[0]);
		reqs[1].seq = add_request(&b, WORKLOAD, in[1], outd[1]);
		add_request(&b, OTHER, outd[0], in[0]);
		add_seal(&b);
		reqs[2].seq = add_request(&b, WORKLOAD, in[2], outd[2]);
		for (i = 1; i < n_data; i++) {
			char *p;

			if (asprintf(&p, "/data/set-%zu.bin", i) < 0)
				die("%s", "out of memory");
			dfiles[i].path = p;
			hash_file(data[i], dfiles[i].sha256, &size);
			dfiles[i].size = size;
			dfiles[i].seq = add_file(&b, WORKLOAD, VINFER_KIND_DATA, p,
						 dfiles[i].sha256, size);
		}
		if (violation || violation_other) {
			struct vinfer_rec_violation v = {
				.reason = htole32(VINFER_VIOL_MODIFIED),
				.path_len = htole32(strlen(mfile.path)),
				.measured_seq = htole64(mfile.seq), .size = htole64(mfile.size) };

			add(&b, VINFER_REC_VIOLATION, violation ? WORKLOAD : OTHER, &v, sizeof(v),
			    mfile.path, strlen(mfile.path));
		}
		{
			/* The daemon's epoch marker: agent 7, the workload, epoch 3. */
			struct vinfer_rec_claim ec = { .kind = htole32(VINFER_CLAIM_EPOCH),
						       .len = htole32(VINFER_CLAIM_EPOCH_LEN) };
			uint64_t m[6] = { htole64(7), htole64(WORKLOAD), htole64(3), 0, 0, 0 };

			add(&b, VINFER_REC_CLAIM, DAEMON, &ec, sizeof(ec), m, sizeof(m));
		}
		last = add_seal(&b);
		memcpy(c->log_head, b.head, 32);
		add_note(&b, OTHER);
		add_seal(&b);		/* the PCR moved on before the quote */
		d.records_len = b.len - slice_off;
		d.records = malloc(d.records_len);
		memcpy(d.records, b.buf + slice_off, d.records_len);
	}

	/* Extend every sealed head into the TPM, as the kernel would. */
	for (i = 0; !no_tpm && i < b.n_seals; i++) {
		int rc;

		vlog_hex(b.seal_heads[i], 32, hex);
		snprintf(cmd, sizeof(cmd), "tpm2_pcrextend -T '%s' %d:sha256=%s", tcti, PCR, hex);
		rc = system(cmd);
		if (rc)
			die("%s failed", cmd);
	}

	memset(&ek, 0, sizeof(ek));
	memset(&ak, 0, sizeof(ak));
	memset(&clk, 0, sizeof(clk));
	if (!no_tpm) {
		if (vtpm_open(&t, tcti, err))
			tpm_fail("open", err);
		if (vtpm_provision(t, ak_handle, &ek, &ak, &cert, &cert_len, err))
			tpm_fail("provision", err);
		if (vtpm_read_clock(t, &clk, err))
			tpm_fail("read clock", err);
	}

	/* The honest claims. */
	c->version = CLAIMS_VERSION;
	if (claims_agent_from_dec("7", c->agent_id))
		die("%s", "agent id");
	c->epoch = 3;
	c->workload = WORKLOAD;
	if (!no_tpm)
		SHA256(ek.public, ek.public_len, c->host_id);
	c->log_first = first;
	c->log_last = last;
	mf.path = mfile.path;
	memcpy(mf.digest, mfile.sha256, 32);
	claims_model_digest(&mf, 1, c->model_digest);
	qsort(dfiles, n_data, sizeof(dfiles[0]), cmp_path);
	leaves = calloc(n_data > 3 ? n_data : 3, 32);
	for (i = 0; i < n_data; i++)
		merkle_leaf(dfiles[i].sha256, 32, leaves[i]);
	merkle_root((const uint8_t (*)[32])leaves, n_data, c->data_root);
	for (i = 0; i < 3; i++) {
		uint8_t p[64];

		memcpy(reqs[i].input, in[i], 32);
		memcpy(reqs[i].output, outd[i], 32);
		memcpy(p, in[i], 32);
		memcpy(p + 32, outd[i], 32);
		merkle_leaf(p, 64, leaves[i]);
	}
	merkle_root((const uint8_t (*)[32])leaves, 3, c->request_root);
	c->request_count = 3;
	c->block_number = 123456;
	SHA256((const uint8_t *)"block 123456", 12, c->block_hash);
	c->tpm_clock = clk.clock;
	c->tpm_reset_count = clk.reset_count;
	c->tpm_restart_count = clk.restart_count;
	c->flags = (violation || violation_other ? CLAIM_F_VIOLATION : 0) |
		   (no_tpm ? CLAIM_F_NO_TPM : 0);
	c->violations = violation || violation_other;

	d.model = &mfile;
	d.n_model = 1;
	d.data = dfiles;
	d.n_data = n_data;
	d.requests = reqs;
	d.n_requests = 3;
	snprintf(d.counters_mode, sizeof(d.counters_mode), "exact");
	d.counters = &counter;
	d.n_counters = 1;
	d.ioctls = 4;
	d.drm_jobs = 2;
	d.gpu_ns = 1000;
	attest_counters_digest(&d, c->counters_digest);

	for (i = 0; i < n_lies; i++)
		set_word(c, lies[i]);
	claims_encode(c, d.claims_abi);
	claims_hash(c, nonce);
	if (lie_nonce)
		SHA256((const uint8_t *)"not the claims", 14, nonce);

	d.log_pcr = PCR;
	attest = sig = NULL;
	if (no_tpm)
		goto write;
	if (vtpm_quote(t, ak_handle, mask, nonce, &attest, &attest_len, &sig, &sig_len, pcrs, err))
		tpm_fail("quote", err);
	vtpm_close(t);
	if (tpms_parse_ecdsa(sig, sig_len, d.r, d.s, err))
		tpm_fail("signature", err);

	d.has_quote = true;
	d.attest = attest;
	d.attest_len = attest_len;
	d.signature = sig;
	d.signature_len = sig_len;
	d.pcr_mask = mask;
	memcpy(d.pcrs, pcrs, sizeof(pcrs));
	d.ak_public = ak.public;
	d.ak_public_len = ak.public_len;
	memcpy(d.ak_name, ak.name, 34);
	memcpy(d.ak_x, ak.x, 32);
	memcpy(d.ak_y, ak.y, 32);
	d.ek_public = ek.public;
	d.ek_public_len = ek.public_len;
	d.ek_cert = cert;
	d.ek_cert_len = cert_len;
write:
	if (attest_write_json(&d, &json, &json_len))
		die("%s", "attest_write_json failed");
	f = fopen(out, "w");
	if (!f || fwrite(json, 1, json_len, f) != json_len || fclose(f))
		die("cannot write %s", out);
	free(json);
	free(leaves);
	free(attest);
	free(sig);
	free(cert);
	free(d.records);
	free(d.witness);
	free(b.buf);
	return 0;
}
