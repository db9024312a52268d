/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vinfer probes: the types and constants shared by the BPF programs (bpf/
 * *.bpf.c) and their loader (libvinfer_probe). Plain C, no kernel or libc
 * headers but <linux/types.h>: the BPF side includes it after vmlinux.h. Every record here crosses the ring buffer or a map, so
 * field order and sizes are ABI between the two halves of one build (they
 * are always built together; nothing outside this repository reads them).
 *
 * Documentation/probes.rst describes what is probed and the JSON the CLI
 * prints from these records.
 */
#ifndef VINFER_PROBE_H
#define VINFER_PROBE_H

#ifndef __VMLINUX_H__		/* BPF programs get the types from vmlinux.h */
#include <linux/types.h>
#endif

#define VINFER_COMM_LEN		16
#define VINFER_PATH_LEN		256	/* paths longer than this are cut, flagged */
#define VINFER_NAME_LEN		64	/* dentry name of a mapped runtime library */
#define VINFER_ARG_STR_LEN	128	/* string argument of a runtime call */

#define VINFER_MAX_FUNCS	160	/* runtime functions, all runtimes together */
#define VINFER_MAX_LIBNAMES	8	/* runtime library name prefixes */
#define VINFER_MAX_PROCS	16384	/* scoped processes tracked at once */

/* Ring-buffer event types; also the index of the emitted/dropped counters. */
enum vinfer_event_type {
	VINFER_EV_EXEC = 1,	/* a scoped task called execve */
	VINFER_EV_FORK,		/* a scoped process created a process */
	VINFER_EV_EXIT,		/* the last thread of a scoped process exited */
	VINFER_EV_OPEN,		/* open/openat/openat2/creat by a scoped task */
	VINFER_EV_LIB_MAP,	/* a scoped process mapped a runtime library */
	VINFER_EV_HOLD,		/* a forked child stopped until its probes attach */
	VINFER_EV_RT_CALL,	/* a lifecycle call into an accelerator runtime */
	VINFER_EV_MAX,
};

/* Accelerator device classes (kernel tier). 0: not an accelerator node. */
enum vinfer_accel_class {
	VINFER_ACCEL_NONE = 0,
	VINFER_ACCEL_NVIDIA,	/* /dev/nvidia[0-9]*, nvidiactl, nvidia-modeset */
	VINFER_ACCEL_NVIDIA_UVM,	/* /dev/nvidia-uvm, nvidia-uvm-tools */
	VINFER_ACCEL_KFD,	/* /dev/kfd (AMD compute) */
	VINFER_ACCEL_DRM,	/* /dev/dri/renderD*, /dev/dri/card* */
	VINFER_ACCEL_ACCEL,	/* /dev/accel/accel* (compute accelerators) */
	VINFER_ACCEL_MAX,
};

/* Accelerator runtimes (runtime tier). */
enum vinfer_runtime {
	VINFER_RT_NONE = 0,
	VINFER_RT_CUDA,		/* libcuda.so*: the CUDA driver API */
	VINFER_RT_HIP,		/* libamdhip64.so* */
	VINFER_RT_OPENCL,	/* libOpenCL.so* (the ICD loader) */
	VINFER_RT_LEVEL_ZERO,	/* libze_loader.so* */
	VINFER_RT_MAX,
};

/*
 * What one runtime function does, as the BPF uprobe program needs to know
 * it. The loader packs it with the function's index into the attach cookie
 * (VINFER_COOKIE_*), so one program serves every function of every runtime
 * and needs no table of its own.
 */
enum vinfer_op {
	VINFER_OP_CALL = 0,	/* count only */
	VINFER_OP_COPY,		/* count; bytes in arg SIZE, direction DIR */
	VINFER_OP_COPY_KIND,	/* count; bytes in arg SIZE, HIP kind in arg KIND */
	VINFER_OP_ALLOC,	/* count; bytes in arg SIZE */
	VINFER_OP_FREE,		/* count */
	VINFER_OP_LAUNCH,	/* count (hot) */
	VINFER_OP_SYNC,		/* count (hot) */
	VINFER_OP_LIFECYCLE,	/* count and emit a VINFER_EV_RT_CALL event */
};

