// SPDX-License-Identifier: GPL-2.0
/*
 * A TEST DOUBLE of the CUDA driver library, libcuda.so.1. It is not a GPU
 * driver: it does all the work on the CPU, in the calling thread, before the
 * call returns. It exists so vinfer's runtime-tier probes can be tested on
 * machines without a GPU.
 *
 * To the probes it must look like the real library: the same file name and
 * SONAME (libcuda.so.1), the same exported names with cuda.h's signatures
 * (cuda_api.h), and every exported function a separate function with its own
 * entry, because a uprobe sits on each symbol's address. Hence:
 *   - every API function is noinline, and compiled with ICF off (build.mk),
 *     so two identical bodies (cuCtxDestroy, cuCtxDestroy_v2) are not
 *     folded into one address;
 *   - no exported function calls another exported one (the probes would
 *     count both): shared work lives in static helpers;
 *   - only the API is exported: everything is hidden but cuda_api.h.
 *
 * What the double does:
 *   device memory   host memory (zeroed); a CUdeviceptr is its address; the
 *                   32-bit v1 calls get memory below 4 GiB (MAP_32BIT)
 *   copies          memmove, after checking that the device side lies
 *                   inside one live allocation
 *   modules         any file or image is accepted and read in full; each
 *                   module offers the built-in CPU kernels of kernels.c by
 *                   name ("vinfer_matvec", "vinfer_relu", "vinfer_spin",
 *                   "vinfer_nop"); a data image is a NUL-terminated text
 *   launches        run the kernel over the whole grid, synchronously;
 *                   arguments from kernelParams or the packed `extra` buffer
 *   streams/events  checked handles; everything is complete on return
 *   graphs          none: cuGraphLaunch can only fail
 * Results are real CUresult codes; arguments are checked as the real driver
 * does where that is cheap (NULL pointers, handles, flags, dimensions, a
 * current context).
 *
 * Locking: one mutex guards the object and allocation lists; kernels and
 * copies run outside it. The current context is per thread, as in CUDA.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#pragma GCC visibility push(default)
#include "cuda_api.h"
#pragma GCC visibility pop

#include "kernels.h"

/* An exported entry point: a real function at its own address (see above). */
#if defined(__GNUC__) && !defined(__clang__)
#define CUAPI __attribute__((noinline, used, no_icf))
#else
#define CUAPI __attribute__((noinline, used))
#endif

#define DRIVER_VERSION		12040	/* reported as CUDA 12.4 */
#define DEVICE_NAME		"vinfer test accelerator (CPU double)"
#define MAX_IMAGE		(256u << 20)
#define MAX_BLOCK_THREADS	1024
#define MAX_SHARED_MEM		(48u << 10)

/* cuCtxCreate flags: CU_CTX_SCHED_MASK and the flag bits up to SYNC_MEMOPS. */
#define CTX_FLAGS_VALID		0xffu
#define CTX_SCHED_MASK		0x07u
#define HOSTALLOC_FLAGS_VALID	0x07u	/* PORTABLE, DEVICEMAP, WRITECOMBINED */
#define MANAGED_FLAGS_VALID	0x03u	/* ATTACH_GLOBAL, ATTACH_HOST */
#define STREAM_FLAGS_VALID	0x01u	/* NON_BLOCKING */
#define EVENT_FLAGS_VALID	0x07u	/* BLOCKING_SYNC, DISABLE_TIMING, INTERPROCESS */

/*
 * Handles. Every object is on one list and a handle is checked by looking
 * it up there, never by dereferencing it, so a stale or made-up handle gives
 * CUDA_ERROR_INVALID_HANDLE instead of a crash.
 */
enum obj_type {
	OBJ_CTX = 1,
	OBJ_MODULE,
	OBJ_LIBRARY,
	OBJ_FUNCTION,
	OBJ_STREAM,
	OBJ_EVENT,
	OBJ_POOL,
};

struct obj {
	struct obj *next;
	enum obj_type type;
	struct CUctx_st *ctx;	/* owner, freed with it; NULL: process-wide */
	void *data;		/* owned, freed with the object */
};

struct CUctx_st {
	struct obj o;
	unsigned int refs;	/* primary context: retain count */
	int primary;
};

struct CUmod_st {
	struct obj o;		/* o.data: the module file or image, read in full */
	size_t size;
};

struct CUfunc_st {
	struct obj o;
	struct CUmod_st *mod;
	const struct vinfer_tk *tk;
};

struct CUlib_st {
	struct obj o;
	struct CUmod_st *mod;
};

struct CUstream_st {
	struct obj o;
};

struct CUevent_st {
	struct obj o;
	uint64_t ns;
	int recorded;
};

struct CUmemPoolHandle_st {
	struct obj o;
};

enum mem_kind {
	MEM_DEVICE	= 1 << 0,	/* cuMemAlloc_v2 and friends */
	MEM_DEVICE32	= 1 << 1,	/* cuMemAlloc (v1): mmap'ed below 4 GiB */
	MEM_HOST	= 1 << 2,	/* page-locked host memory */
	MEM_MANAGED	= 1 << 3,
};
#define MEM_ANY_DEVICE	(MEM_DEVICE | MEM_DEVICE32 | MEM_MANAGED)

