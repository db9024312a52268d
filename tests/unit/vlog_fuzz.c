// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness of the binary log parser: any input, no crash, no leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[VLOG_ERR_MAX];
	struct vlog log;
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (!vlog_parse(buf, size, &log, err))
		vlog_free(&log);
	return 0;
}