/* Copy directions; index of vinfer_fn_stats.bytes[]. */
enum vinfer_dir {
	VINFER_DIR_NONE = 0,	/* not a copy, or direction not known (UVA) */
	VINFER_DIR_HTOD,
	VINFER_DIR_DTOH,
	VINFER_DIR_DTOD,
	VINFER_DIR_MAX,
};

#define VINFER_ARG_NONE		0xf	/* "no such argument" in a cookie */

/*
 * Attach cookie of a runtime uprobe:
 *   bits  0..15  function index (vinfer_fn_stats slot)
 *   bits 16..19  enum vinfer_op
 *   bits 20..23  size argument (0-based, VINFER_ARG_NONE: none)
 *   bits 24..27  kind argument (VINFER_OP_COPY_KIND) or string argument
 *                (VINFER_OP_LIFECYCLE), VINFER_ARG_NONE: none
 *   bits 28..29  enum vinfer_dir (VINFER_OP_COPY)
 *   bit  30      hot: counted only inside a sampling window in sampled mode
 *   bit  31      enum vinfer_trap_class of the probed instruction
 *   bit  32      the size argument is 32 bits wide (v1 CUDA entry points)
 */
#define VINFER_COOKIE(fid, op, size_arg, aux_arg, dir, hot, emul, size32)	\
	((__u64)(fid) | (__u64)(op) << 16 | (__u64)(size_arg) << 20 |		\
	 (__u64)(aux_arg) << 24 | (__u64)(dir) << 28 | (__u64)(!!(hot)) << 30 |\
	 (__u64)(!!(emul)) << 31 | (__u64)(!!(size32)) << 32)
#define VINFER_COOKIE_FID(c)	((__u32)((c) & 0xffff))
#define VINFER_COOKIE_OP(c)	((__u32)(((c) >> 16) & 0xf))
#define VINFER_COOKIE_SIZE(c)	((__u32)(((c) >> 20) & 0xf))
#define VINFER_COOKIE_AUX(c)	((__u32)(((c) >> 24) & 0xf))
#define VINFER_COOKIE_DIR(c)	((__u32)(((c) >> 28) & 0x3))
#define VINFER_COOKIE_HOT(c)	((__u32)(((c) >> 30) & 0x1))
#define VINFER_COOKIE_TRAP(c)	((__u32)(((c) >> 31) & 0x1))
#define VINFER_COOKIE_SIZE32(c)	((__u32)(((c) >> 32) & 0x1))

/* Per-CPU counters of one runtime function (map vinfer_fn_stats). */
struct vinfer_fn_stats {
	__u64 calls;		/* counted calls (in windows only, when hot+sampled) */
	__u64 traps;		/* every probe hit, counted or not: its cost */
	__u64 bytes[VINFER_DIR_MAX];
};

/* Per-CPU counters of one (device, ioctl command) pair (map vinfer_ioctls). */
struct vinfer_ioctl_key {
	__u32 rdev;		/* kernel dev_t: major << 20 | minor */
	__u32 cmd;
};

/* Scope map value: one per scoped process (thread group), key tgid. */
struct vinfer_proc {
	__u32 ppid;		/* tgid of the parent when it entered the scope */
	__u32 flags;		/* VINFER_PROC_* */
	__u32 exec_gen;		/* bumped on every exec: new mappings */
	__u32 pad;
	__u64 start_ns;		/* when it entered the scope (CLOCK_MONOTONIC) */
	__u64 rt_calls;		/* runtime-tier probe hits, all functions */
	__u64 accel_opens;	/* kernel tier: accelerator device opens */
	__u64 accel_ioctls;	/* kernel tier: ioctls on accelerator devices */
	__u64 drm_jobs;		/* kernel tier: DRM scheduler jobs submitted */
};

