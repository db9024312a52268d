// SPDX-License-Identifier: GPL-2.0
/*
 * vinferd's TPM, through ESAPI.  Every Esys_* result goes through
 * esys_result() (via the ESYS() macro, which also retries): it counts the
 * command, keeps its latency, decodes a failure into err and maps it to
 * enum tpm_err.  Each function below owns the ESYS_TRs it opens and the
 * ESAPI outputs it receives, and releases them at its single exit.
 *
 * Handle lifetimes: transient objects and sessions are flushed
 * (Esys_FlushContext); ESYS_TRs of persistent objects and NV indices are
 * only closed (Esys_TR_Close), the objects stay in the TPM.  ESAPI starts
 * sessions with continueSession set, so they outlive the command that uses
 * them and must be flushed on success and failure alike.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "tpm.h"
#include "tpms.h"

/* The pcrs file format of tpm2-tools is these structures written raw. */
_Static_assert(sizeof(TPML_PCR_SELECTION) == 132, "TPML_PCR_SELECTION layout");
_Static_assert(sizeof(TPML_DIGEST) == 532, "TPML_DIGEST layout");
_Static_assert(TPM_PCR_MAX <= 8 * TPM2_PCR_SELECT_MAX, "PCR mask width");

#define ESYS_TRIES		10	/* per command, on RETRY/YIELDED/TESTING */
#define ESYS_RETRY_SLEEP_MS	20
#define QUOTE_TRIES		5	/* an extend may land between quote and read */
#define PCR_READ_TRIES		5	/* the update counter moved between chunks */
#define PCRS_PER_READ		8	/* TPML_DIGEST holds 8 digests */
#define PCR_SELECT_BYTES	3	/* 24 PCRs */
#define ESYS_AGAIN		(-1)	/* esys_result(): call again */

/* TCG EK Credential Profile, ECC NIST P-256 EK: PolicySecret(TPM_RH_ENDORSEMENT). */
static const uint8_t ek_policy[32] = {
	0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d,
	0x46, 0xa5, 0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64,
	0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa,
};

#define EK_ATTRS (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | \
		  TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY | \
		  TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)
#define AK_ATTRS (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | \
		  TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH | \
		  TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT)

/*
 * Per open: the AK checked once and its ESYS_TR kept (ak_tr, dropped when a
 * TPM error says the handle is gone or a quote's signature does not verify
 * with it), the name the AK had when first read at that handle (a key found
 * there later must have it), and the last PCR values seen (from PCR_Read,
 * or proven by a quote's pcrDigest), with the mask of those known.
 */
struct vtpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	uint64_t commands;
	uint64_t last_ns;
	TSS2_RC last_rc;		/* of the last command sent */
	uint32_t ak_handle;		/* of ak_tr; 0: none open */
	ESYS_TR ak_tr;
	uint8_t ak_x[32], ak_y[32];
	uint32_t ak_seen_handle;	/* 0: no AK read yet */
	uint8_t ak_seen_name[34];
	uint32_t pcr_known;
	uint8_t pcr[TPM_PCR_MAX][32];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int fail(char err[TPM_ERR_MAX], int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char err[TPM_ERR_MAX], int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, TPM_ERR_MAX, fmt, ap);
	va_end(ap);
	return ret;
}

static bool rc_is_policy(TSS2_RC rc)
{
	TSS2_RC code;

	if (rc & TPM2_RC_FMT1)
		code = rc & (TPM2_RC_FMT1 | 0x3f);
	else
		code = rc & 0xfff;
	switch (code) {
	case TPM2_RC_AUTH_FAIL:
	case TPM2_RC_BAD_AUTH:
	case TPM2_RC_POLICY_FAIL:
	case TPM2_RC_POLICY_CC:
	case TPM2_RC_EXPIRED:
	case TPM2_RC_TICKET:
	case TPM2_RC_AUTH_CONTEXT:
	case TPM2_RC_AUTH_MISSING:
	case TPM2_RC_AUTH_TYPE:
	case TPM2_RC_AUTH_UNAVAILABLE:
	case TPM2_RC_POLICY:
	case TPM2_RC_PP:
	case TPM2_RC_LOCKOUT:
		return true;
	}
	return false;
}

static int rc_to_err(TSS2_RC rc)
{
	TSS2_RC layer = rc & TSS2_RC_LAYER_MASK;
	TSS2_RC base = rc & 0xffff;	/* below the layer byte */

	if (layer == TSS2_TPM_RC_LAYER)
		return rc_is_policy(rc) ? TPM_E_POLICY : TPM_E_TPM;
	if (layer == TSS2_TCTI_RC_LAYER)
		return TPM_E_TCTI;
	switch (base) {
	case TSS2_BASE_RC_MEMORY:
		return TPM_E_NOMEM;
	case TSS2_BASE_RC_IO_ERROR:
	case TSS2_BASE_RC_NO_CONNECTION:
	case TSS2_BASE_RC_NOT_PERMITTED:
		return TPM_E_TCTI;
	case TSS2_BASE_RC_BAD_REFERENCE:
	case TSS2_BASE_RC_BAD_VALUE:
	case TSS2_BASE_RC_BAD_SIZE:
	case TSS2_BASE_RC_INSUFFICIENT_BUFFER:
		return TPM_E_BADARG;
	}
	return TPM_E_TPM;
}

/*
 * The one place every Esys_* result passes: counts the command (cmd false
 * for ESAPI calls that send nothing), keeps its latency, asks for a retry on
 * RETRY/YIELDED/TESTING (bounded, with a short sleep), and otherwise decodes
 * a failure into err.  tolerated is an rc that counts as success (0: none).
 */
static int esys_result(struct vtpm *t, TSS2_RC rc, const char *what, bool cmd,
		       TSS2_RC tolerated, uint64_t t0, unsigned int tries,
		       char err[TPM_ERR_MAX])
{
	if (cmd) {
		t->commands++;
		t->last_ns = now_ns() - t0;
		t->last_rc = rc;
	}
	if (rc == TSS2_RC_SUCCESS || (tolerated && rc == tolerated))
		return TPM_OK;
	if ((rc == TPM2_RC_RETRY || rc == TPM2_RC_YIELDED || rc == TPM2_RC_TESTING) &&
	    tries + 1 < ESYS_TRIES) {
		struct timespec ts = { 0, ESYS_RETRY_SLEEP_MS * 1000000L * (tries + 1) };

		nanosleep(&ts, NULL);
		return ESYS_AGAIN;
	}
	return fail(err, rc_to_err(rc), "%s: %s (0x%x)%s", what, Tss2_RC_Decode(rc), rc,
		    tries ? " after retries" : "");
}

#define ESYS_X(t, err, what, cmd, tolerated, call) ({				\
	int r_;									\
	unsigned int try_ = 0;							\
	do {									\
		uint64_t t0_ = now_ns();					\
		TSS2_RC rc_ = (call);						\
		r_ = esys_result((t), rc_, (what), (cmd), (tolerated), t0_,	\
				 try_++, (err));				\
	} while (r_ == ESYS_AGAIN);						\
	r_;									\
})
#define ESYS(t, err, what, call)	ESYS_X(t, err, what, true, 0, call)
#define ESYS_LOCAL(t, err, what, call)	ESYS_X(t, err, what, false, 0, call)

/*
 * Releases *h (flushed when transient or a session, closed otherwise) and
 * sets it to ESYS_TR_NONE.  A failure is reported only when *ret is still OK:
 * the first error is the one the caller sees.
 */