struct mem {
	struct mem *next;
	uintptr_t base;
	size_t size;
	enum mem_kind kind;
	struct CUctx_st *ctx;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct obj *objs;		/* under lock */
static struct mem *mems;		/* under lock */
static struct CUctx_st *primary_ctx;	/* under lock */
static struct CUmemPoolHandle_st *default_pool;	/* under lock */
static int initialized;
static __thread struct CUctx_st *current;

static const struct cu_error {
	CUresult code;
	const char *name;
	const char *text;
} errors[] = {
	{ CUDA_SUCCESS, "CUDA_SUCCESS", "no error" },
	{ CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument" },
	{ CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory" },
	{ CUDA_ERROR_NOT_INITIALIZED, "CUDA_ERROR_NOT_INITIALIZED", "initialization error" },
	{ CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected" },
	{ CUDA_ERROR_INVALID_DEVICE, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal" },
	{ CUDA_ERROR_INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid" },
	{ CUDA_ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context" },
	{ CUDA_ERROR_FILE_NOT_FOUND, "CUDA_ERROR_FILE_NOT_FOUND", "file not found" },
	{ CUDA_ERROR_OPERATING_SYSTEM, "CUDA_ERROR_OPERATING_SYSTEM", "OS call failed" },
	{ CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle" },
	{ CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found" },
	{ CUDA_ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS",
	  "an illegal memory access was encountered" },
	{ CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
	  "too many resources requested for launch" },
	{ CUDA_ERROR_NOT_SUPPORTED, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported" },
	{ CUDA_ERROR_UNKNOWN, "CUDA_ERROR_UNKNOWN", "unknown error" },
};

/* The table entry of @code, or NULL. */
static const struct cu_error *error_of(CUresult code)
{
	size_t i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].code == code)
			return &errors[i];
	return NULL;
}

/* ---- objects --------------------------------------------------------- */

static void *obj_new(enum obj_type type, size_t size, struct CUctx_st *ctx)
{
	struct obj *o = calloc(1, size);

	if (!o)
		return NULL;
	o->type = type;
	o->ctx = ctx;
	pthread_mutex_lock(&lock);
	o->next = objs;
	objs = o;
	pthread_mutex_unlock(&lock);
	return o;
}

/* Caller holds lock. */
static int obj_live_locked(const void *p, enum obj_type type)
{
	const struct obj *o;

	for (o = objs; o; o = o->next)
		if (o == p)
			return o->type == type;
	return 0;
}

static int obj_live(const void *p, enum obj_type type)
{
	int live;

	if (!p)
		return 0;
	pthread_mutex_lock(&lock);
	live = obj_live_locked(p, type);
	pthread_mutex_unlock(&lock);
	return live;
}

/* Caller holds lock; unlinks @o and frees what it owns. */
static void obj_free_locked(struct obj *o)
{
	struct obj **pp;

	for (pp = &objs; *pp; pp = &(*pp)->next) {
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	}
	free(o->data);
	free(o);
}

/* Free the live object @h of @type, or say it is not one. */
static CUresult obj_destroy(void *h, enum obj_type type)
{
	CUresult rc = CUDA_SUCCESS;

	pthread_mutex_lock(&lock);
	if (obj_live_locked(h, type))
		obj_free_locked(h);
	else
		rc = CUDA_ERROR_INVALID_HANDLE;
	pthread_mutex_unlock(&lock);
	return rc;
}

/* ---- contexts -------------------------------------------------------- */

static CUresult need_init(void)
{
	return initialized ? CUDA_SUCCESS : CUDA_ERROR_NOT_INITIALIZED;
}

/* Most calls need cuInit and a current context in the calling thread. */
static CUresult need_ctx(void)
{
	if (!initialized)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!current || !obj_live(current, OBJ_CTX))
		return CUDA_ERROR_INVALID_CONTEXT;
	return CUDA_SUCCESS;
}

static CUresult check_device(CUdevice dev)
{
	return dev == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

static CUresult ctx_create(CUcontext *pctx, unsigned int flags, CUdevice dev)
{
	struct CUctx_st *ctx;
	unsigned int sched = flags & CTX_SCHED_MASK;
	CUresult rc;

	rc = need_init();
	if (rc)
		return rc;
	if (!pctx || (flags & ~CTX_FLAGS_VALID) || (sched & (sched - 1)))
		return CUDA_ERROR_INVALID_VALUE;
	rc = check_device(dev);
	if (rc)
		return rc;
	ctx = obj_new(OBJ_CTX, sizeof(*ctx), NULL);
	if (!ctx)
		return CUDA_ERROR_OUT_OF_MEMORY;
	current = ctx;		/* a new context is made current, as in CUDA */
	*pctx = ctx;
	return CUDA_SUCCESS;
}

/* Caller holds lock: frees @ctx with every allocation and object it owns. */
static void ctx_free_locked(struct CUctx_st *ctx)
{
	struct mem **mp = &mems, *m;
	struct obj **op = &objs, *o;

	while ((m = *mp)) {
		if (m->ctx != ctx) {
			mp = &m->next;
			continue;
		}
		*mp = m->next;
		if (m->kind == MEM_DEVICE32)
			munmap((void *)m->base, m->size);
		else
			free((void *)m->base);
		free(m);
	}
	while ((o = *op)) {
		if (o->ctx != ctx) {
			op = &o->next;
			continue;
		}
		*op = o->next;
		free(o->data);
		free(o);
	}
	obj_free_locked(&ctx->o);
}

static CUresult ctx_destroy(CUcontext ctx)
{
	CUresult rc = CUDA_SUCCESS;

	if (!initialized)
		return CUDA_ERROR_NOT_INITIALIZED;
	if (!ctx)
		return CUDA_ERROR_INVALID_VALUE;
	pthread_mutex_lock(&lock);
	if (!obj_live_locked(ctx, OBJ_CTX) || ctx->primary)
		rc = CUDA_ERROR_INVALID_CONTEXT;
	else
		ctx_free_locked(ctx);
	pthread_mutex_unlock(&lock);
	if (!rc && current == ctx)
		current = NULL;
	return rc;
}

/* ---- memory ---------------------------------------------------------- */

static int stream_ok(CUstream s)
{
	return !s || s == CU_STREAM_LEGACY || s == CU_STREAM_PER_THREAD ||
	       obj_live(s, OBJ_STREAM);
}

static CUresult mem_alloc(uint64_t *addr, size_t size, enum mem_kind kind)
{
	struct mem *m;
	void *p;

	if (!addr || !size)
		return CUDA_ERROR_INVALID_VALUE;
	m = malloc(sizeof(*m));
	if (!m)
		return CUDA_ERROR_OUT_OF_MEMORY;
	if (kind == MEM_DEVICE32) {
		/* A v1 CUdeviceptr is 32 bits: the memory must lie below 4 GiB. */
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		if (p == MAP_FAILED)
			p = NULL;
		else if ((uint64_t)(uintptr_t)p + size > (1ULL << 32)) {
			munmap(p, size);
			p = NULL;
		}
	} else if (posix_memalign(&p, 256, size)) {	/* cudaMalloc aligns to 256 */
		p = NULL;
	} else {
		memset(p, 0, size);	/* deterministic, even for a buggy caller */
	}
	if (!p) {
		free(m);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	m->base = (uintptr_t)p;
	m->size = size;
	m->kind = kind;
	m->ctx = current;
	pthread_mutex_lock(&lock);
	m->next = mems;
	mems = m;
	pthread_mutex_unlock(&lock);
	*addr = (uintptr_t)p;
	return CUDA_SUCCESS;
}

static CUresult mem_free(uint64_t addr, unsigned int kinds)
{
	struct mem **mp, *m = NULL;

	pthread_mutex_lock(&lock);
	for (mp = &mems; *mp; mp = &(*mp)->next) {
		if ((*mp)->base == addr && ((*mp)->kind & kinds)) {
			m = *mp;
			*mp = m->next;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	if (!m)
		return CUDA_ERROR_INVALID_VALUE;
	if (m->kind == MEM_DEVICE32)
		munmap((void *)m->base, m->size);
	else
		free((void *)m->base);
	free(m);
	return CUDA_SUCCESS;
}

/*
 * The bytes from @addr to the end of the live allocation that contains it,
 * or 0 when no allocation does.
 */
static size_t mem_avail(uint64_t addr)
{
	const struct mem *m;
	size_t avail = 0;

	pthread_mutex_lock(&lock);
	for (m = mems; m; m = m->next) {
		if (addr >= m->base && addr - m->base < m->size) {
			avail = m->size - (addr - m->base);
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	return avail;
}

/* [addr, addr + n) is device memory: inside one live allocation. */
static int dev_range(uint64_t addr, size_t n)
{
	return mem_avail(addr) >= n;
}

/*
 * Unified addressing (cuMemcpy): an address inside an allocation must fit
 * in it; any other non-NULL address is pageable host memory.
 */
static int any_range(uint64_t addr, size_t n)
{
	size_t avail;

	if (!addr)
		return 0;
	avail = mem_avail(addr);
	return !avail || avail >= n;
}

/* Common checks of every copy; 1: go on and copy, else *rc says why not. */
static int copy_prep(const void *dst, const void *src, size_t n, CUstream s,
		     CUresult *rc)
{
	*rc = need_ctx();
	if (*rc)
		return 0;
	if (!dst || !src) {
		*rc = CUDA_ERROR_INVALID_VALUE;
		return 0;
	}
	if (!stream_ok(s)) {
		*rc = CUDA_ERROR_INVALID_HANDLE;
		return 0;
	}
	return n != 0;
}

static CUresult copy_htod(uint64_t dst, const void *src, size_t n, CUstream s)
{
	CUresult rc;

	if (!copy_prep((void *)(uintptr_t)dst, src, n, s, &rc))
		return rc;
	if (!dev_range(dst, n))
		return CUDA_ERROR_INVALID_VALUE;
	memmove((void *)(uintptr_t)dst, src, n);
	return CUDA_SUCCESS;
}

static CUresult copy_dtoh(void *dst, uint64_t src, size_t n, CUstream s)
{
	CUresult rc;

	if (!copy_prep(dst, (void *)(uintptr_t)src, n, s, &rc))
		return rc;
	if (!dev_range(src, n))
		return CUDA_ERROR_INVALID_VALUE;
	memmove(dst, (void *)(uintptr_t)src, n);
	return CUDA_SUCCESS;
}

static CUresult copy_dtod(uint64_t dst, uint64_t src, size_t n, CUstream s)
{
	CUresult rc;

	if (!copy_prep((void *)(uintptr_t)dst, (void *)(uintptr_t)src, n, s, &rc))
		return rc;
	if (!dev_range(dst, n) || !dev_range(src, n))
		return CUDA_ERROR_INVALID_VALUE;
	memmove((void *)(uintptr_t)dst, (void *)(uintptr_t)src, n);
	return CUDA_SUCCESS;
}

static CUresult copy_unified(uint64_t dst, uint64_t src, size_t n, CUstream s)
{
	CUresult rc;

	if (!copy_prep((void *)(uintptr_t)dst, (void *)(uintptr_t)src, n, s, &rc))
		return rc;
	if (!any_range(dst, n) || !any_range(src, n))
		return CUDA_ERROR_INVALID_VALUE;
	memmove((void *)(uintptr_t)dst, (void *)(uintptr_t)src, n);
	return CUDA_SUCCESS;
}

/* One side of a 2D/3D copy, from CUDA_MEMCPY2D/3D. */
struct copy_end {
	CUmemorytype type;
	const void *host;
	CUdeviceptr dev;
	size_t x, y, z;
	size_t pitch;		/* bytes per row */
	size_t height;		/* rows per slice */
	uint64_t addr;		/* resolved: first byte copied */
};

/* Resolve @e for a width x height x depth copy; 0 or a CUresult. */
static CUresult copy_end_resolve(struct copy_end *e, size_t width, size_t height,
				 size_t depth)
{
	uint64_t base, off, span;

	switch (e->type) {
	case CU_MEMORYTYPE_HOST:
		base = (uintptr_t)e->host;
		break;
	case CU_MEMORYTYPE_DEVICE:
	case CU_MEMORYTYPE_UNIFIED:
		base = e->dev;
		break;
	default:		/* CU_MEMORYTYPE_ARRAY: the double has no arrays */
		return CUDA_ERROR_INVALID_VALUE;
	}
	if (!base)
		return CUDA_ERROR_INVALID_VALUE;
	if (!e->pitch)
		e->pitch = width;
	if (!e->height)
		e->height = height;
	if (e->pitch < width || e->height < height)
		return CUDA_ERROR_INVALID_VALUE;
	/* off = (z * height + y) * pitch + x; span to the end of the last row */
	if (__builtin_mul_overflow((uint64_t)e->z, e->height, &off) ||
	    __builtin_add_overflow(off, e->y, &off) ||
	    __builtin_mul_overflow(off, e->pitch, &off) ||
	    __builtin_add_overflow(off, e->x, &off) ||
	    __builtin_add_overflow(base, off, &e->addr) ||
	    __builtin_mul_overflow((uint64_t)(depth - 1), e->height, &span) ||
	    __builtin_add_overflow(span, height - 1, &span) ||
	    __builtin_mul_overflow(span, e->pitch, &span) ||
	    __builtin_add_overflow(span, width, &span) ||
	    span > SIZE_MAX)
		return CUDA_ERROR_INVALID_VALUE;
	if (e->type == CU_MEMORYTYPE_DEVICE && !dev_range(e->addr, span))
		return CUDA_ERROR_INVALID_VALUE;
	if (e->type == CU_MEMORYTYPE_UNIFIED && !any_range(e->addr, span))
		return CUDA_ERROR_INVALID_VALUE;
	return CUDA_SUCCESS;
}

static CUresult copy_3d(struct copy_end *src, struct copy_end *dst, size_t width,
			size_t height, size_t depth)
{
	size_t y, z;
	CUresult rc;

	rc = need_ctx();
	if (rc)
		return rc;
	if (!width || !height || !depth)
		return CUDA_SUCCESS;
	rc = copy_end_resolve(src, width, height, depth);
	if (!rc)
		rc = copy_end_resolve(dst, width, height, depth);
	if (rc)
		return rc;
	for (z = 0; z < depth; z++) {
		for (y = 0; y < height; y++) {
			size_t so = (z * src->height + y) * src->pitch;
			size_t d_o = (z * dst->height + y) * dst->pitch;

			memmove((char *)(uintptr_t)dst->addr + d_o,
				(const char *)(uintptr_t)src->addr + so, width);
		}
	}
	return CUDA_SUCCESS;
}

/* ---- modules --------------------------------------------------------- */

static CUresult file_read(const char *path, void **data, size_t *size)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = NULL, *nb;
	CUresult rc = CUDA_SUCCESS;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == EACCES ?
		       CUDA_ERROR_FILE_NOT_FOUND : CUDA_ERROR_OPERATING_SYSTEM;
	for (;;) {
		if (!buf || len == cap) {
			if (buf)
				cap *= 2;
			if (cap > MAX_IMAGE) {
				rc = CUDA_ERROR_INVALID_IMAGE;
				break;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				rc = CUDA_ERROR_OUT_OF_MEMORY;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = CUDA_ERROR_OPERATING_SYSTEM;
			break;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	if (!rc && !len)
		rc = CUDA_ERROR_INVALID_IMAGE;
	if (rc) {
		free(buf);
		return rc;
	}
	*data = buf;
	*size = len;
	return CUDA_SUCCESS;
}

/* An in-memory image is taken as NUL-terminated text (PTX). */
static CUresult image_copy(const void *image, void **data, size_t *size)
{
	size_t len;

	if (!image)
		return CUDA_ERROR_INVALID_VALUE;
	len = strnlen(image, MAX_IMAGE);
	if (!len || len == MAX_IMAGE)
		return CUDA_ERROR_INVALID_IMAGE;
	*data = malloc(len + 1);
	if (!*data)
		return CUDA_ERROR_OUT_OF_MEMORY;
	memcpy(*data, image, len + 1);
	*size = len;
	return CUDA_SUCCESS;
}

/* Takes @image whatever happens. */
static CUresult module_new(CUmodule *module, void *image, size_t size)
{
	struct CUmod_st *mod = obj_new(OBJ_MODULE, sizeof(*mod), current);

	if (!mod) {
		free(image);
		return CUDA_ERROR_OUT_OF_MEMORY;
	}
	mod->o.data = image;
	mod->size = size;
	*module = mod;
	return CUDA_SUCCESS;
}

static CUresult module_load_file(CUmodule *module, const char *path)
{
	void *image;
	size_t size;
	CUresult rc;

	rc = need_ctx();
	if (rc)
		return rc;
	if (!module || !path)
		return CUDA_ERROR_INVALID_VALUE;
	rc = file_read(path, &image, &size);
	if (rc)
		return rc;
	return module_new(module, image, size);
}

static CUresult module_load_data(CUmodule *module, const void *data)
{
	void *image;
	size_t size;
	CUresult rc;

	rc = need_ctx();
	if (rc)
		return rc;
	if (!module)
		return CUDA_ERROR_INVALID_VALUE;
	rc = image_copy(data, &image, &size);
	if (rc)
		return rc;
	return module_new(module, image, size);
}

/* Caller holds lock: frees @mod and its functions. */
static void module_free_locked(struct CUmod_st *mod)
{
	struct obj **op = &objs, *o;

	while ((o = *op)) {
		if (o->type == OBJ_FUNCTION && ((struct CUfunc_st *)o)->mod == mod) {
			*op = o->next;
			free(o);
		} else {
			op = &o->next;
		}
	}
	obj_free_locked(&mod->o);
}

static CUresult library_load(CUlibrary *library, const char *path, const void *code,
			     CUjit_option *jit_opts, void **jit_vals,
			     unsigned int n_jit, CUlibraryOption *lib_opts,
			     void **lib_vals, unsigned int n_lib)
{
	struct CUlib_st *lib;
	CUmodule mod;
	void *image;
	size_t size;
	CUresult rc;

	/* Libraries are context-independent in CUDA; this one needs cuInit. */
	rc = need_init();
	if (rc)
		return rc;
	if (!library || (n_jit && (!jit_opts || !jit_vals)) ||
	    (n_lib && (!lib_opts || !lib_vals)))
		return CUDA_ERROR_INVALID_VALUE;
	lib = obj_new(OBJ_LIBRARY, sizeof(*lib), NULL);
	if (!lib)
		return CUDA_ERROR_OUT_OF_MEMORY;
	rc = path ? file_read(path, &image, &size) : image_copy(code, &image, &size);
	if (!rc)
		rc = module_new(&mod, image, size);
	if (rc) {
		pthread_mutex_lock(&lock);
		obj_free_locked(&lib->o);
		pthread_mutex_unlock(&lock);
		return rc;
	}
	/* A library outlives contexts: its module is process-wide too. */
	mod->o.ctx = NULL;
	lib->mod = mod;
	*library = lib;
	return CUDA_SUCCESS;
}

/* ---- launches -------------------------------------------------------- */

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/*
 * Collect the kernel's arguments from @params (an array of pointers to each
 * argument) or from @extra (one buffer, each argument at its natural
 * alignment), as cuLaunchKernel defines them.
 */
static CUresult launch_args(const struct vinfer_tk *tk, void **params, void **extra,
			    struct vinfer_tk_val *args)
{
	const char *buf = NULL;
	size_t buf_size = 0, off = 0;
	unsigned int i;

	if (params && extra)
		return CUDA_ERROR_INVALID_VALUE;
	if (extra) {
		for (i = 0; extra[i] != CU_LAUNCH_PARAM_END; i += 2) {
			if (extra[i] == CU_LAUNCH_PARAM_BUFFER_POINTER)
				buf = extra[i + 1];
			else if (extra[i] == CU_LAUNCH_PARAM_BUFFER_SIZE && extra[i + 1])
				buf_size = *(const size_t *)extra[i + 1];
			else
				return CUDA_ERROR_INVALID_VALUE;
		}
		if (tk->nargs && !buf)
			return CUDA_ERROR_INVALID_VALUE;
	} else if (tk->nargs && !params) {
		return CUDA_ERROR_INVALID_VALUE;
	}
	for (i = 0; i < tk->nargs; i++) {
		size_t sz = vinfer_tk_arg_size(tk->arg[i]);
		const void *src;
		uint64_t v = 0;

		if (extra) {
			off = (off + sz - 1) & ~(sz - 1);
			if (off + sz > buf_size)
				return CUDA_ERROR_INVALID_VALUE;
			src = buf + off;
			off += sz;
		} else {
			src = params[i];
			if (!src)
				return CUDA_ERROR_INVALID_VALUE;
		}
		memcpy(&v, src, sz);	/* little-endian: the low bytes */
		args[i].v = v;
		args[i].len = tk->arg[i] == VINFER_TK_BUF ? mem_avail(v) : 0;
	}
	return CUDA_SUCCESS;
}

static CUresult launch(CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz,
		       unsigned int bx, unsigned int by, unsigned int bz,
		       unsigned int shared, CUstream s, void **params, void **extra)
{
	struct vinfer_tk_val args[VINFER_TK_MAX_ARGS];
	uint64_t threads;
	CUresult rc;

	rc = need_ctx();
	if (rc)
		return rc;
	if (!f)
		return CUDA_ERROR_INVALID_VALUE;
	if (!obj_live(f, OBJ_FUNCTION) || !stream_ok(s))
		return CUDA_ERROR_INVALID_HANDLE;
	if (!gx || !gy || !gz || !bx || !by || !bz || gx > INT32_MAX ||
	    gy > 65535 || gz > 65535 || bx > MAX_BLOCK_THREADS ||
	    by > MAX_BLOCK_THREADS || bz > 64 || shared > MAX_SHARED_MEM)
		return CUDA_ERROR_INVALID_VALUE;
	threads = (uint64_t)bx * by * bz;
	if (threads > MAX_BLOCK_THREADS)
		return CUDA_ERROR_INVALID_VALUE;
	threads = mul_sat(mul_sat(threads, gx), (uint64_t)gy * gz);
	rc = launch_args(f->tk, params, extra, args);
	if (rc)
		return rc;
	return f->tk->run(args, threads) ? CUDA_ERROR_ILLEGAL_ADDRESS : CUDA_SUCCESS;
}

static CUresult launch_config(const CUlaunchConfig *c, CUfunction f, void **params,
			      void **extra)
{
	if (!c || (c->numAttrs && !c->attrs))
		return CUDA_ERROR_INVALID_VALUE;
	return launch(f, c->gridDimX, c->gridDimY, c->gridDimZ, c->blockDimX,
		      c->blockDimY, c->blockDimZ, c->sharedMemBytes, c->hStream,
		      params, extra);
}

/* The double builds no graphs, so no CUgraphExec is ever valid. */
static CUresult graph_launch(CUgraphExec exec, CUstream s)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!exec)
		return CUDA_ERROR_INVALID_VALUE;
	(void)s;
	return CUDA_ERROR_INVALID_HANDLE;
}

static CUresult stream_sync(CUstream s)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	return stream_ok(s) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ==== the API ========================================================== */

/* ---- initialisation, devices, errors ---- */

CUAPI CUresult cuDriverGetVersion(int *driverVersion)
{
	if (!driverVersion)
		return CUDA_ERROR_INVALID_VALUE;
	*driverVersion = DRIVER_VERSION;
	return CUDA_SUCCESS;
}

CUAPI CUresult cuInit(unsigned int Flags)
{
	if (Flags)
		return CUDA_ERROR_INVALID_VALUE;
	initialized = 1;
	return CUDA_SUCCESS;
}

CUAPI CUresult cuDeviceGet(CUdevice *device, int ordinal)
{
	CUresult rc = need_init();

	if (rc)
		return rc;
	if (!device)
		return CUDA_ERROR_INVALID_VALUE;
	if (ordinal != 0)
		return CUDA_ERROR_INVALID_DEVICE;
	*device = 0;
	return CUDA_SUCCESS;
}

CUAPI CUresult cuDeviceGetCount(int *count)
{
	CUresult rc = need_init();

	if (rc)
		return rc;
	if (!count)
		return CUDA_ERROR_INVALID_VALUE;
	*count = 1;
	return CUDA_SUCCESS;
}

CUAPI CUresult cuDeviceGetName(char *name, int len, CUdevice dev)
{
	CUresult rc = need_init();

	if (rc)
		return rc;
	if (!name || len <= 0)
		return CUDA_ERROR_INVALID_VALUE;
	rc = check_device(dev);
	if (rc)
		return rc;
	snprintf(name, len, "%s", DEVICE_NAME);
	return CUDA_SUCCESS;
}

CUAPI CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev)
{
	CUresult rc = need_init();
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	if (rc)
		return rc;
	if (!bytes)
		return CUDA_ERROR_INVALID_VALUE;
	rc = check_device(dev);
	if (rc)
		return rc;
	*bytes = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
	return CUDA_SUCCESS;
}

CUAPI CUresult cuGetErrorName(CUresult error, const char **pStr)
{
	const struct cu_error *e = error_of(error);

	if (!pStr)
		return CUDA_ERROR_INVALID_VALUE;
	*pStr = e ? e->name : NULL;
	return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CUAPI CUresult cuGetErrorString(CUresult error, const char **pStr)
{
	const struct cu_error *e = error_of(error);

	if (!pStr)
		return CUDA_ERROR_INVALID_VALUE;
	*pStr = e ? e->text : NULL;
	return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

/* ---- contexts ---- */

CUAPI CUresult cuCtxCreate(CUcontext *pctx, unsigned int flags, CUdevice dev)
{
	return ctx_create(pctx, flags, dev);
}

CUAPI CUresult cuCtxCreate_v2(CUcontext *pctx, unsigned int flags, CUdevice dev)
{
	return ctx_create(pctx, flags, dev);
}

CUAPI CUresult cuCtxCreate_v3(CUcontext *pctx, CUexecAffinityParam *paramsArray,
			      int numParams, unsigned int flags, CUdevice dev)
{
	if (numParams < 0 || (numParams && !paramsArray))
		return CUDA_ERROR_INVALID_VALUE;
	return ctx_create(pctx, flags, dev);
}

/* @ctxCreateParams may be NULL; the double has no use for its contents. */
CUAPI CUresult cuCtxCreate_v4(CUcontext *pctx, CUctxCreateParams *ctxCreateParams,
			      unsigned int flags, CUdevice dev)
{
	(void)ctxCreateParams;
	return ctx_create(pctx, flags, dev);
}

CUAPI CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev)
{
	struct CUctx_st *ctx = NULL;
	CUresult rc = need_init();

	if (rc)
		return rc;
	if (!pctx)
		return CUDA_ERROR_INVALID_VALUE;
	rc = check_device(dev);
	if (rc)
		return rc;
	pthread_mutex_lock(&lock);
	ctx = primary_ctx;
	if (ctx)
		ctx->refs++;
	pthread_mutex_unlock(&lock);
	if (!ctx) {
		ctx = obj_new(OBJ_CTX, sizeof(*ctx), NULL);
		if (!ctx)
			return CUDA_ERROR_OUT_OF_MEMORY;
		ctx->primary = 1;
		ctx->refs = 1;
		pthread_mutex_lock(&lock);
		if (primary_ctx) {	/* another thread won the race */
			obj_free_locked(&ctx->o);
			ctx = primary_ctx;
			ctx->refs++;
		} else {
			primary_ctx = ctx;
		}
		pthread_mutex_unlock(&lock);
	}
	*pctx = ctx;
	return CUDA_SUCCESS;
}

CUAPI CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev)
{
	struct CUctx_st *ctx;
	CUresult rc = need_init();

	if (rc)
		return rc;
	rc = check_device(dev);
	if (rc)
		return rc;
	pthread_mutex_lock(&lock);
	ctx = primary_ctx;
	if (!ctx) {
		rc = CUDA_ERROR_INVALID_CONTEXT;
	} else if (!--ctx->refs) {
		primary_ctx = NULL;
		ctx_free_locked(ctx);
	}
	pthread_mutex_unlock(&lock);
	if (!rc && ctx && current == ctx && !obj_live(ctx, OBJ_CTX))
		current = NULL;
	return rc;
}

CUAPI CUresult cuCtxDestroy(CUcontext ctx)
{
	return ctx_destroy(ctx);
}

CUAPI CUresult cuCtxDestroy_v2(CUcontext ctx)
{
	return ctx_destroy(ctx);
}

CUAPI CUresult cuCtxSetCurrent(CUcontext ctx)
{
	CUresult rc = need_init();

	if (rc)
		return rc;
	if (ctx && !obj_live(ctx, OBJ_CTX))
		return CUDA_ERROR_INVALID_CONTEXT;
	current = ctx;
	return CUDA_SUCCESS;
}

CUAPI CUresult cuCtxGetCurrent(CUcontext *pctx)
{
	CUresult rc = need_init();

	if (rc)
		return rc;
	if (!pctx)
		return CUDA_ERROR_INVALID_VALUE;
	*pctx = current && obj_live(current, OBJ_CTX) ? current : NULL;
	return CUDA_SUCCESS;
}

/* Everything ran to completion when it was issued. */
CUAPI CUresult cuCtxSynchronize(void)
{
	return need_ctx();
}

/* ---- modules and libraries ---- */

CUAPI CUresult cuModuleLoad(CUmodule *module, const char *fname)
{
	return module_load_file(module, fname);
}

CUAPI CUresult cuModuleLoadData(CUmodule *module, const void *image)
{
	return module_load_data(module, image);
}

/* JIT options change nothing here, but must be well-formed. */
CUAPI CUresult cuModuleLoadDataEx(CUmodule *module, const void *image,
				  unsigned int numOptions, CUjit_option *options,
				  void **optionValues)
{
	if (numOptions && (!options || !optionValues))
		return CUDA_ERROR_INVALID_VALUE;
	return module_load_data(module, image);
}

CUAPI CUresult cuModuleLoadFatBinary(CUmodule *module, const void *fatCubin)
{
	return module_load_data(module, fatCubin);
}

CUAPI CUresult cuModuleUnload(CUmodule hmod)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!hmod)
		return CUDA_ERROR_INVALID_VALUE;
	pthread_mutex_lock(&lock);
	if (obj_live_locked(hmod, OBJ_MODULE))
		module_free_locked(hmod);
	else
		rc = CUDA_ERROR_INVALID_HANDLE;
	pthread_mutex_unlock(&lock);
	return rc;
}

/* One CUfunction per module and name, as in CUDA: found again, not made anew. */
CUAPI CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod, const char *name)
{
	const struct vinfer_tk *tk;
	struct CUfunc_st *f = NULL;
	struct obj *o;
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!hfunc || !hmod || !name)
		return CUDA_ERROR_INVALID_VALUE;
	if (!obj_live(hmod, OBJ_MODULE))
		return CUDA_ERROR_INVALID_HANDLE;
	tk = vinfer_tk_find(name);
	if (!tk)
		return CUDA_ERROR_NOT_FOUND;
	pthread_mutex_lock(&lock);
	for (o = objs; o; o = o->next) {
		if (o->type == OBJ_FUNCTION && ((struct CUfunc_st *)o)->mod == hmod &&
		    ((struct CUfunc_st *)o)->tk == tk) {
			f = (struct CUfunc_st *)o;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	if (!f) {
		f = obj_new(OBJ_FUNCTION, sizeof(*f), hmod->o.ctx);
		if (!f)
			return CUDA_ERROR_OUT_OF_MEMORY;
		f->mod = hmod;
		f->tk = tk;
	}
	*hfunc = f;
	return CUDA_SUCCESS;
}

CUAPI CUresult cuLibraryLoadFromFile(CUlibrary *library, const char *fileName,
				     CUjit_option *jitOptions, void **jitOptionsValues,
				     unsigned int numJitOptions,
				     CUlibraryOption *libraryOptions,
				     void **libraryOptionValues,
				     unsigned int numLibraryOptions)
{
	if (!fileName)
		return CUDA_ERROR_INVALID_VALUE;
	return library_load(library, fileName, NULL, jitOptions, jitOptionsValues,
			    numJitOptions, libraryOptions, libraryOptionValues,
			    numLibraryOptions);
}

CUAPI CUresult cuLibraryLoadData(CUlibrary *library, const void *code,
				 CUjit_option *jitOptions, void **jitOptionsValues,
				 unsigned int numJitOptions,
				 CUlibraryOption *libraryOptions,
				 void **libraryOptionValues,
				 unsigned int numLibraryOptions)
{
	if (!code)
		return CUDA_ERROR_INVALID_VALUE;
	return library_load(library, NULL, code, jitOptions, jitOptionsValues,
			    numJitOptions, libraryOptions, libraryOptionValues,
			    numLibraryOptions);
}

CUAPI CUresult cuLibraryGetModule(CUmodule *pMod, CUlibrary library)
{
	CUresult rc = need_init();

	if (rc)
		return rc;
	if (!pMod || !library)
		return CUDA_ERROR_INVALID_VALUE;
	if (!obj_live(library, OBJ_LIBRARY))
		return CUDA_ERROR_INVALID_HANDLE;
	*pMod = library->mod;
	return CUDA_SUCCESS;
}

CUAPI CUresult cuLibraryUnload(CUlibrary library)
{
	CUresult rc = need_init();

	if (rc)
		return rc;
	if (!library)
		return CUDA_ERROR_INVALID_VALUE;
	pthread_mutex_lock(&lock);
	if (obj_live_locked(library, OBJ_LIBRARY)) {
		module_free_locked(library->mod);
		obj_free_locked(&library->o);
	} else {
		rc = CUDA_ERROR_INVALID_HANDLE;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

/* ---- memory ---- */

CUAPI CUresult cuMemAlloc(CUdeviceptr_v1 *dptr, unsigned int bytesize)
{
	uint64_t addr;
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!dptr)
		return CUDA_ERROR_INVALID_VALUE;
	rc = mem_alloc(&addr, bytesize, MEM_DEVICE32);
	if (!rc)
		*dptr = (CUdeviceptr_v1)addr;
	return rc;
}

CUAPI CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	return mem_alloc((uint64_t *)dptr, bytesize, MEM_DEVICE);
}

CUAPI CUresult cuMemAllocHost_v2(void **pp, size_t bytesize)
{
	uint64_t addr;
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!pp)
		return CUDA_ERROR_INVALID_VALUE;
	rc = mem_alloc(&addr, bytesize, MEM_HOST);
	if (!rc)
		*pp = (void *)(uintptr_t)addr;
	return rc;
}

CUAPI CUresult cuMemHostAlloc(void **pp, size_t bytesize, unsigned int Flags)
{
	uint64_t addr;
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!pp || (Flags & ~HOSTALLOC_FLAGS_VALID))
		return CUDA_ERROR_INVALID_VALUE;
	rc = mem_alloc(&addr, bytesize, MEM_HOST);
	if (!rc)
		*pp = (void *)(uintptr_t)addr;
	return rc;
}

CUAPI CUresult cuMemAllocManaged(CUdeviceptr *dptr, size_t bytesize, unsigned int flags)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!flags || (flags & ~MANAGED_FLAGS_VALID) || flags == MANAGED_FLAGS_VALID)
		return CUDA_ERROR_INVALID_VALUE;
	return mem_alloc((uint64_t *)dptr, bytesize, MEM_MANAGED);
}

CUAPI CUresult cuMemAllocAsync(CUdeviceptr *dptr, size_t bytesize, CUstream hStream)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!stream_ok(hStream))
		return CUDA_ERROR_INVALID_HANDLE;
	return mem_alloc((uint64_t *)dptr, bytesize, MEM_DEVICE);
}

CUAPI CUresult cuMemAllocAsync_ptsz(CUdeviceptr *dptr, size_t bytesize, CUstream hStream)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!stream_ok(hStream))
		return CUDA_ERROR_INVALID_HANDLE;
	return mem_alloc((uint64_t *)dptr, bytesize, MEM_DEVICE);
}

CUAPI CUresult cuMemAllocFromPoolAsync(CUdeviceptr *dptr, size_t bytesize,
				       CUmemoryPool pool, CUstream hStream)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!pool)
		return CUDA_ERROR_INVALID_VALUE;
	if (!obj_live(pool, OBJ_POOL) || !stream_ok(hStream))
		return CUDA_ERROR_INVALID_HANDLE;
	return mem_alloc((uint64_t *)dptr, bytesize, MEM_DEVICE);
}

