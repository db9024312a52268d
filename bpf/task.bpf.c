// SPDX-License-Identifier: GPL-2.0
/*
 * Process lifecycle of the scoped workload: exec, fork (with lineage: every
 * event carries the parent's tgid) and exit; the scope map follows forks and
 * exits. In sampled mode it also accounts the on-CPU time of scoped tasks,
 * the time base of the launch-count estimator (bpf/estimate.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "scope.bpf.h"
#include "compat.bpf.h"

/* The settings declared in scope.bpf.h; the loader sets them before load. */
const volatile __u32 targ_scope = VINFER_SCOPE_PID;
const volatile __u32 targ_self_tgid = 0;
const volatile __u32 targ_sampled = 0;
const volatile __u32 targ_hold = 1;

__u32 vinfer_window_open = 0;
__u64 vinfer_heartbeat_ns = 0;

/*
 * Sum of on-CPU time of scoped tasks, closed slices only; a slice still
 * running on a CPU is in vinfer_oncpu. Readers combine both under the
 * per-CPU sequence counter (bpf/window.c).
 */
__u64 vinfer_oncpu_ns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vinfer_oncpu);
} vinfer_oncpu SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vinfer_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct vinfer_ev_exec *e;
	struct vinfer_proc *sp;
	long n;

	sp = vinfer_current_proc();
	if (!sp)
		return 0;
	/* New mappings: runtime libraries must be found and held again. */
	__sync_fetch_and_add(&sp->exec_gen, 1);
	bpf_map_delete_elem(&vinfer_rt_procs, &tgid);
	e = vinfer_event_reserve(VINFER_EV_EXEC, struct vinfer_ev_exec);
	if (!e)
		return 0;
	vinfer_fill_hdr(&e->hdr, VINFER_EV_EXEC);
	e->old_pid = old_pid;
	n = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename),
				      BPF_CORE_READ(bprm, filename));
	e->truncated = n == sizeof(e->filename);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vinfer_fork, struct task_struct *parent, struct task_struct *child)
{
	struct vinfer_proc *pp, *cp;
	struct vinfer_ev_fork *e;
	__u32 ctgid = child->tgid, ptgid;
	__u32 flags = 0;

	/* A new thread joins its group's entry; only new processes matter. */
	if (child->pid != ctgid)
		return 0;
	pp = vinfer_current_proc();
	if (!pp)
		return 0;
	/*
	 * The child shares the parent's mappings, runtime libraries included,
	 * but not its uprobes: ask schedule_tail to hold it until the loader
	 * has attached them (vinfer_hold_child in runtime.bpf.c).
	 */
	ptgid = parent->tgid;
	if (targ_hold && bpf_map_lookup_elem(&vinfer_rt_procs, &ptgid))
		flags |= VINFER_PROC_HOLD_CHILD;
	cp = vinfer_scope_admit(ctgid, parent->tgid, flags);
	if (!cp)
		return 0;	/* scope map full: the child is not traced */

	e = vinfer_event_reserve(VINFER_EV_FORK, struct vinfer_ev_fork);
	if (!e)
		return 0;
	vinfer_fill_hdr(&e->hdr, VINFER_EV_FORK);
	/* The header describes the child; the forking thread is the parent. */
	e->parent_pid = e->hdr.pid;
	e->hdr.pid = child->pid;
	e->hdr.tgid = ctgid;
	e->hdr.ppid = parent->tgid;
	bpf_probe_read_kernel_str(e->hdr.comm, sizeof(e->hdr.comm), child->comm);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * Only ctx[0], the task, is read: the tracepoint has one argument on 6.1 and
 * two since 6.16 (compat.bpf.h).
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(vinfer_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	struct vinfer_ev_exit *e;
	struct vinfer_proc *sp;
	__u32 old;

	sp = bpf_map_lookup_elem(&vinfer_scope, &tgid);
	if (!sp || !vinfer_group_dead(p))
		return 0;
	/*
	 * The entry stays until the loader has read it (it deletes it on this
	 * event or, if the event was dropped, in its sweep), so the counters
	 * of a process survive a full ring buffer.
	 */
	old = __sync_fetch_and_or(&sp->flags, VINFER_PROC_EXITED);
	if (old & VINFER_PROC_EXITED)
		return 0;
	e = vinfer_event_reserve(VINFER_EV_EXIT, struct vinfer_ev_exit);
	if (!e)
		return 0;
	vinfer_fill_hdr(&e->hdr, VINFER_EV_EXIT);
	e->hdr.pid = tgid;
	e->exit_code = BPF_CORE_READ(p, signal, group_exit_code);
	if (!e->exit_code)
		e->exit_code = p->exit_code;
	__builtin_memcpy(&e->proc, sp, sizeof(e->proc));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * On-CPU time of scoped tasks, sampled mode only (the loader disables this
 * program otherwise). Per CPU, since_ns is when a scoped task was switched
 * in; seq is odd while the slot changes, so a reader can tell a torn read.
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(vinfer_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 zero = 0, ntgid = next->tgid;
	struct vinfer_oncpu *c;
	__u64 now, since = 0;

	c = bpf_map_lookup_elem(&vinfer_oncpu, &zero);
	if (!c)
		return 0;
	if (ntgid && bpf_map_lookup_elem(&vinfer_scope, &ntgid))
		since = 1;
	if (!c->since_ns && !since)
		return 0;
	now = bpf_ktime_get_ns();
	__sync_fetch_and_add(&c->seq, 1);
	if (c->since_ns)
		__sync_fetch_and_add(&vinfer_oncpu_ns, now - c->since_ns);
	c->since_ns = since ? now : 0;
	__sync_fetch_and_add(&c->seq, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
