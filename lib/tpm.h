/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vinferd's TPM: every Esys_* call goes through this file, is logged with
 * Tss2_RC_Decode() on failure, retried on TPM_RC_RETRY/YIELDED/TESTING, and
 * mapped to the small error enum below.  Handles are flushed and ESAPI
 * outputs freed on every path.
 */
#ifndef VINFER_TPM_H
#define VINFER_TPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum tpm_err {
	TPM_OK = 0,
	TPM_E_TCTI,		/* the TCTI could not be loaded or connected */
	TPM_E_TPM,		/* the TPM answered an error */
	TPM_E_POLICY,		/* an authorisation or policy failed */
	TPM_E_BADARG,		/* caller input refused before the TPM saw it */
	TPM_E_NOMEM,
};

#define TPM_ERR_MAX		320
#define TPM_AK_HANDLE		0x81010002U	/* persistent AK, default */
#define TPM_EK_HANDLE		0x81010001U	/* persistent EK (TCG) */

/*
 * Where an AK may be persisted: the owner's persistent range, not the EK's
 * handle.  The one rule for the configuration parser and vtpm_provision().
 */
#define TPM_AK_HANDLE_FIRST	0x81000000U
#define TPM_AK_HANDLE_LAST	0x817fffffU
#define TPM_AK_HANDLE_RULE	"an owner persistent handle (0x81000000-0x817fffff, not the EK's 0x81010001)"

static inline bool tpm_ak_handle_ok(uint64_t h)
{
	return h >= TPM_AK_HANDLE_FIRST && h <= TPM_AK_HANDLE_LAST && h != TPM_EK_HANDLE;
}
#define TPM_EK_CERT_ECC_NV	0x01c0000aU
#define TPM_PCR_MAX		24	/* PCRs of a bank; masks use bits 0-23 */
#define TPM_CRED_MAX		32	/* credential (nonce) bytes, at most */
/* Buffer sizes tpm_make_credential() writes at most. */
#define TPM_CRED_BLOB_MAX	(2 + 32 + 2 + TPM_CRED_MAX)
#define TPM_CRED_SECRET_MAX	(2 + 32 + 2 + 32)

struct vtpm;

struct tpm_key {
	uint8_t public[512];	/* TPMT_PUBLIC, marshalled (TPM2B contents) */
	size_t public_len;
	uint8_t name[34];	/* nameAlg SHA-256 || digest */
	uint8_t x[32], y[32];
};

struct tpm_clock {
	uint64_t clock;
	uint32_t reset_count;
	uint32_t restart_count;
	bool safe;
};

/* tcti: "device:/dev/tpmrm0", "swtpm:host=127.0.0.1,port=2321", "tabrmd". */
int vtpm_open(struct vtpm **t, const char *tcti, char err[TPM_ERR_MAX]);
void vtpm_close(struct vtpm *t);

/*
 * Creates (or reuses when present) the ECC P-256 EK (TCG default template,
 * persisted at TPM_EK_HANDLE) and a restricted ECC P-256 ECDSA-SHA256 AK
 * persisted at ak_handle.  Reads the EK certificate from NV when present
 * (*cert malloc'ed, NULL when absent).
 */
int vtpm_provision(struct vtpm *t, uint32_t ak_handle, struct tpm_key *ek,
		   struct tpm_key *ak, uint8_t **cert, size_t *cert_len,
		   char err[TPM_ERR_MAX]);
/*
 * ActivateCredential with the persisted AK and EK: returns the secret in out
 * (room for TPM_CRED_MAX bytes), its length in *out_len.
 */
int vtpm_activate(struct vtpm *t, uint32_t ak_handle, const uint8_t *blob,
		  size_t blob_len, const uint8_t *secret, size_t secret_len,
		  uint8_t *out, size_t *out_len, char err[TPM_ERR_MAX]);
int vtpm_read_clock(struct vtpm *t, struct tpm_clock *c, char err[TPM_ERR_MAX]);
/*
 * PCR values of the SHA-256 bank for mask (bit i = PCR i).  pcrs has
 * TPM_PCR_MAX entries indexed by PCR number; only the masked ones are
 * written.  Every value is from one pcrUpdateCounter (re-read otherwise).
 * The values also fill the PCR cache of vtpm_quote().
 */
int vtpm_read_pcrs(struct vtpm *t, uint32_t mask, uint8_t (*pcrs)[32],
		   char err[TPM_ERR_MAX]);
