// SPDX-License-Identifier: GPL-2.0
/*
 * vinfer log [--binary FILE] [--replay]
 *
 * Reads the binary log (from the kernel, or FILE), checks every record, and
 * prints one line per record.  With --replay, prints instead the PCR value
 * the log implies at each batch boundary, then at the end:
 *   batch=<n> seal=<seq> tpm=<0|1> head=<hex> pcr=<hex>   (per batch)
 *   records=<n> batches=<n> pcr_index=<i> bound=<0|1>
 *   head=<hex>    chain head after the last record
 *   pcr=<hex>     PCR value after the last batch: what tpm2_pcrread shows
 */
#include <endian.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "vdev.h"
#include "vlog.h"

#define HEXLEN (2 * VINFER_DIGEST_SIZE + 1)

static void print_escaped(const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (p[i] <= ' ' || p[i] == '\\' || p[i] >= 0x7f)
			printf("\\%03o", p[i]);
		else
			putchar(p[i]);
	}
}

static void print_record(const struct vlog_rec *r)
{
	const struct vinfer_rec_hdr *h = r->hdr;
	char hex[HEXLEN];

	vlog_hex(r->digest, sizeof(r->digest), hex);
	printf("%llu %s %s digest=%s pid=%u tgid=%u uid=%u cgroup=%llu comm=",
	       (unsigned long long)le64toh(h->seq), vlog_type_name(r->type),
	       r->source == VINFER_SRC_KERNEL ? "kernel" : "user", hex,
	       le32toh(h->pid), le32toh(h->tgid), le32toh(h->uid),
	       (unsigned long long)le64toh(h->cgroup_id));
	print_escaped((const uint8_t *)h->comm, strnlen(h->comm, sizeof(h->comm)));

	switch (r->type) {
	case VINFER_REC_LOAD: {
		const struct vinfer_rec_load *l = (const void *)r->payload;

		vlog_hex(l->pcr_base, sizeof(l->pcr_base), hex);
		printf(" log_version=%u tpm=%u pcr=%u base=%s", le32toh(l->log_version),
		       !!(le32toh(l->flags) & VINFER_LOAD_TPM), le32toh(l->pcr), hex);
		break;
	}
	case VINFER_REC_FILE: {
		const struct vinfer_rec_file *f = (const void *)r->payload;

		vlog_hex(f->digest, sizeof(f->digest), hex);
		printf(" sha256=%s kind=%s size=%llu dev=%llu ino=%llu%s%s path=", hex,
		       vlog_kind_name(le32toh(f->kind)), (unsigned long long)le64toh(f->size),
		       (unsigned long long)le64toh(f->dev), (unsigned long long)le64toh(f->ino),
		       le32toh(f->flags) & VINFER_FILE_VERITY ? " verity" : "",
		       le32toh(f->flags) & VINFER_FILE_UNWATCHED ? " unwatched" : "");
		print_escaped(r->payload + sizeof(*f), le32toh(f->path_len));
		break;
	}
	case VINFER_REC_CLAIM: {
		const struct vinfer_rec_claim *c = (const void *)r->payload;
		uint32_t n = le32toh(c->len), i;

		printf(" kind=%u len=%u data=", le32toh(c->kind), n);
		for (i = 0; i < n && i < 64; i++)
			printf("%02x", r->payload[sizeof(*c) + i]);
		if (n > 64)
			printf("...");
		break;
	}
	case VINFER_REC_VIOLATION: {
		const struct vinfer_rec_violation *v = (const void *)r->payload;

		printf(" reason=%s measured=%llu size=%llu path=",
		       vlog_violation_name(le32toh(v->reason)),
		       (unsigned long long)le64toh(v->measured_seq),
		       (unsigned long long)le64toh(v->size));
		print_escaped(r->payload + sizeof(*v), le32toh(v->path_len));
		break;
	}
	case VINFER_REC_BATCH_SEAL: {
		const struct vinfer_rec_seal *s = (const void *)r->payload;

		printf(" batch=%llu first=%llu reason=%s tpm=%u",
		       (unsigned long long)le64toh(s->batch),
		       (unsigned long long)le64toh(s->first_seq),
		       vlog_seal_reason_name(le32toh(s->reason)),
		       !!(le32toh(s->flags) & VINFER_SEAL_TPM));
		break;
	}
	case VINFER_REC_LOG_FULL: {
		const struct vinfer_rec_full *f = (const void *)r->payload;

		printf(" max_bytes=%llu bytes=%llu", (unsigned long long)le64toh(f->max_bytes),
		       (unsigned long long)le64toh(f->bytes));
		break;
	}
	case VINFER_REC_TPM_ERROR: {
		const struct vinfer_rec_tpm_error *e = (const void *)r->payload;

		printf(" batch=%llu error=%#x attempts=%u", (unsigned long long)le64toh(e->batch),
		       le32toh(e->error), le32toh(e->attempts));
		break;
	}
	}
	putchar('\n');
}

static void print_replay(const struct vlog *log)
{
	char head[HEXLEN], pcr[HEXLEN];
	size_t i;

	for (i = 0; i < log->n; i++) {
		const struct vlog_rec *r = &log->recs[i];
		const struct vinfer_rec_seal *s = (const void *)r->payload;

		if (r->type != VINFER_REC_BATCH_SEAL)
			continue;
		vlog_hex(r->head, sizeof(r->head), head);
		vlog_hex(r->pcr, sizeof(r->pcr), pcr);
		printf("batch=%llu seal=%zu tpm=%u head=%s pcr=%s\n",
		       (unsigned long long)le64toh(s->batch), i,
		       !!(le32toh(s->flags) & VINFER_SEAL_TPM), head, pcr);
	}
	printf("records=%zu batches=%llu pcr_index=%u bound=%u\n", log->n,
	       (unsigned long long)log->batches, log->pcr_index, log->tpm);
	vlog_hex(log->recs[log->n - 1].head, VINFER_DIGEST_SIZE, head);
	vlog_hex(log->recs[log->n - 1].pcr, VINFER_DIGEST_SIZE, pcr);
	printf("head=%s\npcr=%s\n", head, pcr);
}

int cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "binary", required_argument, NULL, 'b' },
		{ "replay", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *path = VINFER_BINARY_LOG;
	char err[VLOG_ERR_MAX];
	bool replay = false;
	struct vlog log;
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "b:rh", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			path = optarg;
			break;
		case 'r':
			replay = true;
			break;
		case 'h':
			printf("usage: vinfer log [--binary FILE] [--replay]\n");
			return VINFER_EXIT_OK;
		default:
			return VINFER_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vinfer log: unexpected argument '%s'\n", argv[optind]);
		return VINFER_EXIT_USAGE;
	}
	if (vlog_read_file(path, &log, err)) {
		fprintf(stderr, "vinfer log: %s\n", err);
		return VINFER_EXIT_FAIL;
	}
	if (!log.n) {
		fprintf(stderr, "vinfer log: %s: empty log\n", path);
		vlog_free(&log);
		return VINFER_EXIT_FAIL;
	}
	if (replay)
		print_replay(&log);
	else
		for (i = 0; i < log.n; i++)
			print_record(&log.recs[i]);
	vlog_free(&log);
	return VINFER_EXIT_OK;
}
