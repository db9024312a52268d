// SPDX-License-Identifier: GPL-2.0
/*
 * attest_check FILE...: parses each attestation with attest_read_file() and
 * prints one line of its claims for the daemon tests to compare:
 *   epoch=E workload=W first=F last=L requests=R violations=V flags=0xX
 *   model=HEX data=HEX quote=0|1 records=BYTES
 * Exit 1 on the first file that does not parse (the error on stderr).
 *
 * attest_check --markers AGENT WORKLOAD [LOG]: the epochs whose marker
 * (VINFER_CLAIM_EPOCH of that agent's low 64 bits and workload) is
 * followed by a seal in the log (default: binary_measurements), one a line.
 */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "claims.h"
#include "vlog.h"

static int markers(const char *agent_dec, const char *workload, const char *path)
{
	uint64_t agent = 0, wid = strtoull(workload, NULL, 10), v[3];
	uint8_t id[32];
	char err[VLOG_ERR_MAX];
	struct vlog log;
	size_t i, k;
	int j;

	if (claims_agent_from_dec(agent_dec, id)) {
		fprintf(stderr, "bad agent id %s\n", agent_dec);
		return 2;
	}
	for (j = 24; j < 32; j++)
		agent = agent << 8 | id[j];
	if (vlog_read_file(path, &log, err)) {
		fprintf(stderr, "%s: %s\n", path, err);
		return 1;
	}
	for (i = 0; i < log.n; i++) {
		const struct vlog_rec *r = &log.recs[i];
		const struct vinfer_rec_claim *c = (const void *)r->payload;

		if (r->type != VINFER_REC_CLAIM || le32toh(c->kind) != VINFER_CLAIM_EPOCH ||
		    le32toh(c->len) != VINFER_CLAIM_EPOCH_LEN)
			continue;
		memcpy(v, c + 1, sizeof(v));
		if (le64toh(v[0]) != agent || le64toh(v[1]) != wid)
			continue;
		for (k = i + 1; k < log.n; k++)
			if (log.recs[k].type == VINFER_REC_BATCH_SEAL)
				break;
		if (k < log.n)
			printf("%llu\n", (unsigned long long)le64toh(v[2]));
	}
	vlog_free(&log);
	return 0;
}

int main(int argc, char **argv)
{
	int i;

	if (argc >= 4 && !strcmp(argv[1], "--markers"))
		return markers(argv[2], argv[3], argc > 4 ? argv[4] :
			       "/sys/kernel/security/vinfer/binary_measurements");
	for (i = 1; i < argc; i++) {
		struct attest_doc doc = { 0 };
		char err[ATTEST_ERR_MAX], model[65], data[65];
		const struct claims *c = &doc.claims;

		if (attest_read_file(argv[i], &doc, err)) {
			fprintf(stderr, "%s: %s\n", argv[i], err);
			return 1;
		}
		vlog_hex(c->model_digest, 32, model);
		vlog_hex(c->data_root, 32, data);
		printf("epoch=%llu workload=%llu first=%llu last=%llu requests=%llu violations=%u flags=%#x model=%s data=%s quote=%d records=%zu\n",
		       (unsigned long long)c->epoch, (unsigned long long)c->workload,
		       (unsigned long long)c->log_first, (unsigned long long)c->log_last,
		       (unsigned long long)c->request_count, c->violations, c->flags, model, data,
		       doc.has_quote, doc.records_len);
		attest_free(&doc);
	}
	return 0;
}