/*
 * Quote over mask (SHA-256 bank) with qualifying data; attest and sig are
 * the marshalled TPMS_ATTEST and TPMT_SIGNATURE (malloc'ed); pcrs (as for
 * vtpm_read_pcrs()) are the values whose SHA-256 is the quote's pcrDigest.
 *
 * Commands: the AK at ak_handle is read and checked once per open (3
 * commands: handle present, TR_FromTPMPublic, ReadPublic) and kept; it is
 * read again when a TPM error says the handle is gone, or when a quote's
 * signature does not verify with it (each quote is checked in software); a
 * key found then that is not the one first read is refused.  The PCR values
 * come from a cache of the last ones seen in this open (PCR_Read results and
 * earlier quotes): when they hash to the quote's pcrDigest they are what the
 * TPM quoted, and the quote is the only command.  Otherwise they are read
 * (PCR_Read, 1 command per 8 PCRs) and compared again; when an extend landed
 * between quote and read, quote and read are repeated (5 times at most).
 */
int vtpm_quote(struct vtpm *t, uint32_t ak_handle, uint32_t mask,
	       const uint8_t qualifying[32], uint8_t **attest, size_t *attest_len,
	       uint8_t **sig, size_t *sig_len, uint8_t (*pcrs)[32],
	       char err[TPM_ERR_MAX]);

/*
 * What a caller expects one PCR of the selection to hold now (a PCR it
 * extends itself, whose value it tracks: vinferd's PCR from the log).  Only
 * a guess: used in place of the cached value when checking the quote's
 * pcrDigest; a wrong one costs the PCR_Reads, never a wrong value.
 */
struct tpm_pcr_hint {
	uint32_t pcr;		/* in the quote's mask */
	uint8_t value[32];	/* SHA-256 bank */
};

/*
 * vtpm_quote() with an optional hint (NULL: none; a PCR outside mask is
 * TPM_E_BADARG naming "hint pcr") and, when clock is not NULL, the quote's
 * clockInfo (a TPM reading at the quote, as the signed attest holds it).
 */
int vtpm_quote2(struct vtpm *t, uint32_t ak_handle, uint32_t mask,
		const uint8_t qualifying[32], const struct tpm_pcr_hint *hint,
		uint8_t **attest, size_t *attest_len, uint8_t **sig, size_t *sig_len,
		uint8_t (*pcrs)[32], struct tpm_clock *clock, char err[TPM_ERR_MAX]);
/* Commands sent to the TPM since open, and the last command's latency. */
uint64_t vtpm_commands(const struct vtpm *t);
uint64_t vtpm_last_latency_ns(const struct vtpm *t);

/*
 * The registrar's side, in software (no TPM needed): MakeCredential for an
 * ECC P-256 EK public and an AK name (TPM 2.0 Part 1, 24: KDFe, KDFa,
 * AES-128-CFB, HMAC).  blob = TPM2B_ID_OBJECT contents, secret =
 * TPM2B_ENCRYPTED_SECRET contents (the ephemeral TPMS_ECC_POINT); blob
 * must have room for TPM_CRED_BLOB_MAX bytes, secret for
 * TPM_CRED_SECRET_MAX; *blob_len and *secret_len are outputs only.
 * cred_len is 1..TPM_CRED_MAX.
 */
int tpm_make_credential(const uint8_t *ek_public, size_t ek_public_len,
			const uint8_t ak_name[34], const uint8_t *cred, size_t cred_len,
			uint8_t *blob, size_t *blob_len, uint8_t *secret,
			size_t *secret_len, char err[TPM_ERR_MAX]);

/*
 * Writes the PCR values of mask (SHA-256 bank; pcrs as for vtpm_read_pcrs())
 * in the "serialized" PCR file format of tpm2-tools (tpm2_quote -o,
 * tpm2_checkquote -f), all integers little-endian:
 *   TPML_PCR_SELECTION, 132 bytes: u32 count = 1, then 16 entries of 8 bytes
 *     {u16 hash = 0x000b, u8 sizeofSelect = 3, u8 pcrSelect[4], u8 pad = 0},
 *     the first one used, the rest zero;
 *   u32 n: number of TPML_DIGEST blocks that follow (ceil(PCRs / 8));
 *   n TPML_DIGEST, 532 bytes each: u32 count (<= 8), then 8 entries
 *     {u16 size = 32, u8 buffer[64]} (value, zero-padded), PCRs in index
 *     order, unused entries zero.
 * Returns 0, or -1 with errno set (EINVAL for an empty or wide mask).
 */
int tpm_write_pcrs_file(FILE *f, uint32_t mask, const uint8_t (*pcrs)[32]);

#endif
