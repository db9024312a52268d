/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attestation document (Documentation/userspace-api/attestation.rst):
 * an in-toto Statement v1 with the vinfer predicate, written and parsed with
 * json-c.  The parser treats the document as untrusted: every field is
 * checked for presence, type, length and range, and an error names it by its
 * JSON path ("predicate.quote.r: 31 bytes, want 32").  The parser does not
 * verify anything cryptographic; lib/verify.h does.
 */
#ifndef VINFER_ATTEST_H
#define VINFER_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "claims.h"

#define ATTEST_ERR_MAX		320
#define ATTEST_STATEMENT_TYPE	"https://in-toto.io/Statement/v1"
#define ATTEST_PREDICATE_TYPE	"https://vinfer.dev/attestation/v1"
#define ATTEST_PCR_MAX		24

struct attest_file {
	char *path;
	uint8_t sha256[32];
	uint64_t seq;
	uint64_t size;
};

struct attest_request {
	uint64_t seq;
	uint8_t input[32];
	uint8_t output[32];
};

struct attest_counter {
	char *api;
	char *name;
	uint64_t calls;
	uint64_t bytes;
	uint64_t error;
	bool exact;			/* JSON true/false; 1/0 in the digest */
};

struct attest_doc {
	struct claims claims;
	uint8_t claims_abi[CLAIMS_ABI_SIZE];

	struct attest_file *model;
	size_t n_model;
	struct attest_file *data;
	size_t n_data;
	struct attest_request *requests;
	size_t n_requests;

	char counters_mode[16];		/* "sampled", "exact" or "none" */
	struct attest_counter *counters;
	size_t n_counters;
	uint64_t ioctls, drm_jobs, gpu_ns;

	bool has_quote;			/* false: NO_TPM document */
	uint8_t *attest;		/* TPMS_ATTEST */
	size_t attest_len;
	uint8_t *signature;		/* TPMT_SIGNATURE */
	size_t signature_len;
	uint8_t r[32], s[32];
	uint32_t pcr_mask;		/* which pcrs[] are present */
	uint8_t pcrs[ATTEST_PCR_MAX][32];

	uint8_t *ak_public;		/* TPMT_PUBLIC (TPM2B_PUBLIC contents) */
	size_t ak_public_len;
	uint8_t ak_name[34];
	uint8_t ak_x[32], ak_y[32];

	uint8_t *ek_public;		/* with a quote only */
	size_t ek_public_len;
	uint8_t *ek_cert;		/* DER, or NULL */
	size_t ek_cert_len;

	bool has_activation;
	uint8_t reg_x[32], reg_y[32], reg_r[32], reg_s[32];

	uint32_t log_pcr;
	uint8_t pcr_base[32];
	uint8_t (*witness)[32];
	size_t n_witness;
	uint8_t head_before[32];
	uint8_t *records;		/* binary log slice */
	size_t records_len;
};

/*
 * Serialises doc; *out is malloc'ed, NUL-terminated, pretty-printed.
 * claimsAbi is encoded from doc->claims (doc->claims_abi is not read);
 * subject[] is the model list; with has_quote false, quote, ak, ek and
 * activation are written as null.  -ENOMEM, or -EINVAL for a NULL string field.
 */
int attest_write_json(const struct attest_doc *doc, char **out, size_t *len);
/*
 * Fills doc (free with attest_free()) or returns -EINVAL with err naming the
 * JSON path; doc is then empty.  Beyond the schema it refuses duplicate
 * keys, numbers other than unsigned 64-bit integers, a subject list that is
 * not the model list, claimsAbi differing from claims, and NO_TPM set
 * together with a quote or clear without one.
 */
int attest_parse_json(const char *buf, size_t len, struct attest_doc *doc,
		      char err[ATTEST_ERR_MAX]);
int attest_read_file(const char *path, struct attest_doc *doc, char err[ATTEST_ERR_MAX]);
void attest_free(struct attest_doc *doc);

/*
 * The counters digest of the spec, from doc->counters and the kernel words
 * (32-byte words); zeros for counters_mode "none".
 */
void attest_counters_digest(const struct attest_doc *doc, uint8_t out[32]);
/* The registrar's endorsement message (128 bytes) for an AK and host. */
void attest_activation_message(const uint8_t ak_x[32], const uint8_t ak_y[32],
			       const uint8_t host_id[32], uint8_t out[128]);

#endif
