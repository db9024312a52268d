// SPDX-License-Identifier: GPL-2.0
/*
 * The start-up check (see check.h). Every path is read under opts->root so a
 * test can point the check at a fake tree; only the BPF load touches the
 * running kernel, and a test replaces it too.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include <linux/bpf.h>

#include "check.h"
#include "../vdev.h"

#define SECURITYFS_DIR	"/sys/kernel/security"
#define BTF_VMLINUX	"/sys/kernel/btf/vmlinux"

static void report(struct check_report *r, enum check_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report(struct check_report *r, enum check_level level, const char *fmt, ...)
{
	va_list ap;

	if (r->n == CHECK_PROBLEMS_MAX)
		return;
	r->p[r->n].level = level;
	va_start(ap, fmt);
	vsnprintf(r->p[r->n].text, CHECK_TEXT_MAX, fmt, ap);
	va_end(ap);
	r->n++;
	if (level == CHECK_FATAL)
		r->fatal++;
}

static const char *at(const struct check_opts *o, const char *path, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", o->root ? o->root : "", path);
	return buf;
}

/* 0 present and usable, -ENOENT absent, -EACCES not readable and writable. */
static int node_state(const struct check_opts *o, const char *path)
{
	char p[4096];

	if (!access(at(o, path, p, sizeof(p)), R_OK | W_OK))
		return 0;
	return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -EACCES;
}