static void release(struct vtpm *t, ESYS_TR *h, bool flush, int *ret, char err[TPM_ERR_MAX])
{
	char scratch[TPM_ERR_MAX];
	char *e = *ret == TPM_OK ? err : scratch;
	int r;

	if (*h == ESYS_TR_NONE)
		return;
	if (flush)
		r = ESYS(t, e, "FlushContext", Esys_FlushContext(t->esys, *h));
	else
		r = ESYS_LOCAL(t, e, "TR_Close", Esys_TR_Close(t->esys, h));
	*h = ESYS_TR_NONE;
	if (*ret == TPM_OK)
		*ret = r;
}

uint64_t vtpm_commands(const struct vtpm *t)
{
	return t->commands;
}

uint64_t vtpm_last_latency_ns(const struct vtpm *t)
{
	return t->last_ns;
}

int vtpm_open(struct vtpm **tp, const char *tcti, char err[TPM_ERR_MAX])
{
	struct vtpm *t;
	TSS2_RC rc;
	int ret;

	*tp = NULL;
	err[0] = '\0';
	if (!tcti || !*tcti)
		return fail(err, TPM_E_BADARG, "tcti: empty");
	t = calloc(1, sizeof(*t));
	if (!t)
		return fail(err, TPM_E_NOMEM, "tcti: out of memory");
	t->ak_tr = ESYS_TR_NONE;
	/* Failures are reported once, through err; keep the TSS itself quiet. */
	setenv("TSS2_LOG", "all+NONE", 0);
	rc = Tss2_TctiLdr_Initialize(tcti, &t->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		ret = fail(err, TPM_E_TCTI, "tcti \"%s\": cannot open: %s (0x%x)", tcti,
			   Tss2_RC_Decode(rc), rc);
		free(t);
		return ret;
	}
	rc = Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		ret = fail(err, rc_to_err(rc), "tcti \"%s\": Esys_Initialize: %s (0x%x)", tcti,
			   Tss2_RC_Decode(rc), rc);
		goto out_tcti;
	}
	/* A TPM already started (firmware, swtpm startup-clear) says INITIALIZE. */
	ret = ESYS_X(t, err, "Startup", true, TPM2_RC_INITIALIZE,
		     Esys_Startup(t->esys, TPM2_SU_CLEAR));
	if (ret != TPM_OK) {
		size_t n = strlen(err);

		snprintf(err + n, TPM_ERR_MAX - n, " (tcti \"%s\")", tcti);
		Esys_Finalize(&t->esys);
		goto out_tcti;
	}
	*tp = t;
	return TPM_OK;

out_tcti:
	Tss2_TctiLdr_Finalize(&t->tcti);
	free(t);
	return ret;
}

void vtpm_close(struct vtpm *t)
{
	if (!t)
		return;
	Esys_Finalize(&t->esys);
	Tss2_TctiLdr_Finalize(&t->tcti);
	free(t);
}

/* Whether a persistent object or NV index exists at handle. */
static int handle_present(struct vtpm *t, TPM2_HANDLE handle, bool *present,
			  char err[TPM_ERR_MAX])
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	int ret;

	ret = ESYS(t, err, "GetCapability(handles)",
		   Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				      TPM2_CAP_HANDLES, handle, 1, &more, &cap));
	if (ret == TPM_OK)
		*present = cap->data.handles.count > 0 && cap->data.handles.handle[0] == handle;
	Esys_Free(cap);
	return ret;
}

static int read_public(struct vtpm *t, ESYS_TR h, TPM2B_PUBLIC **pub, char err[TPM_ERR_MAX])
{
	return ESYS(t, err, "ReadPublic",
		    Esys_ReadPublic(t->esys, h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				    pub, NULL, NULL));
}

/*
 * A policy session satisfying the EK's policy, PolicySecret(TPM_RH_ENDORSEMENT)
 * with the (empty) endorsement auth.  Good for one command; the caller flushes.
 */
static int ek_session(struct vtpm *t, ESYS_TR *session, char err[TPM_ERR_MAX])
{
	const TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TPM2B_TIMEOUT *timeout = NULL;
	TPMT_TK_AUTH *ticket = NULL;
	int ret;

	*session = ESYS_TR_NONE;
	ret = ESYS(t, err, "StartAuthSession(policy)",
		   Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					 ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym,
					 TPM2_ALG_SHA256, session));
	if (ret != TPM_OK)
		return ret;
	ret = ESYS(t, err, "PolicySecret(endorsement)",
		   Esys_PolicySecret(t->esys, ESYS_TR_RH_ENDORSEMENT, *session,
				     ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, NULL, NULL,
				     NULL, 0, &timeout, &ticket));
	Esys_Free(timeout);
	Esys_Free(ticket);
	if (ret != TPM_OK)
		release(t, session, true, &ret, err);
	return ret;
}

/* Both keys vinfer uses are NIST P-256 with nameAlg SHA-256. */
static int check_p256(const TPMT_PUBLIC *p, const char *where, char err[TPM_ERR_MAX])
{
	if (p->type != TPM2_ALG_ECC || p->nameAlg != TPM2_ALG_SHA256)
		return fail(err, TPM_E_BADARG, "%s: not an ECC key with nameAlg SHA-256 (type 0x%x, nameAlg 0x%x)",
			    where, p->type, p->nameAlg);
	if (p->parameters.eccDetail.curveID != TPM2_ECC_NIST_P256)
		return fail(err, TPM_E_BADARG, "%s: curve 0x%x, not NIST P-256", where,
			    p->parameters.eccDetail.curveID);
	return TPM_OK;
}

static int check_ek_public(const TPMT_PUBLIC *p, const char *where, char err[TPM_ERR_MAX])
{
	const TPMS_ECC_PARMS *e = &p->parameters.eccDetail;
	int ret = check_p256(p, where, err);

	if (ret != TPM_OK)
		return ret;
	if ((p->objectAttributes & (TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT |
				    TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_SIGN_ENCRYPT)) !=
	    (TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_FIXEDTPM))
		return fail(err, TPM_E_BADARG, "%s: objectAttributes 0x%08x, not a fixedTPM restricted decryption key",
			    where, p->objectAttributes);
	if (e->symmetric.algorithm != TPM2_ALG_AES || e->symmetric.keyBits.aes != 128 ||
	    e->symmetric.mode.aes != TPM2_ALG_CFB)
		return fail(err, TPM_E_BADARG, "%s: symmetric 0x%x/%u/0x%x, not AES-128-CFB", where,
			    e->symmetric.algorithm, e->symmetric.keyBits.aes, e->symmetric.mode.aes);
	if (p->unique.ecc.x.size != 32 || p->unique.ecc.y.size != 32)
		return fail(err, TPM_E_BADARG, "%s: point size %u/%u, not 32/32", where,
			    p->unique.ecc.x.size, p->unique.ecc.y.size);
	return TPM_OK;
}

static int check_ak_public(const TPMT_PUBLIC *p, const char *where, char err[TPM_ERR_MAX])
{
	const TPMS_ECC_PARMS *e = &p->parameters.eccDetail;
	int ret = check_p256(p, where, err);

	if (ret != TPM_OK)
		return ret;
	if ((p->objectAttributes & (AK_ATTRS | TPMA_OBJECT_DECRYPT)) != AK_ATTRS)
		return fail(err, TPM_E_BADARG, "%s: objectAttributes 0x%08x, not a fixedTPM restricted signing key",
			    where, p->objectAttributes);
	if (e->scheme.scheme != TPM2_ALG_ECDSA ||
	    e->scheme.details.ecdsa.hashAlg != TPM2_ALG_SHA256)
		return fail(err, TPM_E_BADARG, "%s: scheme 0x%x/0x%x, not ECDSA with SHA-256", where,
			    e->scheme.scheme, e->scheme.details.ecdsa.hashAlg);
	if (p->unique.ecc.x.size != 32 || p->unique.ecc.y.size != 32)
		return fail(err, TPM_E_BADARG, "%s: point size %u/%u, not 32/32", where,
			    p->unique.ecc.x.size, p->unique.ecc.y.size);
	return TPM_OK;
}

