// SPDX-License-Identifier: GPL-2.0
/*
 * Runtime tier, loader side: which functions of which accelerator runtime are
 * probed and what their arguments mean, and attaching those uprobes to the
 * library each traced process actually maps (found in /proc/PID/maps by the
 * device and inode the kernel reported, so any libcuda.so.1 works, a test
 * double included; nothing here knows one library from another).
 *
 * Uprobes are per process (pid filter): breakpoints go only into the traced
 * process's memory, and unrelated processes that map the same library pay
 * nothing. Where the kernel has uprobe_multi links (6.6+) all functions of a
 * library go into one link; otherwise one perf-event link per function.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "session.h"
#include "bpf/vinfer.skel.h"

#define N VINFER_ARG_NONE
#define CUDA VINFER_RT_CUDA
#define HIP VINFER_RT_HIP
#define OCL VINFER_RT_OPENCL
#define ZE VINFER_RT_LEVEL_ZERO

#define CALL(rt, n)		{ n, rt, VINFER_OP_CALL, N, N, 0, false }
#define LIFE(rt, n, s)		{ n, rt, VINFER_OP_LIFECYCLE, N, s, 0, false }
#define ALLOC(rt, n, sz)	{ n, rt, VINFER_OP_ALLOC, sz, N, 0, false }
#define ALLOC32(rt, n, sz)	{ n, rt, VINFER_OP_ALLOC, sz, N, 0, true }
#define FREE(rt, n)		{ n, rt, VINFER_OP_FREE, N, N, 0, false }
#define COPY(rt, n, sz, d)	{ n, rt, VINFER_OP_COPY, sz, N, VINFER_DIR_##d, false }
#define COPY32(rt, n, sz, d)	{ n, rt, VINFER_OP_COPY, sz, N, VINFER_DIR_##d, true }
#define COPYK(rt, n, sz, k)	{ n, rt, VINFER_OP_COPY_KIND, sz, k, 0, false }
#define LAUNCH(rt, n)		{ n, rt, VINFER_OP_LAUNCH, N, N, 0, false }
#define SYNC(rt, n)		{ n, rt, VINFER_OP_SYNC, N, N, 0, false }

/*
 * Argument positions are 0-based, from the runtimes' public headers
 * (cuda.h, hip_runtime_api.h, CL/cl.h, ze_api.h). The unsuffixed CUDA
 * memory functions are the 32-bit v1 ABI that cuda.h has mapped to _v2
 * since CUDA 3.2; old binaries still call them.
 */
