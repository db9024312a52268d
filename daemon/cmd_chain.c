// SPDX-License-Identifier: GPL-2.0
/*
 * The chain from the command line:
 *
 *   vinfer register --uri URI (--keys DIR --activation FILE | --attestation DOC |
 *       --ak-x H --ak-y H --host-id H --end-r H --end-s H) [--stake WEI] [--wait S] [CHAIN]
 *       registerAgent() with the AK, host and registrar endorsement (taken
 *       from an attestation document, or given as hex); prints the agent id
 *   vinfer chain status [--spool DIR] [CHAIN]
 *       the node (chain id, latest block), the wallet (nonces, balance) and
 *       the outbox (attestations by publishing state)
 *   vinfer reputation AGENT [CHAIN]
 *       score, epochs, stake and slashed of an agent
 *
 * CHAIN: --config FILE (default /etc/vinfer/vinferd.conf when present) and
 * overrides --rpc URL --chain-id N --registry ADDR --keystore FILE
 * --password-file FILE.
 *
 * Exit status: 0 success, 1 failure (the node unreachable, a revert, whose
 * decoded error is printed), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "abi.h"
#include "attest.h"
#include "cmd.h"
#include "conf.h"
#include "ethtx.h"
#include "keccak.h"
#include "keystore.h"
#include "publish.h"
#include "rpc.h"
#include "tpms.h"

struct chain_opts {
	struct vinferd_config conf;
	bool have_conf;
	const char *rpc, *keystore, *password_file, *spool;
	uint64_t chain_id;
	uint8_t registry[20];
	bool has_registry;
};

enum {
	OPT_CONFIG = 256, OPT_RPC, OPT_CHAIN_ID, OPT_REGISTRY, OPT_KEYSTORE, OPT_PASSWORD,
	OPT_SPOOL, OPT_URI, OPT_ATTEST, OPT_AKX, OPT_AKY, OPT_HOST, OPT_ENDR, OPT_ENDS,
	OPT_STAKE, OPT_WAIT, OPT_KEYS, OPT_ACTIVATION,
};

static const struct option chain_options[] = {
	{ "config", 1, 0, OPT_CONFIG }, { "rpc", 1, 0, OPT_RPC },
	{ "chain-id", 1, 0, OPT_CHAIN_ID }, { "registry", 1, 0, OPT_REGISTRY },
	{ "keystore", 1, 0, OPT_KEYSTORE }, { "password-file", 1, 0, OPT_PASSWORD },
	{ "spool", 1, 0, OPT_SPOOL }, { "uri", 1, 0, OPT_URI },
	{ "attestation", 1, 0, OPT_ATTEST }, { "ak-x", 1, 0, OPT_AKX },
	{ "ak-y", 1, 0, OPT_AKY }, { "host-id", 1, 0, OPT_HOST }, { "end-r", 1, 0, OPT_ENDR },
	{ "end-s", 1, 0, OPT_ENDS }, { "stake", 1, 0, OPT_STAKE }, { "wait", 1, 0, OPT_WAIT },
	{ "keys", 1, 0, OPT_KEYS }, { "activation", 1, 0, OPT_ACTIVATION },
	{ 0 },
};

static int hex32(const char *what, const char *s, uint8_t out[32])
{
	size_t i;

	if (!strncmp(s, "0x", 2))
		s += 2;
	if (strlen(s) != 64)
		goto bad;
	for (i = 0; i < 32; i++)
		if (sscanf(s + 2 * i, "%2hhx", &out[i]) != 1)
			goto bad;
	return 0;
bad:
	fprintf(stderr, "vinfer: %s '%s': want 32 bytes of hex\n", what, s);
	return -1;
}

static int parse_u64(const char *what, const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "vinfer: %s '%s': want a decimal number\n", what, s);
		return -1;
	}
	return 0;
}

/* One chain option; 1 when opt is not one of them, -1 on a bad value. */
static int chain_opt(struct chain_opts *o, int opt, const char *arg)
{
	char err[CONF_ERR_MAX > ETHTX_ERR_MAX ? CONF_ERR_MAX : ETHTX_ERR_MAX];

	switch (opt) {
	case OPT_CONFIG:
		if (o->have_conf)
			vinferd_config_free(&o->conf);
		if (vinferd_config_load(arg, &o->conf, err)) {
			fprintf(stderr, "vinfer: %s\n", err);
			return -1;
		}
		o->have_conf = true;
		return 0;
	case OPT_RPC: o->rpc = arg; return 0;
	case OPT_CHAIN_ID: return parse_u64("--chain-id", arg, &o->chain_id);
	case OPT_REGISTRY:
		if (ethtx_address_parse(arg, o->registry, err)) {
			fprintf(stderr, "vinfer: --registry: %s\n", err);
			return -1;
		}
		o->has_registry = true;
		return 0;
	case OPT_KEYSTORE: o->keystore = arg; return 0;
	case OPT_PASSWORD: o->password_file = arg; return 0;
	case OPT_SPOOL: o->spool = arg; return 0;
	}
	return 1;
}

