// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the log parser and replay (lib/vlog.c): a log built here
 * record by record parses and replays to the PCR computed independently;
 * every kind of tampering is refused with an error naming what was wrong.
 */
#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/sha.h>

#include "vlog.h"

struct builder {
	uint8_t buf[8192];
	size_t len;
	uint64_t seq;
	size_t off[16];		/* offset of each record */
};

static void add(struct builder *b, uint16_t type, uint16_t source, const void *payload,
		uint32_t plen, const void *tail, uint32_t tlen)
{
	struct vinfer_rec_hdr *h = (void *)(b->buf + b->len);
	uint32_t len = (sizeof(*h) + plen + tlen + 7) & ~7U;

	memset(h, 0, len);
	h->len = htole32(len);
	h->type = htole16(type);
	h->source = htole16(source);
	h->seq = htole64(b->seq);
	h->pid = htole32(42);
	h->payload_len = htole32(plen + tlen);
	strcpy(h->comm, "test");
	memcpy(b->buf + b->len + sizeof(*h), payload, plen);
	if (tlen)
		memcpy(b->buf + b->len + sizeof(*h) + plen, tail, tlen);
	b->off[b->seq++] = b->len;
	b->len += len;
}

/* load, file, claim, violation, seal(tpm) */
static void build(struct builder *b)
{
	struct vinfer_rec_load load = {
		.log_version = htole32(VINFER_LOG_VERSION), .flags = htole32(VINFER_LOAD_TPM),
		.pcr = htole32(13),
	};
	struct vinfer_rec_file file = { .kind = htole32(VINFER_KIND_MODEL), .size = htole64(5),
					.path_len = htole32(9) };
	struct vinfer_rec_claim claim = { .kind = htole32(VINFER_CLAIM_NOTE), .len = htole32(3) };
	struct vinfer_rec_violation viol = { .reason = htole32(VINFER_VIOL_MODIFIED),
					     .measured_seq = htole64(1), .path_len = htole32(9) };
	struct vinfer_rec_seal seal = { .batch = htole64(1), .reason = htole32(VINFER_SEAL_REQUEST),
					.flags = htole32(VINFER_SEAL_TPM) };

	memset(b, 0, sizeof(*b));
	memset(load.pcr_base, 0xab, sizeof(load.pcr_base));
	memset(file.digest, 0x11, sizeof(file.digest));
	add(b, VINFER_REC_LOAD, VINFER_SRC_KERNEL, &load, sizeof(load), NULL, 0);
	add(b, VINFER_REC_FILE, VINFER_SRC_KERNEL, &file, sizeof(file), "/m/w.bin", 9);
	add(b, VINFER_REC_CLAIM, VINFER_SRC_USER, &claim, sizeof(claim), "abc", 3);
	add(b, VINFER_REC_VIOLATION, VINFER_SRC_KERNEL, &viol, sizeof(viol), "/m/w.bin", 9);
	add(b, VINFER_REC_BATCH_SEAL, VINFER_SRC_KERNEL, &seal, sizeof(seal), NULL, 0);
}

static int parse(struct builder *b, struct vlog *log, char *err)
{
	uint8_t *copy = malloc(b->len ? b->len : 1);

	assert_non_null(copy);
	memcpy(copy, b->buf, b->len);
	return vlog_parse(copy, b->len, log, err);
}

static void test_valid_log_replays(void **state)
{
	uint8_t head[32] = { 0 }, pcr[32], pair[64], d[32];
	char err[VLOG_ERR_MAX];
	struct builder b;
	struct vlog log;
	size_t i;

	(void)state;
	build(&b);
	assert_int_equal(0, parse(&b, &log, err));
	assert_int_equal(5, log.n);
	assert_true(log.tpm);
	assert_int_equal(13, log.pcr_index);

	/* Independent replay: head over every record, PCR at the seal. */
	for (i = 0; i < b.seq; i++) {
		const struct vinfer_rec_hdr *h = (const void *)(b.buf + b.off[i]);

		SHA256(b.buf + b.off[i], le32toh(h->len), d);
		memcpy(pair, head, 32);
		memcpy(pair + 32, d, 32);
		SHA256(pair, 64, head);
	}
	memset(pcr, 0xab, 32);
	memcpy(pair, pcr, 32);
	memcpy(pair + 32, head, 32);
	SHA256(pair, 64, pcr);
	assert_memory_equal(head, log.recs[4].head, 32);
	assert_memory_equal(pcr, log.recs[4].pcr, 32);
	vlog_free(&log);
}

