// SPDX-License-Identifier: GPL-2.0
/*
 * A TEST DOUBLE of the OpenCL library, libOpenCL.so.1. It is neither an ICD
 * loader nor a device driver: it does all the work on the CPU, in the calling
 * thread, before the call returns. It exists so vinfer's runtime-tier probes
 * can be tested on machines without a GPU.
 *
 * As for the CUDA double (libcuda.c), the probes must not tell it from the
 * real library: SONAME libOpenCL.so.1, CL/cl.h's names and signatures
 * (cl_api.h), each exported function noinline at its own address, no
 * exported function calling another (shared work is in static helpers), and
 * nothing exported but the API.
 *
 * What the double does:
 *   platform/device  one each, the device claims CL_DEVICE_TYPE_GPU so that
 *                    code asking for a GPU finds it
 *   buffers          host memory (zeroed, or the caller's with USE_HOST_PTR)
 *   programs         any source or binary is accepted and "builds"; every
 *                    program offers the built-in CPU kernels of kernels.c
 *   commands         done at once, in order; a requested event is complete
 *   NDRange          the kernel runs over the whole global size; work-item
 *                    ids start at 0, so a non-zero global offset is refused
 * Results are real cl_int codes; arguments are checked as CL/cl.h documents
 * where that is cheap (NULL pointers, handles, flags, sizes, wait lists).
 *
 * Objects are reference counted and hold a reference to their parent
 * (context, program, queue), so a release order that CL permits never leaves
 * a dangling parent. One mutex guards the object list; kernels and copies
 * run outside it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC visibility push(default)
#include "cl_api.h"
#pragma GCC visibility pop

#include "kernels.h"

/* An exported entry point: a real function at its own address. */
#if defined(__GNUC__) && !defined(__clang__)
#define CLAPI __attribute__((noinline, used, no_icf))
#else
#define CLAPI __attribute__((noinline, used))
#endif

#define PLATFORM_NAME		"vinfer test platform (CPU double)"
#define DEVICE_NAME		"vinfer test accelerator (CPU double)"
#define MAX_WORK_GROUP		1024
#define MAX_PROGRAM		(256u << 20)

#define CL_INVALID_PROPERTY	(-64)
#define CL_CONTEXT_PLATFORM	0x1084
#define CL_QUEUE_SIZE		0x1094
#define MEM_FLAGS_VALID		0x3ffu	/* READ_WRITE .. HOST_NO_ACCESS */
#define MEM_ACCESS_MASK		(CL_MEM_READ_WRITE | CL_MEM_WRITE_ONLY | CL_MEM_READ_ONLY)
#define QUEUE_PROPS_VALID	(CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE | \
				 CL_QUEUE_PROFILING_ENABLE)

struct _cl_platform_id {
	int unused;
};

struct _cl_device_id {
	int unused;
};

static struct _cl_platform_id platform;
static struct _cl_device_id device;

enum obj_type {
	OBJ_CONTEXT = 1,
	OBJ_QUEUE,
	OBJ_MEM,
	OBJ_SVM,
	OBJ_PROGRAM,
	OBJ_KERNEL,
	OBJ_EVENT,
};

struct obj {
	struct obj *next;
	enum obj_type type;
	unsigned int refs;
	struct obj *parent;	/* holds a reference */
	void *data;		/* freed with the object when owned */
	int owns_data;
};

struct _cl_context {
	struct obj o;
};

struct _cl_command_queue {
	struct obj o;		/* parent: the context */
};

struct _cl_mem {
	struct obj o;		/* parent: the context; data: the contents */
	size_t size;
};

struct _cl_program {
	struct obj o;		/* parent: the context; data: source or binary */
	size_t size;
	int built;
};

struct _cl_kernel {
	struct obj o;		/* parent: the program */
	const struct vinfer_tk *tk;
	unsigned int set;	/* bit i: argument i was set */
	cl_mem mem[VINFER_TK_MAX_ARGS];
	uint64_t val[VINFER_TK_MAX_ARGS];
};

