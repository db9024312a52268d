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
	{ "verify", cmd_verify, "FILE [--ak-policy PEM|NAME] [--registrar PEM] [--require-activation] [--allow-no-tpm] [--json]: check an attestation (exit 3: unreadable)" },
	{ "export-quote", cmd_export_quote, "FILE DIR: the quote as tpm2_checkquote reads it" },
	{ "prove", cmd_prove, "FILE (IN:OUT | --input F --output F | --index N): a request's inclusion proof" },
	{ "check-proof", cmd_check_proof, "PROOF.json (--doc FILE | --root HEX): check an inclusion proof" },
	{ "registrar", cmd_registrar, "keygen|challenge|endorse ...: credential activation, registrar side" },
	{ "activate", cmd_activate, "--tcti T --blob F --secret F: answer a registrar's challenge" },
	{ "tpm-keys", cmd_tpm_keys, "--tcti T -o DIR: provision EK and AK, write their public parts" },
	{ "status", cmd_status, "[--json]: what the running vinferd is doing" },
	{ "epochs", cmd_epochs, "[WORKLOAD] [--json]: the epochs vinferd attested" },
	{ "show", cmd_show, "AGENT-WORKLOAD-EPOCH [--json]: one attestation" },
	{ "close-epoch", cmd_close_epoch, "[WORKLOAD]: close the open epoch now (root or group)" },
	{ "request", cmd_request, "--input FILE --output FILE: record a served request's digests" },
	{ "register", cmd_register, "--uri URI --keys DIR --activation FILE: register the agent on chain" },
	{ "chain", cmd_chain, "status [--spool DIR]: the node, the wallet and the outbox" },
	{ "reputation", cmd_reputation, "AGENT: an agent's score, epochs, stake, slashed" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: vinfer COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
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
