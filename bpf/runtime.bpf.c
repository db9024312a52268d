// SPDX-License-Identifier: GPL-2.0
/*
 * Runtime tier: the accelerator runtimes a scoped process maps (CUDA driver
 * API, HIP, OpenCL, Level Zero), found in the kernel and probed from
 * userspace.
 *
 * Finding them: the dynamic loader maps a library's code with mmap(2) and
 * PROT_EXEC; at that syscall's entry (sys_enter, syscall.bpf.h) the file
 * behind the descriptor is looked at, and one of a scoped process whose
 * name starts with a runtime's library name (vinfer_libnames, filled by the
 * loader) is reported once per process, exec and inode. With hold on, the
 * process is stopped (SIGSTOP, delivered when mmap returns, before any of
 * the library's code runs) and the loader continues it once the uprobes
 * are in.
 *
 * Holding a forked child: a child of a probed process shares its parent's
 * mappings but not its uprobes. Its first passage through the kernel's
 * exit-to-user path is the return of the parent's fork/clone in the child
 * (ret_from_fork ends in syscall_exit_to_user_mode, which runs the sys_exit
 * tracepoint for every task while it is enabled), so the sys_exit program
 * stops it there, in its own context, before its first user instruction
 * (vinfer_fork_return). This needs neither a trampoline on schedule_tail
 * nor the bpf_send_signal_task kfunc (6.13+): the same code holds children
 * on 6.1 and 6.18. So exact counts miss no call, whatever a process does right
 * after loading a runtime or forking.
 *
 * Counting: one program serves every function; the attach cookie says
 * which function it is and what to read (vinfer_probe.h). Counts go to
 * per-CPU slots; only lifecycle calls (init, context, module load) send an
 * event. A "hot" function (launches, synchronisation) in sampled mode counts
 * only while the loader holds a sampling window open; outside windows its
 * uprobes are not even attached (bpf/window.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "scope.bpf.h"
#include "syscall.bpf.h"

#ifndef __TARGET_ARCH_x86
#error "runtime.bpf.c reads x86-64 call arguments"
#endif

#define SIGSTOP		19
#define VINFER_LOADER_STALE_NS	(2ULL * 1000000000ULL)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VINFER_MAX_LIBNAMES);
	__type(key, __u32);
	__type(value, struct vinfer_libname);
} vinfer_libnames SEC(".maps");

struct vinfer_lib_key {
	__u32 tgid;
	__u32 exec_gen;
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vinfer_lib_key);
	__type(value, __u32);
} vinfer_libseen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VINFER_MAX_FUNCS);
	__type(key, __u32);
	__type(value, struct vinfer_fn_stats);
} vinfer_fn_stats SEC(".maps");

/* Probe hits per trap class, calibration excluded: the estimator's cost. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VINFER_TRAP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} vinfer_traps SEC(".maps");

/* Stands in for a scope entry while the loader calibrates on itself. */
struct vinfer_proc vinfer_calib_proc = {};

/* A hold is only safe while a loader is there to let the process go. */
static __always_inline bool vinfer_loader_alive(void)
{
	return bpf_ktime_get_ns() - vinfer_heartbeat_ns < VINFER_LOADER_STALE_NS;
}

/* Runtime whose library name prefixes @name, or VINFER_RT_NONE. */
static __always_inline __u32 vinfer_runtime_of(const char *name)
{
	struct vinfer_libname *ln;
	__u32 i, j;

	for (i = 0; i < VINFER_MAX_LIBNAMES; i++) {
		__u32 k = i;
		bool match = true;

		ln = bpf_map_lookup_elem(&vinfer_libnames, &k);
		if (!ln || !ln->len)
			break;
		for (j = 0; j < sizeof(ln->prefix) && j < ln->len; j++) {
			if (name[j & (VINFER_NAME_LEN - 1)] != ln->prefix[j]) {
				match = false;
				break;
			}
		}
		if (match)
			return ln->runtime;
	}
	return VINFER_RT_NONE;
}