/* The only pool there is: created on first use, never freed. */
CUAPI CUresult cuDeviceGetDefaultMemPool(CUmemoryPool *pool_out, CUdevice dev)
{
	struct CUmemPoolHandle_st *pool;
	CUresult rc = need_init();

	if (rc)
		return rc;
	if (!pool_out)
		return CUDA_ERROR_INVALID_VALUE;
	rc = check_device(dev);
	if (rc)
		return rc;
	pthread_mutex_lock(&lock);
	pool = default_pool;
	pthread_mutex_unlock(&lock);
	if (!pool) {
		pool = obj_new(OBJ_POOL, sizeof(*pool), NULL);
		if (!pool)
			return CUDA_ERROR_OUT_OF_MEMORY;
		pthread_mutex_lock(&lock);
		if (default_pool) {
			obj_free_locked(&pool->o);
			pool = default_pool;
		} else {
			default_pool = pool;
		}
		pthread_mutex_unlock(&lock);
	}
	*pool_out = pool;
	return CUDA_SUCCESS;
}

CUAPI CUresult cuMemFree(CUdeviceptr_v1 dptr)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	return mem_free(dptr, MEM_ANY_DEVICE);
}

CUAPI CUresult cuMemFree_v2(CUdeviceptr dptr)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	return mem_free(dptr, MEM_ANY_DEVICE);
}

