// SPDX-License-Identifier: GPL-2.0
/*
 * The two programs on the raw syscall tracepoints. Each dispatches on the
 * syscall number to the function of the concept it concerns (opens:
 * file.bpf.c; ioctls: accel.bpf.c; runtime mmaps and the fork hold:
 * runtime.bpf.c), so that every syscall of every task on the machine runs
 * one BPF program per tracepoint, not one per concept, and a syscall none
 * of them handles costs a switch. The functions are global (verified on
 * their own, called with scalars); syscall.bpf.h says why these hooks.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "syscall.bpf.h"

#define PROT_EXEC	0x4

extern int vinfer_open_enter(long id, __u64 a0, __u64 a1, __u64 a2, __u64 a3);
extern int vinfer_open_exit(long ret);
extern int vinfer_ioctl_enter(__u64 fd, __u64 cmd);
extern int vinfer_mmap_enter(__u64 fd);
extern int vinfer_fork_return(void);

SEC("tp_btf/sys_enter")
int BPF_PROG(vinfer_sys_enter, struct pt_regs *regs, long id)
{
	switch (id) {
	case VINFER_NR_open:
	case VINFER_NR_openat:
	case VINFER_NR_openat2:
	case VINFER_NR_creat:
		return vinfer_open_enter(id, vinfer_sys_arg(regs, 0), vinfer_sys_arg(regs, 1),
					 vinfer_sys_arg(regs, 2), vinfer_sys_arg(regs, 3));
	case VINFER_NR_ioctl:
		return vinfer_ioctl_enter(vinfer_sys_arg(regs, 0), vinfer_sys_arg(regs, 1));
	case VINFER_NR_mmap:
		if (!(vinfer_sys_arg(regs, 2) & PROT_EXEC))
			return 0;
		return vinfer_mmap_enter(vinfer_sys_arg(regs, 4));
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(vinfer_sys_exit, struct pt_regs *regs, long ret)
{
	switch (BPF_CORE_READ(regs, orig_ax)) {
	case VINFER_NR_open:
	case VINFER_NR_openat:
	case VINFER_NR_openat2:
	case VINFER_NR_creat:
		return vinfer_open_exit(ret);
	case VINFER_NR_fork:
	case VINFER_NR_vfork:
	case VINFER_NR_clone:
	case VINFER_NR_clone3:
		/* 0: this is the new task, returning from its parent's fork. */
		return ret == 0 ? vinfer_fork_return() : 0;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