const struct vinfer_fn_def vinfer_fns[] = {
	/* CUDA driver API: lifecycle */
	LIFE(CUDA, "cuInit", N),
	LIFE(CUDA, "cuCtxCreate", N),
	LIFE(CUDA, "cuCtxCreate_v2", N),
	LIFE(CUDA, "cuCtxCreate_v3", N),
	LIFE(CUDA, "cuCtxCreate_v4", N),
	LIFE(CUDA, "cuDevicePrimaryCtxRetain", N),
	LIFE(CUDA, "cuCtxDestroy", N),
	LIFE(CUDA, "cuCtxDestroy_v2", N),
	LIFE(CUDA, "cuModuleLoad", 1),
	LIFE(CUDA, "cuModuleLoadData", N),
	LIFE(CUDA, "cuModuleLoadDataEx", N),
	LIFE(CUDA, "cuModuleLoadFatBinary", N),
	LIFE(CUDA, "cuModuleUnload", N),
	LIFE(CUDA, "cuLibraryLoadFromFile", 1),
	LIFE(CUDA, "cuLibraryLoadData", N),
	CALL(CUDA, "cuModuleGetFunction"),
	/* CUDA: memory */
	ALLOC32(CUDA, "cuMemAlloc", 1),
	ALLOC(CUDA, "cuMemAlloc_v2", 1),
	ALLOC(CUDA, "cuMemAllocHost_v2", 1),
	ALLOC(CUDA, "cuMemHostAlloc", 1),
	ALLOC(CUDA, "cuMemAllocManaged", 1),
	ALLOC(CUDA, "cuMemAllocAsync", 1),
	ALLOC(CUDA, "cuMemAllocAsync_ptsz", 1),
	ALLOC(CUDA, "cuMemAllocFromPoolAsync", 1),
	FREE(CUDA, "cuMemFree"),
	FREE(CUDA, "cuMemFree_v2"),
	FREE(CUDA, "cuMemFreeHost"),
	FREE(CUDA, "cuMemFreeAsync"),
	FREE(CUDA, "cuMemFreeAsync_ptsz"),
	/* CUDA: copies */
	COPY32(CUDA, "cuMemcpyHtoD", 2, HTOD),
	COPY(CUDA, "cuMemcpyHtoD_v2", 2, HTOD),
	COPY(CUDA, "cuMemcpyHtoD_v2_ptds", 2, HTOD),
	COPY(CUDA, "cuMemcpyHtoDAsync_v2", 2, HTOD),
	COPY(CUDA, "cuMemcpyHtoDAsync_v2_ptsz", 2, HTOD),
	COPY32(CUDA, "cuMemcpyDtoH", 2, DTOH),
	COPY(CUDA, "cuMemcpyDtoH_v2", 2, DTOH),
	COPY(CUDA, "cuMemcpyDtoH_v2_ptds", 2, DTOH),
	COPY(CUDA, "cuMemcpyDtoHAsync_v2", 2, DTOH),
	COPY(CUDA, "cuMemcpyDtoHAsync_v2_ptsz", 2, DTOH),
	COPY(CUDA, "cuMemcpyDtoD_v2", 2, DTOD),
	COPY(CUDA, "cuMemcpyDtoDAsync_v2", 2, DTOD),
	COPY(CUDA, "cuMemcpy", 2, NONE),
	COPY(CUDA, "cuMemcpy_ptds", 2, NONE),
	COPY(CUDA, "cuMemcpyAsync", 2, NONE),
	COPY(CUDA, "cuMemcpyAsync_ptsz", 2, NONE),
	CALL(CUDA, "cuMemcpy2D_v2"),
	CALL(CUDA, "cuMemcpy3D_v2"),
	/* CUDA: launches and synchronisation (hot) */
	LAUNCH(CUDA, "cuLaunchKernel"),
	LAUNCH(CUDA, "cuLaunchKernel_ptsz"),
	LAUNCH(CUDA, "cuLaunchKernelEx"),
	LAUNCH(CUDA, "cuLaunchKernelEx_ptsz"),
	LAUNCH(CUDA, "cuLaunchCooperativeKernel"),
	LAUNCH(CUDA, "cuLaunchCooperativeKernel_ptsz"),
	LAUNCH(CUDA, "cuGraphLaunch"),
	LAUNCH(CUDA, "cuGraphLaunch_ptsz"),
	SYNC(CUDA, "cuCtxSynchronize"),
	SYNC(CUDA, "cuStreamSynchronize"),
	SYNC(CUDA, "cuStreamSynchronize_ptsz"),
	SYNC(CUDA, "cuEventSynchronize"),

	/* HIP */
	LIFE(HIP, "hipInit", N),
	LIFE(HIP, "hipCtxCreate", N),
	LIFE(HIP, "hipModuleLoad", 1),
	LIFE(HIP, "hipModuleLoadData", N),
	LIFE(HIP, "hipModuleUnload", N),
	CALL(HIP, "hipModuleGetFunction"),
	ALLOC(HIP, "hipMalloc", 1),
	ALLOC(HIP, "hipHostMalloc", 1),
	ALLOC(HIP, "hipMallocManaged", 1),
	ALLOC(HIP, "hipMallocAsync", 1),
	ALLOC(HIP, "hipExtMallocWithFlags", 1),
	FREE(HIP, "hipFree"),
	FREE(HIP, "hipHostFree"),
	FREE(HIP, "hipFreeAsync"),
	COPYK(HIP, "hipMemcpy", 2, 3),
	COPYK(HIP, "hipMemcpyAsync", 2, 3),
	COPYK(HIP, "hipMemcpyWithStream", 2, 3),
	COPY(HIP, "hipMemcpyHtoD", 2, HTOD),
	COPY(HIP, "hipMemcpyHtoDAsync", 2, HTOD),
	COPY(HIP, "hipMemcpyDtoH", 2, DTOH),
	COPY(HIP, "hipMemcpyDtoHAsync", 2, DTOH),
	COPY(HIP, "hipMemcpyDtoD", 2, DTOD),
	COPY(HIP, "hipMemcpyDtoDAsync", 2, DTOD),
	LAUNCH(HIP, "hipLaunchKernel"),
	LAUNCH(HIP, "hipModuleLaunchKernel"),
	LAUNCH(HIP, "hipExtModuleLaunchKernel"),
	LAUNCH(HIP, "hipLaunchCooperativeKernel"),
	LAUNCH(HIP, "hipGraphLaunch"),
	SYNC(HIP, "hipDeviceSynchronize"),
	SYNC(HIP, "hipStreamSynchronize"),
	SYNC(HIP, "hipEventSynchronize"),
	SYNC(HIP, "hipCtxSynchronize"),

	/* OpenCL */
	LIFE(OCL, "clCreateContext", N),
	LIFE(OCL, "clCreateContextFromType", N),
	LIFE(OCL, "clCreateCommandQueue", N),
	LIFE(OCL, "clCreateCommandQueueWithProperties", N),
	LIFE(OCL, "clCreateProgramWithSource", N),
	LIFE(OCL, "clCreateProgramWithBinary", N),
	LIFE(OCL, "clBuildProgram", N),
	ALLOC(OCL, "clCreateBuffer", 2),
	ALLOC(OCL, "clSVMAlloc", 2),
	FREE(OCL, "clReleaseMemObject"),
	FREE(OCL, "clSVMFree"),
	COPY(OCL, "clEnqueueWriteBuffer", 4, HTOD),
	COPY(OCL, "clEnqueueReadBuffer", 4, DTOH),
	COPY(OCL, "clEnqueueCopyBuffer", 5, DTOD),
	COPY(OCL, "clEnqueueSVMMemcpy", 4, NONE),
	CALL(OCL, "clEnqueueWriteBufferRect"),
	CALL(OCL, "clEnqueueReadBufferRect"),
	LAUNCH(OCL, "clEnqueueNDRangeKernel"),
	LAUNCH(OCL, "clEnqueueTask"),
	SYNC(OCL, "clFinish"),
	SYNC(OCL, "clWaitForEvents"),

	/* Level Zero */
	LIFE(ZE, "zeInit", N),
	LIFE(ZE, "zeContextCreate", N),
	LIFE(ZE, "zeModuleCreate", N),
	LIFE(ZE, "zeCommandQueueCreate", N),
	LIFE(ZE, "zeCommandListCreate", N),
	ALLOC(ZE, "zeMemAllocDevice", 2),
	ALLOC(ZE, "zeMemAllocHost", 2),
	ALLOC(ZE, "zeMemAllocShared", 3),
	FREE(ZE, "zeMemFree"),
	COPY(ZE, "zeCommandListAppendMemoryCopy", 3, NONE),
	LAUNCH(ZE, "zeCommandListAppendLaunchKernel"),
	LAUNCH(ZE, "zeCommandListAppendLaunchCooperativeKernel"),
	LAUNCH(ZE, "zeCommandQueueExecuteCommandLists"),
	SYNC(ZE, "zeCommandQueueSynchronize"),
	SYNC(ZE, "zeEventHostSynchronize"),
	SYNC(ZE, "zeFenceHostSynchronize"),
};

