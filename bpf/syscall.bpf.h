/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the programs on the raw syscall tracepoints (sys_enter, sys_exit)
 * share: the x86-64 syscall numbers they act on and the file behind a file
 * descriptor of the current task.
 *
 * Why syscall tracepoints: BPF trampolines (fentry/fexit/lsm) are refused by
 * some kernels vinfer runs on (a 6.18 cloud kernel with lockdown:
 * BPF_PROG_LOAD fails with EPERM whatever the program), and kprobes may be
 * configured out. The raw syscall tracepoints exist on every kernel with
 * CONFIG_FTRACE_SYSCALLS, load as tp_btf programs, and see what the
 * workload asked for (arguments at entry) and what it got (the result at
 * exit). The struct file a successful open or an ioctl refers to is then
 * found through current->files, with CO-RE reads only.
 *
 * Every program returns after comparing the syscall number unless the call
 * is one it handles; only then is the scope map consulted.
 */
#ifndef VINFER_SYSCALL_BPF_H
#define VINFER_SYSCALL_BPF_H

#include <bpf/bpf_core_read.h>

#ifndef __TARGET_ARCH_x86
#error "syscall.bpf.h knows the x86-64 syscall numbers and registers only"
#endif

/* arch/x86/entry/syscalls/syscall_64.tbl: ABI, stable. */
#define VINFER_NR_open		2
#define VINFER_NR_mmap		9
#define VINFER_NR_ioctl		16
#define VINFER_NR_clone		56
#define VINFER_NR_fork		57
#define VINFER_NR_vfork		58
#define VINFER_NR_creat		85
#define VINFER_NR_openat	257
#define VINFER_NR_clone3	435
#define VINFER_NR_openat2	437

#define VINFER_AT_FDCWD		-100
#define VINFER_O_CREAT		0100
#define VINFER_O_WRONLY		01
#define VINFER_O_TRUNC		01000

/* Syscall argument @i (0-based) from the user registers at entry. */
static __always_inline __u64 vinfer_sys_arg(struct pt_regs *regs, int i)
{
	switch (i) {
	case 0: return BPF_CORE_READ(regs, di);
	case 1: return BPF_CORE_READ(regs, si);
	case 2: return BPF_CORE_READ(regs, dx);
	case 3: return BPF_CORE_READ(regs, r10);
	case 4: return BPF_CORE_READ(regs, r8);
	default: return BPF_CORE_READ(regs, r9);
	}
}

/*
 * The struct file open as descriptor @fd in the current task, or NULL.
 * Read without the file table's RCU protection (a tracing program cannot
 * take it): a thread of the same process that closes @fd concurrently can
 * make this return the file that replaced it, or NULL. Nothing here is
 * dereferenced except through probe reads, so the worst case is a wrong
 * attribution of that one call, never a fault.
 */
static __always_inline struct file *vinfer_fd_file(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0)
		return NULL;
	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || (unsigned long)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

#endif /* VINFER_SYSCALL_BPF_H */