CUAPI CUresult cuMemFreeHost(void *p)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	return mem_free((uintptr_t)p, MEM_HOST);
}

CUAPI CUresult cuMemFreeAsync(CUdeviceptr dptr, CUstream hStream)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!stream_ok(hStream))
		return CUDA_ERROR_INVALID_HANDLE;
	return mem_free(dptr, MEM_ANY_DEVICE);
}

CUAPI CUresult cuMemFreeAsync_ptsz(CUdeviceptr dptr, CUstream hStream)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!stream_ok(hStream))
		return CUDA_ERROR_INVALID_HANDLE;
	return mem_free(dptr, MEM_ANY_DEVICE);
}

/* ---- copies ---- */

CUAPI CUresult cuMemcpyHtoD(CUdeviceptr_v1 dstDevice, const void *srcHost,
			    unsigned int ByteCount)
{
	return copy_htod(dstDevice, srcHost, ByteCount, NULL);
}

CUAPI CUresult cuMemcpyHtoD_v2(CUdeviceptr dstDevice, const void *srcHost,
			       size_t ByteCount)
{
	return copy_htod(dstDevice, srcHost, ByteCount, NULL);
}

CUAPI CUresult cuMemcpyHtoD_v2_ptds(CUdeviceptr dstDevice, const void *srcHost,
				    size_t ByteCount)
{
	return copy_htod(dstDevice, srcHost, ByteCount, CU_STREAM_PER_THREAD);
}