static int fill_key(const TPMT_PUBLIC *p, struct tpm_key *k, char err[TPM_ERR_MAX])
{
	size_t off = 0;
	TSS2_RC rc;

	rc = Tss2_MU_TPMT_PUBLIC_Marshal(p, k->public, sizeof(k->public), &off);
	if (rc != TSS2_RC_SUCCESS)
		return fail(err, TPM_E_TPM, "public: marshal: %s", Tss2_RC_Decode(rc));
	k->public_len = off;
	k->name[0] = TPM2_ALG_SHA256 >> 8;
	k->name[1] = TPM2_ALG_SHA256 & 0xff;
	SHA256(k->public, k->public_len, k->name + 2);
	memcpy(k->x, p->unique.ecc.x.buffer, 32);
	memcpy(k->y, p->unique.ecc.y.buffer, 32);
	return TPM_OK;
}

/* The EK at TPM_EK_HANDLE, created and persisted when absent: *ek is closed by the caller. */
static int ek_load(struct vtpm *t, ESYS_TR *ek, TPM2B_PUBLIC **pub, char err[TPM_ERR_MAX])
{
	const TPM2B_SENSITIVE_CREATE sens = { 0 };
	const TPM2B_DATA outside = { 0 };
	const TPML_PCR_SELECTION no_pcrs = { 0 };
	TPM2B_PUBLIC tmpl = {
		.publicArea = {
			.type = TPM2_ALG_ECC,
			.nameAlg = TPM2_ALG_SHA256,
			.objectAttributes = EK_ATTRS,
			.authPolicy = { .size = sizeof(ek_policy) },
			.parameters.eccDetail = {
				.symmetric = {
					.algorithm = TPM2_ALG_AES,
					.keyBits.aes = 128,
					.mode.aes = TPM2_ALG_CFB,
				},
				.scheme.scheme = TPM2_ALG_NULL,
				.curveID = TPM2_ECC_NIST_P256,
				.kdf.scheme = TPM2_ALG_NULL,
			},
			.unique.ecc = { .x.size = 32, .y.size = 32 },	/* zeros */
		},
	};
	ESYS_TR transient = ESYS_TR_NONE;
	char where[48];
	bool present;
	int ret;

	*ek = ESYS_TR_NONE;
	*pub = NULL;
	snprintf(where, sizeof(where), "EK at 0x%08x", TPM_EK_HANDLE);
	memcpy(tmpl.publicArea.authPolicy.buffer, ek_policy, sizeof(ek_policy));
	ret = handle_present(t, TPM_EK_HANDLE, &present, err);
	if (ret != TPM_OK)
		return ret;
	if (!present) {
		ret = ESYS(t, err, "CreatePrimary(EK)",
			   Esys_CreatePrimary(t->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD,
					      ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl, &outside,
					      &no_pcrs, &transient, NULL, NULL, NULL, NULL));
		if (ret == TPM_OK)
			ret = ESYS(t, err, "EvictControl(EK)",
				   Esys_EvictControl(t->esys, ESYS_TR_RH_OWNER, transient,
						     ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
						     TPM_EK_HANDLE, ek));
		release(t, &transient, true, &ret, err);
	} else {
		ret = ESYS(t, err, "TR_FromTPMPublic(EK)",
			   Esys_TR_FromTPMPublic(t->esys, TPM_EK_HANDLE, ESYS_TR_NONE,
						 ESYS_TR_NONE, ESYS_TR_NONE, ek));
	}
	if (ret == TPM_OK)
		ret = read_public(t, *ek, pub, err);
	if (ret == TPM_OK)
		ret = check_ek_public(&(*pub)->publicArea, where, err);
	if (ret != TPM_OK) {
		Esys_Free(*pub);
		*pub = NULL;
		release(t, ek, false, &ret, err);
	}
	return ret;
}

/* Creates the AK under the EK and persists it at handle. */
static int ak_create(struct vtpm *t, ESYS_TR ek, uint32_t handle, ESYS_TR *ak,
		     char err[TPM_ERR_MAX])
{
	const TPM2B_SENSITIVE_CREATE sens = { 0 };
	const TPM2B_DATA outside = { 0 };
	const TPML_PCR_SELECTION no_pcrs = { 0 };
	const TPM2B_PUBLIC tmpl = {
		.publicArea = {
			.type = TPM2_ALG_ECC,
			.nameAlg = TPM2_ALG_SHA256,
			.objectAttributes = AK_ATTRS,
			.parameters.eccDetail = {
				.symmetric.algorithm = TPM2_ALG_NULL,
				.scheme = {
					.scheme = TPM2_ALG_ECDSA,
					.details.ecdsa.hashAlg = TPM2_ALG_SHA256,
				},
				.curveID = TPM2_ECC_NIST_P256,
				.kdf.scheme = TPM2_ALG_NULL,
			},
		},
	};
	ESYS_TR session = ESYS_TR_NONE, transient = ESYS_TR_NONE;
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *pub = NULL;
	int ret;

	ret = ek_session(t, &session, err);
	if (ret == TPM_OK)
		ret = ESYS(t, err, "Create(AK)",
			   Esys_Create(t->esys, ek, session, ESYS_TR_NONE, ESYS_TR_NONE, &sens,
				       &tmpl, &outside, &no_pcrs, &priv, &pub, NULL, NULL, NULL));
	release(t, &session, true, &ret, err);
	if (ret == TPM_OK)
		ret = ek_session(t, &session, err);
	if (ret == TPM_OK)
		ret = ESYS(t, err, "Load(AK)",
			   Esys_Load(t->esys, ek, session, ESYS_TR_NONE, ESYS_TR_NONE, priv, pub,
				     &transient));
	release(t, &session, true, &ret, err);
	if (ret == TPM_OK)
		ret = ESYS(t, err, "EvictControl(AK)",
			   Esys_EvictControl(t->esys, ESYS_TR_RH_OWNER, transient, ESYS_TR_PASSWORD,
					     ESYS_TR_NONE, ESYS_TR_NONE, handle, ak));
	release(t, &transient, true, &ret, err);
	Esys_Free(priv);
	Esys_Free(pub);
	return ret;
}

static int check_ak_handle(uint32_t handle, char err[TPM_ERR_MAX])
{
	if (!tpm_ak_handle_ok(handle))
		return fail(err, TPM_E_BADARG, "ak_handle: 0x%08x is not " TPM_AK_HANDLE_RULE, handle);
	return TPM_OK;
}

/* The persisted AK at handle, checked to be what vinfer's quotes need. */
static int ak_open(struct vtpm *t, uint32_t handle, ESYS_TR *ak, TPM2B_PUBLIC **pub,
		   char err[TPM_ERR_MAX])
{
	char where[40];
	bool present;
	int ret;

	*ak = ESYS_TR_NONE;
	*pub = NULL;
	snprintf(where, sizeof(where), "AK at 0x%08x", handle);
	ret = handle_present(t, handle, &present, err);
	if (ret != TPM_OK)
		return ret;
	if (!present)
		return fail(err, TPM_E_BADARG, "%s: no persistent object (run provision)", where);
	ret = ESYS(t, err, "TR_FromTPMPublic(AK)",
		   Esys_TR_FromTPMPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE,
					 ESYS_TR_NONE, ak));
	if (ret == TPM_OK)
		ret = read_public(t, *ak, pub, err);
	if (ret == TPM_OK)
		ret = check_ak_public(&(*pub)->publicArea, where, err);
	if (ret != TPM_OK) {
		Esys_Free(*pub);
		*pub = NULL;
		release(t, ak, false, &ret, err);
	}
	return ret;
}

