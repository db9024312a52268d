/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TPM structures an attestation carries, parsed as untrusted input with
 * libtss2-mu and then checked: TPMS_ATTEST of a quote, TPMT_SIGNATURE
 * (ECDSA), TPM2B_PUBLIC of a P-256 key.  Errors name the field.
 */
#ifndef VINFER_TPMS_H
#define VINFER_TPMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TPMS_ERR_MAX		256
#define TPMS_PCR_MAX		24
#define TPMS_QUOTE_MAGIC	0xff544347U
#define TPMS_ST_ATTEST_QUOTE	0x8018U

struct tpms_quote {
	uint32_t magic;
	uint16_t type;
	uint8_t signer_name[68];
	size_t signer_name_len;
	uint8_t extra[64];
	size_t extra_len;
	uint64_t clock;
	uint32_t reset_count;
	uint32_t restart_count;
	uint8_t safe;
	uint64_t firmware;
	uint32_t pcr_mask;	/* selected PCRs of the SHA-256 bank */
	bool other_banks;	/* a PCR of a bank other than SHA-256 was selected */
	uint8_t pcr_digest[64];
	size_t pcr_digest_len;
};

/*
 * Refuses trailing bytes, the SHA-256 bank selected twice and PCRs above 23;
 * a wrong magic or type is reported in q, not refused (the verifier names
 * it).  The PCR fields are filled for a quote only.
 */
int tpms_parse_quote(const uint8_t *buf, size_t len, struct tpms_quote *q,
		     char err[TPMS_ERR_MAX]);
/*
 * TPMT_SIGNATURE with sigAlg ECDSA, hash SHA-256; r and s of 1 to 32 bytes,
 * left-padded to 32.
 */
int tpms_parse_ecdsa(const uint8_t *buf, size_t len, uint8_t r[32], uint8_t s[32],
		     char err[TPMS_ERR_MAX]);
/*
 * TPM2B_PUBLIC contents (the TPMT_PUBLIC) of an ECC NIST P-256 key: x, y and
 * the TPM name (nameAlg || H(TPMT_PUBLIC)).  restricted_sign says whether the
 * key has restricted|sign and not decrypt (what an AK must be).
 */
int tpms_parse_ecc_public(const uint8_t *buf, size_t len, uint8_t x[32], uint8_t y[32],
			  uint8_t name[34], bool *restricted_sign, char err[TPMS_ERR_MAX]);

/* PCR digest of a selection: SHA-256 of the values in index order. */
void tpms_pcr_digest(const uint8_t (*pcrs)[32], uint32_t mask, uint8_t out[32]);

/*
 * ECDSA P-256 over SHA-256(msg) with (x, y); OpenSSL; constant-time not
 * needed.  False for r or s zero or a point not on the curve.
 */
bool tpms_p256_verify(const uint8_t *msg, size_t len, const uint8_t r[32],
		      const uint8_t s[32], const uint8_t x[32], const uint8_t y[32]);

#endif