/* Fills what the options left open from the configuration file. */
static void chain_defaults(struct chain_opts *o, bool explicit_config)
{
	char err[CONF_ERR_MAX];

	if (!o->have_conf && !explicit_config && !access(CONF_DEFAULT_PATH, R_OK) &&
	    !vinferd_config_load(CONF_DEFAULT_PATH, &o->conf, err))
		o->have_conf = true;
	if (!o->have_conf)
		return;
	if (!o->rpc)
		o->rpc = o->conf.chain_rpc;
	if (!o->chain_id)
		o->chain_id = o->conf.chain_id;
	if (!o->has_registry && o->conf.has_registry) {
		memcpy(o->registry, o->conf.registry, 20);
		o->has_registry = true;
	}
	if (!o->keystore)
		o->keystore = o->conf.keystore;
	if (!o->password_file)
		o->password_file = o->conf.password_file;
	if (!o->spool)
		o->spool = o->conf.spool_dir;
}

static void chain_free(struct chain_opts *o)
{
	if (o->have_conf)
		vinferd_config_free(&o->conf);
}

/*
 * --keys DIR (ek.pub and ak.pub as `vinfer tpm-keys` writes them) and
 * --activation FILE (the registrar's activation.json): the AK's point, the
 * host id (SHA-256 of the EK public area) and the endorsement's r, s.
 */