/* Whether the TPM's answer says a handle of the command refers to nothing. */
static bool rc_handle_gone(TSS2_RC rc)
{
	TSS2_RC code;

	if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER || rc == TSS2_RC_SUCCESS)
		return false;
	if (rc & TPM2_RC_FMT1)
		return (rc & (TPM2_RC_FMT1 | 0x3f)) == TPM2_RC_HANDLE;
	code = rc & 0xfff;
	return code >= TPM2_RC_REFERENCE_H0 && code <= TPM2_RC_REFERENCE_H6;
}

/* Forgets the open AK (its ESYS_TR closed); the next use reads it again. */
static void ak_drop(struct vtpm *t)
{
	char scratch[TPM_ERR_MAX];
	int ret = TPM_OK;

	release(t, &t->ak_tr, false, &ret, scratch);
	t->ak_handle = 0;
}

/*
 * Keeps *tr, the AK at handle that ak_open() checked, as the open AK
 * (*tr becomes ESYS_TR_NONE).  A key at a handle already read in this open
 * must be the one read then: quotes by another key would not verify with
 * the AK public the caller holds.
 */
static int ak_keep(struct vtpm *t, uint32_t handle, ESYS_TR *tr, const TPMT_PUBLIC *pub,
		   char err[TPM_ERR_MAX])
{
	struct tpm_key k;
	int ret;

	ret = fill_key(pub, &k, err);
	if (ret != TPM_OK)
		return ret;
	if (t->ak_seen_handle == handle && memcmp(t->ak_seen_name, k.name, sizeof(k.name)))
		return fail(err, TPM_E_BADARG,
			    "AK at 0x%08x: name %02x%02x%02x%02x%02x%02x..., not the %02x%02x%02x%02x%02x%02x... read at first use: the key was replaced (provision again)",
			    handle, k.name[0], k.name[1], k.name[2], k.name[3], k.name[4], k.name[5],
			    t->ak_seen_name[0], t->ak_seen_name[1], t->ak_seen_name[2],
			    t->ak_seen_name[3], t->ak_seen_name[4], t->ak_seen_name[5]);
	t->ak_seen_handle = handle;
	memcpy(t->ak_seen_name, k.name, sizeof(k.name));
	t->ak_handle = handle;
	t->ak_tr = *tr;
	*tr = ESYS_TR_NONE;
	memcpy(t->ak_x, k.x, 32);
	memcpy(t->ak_y, k.y, 32);
	return TPM_OK;
}

/* The AK at handle: the open one, else read and checked (3 commands) and kept. */
static int ak_get(struct vtpm *t, uint32_t handle, ESYS_TR *ak, char err[TPM_ERR_MAX])
{
	TPM2B_PUBLIC *pub = NULL;
	ESYS_TR tr = ESYS_TR_NONE;
	int ret;

	if (t->ak_handle == handle && t->ak_tr != ESYS_TR_NONE) {
		*ak = t->ak_tr;
		return TPM_OK;
	}
	ak_drop(t);
	ret = ak_open(t, handle, &tr, &pub, err);
	if (ret == TPM_OK)
		ret = ak_keep(t, handle, &tr, &pub->publicArea, err);
	Esys_Free(pub);
	release(t, &tr, false, &ret, err);
	*ak = ret == TPM_OK ? t->ak_tr : ESYS_TR_NONE;
	return ret;
}

/* The EK certificate from NV, read in chunks of the TPM's NV buffer size. */
static int read_ek_cert(struct vtpm *t, uint8_t **cert, size_t *cert_len,
			char err[TPM_ERR_MAX])
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPM2B_NV_PUBLIC *nvpub = NULL;
	ESYS_TR nv = ESYS_TR_NONE;
	uint16_t chunk = 512, size = 0, off;
	uint8_t *buf = NULL;
	TPMI_YES_NO more;
	bool present;
	ESYS_TR auth;
	int ret;

	*cert = NULL;
	*cert_len = 0;
	ret = handle_present(t, TPM_EK_CERT_ECC_NV, &present, err);
	if (ret != TPM_OK || !present)
		return ret;
	ret = ESYS(t, err, "GetCapability(NV_BUFFER_MAX)",
		   Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				      TPM2_CAP_TPM_PROPERTIES, TPM2_PT_NV_BUFFER_MAX, 1, &more,
				      &cap));
	if (ret == TPM_OK && cap->data.tpmProperties.count == 1 &&
	    cap->data.tpmProperties.tpmProperty[0].property == TPM2_PT_NV_BUFFER_MAX &&
	    cap->data.tpmProperties.tpmProperty[0].value >= 64 &&
	    cap->data.tpmProperties.tpmProperty[0].value < chunk)
		chunk = cap->data.tpmProperties.tpmProperty[0].value;
	Esys_Free(cap);
	if (ret == TPM_OK)
		ret = ESYS(t, err, "TR_FromTPMPublic(EK certificate NV)",
			   Esys_TR_FromTPMPublic(t->esys, TPM_EK_CERT_ECC_NV, ESYS_TR_NONE,
						 ESYS_TR_NONE, ESYS_TR_NONE, &nv));
	if (ret == TPM_OK)
		ret = ESYS(t, err, "NV_ReadPublic(EK certificate)",
			   Esys_NV_ReadPublic(t->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE,
					      ESYS_TR_NONE, &nvpub, NULL));
	if (ret == TPM_OK) {
		size = nvpub->nvPublic.dataSize;
		/* The index's own (empty) auth when it allows, else the owner's. */
		auth = (nvpub->nvPublic.attributes & TPMA_NV_AUTHREAD) ? nv : ESYS_TR_RH_OWNER;
		buf = malloc(size ? size : 1);
		if (!buf)
			ret = fail(err, TPM_E_NOMEM, "EK certificate: %u bytes: out of memory", size);
	}
	for (off = 0; ret == TPM_OK && off < size;) {
		TPM2B_MAX_NV_BUFFER *data = NULL;
		uint16_t n = size - off < chunk ? size - off : chunk;

		ret = ESYS(t, err, "NV_Read(EK certificate)",
			   Esys_NV_Read(t->esys, auth, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
					ESYS_TR_NONE, n, off, &data));
		if (ret == TPM_OK && data->size != n)
			ret = fail(err, TPM_E_TPM, "NV_Read(EK certificate): %u bytes at %u, asked %u",
				   data->size, off, n);
		if (ret == TPM_OK) {
			memcpy(buf + off, data->buffer, n);
			off += n;
		}
		Esys_Free(data);
	}
	Esys_Free(nvpub);
	release(t, &nv, false, &ret, err);
	if (ret != TPM_OK) {
		free(buf);
		return ret;
	}
	*cert = buf;
	*cert_len = size;
	return TPM_OK;
}

