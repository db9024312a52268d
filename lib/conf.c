// SPDX-License-Identifier: GPL-2.0
/*
 * vinferd.conf: the INI parser and the value checks of every key.  One
 * table lists the keys; each has one value parser whose message completes
 * "<file>:<line>: [section] key = 'value': ".
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "claims.h"
#include "conf.h"
#include "tpm.h"

#define CONF_MAX_BYTES		(1 << 20)
#define CONF_MAX_PERIOD		31536000ULL	/* a year */
#define SUN_PATH_MAX		107

/* A value parser: 0, or -1 with why[] completing the message. */
typedef int (*conf_parse_fn)(struct vinferd_config *c, const char *v, char *why, size_t n);

struct conf_key {
	const char *section;
	const char *name;
	conf_parse_fn parse;
	bool repeatable;
};

static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

static int why(char *out, size_t n, const char *msg)
{
	snprintf(out, n, "%s", msg);
	return -1;
}

/* Decimal digits only: no sign, no blanks, no 0x; at most max. */
static int parse_u64(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;

	if (!*v)
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		if (x > (max - (uint64_t)(*v - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*v - '0');
	}
	*out = x;
	return 0;
}

static int parse_path(char **dst, const char *v, char *w, size_t n)
{
	if (v[0] != '/')
		return why(w, n, "not an absolute path");
	return set_str(dst, v) ? why(w, n, "out of memory") : 0;
}

static int p_tcti(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	const char *p;

	if (!*v)
		return why(w, n, "empty (a TCTI such as device:/dev/tpmrm0, or none)");
	for (p = v; *p; p++)
		if (isspace((unsigned char)*p))
			return why(w, n, "a TCTI has no blanks");
	return set_str(&c->tcti, v) ? why(w, n, "out of memory") : 0;
}

static int p_ak_handle(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	unsigned long long h;
	char *end;

	if (strncmp(v, "0x", 2) || !isxdigit((unsigned char)v[2]))
		return why(w, n, "not " TPM_AK_HANDLE_RULE);
	errno = 0;
	h = strtoull(v + 2, &end, 16);
	if (errno || *end || !tpm_ak_handle_ok(h))
		return why(w, n, "not " TPM_AK_HANDLE_RULE);
	c->ak_handle = (uint32_t)h;
	return 0;
}

/* The PCRs vinfer.ko accepts: not firmware (0-7), IMA (10) or resettable (16-23). */
static int p_pcr(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	uint64_t p;

	if (parse_u64(v, 23, &p) || p <= 7 || p == 10 || p >= 16)
		return why(w, n, "not a PCR vinfer may use (8, 9, 11-15)");
	c->pcr = (uint32_t)p;
	return 0;
}

static int p_activation(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	return parse_path(&c->activation, v, w, n);
}

static int p_agent_id(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	const char *p;

	for (p = v; *p; p++)
		if (*p < '0' || *p > '9')
			break;
	if (!*v || *p || claims_agent_from_dec(v, c->agent_id))
		return why(w, n, "not a decimal uint256 agent id");
	return set_str(&c->agent_dec, v) ? why(w, n, "out of memory") : 0;
}

static int p_cgroup(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	size_t i;

	if (v[0] != '/')
		return why(w, n, "not an absolute path");
	for (i = 0; i < c->n_cgroups; i++)
		if (!strcmp(c->cgroups[i], v))
			return why(w, n, "listed twice");
	if (c->n_cgroups == CONF_MAX_WORKLOADS)
		return why(w, n, "more than 64 workloads");
	c->cgroups[c->n_cgroups] = strdup(v);
	if (!c->cgroups[c->n_cgroups])
		return why(w, n, "out of memory");
	c->n_cgroups++;
	return 0;
}

static int p_period(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	if (parse_u64(v, UINT64_MAX, &c->period))
		return why(w, n, "not a number of seconds");
	if (c->period > CONF_MAX_PERIOD)
		return why(w, n, "more than a year (31536000 seconds)");
	return 0;
}

static int p_records(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	if (parse_u64(v, UINT32_MAX, &c->records))
		return why(w, n, "not a number of records (0 to 4294967295)");
	return 0;
}

static int p_probes(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	if (!strcmp(v, "sampled"))
		c->probes = CONF_PROBES_SAMPLED;
	else if (!strcmp(v, "exact"))
		c->probes = CONF_PROBES_EXACT;
	else if (!strcmp(v, "off"))
		c->probes = CONF_PROBES_OFF;
	else
		return why(w, n, "expected sampled, exact or off");
	return 0;
}

static int p_spool(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	return parse_path(&c->spool_dir, v, w, n);
}

/* HOST:PORT with HOST an IPv4 address, a name, or [IPv6]; or "off". */
static int p_listen(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	const char *colon, *host = v;
	size_t hlen;
	uint64_t port;

	if (!strcmp(v, "off")) {
		free(c->metrics_listen);
		c->metrics_listen = NULL;
		return 0;
	}
	colon = strrchr(v, ':');
	if (!colon || parse_u64(colon + 1, 65535, &port) || port == 0)
		return why(w, n, "expected HOST:PORT (port 1-65535) or off");
	hlen = (size_t)(colon - v);
	if (hlen >= 2 && v[0] == '[' && v[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(c->metrics_host) || memchr(host, '[', hlen) ||
	    memchr(host, ']', hlen))
		return why(w, n, "expected HOST:PORT (port 1-65535) or off");
	memcpy(c->metrics_host, host, hlen);
	c->metrics_host[hlen] = '\0';
	c->metrics_port = (uint16_t)port;
	return set_str(&c->metrics_listen, v) ? why(w, n, "out of memory") : 0;
}

static int p_socket(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	if (strlen(v) > SUN_PATH_MAX)
		return why(w, n, "longer than a socket path may be (107 bytes)");
	return parse_path(&c->control_socket, v, w, n);
}

static int p_rpc(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	if (!*v) {
		free(c->chain_rpc);
		c->chain_rpc = NULL;
		return 0;
	}
	if ((strncmp(v, "http://", 7) || !v[7]) && (strncmp(v, "https://", 8) || !v[8]))
		return why(w, n, "expected an http:// or https:// URL, or nothing");
	return set_str(&c->chain_rpc, v) ? why(w, n, "out of memory") : 0;
}

static int p_chain_id(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	if (parse_u64(v, UINT64_MAX, &c->chain_id) || c->chain_id == 0)
		return why(w, n, "not a chain id (a decimal number from 1)");
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

static int p_registry(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	int i;

	if (strncmp(v, "0x", 2) || strlen(v) != 42)
		return why(w, n, "not a 0x address (40 hex digits)");
	for (i = 0; i < 20; i++) {
		int hi = hexval(v[2 + 2 * i]), lo = hexval(v[3 + 2 * i]);

		if (hi < 0 || lo < 0)
			return why(w, n, "not a 0x address (40 hex digits)");
		c->registry[i] = (uint8_t)(hi << 4 | lo);
	}
	c->has_registry = true;
	return 0;
}

static int p_confirmations(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	uint64_t x;

	if (parse_u64(v, 1000, &x))
		return why(w, n, "not a number of blocks (0 to 1000)");
	c->confirmations = (uint32_t)x;
	return 0;
}

static int p_block(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	if (!strcmp(v, "chain"))
		c->block = CONF_BLOCK_CHAIN;
	else if (!strcmp(v, "none"))
		c->block = CONF_BLOCK_NONE;
	else
		return why(w, n, "expected chain or none");
	return 0;
}

static int p_keystore(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	return parse_path(&c->keystore, v, w, n);
}

static int p_password(struct vinferd_config *c, const char *v, char *w, size_t n)
{
	return parse_path(&c->password_file, v, w, n);
}

static const struct conf_key keys[] = {
	{ "tpm", "tcti", p_tcti, false },
	{ "tpm", "ak_handle", p_ak_handle, false },
	{ "tpm", "pcr", p_pcr, false },
	{ "tpm", "activation", p_activation, false },
	{ "agent", "id", p_agent_id, false },
	{ "workload", "cgroup", p_cgroup, true },
	{ "epoch", "period", p_period, false },
	{ "epoch", "records", p_records, false },
	{ "probes", "mode", p_probes, false },
	{ "spool", "dir", p_spool, false },
	{ "metrics", "listen", p_listen, false },
	{ "control", "socket", p_socket, false },
	{ "chain", "rpc", p_rpc, false },
	{ "chain", "chain_id", p_chain_id, false },
	{ "chain", "registry", p_registry, false },
	{ "chain", "confirmations", p_confirmations, false },
	{ "chain", "block", p_block, false },
	{ "wallet", "keystore", p_keystore, false },
	{ "wallet", "password_file", p_password, false },
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

const char *conf_probes_name(enum conf_probes p)
{
	switch (p) {
	case CONF_PROBES_SAMPLED: return "sampled";
	case CONF_PROBES_EXACT: return "exact";
	case CONF_PROBES_OFF: return "off";
	}
	return "?";
}

void vinferd_config_free(struct vinferd_config *c)
{
	size_t i;

	free(c->tcti);
	free(c->activation);
	free(c->agent_dec);
	for (i = 0; i < c->n_cgroups; i++)
		free(c->cgroups[i]);
	free(c->spool_dir);
	free(c->metrics_listen);
	free(c->control_socket);
	free(c->chain_rpc);
	free(c->keystore);
	free(c->password_file);
	memset(c, 0, sizeof(*c));
}

int vinferd_config_init(struct vinferd_config *c)
{
	char w[8];

	memset(c, 0, sizeof(*c));
	c->ak_handle = 0x81010002U;
	c->pcr = 13;
	c->period = 300;
	c->records = 10000;
	c->probes = CONF_PROBES_SAMPLED;
	c->confirmations = 2;
	c->block = CONF_BLOCK_NONE;
	if (set_str(&c->tcti, "device:/dev/tpmrm0") ||
	    set_str(&c->spool_dir, "/var/lib/vinfer/spool") ||
	    set_str(&c->control_socket, "/run/vinfer/vinferd.sock") ||
	    p_listen(c, "127.0.0.1:9464", w, sizeof(w))) {
		vinferd_config_free(c);
		return -ENOMEM;
	}
	return 0;
}

static int conf_fail(struct vinferd_config *c, char err[CONF_ERR_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, CONF_ERR_MAX, fmt, ap);
	va_end(ap);
	vinferd_config_free(c);
	return -EINVAL;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static bool known_section(const char *s)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++)
		if (!strcmp(keys[i].section, s))
			return true;
	return false;
}

/* Cross-key rules, once the whole file is read. */
static int conf_check(struct vinferd_config *c, const char *name, bool block_set,
		      char err[CONF_ERR_MAX])
{
	if (!c->agent_dec)
		return conf_fail(c, err, "%s: [agent] id: missing (the agent's id in the registry)",
				 name);
	if (!block_set)
		c->block = c->chain_rpc ? CONF_BLOCK_CHAIN : CONF_BLOCK_NONE;
	if (c->block == CONF_BLOCK_CHAIN && !c->chain_rpc)
		return conf_fail(c, err, "%s: [chain] block = chain needs [chain] rpc", name);
	if (c->chain_rpc && !c->chain_id)
		return conf_fail(c, err, "%s: [chain] rpc is set but [chain] chain_id is missing",
				 name);
	if (c->chain_rpc && !c->has_registry)
		return conf_fail(c, err, "%s: [chain] rpc is set but [chain] registry is missing",
				 name);
	return 0;
}

int vinferd_config_parse(const char *buf, size_t len, const char *name,
			 struct vinferd_config *c, char err[CONF_ERR_MAX])
{
	unsigned int first_line[N_KEYS] = { 0 };
	char section[32] = "", *copy, *line, *next;
	unsigned int lineno = 0;
	bool block_set = false;
	int ret = 0;

	if (memchr(buf, '\0', len))
		return conf_fail(c, err, "%s: a NUL byte: not a text file", name);
	copy = strndup(buf, len);
	if (!copy) {
		vinferd_config_free(c);
		return -ENOMEM;
	}
	for (line = copy; line && !ret; line = next) {
		char *s, *eq, *key, *val, w[128];
		size_t i;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		if (*s == '[') {
			char *e = s + strlen(s) - 1;

			if (*e != ']' || e == s + 1) {
				ret = conf_fail(c, err, "%s:%u: '%s': expected '[section]'", name,
						lineno, s);
				break;
			}
			*e = '\0';
			s = trim(s + 1);
			if (!known_section(s) || strlen(s) >= sizeof(section)) {
				ret = conf_fail(c, err, "%s:%u: [%s]: unknown section", name, lineno, s);
				break;
			}
			strcpy(section, s);
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			ret = conf_fail(c, err, "%s:%u: '%s': expected 'key = value' or '[section]'",
					name, lineno, s);
			break;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		if (!*section) {
			ret = conf_fail(c, err, "%s:%u: %s: a key before any [section]", name,
					lineno, key);
			break;
		}
		for (i = 0; i < N_KEYS; i++)
			if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, key))
				break;
		if (i == N_KEYS) {
			ret = conf_fail(c, err, "%s:%u: [%s] %s: unknown key", name, lineno, section,
					key);
			break;
		}
		if (first_line[i] && !keys[i].repeatable) {
			ret = conf_fail(c, err, "%s:%u: [%s] %s: duplicate key (first on line %u)",
					name, lineno, section, key, first_line[i]);
			break;
		}
		if (keys[i].parse(c, val, w, sizeof(w))) {
			ret = conf_fail(c, err, "%s:%u: [%s] %s = '%s': %s", name, lineno, section,
					key, val, w);
			break;
		}
		if (keys[i].parse == p_block)
			block_set = true;
		if (!first_line[i])
			first_line[i] = lineno;
	}
	free(copy);
	if (ret)
		return ret;
	return conf_check(c, name, block_set, err);
}

int vinferd_config_load(const char *path, struct vinferd_config *c, char err[CONF_ERR_MAX])
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, CONF_ERR_MAX, "%s: %s", path, strerror(errno));
		vinferd_config_free(c);
		return ret;
	}
	buf = malloc(CONF_MAX_BYTES + 1);
	if (!buf) {
		close(fd);
		vinferd_config_free(c);
		return -ENOMEM;
	}
	while ((n = read(fd, buf + len, CONF_MAX_BYTES + 1 - len)) > 0)
		len += (size_t)n;
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret) {
		snprintf(err, CONF_ERR_MAX, "%s: %s", path, strerror(-ret));
		free(buf);
		vinferd_config_free(c);
		return ret;
	}
	if (len > CONF_MAX_BYTES) {
		snprintf(err, CONF_ERR_MAX, "%s: larger than 1 MiB: not a configuration file", path);
		free(buf);
		vinferd_config_free(c);
		return -EFBIG;
	}
	ret = vinferd_config_parse(buf, len, path, c, err);
	free(buf);
	return ret;
}
