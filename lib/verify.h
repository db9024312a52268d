/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The auditor's verification of an attestation document
 * (Documentation/userspace-api/attestation.rst): named checks run in a
 * fixed order and stop at the first failure.  Every check that ran and
 * passed is recorded with its name; a failure names the check and the values
 * that disagree ("quote-nonce: extraData 3f2a... != claims hash 9b1c...").
 *
 * The order (names are stable: messages, tests and scripts use them):
 *   document claims-encoding no-tpm ak ak-policy quote-signature quote-magic
 *   quote-type quote-signer quote-nonce pcr-selection pcr-digest clock
 *   log-parse log-range log-witness log-pcr claims-model claims-data
 *   claims-requests claims-violations claims-counters activation host
 *
 * A document without a TPM passes only with allow_no_tpm, and then the
 * checks that need the quote are skipped (recorded as skipped) and the
 * result says it carries no hardware trust.
 */
#ifndef VINFER_VERIFY_H
#define VINFER_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest.h"

#define VERIFY_MSG_MAX		512
#define VERIFY_CHECKS_MAX	32
#define VERIFY_ERR_MAX		320

struct verify_opts {
	bool allow_no_tpm;
	bool require_activation;
	/* Expected AK: its public key, or its TPM name. */
	bool ak_key;
	uint8_t ak_x[32], ak_y[32];
	bool ak_name;
	uint8_t ak_name_v[34];
	/* Trusted registrar key. */
	bool registrar;
	uint8_t reg_x[32], reg_y[32];
};

enum verify_status {
	VERIFY_OK,
	VERIFY_SKIP,		/* does not apply (no TPM, nothing asked) */
};

struct verify_step {
	const char *name;
	enum verify_status status;
	const char *note;	/* static text or NULL */
};

struct verify_result {
	struct verify_step steps[VERIFY_CHECKS_MAX];	/* checks that passed or were skipped */
	size_t n_steps;
	const char *failed;		/* name of the failed check, NULL: all passed */
	char msg[VERIFY_MSG_MAX];	/* "check: what disagrees" */
	bool no_hw_trust;		/* a NO_TPM document accepted with allow_no_tpm */
};

/* 0: every check passed; 1: r->failed names the failed check. */
int verify_doc(const struct attest_doc *d, const struct verify_opts *o,
	       struct verify_result *r);

/* The names of the checks, in order, NULL-terminated. */
extern const char *const verify_check_names[];

/*
 * A P-256 public key from a PEM file (SubjectPublicKeyInfo, or a private
 * key, whose public half is taken) as affine coordinates.
 */
int verify_read_p256_pem(const char *path, uint8_t x[32], uint8_t y[32],
			 char err[VERIFY_ERR_MAX]);
/* --ak-policy: a 68-digit TPM name in hex, else a PEM public key file. */
int verify_opts_set_ak(struct verify_opts *o, const char *arg, char err[VERIFY_ERR_MAX]);
int verify_opts_set_registrar(struct verify_opts *o, const char *path,
			      char err[VERIFY_ERR_MAX]);

/* Lowercase hex of n bytes into out (2n+1); hex to bytes: 0 or -EINVAL. */
int verify_unhex(const char *s, uint8_t *out, size_t n);

#endif