int vtpm_provision(struct vtpm *t, uint32_t ak_handle, struct tpm_key *ek,
		   struct tpm_key *ak, uint8_t **cert, size_t *cert_len,
		   char err[TPM_ERR_MAX])
{
	TPM2B_PUBLIC *ek_pub = NULL, *ak_pub = NULL;
	ESYS_TR ek_tr = ESYS_TR_NONE, ak_tr = ESYS_TR_NONE;
	bool present = false;
	int ret;

	err[0] = '\0';
	*cert = NULL;
	*cert_len = 0;
	ret = check_ak_handle(ak_handle, err);
	if (ret != TPM_OK)
		return ret;
	ak_drop(t);
	ret = ek_load(t, &ek_tr, &ek_pub, err);
	if (ret == TPM_OK)
		ret = handle_present(t, ak_handle, &present, err);
	if (ret == TPM_OK && !present) {
		ret = ak_create(t, ek_tr, ak_handle, &ak_tr, err);
		release(t, &ak_tr, false, &ret, err);
		if (t->ak_seen_handle == ak_handle)
			t->ak_seen_handle = 0;	/* a new key, made here */
	}
	/* Created just now or found: read back and checked the same way. */
	if (ret == TPM_OK)
		ret = ak_open(t, ak_handle, &ak_tr, &ak_pub, err);
	if (ret == TPM_OK)
		ret = fill_key(&ek_pub->publicArea, ek, err);
	if (ret == TPM_OK)
		ret = fill_key(&ak_pub->publicArea, ak, err);
	if (ret == TPM_OK)
		ret = ak_keep(t, ak_handle, &ak_tr, &ak_pub->publicArea, err);
	if (ret == TPM_OK)
		ret = read_ek_cert(t, cert, cert_len, err);
	Esys_Free(ek_pub);
	Esys_Free(ak_pub);
	release(t, &ak_tr, false, &ret, err);
	release(t, &ek_tr, false, &ret, err);
	if (ret != TPM_OK) {
		free(*cert);
		*cert = NULL;
		*cert_len = 0;
	}
	return ret;
}

int vtpm_activate(struct vtpm *t, uint32_t ak_handle, const uint8_t *blob,
		  size_t blob_len, const uint8_t *secret, size_t secret_len,
		  uint8_t *out, size_t *out_len, char err[TPM_ERR_MAX])
{
	TPM2B_ID_OBJECT id = { 0 };
	TPM2B_ENCRYPTED_SECRET sec = { 0 };
	TPM2B_PUBLIC *ek_pub = NULL;
	ESYS_TR ek = ESYS_TR_NONE, ak = ESYS_TR_NONE, session = ESYS_TR_NONE;
	TPM2B_DIGEST *info = NULL;
	bool present;
	int ret;

	err[0] = '\0';
	*out_len = 0;
	ret = check_ak_handle(ak_handle, err);
	if (ret != TPM_OK)
		return ret;
	if (blob_len == 0 || blob_len > sizeof(id.credential))
		return fail(err, TPM_E_BADARG, "blob: %zu bytes, want 1..%zu", blob_len,
			    sizeof(id.credential));
	if (secret_len == 0 || secret_len > sizeof(sec.secret))
		return fail(err, TPM_E_BADARG, "secret: %zu bytes, want 1..%zu", secret_len,
			    sizeof(sec.secret));
	id.size = blob_len;
	memcpy(id.credential, blob, blob_len);
	sec.size = secret_len;
	memcpy(sec.secret, secret, secret_len);

	ret = handle_present(t, TPM_EK_HANDLE, &present, err);
	if (ret == TPM_OK && !present)
		ret = fail(err, TPM_E_BADARG, "EK at 0x%08x: no persistent object (run provision)",
			   TPM_EK_HANDLE);
	if (ret == TPM_OK)
		ret = ESYS(t, err, "TR_FromTPMPublic(EK)",
			   Esys_TR_FromTPMPublic(t->esys, TPM_EK_HANDLE, ESYS_TR_NONE,
						 ESYS_TR_NONE, ESYS_TR_NONE, &ek));
	if (ret == TPM_OK)
		ret = read_public(t, ek, &ek_pub, err);
	if (ret == TPM_OK)
		ret = check_ek_public(&ek_pub->publicArea, "EK", err);
	if (ret == TPM_OK)
		ret = ak_get(t, ak_handle, &ak, err);
	if (ret == TPM_OK)
		ret = ek_session(t, &session, err);
	if (ret == TPM_OK) {
		ret = ESYS(t, err, "ActivateCredential",
			   Esys_ActivateCredential(t->esys, ak, ek, ESYS_TR_PASSWORD, session,
						   ESYS_TR_NONE, &id, &sec, &info));
		if (ret != TPM_OK && rc_handle_gone(t->last_rc))
			ak_drop(t);
	}
	if (ret == TPM_OK && info->size > TPM_CRED_MAX)
		ret = fail(err, TPM_E_BADARG, "credential: %u bytes, more than %d", info->size,
			   TPM_CRED_MAX);
	if (ret == TPM_OK) {
		memcpy(out, info->buffer, info->size);
		*out_len = info->size;
	}
	if (info)
		OPENSSL_cleanse(info, sizeof(*info));
	Esys_Free(info);
	Esys_Free(ek_pub);
	release(t, &session, true, &ret, err);
	release(t, &ek, false, &ret, err);
	return ret;
}

int vtpm_read_clock(struct vtpm *t, struct tpm_clock *c, char err[TPM_ERR_MAX])
{
	TPMS_TIME_INFO *ti = NULL;
	int ret;

	err[0] = '\0';
	ret = ESYS(t, err, "ReadClock",
		   Esys_ReadClock(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ti));
	if (ret == TPM_OK) {
		c->clock = ti->clockInfo.clock;
		c->reset_count = ti->clockInfo.resetCount;
		c->restart_count = ti->clockInfo.restartCount;
		c->safe = ti->clockInfo.safe == TPM2_YES;
	}
	Esys_Free(ti);
	return ret;
}

static int check_mask(uint32_t mask, char err[TPM_ERR_MAX])
{
	if (mask == 0 || mask >> TPM_PCR_MAX)
		return fail(err, TPM_E_BADARG, "mask: 0x%08x, want PCRs within 0-%d, at least one",
			    mask, TPM_PCR_MAX - 1);
	return TPM_OK;
}

static void pcr_selection(TPML_PCR_SELECTION *s, uint32_t mask)
{
	memset(s, 0, sizeof(*s));
	s->count = 1;
	s->pcrSelections[0].hash = TPM2_ALG_SHA256;
	s->pcrSelections[0].sizeofSelect = PCR_SELECT_BYTES;
	s->pcrSelections[0].pcrSelect[0] = mask & 0xff;
	s->pcrSelections[0].pcrSelect[1] = (mask >> 8) & 0xff;
	s->pcrSelections[0].pcrSelect[2] = (mask >> 16) & 0xff;
}

/* The SHA-256 mask a selection covers; -1 when it names another bank or more. */
static int64_t selection_mask(const TPML_PCR_SELECTION *s)
{
	const TPMS_PCR_SELECTION *p = &s->pcrSelections[0];
	uint32_t mask = 0;
	unsigned int i;

	if (s->count == 0)
		return 0;
	if (s->count != 1 || p->hash != TPM2_ALG_SHA256 || p->sizeofSelect > TPM2_PCR_SELECT_MAX)
		return -1;
	for (i = 0; i < p->sizeofSelect; i++)
		mask |= (uint32_t)p->pcrSelect[i] << (8 * i);
	return mask >> TPM_PCR_MAX ? -1 : (int64_t)mask;
}