CUAPI CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void *srcHost,
				    size_t ByteCount, CUstream hStream)
{
	return copy_htod(dstDevice, srcHost, ByteCount, hStream);
}

CUAPI CUresult cuMemcpyHtoDAsync_v2_ptsz(CUdeviceptr dstDevice, const void *srcHost,
					 size_t ByteCount, CUstream hStream)
{
	return copy_htod(dstDevice, srcHost, ByteCount, hStream);
}

CUAPI CUresult cuMemcpyDtoH(void *dstHost, CUdeviceptr_v1 srcDevice,
			    unsigned int ByteCount)
{
	return copy_dtoh(dstHost, srcDevice, ByteCount, NULL);
}

CUAPI CUresult cuMemcpyDtoH_v2(void *dstHost, CUdeviceptr srcDevice, size_t ByteCount)
{
	return copy_dtoh(dstHost, srcDevice, ByteCount, NULL);
}

CUAPI CUresult cuMemcpyDtoH_v2_ptds(void *dstHost, CUdeviceptr srcDevice,
				    size_t ByteCount)
{
	return copy_dtoh(dstHost, srcDevice, ByteCount, CU_STREAM_PER_THREAD);
}

CUAPI CUresult cuMemcpyDtoHAsync_v2(void *dstHost, CUdeviceptr srcDevice,
				    size_t ByteCount, CUstream hStream)
{
	return copy_dtoh(dstHost, srcDevice, ByteCount, hStream);
}

