// SPDX-License-Identifier: GPL-2.0
/*
 * What the running kernel offers, decided once before the BPF object loads:
 * the loader's half of the kernel-version drift (the BPF half is
 * compat.bpf.h). vinfer is tested on Debian's 6.1 and on 6.18.
 *
 * Hooks: tracepoints only (tp_btf on sched_process_exec/fork/exit,
 * sched_switch and the raw syscall tracepoints; raw_tp on the DRM scheduler)
 * and uprobes. No BPF trampoline (fentry/fexit/lsm): some kernels vinfer
 * runs on refuse them outright (a 6.18 cloud kernel with lockdown:
 * EPERM at load), and nothing here needs one. Needed, so checked:
 *
 *   kernel BTF                       CO-RE and tp_btf
 *   sys_enter/sys_exit tracepoints   CONFIG_FTRACE_SYSCALLS: opens, ioctls,
 *                                    runtime mmaps, the fork hold
 * Optional:
 *   uprobe_multi links       6.6+    else one perf-event uprobe per function
 *
 * The hold of a forked child works the same on every kernel (runtime.bpf.c),
 * so nothing is decided for it here.
 *
 * It also reads /proc/devices for the character-device majors of the
 * accelerator drivers that are loaded.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "session.h"

/* Whether enum bpf_attach_type of the running kernel has @name. */
static bool btf_has_enum_val(const struct btf *btf, const char *type, const char *name)
{
	const struct btf_enum *v;
	const struct btf_type *t;
	int id, i;

	id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
	if (id <= 0)
		return false;
	t = btf__type_by_id(btf, id);
	v = btf_enum(t);
	for (i = 0; i < btf_vlen(t); i++, v++)
		if (!strcmp(btf__name_by_offset(btf, v->name_off), name))
			return true;
	return false;
}

/* Char-device driver names in /proc/devices and the class they serve. */
static const struct {
	const char *name;
	enum vinfer_accel_class cls;
} accel_drivers[] = {
	{ "nvidia", VINFER_ACCEL_NVIDIA },
	{ "nvidia-frontend", VINFER_ACCEL_NVIDIA },
	{ "nvidiactl", VINFER_ACCEL_NVIDIA },
	{ "nvidia-caps", VINFER_ACCEL_NVIDIA },
	{ "nvidia-uvm", VINFER_ACCEL_NVIDIA_UVM },
	{ "kfd", VINFER_ACCEL_KFD },
	{ "drm", VINFER_ACCEL_DRM },
	{ "accel", VINFER_ACCEL_ACCEL },
};

static void read_majors(struct vinfer_features *f)
{
	char line[128], name[64];
	bool chr = false;
	unsigned int major;
	size_t i;
	FILE *fp;

	fp = fopen("/proc/devices", "re");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		if (!strncmp(line, "Character devices:", 18)) {
			chr = true;
			continue;
		}
		if (!strncmp(line, "Block devices:", 14))
			chr = false;
		if (!chr || sscanf(line, "%u %63s", &major, name) != 2)
			continue;
		for (i = 0; i < sizeof(accel_drivers) / sizeof(accel_drivers[0]); i++) {
			if (strcmp(name, accel_drivers[i].name) || f->n_majors >= 16)
				continue;
			f->majors[f->n_majors].major = major;
			f->majors[f->n_majors].cls = accel_drivers[i].cls;
			f->n_majors++;
		}
	}
	fclose(fp);
}

int vinfer_features_probe(struct vinfer_features *f, char *err, size_t errlen)
{
	struct btf *btf;

	memset(f, 0, sizeof(*f));
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		snprintf(err, errlen, "kernel BTF not found (/sys/kernel/btf/vmlinux): "
			 "the probes need CONFIG_DEBUG_INFO_BTF=y");
		return -ENOENT;
	}
	f->uprobe_multi = btf_has_enum_val(btf, "bpf_attach_type", "BPF_TRACE_UPROBE_MULTI");
	if (btf__find_by_name_kind(btf, "btf_trace_sys_enter", BTF_KIND_TYPEDEF) <= 0 ||
	    btf__find_by_name_kind(btf, "btf_trace_sys_exit", BTF_KIND_TYPEDEF) <= 0) {
		snprintf(err, errlen, "kernel lacks the raw_syscalls sys_enter/sys_exit "
			 "tracepoints: the probes need CONFIG_FTRACE_SYSCALLS=y");
		btf__free(btf);
		return -EOPNOTSUPP;
	}
	btf__free(btf);
	read_majors(f);
	return 0;
}

/*
 * BPF_LINK_CREATE for BPF_TRACE_UPROBE_MULTI. libbpf 1.1 (Debian 12) predates
 * it, so the attr is laid out here as in the 6.6 uapi.
 */
struct vinfer_uprobe_multi_attr {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__aligned_u64 path;
	__aligned_u64 offsets;
	__aligned_u64 ref_ctr_offsets;
	__aligned_u64 cookies;
	__u32 cnt;
	__u32 uflags;
	__u32 pid;
	__u32 pad;
};

int vinfer_uprobe_multi_link(int prog_fd, const char *path, pid_t pid,
			     const unsigned long *offsets, const uint64_t *cookies,
			     unsigned int cnt)
{
	struct vinfer_uprobe_multi_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_fd = prog_fd;
	a.attach_type = VINFER_BPF_TRACE_UPROBE_MULTI;
	a.path = (unsigned long)path;
	a.offsets = (unsigned long)offsets;
	a.cookies = (unsigned long)cookies;
	a.cnt = cnt;
	a.pid = pid;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}
