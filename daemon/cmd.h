/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Subcommands of the vinfer CLI. Each takes the arguments after its own name
 * (argv[0] is the subcommand) and returns the process exit status:
 *   0 success, 1 the operation failed, 2 usage error.
 */
#ifndef VINFER_CMD_H
#define VINFER_CMD_H

#include <stddef.h>
#include <stdint.h>

enum {
	VINFER_EXIT_OK = 0,
	VINFER_EXIT_FAIL = 1,
	VINFER_EXIT_USAGE = 2,
};

int cmd_measure(int argc, char **argv);
int cmd_seal(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_export_quote(int argc, char **argv);
int cmd_prove(int argc, char **argv);
int cmd_check_proof(int argc, char **argv);
int cmd_registrar(int argc, char **argv);
int cmd_activate(int argc, char **argv);
int cmd_tpm_keys(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_epochs(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_close_epoch(int argc, char **argv);
int cmd_request(int argc, char **argv);

/* Shared by subcommands: reads a small binary file, or says why not. */
int cmd_read_small(const char *what, const char *path, uint8_t *buf, size_t cap, size_t *len);
int cmd_register(int argc, char **argv);
int cmd_chain(int argc, char **argv);
int cmd_reputation(int argc, char **argv);

#endif