const unsigned int vinfer_n_fns = sizeof(vinfer_fns) / sizeof(vinfer_fns[0]);

_Static_assert(sizeof(vinfer_fns) / sizeof(vinfer_fns[0]) < VINFER_FID_CALIB,
	       "runtime function table overflows the BPF counter slots");

/* File names of the runtimes' libraries (the dentry name the kernel sees). */
static const struct {
	const char *prefix;
	enum vinfer_runtime rt;
} vinfer_libs[] = {
	{ "libcuda.so", VINFER_RT_CUDA },
	{ "libamdhip64.so", VINFER_RT_HIP },
	{ "libOpenCL.so", VINFER_RT_OPENCL },
	{ "libze_loader.so", VINFER_RT_LEVEL_ZERO },
};

const char *vinfer_fn_name(unsigned int fid)
{
	return fid < vinfer_n_fns ? vinfer_fns[fid].name : NULL;
}

const char *vinfer_runtime_name(enum vinfer_runtime rt)
{
	switch (rt) {
	case VINFER_RT_CUDA: return "cuda";
	case VINFER_RT_HIP: return "hip";
	case VINFER_RT_OPENCL: return "opencl";
	case VINFER_RT_LEVEL_ZERO: return "level_zero";
	default: return "none";
	}
}

int vinfer_libnames_fill(struct vinfer_trace *t)
{
	int fd = bpf_map__fd(t->skel->maps.vinfer_libnames);
	__u32 i;

	for (i = 0; i < sizeof(vinfer_libs) / sizeof(vinfer_libs[0]); i++) {
		struct vinfer_libname ln = { .runtime = vinfer_libs[i].rt };

		snprintf(ln.prefix, sizeof(ln.prefix), "%s", vinfer_libs[i].prefix);
		ln.len = strlen(ln.prefix);
		if (bpf_map_update_elem(fd, &i, &ln, BPF_ANY))
			return -errno;
	}
	return 0;
}

