/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version drift, in one place. The programs are compiled once against
 * the vmlinux.h of the build host (6.18 on CI) and must load on Debian's 6.1
 * as well: every kernel structure or prototype that differs between the
 * kernels vinfer supports is read through a helper here, with CO-RE
 * ___v1/___v2 "flavours" (libbpf drops the suffix when it matches a type
 * against the running kernel's BTF) and bpf_core_field_exists().
 *
 * Drift handled here:
 *  - task_struct::state became __state (5.14): vinfer_task_state().
 *  - sched_process_exit gained a group_dead argument (6.16); 6.1 passes only
 *    the task, so programs read ctx[0] alone and vinfer_group_dead() derives
 *    the flag from signal->live, which both kernels decrement before the
 *    tracepoint.
 * Drift in which hooks exist (uprobe_multi links, the old and new DRM
 * scheduler tracepoint names) is decided by the loader before load, in
 * bpf/features.c and trace.c's attach_drm().
 *
 * No drift to handle, deliberately: every kernel hook is a tracepoint whose
 * prototype is the same on 6.1 and 6.18 (sched_process_exit excepted, see
 * above), so no fentry/LSM prototype can drift, and the fork hold works the
 * same on both (runtime.bpf.c): the bpf_send_signal_task kfunc (6.13+) is
 * not needed, so nothing here declares it __ksym __weak.
 */
#ifndef VINFER_COMPAT_BPF_H
#define VINFER_COMPAT_BPF_H

#include <bpf/bpf_core_read.h>

struct task_struct___v1 {
	long state;
} __attribute__((preserve_access_index));

struct task_struct___v2 {
	unsigned int __state;
} __attribute__((preserve_access_index));

/* The scheduler state bits of @t (TASK_* flags, same values in both). */
static __always_inline __u32 vinfer_task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(struct task_struct___v2, __state))
		return BPF_CORE_READ((struct task_struct___v2 *)t, __state);
	return (__u32)BPF_CORE_READ((struct task_struct___v1 *)t, state);
}

/*
 * At sched_process_exit, whether @t was the last live thread of its group.
 * Two threads exiting together may both see 0 here; callers make the exit
 * event unique with an atomic flag in their scope entry.
 */
static __always_inline bool vinfer_group_dead(struct task_struct *t)
{
	return BPF_CORE_READ(t, signal, live.counter) == 0;
}

#endif /* VINFER_COMPAT_BPF_H */