/* One pass over mask in chunks; *counter is the pcrUpdateCounter, -1 if it moved. */
static int read_pcrs_once(struct vtpm *t, uint32_t mask, uint8_t (*pcrs)[32],
			  int64_t *counter, char err[TPM_ERR_MAX])
{
	uint32_t left = mask;
	int ret = TPM_OK;

	*counter = -2;
	while (left && ret == TPM_OK) {
		TPML_PCR_SELECTION in, *out = NULL;
		TPML_DIGEST *values = NULL;
		uint32_t ask = 0, left_bits = left, update = 0;
		int64_t got = 0;
		unsigned int n, k = 0;

		for (n = 0; n < PCRS_PER_READ && left_bits; n++) {
			ask |= left_bits & -left_bits;
			left_bits &= left_bits - 1;
		}
		pcr_selection(&in, ask);
		ret = ESYS(t, err, "PCR_Read",
			   Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &in,
					 &update, &out, &values));
		if (ret == TPM_OK) {
			got = selection_mask(out);
			if (got <= 0 || ((uint32_t)got & ~ask) ||
			    (unsigned int)__builtin_popcount((uint32_t)got) != values->count)
				ret = fail(err, TPM_E_TPM,
					   "PCR_Read: asked sha256 mask 0x%06x, got selection 0x%llx with %u values",
					   ask, (long long)got, values->count);
		}
		for (unsigned int i = 0; ret == TPM_OK && i < TPM_PCR_MAX; i++) {
			if (!(got & (1U << i)))
				continue;
			if (values->digests[k].size != 32) {
				ret = fail(err, TPM_E_TPM, "PCR_Read: PCR %u: %u bytes, not 32", i,
					   values->digests[k].size);
				break;
			}
			memcpy(pcrs[i], values->digests[k++].buffer, 32);
		}
		if (ret == TPM_OK) {
			left &= ~(uint32_t)got;
			if (*counter == -2)
				*counter = update;
			else if (*counter != update)
				*counter = -1;
		}
		Esys_Free(out);
		Esys_Free(values);
	}
	return ret;
}

static void pcr_remember(struct vtpm *t, uint32_t mask, const uint8_t (*pcrs)[32])
{
	unsigned int i;

	for (i = 0; i < TPM_PCR_MAX; i++)
		if (mask & (1U << i))
			memcpy(t->pcr[i], pcrs[i], 32);
	t->pcr_known |= mask;
}

int vtpm_read_pcrs(struct vtpm *t, uint32_t mask, uint8_t (*pcrs)[32],
		   char err[TPM_ERR_MAX])
{
	int64_t counter;
	int ret, i;

	err[0] = '\0';
	ret = check_mask(mask, err);
	for (i = 0; ret == TPM_OK && i < PCR_READ_TRIES; i++) {
		ret = read_pcrs_once(t, mask, pcrs, &counter, err);
		if (ret == TPM_OK && counter >= 0) {
			pcr_remember(t, mask, (const uint8_t (*)[32])pcrs);
			return TPM_OK;
		}
	}
	if (ret == TPM_OK)
		ret = fail(err, TPM_E_TPM, "PCR_Read: PCRs of mask 0x%06x changed while read, %d times",
			   mask, PCR_READ_TRIES);
	return ret;
}

static void pcr_digest(const uint8_t (*pcrs)[32], uint32_t mask, uint8_t out[32])
{
	uint8_t buf[TPM_PCR_MAX * 32];
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < TPM_PCR_MAX; i++)
		if (mask & (1U << i))
			memcpy(buf + 32 * n++, pcrs[i], 32);
	SHA256(buf, 32 * n, out);
}

/*
 * Checks the quote the TPM returned against what was asked; its pcrDigest
 * goes to digest, its clockInfo to *clock.
 */
static int check_quote(const TPM2B_ATTEST *q, uint32_t mask, const uint8_t qualifying[32],
		       uint8_t digest[32], struct tpm_clock *clock, char err[TPM_ERR_MAX])
{
	TPMS_ATTEST a;
	size_t off = 0;
	TSS2_RC rc;

	rc = Tss2_MU_TPMS_ATTEST_Unmarshal(q->attestationData, q->size, &off, &a);
	if (rc != TSS2_RC_SUCCESS || off != q->size)
		return fail(err, TPM_E_TPM, "Quote: attest of %u bytes does not parse (%s)", q->size,
			    rc ? Tss2_RC_Decode(rc) : "trailing bytes");
	if (a.magic != TPM2_GENERATED_VALUE || a.type != TPM2_ST_ATTEST_QUOTE)
		return fail(err, TPM_E_TPM, "Quote: magic 0x%08x type 0x%04x", a.magic, a.type);
	if (a.extraData.size != 32 || memcmp(a.extraData.buffer, qualifying, 32))
		return fail(err, TPM_E_TPM, "Quote: extraData differs from the qualifying data");
	if (selection_mask(&a.attested.quote.pcrSelect) != mask)
		return fail(err, TPM_E_TPM, "Quote: pcrSelect differs from mask 0x%06x", mask);
	if (a.attested.quote.pcrDigest.size != 32)
		return fail(err, TPM_E_TPM, "Quote: pcrDigest of %u bytes",
			    a.attested.quote.pcrDigest.size);
	memcpy(digest, a.attested.quote.pcrDigest.buffer, 32);
	clock->clock = a.clockInfo.clock;
	clock->reset_count = a.clockInfo.resetCount;
	clock->restart_count = a.clockInfo.restartCount;
	clock->safe = a.clockInfo.safe == TPM2_YES;
	return TPM_OK;
}

/*
 * The quote's signature checked in software with the open AK's public: a
 * key put at the handle since it was read signs quotes nobody can verify.
 */
static int check_signature(const struct vtpm *t, const TPM2B_ATTEST *q,
			   const TPMT_SIGNATURE *sig, bool *ok, char err[TPM_ERR_MAX])
{
	const TPMS_SIGNATURE_ECDSA *e = &sig->signature.ecdsa;
	uint8_t r[32] = { 0 }, s[32] = { 0 };

	if (sig->sigAlg != TPM2_ALG_ECDSA || e->hash != TPM2_ALG_SHA256 ||
	    e->signatureR.size == 0 || e->signatureR.size > 32 ||
	    e->signatureS.size == 0 || e->signatureS.size > 32)
		return fail(err, TPM_E_TPM,
			    "Quote: signature: sigAlg 0x%x, hash 0x%x, r %u and s %u bytes: not ECDSA-SHA256 on P-256",
			    sig->sigAlg, e->hash, e->signatureR.size, e->signatureS.size);
	memcpy(r + 32 - e->signatureR.size, e->signatureR.buffer, e->signatureR.size);
	memcpy(s + 32 - e->signatureS.size, e->signatureS.buffer, e->signatureS.size);
	*ok = tpms_p256_verify(q->attestationData, q->size, r, s, t->ak_x, t->ak_y);
	return TPM_OK;
}

/*
 * The PCR values of mask without a PCR_Read: the last ones seen, with the
 * hint over them, when they cover mask and hash to the quote's pcrDigest
 * (then they are the values the TPM quoted; SHA-256 has no known collision).
 */
static bool pcrs_from_cache(struct vtpm *t, uint32_t mask, const struct tpm_pcr_hint *hint,
			    const uint8_t digest[32], uint8_t (*pcrs)[32])
{
	uint8_t cand[TPM_PCR_MAX][32], d[32];
	uint32_t known = t->pcr_known;
	unsigned int i;

	memcpy(cand, t->pcr, sizeof(cand));
	if (hint) {
		memcpy(cand[hint->pcr], hint->value, 32);
		known |= 1U << hint->pcr;
	}
	if ((known & mask) != mask)
		return false;
	pcr_digest((const uint8_t (*)[32])cand, mask, d);
	if (memcmp(d, digest, 32))
		return false;
	for (i = 0; i < TPM_PCR_MAX; i++)
		if (mask & (1U << i))
			memcpy(pcrs[i], cand[i], 32);
	pcr_remember(t, mask, (const uint8_t (*)[32])cand);
	return true;
}

/* One Quote; *quoted and *signature are the caller's to free, also on failure. */
static int quote_once(struct vtpm *t, ESYS_TR ak, const TPML_PCR_SELECTION *sel,
		      uint32_t mask, const uint8_t qualifying[32], TPM2B_ATTEST **quoted,
		      TPMT_SIGNATURE **signature, uint8_t digest[32], struct tpm_clock *clock,
		      bool *sig_ok, char err[TPM_ERR_MAX])
{
	const TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
	TPM2B_DATA extra = { .size = 32 };
	int ret;

	*sig_ok = false;
	memcpy(extra.buffer, qualifying, 32);
	ret = ESYS(t, err, "Quote",
		   Esys_Quote(t->esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
			      &extra, &scheme, sel, quoted, signature));
	if (ret == TPM_OK)
		ret = check_quote(*quoted, mask, qualifying, digest, clock, err);
	if (ret == TPM_OK)
		ret = check_signature(t, *quoted, *signature, sig_ok, err);
	return ret;
}

