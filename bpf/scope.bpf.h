/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every vinfer BPF program shares: the maps, the load-time settings and
 * the in-kernel scope filter.
 *
 * The programs live in several .bpf.c files, one concept each, that bpftool
 * links into one object (bpf/build.mk). The maps are defined here as __weak
 * so that each file can name them and the static linker keeps one copy; the
 * settings are defined once, in task.bpf.c, and declared extern here.
 *
 * Scope: a process (thread group) is in scope when its tgid is a key of
 * vinfer_scope. The loader seeds the map (the --pid tree, the processes
 * already in the --cgroup), fork extends it in the kernel, and in cgroup mode
 * a task found under the cgroup is admitted on its first hook. Everything a
 * program does for an unrelated task is one hash lookup (plus, in cgroup
 * mode, one cgroup ancestry check) and a return.
 */
#ifndef VINFER_SCOPE_BPF_H
#define VINFER_SCOPE_BPF_H

#include "vinfer_probe.h"

#define VINFER_SCOPE_PID	1	/* a process tree, seeded by the loader */
#define VINFER_SCOPE_CGROUP	2	/* a cgroup v2 subtree */

/* Load-time settings (rodata), defined in task.bpf.c. */
extern const volatile __u32 targ_scope;		/* VINFER_SCOPE_* */
extern const volatile __u32 targ_self_tgid;	/* the loader: never in scope */
extern const volatile __u32 targ_sampled;	/* hot probes count in windows */
extern const volatile __u32 targ_hold;		/* stop processes for attach */

/* Run-time state the loader writes through the mmap'ed .bss. */
extern __u32 vinfer_window_open;	/* 1: a sampling window is open */
extern __u64 vinfer_heartbeat_ns;	/* loader's last poll, CLOCK_MONOTONIC */

struct vinfer_ev_count {
	__u64 emitted;		/* events the programs tried to send */
	__u64 dropped;		/* of those, lost because the ring was full */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);	/* the loader may resize it */
} vinfer_events SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VINFER_EV_MAX);
	__type(key, __u32);
	__type(value, struct vinfer_ev_count);
} vinfer_ev_counts SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VINFER_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct vinfer_proc);
} vinfer_scope SEC(".maps") __weak;

/* Processes with runtime uprobes attached (the loader adds, exec removes). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VINFER_MAX_PROCS);
	__type(key, __u32);
	__type(value, __u32);
} vinfer_rt_procs SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vinfer_cgroup SEC(".maps") __weak;

/*
 * Ring-buffer events: vinfer_event_reserve() counts every attempt and every
 * drop per event type, so "received + dropped == emitted" holds exactly and
 * the loader can prove it lost nothing silently.
 */
static __always_inline void *vinfer_event_reserve_sz(__u32 type, __u64 size)
{
	struct vinfer_ev_count *c;
	void *e;

	c = bpf_map_lookup_elem(&vinfer_ev_counts, &type);
	if (c)
		__sync_fetch_and_add(&c->emitted, 1);
	e = bpf_ringbuf_reserve(&vinfer_events, size, 0);
	if (!e && c)
		__sync_fetch_and_add(&c->dropped, 1);
	return e;
}

#define vinfer_event_reserve(type, T) \
	((T *)vinfer_event_reserve_sz(type, sizeof(T)))

/* Give back a reserved event that will not be sent: it was never emitted. */
static __always_inline void vinfer_event_discard(void *e, __u32 type)
{
	struct vinfer_ev_count *c;

	bpf_ringbuf_discard(e, 0);
	c = bpf_map_lookup_elem(&vinfer_ev_counts, &type);
	if (c)
		__sync_fetch_and_add(&c->emitted, -1);
}

static __always_inline void vinfer_fill_hdr(struct vinfer_event_hdr *h, __u32 type)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();

	h->type = type;
	h->pid = (__u32)id;
	h->tgid = id >> 32;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->ts_ns = bpf_ktime_get_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* Put @tgid in scope, child of @ppid. Returns the new entry or NULL. */
static __always_inline struct vinfer_proc *vinfer_scope_admit(__u32 tgid, __u32 ppid,
							      __u32 flags)
{
	struct vinfer_proc p = {
		.ppid = ppid,
		.flags = flags,
		.start_ns = bpf_ktime_get_ns(),
	};

	/* BPF_NOEXIST: a racing admit of the same tgid keeps the first entry. */
	bpf_map_update_elem(&vinfer_scope, &tgid, &p, BPF_NOEXIST);
	return bpf_map_lookup_elem(&vinfer_scope, &tgid);
}

/*
 * The scope entry of the current process, or NULL when it is out of scope.
 * In cgroup mode a process first seen here is admitted: it may have entered
 * the cgroup by migration rather than by a fork the programs saw.
 */
static __always_inline struct vinfer_proc *vinfer_current_proc(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct vinfer_proc *p;

	p = bpf_map_lookup_elem(&vinfer_scope, &tgid);
	if (p || targ_scope != VINFER_SCOPE_CGROUP || tgid == targ_self_tgid)
		return p;
	if (bpf_current_task_under_cgroup(&vinfer_cgroup, 0) != 1)
		return NULL;
	return vinfer_scope_admit(tgid, BPF_CORE_READ((struct task_struct *)
						      bpf_get_current_task(),
						      real_parent, tgid), 0);
}

#endif /* VINFER_SCOPE_BPF_H */
