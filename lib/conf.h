/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vinferd's configuration file (/etc/vinfer/vinferd.conf, etc/vinferd.conf
 * documents every key): INI with "[section]", "key = value" and whole-line
 * "#" comments.  The parser is strict: an unknown section or key, a
 * duplicate key or a bad value is an error naming the file, the line, the
 * key and the value, e.g.
 *
 *	vinferd.conf:12: [epoch] period = 'abc': not a number of seconds
 *
 * It checks values only as text; what needs the running system (the cgroup
 * directories exist, the module's PCR, the activation file) is checked by
 * the daemon (daemon/vinferd/config.c).
 */
#ifndef VINFER_CONF_H
#define VINFER_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_ERR_MAX		512
#define CONF_MAX_WORKLOADS	64
#define CONF_DEFAULT_PATH	"/etc/vinfer/vinferd.conf"

enum conf_probes {
	CONF_PROBES_SAMPLED = 0,
	CONF_PROBES_EXACT,
	CONF_PROBES_OFF,
};

enum conf_block {
	CONF_BLOCK_CHAIN = 0,	/* a recent block from [chain] rpc */
	CONF_BLOCK_NONE,	/* zeros: no freshness */
};

struct vinferd_config {
	/* [tpm] */
	char *tcti;			/* "none": no TPM, NO_TPM documents */
	uint32_t ak_handle;
	uint32_t pcr;
	char *activation;		/* NULL: none */
	/* [agent] */
	uint8_t agent_id[32];		/* uint256, big-endian */
	char *agent_dec;		/* as written */
	/* [workload] */
	char *cgroups[CONF_MAX_WORKLOADS];
	size_t n_cgroups;
	/* [epoch]: 0 turns a trigger off */
	uint64_t period;		/* seconds */
	uint64_t records;
	/* [probes] */
	enum conf_probes probes;
	/* [spool] */
	char *spool_dir;
	/* [metrics]: NULL when off */
	char *metrics_listen;
	char metrics_host[64];
	uint16_t metrics_port;
	/* [control] */
	char *control_socket;
	/* [chain]: rpc NULL when not publishing */
	char *chain_rpc;
	uint64_t chain_id;
	uint8_t registry[20];
	bool has_registry;
	uint32_t confirmations;
	enum conf_block block;
	/* [wallet] */
	char *keystore;
	char *password_file;
};

/* Defaults for every key; agent id unset. */
int vinferd_config_init(struct vinferd_config *c);
/*
 * Parses buf (len bytes; name is used in messages) over the defaults in c.
 * On error c is left freed and err says why; -EINVAL.
 */
int vinferd_config_parse(const char *buf, size_t len, const char *name,
			 struct vinferd_config *c, char err[CONF_ERR_MAX]);
/* Reads and parses path; -errno with err naming the file when unreadable. */
int vinferd_config_load(const char *path, struct vinferd_config *c, char err[CONF_ERR_MAX]);
void vinferd_config_free(struct vinferd_config *c);

const char *conf_probes_name(enum conf_probes p);

#endif