int vtpm_quote2(struct vtpm *t, uint32_t ak_handle, uint32_t mask,
		const uint8_t qualifying[32], const struct tpm_pcr_hint *hint,
		uint8_t **attest, size_t *attest_len, uint8_t **sig, size_t *sig_len,
		uint8_t (*pcrs)[32], struct tpm_clock *clock, char err[TPM_ERR_MAX])
{
	TPML_PCR_SELECTION sel;
	ESYS_TR ak = ESYS_TR_NONE;
	bool fresh = false, reopened = false;
	int ret, i;

	err[0] = '\0';
	*attest = *sig = NULL;
	*attest_len = *sig_len = 0;
	ret = check_ak_handle(ak_handle, err);
	if (ret == TPM_OK)
		ret = check_mask(mask, err);
	if (ret == TPM_OK && hint && (hint->pcr >= TPM_PCR_MAX || !(mask & (1U << hint->pcr))))
		ret = fail(err, TPM_E_BADARG, "hint pcr: %u is not in mask 0x%06x", hint->pcr,
			   mask);
	if (ret != TPM_OK)
		return ret;
	pcr_selection(&sel, mask);
	ret = ak_get(t, ak_handle, &ak, err);
	for (i = 0; ret == TPM_OK && !fresh && i < QUOTE_TRIES; i++) {
		TPM2B_ATTEST *quoted = NULL;
		TPMT_SIGNATURE *signature = NULL;
		uint8_t sbuf[sizeof(TPMT_SIGNATURE)], digest[32], read_digest[32];
		struct tpm_clock qc;
		size_t soff = 0;
		bool sig_ok;
		TSS2_RC rc;

		ret = quote_once(t, ak, &sel, mask, qualifying, &quoted, &signature, digest, &qc,
				 &sig_ok, err);
		if (!reopened && ((ret != TPM_OK && rc_handle_gone(t->last_rc)) ||
				  (ret == TPM_OK && !sig_ok))) {
			/* The AK's handle is gone or holds another key: read it again, once. */
			reopened = true;
			ak_drop(t);
			ret = ak_get(t, ak_handle, &ak, err);
			i--;
			goto next;
		}
		if (ret == TPM_OK && !sig_ok)
			ret = fail(err, TPM_E_TPM, "Quote: signature does not verify with the AK at 0x%08x",
				   ak_handle);
		if (ret == TPM_OK)
			fresh = pcrs_from_cache(t, mask, hint, digest, pcrs);
		if (ret == TPM_OK && !fresh) {
			ret = vtpm_read_pcrs(t, mask, pcrs, err);
			if (ret == TPM_OK) {
				pcr_digest((const uint8_t (*)[32])pcrs, mask, read_digest);
				fresh = !memcmp(read_digest, digest, 32);
			}
		}
		if (ret == TPM_OK && fresh) {
			rc = Tss2_MU_TPMT_SIGNATURE_Marshal(signature, sbuf, sizeof(sbuf), &soff);
			if (rc != TSS2_RC_SUCCESS)
				ret = fail(err, TPM_E_TPM, "Quote: signature: marshal: %s",
					   Tss2_RC_Decode(rc));
		}
		if (ret == TPM_OK && fresh) {
			*attest = malloc(quoted->size);
			*sig = malloc(soff);
			if (!*attest || !*sig) {
				ret = fail(err, TPM_E_NOMEM, "Quote: out of memory");
			} else {
				memcpy(*attest, quoted->attestationData, quoted->size);
				*attest_len = quoted->size;
				memcpy(*sig, sbuf, soff);
				*sig_len = soff;
				if (clock)
					*clock = qc;
			}
		}
next:
		Esys_Free(quoted);
		Esys_Free(signature);
	}
	if (ret == TPM_OK && !fresh)
		ret = fail(err, TPM_E_TPM, "Quote: PCRs of mask 0x%06x changed after each of %d quotes",
			   mask, QUOTE_TRIES);
	if (ret != TPM_OK) {
		free(*attest);
		free(*sig);
		*attest = *sig = NULL;
		*attest_len = *sig_len = 0;
	}
	return ret;
}

int vtpm_quote(struct vtpm *t, uint32_t ak_handle, uint32_t mask,
	       const uint8_t qualifying[32], uint8_t **attest, size_t *attest_len,
	       uint8_t **sig, size_t *sig_len, uint8_t (*pcrs)[32],
	       char err[TPM_ERR_MAX])
{
	return vtpm_quote2(t, ak_handle, mask, qualifying, NULL, attest, attest_len, sig,
			   sig_len, pcrs, NULL, err);
}

int tpm_write_pcrs_file(FILE *f, uint32_t mask, const uint8_t (*pcrs)[32])
{
	uint8_t sel[sizeof(TPML_PCR_SELECTION)] = { 0 };
	uint8_t block[sizeof(TPML_DIGEST)];
	unsigned int n = __builtin_popcount(mask), blocks, i, k = 0;
	uint8_t le[4];

	if (mask == 0 || mask >> TPM_PCR_MAX) {
		errno = EINVAL;
		return -1;
	}
	/* TPML_PCR_SELECTION: count, then pcrSelections[16] of 8 bytes. */
	sel[0] = 1;
	sel[4] = TPM2_ALG_SHA256 & 0xff;
	sel[5] = TPM2_ALG_SHA256 >> 8;
	sel[6] = PCR_SELECT_BYTES;
	sel[7] = mask & 0xff;
	sel[8] = (mask >> 8) & 0xff;
	sel[9] = (mask >> 16) & 0xff;
	if (fwrite(sel, sizeof(sel), 1, f) != 1)
		return -1;
	blocks = (n + PCRS_PER_READ - 1) / PCRS_PER_READ;
	le[0] = blocks;
	le[1] = le[2] = le[3] = 0;
	if (fwrite(le, 4, 1, f) != 1)
		return -1;
	for (i = 0; i < TPM_PCR_MAX; i++) {
		uint8_t *d;

		if (!(mask & (1U << i)))
			continue;
		if (k % PCRS_PER_READ == 0)
			memset(block, 0, sizeof(block));
		/* TPML_DIGEST: count, then digests[8] of {u16 size, 64 bytes}. */
		d = block + 4 + (k % PCRS_PER_READ) * sizeof(TPM2B_DIGEST);
		d[0] = 32;
		memcpy(d + 2, pcrs[i], 32);
		k++;
		block[0] = (k - 1) % PCRS_PER_READ + 1;
		if (k % PCRS_PER_READ == 0 || k == n) {
			if (fwrite(block, sizeof(block), 1, f) != 1)
				return -1;
		}
	}
	return 0;
}

/*
 * Software MakeCredential (TPM 2.0 Part 1, "Protection of Credentials" and
 * Annex C ECC secret sharing).  Labels are hashed with their terminating NUL.
 */
