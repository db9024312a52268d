// SPDX-License-Identifier: GPL-2.0
/*
 * vinfer: the command line of operators and auditors.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "measure", cmd_measure, "FILE...: have the kernel measure files into the log" },
	{ "seal", cmd_seal, "close the current batch and extend it into the TPM PCR" },
	{ "log", cmd_log, "[--binary FILE] [--replay]: print and replay the log" },
	{ "trace", cmd_trace, "[--json] [--exact] [--cgroup PATH | --pid PID | -- CMD...]" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: vinfer COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nexit status: 0 success, 1 failure, 2 usage error\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return VINFER_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return VINFER_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vinfer: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return VINFER_EXIT_USAGE;
}