/* Whether the mount table lists securityfs; -1 when it cannot be read. */
static int securityfs_mounted(const struct check_opts *o)
{
	char p[4096], line[1024], dev[256], dir[512], type[64];
	int found = 0;
	FILE *f;

	f = fopen(at(o, "/proc/self/mounts", p, sizeof(p)), "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %511s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "securityfs") && !strcmp(dir, SECURITYFS_DIR))
			found = 1;
	fclose(f);
	return found;
}

static void check_module(const struct check_opts *o, struct check_report *r)
{
	char p[4096];
	int dev = node_state(o, VINFER_DEV_PATH), mounted = securityfs_mounted(o);

	if (dev == -ENOENT)
		report(r, CHECK_FATAL, "%s is absent: vinfer.ko is not loaded: modprobe vinfer",
		       VINFER_DEV_PATH);
	else if (dev)
		report(r, CHECK_FATAL, "%s is not readable and writable by uid %u: run vinferd "
		       "as root", VINFER_DEV_PATH, (unsigned int)geteuid());
	if (!mounted) {
		report(r, CHECK_FATAL, "securityfs is not mounted, so the measurement log in %s "
		       "cannot be read: mount -t securityfs securityfs %s", VINFER_SECFS_DIR,
		       SECURITYFS_DIR);
		return;
	}
	if (dev != -ENOENT && access(at(o, VINFER_SECFS_DIR, p, sizeof(p)), F_OK))
		report(r, CHECK_FATAL, "%s is missing although %s exists: vinfer.ko did not "
		       "finish loading; see dmesg, then modprobe -r vinfer && modprobe vinfer",
		       VINFER_SECFS_DIR, VINFER_DEV_PATH);
}

static void check_tpm(const struct check_opts *o, struct check_report *r)
{
	static const char *const defaults[] = { "/dev/tpmrm0", "/dev/tpm0" };
	const char *node, *tcti = o->tcti;
	int st;
	size_t i;

	if (!o->need_tpm)
		return;
	if (!tcti || !*tcti) {
		/* The TSS default tries these nodes before any simulator. */
		for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
			if (node_state(o, defaults[i]) != -ENOENT)
				return;
		report(r, CHECK_FATAL, "no TPM device node (/dev/tpmrm0 or /dev/tpm0) and no tcti "
		       "configured: load the TPM driver (modprobe tpm_tis or tpm_crb), set tcti "
		       "in the config, or run without a TPM");
		return;
	}
	if (strcmp(tcti, "device") && strncmp(tcti, "device:", 7))
		return;		/* swtpm, mssim, tabrmd: nothing on this host to look at */
	node = tcti[6] == ':' && tcti[7] ? tcti + 7 : "/dev/tpm0";
	st = node_state(o, node);
	if (st == -ENOENT)
		report(r, CHECK_FATAL, "TPM device node %s (tcti '%s') is absent: load the TPM "
		       "driver (modprobe tpm_tis or tpm_crb) or fix tcti in the config", node, tcti);
	else if (st)
		report(r, CHECK_FATAL, "TPM device node %s (tcti '%s') is not readable and "
		       "writable by uid %u: run vinferd as root or in the node's group (tss)",
		       node, tcti, (unsigned int)geteuid());
}

/* BPF_PROG_LOAD of "r0 = 0; exit" as a socket filter: the least a probe needs. */
static int bpf_load_trivial(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (unsigned long)"GPL";
	fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void check_bpf(const struct check_opts *o, struct check_report *r)
{
	char p[4096];
	int ret;

	if (!o->need_probes)
		return;
	if (access(at(o, BTF_VMLINUX, p, sizeof(p)), R_OK))
		report(r, CHECK_FATAL, "%s is missing: the probes need kernel BTF "
		       "(CONFIG_DEBUG_INFO_BTF=y); use such a kernel or turn probes off",
		       BTF_VMLINUX);
	ret = o->bpf_load ? o->bpf_load() : bpf_load_trivial();
	if (ret == -ENOSYS)
		report(r, CHECK_FATAL, "the bpf() system call is absent (CONFIG_BPF_SYSCALL is "
		       "off): use a kernel with it or turn probes off");
	else if (ret == -EPERM || ret == -EACCES)
		report(r, CHECK_FATAL, "loading a BPF program was refused (%s): run vinferd as "
		       "root (CAP_BPF, CAP_PERFMON) and check that kernel lockdown allows BPF",
		       strerror(-ret));
	else if (ret)
		report(r, CHECK_FATAL, "loading a trivial BPF program failed (%s): the kernel's "
		       "BPF is unusable; turn probes off or fix the kernel", strerror(-ret));
}

static const struct {
	const char *name;
	bool tpm, probes;	/* needed only for that part; neither: always */
	const char *why;
} options[] = {
	{ "CONFIG_SECURITYFS", false, false, "vinfer.ko publishes its log in securityfs" },
	{ "CONFIG_CGROUPS", false, false, "workloads are told apart by cgroup" },
	{ "CONFIG_TCG_TPM", true, false, "the TPM driver quotes and extends the PCR" },
	{ "CONFIG_BPF_SYSCALL", false, true, "the probes are BPF programs" },
	{ "CONFIG_DEBUG_INFO_BTF", false, true, "the probes are CO-RE and need kernel BTF" },
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/* gzopen reads a plain file as it is, so one reader serves both sources. */
static bool read_config(const char *path, bool set[NOPTIONS])
{
	char line[512];
	size_t i, n;
	gzFile f;

	f = gzopen(path, "rb");
	if (!f)
		return false;
	while (gzgets(f, line, sizeof(line)))
		for (i = 0; i < NOPTIONS; i++) {
			n = strlen(options[i].name);
			if (!strncmp(line, options[i].name, n) && line[n] == '=' &&
			    (line[n + 1] == 'y' || line[n + 1] == 'm'))
				set[i] = true;
		}
	gzclose(f);
	return true;
}

static void check_config(const struct check_opts *o, struct check_report *r)
{
	char proc[4096], boot[4096], name[320];
	const char *src = proc, *release = o->release;
	bool set[NOPTIONS] = { false };
	struct utsname u;
	size_t i;

	if (!release) {
		uname(&u);
		release = u.release;
	}
	snprintf(name, sizeof(name), "/boot/config-%s", release);
	if (!read_config(at(o, "/proc/config.gz", proc, sizeof(proc)), set)) {
		src = at(o, name, boot, sizeof(boot));
		if (!read_config(src, set)) {
			report(r, CHECK_NOTE, "the kernel configuration is unreadable (neither "
			       "/proc/config.gz nor %s): kernel options were not checked", name);
			return;
		}
	}
	src = src == proc ? "/proc/config.gz" : name;
	for (i = 0; i < NOPTIONS; i++) {
		if (set[i] || (options[i].tpm && !o->need_tpm) ||
		    (options[i].probes && !o->need_probes))
			continue;
		report(r, CHECK_FATAL, "kernel option %s is not set in %s, but %s: use a kernel "
		       "built with it", options[i].name, src, options[i].why);
	}
}

int vinferd_check(const struct check_opts *o, struct check_report *r)
{
	memset(r, 0, sizeof(*r));
	check_module(o, r);
	check_tpm(o, r);
	check_bpf(o, r);
	check_config(o, r);
	return (int)r->fatal;
}