static void kdfa(const uint8_t *key, size_t key_len, const char *label,
		 const uint8_t *u, size_t u_len, uint8_t *out, size_t bits)
{
	uint8_t msg[4 + 16 + 64 + 4], block[32];
	size_t llen = strlen(label) + 1, off = 0, want = bits / 8, m;
	uint32_t i;

	for (i = 1; off < want; i++) {
		unsigned int hl = sizeof(block);

		m = 0;
		msg[m++] = i >> 24; msg[m++] = i >> 16; msg[m++] = i >> 8; msg[m++] = i;
		memcpy(msg + m, label, llen);
		m += llen;
		if (u_len) {
			memcpy(msg + m, u, u_len);
			m += u_len;
		}
		msg[m++] = bits >> 24; msg[m++] = bits >> 16; msg[m++] = bits >> 8; msg[m++] = bits;
		HMAC(EVP_sha256(), key, key_len, msg, m, block, &hl);
		memcpy(out + off, block, want - off < 32 ? want - off : 32);
		off += 32;
	}
	OPENSSL_cleanse(block, sizeof(block));
}

static void kdfe(const uint8_t z[32], const char *label, const uint8_t u[32],
		 const uint8_t v[32], uint8_t out[32])
{
	uint8_t msg[4 + 32 + 16 + 32 + 32];
	size_t llen = strlen(label) + 1, m = 0;

	/* 256 bits: one block of SHA-256(counter = 1 || Z || label || U || V). */
	msg[m++] = 0; msg[m++] = 0; msg[m++] = 0; msg[m++] = 1;
	memcpy(msg + m, z, 32);
	m += 32;
	memcpy(msg + m, label, llen);
	m += llen;
	memcpy(msg + m, u, 32);
	m += 32;
	memcpy(msg + m, v, 32);
	m += 32;
	SHA256(msg, m, out);
	OPENSSL_cleanse(msg, sizeof(msg));
}

static EVP_PKEY *p256_public(const uint8_t x[32], const uint8_t y[32])
{
	uint8_t point[65];
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
	EVP_PKEY *key = NULL;

	point[0] = 0x04;
	memcpy(point + 1, x, 32);
	memcpy(point + 33, y, 32);
	if (!b || !OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)))
		goto out;
	params = OSSL_PARAM_BLD_to_param(b);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	chk = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (!chk || EVP_PKEY_public_check(chk) <= 0) {
		EVP_PKEY_free(key);
		key = NULL;
	}
out:
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	return key;
}

int tpm_make_credential(const uint8_t *ek_public, size_t ek_public_len,
			const uint8_t ak_name[34], const uint8_t *cred, size_t cred_len,
			uint8_t *blob, size_t *blob_len, uint8_t *secret,
			size_t *secret_len, char err[TPM_ERR_MAX])
{
	static const uint8_t zero_iv[16];
	TPMT_PUBLIC ek;
	EVP_PKEY *ek_key = NULL, *eph = NULL;
	EVP_PKEY_CTX *dh = NULL;
	EVP_CIPHER_CTX *aes = NULL;
	uint8_t z[32], seed[32], sym[16], hkey[32], plain[2 + TPM_CRED_MAX];
	uint8_t eph_pub[65], enc[2 + TPM_CRED_MAX], mac_in[sizeof(enc) + 34];
	size_t off = 0, zlen = sizeof(z), plen = 0;
	unsigned int hl = 32;
	int ret = TPM_OK, n1 = 0, n2 = 0;
	TSS2_RC rc;

	err[0] = '\0';
	*blob_len = *secret_len = 0;
	if (cred_len == 0 || cred_len > TPM_CRED_MAX)
		return fail(err, TPM_E_BADARG, "credential: %zu bytes, want 1..%d", cred_len,
			    TPM_CRED_MAX);
	if (ak_name[0] != 0x00 || ak_name[1] != 0x0b)
		return fail(err, TPM_E_BADARG, "ak name: algorithm 0x%02x%02x, not SHA-256 (000b)",
			    ak_name[0], ak_name[1]);
	memset(&ek, 0, sizeof(ek));
	rc = Tss2_MU_TPMT_PUBLIC_Unmarshal(ek_public, ek_public_len, &off, &ek);
	if (rc != TSS2_RC_SUCCESS || off != ek_public_len)
		return fail(err, TPM_E_BADARG, "ek public: %zu bytes do not parse as TPMT_PUBLIC (%s)",
			    ek_public_len, rc ? Tss2_RC_Decode(rc) : "trailing bytes");
	ret = check_ek_public(&ek, "ek public", err);
	if (ret != TPM_OK)
		return ret;
	ek_key = p256_public(ek.unique.ecc.x.buffer, ek.unique.ecc.y.buffer);
	if (!ek_key)
		return fail(err, TPM_E_BADARG, "ek public: point is not on P-256");

	/* Ephemeral key, Z = x(d_e * Q_ek), seed = KDFe(Z, "IDENTITY", x_e, x_ek). */
	eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!eph || EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_PUB_KEY, eph_pub,
						    sizeof(eph_pub), &plen) != 1 ||
	    plen != sizeof(eph_pub) || eph_pub[0] != 0x04) {
		ret = fail(err, TPM_E_NOMEM, "ephemeral key: generation failed");
		goto out;
	}
	dh = EVP_PKEY_CTX_new(eph, NULL);
	if (!dh || EVP_PKEY_derive_init(dh) <= 0 || EVP_PKEY_derive_set_peer(dh, ek_key) <= 0 ||
	    EVP_PKEY_derive(dh, z, &zlen) <= 0 || zlen != sizeof(z)) {
		ret = fail(err, TPM_E_BADARG, "ek public: ECDH failed");
		goto out;
	}
	kdfe(z, "IDENTITY", eph_pub + 1, ek.unique.ecc.x.buffer, seed);

	/* encIdentity = AES-128-CFB(KDFa(seed, "STORAGE", name), TPM2B(cred)). */
	kdfa(seed, sizeof(seed), "STORAGE", ak_name, 34, sym, 128);
	plain[0] = cred_len >> 8;
	plain[1] = cred_len & 0xff;
	memcpy(plain + 2, cred, cred_len);
	aes = EVP_CIPHER_CTX_new();
	if (!aes || EVP_EncryptInit_ex(aes, EVP_aes_128_cfb128(), NULL, sym, zero_iv) != 1 ||
	    EVP_EncryptUpdate(aes, enc, &n1, plain, 2 + cred_len) != 1 ||
	    EVP_EncryptFinal_ex(aes, enc + n1, &n2) != 1 || (size_t)(n1 + n2) != 2 + cred_len) {
		ret = fail(err, TPM_E_NOMEM, "credential: AES-128-CFB failed");
		goto out;
	}

	/* outerHMAC = HMAC(KDFa(seed, "INTEGRITY"), encIdentity || name). */
	kdfa(seed, sizeof(seed), "INTEGRITY", NULL, 0, hkey, 256);
	memcpy(mac_in, enc, 2 + cred_len);
	memcpy(mac_in + 2 + cred_len, ak_name, 34);
	blob[0] = 0;
	blob[1] = 32;
	HMAC(EVP_sha256(), hkey, sizeof(hkey), mac_in, 2 + cred_len + 34, blob + 2, &hl);
	memcpy(blob + 34, enc, 2 + cred_len);
	*blob_len = 34 + 2 + cred_len;

	/* TPMS_ECC_POINT of the ephemeral public key. */
	secret[0] = 0;
	secret[1] = 32;
	memcpy(secret + 2, eph_pub + 1, 32);
	secret[34] = 0;
	secret[35] = 32;
	memcpy(secret + 36, eph_pub + 33, 32);
	*secret_len = 68;
out:
	OPENSSL_cleanse(z, sizeof(z));
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(sym, sizeof(sym));
	OPENSSL_cleanse(hkey, sizeof(hkey));
	OPENSSL_cleanse(plain, sizeof(plain));
	EVP_CIPHER_CTX_free(aes);
	EVP_PKEY_CTX_free(dh);
	EVP_PKEY_free(eph);
	EVP_PKEY_free(ek_key);
	return ret;
}
