// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the JSON-RPC reply parser (lib/rpc.c): any bytes are
 * parsed as the reply to request id 1, and a result that parses is fed to
 * every typed decoder (quantity, data, receipt, block).  Nothing may crash,
 * leak or read out of bounds; the decoders must either accept or name the
 * field they refuse.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_receipt rc;
	struct rpc_block b;
	struct rpc_error rerr;
	json_object *res = NULL;
	char err[RPC_ERR_MAX];
	uint8_t w[32], buf[256];
	uint64_t v;
	size_t len;
	char *copy = malloc(size + 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = 0;
	if (!rpc_parse_reply(copy, size, 1, "fuzz", &res, &rerr, err)) {
		err[0] = 0;
		if (rpc_get_quantity(res, "fuzz", "result", &v, err) && !strstr(err, "result"))
			abort();
		rpc_get_quantity256(res, "fuzz", "result", w, err);
		rpc_get_data(res, "fuzz", "result", buf, sizeof(buf), &len, err);
		rpc_get_fixed(res, "fuzz", "result", w, 32, err);
		if (rpc_decode_receipt(res, &rc, err) && !strstr(err, "result"))
			abort();
		rpc_decode_block(res, &b, err);
		json_object_put(res);
	}
	free(copy);
	return 0;
}
