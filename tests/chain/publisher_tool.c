// SPDX-License-Identifier: GPL-2.0
/*
 * The publisher test's helper (tests/chain/publisher.sh):
 *
 *   publisher_tool sign KEY CHAINID NONCE TIP MAXFEE GAS TO VALUE DATA
 *       sign a type-2 transaction; prints raw=, hash=, from=
 *   publisher_tool gen DIR AGENT WORKLOAD EPOCH [noquote]
 *       write an attestation document (any bytes for the quote) to the spool
 *   publisher_tool keystore-write FILE PASSWORD-FILE KEY [scrypt N | pbkdf2 C]
 *   publisher_tool keystore-read FILE PASSWORD-FILE      prints the address
 *   publisher_tool selector SIGNATURE                    prints 0x + 4 bytes
 *   publisher_tool calldata submit CLAIMS ATTEST R S
 *   publisher_tool calldata registerAgent URI AKX AKY HOSTID ENDR ENDS
 *       the call data vinfer sends, for comparison with cast calldata
 *   publisher_tool drive OPTIONS                         run the publisher
 *       --rpc URL --chain-id N --registry ADDR --keystore F --password-file F
 *       --spool DIR [--confirmations N] [--stuck-ms MS] [--timeout S]
 *       [--total-ms MS] [--backoff-max-ms MS]
 *       [--crash-after-reserved K]   SIGKILL itself once K transactions were
 *                                    reserved (journal written, not yet sent)
 *       exit 0 when nothing is left to do, 3 on timeout
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "abi.h"
#include "attest.h"
#include "claims.h"
#include "ethtx.h"
#include "keccak.h"
#include "keystore.h"
#include "publish.h"
#include "rpc.h"
#include "spool.h"

static int unhex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n;

	if (!strncmp(s, "0x", 2))
		s += 2;
	n = strlen(s);
	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++)
		if (sscanf(s + 2 * i, "%2hhx", &out[i]) != 1)
			return -1;
	*len = n / 2;
	return 0;
}

static int key_arg(const char *s, uint8_t key[32])
{
	size_t n;

	if (unhex(s, key, 32, &n) || n != 32) {
		fprintf(stderr, "key: want 32 bytes of hex\n");
		return -1;
	}
	return 0;
}

static int cmd_sign(int argc, char **argv)
{
	static uint8_t data[65536];
	struct ethtx tx = { .has_to = true };
	struct ethtx_signed s;
	uint8_t key[32], from[20];
	char err[ETHTX_ERR_MAX], *hex, addr[43];
	unsigned long long v;
	size_t n;

	if (argc != 10 || key_arg(argv[1], key))
		return 2;
	tx.chain_id = strtoull(argv[2], NULL, 0);
	tx.nonce = strtoull(argv[3], NULL, 0);
	tx.max_priority_fee = strtoull(argv[4], NULL, 0);
	tx.max_fee = strtoull(argv[5], NULL, 0);
	tx.gas = strtoull(argv[6], NULL, 0);
	if (ethtx_address_parse(argv[7], tx.to, err)) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	v = strtoull(argv[8], NULL, 0);
	for (int i = 0; i < 8; i++)
		tx.value[31 - i] = (uint8_t)(v >> (8 * i));
	if (unhex(argv[9], data, sizeof(data), &n))
		return 2;
	tx.data = data;
	tx.data_len = n;
	if (ethtx_sign_1559(&tx, key, &s, err) || ethtx_address(key, from, err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	hex = malloc(2 * s.raw_len + 3);
	rpc_hex(s.raw, s.raw_len, hex);
	printf("raw=%s\n", hex);
	rpc_hex(s.hash, 32, hex);
	printf("hash=%s\n", hex);
	ethtx_address_str(from, addr);
	printf("from=%s\n", addr);
	free(hex);
	ethtx_signed_free(&s);
	return 0;
}

static int cmd_gen(int argc, char **argv)
{
	struct attest_doc d, back;
	struct spool sp;
	uint8_t attest[120], sig[72], pub[90];
	char name[160], err[ATTEST_ERR_MAX], *json;
	size_t len;
	int ret;

	if (argc < 5)
		return 2;
	memset(&d, 0, sizeof(d));
	d.claims.version = CLAIMS_VERSION;
	if (claims_agent_from_dec(argv[2], d.claims.agent_id)) {
		fprintf(stderr, "agent: '%s' is not a decimal uint256\n", argv[2]);
		return 2;
	}
	d.claims.workload = strtoull(argv[3], NULL, 10);
	d.claims.epoch = strtoull(argv[4], NULL, 10);
	d.claims.log_first = d.claims.epoch * 10;
	d.claims.log_last = d.claims.epoch * 10 + 5;
	d.claims.tpm_clock = d.claims.epoch * 1000;
	memset(d.claims.host_id, 0x11, 32);
	memset(d.claims.log_head, (int)(d.claims.epoch & 0xff), 32);
	memset(d.claims.model_digest, 0x22, 32);
	/* unique per document: the sink keys records by sha256(claims) */
	snprintf((char *)d.claims.data_root, 32, "%s-%s-%s", argv[2], argv[3], argv[4]);
	claims_encode(&d.claims, d.claims_abi);
	strcpy(d.counters_mode, "none");
	if (argc > 5 && !strcmp(argv[5], "noquote")) {
		d.claims.flags = CLAIM_F_NO_TPM;
		claims_encode(&d.claims, d.claims_abi);
	} else {
		d.has_quote = true;
		memset(attest, 0xa5, sizeof(attest));
		memset(sig, 0x5a, sizeof(sig));
		memset(pub, 0x33, sizeof(pub));
		d.attest = attest;
		d.attest_len = sizeof(attest);
		d.signature = sig;
		d.signature_len = sizeof(sig);
		memset(d.r, 0x01, 32);
		memset(d.s, 0x02, 32);
		d.pcr_mask = 1U << 13;
		d.ak_public = pub;
		d.ak_public_len = sizeof(pub);
	}
	/* the publisher never looks at the log; any bytes will do */
	d.records = pub;
	d.records_len = 72;
	d.ek_public = pub;
	d.ek_public_len = sizeof(pub);
	d.log_pcr = 13;
	if (attest_write_json(&d, &json, &len)) {
		fprintf(stderr, "attest_write_json failed\n");
		return 1;
	}
	if (attest_parse_json(json, len, &back, err)) {
		fprintf(stderr, "our document does not parse: %s\n", err);
		return 1;
	}
	attest_free(&back);
	if (spool_open(&sp, argv[1], err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	snprintf(name, sizeof(name), "%s-%s-%s.json", argv[2], argv[3], argv[4]);
	ret = spool_create(&sp, name, json, len, err);
	if (ret)
		fprintf(stderr, "%s\n", err);
	spool_close(&sp);
	free(json);
	return ret ? 1 : 0;
}

static int cmd_keystore(int argc, char **argv, bool write)
{
	struct keystore_kdf kdf = { .type = KEYSTORE_SCRYPT, .n = 8192, .r = 8, .p = 1 };
	uint8_t key[32], addr[20];
	char err[KEYSTORE_ERR_MAX], *pw, a[43];
	size_t pwlen;
	int ret;

	if (argc < 3 || (write && argc < 4))
		return 2;
	if (keystore_password_read(argv[2], &pw, &pwlen, err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (write) {
		if (key_arg(argv[3], key))
			return 2;
		if (argc > 5 && !strcmp(argv[4], "pbkdf2"))
			kdf = (struct keystore_kdf){ .type = KEYSTORE_PBKDF2,
						     .c = (uint32_t)atoi(argv[5]) };
		else if (argc > 5 && !strcmp(argv[4], "scrypt"))
			kdf.n = strtoull(argv[5], NULL, 0);
		ret = keystore_write(argv[1], key, pw, pwlen, &kdf, err);
		if (!ret)
			ret = ethtx_address(key, addr, err);
	} else {
		ret = keystore_read(argv[1], pw, pwlen, key, addr, err);
	}
	keystore_password_free(pw, pwlen);
	if (ret) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	ethtx_address_str(addr, a);
	printf("%s\n", a);
	return 0;
}

static int cmd_selector(int argc, char **argv)
{
	uint8_t s[4];

	if (argc != 2)
		return 2;
	keccak_selector(argv[1], s);
	printf("0x%02x%02x%02x%02x\n", s[0], s[1], s[2], s[3]);
	return 0;
}

static int cmd_calldata(int argc, char **argv)
{
	static uint8_t blob[2][65536], w[5][32];
	struct abi_arg args[6];
	char err[ABI_ERR_MAX], *hex;
	const char *sig;
	uint8_t *out;
	size_t len, n[2], wl;
	int nargs;

	if (argc == 6 && !strcmp(argv[1], "submit")) {
		sig = "submit(bytes,bytes,bytes32,bytes32)";
		if (unhex(argv[2], blob[0], sizeof(blob[0]), &n[0]) ||
		    unhex(argv[3], blob[1], sizeof(blob[1]), &n[1]) ||
		    unhex(argv[4], w[0], 32, &wl) || wl != 32 || unhex(argv[5], w[1], 32, &wl) ||
		    wl != 32)
			return 2;
		args[0] = (struct abi_arg){ .type = ABI_BYTES, .p = blob[0], .len = n[0] };
		args[1] = (struct abi_arg){ .type = ABI_BYTES, .p = blob[1], .len = n[1] };
		args[2] = (struct abi_arg){ .type = ABI_BYTES32, .p = w[0] };
		args[3] = (struct abi_arg){ .type = ABI_BYTES32, .p = w[1] };
		nargs = 4;
	} else if (argc == 8 && !strcmp(argv[1], "registerAgent")) {
		sig = "registerAgent(string,bytes32,bytes32,bytes32,bytes32,bytes32)";
		args[0] = (struct abi_arg){ .type = ABI_STRING, .p = (const uint8_t *)argv[2],
					    .len = strlen(argv[2]) };
		for (int i = 0; i < 5; i++) {
			if (unhex(argv[3 + i], w[i], 32, &wl) || wl != 32)
				return 2;
			args[1 + i] = (struct abi_arg){ .type = ABI_BYTES32, .p = w[i] };
		}
		nargs = 6;
	} else {
		return 2;
	}
	if (abi_encode_call(sig, args, (size_t)nargs, &out, &len, err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	hex = malloc(2 * len + 3);
	rpc_hex(out, len, hex);
	printf("%s\n", hex);
	free(hex);
	free(out);
	return 0;
}

static unsigned crash_after, reserved;

static void hook(void *arg, const char *event, const char *stem)
{
	(void)arg;
	if (!strcmp(event, "reserved") && crash_after && ++reserved >= crash_after) {
		fprintf(stderr, "publisher_tool: killed after reserving %s\n", stem);
		raise(SIGKILL);
	}
}

static void log_line(void *arg, int prio, const char *msg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%lld.%03ld %s %s\n", (long long)ts.tv_sec, ts.tv_nsec / 1000000,
		prio <= LOG_ERR ? "E" : prio <= LOG_WARNING ? "W" : "I", msg);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int cmd_drive(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rpc", 1, 0, 'u' }, { "chain-id", 1, 0, 'c' }, { "registry", 1, 0, 'r' },
		{ "keystore", 1, 0, 'k' }, { "password-file", 1, 0, 'p' }, { "spool", 1, 0, 's' },
		{ "confirmations", 1, 0, 'n' }, { "stuck-ms", 1, 0, 'm' }, { "timeout", 1, 0, 't' },
		{ "crash-after-reserved", 1, 0, 'x' }, { "total-ms", 1, 0, 'T' },
		{ "backoff-max-ms", 1, 0, 'b' }, { 0 },
	};
	struct publisher_config cfg = { .log = log_line, .hook = hook };
	struct publisher *p;
	char err[PUBLISH_ERR_MAX];
	uint64_t deadline, timeout = 60;
	int c, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': cfg.rpc_url = optarg; break;
		case 'c': cfg.chain_id = strtoull(optarg, NULL, 0); break;
		case 'r':
			if (ethtx_address_parse(optarg, cfg.registry, err)) {
				fprintf(stderr, "%s\n", err);
				return 2;
			}
			break;
		case 'k': cfg.keystore = optarg; break;
		case 'p': cfg.password_file = optarg; break;
		case 's': cfg.spool_dir = optarg; break;
		case 'n': cfg.confirmations = (unsigned)atoi(optarg); break;
		case 'm': cfg.stuck_ms = (unsigned)atoi(optarg); break;
		case 't': timeout = strtoull(optarg, NULL, 0); break;
		case 'x': crash_after = (unsigned)atoi(optarg); break;
		case 'T': cfg.total_ms = atol(optarg); break;
		case 'b': cfg.backoff_max_ms = (unsigned)atoi(optarg); break;
		default: return 2;
		}
	}
	if (publisher_open(&cfg, &p, err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	deadline = now_ms() + timeout * 1000;
	for (;;) {
		uint64_t now = now_ms(), wait;

		ret = publisher_step(p, now);
		if (ret == 0)
			break;
		if (ret == -EINVAL) {
			publisher_close(p);
			return 1;
		}
		if (now_ms() >= deadline) {
			fprintf(stderr, "publisher_tool: %d attestations unfinished at the timeout (%d)\n",
				ret, ret);
			publisher_close(p);
			return 3;
		}
		wait = publisher_wait_ms(p, now_ms());
		usleep((useconds_t)(wait ? (wait > 1000 ? 1000 : wait) : 200) * 1000);
	}
	publisher_close(p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: publisher_tool sign|gen|keystore-write|keystore-read|drive ...\n");
		return 2;
	}
	if (!strcmp(argv[1], "sign"))
		return cmd_sign(argc - 1, argv + 1);
	if (!strcmp(argv[1], "gen"))
		return cmd_gen(argc - 1, argv + 1);
	if (!strcmp(argv[1], "keystore-write"))
		return cmd_keystore(argc - 1, argv + 1, true);
	if (!strcmp(argv[1], "keystore-read"))
		return cmd_keystore(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "selector"))
		return cmd_selector(argc - 1, argv + 1);
	if (!strcmp(argv[1], "calldata"))
		return cmd_calldata(argc - 1, argv + 1);
	if (!strcmp(argv[1], "drive"))
		return cmd_drive(argc - 1, argv + 1);
	fprintf(stderr, "publisher_tool: unknown command '%s'\n", argv[1]);
	return 2;
}
