/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An epoch's claims and their ABI encoding: 20 static 32-byte words, exactly
 * as the contract reads them (Documentation/userspace-api/attestation.rst).
 * claims_hash() is the quote's extraData and the contract's key.
 */
#ifndef VINFER_CLAIMS_H
#define VINFER_CLAIMS_H

#include <stddef.h>
#include <stdint.h>

#define CLAIMS_VERSION		1
#define CLAIMS_WORDS		20
#define CLAIMS_ABI_SIZE		(CLAIMS_WORDS * 32)
#define CLAIMS_ERR_MAX		256

/* claims.flags */
#define CLAIM_F_NO_TPM		(1U << 0)
#define CLAIM_F_VIOLATION	(1U << 1)
#define CLAIM_F_LOST		(1U << 2)
#define CLAIM_F_ESTIMATED	(1U << 3)
#define CLAIM_F_BYPASS		(1U << 4)
#define CLAIM_F_RELOAD		(1U << 5)
#define CLAIM_F_KNOWN		0x3fU

/* The claim kind of the daemon's epoch marker (APPEND, 48 bytes). */
#define VINFER_CLAIM_EPOCH	0x10000
#define VINFER_CLAIM_EPOCH_LEN	48

struct claims {
	uint32_t version;
	uint8_t agent_id[32];		/* uint256, big-endian */
	uint64_t epoch;
	uint64_t workload;		/* cgroup v2 id */
	uint8_t host_id[32];
	uint64_t log_first;
	uint64_t log_last;
	uint8_t log_head[32];
	uint8_t model_digest[32];
	uint8_t data_root[32];
	uint8_t request_root[32];
	uint64_t request_count;
	uint8_t counters_digest[32];
	uint64_t block_number;
	uint8_t block_hash[32];
	uint64_t tpm_clock;
	uint32_t tpm_reset_count;
	uint32_t tpm_restart_count;
	uint32_t flags;
	uint32_t violations;
};

/* Word names in order, for messages ("word 6 (logLast)"). */
extern const char *const claims_word_names[CLAIMS_WORDS];

void claims_encode(const struct claims *c, uint8_t out[CLAIMS_ABI_SIZE]);
/* Refuses a value wider than its type, an unknown version or flag bit. */
int claims_decode(const uint8_t *abi, size_t len, struct claims *c,
		  char err[CLAIMS_ERR_MAX]);
void claims_hash(const struct claims *c, uint8_t out[32]);

/*
 * agent_id from/to a decimal string of at most 78 digits; the parser takes
 * only the canonical spelling (no sign, no leading zero): -EINVAL, or
 * -ERANGE for a value of 2^256 or more.
 */
int claims_agent_from_dec(const char *s, uint8_t out[32]);
void claims_agent_to_dec(const uint8_t id[32], char out[80]);

/*
 * The OpenSSF set digest over (path, digest) pairs; sorts a copy by path
 * (strcmp), keeps the last of equal paths in input order; zeros for n == 0.
 */
struct model_file {
	const char *path;
	uint8_t digest[32];
};
void claims_model_digest(const struct model_file *files, size_t n, uint8_t out[32]);

#endif
