// SPDX-License-Identifier: GPL-2.0
/*
 * What swtpm cannot be made to answer: TPM_RC_RETRY/YIELDED/TESTING and
 * lower-layer failures.  The TCTI loader and the few Esys_* calls used are
 * replaced at link time (-Wl,--wrap=...), and ReadClock answers a scripted
 * sequence of response codes.  Table-driven: each case says the codes, the
 * expected result, how many times the command was sent and what err names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "tpm.h"

static TSS2_RC script[16];
static unsigned int script_len, script_pos, clock_calls;
static TSS2_RC startup_rc;
static int fake;

TSS2_RC __wrap_Tss2_TctiLdr_Initialize(const char *conf, TSS2_TCTI_CONTEXT **tcti);
TSS2_RC __wrap_Tss2_TctiLdr_Initialize(const char *conf, TSS2_TCTI_CONTEXT **tcti)
{
	(void)conf;
	*tcti = (TSS2_TCTI_CONTEXT *)&fake;
	return TSS2_RC_SUCCESS;
}

void __wrap_Tss2_TctiLdr_Finalize(TSS2_TCTI_CONTEXT **tcti);
void __wrap_Tss2_TctiLdr_Finalize(TSS2_TCTI_CONTEXT **tcti)
{
	*tcti = NULL;
}

TSS2_RC __wrap_Esys_Initialize(ESYS_CONTEXT **esys, TSS2_TCTI_CONTEXT *tcti, TSS2_ABI_VERSION *abi);
TSS2_RC __wrap_Esys_Initialize(ESYS_CONTEXT **esys, TSS2_TCTI_CONTEXT *tcti, TSS2_ABI_VERSION *abi)
{
	(void)tcti;
	(void)abi;
	*esys = (ESYS_CONTEXT *)&fake;
	return TSS2_RC_SUCCESS;
}

void __wrap_Esys_Finalize(ESYS_CONTEXT **esys);
void __wrap_Esys_Finalize(ESYS_CONTEXT **esys)
{
	*esys = NULL;
}

TSS2_RC __wrap_Esys_Startup(ESYS_CONTEXT *esys, TPM2_SU type);
TSS2_RC __wrap_Esys_Startup(ESYS_CONTEXT *esys, TPM2_SU type)
{
	(void)esys;
	(void)type;
	return startup_rc;
}

TSS2_RC __wrap_Esys_ReadClock(ESYS_CONTEXT *esys, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
			      TPMS_TIME_INFO **ti);
TSS2_RC __wrap_Esys_ReadClock(ESYS_CONTEXT *esys, ESYS_TR s1, ESYS_TR s2, ESYS_TR s3,
			      TPMS_TIME_INFO **ti)
{
	TSS2_RC rc;

	(void)esys;
	(void)s1;
	(void)s2;
	(void)s3;
	clock_calls++;
	rc = script_pos < script_len ? script[script_pos++] : TSS2_RC_SUCCESS;
	if (rc != TSS2_RC_SUCCESS)
		return rc;
	*ti = calloc(1, sizeof(**ti));
	(*ti)->clockInfo.clock = 1234;
	(*ti)->clockInfo.resetCount = 5;
	(*ti)->clockInfo.safe = TPM2_YES;
	return TSS2_RC_SUCCESS;
}

#define ESYS_MEMORY TSS2_ESYS_RC_MEMORY
#define TCTI_IO (TSS2_TCTI_RC_LAYER | TSS2_BASE_RC_IO_ERROR)

static const struct {
	const char *name;
	TSS2_RC codes[12];
	unsigned int n;
	int want;
	unsigned int calls;
	const char *err;
} cases[] = {
	{ "retry twice", { TPM2_RC_RETRY, TPM2_RC_RETRY }, 2, TPM_OK, 3, "" },
	{ "yielded, testing", { TPM2_RC_YIELDED, TPM2_RC_TESTING }, 2, TPM_OK, 3, "" },
	{ "retry 9 times", { [0 ... 8] = TPM2_RC_RETRY }, 9, TPM_OK, 10, "" },
	{ "retry 10 times: gives up", { [0 ... 9] = TPM2_RC_RETRY }, 10, TPM_E_TPM, 10,
	  "ReadClock" },
	{ "lockout: policy", { TPM2_RC_LOCKOUT }, 1, TPM_E_POLICY, 1, "ReadClock" },
	{ "bad auth: policy", { TPM2_RC_BAD_AUTH | TPM2_RC_S | TPM2_RC_1 }, 1, TPM_E_POLICY, 1,
	  "ReadClock" },
	{ "tcti io error", { TCTI_IO }, 1, TPM_E_TCTI, 1, "ReadClock" },
	{ "esys out of memory", { ESYS_MEMORY }, 1, TPM_E_NOMEM, 1, "ReadClock" },
	{ "tpm failure", { TPM2_RC_FAILURE }, 1, TPM_E_TPM, 1, "ReadClock" },
};

static void test_read_clock_codes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[TPM_ERR_MAX];
		struct tpm_clock c = { 0 };
		struct vtpm *t;
		uint64_t before;
		int ret;

		print_message("case: %s\n", cases[i].name);
		startup_rc = TPM2_RC_INITIALIZE;	/* already started: tolerated */
		assert_int_equal(vtpm_open(&t, "mock", err), TPM_OK);
		memcpy(script, cases[i].codes, sizeof(cases[i].codes));
		script_len = cases[i].n;
		script_pos = clock_calls = 0;
		before = vtpm_commands(t);
		ret = vtpm_read_clock(t, &c, err);
		assert_int_equal(ret, cases[i].want);
		assert_int_equal(clock_calls, cases[i].calls);
		assert_int_equal(vtpm_commands(t) - before, cases[i].calls);
		assert_non_null(strstr(err, cases[i].err));
		if (ret == TPM_OK) {
			assert_int_equal(c.clock, 1234);
			assert_int_equal(c.reset_count, 5);
			assert_true(c.safe);
		}
		vtpm_close(t);
	}
}

static void test_startup_failure(void **state)
{
	char err[TPM_ERR_MAX];
	struct vtpm *t;

	(void)state;
	startup_rc = TPM2_RC_FAILURE;
	assert_int_equal(vtpm_open(&t, "mock:x", err), TPM_E_TPM);
	assert_null(t);
	assert_non_null(strstr(err, "Startup"));
	assert_non_null(strstr(err, "mock:x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_clock_codes),
		cmocka_unit_test(test_startup_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
