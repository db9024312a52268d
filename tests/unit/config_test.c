// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vinferd.conf's parser (lib/conf.c): the shipped default
 * file parses (with an agent id) to the documented defaults; a full file
 * sets every key; and a table of bad files, each refused with its exact
 * message (file, line, section, key, value, why).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"

static int parse(const char *text, struct vinferd_config *c, char err[CONF_ERR_MAX])
{
	assert_int_equal(vinferd_config_init(c), 0);
	return vinferd_config_parse(text, strlen(text), "vinferd.conf", c, err);
}

static void test_defaults(void **state)
{
	struct vinferd_config c;
	char err[CONF_ERR_MAX] = "";
	FILE *f = fopen("etc/vinferd.conf", "r");
	char buf[16384];
	size_t n;

	(void)state;
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 64, f);
	fclose(f);
	strcpy(buf + n, "\n[agent]\nid = 1\n");
	assert_int_equal(vinferd_config_init(&c), 0);
	assert_int_equal(vinferd_config_parse(buf, strlen(buf), "vinferd.conf", &c, err), 0);
	assert_string_equal(c.tcti, "device:/dev/tpmrm0");
	assert_int_equal(c.ak_handle, 0x81010002);
	assert_int_equal(c.pcr, 13);
	assert_null(c.activation);
	assert_int_equal(c.agent_id[31], 1);
	assert_int_equal(c.n_cgroups, 0);
	assert_int_equal(c.period, 300);
	assert_int_equal(c.records, 10000);
	assert_int_equal(c.probes, CONF_PROBES_SAMPLED);
	assert_string_equal(c.spool_dir, "/var/lib/vinfer/spool");
	assert_string_equal(c.metrics_listen, "127.0.0.1:9464");
	assert_string_equal(c.metrics_host, "127.0.0.1");
	assert_int_equal(c.metrics_port, 9464);
	assert_string_equal(c.control_socket, "/run/vinfer/vinferd.sock");
	assert_null(c.chain_rpc);
	assert_int_equal(c.confirmations, 2);
	assert_int_equal(c.block, CONF_BLOCK_NONE);
	vinferd_config_free(&c);
}

static void test_full(void **state)
{
	static const char text[] =
		"# comment\n"
		"  [tpm]  \n"
		"tcti = swtpm:host=127.0.0.1,port=2321\n"
		"ak_handle = 0x81000010\n"
		"pcr = 11\n"
		"activation = /etc/vinfer/act.json\n"
		"[agent]\n"
		"id = 115792089237316195423570985008687907853269984665640564039457584007913129639935\n"
		"[workload]\n"
		"cgroup = /sys/fs/cgroup/a\n"
		"cgroup = /sys/fs/cgroup/b\n"
		"[epoch]\n"
		"period = 0\n"
		"records = 5\n"
		"[probes]\n"
		"mode = off\n"
		"[spool]\n"
		"dir = /srv/spool\n"
		"[metrics]\n"
		"listen = [::1]:9000\n"
		"[control]\n"
		"socket = /run/x.sock\n"
		"[chain]\n"
		"rpc = http://127.0.0.1:8545\n"
		"chain_id = 31337\n"
		"registry = 0x00112233445566778899AaBbCcDdEeFf00112233\n"
		"confirmations = 0\n"
		"[wallet]\n"
		"keystore = /etc/vinfer/k.json\n"
		"password_file = /etc/vinfer/k.pass\r\n";
	struct vinferd_config c;
	char err[CONF_ERR_MAX] = "";
	int i;

	(void)state;
	assert_int_equal(parse(text, &c, err), 0);
	assert_string_equal(c.tcti, "swtpm:host=127.0.0.1,port=2321");
	assert_int_equal(c.ak_handle, 0x81000010);
	assert_int_equal(c.pcr, 11);
	assert_string_equal(c.activation, "/etc/vinfer/act.json");
	for (i = 0; i < 32; i++)
		assert_int_equal(c.agent_id[i], 0xff);
	assert_int_equal(c.n_cgroups, 2);
	assert_string_equal(c.cgroups[1], "/sys/fs/cgroup/b");
	assert_int_equal(c.period, 0);
	assert_int_equal(c.records, 5);
	assert_int_equal(c.probes, CONF_PROBES_OFF);
	assert_string_equal(c.spool_dir, "/srv/spool");
	assert_string_equal(c.metrics_host, "::1");
	assert_int_equal(c.metrics_port, 9000);
	assert_string_equal(c.control_socket, "/run/x.sock");
	assert_string_equal(c.chain_rpc, "http://127.0.0.1:8545");
	assert_int_equal(c.chain_id, 31337);
	assert_int_equal(c.registry[0], 0x00);
	assert_int_equal(c.registry[10], 0xaa);
	assert_int_equal(c.registry[19], 0x33);
	assert_int_equal(c.confirmations, 0);
	assert_int_equal(c.block, CONF_BLOCK_CHAIN);	/* default with an rpc */
	assert_string_equal(c.password_file, "/etc/vinfer/k.pass");
	vinferd_config_free(&c);

	assert_int_equal(parse("[agent]\nid=1\n[metrics]\nlisten = off\n", &c, err), 0);
	assert_null(c.metrics_listen);
	vinferd_config_free(&c);
}