struct _cl_event {
	struct obj o;		/* parent: the queue */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct obj *objs;	/* under lock */

/* ---- objects --------------------------------------------------------- */

static void *obj_new(enum obj_type type, size_t size, struct obj *parent)
{
	struct obj *o = calloc(1, size);

	if (!o)
		return NULL;
	o->type = type;
	o->refs = 1;
	o->parent = parent;
	pthread_mutex_lock(&lock);
	if (parent)
		parent->refs++;
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

/* Caller holds lock: drops a reference, freeing @o and then its parents. */
static void obj_put_locked(struct obj *o)
{
	struct obj **pp, *parent;

	while (o && !--o->refs) {
		for (pp = &objs; *pp; pp = &(*pp)->next) {
			if (*pp == o) {
				*pp = o->next;
				break;
			}
		}
		parent = o->parent;
		if (o->owns_data)
			free(o->data);
		free(o);
		o = parent;
	}
}

/* clRelease*: @err_invalid if @p is not a live object of @type. */
static cl_int obj_release(void *p, enum obj_type type, cl_int err_invalid)
{
	cl_int err = CL_SUCCESS;

	pthread_mutex_lock(&lock);
	if (p && obj_live_locked(p, type))
		obj_put_locked(p);
	else
		err = err_invalid;
	pthread_mutex_unlock(&lock);
	return err;
}

static void *fail(cl_int *errcode_ret, cl_int err)
{
	if (errcode_ret)
		*errcode_ret = err;
	return NULL;
}

static void *done(cl_int *errcode_ret, void *obj)
{
	if (errcode_ret)
		*errcode_ret = CL_SUCCESS;
	return obj;
}

/* ---- platform, device, context --------------------------------------- */

static cl_int info_str(const char *str, size_t size, void *value, size_t *size_ret)
{
	size_t len = strlen(str) + 1;

	if (value && size < len)
		return CL_INVALID_VALUE;
	if (value)
		memcpy(value, str, len);
	if (size_ret)
		*size_ret = len;
	return CL_SUCCESS;
}

/* The device is a "GPU": CL_DEVICE_NOT_FOUND for CPU or accelerator only. */
static cl_int device_type_check(cl_device_type type)
{
	if (type == CL_DEVICE_TYPE_ALL)
		return CL_SUCCESS;
	if (!type || (type & ~(cl_device_type)0x1f))
		return CL_INVALID_DEVICE_TYPE;
	if (type & (CL_DEVICE_TYPE_DEFAULT | CL_DEVICE_TYPE_GPU))
		return CL_SUCCESS;
	return CL_DEVICE_NOT_FOUND;
}

/* Properties: a 0-terminated list of name, value pairs. */
static cl_int context_props_check(const cl_context_properties *props)
{
	for (; props && *props; props += 2) {
		if (props[0] != CL_CONTEXT_PLATFORM)
			return CL_INVALID_PROPERTY;
		if ((cl_platform_id)props[1] != &platform)
			return CL_INVALID_PLATFORM;
	}
	return CL_SUCCESS;
}

static cl_context context_new(const cl_context_properties *props, int has_notify,
			      void *user_data, cl_int *errcode_ret)
{
	struct _cl_context *ctx;
	cl_int err;

	if (!has_notify && user_data)
		return fail(errcode_ret, CL_INVALID_VALUE);
	err = context_props_check(props);
	if (err)
		return fail(errcode_ret, err);
	ctx = obj_new(OBJ_CONTEXT, sizeof(*ctx), NULL);
	if (!ctx)
		return fail(errcode_ret, CL_OUT_OF_HOST_MEMORY);
	return done(errcode_ret, ctx);
}

static cl_command_queue queue_new(cl_context ctx, cl_device_id dev,
				  cl_command_queue_properties props, cl_int *errcode_ret)
{
	struct _cl_command_queue *q;

	if (!obj_live(ctx, OBJ_CONTEXT))
		return fail(errcode_ret, CL_INVALID_CONTEXT);
	if (dev != &device)
		return fail(errcode_ret, CL_INVALID_DEVICE);
	if (props & ~(cl_command_queue_properties)QUEUE_PROPS_VALID)
		return fail(errcode_ret, CL_INVALID_VALUE);
	q = obj_new(OBJ_QUEUE, sizeof(*q), &ctx->o);
	if (!q)
		return fail(errcode_ret, CL_OUT_OF_HOST_MEMORY);
	return done(errcode_ret, q);
}

/* ---- commands -------------------------------------------------------- */

/* Checks common to every enqueue: the queue and the wait list. */
static cl_int enqueue_check(cl_command_queue q, cl_uint n, const cl_event *list)
{
	cl_uint i;

	if (!obj_live(q, OBJ_QUEUE))
		return CL_INVALID_COMMAND_QUEUE;
	if ((n && !list) || (!n && list))
		return CL_INVALID_EVENT_WAIT_LIST;
	for (i = 0; i < n; i++)
		if (!obj_live(list[i], OBJ_EVENT))
			return CL_INVALID_EVENT_WAIT_LIST;
	return CL_SUCCESS;
}

/* The command is complete: hand out its event if one was asked for. */
static cl_int enqueue_done(cl_command_queue q, cl_event *event)
{
	if (!event)
		return CL_SUCCESS;
	*event = obj_new(OBJ_EVENT, sizeof(**event), &q->o);
	return *event ? CL_SUCCESS : CL_OUT_OF_HOST_MEMORY;
}

/* @buf is a live buffer of @q's context and [off, off + n) lies inside it. */
static cl_int buffer_check(cl_command_queue q, cl_mem buf, size_t off, size_t n)
{
	if (!obj_live(buf, OBJ_MEM))
		return CL_INVALID_MEM_OBJECT;
	if (buf->o.parent != q->o.parent)
		return CL_INVALID_CONTEXT;
	if (off > buf->size || n > buf->size - off)
		return CL_INVALID_VALUE;
	return CL_SUCCESS;
}

static cl_int buffer_rw(cl_command_queue q, cl_mem buf, size_t off, size_t n, void *ptr,
			int write, cl_uint n_wait, const cl_event *wait, cl_event *event)
{
	cl_int err = enqueue_check(q, n_wait, wait);

	if (!err)
		err = buffer_check(q, buf, off, n);
	if (err)
		return err;
	if (!ptr || !n)
		return CL_INVALID_VALUE;
	if (write)
		memmove((char *)buf->o.data + off, ptr, n);
	else
		memmove(ptr, (char *)buf->o.data + off, n);
	return enqueue_done(q, event);
}

/* A rectangle's pitches (0: packed) and the offset of its origin. */
static cl_int rect_layout(const size_t *origin, const size_t *region, size_t *row,
			  size_t *slice, size_t *off, size_t *span)
{
	size_t plane, t;

	if (!*row)
		*row = region[0];
	if (*row < region[0] || __builtin_mul_overflow(region[1], *row, &plane))
		return CL_INVALID_VALUE;
	if (!*slice)
		*slice = plane;
	if (*slice < plane)
		return CL_INVALID_VALUE;
	/* off = z * slice + y * row + x; span to the last byte + 1 */
	if (__builtin_mul_overflow(origin[2], *slice, off) ||
	    __builtin_mul_overflow(origin[1], *row, &t) ||
	    __builtin_add_overflow(*off, t, off) ||
	    __builtin_add_overflow(*off, origin[0], off) ||
	    __builtin_mul_overflow(region[2] - 1, *slice, span) ||
	    __builtin_mul_overflow(region[1] - 1, *row, &t) ||
	    __builtin_add_overflow(*span, t, span) ||
	    __builtin_add_overflow(*span, region[0], span))
		return CL_INVALID_VALUE;
	return CL_SUCCESS;
}

static cl_int buffer_rect(cl_command_queue q, cl_mem buf, const size_t *b_origin,
			  const size_t *h_origin, const size_t *region, size_t b_row,
			  size_t b_slice, size_t h_row, size_t h_slice, void *ptr,
			  int write, cl_uint n_wait, const cl_event *wait,
			  cl_event *event)
{
	size_t b_off, b_span, h_off, h_span, y, z;
	cl_int err = enqueue_check(q, n_wait, wait);

	if (err)
		return err;
	if (!b_origin || !h_origin || !region || !ptr ||
	    !region[0] || !region[1] || !region[2])
		return CL_INVALID_VALUE;
	err = rect_layout(b_origin, region, &b_row, &b_slice, &b_off, &b_span);
	if (!err)
		err = rect_layout(h_origin, region, &h_row, &h_slice, &h_off, &h_span);
	if (!err && __builtin_add_overflow(b_off, b_span, &b_span))
		err = CL_INVALID_VALUE;
	if (!err)
		err = buffer_check(q, buf, 0, b_span);
	if (err)
		return err;
	for (z = 0; z < region[2]; z++) {
		for (y = 0; y < region[1]; y++) {
			char *b = (char *)buf->o.data + b_off + z * b_slice + y * b_row;
			char *h = (char *)ptr + h_off + z * h_slice + y * h_row;

			if (write)
				memmove(b, h, region[0]);
			else
				memmove(h, b, region[0]);
		}
	}
	return enqueue_done(q, event);
}

static cl_int ndrange(cl_command_queue q, cl_kernel k, cl_uint dim, const size_t *offset,
		      const size_t *global, const size_t *local, cl_uint n_wait,
		      const cl_event *wait, cl_event *event)
{
	struct vinfer_tk_val args[VINFER_TK_MAX_ARGS];
	uint64_t items = 1, group = 1;
	unsigned int i;
	cl_int err = enqueue_check(q, n_wait, wait);

	if (err)
		return err;
	if (!obj_live(k, OBJ_KERNEL))
		return CL_INVALID_KERNEL;
	if (k->o.parent->parent != q->o.parent)
		return CL_INVALID_CONTEXT;
	if (dim < 1 || dim > 3)
		return CL_INVALID_WORK_DIMENSION;
	if (!global)
		return CL_INVALID_GLOBAL_WORK_SIZE;
	for (i = 0; i < dim; i++) {
		if (offset && offset[i])
			return CL_INVALID_GLOBAL_OFFSET;
		if (!global[i])
			return CL_INVALID_GLOBAL_WORK_SIZE;
		if (local && (!local[i] || global[i] % local[i]))
			return CL_INVALID_WORK_GROUP_SIZE;
		if (__builtin_mul_overflow(items, (uint64_t)global[i], &items))
			items = UINT64_MAX;
		if (local)
			group *= local[i];
		if (group > MAX_WORK_GROUP)
			return CL_INVALID_WORK_GROUP_SIZE;
	}
	if ((k->set & ((1u << k->tk->nargs) - 1)) != (1u << k->tk->nargs) - 1)
		return CL_INVALID_KERNEL_ARGS;
	for (i = 0; i < k->tk->nargs; i++) {
		cl_mem m = k->mem[i];

		args[i].v = k->val[i];
		args[i].len = 0;
		if (k->tk->arg[i] != VINFER_TK_BUF || !m)
			continue;
		if (!obj_live(m, OBJ_MEM))	/* released since it was set */
			return CL_INVALID_MEM_OBJECT;
		args[i].v = (uintptr_t)m->o.data;
		args[i].len = m->size;
	}
	/* An out-of-bounds access has no error of its own in OpenCL. */
	if (k->tk->run(args, items))
		return CL_OUT_OF_RESOURCES;
	return enqueue_done(q, event);
}

/* ==== the API ========================================================== */

/* ---- platforms and devices ---- */

CLAPI cl_int clGetPlatformIDs(cl_uint num_entries, cl_platform_id *platforms,
			      cl_uint *num_platforms)
{
	if ((!num_entries && platforms) || (!platforms && !num_platforms))
		return CL_INVALID_VALUE;
	if (platforms)
		platforms[0] = &platform;
	if (num_platforms)
		*num_platforms = 1;
	return CL_SUCCESS;
}

CLAPI cl_int clGetPlatformInfo(cl_platform_id platform_id, cl_platform_info param_name,
			       size_t param_value_size, void *param_value,
			       size_t *param_value_size_ret)
{
	if (platform_id && platform_id != &platform)
		return CL_INVALID_PLATFORM;
	if (param_name != CL_PLATFORM_NAME)
		return CL_INVALID_VALUE;
	return info_str(PLATFORM_NAME, param_value_size, param_value,
			param_value_size_ret);
}

CLAPI cl_int clGetDeviceIDs(cl_platform_id platform_id, cl_device_type device_type,
			    cl_uint num_entries, cl_device_id *devices,
			    cl_uint *num_devices)
{
	cl_int err;

	if (platform_id && platform_id != &platform)
		return CL_INVALID_PLATFORM;
	err = device_type_check(device_type);
	if (err)
		return err;
	if ((!num_entries && devices) || (!devices && !num_devices))
		return CL_INVALID_VALUE;
	if (devices)
		devices[0] = &device;
	if (num_devices)
		*num_devices = 1;
	return CL_SUCCESS;
}

CLAPI cl_int clGetDeviceInfo(cl_device_id dev, cl_device_info param_name,
			     size_t param_value_size, void *param_value,
			     size_t *param_value_size_ret)
{
	if (dev != &device)
		return CL_INVALID_DEVICE;
	if (param_name != CL_DEVICE_NAME)
		return CL_INVALID_VALUE;
	return info_str(DEVICE_NAME, param_value_size, param_value,
			param_value_size_ret);
}

/* ---- contexts and queues ---- */

CLAPI cl_context clCreateContext(const cl_context_properties *properties,
				 cl_uint num_devices, const cl_device_id *devices,
				 void (CL_CALLBACK *pfn_notify)(const char *errinfo,
								const void *private_info,
								size_t cb,
								void *user_data),
				 void *user_data, cl_int *errcode_ret)
{
	cl_uint i;

	if (!num_devices || !devices)
		return fail(errcode_ret, CL_INVALID_VALUE);
	for (i = 0; i < num_devices; i++)
		if (devices[i] != &device)
			return fail(errcode_ret, CL_INVALID_DEVICE);
	return context_new(properties, pfn_notify != NULL, user_data, errcode_ret);
}

CLAPI cl_context clCreateContextFromType(const cl_context_properties *properties,
					 cl_device_type device_type,
					 void (CL_CALLBACK *pfn_notify)(const char *errinfo,
									const void *private_info,
									size_t cb,
									void *user_data),
					 void *user_data, cl_int *errcode_ret)
{
	cl_int err = device_type_check(device_type);

	if (err)
		return fail(errcode_ret, err);
	return context_new(properties, pfn_notify != NULL, user_data, errcode_ret);
}

CLAPI cl_int clReleaseContext(cl_context context)
{
	return obj_release(context, OBJ_CONTEXT, CL_INVALID_CONTEXT);
}

CLAPI cl_command_queue clCreateCommandQueue(cl_context context, cl_device_id dev,
					    cl_command_queue_properties properties,
					    cl_int *errcode_ret)
{
	return queue_new(context, dev, properties, errcode_ret);
}

/* Properties: a 0-terminated list of name, value pairs. */
CLAPI cl_command_queue clCreateCommandQueueWithProperties(cl_context context,
							  cl_device_id dev,
							  const cl_queue_properties *properties,
							  cl_int *errcode_ret)
{
	const cl_queue_properties *p;
	cl_command_queue_properties props = 0;

	for (p = properties; p && *p; p += 2) {
		if (p[0] == CL_QUEUE_PROPERTIES)
			props = p[1];
		else if (p[0] != CL_QUEUE_SIZE)
			return fail(errcode_ret, CL_INVALID_VALUE);
	}
	return queue_new(context, dev, props, errcode_ret);
}

CLAPI cl_int clReleaseCommandQueue(cl_command_queue command_queue)
{
	return obj_release(command_queue, OBJ_QUEUE, CL_INVALID_COMMAND_QUEUE);
}

CLAPI cl_int clFlush(cl_command_queue command_queue)
{
	return obj_live(command_queue, OBJ_QUEUE) ? CL_SUCCESS : CL_INVALID_COMMAND_QUEUE;
}

/* Every command completed when it was enqueued. */
CLAPI cl_int clFinish(cl_command_queue command_queue)
{
	return obj_live(command_queue, OBJ_QUEUE) ? CL_SUCCESS : CL_INVALID_COMMAND_QUEUE;
}

/* ---- programs and kernels ---- */

CLAPI cl_program clCreateProgramWithSource(cl_context context, cl_uint count,
					   const char **strings, const size_t *lengths,
					   cl_int *errcode_ret)
{
	struct _cl_program *prog;
	size_t total = 0, len, off = 0;
	cl_uint i;
	char *src;

	if (!obj_live(context, OBJ_CONTEXT))
		return fail(errcode_ret, CL_INVALID_CONTEXT);
	if (!count || !strings)
		return fail(errcode_ret, CL_INVALID_VALUE);
	for (i = 0; i < count; i++) {
		if (!strings[i])
			return fail(errcode_ret, CL_INVALID_VALUE);
		len = lengths && lengths[i] ? lengths[i] : strnlen(strings[i], MAX_PROGRAM);
		if (len > MAX_PROGRAM - total)
			return fail(errcode_ret, CL_OUT_OF_RESOURCES);
		total += len;
	}
	src = malloc(total + 1);
	if (!src)
		return fail(errcode_ret, CL_OUT_OF_HOST_MEMORY);
	for (i = 0; i < count; i++) {
		len = lengths && lengths[i] ? lengths[i] : strlen(strings[i]);
		memcpy(src + off, strings[i], len);
		off += len;
	}
	src[total] = '\0';
	prog = obj_new(OBJ_PROGRAM, sizeof(*prog), &context->o);
	if (!prog) {
		free(src);
		return fail(errcode_ret, CL_OUT_OF_HOST_MEMORY);
	}
	prog->o.data = src;
	prog->o.owns_data = 1;
	prog->size = total;
	return done(errcode_ret, prog);
}

CLAPI cl_program clCreateProgramWithBinary(cl_context context, cl_uint num_devices,
					   const cl_device_id *device_list,
					   const size_t *lengths,
					   const unsigned char **binaries,
					   cl_int *binary_status, cl_int *errcode_ret)
{
	struct _cl_program *prog;
	void *bin;

	if (!obj_live(context, OBJ_CONTEXT))
		return fail(errcode_ret, CL_INVALID_CONTEXT);
	if (num_devices != 1 || !device_list || !lengths || !binaries)
		return fail(errcode_ret, CL_INVALID_VALUE);
	if (device_list[0] != &device)
		return fail(errcode_ret, CL_INVALID_DEVICE);
	if (!lengths[0] || !binaries[0]) {
		if (binary_status)
			binary_status[0] = CL_INVALID_VALUE;
		return fail(errcode_ret, CL_INVALID_VALUE);
	}
	bin = malloc(lengths[0]);
	if (!bin)
		return fail(errcode_ret, CL_OUT_OF_HOST_MEMORY);
	memcpy(bin, binaries[0], lengths[0]);
	prog = obj_new(OBJ_PROGRAM, sizeof(*prog), &context->o);
	if (!prog) {
		free(bin);
		return fail(errcode_ret, CL_OUT_OF_HOST_MEMORY);
	}
	prog->o.data = bin;
	prog->o.owns_data = 1;
	prog->size = lengths[0];
	if (binary_status)
		binary_status[0] = CL_SUCCESS;
	return done(errcode_ret, prog);
}

/* The double compiles nothing: a build always succeeds, options are ignored. */
CLAPI cl_int clBuildProgram(cl_program program, cl_uint num_devices,
			    const cl_device_id *device_list, const char *options,
			    void (CL_CALLBACK *pfn_notify)(cl_program program,
							   void *user_data),
			    void *user_data)
{
	cl_uint i;

	(void)options;
	if (!obj_live(program, OBJ_PROGRAM))
		return CL_INVALID_PROGRAM;
	if ((num_devices && !device_list) || (!num_devices && device_list) ||
	    (!pfn_notify && user_data))
		return CL_INVALID_VALUE;
	for (i = 0; i < num_devices; i++)
		if (device_list[i] != &device)
			return CL_INVALID_DEVICE;
	program->built = 1;
	if (pfn_notify)
		pfn_notify(program, user_data);
	return CL_SUCCESS;
}

CLAPI cl_int clReleaseProgram(cl_program program)
{
	return obj_release(program, OBJ_PROGRAM, CL_INVALID_PROGRAM);
}

CLAPI cl_kernel clCreateKernel(cl_program program, const char *kernel_name,
			       cl_int *errcode_ret)
{
	const struct vinfer_tk *tk;
	struct _cl_kernel *k;

	if (!obj_live(program, OBJ_PROGRAM))
		return fail(errcode_ret, CL_INVALID_PROGRAM);
	if (!program->built)
		return fail(errcode_ret, CL_INVALID_PROGRAM_EXECUTABLE);
	if (!kernel_name)
		return fail(errcode_ret, CL_INVALID_VALUE);
	tk = vinfer_tk_find(kernel_name);
	if (!tk)
		return fail(errcode_ret, CL_INVALID_KERNEL_NAME);
	k = obj_new(OBJ_KERNEL, sizeof(*k), &program->o);
	if (!k)
		return fail(errcode_ret, CL_OUT_OF_HOST_MEMORY);
	k->tk = tk;
	return done(errcode_ret, k);
}

/* A buffer argument is a cl_mem (NULL value: a NULL buffer); a scalar a cl_uint. */
CLAPI cl_int clSetKernelArg(cl_kernel kernel, cl_uint arg_index, size_t arg_size,
			    const void *arg_value)
{
	cl_mem m = NULL;
	uint32_t v;

	if (!obj_live(kernel, OBJ_KERNEL))
		return CL_INVALID_KERNEL;
	if (arg_index >= kernel->tk->nargs)
		return CL_INVALID_ARG_INDEX;
	if (arg_size != vinfer_tk_arg_size(kernel->tk->arg[arg_index]))
		return CL_INVALID_ARG_SIZE;
	if (kernel->tk->arg[arg_index] == VINFER_TK_BUF) {
		if (arg_value)
			memcpy(&m, arg_value, sizeof(m));
		if (m && !obj_live(m, OBJ_MEM))
			return CL_INVALID_MEM_OBJECT;
		kernel->mem[arg_index] = m;
		kernel->val[arg_index] = 0;
	} else {
		if (!arg_value)
			return CL_INVALID_ARG_VALUE;
		memcpy(&v, arg_value, sizeof(v));
		kernel->val[arg_index] = v;
	}
	kernel->set |= 1u << arg_index;
	return CL_SUCCESS;
}

CLAPI cl_int clReleaseKernel(cl_kernel kernel)
{
	return obj_release(kernel, OBJ_KERNEL, CL_INVALID_KERNEL);
}

/* ---- memory ---- */

CLAPI cl_mem clCreateBuffer(cl_context context, cl_mem_flags flags, size_t size,
			    void *host_ptr, cl_int *errcode_ret)
{
	struct _cl_mem *m;
	cl_mem_flags access = flags & MEM_ACCESS_MASK;
	int use = !!(flags & CL_MEM_USE_HOST_PTR), copy = !!(flags & CL_MEM_COPY_HOST_PTR);
	void *data;

	if (!obj_live(context, OBJ_CONTEXT))
		return fail(errcode_ret, CL_INVALID_CONTEXT);
	if ((flags & ~(cl_mem_flags)MEM_FLAGS_VALID) || (access & (access - 1)) ||
	    (use && (copy || (flags & CL_MEM_ALLOC_HOST_PTR))))
		return fail(errcode_ret, CL_INVALID_VALUE);
	if (!size)
		return fail(errcode_ret, CL_INVALID_BUFFER_SIZE);
	if (!host_ptr != !(use || copy))
		return fail(errcode_ret, CL_INVALID_HOST_PTR);
	if (use) {
		data = host_ptr;
	} else if (posix_memalign(&data, 128, size)) {
		return fail(errcode_ret, CL_MEM_OBJECT_ALLOCATION_FAILURE);
	} else if (copy) {
		memcpy(data, host_ptr, size);
	} else {
		memset(data, 0, size);	/* deterministic, even for a buggy caller */
	}
	m = obj_new(OBJ_MEM, sizeof(*m), &context->o);
	if (!m) {
		if (!use)
			free(data);
		return fail(errcode_ret, CL_OUT_OF_HOST_MEMORY);
	}
	m->o.data = data;
	m->o.owns_data = !use;
	m->size = size;
	return done(errcode_ret, m);
}

CLAPI cl_int clReleaseMemObject(cl_mem memobj)
{
	return obj_release(memobj, OBJ_MEM, CL_INVALID_MEM_OBJECT);
}

/* NULL on any failure: clSVMAlloc has no error code. */
CLAPI void *clSVMAlloc(cl_context context, cl_svm_mem_flags flags, size_t size,
		       cl_uint alignment)
{
	struct obj *o;
	void *data;

	(void)flags;
	if (!obj_live(context, OBJ_CONTEXT) || !size ||
	    (alignment & (alignment - 1)))
		return NULL;
	if (alignment < sizeof(void *))
		alignment = 128;
	if (posix_memalign(&data, alignment, size))
		return NULL;
	memset(data, 0, size);
	o = obj_new(OBJ_SVM, sizeof(*o), &context->o);
	if (!o) {
		free(data);
		return NULL;
	}
	o->data = data;
	o->owns_data = 1;
	return data;
}

/* Frees the SVM allocation that starts at @svm_pointer; anything else is ignored. */
CLAPI void clSVMFree(cl_context context, void *svm_pointer)
{
	struct obj *o;

	if (!svm_pointer)
		return;
	pthread_mutex_lock(&lock);
	for (o = objs; o; o = o->next) {
		if (o->type == OBJ_SVM && o->data == svm_pointer &&
		    o->parent == (struct obj *)context) {
			obj_put_locked(o);
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

/* ---- commands ---- */

CLAPI cl_int clEnqueueWriteBuffer(cl_command_queue command_queue, cl_mem buffer,
				  cl_bool blocking_write, size_t offset, size_t size,
				  const void *ptr, cl_uint num_events_in_wait_list,
				  const cl_event *event_wait_list, cl_event *event)
{
	(void)blocking_write;
	return buffer_rw(command_queue, buffer, offset, size, (void *)ptr, 1,
			 num_events_in_wait_list, event_wait_list, event);
}

CLAPI cl_int clEnqueueReadBuffer(cl_command_queue command_queue, cl_mem buffer,
				 cl_bool blocking_read, size_t offset, size_t size,
				 void *ptr, cl_uint num_events_in_wait_list,
				 const cl_event *event_wait_list, cl_event *event)
{
	(void)blocking_read;
	return buffer_rw(command_queue, buffer, offset, size, ptr, 0,
			 num_events_in_wait_list, event_wait_list, event);
}

CLAPI cl_int clEnqueueCopyBuffer(cl_command_queue command_queue, cl_mem src_buffer,
				 cl_mem dst_buffer, size_t src_offset,
				 size_t dst_offset, size_t size,
				 cl_uint num_events_in_wait_list,
				 const cl_event *event_wait_list, cl_event *event)
{
	cl_int err = enqueue_check(command_queue, num_events_in_wait_list,
				   event_wait_list);

	if (!err)
		err = buffer_check(command_queue, src_buffer, src_offset, size);
	if (!err)
		err = buffer_check(command_queue, dst_buffer, dst_offset, size);
	if (err)
		return err;
	if (!size)
		return CL_INVALID_VALUE;
	memmove((char *)dst_buffer->o.data + dst_offset,
		(char *)src_buffer->o.data + src_offset, size);
	return enqueue_done(command_queue, event);
}

CLAPI cl_int clEnqueueSVMMemcpy(cl_command_queue command_queue, cl_bool blocking_copy,
				void *dst_ptr, const void *src_ptr, size_t size,
				cl_uint num_events_in_wait_list,
				const cl_event *event_wait_list, cl_event *event)
{
	cl_int err = enqueue_check(command_queue, num_events_in_wait_list,
				   event_wait_list);

	(void)blocking_copy;
	if (err)
		return err;
	if (!dst_ptr || !src_ptr)
		return CL_INVALID_VALUE;
	memmove(dst_ptr, src_ptr, size);
	return enqueue_done(command_queue, event);
}

CLAPI cl_int clEnqueueWriteBufferRect(cl_command_queue command_queue, cl_mem buffer,
				      cl_bool blocking_write,
				      const size_t *buffer_origin,
				      const size_t *host_origin, const size_t *region,
				      size_t buffer_row_pitch, size_t buffer_slice_pitch,
				      size_t host_row_pitch, size_t host_slice_pitch,
				      const void *ptr, cl_uint num_events_in_wait_list,
				      const cl_event *event_wait_list, cl_event *event)
{
	(void)blocking_write;
	return buffer_rect(command_queue, buffer, buffer_origin, host_origin, region,
			   buffer_row_pitch, buffer_slice_pitch, host_row_pitch,
			   host_slice_pitch, (void *)ptr, 1, num_events_in_wait_list,
			   event_wait_list, event);
}

CLAPI cl_int clEnqueueReadBufferRect(cl_command_queue command_queue, cl_mem buffer,
				     cl_bool blocking_read, const size_t *buffer_origin,
				     const size_t *host_origin, const size_t *region,
				     size_t buffer_row_pitch, size_t buffer_slice_pitch,
				     size_t host_row_pitch, size_t host_slice_pitch,
				     void *ptr, cl_uint num_events_in_wait_list,
				     const cl_event *event_wait_list, cl_event *event)
{
	(void)blocking_read;
	return buffer_rect(command_queue, buffer, buffer_origin, host_origin, region,
			   buffer_row_pitch, buffer_slice_pitch, host_row_pitch,
			   host_slice_pitch, ptr, 0, num_events_in_wait_list,
			   event_wait_list, event);
}

CLAPI cl_int clEnqueueNDRangeKernel(cl_command_queue command_queue, cl_kernel kernel,
				    cl_uint work_dim, const size_t *global_work_offset,
				    const size_t *global_work_size,
				    const size_t *local_work_size,
				    cl_uint num_events_in_wait_list,
				    const cl_event *event_wait_list, cl_event *event)
{
	return ndrange(command_queue, kernel, work_dim, global_work_offset,
		       global_work_size, local_work_size, num_events_in_wait_list,
		       event_wait_list, event);
}

/* A task is an NDRange of one work-item. */
CLAPI cl_int clEnqueueTask(cl_command_queue command_queue, cl_kernel kernel,
			   cl_uint num_events_in_wait_list,
			   const cl_event *event_wait_list, cl_event *event)
{
	static const size_t one = 1;

	return ndrange(command_queue, kernel, 1, NULL, &one, &one,
		       num_events_in_wait_list, event_wait_list, event);
}

/* ---- events ---- */

CLAPI cl_int clWaitForEvents(cl_uint num_events, const cl_event *event_list)
{
	cl_uint i;

	if (!num_events || !event_list)
		return CL_INVALID_VALUE;
	for (i = 0; i < num_events; i++)
		if (!obj_live(event_list[i], OBJ_EVENT))
			return CL_INVALID_EVENT;
	return CL_SUCCESS;
}

CLAPI cl_int clReleaseEvent(cl_event event)
{
	return obj_release(event, OBJ_EVENT, CL_INVALID_EVENT);
}