static int load_registration(const char *dir, const char *activation, uint8_t akx[32],
			     uint8_t aky[32], uint8_t host[32], uint8_t endr[32], uint8_t ends[32])
{
	static const char *const keys[] = { "registrarX", "registrarY", "r", "s" };
	uint8_t buf[1024], name[34], x[32], y[32], *outs[4] = { x, y, endr, ends };
	char path[4096], err[TPMS_ERR_MAX];
	struct json_object *j, *v;
	size_t len, i;
	bool rs;

	snprintf(path, sizeof(path), "%s/ak.pub", dir);
	if (cmd_read_small("--keys", path, buf, sizeof(buf), &len))
		return -1;
	if (tpms_parse_ecc_public(buf, len, akx, aky, name, &rs, err)) {
		fprintf(stderr, "vinfer register: %s: %s\n", path, err);
		return -1;
	}
	if (!rs) {
		fprintf(stderr, "vinfer register: %s: not a restricted signing key\n", path);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/ek.pub", dir);
	if (cmd_read_small("--keys", path, buf, sizeof(buf), &len))
		return -1;
	SHA256(buf, len, host);

	j = json_object_from_file(activation);
	if (!j || !json_object_is_type(j, json_type_object)) {
		fprintf(stderr, "vinfer register: %s: not a JSON object\n", activation);
		json_object_put(j);
		return -1;
	}
	for (i = 0; i < 4; i++) {
		char what[64];

		snprintf(what, sizeof(what), "%s: %s", activation, keys[i]);
		if (!json_object_object_get_ex(j, keys[i], &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    hex32(what, json_object_get_string(v), outs[i])) {
			fprintf(stderr, "vinfer register: %s: missing or not 64 hex digits\n", what);
			json_object_put(j);
			return -1;
		}
	}
	json_object_put(j);
	return 0;
}

static int need(const char *cmd, const char *what, bool ok)
{
	if (!ok)
		fprintf(stderr, "vinfer %s: %s is not set (option or configuration file)\n", cmd, what);
	return ok ? 0 : -1;
}

static int open_rpc(struct chain_opts *o, struct rpc *r)
{
	char err[RPC_ERR_MAX];

	if (rpc_open(r, o->rpc, 0, 0, err)) {
		fprintf(stderr, "vinfer: %s\n", err);
		return -1;
	}
	return 0;
}

static int load_key(struct chain_opts *o, uint8_t key[32], uint8_t addr[20])
{
	char err[KEYSTORE_ERR_MAX], *pw;
	size_t len;
	int ret;

	if (keystore_password_read(o->password_file, &pw, &len, err)) {
		fprintf(stderr, "vinfer: %s\n", err);
		return -1;
	}
	ret = keystore_read(o->keystore, pw, len, key, addr, err);
	keystore_password_free(pw, len);
	if (ret)
		fprintf(stderr, "vinfer: %s\n", err);
	return ret ? -1 : 0;
}

static void print_revert(const char *cmd, const struct rpc_error *e, const char *err)
{
	char name[ABI_REVERT_MAX];

	if (e->has_data || e->code == 3) {
		abi_revert_name(e->data, e->has_data ? e->data_len : 0, publish_contract_errors,
				publish_contract_errors_n, name);
		fprintf(stderr, "vinfer %s: the contract refuses: %s\n", cmd, name);
	} else {
		fprintf(stderr, "vinfer %s: %s\n", cmd, err);
	}
}

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

int cmd_register(int argc, char **argv)
{
	uint8_t akx[32], aky[32], host[32], endr[32], ends[32], stake[32] = { 0 };
	uint8_t key[32], addr[20], *data = NULL, *ret_buf = NULL, topic[32], agent[32];
	bool have[5] = { false }, from_doc = false;
	const char *uri = NULL, *doc_path = NULL, *keys_dir = NULL, *activation = NULL;
	struct chain_opts o = { 0 };
	struct rpc r = { 0 };
	struct rpc_error rerr;
	struct rpc_receipt rc;
	struct ethtx_signed s = { 0 };
	char err[RPC_ERR_MAX > ATTEST_ERR_MAX ? RPC_ERR_MAX : ATTEST_ERR_MAX], dec[80], h[67];
	uint64_t wait_s = 60, v, gas, tip, base, nonce, chain, deadline;
	size_t len, ret_len;
	int opt, rv = VINFER_EXIT_FAIL, x;

	while ((opt = getopt_long(argc, argv, "", chain_options, NULL)) != -1) {
		x = chain_opt(&o, opt, optarg);
		if (x < 0)
			goto usage;
		if (!x)
			continue;
		switch (opt) {
		case OPT_URI: uri = optarg; break;
		case OPT_ATTEST: doc_path = optarg; break;
		case OPT_KEYS: keys_dir = optarg; break;
		case OPT_ACTIVATION: activation = optarg; break;
		case OPT_AKX: have[0] = !hex32("--ak-x", optarg, akx); if (!have[0]) goto usage; break;
		case OPT_AKY: have[1] = !hex32("--ak-y", optarg, aky); if (!have[1]) goto usage; break;
		case OPT_HOST: have[2] = !hex32("--host-id", optarg, host); if (!have[2]) goto usage; break;
		case OPT_ENDR: have[3] = !hex32("--end-r", optarg, endr); if (!have[3]) goto usage; break;
		case OPT_ENDS: have[4] = !hex32("--end-s", optarg, ends); if (!have[4]) goto usage; break;
		case OPT_STAKE:
			if (parse_u64("--stake", optarg, &v))
				goto usage;
			for (int i = 0; i < 8; i++)
				stake[31 - i] = (uint8_t)(v >> (8 * i));
			break;
		case OPT_WAIT:
			if (parse_u64("--wait", optarg, &wait_s))
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || !uri)
		goto usage;
	if (doc_path) {
		struct attest_doc d;

		if (attest_read_file(doc_path, &d, err)) {
			fprintf(stderr, "vinfer register: %s\n", err);
			goto out;
		}
		if (!d.has_quote || !d.has_activation) {
			fprintf(stderr, "vinfer register: %s: %s\n", doc_path,
				!d.has_quote ? "no TPM (NO_TPM document): nothing to register" :
				"predicate.activation is null: no registrar endorsement");
			attest_free(&d);
			goto out;
		}
		memcpy(akx, d.ak_x, 32);
		memcpy(aky, d.ak_y, 32);
		memcpy(host, d.claims.host_id, 32);
		memcpy(endr, d.reg_r, 32);
		memcpy(ends, d.reg_s, 32);
		attest_free(&d);
		from_doc = true;
	}
	if (keys_dir || activation) {
		if (!keys_dir || !activation || doc_path) {
			fprintf(stderr, "vinfer register: --keys and --activation go together, "
				"without --attestation\n");
			goto usage;
		}
		if (load_registration(keys_dir, activation, akx, aky, host, endr, ends))
			goto out;
		from_doc = true;
	}
	if (!from_doc && !(have[0] && have[1] && have[2] && have[3] && have[4])) {
		fprintf(stderr, "vinfer register: give --attestation, or all of --ak-x --ak-y "
			"--host-id --end-r --end-s\n");
		goto usage;
	}
	chain_defaults(&o, false);
	if (need("register", "--rpc", o.rpc) || need("register", "--chain-id", o.chain_id) ||
	    need("register", "--registry", o.has_registry) ||
	    need("register", "--keystore", o.keystore) ||
	    need("register", "--password-file", o.password_file))
		goto usage;
	if (load_key(&o, key, addr) || open_rpc(&o, &r))
		goto out;
	{
		struct abi_arg args[] = {
			{ .type = ABI_STRING, .p = (const uint8_t *)uri, .len = strlen(uri) },
			{ .type = ABI_BYTES32, .p = akx }, { .type = ABI_BYTES32, .p = aky },
			{ .type = ABI_BYTES32, .p = host }, { .type = ABI_BYTES32, .p = endr },
			{ .type = ABI_BYTES32, .p = ends },
		};
		char aerr[ABI_ERR_MAX];

		if (abi_encode_call("registerAgent(string,bytes32,bytes32,bytes32,bytes32,bytes32)",
				    args, 6, &data, &len, aerr)) {
			fprintf(stderr, "vinfer register: %s\n", aerr);
			goto out;
		}
	}
	if (rpc_chain_id(&r, &chain, err)) {
		fprintf(stderr, "vinfer register: %s\n", err);
		goto out;
	}
	if (chain != o.chain_id) {
		fprintf(stderr, "vinfer register: %s is chain %" PRIu64 ", configured %" PRIu64 "\n",
			o.rpc, chain, o.chain_id);
		goto out;
	}
	/* ask first: a refusal costs nothing and is named */
	x = rpc_eth_call(&r, addr, o.registry, data, len, stake, "latest", &ret_buf, &ret_len,
			 &rerr, err);
	if (x == -EREMOTEIO) {
		print_revert("register", &rerr, err);
		goto out;
	}
	if (x || abi_ret_word(ret_buf, ret_len, 0, agent, err)) {
		fprintf(stderr, "vinfer register: %s\n", err);
		goto out;
	}
	x = rpc_estimate_gas(&r, addr, o.registry, data, len, stake, &gas, &rerr, err);
	if (!x)
		x = rpc_nonce(&r, addr, "pending", &nonce, err);
	if (!x && rpc_max_priority_fee(&r, &tip, err))
		tip = 1000000000;
	if (!x)
		x = rpc_next_base_fee(&r, &base, err);
	if (x) {
		fprintf(stderr, "vinfer register: %s\n", err);
		goto out;
	}
	{
		struct ethtx tx = {
			.chain_id = o.chain_id, .nonce = nonce, .max_priority_fee = tip,
			.max_fee = 2 * base + tip, .gas = gas + gas / 4, .has_to = true,
			.data = data, .data_len = len,
		};
		char terr[ETHTX_ERR_MAX];
		uint8_t sent[32];

		memcpy(tx.to, o.registry, 20);
		memcpy(tx.value, stake, 32);
		if (ethtx_sign_1559(&tx, key, &s, terr)) {
			fprintf(stderr, "vinfer register: %s\n", terr);
			goto out;
		}
		if (rpc_send_raw(&r, s.raw, s.raw_len, sent, &rerr, err)) {
			fprintf(stderr, "vinfer register: %s\n", err);
			goto out;
		}
	}
	rpc_hex(s.hash, 32, h);
	deadline = now_s() + wait_s;
	for (;;) {
		if (rpc_receipt(&r, s.hash, &rc, err)) {
			fprintf(stderr, "vinfer register: %s\n", err);
			goto out;
		}
		if (rc.found)
			break;
		if (now_s() >= deadline) {
			fprintf(stderr, "vinfer register: %s not mined after %" PRIu64 " s\n", h, wait_s);
			goto out;
		}
		sleep(1);
	}
	if (rc.status != 1) {
		fprintf(stderr, "vinfer register: %s reverted in block %" PRIu64 "\n", h,
			rc.block_number);
		goto out;
	}
	/* the id the chain assigned: the Registered event, else the simulated return */
	keccak256("Registered(uint256,string,address)", 34, topic);
	for (size_t i = 0; i < rc.n_logs && i < RPC_LOGS_MAX; i++)
		if (!memcmp(rc.logs[i].address, o.registry, 20) && rc.logs[i].n_topics >= 2 &&
		    !memcmp(rc.logs[i].topics[0], topic, 32))
			memcpy(agent, rc.logs[i].topics[1], 32);
	abi_uint256_dec(agent, dec);
	printf("agent=%s\ntx=%s\nblock=%" PRIu64 "\n", dec, h, rc.block_number);
	rv = VINFER_EXIT_OK;
	goto out;
usage:
	fprintf(stderr, "usage: vinfer register --uri URI (--keys DIR --activation FILE | "
		"--attestation DOC | --ak-x H --ak-y H --host-id H --end-r H --end-s H) [--stake WEI] [--wait S] [--config F] [--rpc URL] "
		"[--chain-id N] [--registry ADDR] [--keystore F] [--password-file F]\n");
	rv = VINFER_EXIT_USAGE;
out:
	OPENSSL_cleanse(key, sizeof(key));
	ethtx_signed_free(&s);
	free(data);
	free(ret_buf);
	if (r.curl)
		rpc_close(&r);
	chain_free(&o);
	return rv;
}

static int chain_status(int argc, char **argv)
{
	struct chain_opts o = { 0 };
	struct rpc r = { 0 };
	struct rpc_block b;
	struct publish_summary sum;
	char err[RPC_ERR_MAX > PUBLISH_ERR_MAX ? RPC_ERR_MAX : PUBLISH_ERR_MAX], h[67], a[43];
	char dec[80];
	uint8_t key[32], addr[20], wei[32];
	uint64_t id, nl, np;
	int opt, rv = VINFER_EXIT_OK, x;

	while ((opt = getopt_long(argc, argv, "", chain_options, NULL)) != -1)
		if (chain_opt(&o, opt, optarg))
			goto usage;
	if (optind != argc)
		goto usage;
	chain_defaults(&o, false);
	if (need("chain status", "--rpc", o.rpc))
		goto usage;
	if (open_rpc(&o, &r)) {
		rv = VINFER_EXIT_FAIL;
		goto out;
	}
	x = rpc_chain_id(&r, &id, err);
	if (!x)
		x = rpc_latest_block(&r, &b, err);
	if (x) {
		fprintf(stderr, "vinfer chain status: %s\n", err);
		rv = VINFER_EXIT_FAIL;
		goto out;
	}
	rpc_hex(b.hash, 32, h);
	printf("rpc: %s\nchain id: %" PRIu64, o.rpc, id);
	if (o.chain_id && o.chain_id != id) {
		printf(" (configured %" PRIu64 ": WRONG CHAIN)", o.chain_id);
		rv = VINFER_EXIT_FAIL;
	}
	printf("\nlatest block: %" PRIu64 " %s\n", b.number, h);
	if (o.has_registry) {
		ethtx_address_str(o.registry, a);
		printf("registry: %s\n", a);
	}
	if (o.keystore && o.password_file) {
		if (load_key(&o, key, addr)) {
			rv = VINFER_EXIT_FAIL;
			goto out;
		}
		OPENSSL_cleanse(key, sizeof(key));
		ethtx_address_str(addr, a);
		x = rpc_nonce(&r, addr, "latest", &nl, err);
		if (!x)
			x = rpc_nonce(&r, addr, "pending", &np, err);
		if (!x)
			x = rpc_balance(&r, addr, wei, err);
		if (x) {
			fprintf(stderr, "vinfer chain status: %s\n", err);
			rv = VINFER_EXIT_FAIL;
			goto out;
		}
		abi_uint256_dec(wei, dec);
		printf("wallet: %s\nnonce: %" PRIu64 " mined, %" PRIu64 " pending\nbalance: %s wei\n",
		       a, nl, np, dec);
	}
	if (o.spool) {
		if (publish_summary(o.spool, &sum, err)) {
			fprintf(stderr, "vinfer chain status: %s\n", err);
			rv = VINFER_EXIT_FAIL;
			goto out;
		}
		printf("outbox: %zu attestations:", sum.documents);
		for (int i = 0; i < PUBLISH_STATES; i++)
			printf(" %s %zu", publish_state_names[i], sum.count[i]);
		printf("\n");
	}
	goto out;
usage:
	fprintf(stderr, "usage: vinfer chain status [--spool DIR] [--config F] [--rpc URL] "
		"[--chain-id N] [--registry ADDR] [--keystore F] [--password-file F]\n");
	rv = VINFER_EXIT_USAGE;
out:
	if (r.curl)
		rpc_close(&r);
	chain_free(&o);
	return rv;
}

int cmd_chain(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "status")) {
		fprintf(stderr, "usage: vinfer chain status [OPTIONS]\n");
		return VINFER_EXIT_USAGE;
	}
	return chain_status(argc - 1, argv + 1);
}

int cmd_reputation(int argc, char **argv)
{
	struct chain_opts o = { 0 };
	struct rpc r = { 0 };
	struct rpc_error rerr;
	uint8_t agent[32], w[32], *data = NULL, *ret = NULL;
	char err[RPC_ERR_MAX], dec[80];
	uint64_t epochs;
	size_t len, ret_len;
	bool slashed;
	int opt, rv = VINFER_EXIT_FAIL, x;

	while ((opt = getopt_long(argc, argv, "", chain_options, NULL)) != -1)
		if (chain_opt(&o, opt, optarg))
			goto usage;
	if (optind != argc - 1)
		goto usage;
	if (claims_agent_from_dec(argv[optind], agent)) {
		fprintf(stderr, "vinfer reputation: agent '%s': want a decimal uint256\n",
			argv[optind]);
		goto usage;
	}
	chain_defaults(&o, false);
	if (need("reputation", "--rpc", o.rpc) || need("reputation", "--registry", o.has_registry))
		goto usage;
	if (open_rpc(&o, &r))
		goto out;
	{
		struct abi_arg arg = { .type = ABI_UINT256, .p = agent };
		char aerr[ABI_ERR_MAX];

		if (abi_encode_call("reputation(uint256)", &arg, 1, &data, &len, aerr)) {
			fprintf(stderr, "vinfer reputation: %s\n", aerr);
			goto out;
		}
	}
	x = rpc_eth_call(&r, NULL, o.registry, data, len, NULL, "latest", &ret, &ret_len, &rerr,
			 err);
	if (x == -EREMOTEIO) {
		print_revert("reputation", &rerr, err);
		goto out;
	}
	if (x || abi_ret_word(ret, ret_len, 0, w, err) ||
	    abi_ret_uint64(ret, ret_len, 1, &epochs, err) || abi_ret_bool(ret, ret_len, 3, &slashed, err)) {
		fprintf(stderr, "vinfer reputation: %s\n", err);
		goto out;
	}
	abi_uint256_dec(agent, dec);
	printf("agent: %s\n", dec);
	abi_uint256_dec(w, dec);
	printf("score: %s\nepochs: %" PRIu64 "\n", dec, epochs);
	abi_ret_word(ret, ret_len, 2, w, err);
	abi_uint256_dec(w, dec);
	printf("stake: %s wei\nslashed: %s\n", dec, slashed ? "yes" : "no");
	rv = VINFER_EXIT_OK;
	goto out;
usage:
	fprintf(stderr, "usage: vinfer reputation AGENT [--config F] [--rpc URL] [--registry ADDR]\n");
	rv = VINFER_EXIT_USAGE;
out:
	free(data);
	free(ret);
	if (r.curl)
		rpc_close(&r);
	chain_free(&o);
	return rv;
}
