/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "device kernels" of the test accelerator runtimes: plain C functions
 * that libcuda.c and libopencl.c run on the CPU, synchronously, when a
 * workload launches a kernel of that name. Both test doubles link this file
 * with hidden visibility, so none of it is exported.
 *
 * A launch hands a kernel its arguments already resolved by the runtime:
 * a buffer argument is a host address and the number of bytes that remain in
 * its allocation from there, so a kernel checks every access against the
 * allocation it was given (a GPU would fault; the double reports it).
 */
#ifndef VINFER_TEST_KERNELS_H
#define VINFER_TEST_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#define VINFER_TK_MAX_ARGS	8

enum vinfer_tk_arg {
	VINFER_TK_BUF,		/* device pointer (CUDA) / cl_mem (OpenCL) */
	VINFER_TK_U32,		/* unsigned int / cl_uint */
};

struct vinfer_tk_val {
	uint64_t v;		/* the value, or the buffer's host address */
	size_t len;		/* buffer: bytes from v to the allocation's end */
};

struct vinfer_tk {
	const char *name;
	unsigned int nargs;
	enum vinfer_tk_arg arg[VINFER_TK_MAX_ARGS];
	/*
	 * Run the whole grid of @nthreads work items. Returns 0, or -1 when
	 * an access would fall outside a buffer (nothing was written then).
	 */
	int (*run)(const struct vinfer_tk_val *args, uint64_t nthreads);
};

/* The kernel called @name, or NULL. */
const struct vinfer_tk *vinfer_tk_find(const char *name);

/* Size in bytes of an argument of @type as the launch ABI packs it. */
size_t vinfer_tk_arg_size(enum vinfer_tk_arg type);

#endif /* VINFER_TEST_KERNELS_H */