static void expect_error(struct builder *b, const char *want)
{
	char err[VLOG_ERR_MAX] = "";
	struct vlog log;

	assert_int_not_equal(0, parse(b, &log, err));
	if (!strstr(err, want))
		fail_msg("error '%s' does not say '%s'", err, want);
}

static struct vinfer_rec_hdr *hdr(struct builder *b, int i)
{
	return (void *)(b->buf + b->off[i]);
}

static void test_tampered_logs_are_refused(void **state)
{
	struct builder b;

	(void)state;
	build(&b);
	hdr(&b, 2)->len = htole32(le32toh(hdr(&b, 2)->len) + 1);
	expect_error(&b, "record 2 at offset");

	build(&b);
	hdr(&b, 2)->seq = htole64(7);
	expect_error(&b, "seq 7, expected 2");

	build(&b);
	hdr(&b, 0)->type = htole16(VINFER_REC_FILE);
	expect_error(&b, "must begin with a load record");

	build(&b);
	hdr(&b, 2)->source = htole16(VINFER_SRC_KERNEL);
	expect_error(&b, "source 1 is wrong for a claim");

	build(&b);
	hdr(&b, 1)->source = htole16(VINFER_SRC_USER);
	expect_error(&b, "source 2 is wrong for a file");

	build(&b);
	hdr(&b, 3)->type = htole16(99);
	expect_error(&b, "unknown type 99");

	build(&b);	/* claim length disagrees with payload_len */
	((struct vinfer_rec_claim *)((uint8_t *)hdr(&b, 2) + sizeof(struct vinfer_rec_hdr)))->len =
		htole32(2);
	expect_error(&b, "payload_len");

	build(&b);	/* nonzero padding after the claim */
	b.buf[b.off[2] + sizeof(struct vinfer_rec_hdr) + 8 + 3] = 1;
	expect_error(&b, "nonzero padding");

	build(&b);
	((struct vinfer_rec_seal *)((uint8_t *)hdr(&b, 4) + sizeof(struct vinfer_rec_hdr)))->batch =
		htole64(2);
	expect_error(&b, "seal of batch 2, expected batch 1");

	build(&b);
	((struct vinfer_rec_violation *)((uint8_t *)hdr(&b, 3) +
					 sizeof(struct vinfer_rec_hdr)))->measured_seq = htole64(3);
	expect_error(&b, "violation of later record 3");

	build(&b);
	((struct vinfer_rec_load *)((uint8_t *)hdr(&b, 0) + sizeof(struct vinfer_rec_hdr)))->log_version =
		htole32(2);
	expect_error(&b, "log_version 2");

	build(&b);
	b.len -= 8;	/* cut inside the last record */
	expect_error(&b, "bad len");

	build(&b);
	b.len = b.off[4] + 10;	/* cut inside the last header */
	expect_error(&b, "header is 72");
}

/* Changing any byte of a record changes the replayed head: tampering shows. */
static void test_any_byte_changes_replay(void **state)
{
	char err[VLOG_ERR_MAX];
	uint8_t ref[32];
	struct builder b;
	struct vlog log;
	size_t i;

	(void)state;
	build(&b);
	assert_int_equal(0, parse(&b, &log, err));
	memcpy(ref, log.recs[log.n - 1].pcr, 32);
	vlog_free(&log);
	for (i = 0; i < b.len; i++) {
		build(&b);
		b.buf[i] ^= 0x01;
		if (parse(&b, &log, err))
			continue;	/* refused outright */
		if (!memcmp(ref, log.recs[log.n - 1].pcr, 32))
			fail_msg("flipping byte %zu left the replayed PCR unchanged", i);
		vlog_free(&log);
	}
}

/* With VLOG_SEED=FILE, also write the valid log there (the fuzzer's seed). */
static void write_seed(void)
{
	const char *path = getenv("VLOG_SEED");
	struct builder b;
	FILE *f;

	if (!path)
		return;
	build(&b);
	f = fopen(path, "wb");
	if (!f || fwrite(b.buf, 1, b.len, f) != b.len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_log_replays),
		cmocka_unit_test(test_tampered_logs_are_refused),
		cmocka_unit_test(test_any_byte_changes_replay),
	};

	write_seed();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