CUAPI CUresult cuMemcpyDtoHAsync_v2_ptsz(void *dstHost, CUdeviceptr srcDevice,
					 size_t ByteCount, CUstream hStream)
{
	return copy_dtoh(dstHost, srcDevice, ByteCount, hStream);
}

CUAPI CUresult cuMemcpyDtoD_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice,
			       size_t ByteCount)
{
	return copy_dtod(dstDevice, srcDevice, ByteCount, NULL);
}

CUAPI CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dstDevice, CUdeviceptr srcDevice,
				    size_t ByteCount, CUstream hStream)
{
	return copy_dtod(dstDevice, srcDevice, ByteCount, hStream);
}

CUAPI CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t ByteCount)
{
	return copy_unified(dst, src, ByteCount, NULL);
}

CUAPI CUresult cuMemcpy_ptds(CUdeviceptr dst, CUdeviceptr src, size_t ByteCount)
{
	return copy_unified(dst, src, ByteCount, CU_STREAM_PER_THREAD);
}

CUAPI CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t ByteCount,
			     CUstream hStream)
{
	return copy_unified(dst, src, ByteCount, hStream);
}

CUAPI CUresult cuMemcpyAsync_ptsz(CUdeviceptr dst, CUdeviceptr src, size_t ByteCount,
				  CUstream hStream)
{
	return copy_unified(dst, src, ByteCount, hStream);
}

