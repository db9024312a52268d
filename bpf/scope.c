// SPDX-License-Identifier: GPL-2.0
/*
 * The scope of a trace: a cgroup v2 subtree or a process tree, resolved from
 * what the operator named and seeded into the kernel's scope map. From then
 * on the kernel follows forks by itself (task.bpf.c); this file only adds
 * what existed before the trace began and sweeps what the kernel marked dead.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "session.h"
#include "bpf/vinfer.skel.h"

struct vinfer_uproc *vinfer_scope_seed(struct vinfer_trace *t, pid_t tgid, pid_t ppid)
{
	struct vinfer_proc kp = { .ppid = ppid, .start_ns = vinfer_now_ns() };
	struct vinfer_uproc *p;
	__u32 key = tgid;

	if (tgid == t->self)
		return NULL;
	/* BPF_NOEXIST: the kernel may have admitted it already (a fork). */
	bpf_map_update_elem(bpf_map__fd(t->skel->maps.vinfer_scope), &key, &kp, BPF_NOEXIST);
	p = vinfer_proc_add(&t->procs, tgid, ppid);
	if (p)
		t->had_procs = true;
	return p;
}

/* Where cgroup2 is mounted, for an error message that helps. */
static void cgroup2_mount(char *buf, size_t len)
{
	char line[1024], mnt[512], fstype[64];
	FILE *f;

	snprintf(buf, len, "nowhere");
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1) {
			snprintf(buf, len, "%s", mnt);
			break;
		}
	}
	fclose(f);
}

/* Seed every process of cgroup directory @dir and its descendants. */
static void seed_cgroup_dir(struct vinfer_trace *t, const char *dir, int depth)
{
	char path[PATH_MAX];
	struct dirent *de;
	int pid;
	DIR *d;
	FILE *f;

	if (depth > 32)
		return;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (f) {
		while (fscanf(f, "%d", &pid) == 1) {
			struct vinfer_uproc *p = vinfer_scope_seed(t, pid, 0);

			if (p)
				vinfer_runtime_scan(t, p);
		}
		fclose(f);
	}
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		seed_cgroup_dir(t, path, depth + 1);
	}
	closedir(d);
}

int vinfer_scope_cgroup(struct vinfer_trace *t, const char *path, char *err, size_t errlen)
{
	char mnt[512];
	struct statfs sfs;
	__u32 zero = 0;
	int fd;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "cgroup %s: %s", path,
			 e == ENOENT ? "does not exist" : strerror(e));
		return -e;
	}
	if (fstatfs(fd, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		cgroup2_mount(mnt, sizeof(mnt));
		snprintf(err, errlen, "cgroup %s: not a cgroup v2 directory "
			 "(cgroup2 is mounted at %s)", path, mnt);
		close(fd);
		return -EINVAL;
	}
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.vinfer_cgroup), &zero, &fd, BPF_ANY)) {
		int e = errno;

		snprintf(err, errlen, "cgroup %s: cannot use it for filtering: %s", path,
			 strerror(e));
		close(fd);
		return -e;
	}
	t->cgroup_fd = fd;
	seed_cgroup_dir(t, path, 0);
	return 0;
}

/* Parent of @pid from /proc/PID/stat, or -1. */
static pid_t proc_ppid(pid_t pid)
{
	char path[64], buf[512], *p;
	int ppid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p)
		p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

int vinfer_scope_pid_tree(struct vinfer_trace *t, pid_t pid, char *err, size_t errlen)
{
	struct vinfer_uproc *root, *p;
	bool grew = true;
	struct dirent *de;
	pid_t ppid;
	DIR *d;

	if (pid <= 0) {
		snprintf(err, errlen, "pid %d: not a process id", pid);
		return -EINVAL;
	}
	if (pid == t->self) {
		snprintf(err, errlen, "pid %d: that is the tracer itself", pid);
		return -EINVAL;
	}
	ppid = proc_ppid(pid);
	if (ppid < 0 || (kill(pid, 0) && errno == ESRCH)) {
		snprintf(err, errlen, "pid %d: no such process", pid);
		return -ESRCH;
	}
	root = vinfer_scope_seed(t, pid, ppid);
	if (!root) {
		snprintf(err, errlen, "pid %d: out of memory", pid);
		return -ENOMEM;
	}
	/*
	 * Descendants that exist already: repeat until no process is added,
	 * since /proc lists pids in order and a child may precede its parent.
	 */
	while (grew) {
		grew = false;
		d = opendir("/proc");
		if (!d)
			break;
		while ((de = readdir(d))) {
			pid_t q = atoi(de->d_name), pp;

			if (q <= 0 || vinfer_proc_get(&t->procs, q))
				continue;
			pp = proc_ppid(q);
			if (pp > 0 && vinfer_proc_get(&t->procs, pp) &&
			    vinfer_scope_seed(t, q, pp))
				grew = true;
		}
		closedir(d);
	}
	/* Runtimes they map already: attach now, without a hold. */
	{
		unsigned int i;

		vinfer_proc_for_each(&t->procs, i, p)
			if (!p->exited)
				vinfer_runtime_scan(t, p);
	}
	return 0;
}

void vinfer_scope_sweep(struct vinfer_trace *t)
{
	int fd = bpf_map__fd(t->skel->maps.vinfer_scope);
	__u32 key, next, *prev = NULL;
	struct vinfer_proc kp;
	__u32 dead[256];
	unsigned int n = 0, i;

	while (!bpf_map_get_next_key(fd, prev, &next) && n < 256) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &kp))
			continue;
		/* Marked by the exit program, or gone without a trace (pid ns). */
		if ((kp.flags & VINFER_PROC_EXITED) || (kill(key, 0) && errno == ESRCH))
			dead[n++] = key;
	}
	for (i = 0; i < n; i++) {
		struct vinfer_uproc *p = vinfer_proc_get(&t->procs, dead[i]);

		if (!bpf_map_lookup_elem(fd, &dead[i], &kp) && p && !p->have_final) {
			p->final = kp;
			p->have_final = true;
		}
		bpf_map_delete_elem(fd, &dead[i]);
		if (p) {
			vinfer_runtime_detach_all(t, p);
			vinfer_proc_mark_exited(&t->procs, p, p->exit_code);
		}
	}
}