#define LONG8	"xxxxxxxx"
#define LONG104	LONG8 LONG8 LONG8 LONG8 LONG8 LONG8 LONG8 LONG8 LONG8 LONG8 LONG8 LONG8 LONG8

/* Each bad file's line 3 (after "[agent]\nid = 1\n") or the whole text. */
static const struct {
	const char *text;
	const char *msg;
} bad[] = {
	{ "[epoch]\nperiod = abc\n", "vinferd.conf:4: [epoch] period = 'abc': not a number of seconds" },
	{ "[epoch]\nperiod = -1\n", "vinferd.conf:4: [epoch] period = '-1': not a number of seconds" },
	{ "[epoch]\nperiod = 5 s\n", "vinferd.conf:4: [epoch] period = '5 s': not a number of seconds" },
	{ "[epoch]\nperiod = 31536001\n", "vinferd.conf:4: [epoch] period = '31536001': more than a year (31536000 seconds)" },
	{ "[epoch]\nperiod = 99999999999999999999\n", "vinferd.conf:4: [epoch] period = '99999999999999999999': not a number of seconds" },
	{ "[epoch]\nrecords = 4294967296\n", "vinferd.conf:4: [epoch] records = '4294967296': not a number of records (0 to 4294967295)" },
	{ "[epoch]\nperiod = 1\nperiod = 2\n", "vinferd.conf:5: [epoch] period: duplicate key (first on line 4)" },
	{ "[epoch]\nperod = 1\n", "vinferd.conf:4: [epoch] perod: unknown key" },
	{ "[epochs]\n", "vinferd.conf:3: [epochs]: unknown section" },
	{ "[epoch\n", "vinferd.conf:3: '[epoch': expected '[section]'" },
	{ "[epoch]\nperiod\n", "vinferd.conf:4: 'period': expected 'key = value' or '[section]'" },
	{ "[tpm]\ntcti =\n", "vinferd.conf:4: [tpm] tcti = '': empty (a TCTI such as device:/dev/tpmrm0, or none)" },
	{ "[tpm]\nak_handle = 0x80000001\n", "vinferd.conf:4: [tpm] ak_handle = '0x80000001': not an owner persistent handle (0x81000000-0x817fffff, not the EK's 0x81010001)" },
	{ "[tpm]\nak_handle = 0x81800000\n", "vinferd.conf:4: [tpm] ak_handle = '0x81800000': not an owner persistent handle (0x81000000-0x817fffff, not the EK's 0x81010001)" },
	{ "[tpm]\nak_handle = 0x81010001\n", "vinferd.conf:4: [tpm] ak_handle = '0x81010001': not an owner persistent handle (0x81000000-0x817fffff, not the EK's 0x81010001)" },
	{ "[tpm]\nak_handle = 81010002\n", "vinferd.conf:4: [tpm] ak_handle = '81010002': not an owner persistent handle (0x81000000-0x817fffff, not the EK's 0x81010001)" },
	{ "[tpm]\npcr = 16\n", "vinferd.conf:4: [tpm] pcr = '16': not a PCR vinfer may use (8, 9, 11-15)" },
	{ "[tpm]\npcr = 10\n", "vinferd.conf:4: [tpm] pcr = '10': not a PCR vinfer may use (8, 9, 11-15)" },
	{ "[tpm]\nactivation = act.json\n", "vinferd.conf:4: [tpm] activation = 'act.json': not an absolute path" },
	{ "[workload]\ncgroup = /a\ncgroup = /a\n", "vinferd.conf:5: [workload] cgroup = '/a': listed twice" },
	{ "[workload]\ncgroup = sys/fs/cgroup\n", "vinferd.conf:4: [workload] cgroup = 'sys/fs/cgroup': not an absolute path" },
	{ "[probes]\nmode = fast\n", "vinferd.conf:4: [probes] mode = 'fast': expected sampled, exact or off" },
	{ "[metrics]\nlisten = 9464\n", "vinferd.conf:4: [metrics] listen = '9464': expected HOST:PORT (port 1-65535) or off" },
	{ "[metrics]\nlisten = 127.0.0.1:65536\n", "vinferd.conf:4: [metrics] listen = '127.0.0.1:65536': expected HOST:PORT (port 1-65535) or off" },
	{ "[control]\nsocket = /run/" LONG104 "\n",
	  "vinferd.conf:4: [control] socket = '/run/" LONG104 "': longer than a socket path may be (107 bytes)" },
	{ "[chain]\nrpc = ftp://x\n", "vinferd.conf:4: [chain] rpc = 'ftp://x': expected an http:// or https:// URL, or nothing" },
	{ "[chain]\nchain_id = 0\n", "vinferd.conf:4: [chain] chain_id = '0': not a chain id (a decimal number from 1)" },
	{ "[chain]\nregistry = 0x1234\n", "vinferd.conf:4: [chain] registry = '0x1234': not a 0x address (40 hex digits)" },
	{ "[chain]\nregistry = 0xg0112233445566778899aabbccddeeff00112233\n", "vinferd.conf:4: [chain] registry = '0xg0112233445566778899aabbccddeeff00112233': not a 0x address (40 hex digits)" },
	{ "[chain]\nconfirmations = 1001\n", "vinferd.conf:4: [chain] confirmations = '1001': not a number of blocks (0 to 1000)" },
	{ "[chain]\nblock = latest\n", "vinferd.conf:4: [chain] block = 'latest': expected chain or none" },
	{ "[chain]\nblock = chain\n", "vinferd.conf: [chain] block = chain needs [chain] rpc" },
	{ "[chain]\nrpc = http://h:1\nregistry = 0x0000000000000000000000000000000000000000\n", "vinferd.conf: [chain] rpc is set but [chain] chain_id is missing" },
	{ "[chain]\nrpc = http://h:1\nchain_id = 1\n", "vinferd.conf: [chain] rpc is set but [chain] registry is missing" },
	{ "[wallet]\nkeystore = k.json\n", "vinferd.conf:4: [wallet] keystore = 'k.json': not an absolute path" },
	/* Whole texts (no "[agent]" prefix): marked by a leading '!'. */
	{ "!period = 1\n", "vinferd.conf:1: period: a key before any [section]" },
	{ "![epoch]\n", "vinferd.conf: [agent] id: missing (the agent's id in the registry)" },
	{ "![agent]\nid = 12a\n", "vinferd.conf:2: [agent] id = '12a': not a decimal uint256 agent id" },
	{ "![agent]\nid = -1\n", "vinferd.conf:2: [agent] id = '-1': not a decimal uint256 agent id" },
	{ "![agent]\nid = 115792089237316195423570985008687907853269984665640564039457584007913129639936\n",
	  "vinferd.conf:2: [agent] id = '115792089237316195423570985008687907853269984665640564039457584007913129639936': not a decimal uint256 agent id" },
};

