// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the TPM structure parsers: the input is tried as a
 * TPMS_ATTEST, a TPMT_SIGNATURE and a TPMT_PUBLIC.  No crash, no leak.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tpms.h"

/* libtss2-mu logs every refused value to stderr: quiet, it is the point here. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TSS2_LOG", "all+none", 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t r[32], s[32], x[32], y[32], name[34];
	char err[TPMS_ERR_MAX];
	struct tpms_quote q;
	bool rs;

	tpms_parse_quote(data, size, &q, err);
	if (!tpms_parse_ecdsa(data, size, r, s, err) &&
	    !tpms_parse_ecc_public(data, size, x, y, name, &rs, err))
		tpms_p256_verify(data, size, r, s, x, y);
	else if (!tpms_parse_ecc_public(data, size, x, y, name, &rs, err))
		tpms_p256_verify(data, size, x, y, x, y);
	return 0;
}
