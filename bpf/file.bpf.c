// SPDX-License-Identifier: GPL-2.0
/*
 * Files opened by the scoped workload: path, flags, mode and result, so the
 * model and data files it reads are seen (and, by the daemon, handed to
 * vinfer.ko for in-kernel measurement), and opens of accelerator device
 * nodes feed the kernel tier.
 *
 * Two functions per open(2)/openat(2)/openat2(2)/creat(2), called from the
 * raw syscall tracepoint programs (syscall.bpf.c; syscall.bpf.h says why
 * not fentry):
 *   vinfer_open_enter  a scoped thread starts an open: arguments stashed
 *   vinfer_open_exit   the result; the event carries the caller's path and,
 *                      when the open succeeded, the device, inode and
 *                      (device nodes) rdev of the struct file at fd ret
 * The path is the string the caller passed, read at exit (the kernel has
 * just copied it, so its page is resident). A relative path is joined with
 * the process's working directory or the dirfd by the loader
 * (VINFER_PATH_RESOLVED); dev and inode are the kernel's, so a consumer can
 * check that the name it opens again is the file the workload opened.
 * Opens by io_uring or by the kernel itself do not pass here.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "scope.bpf.h"
#include "accel.bpf.h"
#include "syscall.bpf.h"

struct vinfer_open_args {
	__u32 nr;		/* which syscall */
	__s32 dfd;
	__u64 path;		/* user pointer */
	__u64 flags;		/* open flags, or the user struct open_how * */
	__u32 mode;
	__u32 pad;
};

/* LRU: a thread killed inside open never reaches sys_exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);	/* thread id */
	__type(value, struct vinfer_open_args);
} vinfer_open_args SEC(".maps");

/* Called by syscall.bpf.c's sys_enter for the open family: a0..a3 as passed. */
__noinline int vinfer_open_enter(long id, __u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vinfer_open_args a = { .nr = id, .dfd = VINFER_AT_FDCWD };

	if (!vinfer_current_proc())
		return 0;
	switch (id) {
	case VINFER_NR_open:
		a.path = a0;
		a.flags = a1;
		a.mode = a2;
		break;
	case VINFER_NR_creat:
		a.path = a0;
		a.flags = VINFER_O_CREAT | VINFER_O_WRONLY | VINFER_O_TRUNC;
		a.mode = a1;
		break;
	case VINFER_NR_openat:
		a.dfd = a0;
		a.path = a1;
		a.flags = a2;
		a.mode = a3;
		break;
	default:	/* openat2: flags and mode are in the user's open_how */
		a.dfd = a0;
		a.path = a1;
		a.flags = a2;
		break;
	}
	bpf_map_update_elem(&vinfer_open_args, &tid, &a, BPF_ANY);
	return 0;
}

/* Called by syscall.bpf.c's sys_exit for the open family. */
__noinline int vinfer_open_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), tgid, rdev = 0, dev = 0;
	__u32 accel = VINFER_ACCEL_NONE;
	struct vinfer_open_args *a;
	struct vinfer_ev_open *e;
	struct vinfer_proc *p;
	struct file *file;
	struct inode *inode;
	bool chr = false;
	__u64 ino = 0;
	long n;

	a = bpf_map_lookup_elem(&vinfer_open_args, &tid);
	if (!a)
		return 0;
	file = ret >= 0 ? vinfer_fd_file(ret) : NULL;
	if (file) {
		inode = BPF_CORE_READ(file, f_inode);
		ino = BPF_CORE_READ(inode, i_ino);
		dev = BPF_CORE_READ(inode, i_sb, s_dev);
		chr = (BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFCHR;
		if (chr)
			rdev = BPF_CORE_READ(inode, i_rdev);
	}

	e = vinfer_event_reserve(VINFER_EV_OPEN, struct vinfer_ev_open);
	if (!e) {
		/* Lost event: the device is still counted, by number. */
		if (chr)
			accel = vinfer_accel_by_rdev(rdev);
		goto count;
	}
	vinfer_fill_hdr(&e->hdr, VINFER_EV_OPEN);
	e->ret = ret;
	e->flags = a->flags;
	e->mode = a->mode;
	if (a->nr == VINFER_NR_openat2) {
		struct open_how how = {};

		bpf_probe_read_user(&how, sizeof(how), (void *)a->flags);
		e->flags = how.flags;
		e->mode = how.mode;
	}
	e->dfd = a->dfd;
	e->pad = 0;
	e->path_src = VINFER_PATH_USER;
	n = bpf_probe_read_user_str(e->path, sizeof(e->path), (void *)a->path);
	if (n < 0)
		e->path[0] = 0;
	e->truncated = n == sizeof(e->path);
	e->ino = ino;
	e->dev = dev;
	e->rdev = rdev;
	if (chr)
		accel = vinfer_accel_learn(rdev, e->path);
	e->accel = accel;
	bpf_ringbuf_submit(e, 0);
count:
	if (accel) {
		tgid = bpf_get_current_pid_tgid() >> 32;
		p = bpf_map_lookup_elem(&vinfer_scope, &tgid);
		if (p)
			__sync_fetch_and_add(&p->accel_opens, 1);
	}
	bpf_map_delete_elem(&vinfer_open_args, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
