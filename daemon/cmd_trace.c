// SPDX-License-Identifier: GPL-2.0
/* Placeholder until the probe loader lands; replaced by the probes work. */
#include <stdio.h>

#include "cmd.h"

int cmd_trace(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "vinfer trace: not built yet\n");
	return VINFER_EXIT_FAIL;
}