CUAPI CUresult cuMemcpy2D_v2(const CUDA_MEMCPY2D *pCopy)
{
	struct copy_end src, dst;

	if (!pCopy)
		return CUDA_ERROR_INVALID_VALUE;
	src = (struct copy_end){
		.type = pCopy->srcMemoryType, .host = pCopy->srcHost,
		.dev = pCopy->srcDevice, .x = pCopy->srcXInBytes, .y = pCopy->srcY,
		.pitch = pCopy->srcPitch, .height = pCopy->Height,
	};
	dst = (struct copy_end){
		.type = pCopy->dstMemoryType, .host = pCopy->dstHost,
		.dev = pCopy->dstDevice, .x = pCopy->dstXInBytes, .y = pCopy->dstY,
		.pitch = pCopy->dstPitch, .height = pCopy->Height,
	};
	return copy_3d(&src, &dst, pCopy->WidthInBytes, pCopy->Height, 1);
}

CUAPI CUresult cuMemcpy3D_v2(const CUDA_MEMCPY3D *pCopy)
{
	struct copy_end src, dst;

	if (!pCopy)
		return CUDA_ERROR_INVALID_VALUE;
	src = (struct copy_end){
		.type = pCopy->srcMemoryType, .host = pCopy->srcHost,
		.dev = pCopy->srcDevice, .x = pCopy->srcXInBytes, .y = pCopy->srcY,
		.z = pCopy->srcZ, .pitch = pCopy->srcPitch, .height = pCopy->srcHeight,
	};
	dst = (struct copy_end){
		.type = pCopy->dstMemoryType, .host = pCopy->dstHost,
		.dev = pCopy->dstDevice, .x = pCopy->dstXInBytes, .y = pCopy->dstY,
		.z = pCopy->dstZ, .pitch = pCopy->dstPitch, .height = pCopy->dstHeight,
	};
	return copy_3d(&src, &dst, pCopy->WidthInBytes, pCopy->Height, pCopy->Depth);
}

