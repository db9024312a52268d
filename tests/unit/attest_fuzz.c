// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the attestation document parser: any input, no
 * crash, no leak; a document it accepts writes back and parses again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ATTEST_ERR_MAX], *json;
	struct attest_doc doc, again;
	size_t len;

	if (attest_parse_json((const char *)data, size, &doc, err))
		return 0;
	if (attest_write_json(&doc, &json, &len))
		abort();
	if (attest_parse_json(json, len, &again, err))
		abort();	/* what we write, we read */
	attest_free(&again);
	free(json);
	attest_free(&doc);
	return 0;
}