#define VINFER_PROC_HOLD_CHILD	0x2	/* hold this new child at its first run */
#define VINFER_PROC_EXITED	0x80000000u	/* exit event sent, entry stale */

/* Function slot the loader's calibration stubs count into (bpf/window.c). */
#define VINFER_FID_CALIB	(VINFER_MAX_FUNCS - 1)

/* Trap classes: how the kernel handles the probed instruction. */
enum vinfer_trap_class {
	VINFER_TRAP_XOL = 0,	/* single-stepped out of line: the costly kind */
	VINFER_TRAP_EMUL,	/* emulated in the kernel (push, jmp, call, nop) */
	VINFER_TRAP_MAX,
};

/* Per-CPU on-CPU accounting slot for the sampling estimator. */
struct vinfer_oncpu {
	__u64 since_ns;		/* scoped task on this CPU since (0: none) */
	__u64 seq;		/* bumped on every change, for consistent reads */
};

/* Keys of the vinfer_libnames map: runtime library dentry-name prefixes. */
struct vinfer_libname {
	char prefix[24];	/* NUL-terminated, matched against the dentry name */
	__u32 runtime;		/* enum vinfer_runtime */
	__u32 len;
};

/* Common header of every ring-buffer event. */
struct vinfer_event_hdr {
	__u32 type;		/* enum vinfer_event_type */
	__u32 pid;		/* thread id (init pid namespace) */
	__u32 tgid;		/* process id */
	__u32 ppid;		/* parent's tgid (real_parent) */
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
	__u64 cgroup_id;	/* cgroup v2 id of the task */
	char comm[VINFER_COMM_LEN];
};

struct vinfer_ev_exec {
	struct vinfer_event_hdr hdr;
	__u32 old_pid;
	__u32 truncated;
	char filename[VINFER_PATH_LEN];
};

struct vinfer_ev_fork {
	struct vinfer_event_hdr hdr;	/* the child; hdr.ppid is the parent */
	__u32 parent_pid;		/* thread of the parent that forked */
	__u32 pad;
};

struct vinfer_ev_exit {
	struct vinfer_event_hdr hdr;
	__s32 exit_code;		/* wait status: code << 8 | signal */
	__u32 pad;
	struct vinfer_proc proc;	/* the process's final counters */
};

/* Where an open event's path came from. */
enum vinfer_path_src {
	VINFER_PATH_USER = 0,	/* the caller's string as given (absolute, or
				 * relative and not resolvable any more) */
	VINFER_PATH_RESOLVED,	/* a relative string the loader joined with the
				 * process's working directory or the dirfd */
};

struct vinfer_ev_open {
	struct vinfer_event_hdr hdr;
	__s64 ret;		/* fd, or -errno */
	__u32 flags;		/* open flags (O_*) */
	__u32 mode;
	__u64 ino;		/* inode of the opened file (0 if it failed) */
	__u32 dev;		/* kernel dev_t of its filesystem */
	__u32 rdev;		/* kernel dev_t of a device node */
	__u32 accel;		/* enum vinfer_accel_class */
	__u16 path_src;		/* enum vinfer_path_src */
	__u16 truncated;
	__s32 dfd;		/* directory fd of a relative path (AT_FDCWD: cwd) */
	__u32 pad;
	char path[VINFER_PATH_LEN];
};

struct vinfer_ev_lib_map {
	struct vinfer_event_hdr hdr;
	__u64 ino;
	__u32 dev;
	__u32 runtime;		/* enum vinfer_runtime */
	__u32 held;		/* 1: the process was stopped for the attach */
	__u32 pad;
	char name[VINFER_NAME_LEN];
};

struct vinfer_ev_hold {
	struct vinfer_event_hdr hdr;	/* the child, stopped */
};

struct vinfer_ev_rt_call {
	struct vinfer_event_hdr hdr;
	__u32 fid;
	__u32 has_str;
	__u64 args[3];
	char str[VINFER_ARG_STR_LEN];
};

#endif /* VINFER_PROBE_H */
