// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the claims ABI decoder: any input, no crash; what
 * it accepts encodes back to the very same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t abi[CLAIMS_ABI_SIZE];
	char err[CLAIMS_ERR_MAX], dec[80];
	struct claims c;
	uint8_t id[32];

	if (claims_decode(data, size, &c, err))
		return 0;
	claims_encode(&c, abi);
	if (memcmp(abi, data, sizeof(abi)))
		abort();
	claims_agent_to_dec(c.agent_id, dec);
	if (claims_agent_from_dec(dec, id) || memcmp(id, c.agent_id, 32))
		abort();
	return 0;
}
