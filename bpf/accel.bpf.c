// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel tier of the accelerator evidence, the part a workload cannot
 * bypass: ioctls on accelerator device nodes, counted per (device, command)
 * at the ioctl(2) syscall entry (syscall.bpf.h: why not an LSM hook),
 * and the DRM GPU scheduler's job tracepoints under their old names
 * (drm_sched_job, drm_run_job, drm_sched_process_job) and the new ones
 * (drm_sched_job_queue, drm_sched_job_run, drm_sched_job_done). The loader
 * attaches the scheduler programs to whichever names the running kernel
 * (really: the loaded gpu-sched module) has.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "scope.bpf.h"
#include "accel.bpf.h"
#include "syscall.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vinfer_ioctl_key);
	__type(value, __u64);
} vinfer_ioctls SEC(".maps");

/* Jobs submitted by scoped tasks, so their run can be attributed. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);	/* struct drm_sched_job * */
	__type(value, __u32);	/* tgid */
} vinfer_drm_jobs SEC(".maps");

__u64 vinfer_ioctl_lost = 0;	/* ioctls not counted: vinfer_ioctls full */
__u64 vinfer_drm_queued = 0;	/* jobs queued by scoped tasks */
__u64 vinfer_drm_run = 0;	/* of those, jobs the scheduler ran */
__u64 vinfer_drm_done_all = 0;	/* jobs finished, all clients (no owner) */

static __always_inline void vinfer_count_ioctl(struct vinfer_proc *p, struct file *file,
					       unsigned int cmd)
{
	struct vinfer_ioctl_key key = { .cmd = cmd };
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	__u64 one = 1, *n;

	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFCHR)
		return;
	key.rdev = BPF_CORE_READ(inode, i_rdev);
	if (vinfer_accel_by_rdev(key.rdev) == VINFER_ACCEL_NONE)
		return;
	__sync_fetch_and_add(&p->accel_ioctls, 1);
	n = bpf_map_lookup_elem(&vinfer_ioctls, &key);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	if (!bpf_map_update_elem(&vinfer_ioctls, &key, &one, BPF_NOEXIST))
		return;
	/* Lost a race with another CPU inserting the key, or the map is full. */
	n = bpf_map_lookup_elem(&vinfer_ioctls, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		__sync_fetch_and_add(&vinfer_ioctl_lost, 1);
}

/*
 * Called by syscall.bpf.c's sys_enter for ioctl(2). Counted at entry,
 * whatever the driver then answers: the attempt is the
 * evidence. 32-bit (ia32) callers use other syscall numbers and are not
 * counted (Documentation/probes.rst, limits).
 */
__noinline int vinfer_ioctl_enter(__u64 fd, __u64 cmd)
{
	struct vinfer_proc *p;
	struct file *file;

	p = vinfer_current_proc();
	if (!p)
		return 0;
	file = vinfer_fd_file((int)fd);
	if (file)
		vinfer_count_ioctl(p, file, (unsigned int)cmd);
	return 0;
}

/* drm_sched_job (old) / drm_sched_job_queue (new): args[0] is the job. */
SEC("raw_tp")
int vinfer_drm_queue(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 job = ctx->args[0];
	struct vinfer_proc *p;
	__u32 tgid;

	p = vinfer_current_proc();
	if (!p)
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	__sync_fetch_and_add(&p->drm_jobs, 1);
	__sync_fetch_and_add(&vinfer_drm_queued, 1);
	bpf_map_update_elem(&vinfer_drm_jobs, &job, &tgid, BPF_ANY);
	return 0;
}

/* drm_run_job (old) / drm_sched_job_run (new): args[0] is the job. */
SEC("raw_tp")
int vinfer_drm_run_job(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 job = ctx->args[0];

	if (bpf_map_lookup_elem(&vinfer_drm_jobs, &job)) {
		__sync_fetch_and_add(&vinfer_drm_run, 1);
		bpf_map_delete_elem(&vinfer_drm_jobs, &job);
	}
	return 0;
}

/*
 * drm_sched_process_job (old) / drm_sched_job_done (new): args[0] is the
 * scheduler fence, which this program cannot tie to a job without the
 * gpu-sched module's types, so completions are counted for all clients.
 */
SEC("raw_tp")
int vinfer_drm_done(struct bpf_raw_tracepoint_args *ctx)
{
	__sync_fetch_and_add(&vinfer_drm_done_all, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