/* Called by syscall.bpf.c's sys_enter for mmap(2) with PROT_EXEC. */
__noinline int vinfer_mmap_enter(__u64 fd)
{
	struct vinfer_lib_key key = {};
	struct vinfer_ev_lib_map *e;
	char name[VINFER_NAME_LEN];
	struct vinfer_proc *p;
	struct file *file;
	struct inode *inode;
	__u32 rt, one = 1;

	p = vinfer_current_proc();
	if (!p)
		return 0;
	file = vinfer_fd_file((int)fd);
	if (!file)
		return 0;	/* anonymous, or a bad descriptor mmap will refuse */
	if (bpf_probe_read_kernel_str(name, sizeof(name),
				      BPF_CORE_READ(file, f_path.dentry, d_name.name)) < 0)
		return 0;
	rt = vinfer_runtime_of(name);
	if (rt == VINFER_RT_NONE)
		return 0;

	inode = BPF_CORE_READ(file, f_inode);
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.exec_gen = p->exec_gen;
	key.ino = BPF_CORE_READ(inode, i_ino);
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	if (bpf_map_update_elem(&vinfer_libseen, &key, &one, BPF_NOEXIST))
		return 0;	/* already reported for this process image */

	/* Reserve first: a process must never be stopped unannounced. */
	e = vinfer_event_reserve(VINFER_EV_LIB_MAP, struct vinfer_ev_lib_map);
	if (!e)
		return 0;
	vinfer_fill_hdr(&e->hdr, VINFER_EV_LIB_MAP);
	e->ino = key.ino;
	e->dev = key.dev;
	e->runtime = rt;
	e->pad = 0;
	__builtin_memcpy(e->name, name, sizeof(e->name));
	e->held = targ_hold && vinfer_loader_alive() && !bpf_send_signal(SIGSTOP);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * Called by syscall.bpf.c's sys_exit when fork/vfork/clone/clone3 returns 0:
 * a new task in its own context, before its first user instruction. Hold it
 * if it is a process its parent's fork marked.
 */
__noinline int vinfer_fork_return(void)
{
	__u64 id;
	__u32 tgid, old;
	struct vinfer_ev_hold *e;
	struct vinfer_proc *p;

	if (!targ_hold)
		return 0;
	id = bpf_get_current_pid_tgid();
	tgid = id >> 32;
	if ((__u32)id != tgid)
		return 0;	/* a new thread, not a new process */
	p = bpf_map_lookup_elem(&vinfer_scope, &tgid);
	if (!p || !(p->flags & VINFER_PROC_HOLD_CHILD))
		return 0;
	old = __sync_fetch_and_and(&p->flags, ~VINFER_PROC_HOLD_CHILD);
	if (!(old & VINFER_PROC_HOLD_CHILD) || !vinfer_loader_alive())
		return 0;
	e = vinfer_event_reserve(VINFER_EV_HOLD, struct vinfer_ev_hold);
	if (!e)
		return 0;
	if (bpf_send_signal(SIGSTOP)) {
		vinfer_event_discard(e, VINFER_EV_HOLD);
		return 0;
	}
	vinfer_fill_hdr(&e->hdr, VINFER_EV_HOLD);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * Argument @i (0-based) of a function entered at @ctx, x86-64 SysV ABI.
 * The registers are loaded one by one into an array indexed at run time: a
 * switch over ctx fields compiles to a variable offset into ctx, which the
 * verifier rejects.
 */
static __always_inline __u64 vinfer_arg(struct pt_regs *ctx, __u32 i)
{
	__u64 r[8] = {
		ctx->di, ctx->si, ctx->dx, ctx->cx, ctx->r8, ctx->r9, 0, 0,
	};
	__u64 v = 0;

	if (i < 6)
		return r[i & 7];
	/* Stack arguments: 8(%rsp) is the 7th, the return address is 0. */
	if (i < VINFER_ARG_NONE)
		bpf_probe_read_user(&v, sizeof(v), (void *)(ctx->sp + 8 * (i - 5)));
	return v;
}

/* HIP's hipMemcpyKind: 1 host to device, 2 device to host, 3 device to device. */
static __always_inline __u32 vinfer_hip_dir(__u64 kind)
{
	switch (kind) {
	case 1: return VINFER_DIR_HTOD;
	case 2: return VINFER_DIR_DTOH;
	case 3: return VINFER_DIR_DTOD;
	default: return VINFER_DIR_NONE;	/* host to host, or inferred */
	}
}

static __always_inline void vinfer_rt_event(struct pt_regs *ctx, __u32 fid, __u64 cookie)
{
	struct vinfer_ev_rt_call *e;
	__u32 sarg = VINFER_COOKIE_AUX(cookie);

	e = vinfer_event_reserve(VINFER_EV_RT_CALL, struct vinfer_ev_rt_call);
	if (!e)
		return;
	vinfer_fill_hdr(&e->hdr, VINFER_EV_RT_CALL);
	e->fid = fid;
	e->args[0] = vinfer_arg(ctx, 0);
	e->args[1] = vinfer_arg(ctx, 1);
	e->args[2] = vinfer_arg(ctx, 2);
	e->has_str = 0;
	e->str[0] = 0;
	if (sarg != VINFER_ARG_NONE &&
	    bpf_probe_read_user_str(e->str, sizeof(e->str),
				    (const void *)vinfer_arg(ctx, sarg)) > 0)
		e->has_str = 1;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int vinfer_rt_count(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 fid = VINFER_COOKIE_FID(cookie);
	__u32 op = VINFER_COOKIE_OP(cookie);
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 trap = VINFER_COOKIE_TRAP(cookie);
	struct vinfer_fn_stats *st;
	struct vinfer_proc *p;
	__u64 *tc, size;
	__u32 dir;

	p = bpf_map_lookup_elem(&vinfer_scope, &tgid);
	if (!p) {
		if (fid != VINFER_FID_CALIB)
			return 0;
		p = &vinfer_calib_proc;
	}
	st = bpf_map_lookup_elem(&vinfer_fn_stats, &fid);
	if (!st)
		return 0;
	__sync_fetch_and_add(&st->traps, 1);
	if (fid != VINFER_FID_CALIB) {
		tc = bpf_map_lookup_elem(&vinfer_traps, &trap);
		if (tc)
			__sync_fetch_and_add(tc, 1);
	}
	if (VINFER_COOKIE_HOT(cookie) && targ_sampled && !vinfer_window_open)
		return 0;
	__sync_fetch_and_add(&st->calls, 1);
	__sync_fetch_and_add(&p->rt_calls, 1);

	switch (op) {
	case VINFER_OP_COPY:
	case VINFER_OP_COPY_KIND:
	case VINFER_OP_ALLOC:
		if (VINFER_COOKIE_SIZE(cookie) == VINFER_ARG_NONE)
			break;
		size = vinfer_arg(ctx, VINFER_COOKIE_SIZE(cookie));
		if (VINFER_COOKIE_SIZE32(cookie))
			size &= 0xffffffffULL;
		if (op == VINFER_OP_COPY)
			dir = VINFER_COOKIE_DIR(cookie);
		else if (op == VINFER_OP_COPY_KIND)
			dir = vinfer_hip_dir(vinfer_arg(ctx, VINFER_COOKIE_AUX(cookie)));
		else
			dir = VINFER_DIR_NONE;
		/*
		 * dir is below VINFER_DIR_MAX by construction, but clang folds
		 * the HIP kind switch into a range check on another register
		 * that 6.1's verifier does not carry over: mask it.
		 */
		_Static_assert((VINFER_DIR_MAX & (VINFER_DIR_MAX - 1)) == 0,
			       "VINFER_DIR_MAX must be a power of two");
		dir &= VINFER_DIR_MAX - 1;
		barrier_var(dir);
		__sync_fetch_and_add(&st->bytes[dir], size);
		break;
	case VINFER_OP_LIFECYCLE:
		vinfer_rt_event(ctx, fid, cookie);
		break;
	}
	return 0;
}

/* Attached through a perf-event uprobe per function (any kernel). */
SEC("uprobe")
int vinfer_rt_hit(struct pt_regs *ctx)
{
	return vinfer_rt_count(ctx);
}

/*
 * The same, loaded as BPF_TRACE_UPROBE_MULTI where the kernel has it (6.6+):
 * one link per process and library, whose breakpoints go the moment the
 * link is closed, which is what makes short sampling windows cheap.
 */
SEC("uprobe")
int vinfer_rt_hit_multi(struct pt_regs *ctx)
{
	return vinfer_rt_count(ctx);
}

char LICENSE[] SEC("license") = "GPL";
