/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing and replay of vinfer's binary measurement log
 * (format: include/uapi/linux/vinfer.h).  The log is untrusted input: every
 * field is checked, and an error names the record, its offset and the field.
 */
#ifndef VINFER_VLOG_H
#define VINFER_VLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vinfer.h>

#define VLOG_ERR_MAX 256

struct vlog_rec {
	const struct vinfer_rec_hdr *hdr;
	uint64_t offset;		/* in the log */
	uint16_t type;
	uint16_t source;
	const uint8_t *payload;
	uint32_t payload_len;
	uint8_t digest[VINFER_DIGEST_SIZE];
	uint8_t head[VINFER_DIGEST_SIZE];	/* chain head after this record */
	uint8_t pcr[VINFER_DIGEST_SIZE];	/* PCR implied after it (changes at seals) */
};

struct vlog {
	uint8_t *buf;			/* owned */
	size_t len;
	struct vlog_rec *recs;		/* owned */
	size_t n;
	bool tpm;			/* the LOAD record says the log is bound */
	uint32_t pcr_index;
	uint8_t pcr_base[VINFER_DIGEST_SIZE];
	uint64_t batches;
	uint64_t first_seq;		/* seq of recs[0]: 0 for a whole log */
};

/* Takes ownership of buf (malloc'ed) on success and on failure. */
int vlog_parse(uint8_t *buf, size_t len, struct vlog *log, char err[VLOG_ERR_MAX]);
/*
 * A slice of a log starting at record first_seq (an attestation's range):
 * the chain continues from head_before, the PCR from pcr_before (NULL: the
 * log is not bound, a TPM seal is refused).  The first seal sets the batch
 * count.  first_seq 0 is a whole log and parses as vlog_parse() does.
 */
int vlog_parse_slice(uint8_t *buf, size_t len, uint64_t first_seq,
		     const uint8_t head_before[VINFER_DIGEST_SIZE],
		     const uint8_t *pcr_before, struct vlog *log, char err[VLOG_ERR_MAX]);
int vlog_read_file(const char *path, struct vlog *log, char err[VLOG_ERR_MAX]);
void vlog_free(struct vlog *log);

const char *vlog_type_name(uint16_t type);
const char *vlog_kind_name(uint32_t kind);
const char *vlog_violation_name(uint32_t reason);
const char *vlog_seal_reason_name(uint32_t reason);

void vlog_hex(const uint8_t *p, size_t n, char *out);	/* out: 2n+1 bytes */

#endif