static void test_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vinferd_config c;
		char err[CONF_ERR_MAX] = "", text[1024];

		if (bad[i].text[0] == '!')
			snprintf(text, sizeof(text), "%s", bad[i].text + 1);
		else
			snprintf(text, sizeof(text), "[agent]\nid = 1\n%s", bad[i].text);
		if (parse(text, &c, err) != -22 || strcmp(err, bad[i].msg)) {
			print_error("case %zu:\n  got  '%s'\n  want '%s'\n", i, err, bad[i].msg);
			fail();
		}
		/* Refused files leave nothing allocated. */
		assert_null(c.tcti);
		assert_int_equal(c.n_cgroups, 0);
	}
}

static void test_nul_and_missing(void **state)
{
	struct vinferd_config c;
	char err[CONF_ERR_MAX] = "";

	(void)state;
	assert_int_equal(vinferd_config_init(&c), 0);
	assert_int_equal(vinferd_config_parse("[agent]\0id = 1\n", 15, "vinferd.conf", &c, err), -22);
	assert_string_equal(err, "vinferd.conf: a NUL byte: not a text file");
	assert_int_equal(vinferd_config_init(&c), 0);
	assert_int_equal(vinferd_config_load("/nonexistent/vinferd.conf", &c, err), -2);
	assert_string_equal(err, "/nonexistent/vinferd.conf: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_nul_and_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