static enum vinfer_runtime runtime_of_name(const char *base)
{
	size_t i;

	for (i = 0; i < sizeof(vinfer_libs) / sizeof(vinfer_libs[0]); i++)
		if (!strncmp(base, vinfer_libs[i].prefix, strlen(vinfer_libs[i].prefix)))
			return vinfer_libs[i].rt;
	return VINFER_RT_NONE;
}

int vinfer_wait_stopped(pid_t tgid, int timeout_ms)
{
	struct timespec ts = { 0, 200 * 1000 };
	char path[64], buf[512], *p;
	int i, loops = timeout_ms * 5;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", tgid);
	for (i = 0; i < loops; i++) {
		f = fopen(path, "re");
		if (!f)
			return -ESRCH;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		/* "pid (comm) S ...": comm may hold spaces and parentheses. */
		if (p)
			p = strrchr(buf, ')');
		if (p && p[1] == ' ') {
			if (p[2] == 'T' || p[2] == 't')
				return 0;
			if (p[2] == 'Z' || p[2] == 'X')
				return -ESRCH;
		}
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

/* One mapping of /proc/PID/maps. */
struct vinfer_map {
	unsigned long start, end;
	uint32_t dev;		/* kernel dev_t */
	uint64_t ino;
	bool exec;
	bool deleted;
	char path[VINFER_PATH_LEN];
};

static int parse_maps_line(const char *line, struct vinfer_map *m)
{
	unsigned int maj, min;
	char perms[8];
	unsigned long long ino;
	int pos = 0;
	size_t n;

	if (sscanf(line, "%lx-%lx %7s %*x %x:%x %llu %n", &m->start, &m->end, perms,
		   &maj, &min, &ino, &pos) < 6 || !pos)
		return -EINVAL;
	m->dev = maj << 20 | min;
	m->ino = ino;
	m->exec = perms[2] == 'x';
	snprintf(m->path, sizeof(m->path), "%s", line + pos);
	n = strlen(m->path);
	while (n && isspace((unsigned char)m->path[n - 1]))
		m->path[--n] = 0;
	m->deleted = n > 10 && !strcmp(m->path + n - 10, " (deleted)");
	return 0;
}

/* Find (@dev, @ino) in @tgid's mappings; fills @m. */
static int find_mapping(pid_t tgid, uint32_t dev, uint64_t ino, struct vinfer_map *m)
{
	char path[64], line[VINFER_PATH_LEN + 128];
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", tgid);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	while (fgets(line, sizeof(line), f)) {
		if (parse_maps_line(line, m) || m->ino != ino || m->dev != dev || !m->path[0])
			continue;
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static void emit_attach(struct vinfer_trace *t, unsigned int kind,
			const struct vinfer_attach_info *ai)
{
	struct vinfer_trace_event ev = { .kind = kind, .attach = ai };

	if (kind == VINFER_TEV_ATTACH_ERROR)
		t->attach_errors++;
	vinfer_emit(t, &ev);
}

static void attach_error(struct vinfer_trace *t, struct vinfer_attach_info *ai,
			 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void attach_error(struct vinfer_trace *t, struct vinfer_attach_info *ai,
			 const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ai->error = msg;
	emit_attach(t, VINFER_TEV_ATTACH_ERROR, ai);
}

/* Attach @n probes (offsets, cookies) of @a for @tgid: one multi link or N. */
static int attach_set(struct vinfer_trace *t, pid_t tgid, const char *path,
		      const unsigned long *offs, const uint64_t *cookies, unsigned int n,
		      int *multi_fd, struct bpf_link ***links, unsigned int *n_links)
{
	struct bpf_link **ls;
	unsigned int i;
	int fd, err;

	*multi_fd = -1;
	*links = NULL;
	*n_links = 0;
	if (!n)
		return 0;
	if (t->feat.uprobe_multi) {
		fd = vinfer_uprobe_multi_link(bpf_program__fd(t->skel->progs.vinfer_rt_hit_multi),
					      path, tgid, offs, cookies, n);
		if (fd < 0)
			return fd;
		*multi_fd = fd;
		return 0;
	}
	ls = calloc(n, sizeof(*ls));
	if (!ls)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = cookies[i]);

		ls[i] = bpf_program__attach_uprobe_opts(t->skel->progs.vinfer_rt_hit, tgid,
							path, offs[i], &uo);
		if (!ls[i]) {
			err = -errno;
			while (i--)
				bpf_link__destroy(ls[i]);
			free(ls);
			return err ? err : -EINVAL;
		}
	}
	*links = ls;
	*n_links = n;
	return 0;
}

static void detach_set(int *multi_fd, struct bpf_link ***links, unsigned int *n_links)
{
	unsigned int i;

	if (*multi_fd >= 0)
		vinfer_close_async(*multi_fd);
	*multi_fd = -1;
	for (i = 0; i < *n_links; i++)
		vinfer_link_destroy_async((*links)[i]);
	free(*links);
	*links = NULL;
	*n_links = 0;
}

static void attachment_free(struct vinfer_attachment *a)
{
	detach_set(&a->multi_fd, &a->links, &a->n_links);
	vinfer_hot_detach(a);
	free(a->hot_offs);
	free(a->hot_cookies);
	free(a);
}

static uint64_t cookie_of(unsigned int fid, bool hot, enum vinfer_trap_class cls)
{
	const struct vinfer_fn_def *d = &vinfer_fns[fid];

	return VINFER_COOKIE(fid, d->op, d->size_arg, d->aux_arg, d->dir, hot, cls,
			     d->size32);
}

/* Resolve, attach and account the probes of @a; 0 or a negative errno. */
static int attach_functions(struct vinfer_trace *t, pid_t tgid, struct vinfer_attachment *a,
			    struct vinfer_attach_info *ai, char *err, size_t errlen)
{
	unsigned long offs[VINFER_MAX_FUNCS];
	uint64_t cookies[VINFER_MAX_FUNCS];
	unsigned int fids[VINFER_MAX_FUNCS];
	unsigned int n = 0, nh = 0, i;
	struct vinfer_symtab *st;
	int ret;

	ret = vinfer_symtab_open(&st, a->path, err, errlen);
	if (ret)
		return ret;
	a->hot_offs = calloc(VINFER_MAX_FUNCS, sizeof(*a->hot_offs));
	a->hot_cookies = calloc(VINFER_MAX_FUNCS, sizeof(*a->hot_cookies));
	if (!a->hot_offs || !a->hot_cookies) {
		vinfer_symtab_close(st);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < vinfer_n_fns; i++) {
		enum vinfer_trap_class cls;
		uint64_t off;
		bool windowed;

		if (vinfer_fns[i].rt != a->rt)
			continue;
		if (vinfer_symtab_find(st, vinfer_fns[i].name, &off, &cls)) {
			ai->missing++;
			continue;
		}
		windowed = vinfer_fn_hot(&vinfer_fns[i]) && !t->opts.exact;
		if (windowed) {
			a->hot_offs[nh] = off;
			a->hot_cookies[nh] = cookie_of(i, true, cls);
			nh++;
		} else {
			offs[n] = off;
			cookies[n] = cookie_of(i, vinfer_fn_hot(&vinfer_fns[i]), cls);
			fids[n] = i;
			n++;
		}
		if (vinfer_fn_hot(&vinfer_fns[i]))
			ai->hot++;
	}
	vinfer_symtab_close(st);
	if (!n && !nh) {
		snprintf(err, errlen, "%s exports none of the %s functions vinfer probes",
			 a->shown, vinfer_runtime_name(a->rt));
		return -ENOENT;
	}
	ret = attach_set(t, tgid, a->path, offs, cookies, n, &a->multi_fd, &a->links,
			 &a->n_links);
	if (ret) {
		snprintf(err, errlen, "attaching %u uprobes to %.300s: %s", n, a->path,
			 strerror(-ret));
		return ret;
	}
	for (i = 0; i < n; i++)
		t->fn_attached[fids[i]] = true;
	a->n_hot = nh;
	for (i = 0; i < nh; i++) {
		unsigned int fid = VINFER_COOKIE_FID(a->hot_cookies[i]);

		t->fn_attached[fid] = true;
		vinfer_window_hot_added(t, fid);
	}
	ai->functions = n + nh;
	return 0;
}

int vinfer_runtime_attach(struct vinfer_trace *t, struct vinfer_uproc *p,
			  enum vinfer_runtime rt, uint32_t dev, uint64_t ino, bool held)
{
	struct vinfer_attach_info ai = {
		.tgid = p->tgid, .runtime = rt, .path = "", .held = held,
	};
	uint64_t t0 = vinfer_now_ns();
	struct vinfer_attachment *a;
	struct vinfer_map m;
	char err[512];
	__u32 one = 1;
	int ret;

	for (a = p->att; a; a = a->next)
		if (a->dev == dev && a->ino == ino)
			goto out_continue;	/* mapped again: probes already in */

	if (held) {
		/* The stop lands when mmap returns; the mapping exists then. */
		ret = vinfer_wait_stopped(p->tgid, 2000);
		if (ret == -ESRCH) {
			attach_error(t, &ai, "process %d exited before its %s probes were attached",
				     p->tgid, vinfer_runtime_name(rt));
			return ret;
		}
	}
	ret = find_mapping(p->tgid, dev, ino, &m);
	if (ret) {
		attach_error(t, &ai, ret == -ESRCH ? "process %d exited before attach" :
			     "process %d: library (dev %u:%u inode %llu) not in /proc/%d/maps",
			     p->tgid, dev >> 20, dev & 0xfffff, (unsigned long long)ino, p->tgid);
		goto out_continue;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		attach_error(t, &ai, "out of memory");
		goto out_continue;
	}
	a->rt = rt;
	a->dev = dev;
	a->ino = ino;
	a->multi_fd = -1;
	a->hot_multi_fd = -1;
	snprintf(a->shown, sizeof(a->shown), "%s", m.path);
	ai.path = a->shown;
	/* Through the process's root (containers) or, if unlinked, map_files. */
	if (m.deleted)
		snprintf(a->path, sizeof(a->path), "/proc/%d/map_files/%lx-%lx", p->tgid,
			 m.start, m.end);
	else
		snprintf(a->path, sizeof(a->path), "/proc/%d/root%s", p->tgid, m.path);

	ret = attach_functions(t, p->tgid, a, &ai, err, sizeof(err));
	if (ret) {
		attach_error(t, &ai, "process %d: %s", p->tgid, err);
		attachment_free(a);
		goto out_continue;
	}
	a->next = p->att;
	p->att = a;
	p->runtimes |= 1u << rt;
	bpf_map_update_elem(bpf_map__fd(t->skel->maps.vinfer_rt_procs), &p->tgid, &one,
			    BPF_ANY);
	if (held)
		kill(p->tgid, SIGCONT);
	ai.held_ns = vinfer_now_ns() - t0;
	emit_attach(t, VINFER_TEV_ATTACH, &ai);
	return 0;

out_continue:
	if (held)
		kill(p->tgid, SIGCONT);
	return 0;
}

void vinfer_runtime_scan(struct vinfer_trace *t, struct vinfer_uproc *p)
{
	char path[64], line[VINFER_PATH_LEN + 128];
	struct {
		uint32_t dev;
		uint64_t ino;
		enum vinfer_runtime rt;
	} found[16];
	unsigned int n = 0, i;
	struct vinfer_map m;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", p->tgid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && n < 16) {
		const char *base;
		enum vinfer_runtime rt;

		if (parse_maps_line(line, &m) || !m.exec || !m.ino)
			continue;
		base = strrchr(m.path, '/');
		rt = runtime_of_name(base ? base + 1 : m.path);
		if (rt == VINFER_RT_NONE)
			continue;
		for (i = 0; i < n; i++)
			if (found[i].dev == m.dev && found[i].ino == m.ino)
				break;
		if (i < n)
			continue;
		found[n].dev = m.dev;
		found[n].ino = m.ino;
		found[n].rt = rt;
		n++;
	}
	fclose(f);
	for (i = 0; i < n; i++)
		vinfer_runtime_attach(t, p, found[i].rt, found[i].dev, found[i].ino, false);
}

void vinfer_runtime_fork(struct vinfer_trace *t, struct vinfer_uproc *child)
{
	struct vinfer_uproc *parent = vinfer_proc_get(&t->procs, child->ppid);
	struct vinfer_attachment *a;

	if (!parent)
		return;
	/* The HOLD event, which follows, continues the child. */
	for (a = parent->att; a; a = a->next)
		vinfer_runtime_attach(t, child, a->rt, a->dev, a->ino, false);
}

void vinfer_runtime_detach_all(struct vinfer_trace *t, struct vinfer_uproc *p)
{
	struct vinfer_attachment *a;

	while ((a = p->att)) {
		p->att = a->next;
		attachment_free(a);
	}
	bpf_map_delete_elem(bpf_map__fd(t->skel->maps.vinfer_rt_procs), &p->tgid);
}