/* ---- launches ---- */

CUAPI CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
			      unsigned int gridDimZ, unsigned int blockDimX,
			      unsigned int blockDimY, unsigned int blockDimZ,
			      unsigned int sharedMemBytes, CUstream hStream,
			      void **kernelParams, void **extra)
{
	return launch(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ,
		      sharedMemBytes, hStream, kernelParams, extra);
}

CUAPI CUresult cuLaunchKernel_ptsz(CUfunction f, unsigned int gridDimX,
				   unsigned int gridDimY, unsigned int gridDimZ,
				   unsigned int blockDimX, unsigned int blockDimY,
				   unsigned int blockDimZ, unsigned int sharedMemBytes,
				   CUstream hStream, void **kernelParams, void **extra)
{
	return launch(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ,
		      sharedMemBytes, hStream, kernelParams, extra);
}

CUAPI CUresult cuLaunchKernelEx(const CUlaunchConfig *config, CUfunction f,
				void **kernelParams, void **extra)
{
	return launch_config(config, f, kernelParams, extra);
}

CUAPI CUresult cuLaunchKernelEx_ptsz(const CUlaunchConfig *config, CUfunction f,
				     void **kernelParams, void **extra)
{
	return launch_config(config, f, kernelParams, extra);
}

/* A cooperative grid runs all at once anyway: the same launch. */
CUAPI CUresult cuLaunchCooperativeKernel(CUfunction f, unsigned int gridDimX,
					 unsigned int gridDimY, unsigned int gridDimZ,
					 unsigned int blockDimX, unsigned int blockDimY,
					 unsigned int blockDimZ,
					 unsigned int sharedMemBytes, CUstream hStream,
					 void **kernelParams)
{
	return launch(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ,
		      sharedMemBytes, hStream, kernelParams, NULL);
}

CUAPI CUresult cuLaunchCooperativeKernel_ptsz(CUfunction f, unsigned int gridDimX,
					      unsigned int gridDimY,
					      unsigned int gridDimZ,
					      unsigned int blockDimX,
					      unsigned int blockDimY,
					      unsigned int blockDimZ,
					      unsigned int sharedMemBytes,
					      CUstream hStream, void **kernelParams)
{
	return launch(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ,
		      sharedMemBytes, hStream, kernelParams, NULL);
}

CUAPI CUresult cuGraphLaunch(CUgraphExec hGraphExec, CUstream hStream)
{
	return graph_launch(hGraphExec, hStream);
}

CUAPI CUresult cuGraphLaunch_ptsz(CUgraphExec hGraphExec, CUstream hStream)
{
	return graph_launch(hGraphExec, hStream);
}

/* ---- streams, events, synchronisation ---- */

CUAPI CUresult cuStreamCreate(CUstream *phStream, unsigned int Flags)
{
	struct CUstream_st *s;
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!phStream || (Flags & ~STREAM_FLAGS_VALID))
		return CUDA_ERROR_INVALID_VALUE;
	s = obj_new(OBJ_STREAM, sizeof(*s), current);
	if (!s)
		return CUDA_ERROR_OUT_OF_MEMORY;
	*phStream = s;
	return CUDA_SUCCESS;
}

CUAPI CUresult cuStreamDestroy_v2(CUstream hStream)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!hStream)
		return CUDA_ERROR_INVALID_VALUE;
	return obj_destroy(hStream, OBJ_STREAM);
}

CUAPI CUresult cuStreamSynchronize(CUstream hStream)
{
	return stream_sync(hStream);
}

CUAPI CUresult cuStreamSynchronize_ptsz(CUstream hStream)
{
	return stream_sync(hStream);
}

CUAPI CUresult cuEventCreate(CUevent *phEvent, unsigned int Flags)
{
	struct CUevent_st *ev;
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!phEvent || (Flags & ~EVENT_FLAGS_VALID))
		return CUDA_ERROR_INVALID_VALUE;
	ev = obj_new(OBJ_EVENT, sizeof(*ev), current);
	if (!ev)
		return CUDA_ERROR_OUT_OF_MEMORY;
	*phEvent = ev;
	return CUDA_SUCCESS;
}

CUAPI CUresult cuEventRecord(CUevent hEvent, CUstream hStream)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!obj_live(hEvent, OBJ_EVENT) || !stream_ok(hStream))
		return CUDA_ERROR_INVALID_HANDLE;
	hEvent->ns = now_ns();
	hEvent->recorded = 1;
	return CUDA_SUCCESS;
}

CUAPI CUresult cuEventSynchronize(CUevent hEvent)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	return obj_live(hEvent, OBJ_EVENT) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

CUAPI CUresult cuEventElapsedTime(float *pMilliseconds, CUevent hStart, CUevent hEnd)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!pMilliseconds)
		return CUDA_ERROR_INVALID_VALUE;
	if (!obj_live(hStart, OBJ_EVENT) || !obj_live(hEnd, OBJ_EVENT) ||
	    !hStart->recorded || !hEnd->recorded)
		return CUDA_ERROR_INVALID_HANDLE;
	*pMilliseconds = (float)((double)((int64_t)(hEnd->ns - hStart->ns)) / 1e6);
	return CUDA_SUCCESS;
}

CUAPI CUresult cuEventDestroy_v2(CUevent hEvent)
{
	CUresult rc = need_ctx();

	if (rc)
		return rc;
	if (!hEvent)
		return CUDA_ERROR_INVALID_VALUE;
	return obj_destroy(hEvent, OBJ_EVENT);
}
