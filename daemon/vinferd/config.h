/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vinferd's configuration as the daemon uses it: the file is parsed by
 * lib/conf.c (struct vinferd_config); what needs the running system is
 * checked here: the module's PCR, the workload cgroups, the activation.
 * Also the daemon's exit codes and its one logging function.
 */
#ifndef VINFERD_CONFIG_H
#define VINFERD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"

/* Exit status of vinferd (documented in its usage text). */
enum {
	VINFERD_EXIT_OK = 0,
	VINFERD_EXIT_FAIL = 1,		/* an epoch or the spool failed at run time */
	VINFERD_EXIT_USAGE = 2,		/* bad option or configuration */
	VINFERD_EXIT_SYSTEM = 3,	/* vinfer.ko, securityfs, TPM or cgroup missing */
};

#define VINFER_MODULE_PCR	"/sys/module/vinfer/parameters/pcr"
#define VINFER_STATE_FILE	"/sys/kernel/security/vinfer/state"
#define VINFER_BINARY_FILE	"/sys/kernel/security/vinfer/binary_measurements"

enum { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };
extern int vinferd_log_level;
/* "vinferd: error: ...", "vinferd: ..." (info), "vinferd: debug: ..." on stderr. */
void vinferd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The registrar's endorsement of the AK (spec: document "activation"). */
struct vinferd_activation {
	bool present;
	uint8_t x[32], y[32], r[32], s[32];
};

#define CONFIG_ERR_MAX 512

/* The module's PCR parameter must equal [tpm] pcr (skipped when absent). */
int config_check_module_pcr(const struct vinferd_config *c, char err[CONFIG_ERR_MAX]);
/* A cgroup v2 directory's id: the inode number of the directory. */
int config_cgroup_id(const char *path, uint64_t *id, char err[CONFIG_ERR_MAX]);
/* The activation JSON: {"registrarX", "registrarY", "r", "s"} as 64 hex digits. */
int config_load_activation(const char *path, struct vinferd_activation *a,
			   char err[CONFIG_ERR_MAX]);
/* "key: value" of the module's state file; -ENOENT when absent. */
int config_module_state(const char *key, char *out, size_t size);

#endif
