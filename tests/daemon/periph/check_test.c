// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vinferd's start-up check on fake trees: each missing piece is
 * one sentence naming it and what to do; a complete host has no problem; an
 * unreadable kernel configuration is a note, not a failure. Table-driven:
 * each case starts from a complete tree and breaks one thing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "check.h"

#define RELEASE "6.1.0-test"

enum {
	NO_DEV = 1 << 0, NO_SECFS_MOUNT = 1 << 1, NO_SECFS_DIR = 1 << 2, NO_TPM = 1 << 3,
	NO_BTF = 1 << 4, NO_CONFIG = 1 << 5, BOOT_CONFIG = 1 << 6, TPM_OFF_IN_CONFIG = 1 << 7,
	NO_MOUNTS = 1 << 8,
};

static char root[64];
static int bpf_result;

static int fake_bpf_load(void)
{
	return bpf_result;
}

static void put_file(const char *path, const char *text)
{
	char p[256], *slash;
	FILE *f;

	snprintf(p, sizeof(p), "%s%s", root, path);
	for (slash = strchr(p + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(p, 0755);
		*slash = '/';
	}
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_tree(unsigned int breaks)
{
	static const char config[] =
		"# Linux kernel configuration\nCONFIG_SECURITYFS=y\nCONFIG_CGROUPS=y\n"
		"CONFIG_BPF_SYSCALL=y\nCONFIG_DEBUG_INFO_BTF=y\n";
	char p[256], cfg[512], cmd[128];
	gzFile gz;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(mkdir(root, 0700), 0);
	snprintf(cfg, sizeof(cfg), "%s%s", config, breaks & TPM_OFF_IN_CONFIG ?
		 "# CONFIG_TCG_TPM is not set\n" : "CONFIG_TCG_TPM=m\n");
	if (!(breaks & NO_DEV))
		put_file("/dev/vinfer", "");
	if (!(breaks & NO_TPM))
		put_file("/dev/tpmrm0", "");
	if (!(breaks & NO_MOUNTS))
		put_file("/proc/self/mounts", breaks & NO_SECFS_MOUNT ?
			 "sysfs /sys sysfs rw 0 0\n" :
			 "sysfs /sys sysfs rw 0 0\nsecurityfs /sys/kernel/security securityfs rw 0 0\n");
	if (!(breaks & NO_SECFS_DIR))
		put_file("/sys/kernel/security/vinfer/binary_measurements", "");
	if (!(breaks & NO_BTF))
		put_file("/sys/kernel/btf/vmlinux", "BTF");
	if (breaks & BOOT_CONFIG) {
		put_file("/boot/config-" RELEASE, cfg);
	} else if (!(breaks & NO_CONFIG)) {
		put_file("/proc/.keep", "");
		snprintf(p, sizeof(p), "%s/proc/config.gz", root);
		gz = gzopen(p, "wb");
		assert_non_null(gz);
		gzputs(gz, cfg);
		gzclose(gz);
	}
}

static void test_table(void **state)
{
	static const struct {
		const char *what;
		unsigned int breaks;
		const char *tcti;
		bool need_tpm, need_probes;
		int bpf;
		int fatal;
		const char *text;	/* in one problem; NULL: no problem at all */
	} cases[] = {
		{ "complete", 0, NULL, true, true, 0, 0, NULL },
		{ "complete, device tcti", 0, "device:/dev/tpmrm0", true, true, 0, 0, NULL },
		{ "module not loaded", NO_DEV | NO_SECFS_DIR, NULL, true, true, 0, 1,
		  "/dev/vinfer is absent: vinfer.ko is not loaded: modprobe vinfer" },
		{ "securityfs not mounted", NO_SECFS_MOUNT | NO_SECFS_DIR, NULL, true, true, 0, 1,
		  "securityfs is not mounted, so the measurement log in /sys/kernel/security/vinfer "
		  "cannot be read: mount -t securityfs securityfs /sys/kernel/security" },
		{ "securityfs dir missing", NO_SECFS_DIR, NULL, true, true, 0, 1,
		  "/sys/kernel/security/vinfer is missing although /dev/vinfer exists" },
		{ "no mount table: looks at the directory", NO_MOUNTS, NULL, true, true, 0, 0, NULL },
		{ "tcti node absent", NO_TPM, "device:/dev/tpmrm0", true, true, 0, 1,
		  "TPM device node /dev/tpmrm0 (tcti 'device:/dev/tpmrm0') is absent: load the TPM "
		  "driver (modprobe tpm_tis or tpm_crb) or fix tcti in the config" },
		{ "bare device tcti means /dev/tpm0", 0, "device", true, true, 0, 1,
		  "TPM device node /dev/tpm0 (tcti 'device') is absent" },
		{ "default tcti, no node", NO_TPM, NULL, true, true, 0, 1,
		  "no TPM device node (/dev/tpmrm0 or /dev/tpm0) and no tcti configured" },
		{ "swtpm tcti needs no node", NO_TPM, "swtpm:host=127.0.0.1,port=2321", true, true, 0,
		  0, NULL },
		{ "no TPM wanted", NO_TPM | TPM_OFF_IN_CONFIG, NULL, false, true, 0, 0, NULL },
		{ "no BTF", NO_BTF, NULL, true, true, 0, 1,
		  "/sys/kernel/btf/vmlinux is missing: the probes need kernel BTF" },
		{ "no BTF, probes off", NO_BTF, NULL, true, false, -EPERM, 0, NULL },
		{ "bpf refused", 0, NULL, true, true, -EPERM, 1,
		  "loading a BPF program was refused (Operation not permitted): run vinferd as root" },
		{ "no bpf syscall", 0, NULL, true, true, -ENOSYS, 1,
		  "the bpf() system call is absent (CONFIG_BPF_SYSCALL is off)" },
		{ "bpf broken", 0, NULL, true, true, -EINVAL, 1,
		  "loading a trivial BPF program failed (Invalid argument)" },
		{ "option off in /boot/config", BOOT_CONFIG | TPM_OFF_IN_CONFIG, NULL, true, true, 0, 1,
		  "kernel option CONFIG_TCG_TPM is not set in /boot/config-" RELEASE ", but the TPM "
		  "driver quotes and extends the PCR: use a kernel built with it" },
		{ "option off in /proc/config.gz", TPM_OFF_IN_CONFIG, NULL, true, true, 0, 1,
		  "kernel option CONFIG_TCG_TPM is not set in /proc/config.gz" },
		{ "config unreadable: a note", NO_CONFIG, NULL, true, true, 0, 0,
		  "the kernel configuration is unreadable (neither /proc/config.gz nor /boot/config-"
		  RELEASE "): kernel options were not checked" },
		{ "several at once", NO_DEV | NO_SECFS_DIR | NO_TPM | NO_BTF, NULL, true, true,
		  -EPERM, 4, "vinfer.ko is not loaded" },
	};
	struct check_opts o = { .root = root, .release = RELEASE, .bpf_load = fake_bpf_load };
	struct check_report r;
	unsigned int j;
	size_t i;
	bool found;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make_tree(cases[i].breaks);
		o.tcti = cases[i].tcti;
		o.need_tpm = cases[i].need_tpm;
		o.need_probes = cases[i].need_probes;
		bpf_result = cases[i].bpf;
		int ret = vinferd_check(&o, &r);

		for (j = 0, found = false; j < r.n; j++)
			if (cases[i].text && strstr(r.p[j].text, cases[i].text))
				found = true;
		if (ret != cases[i].fatal || (int)r.fatal != ret ||
		    (cases[i].text ? !found : r.n != 0)) {
			for (j = 0; j < r.n; j++)
				print_message("  %s: %s\n", r.p[j].level == CHECK_FATAL ? "fatal" : "note",
					      r.p[j].text);
			fail_msg("case '%s': %d fatal of %u", cases[i].what, ret, r.n);
		}
	}
}

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/vinfer-check-XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
