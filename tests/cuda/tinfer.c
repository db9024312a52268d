// SPDX-License-Identifier: GPL-2.0
/*
 * tinfer: a small inference workload on an accelerator runtime, for testing
 * vinfer's probes. It calls the CUDA driver API (libcuda.so.1) or OpenCL
 * (libOpenCL.so.1) as a real inference program would, and it keeps its own
 * exact count of every runtime call and of the bytes it copied, so a test
 * can compare what the probes saw with what happened (--report).
 *
 * It is linked against both libraries by SONAME, with a run-time search
 * path of $ORIGIN: next to it in the build tree are the test doubles
 * (libcuda.c, libopencl.c), which do the work on the CPU; LD_LIBRARY_PATH
 * can put another library of the same name in their place.
 *
 * The model is one dense layer, y = relu(W x):
 *   - the weights file, of any content, is read as little-endian 32-bit
 *     words, each the fixed-point number word / 2^31 in [-1, 1) (so any
 *     file, a real model included, gives finite, deterministic numbers);
 *     its n words form a rows x cols matrix, cols = floor(sqrt(n)),
 *     rows = n / cols; all n words are uploaded;
 *   - each input file is read the same way into a vector of cols numbers
 *     (cut, or padded with zeros);
 *   - the output file is the rows float32 results of each input in turn.
 *
 * Per run (CUDA; OpenCL does the same with its calls):
 *   cuInit, cuDeviceGet, cuDeviceGetName, cuCtxCreate_v2,
 *   cuModuleLoad(--module) or cuModuleLoadData(built-in text),
 *   cuModuleGetFunction x3, cuStreamCreate, cuMemAlloc_v2 x3,
 *   cuMemcpyHtoD_v2 (weights)
 *   per input: cuMemcpyHtoDAsync_v2, cuLaunchKernel (matvec, relu),
 *              cuStreamSynchronize, cuMemcpyDtoH_v2
 *   --launches N: N x cuLaunchKernel(vinfer_spin, U us), cuStreamSynchronize
 *   cuMemFree_v2 x3, cuStreamDestroy_v2, cuModuleUnload, cuCtxDestroy_v2
 * With --fork, the inputs and the spin launches are done by a forked child,
 * on the context it inherited (fine for the doubles, whose state is all in
 * process memory; a real driver does not allow it), and the parent waits.
 *
 * Exit status: 0 done, 1 a runtime call or file operation failed (the
 * message names it), 2 bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cuda_api.h"
#include "cl_api.h"

#define EXIT_USAGE	2
#define BLOCK		128		/* threads per block / work-group size */
#define MAX_WORDS	(1ULL << 31)	/* weights: at most 8 GiB */
#define MAX_INPUTS	4096

/*
 * Every runtime function tinfer calls, in the order a report lists them.
 * The error-name look-ups used for messages are not counted: they happen
 * only on the way out, and no report is written then.
 */
#define TINFER_FNS(X)							\
	X(cuDriverGetVersion) X(cuInit) X(cuDeviceGet) X(cuDeviceGetName) \
	X(cuCtxCreate_v2) X(cuModuleLoad) X(cuModuleLoadData)		\
	X(cuModuleGetFunction) X(cuStreamCreate) X(cuMemAlloc_v2)	\
	X(cuMemcpyHtoD_v2) X(cuMemcpyHtoDAsync_v2) X(cuLaunchKernel)	\
	X(cuStreamSynchronize) X(cuMemcpyDtoH_v2) X(cuCtxSynchronize)	\
	X(cuMemFree_v2) X(cuStreamDestroy_v2) X(cuModuleUnload)		\
	X(cuCtxDestroy_v2)						\
	X(clGetPlatformIDs) X(clGetDeviceIDs) X(clCreateContext)	\
	X(clCreateCommandQueue) X(clCreateProgramWithSource)		\
	X(clCreateProgramWithBinary) X(clBuildProgram) X(clCreateKernel) \
	X(clSetKernelArg) X(clCreateBuffer) X(clEnqueueWriteBuffer)	\
	X(clEnqueueNDRangeKernel) X(clFinish) X(clEnqueueReadBuffer)	\
	X(clReleaseMemObject) X(clReleaseKernel) X(clReleaseProgram)	\
	X(clReleaseCommandQueue) X(clReleaseContext)

#define FN_ENUM(f) FN_##f,
#define FN_NAME(f) #f,
enum fn { TINFER_FNS(FN_ENUM) FN_MAX };
static const char *const fn_names[] = { TINFER_FNS(FN_NAME) };

/* What one process did. */
struct tally {
	pid_t pid;
	unsigned long long calls[FN_MAX];
	unsigned long long bytes_htod, bytes_dtoh, bytes_alloc;
};

/*
 * [0] the main process, [1] the forked child: in shared memory, so that the
 * parent reports what its child did.
 */
static struct tally *tallies;
static struct tally *tally;	/* this process's slot */

enum mode { MODE_INFER, MODE_CALLS, MODE_PLAIN };

struct job {
	/* options */
	int opencl;
	enum mode mode;
	const char *weights, *module, *output, *report;
	const char *inputs[MAX_INPUTS];
	unsigned int n_inputs;
	unsigned long long launches, loop_n;
	unsigned int spin_us;
	int fork;

	/* the model, on the host */
	float *w, *x, *out;
	unsigned long long n_w;
	uint32_t rows, cols;
	void *module_data;
	size_t module_size;

	/* files read, for the report (absolute paths) */
	char *files[MAX_INPUTS + 2];
	unsigned int n_files;
	pid_t child;
	const char *loop_fn;
	unsigned long long loop_ns;

	struct {
		CUcontext ctx;
		CUmodule mod;
		CUfunction matvec, relu, spin, nop;
		CUstream stream;
		CUdeviceptr w, x, y;
	} cu;
	struct {
		cl_platform_id platform;
		cl_device_id dev;
		cl_context ctx;
		cl_command_queue q;
		cl_program prog;
		cl_kernel matvec, relu, spin, nop;
		cl_mem w, x, y;
	} cl;
};

/* How tinfer drives one runtime. Every step returns 0 or -1 (reported). */
struct backend {
	const char *name;
	const char *loop_fn;		/* what --calls-only calls */
	const char *plain_fn;		/* what --plain calls */
	int (*open)(struct job *j);	/* initialise, context, program */
	int (*load)(struct job *j);	/* kernels, buffers, weights */
	int (*infer)(struct job *j, float *out);	/* j->x -> out */
	int (*spin)(struct job *j);
	int (*calls)(struct job *j, unsigned long long n);
	int (*plain)(unsigned long long n);
	int (*close)(struct job *j);	/* releases whatever was made */
};

__attribute__((format(printf, 1, 2)))
static void err(const char *fmt, ...)
{
	va_list ap;

	fputs("tinfer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static inline void count(enum fn f)
{
	tally->calls[f]++;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- files ----------------------------------------------------------- */

/* Read all of @path; @what names it in messages (an option). */
static int file_read(const char *what, const char *path, void **data, size_t *size)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = NULL, *nb;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err("%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (!buf || len == cap) {
			if (buf)
				cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				err("%s %s: out of memory at %zu bytes", what, path, cap);
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err("%s %s: read: %s", what, path, strerror(errno));
			goto fail;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	*data = buf;
	*size = len;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}

/* Write @size bytes to @path through a temporary file, fsync, rename. */
static int file_write(const char *what, const char *path, const void *data, size_t size)
{
	char tmp[PATH_MAX];
	const char *p = data;
	ssize_t n;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		err("%s %s: path too long", what, path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err("%s %s: create %s: %s", what, path, tmp, strerror(errno));
		return -1;
	}
	while (size) {
		n = write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err("%s %s: write: %s", what, tmp, strerror(errno));
			goto fail;
		}
		p += n;
		size -= n;
	}
	if (fsync(fd)) {
		err("%s %s: fsync: %s", what, tmp, strerror(errno));
		goto fail;
	}
	close(fd);
	if (rename(tmp, path)) {
		err("%s %s: rename: %s", what, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
fail:
	close(fd);
	unlink(tmp);
	return -1;
}

/* Remember a file that was read, once, by its absolute path if it has one. */
static void note_file(struct job *j, const char *path)
{
	char *abs = realpath(path, NULL);
	unsigned int i;

	if (!abs)
		abs = strdup(path);
	if (!abs)
		return;
	for (i = 0; i < j->n_files; i++) {
		if (!strcmp(j->files[i], abs)) {
			free(abs);
			return;
		}
	}
	j->files[j->n_files++] = abs;
}

/* A 32-bit little-endian word as the fixed-point number word / 2^31. */
static float word_value(const unsigned char *b)
{
	int32_t v = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 |
			      (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);

	return (float)v * (1.0f / 2147483648.0f);
}

static uint32_t isqrt(uint64_t n)
{
	uint64_t lo = 1, hi = 1ULL << 32, mid;

	while (hi - lo > 1) {	/* largest lo with lo * lo <= n */
		mid = lo + (hi - lo) / 2;
		if (mid * mid <= n)
			lo = mid;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

static int weights_load(struct job *j)
{
	unsigned char *data;
	size_t size;
	unsigned long long i;

	if (file_read("--weights", j->weights, (void **)&data, &size))
		return -1;
	note_file(j, j->weights);
	j->n_w = size / 4;
	if (!j->n_w || j->n_w > MAX_WORDS) {
		err("--weights %s: %zu bytes, need 4 to %llu", j->weights, size,
		    MAX_WORDS * 4);
		free(data);
		return -1;
	}
	j->cols = isqrt(j->n_w);
	j->rows = j->n_w / j->cols;
	j->w = malloc(j->n_w * sizeof(float));
	j->x = calloc(j->cols, sizeof(float));
	if (!j->w || !j->x) {
		err("--weights %s: out of memory", j->weights);
		free(data);
		return -1;
	}
	for (i = 0; i < j->n_w; i++)
		j->w[i] = word_value(data + 4 * i);
	free(data);
	return 0;
}

static int input_load(struct job *j, const char *path)
{
	unsigned char *data;
	size_t size, i, n;

	if (file_read("--input", path, (void **)&data, &size))
		return -1;
	n = size / 4 < j->cols ? size / 4 : j->cols;
	memset(j->x, 0, j->cols * sizeof(float));
	for (i = 0; i < n; i++)
		j->x[i] = word_value(data + 4 * i);
	free(data);
	return 0;
}

/* ---- CUDA ------------------------------------------------------------ */

static int cu_check(const char *what, CUresult rc)
{
	const char *name = NULL, *text = NULL;

	if (rc == CUDA_SUCCESS)
		return 0;
	cuGetErrorName(rc, &name);
	cuGetErrorString(rc, &text);
	err("%s failed: %s (%d): %s", what, name ? name : "unknown CUresult", rc,
	    text ? text : "no description");
	return -1;
}

/* Count, call, check: the one way tinfer calls the CUDA driver API. */
#define CU(fn, ...) cu_check(#fn, (count(FN_##fn), fn(__VA_ARGS__)))

static const char cu_builtin_module[] =
	"// tinfer's built-in module: kernels vinfer_matvec, vinfer_relu,\n"
	"// vinfer_spin and vinfer_nop. The test double runs CPU kernels\n"
	"// of these names and does not interpret this text.\n";

static int cu_open(struct job *j)
{
	char name[256];
	CUdevice dev;

	if (CU(cuInit, 0) || CU(cuDeviceGet, &dev, 0) ||
	    CU(cuDeviceGetName, name, (int)sizeof(name), dev) ||
	    CU(cuCtxCreate_v2, &j->cu.ctx, 0, dev))
		return -1;
	if (j->module) {
		if (CU(cuModuleLoad, &j->cu.mod, j->module))
			return -1;
		note_file(j, j->module);
		return 0;
	}
	return CU(cuModuleLoadData, &j->cu.mod, cu_builtin_module);
}

static int cu_load(struct job *j)
{
	size_t wb = j->n_w * sizeof(float), xb = j->cols * sizeof(float);
	size_t yb = j->rows * sizeof(float);

	if (CU(cuModuleGetFunction, &j->cu.matvec, j->cu.mod, "vinfer_matvec") ||
	    CU(cuModuleGetFunction, &j->cu.relu, j->cu.mod, "vinfer_relu") ||
	    CU(cuModuleGetFunction, &j->cu.spin, j->cu.mod, "vinfer_spin") ||
	    CU(cuStreamCreate, &j->cu.stream, 0))
		return -1;
	tally->bytes_alloc += wb;
	if (CU(cuMemAlloc_v2, &j->cu.w, wb))
		return -1;
	tally->bytes_alloc += xb;
	if (CU(cuMemAlloc_v2, &j->cu.x, xb))
		return -1;
	tally->bytes_alloc += yb;
	if (CU(cuMemAlloc_v2, &j->cu.y, yb))
		return -1;
	tally->bytes_htod += wb;
	return CU(cuMemcpyHtoD_v2, j->cu.w, j->w, wb);
}

static int cu_infer(struct job *j, float *out)
{
	unsigned int grid = (j->rows + BLOCK - 1) / BLOCK;
	void *mv[] = { &j->cu.w, &j->cu.x, &j->cu.y, &j->rows, &j->cols };
	void *relu[] = { &j->cu.y, &j->rows };

	tally->bytes_htod += j->cols * sizeof(float);
	if (CU(cuMemcpyHtoDAsync_v2, j->cu.x, j->x, j->cols * sizeof(float), j->cu.stream) ||
	    CU(cuLaunchKernel, j->cu.matvec, grid, 1, 1, BLOCK, 1, 1, 0, j->cu.stream,
	       mv, NULL) ||
	    CU(cuLaunchKernel, j->cu.relu, grid, 1, 1, BLOCK, 1, 1, 0, j->cu.stream,
	       relu, NULL) ||
	    CU(cuStreamSynchronize, j->cu.stream))
		return -1;
	tally->bytes_dtoh += j->rows * sizeof(float);
	return CU(cuMemcpyDtoH_v2, out, j->cu.y, j->rows * sizeof(float));
}

static int cu_spin(struct job *j)
{
	void *args[] = { &j->spin_us };
	unsigned long long i;

	for (i = 0; i < j->launches; i++)
		if (CU(cuLaunchKernel, j->cu.spin, 1, 1, 1, 1, 1, 1, 0, j->cu.stream,
		       args, NULL))
			return -1;
	return CU(cuStreamSynchronize, j->cu.stream);
}

static int cu_calls(struct job *j, unsigned long long n)
{
	unsigned long long i;
	uint64_t t0;

	if (CU(cuModuleGetFunction, &j->cu.nop, j->cu.mod, "vinfer_nop"))
		return -1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (CU(cuLaunchKernel, j->cu.nop, 1, 1, 1, 1, 1, 1, 0, NULL, NULL, NULL))
			return -1;
	j->loop_ns = now_ns() - t0;
	return CU(cuCtxSynchronize);
}

/* A call into the library that no probe watches: the baseline. */
static int cu_plain(unsigned long long n)
{
	unsigned long long i;
	int version;

	for (i = 0; i < n; i++)
		if (CU(cuDriverGetVersion, &version))
			return -1;
	return 0;
}

static int cu_close(struct job *j)
{
	int rc = 0;

	if (j->cu.y)
		rc |= CU(cuMemFree_v2, j->cu.y);
	if (j->cu.x)
		rc |= CU(cuMemFree_v2, j->cu.x);
	if (j->cu.w)
		rc |= CU(cuMemFree_v2, j->cu.w);
	if (j->cu.stream)
		rc |= CU(cuStreamDestroy_v2, j->cu.stream);
	if (j->cu.mod)
		rc |= CU(cuModuleUnload, j->cu.mod);
	if (j->cu.ctx)
		rc |= CU(cuCtxDestroy_v2, j->cu.ctx);
	return rc;
}

/* ---- OpenCL ---------------------------------------------------------- */

static const struct {
	cl_int code;
	const char *name;
} cl_errors[] = {
	{ CL_DEVICE_NOT_FOUND, "CL_DEVICE_NOT_FOUND" },
	{ CL_MEM_OBJECT_ALLOCATION_FAILURE, "CL_MEM_OBJECT_ALLOCATION_FAILURE" },
	{ CL_OUT_OF_RESOURCES, "CL_OUT_OF_RESOURCES" },
	{ CL_OUT_OF_HOST_MEMORY, "CL_OUT_OF_HOST_MEMORY" },
	{ CL_BUILD_PROGRAM_FAILURE, "CL_BUILD_PROGRAM_FAILURE" },
	{ CL_INVALID_VALUE, "CL_INVALID_VALUE" },
	{ CL_INVALID_DEVICE_TYPE, "CL_INVALID_DEVICE_TYPE" },
	{ CL_INVALID_PLATFORM, "CL_INVALID_PLATFORM" },
	{ CL_INVALID_DEVICE, "CL_INVALID_DEVICE" },
	{ CL_INVALID_CONTEXT, "CL_INVALID_CONTEXT" },
	{ CL_INVALID_COMMAND_QUEUE, "CL_INVALID_COMMAND_QUEUE" },
	{ CL_INVALID_HOST_PTR, "CL_INVALID_HOST_PTR" },
	{ CL_INVALID_MEM_OBJECT, "CL_INVALID_MEM_OBJECT" },
	{ CL_INVALID_BINARY, "CL_INVALID_BINARY" },
	{ CL_INVALID_PROGRAM, "CL_INVALID_PROGRAM" },
	{ CL_INVALID_PROGRAM_EXECUTABLE, "CL_INVALID_PROGRAM_EXECUTABLE" },
	{ CL_INVALID_KERNEL_NAME, "CL_INVALID_KERNEL_NAME" },
	{ CL_INVALID_KERNEL, "CL_INVALID_KERNEL" },
	{ CL_INVALID_ARG_INDEX, "CL_INVALID_ARG_INDEX" },
	{ CL_INVALID_ARG_VALUE, "CL_INVALID_ARG_VALUE" },
	{ CL_INVALID_ARG_SIZE, "CL_INVALID_ARG_SIZE" },
	{ CL_INVALID_KERNEL_ARGS, "CL_INVALID_KERNEL_ARGS" },
	{ CL_INVALID_WORK_DIMENSION, "CL_INVALID_WORK_DIMENSION" },
	{ CL_INVALID_WORK_GROUP_SIZE, "CL_INVALID_WORK_GROUP_SIZE" },
	{ CL_INVALID_GLOBAL_OFFSET, "CL_INVALID_GLOBAL_OFFSET" },
	{ CL_INVALID_EVENT_WAIT_LIST, "CL_INVALID_EVENT_WAIT_LIST" },
	{ CL_INVALID_EVENT, "CL_INVALID_EVENT" },
	{ CL_INVALID_BUFFER_SIZE, "CL_INVALID_BUFFER_SIZE" },
	{ CL_INVALID_GLOBAL_WORK_SIZE, "CL_INVALID_GLOBAL_WORK_SIZE" },
};

static int cl_check(const char *what, cl_int rc)
{
	const char *name = "unknown cl_int";
	size_t i;

	if (rc == CL_SUCCESS)
		return 0;
	for (i = 0; i < sizeof(cl_errors) / sizeof(cl_errors[0]); i++)
		if (cl_errors[i].code == rc)
			name = cl_errors[i].name;
	err("%s failed: %s (%d)", what, name, rc);
	return -1;
}

/*
 * Count, call, check: CL() for the calls that return a cl_int, CLNEW() for
 * those that return an object and report through their last argument.
 */
static cl_int cl_err;
#define CL(fn, ...) cl_check(#fn, (count(FN_##fn), fn(__VA_ARGS__)))
#define CLNEW(var, fn, ...) \
	((var) = (count(FN_##fn), fn(__VA_ARGS__, &cl_err)), cl_check(#fn, cl_err))

/* What the kernels compute, in OpenCL C; the double runs CPU versions. */
static const char cl_builtin_source[] =
	"__kernel void vinfer_nop(void)\n"
	"{\n"
	"}\n"
	"\n"
	"__kernel void vinfer_matvec(__global const float *w, __global const float *x,\n"
	"\t\t\t    __global float *y, uint rows, uint cols)\n"
	"{\n"
	"\tsize_t i = get_global_id(0);\n"
	"\tfloat sum = 0.0f;\n"
	"\n"
	"\tif (i >= rows)\n"
	"\t\treturn;\n"
	"\tfor (uint j = 0; j < cols; j++)\n"
	"\t\tsum += w[i * cols + j] * x[j];\n"
	"\ty[i] = sum;\n"
	"}\n"
	"\n"
	"__kernel void vinfer_relu(__global float *y, uint n)\n"
	"{\n"
	"\tsize_t i = get_global_id(0);\n"
	"\n"
	"\tif (i < n && !(y[i] > 0.0f))\n"
	"\t\ty[i] = 0.0f;\n"
	"}\n"
	"\n"
	"/* Busy for about usec microseconds (no clock in OpenCL C: the double's). */\n"
	"__kernel void vinfer_spin(uint usec)\n"
	"{\n"
	"}\n";

static int ocl_open(struct job *j)
{
	const char *src = cl_builtin_source;

	if (CL(clGetPlatformIDs, 1, &j->cl.platform, NULL) ||
	    CL(clGetDeviceIDs, j->cl.platform, CL_DEVICE_TYPE_GPU, 1, &j->cl.dev, NULL) ||
	    CLNEW(j->cl.ctx, clCreateContext, NULL, 1, &j->cl.dev, NULL, NULL) ||
	    CLNEW(j->cl.q, clCreateCommandQueue, j->cl.ctx, j->cl.dev, 0))
		return -1;
	if (j->module) {
		const unsigned char *bin = j->module_data;
		cl_int status;

		if (CLNEW(j->cl.prog, clCreateProgramWithBinary, j->cl.ctx, 1, &j->cl.dev,
			  &j->module_size, &bin, &status))
			return -1;
	} else if (CLNEW(j->cl.prog, clCreateProgramWithSource, j->cl.ctx, 1, &src, NULL)) {
		return -1;
	}
	return CL(clBuildProgram, j->cl.prog, 1, &j->cl.dev, "", NULL, NULL);
}

static int ocl_load(struct job *j)
{
	size_t wb = j->n_w * sizeof(float), xb = j->cols * sizeof(float);
	size_t yb = j->rows * sizeof(float);

	if (CLNEW(j->cl.matvec, clCreateKernel, j->cl.prog, "vinfer_matvec") ||
	    CLNEW(j->cl.relu, clCreateKernel, j->cl.prog, "vinfer_relu") ||
	    CLNEW(j->cl.spin, clCreateKernel, j->cl.prog, "vinfer_spin"))
		return -1;
	tally->bytes_alloc += wb;
	if (CLNEW(j->cl.w, clCreateBuffer, j->cl.ctx, CL_MEM_READ_ONLY, wb, NULL))
		return -1;
	tally->bytes_alloc += xb;
	if (CLNEW(j->cl.x, clCreateBuffer, j->cl.ctx, CL_MEM_READ_ONLY, xb, NULL))
		return -1;
	tally->bytes_alloc += yb;
	if (CLNEW(j->cl.y, clCreateBuffer, j->cl.ctx, CL_MEM_READ_WRITE, yb, NULL))
		return -1;
	if (CL(clSetKernelArg, j->cl.matvec, 0, sizeof(cl_mem), &j->cl.w) ||
	    CL(clSetKernelArg, j->cl.matvec, 1, sizeof(cl_mem), &j->cl.x) ||
	    CL(clSetKernelArg, j->cl.matvec, 2, sizeof(cl_mem), &j->cl.y) ||
	    CL(clSetKernelArg, j->cl.matvec, 3, sizeof(cl_uint), &j->rows) ||
	    CL(clSetKernelArg, j->cl.matvec, 4, sizeof(cl_uint), &j->cols) ||
	    CL(clSetKernelArg, j->cl.relu, 0, sizeof(cl_mem), &j->cl.y) ||
	    CL(clSetKernelArg, j->cl.relu, 1, sizeof(cl_uint), &j->rows))
		return -1;
	tally->bytes_htod += wb;
	return CL(clEnqueueWriteBuffer, j->cl.q, j->cl.w, CL_TRUE, 0, wb, j->w, 0, NULL,
		  NULL);
}

static int ocl_infer(struct job *j, float *out)
{
	size_t global = ((size_t)j->rows + BLOCK - 1) / BLOCK * BLOCK, local = BLOCK;

	/* Non-blocking: j->x is not touched again before clFinish. */
	tally->bytes_htod += j->cols * sizeof(float);
	if (CL(clEnqueueWriteBuffer, j->cl.q, j->cl.x, CL_FALSE, 0, j->cols * sizeof(float),
	       j->x, 0, NULL, NULL) ||
	    CL(clEnqueueNDRangeKernel, j->cl.q, j->cl.matvec, 1, NULL, &global, &local, 0,
	       NULL, NULL) ||
	    CL(clEnqueueNDRangeKernel, j->cl.q, j->cl.relu, 1, NULL, &global, &local, 0,
	       NULL, NULL) ||
	    CL(clFinish, j->cl.q))
		return -1;
	tally->bytes_dtoh += j->rows * sizeof(float);
	return CL(clEnqueueReadBuffer, j->cl.q, j->cl.y, CL_TRUE, 0, j->rows * sizeof(float),
		  out, 0, NULL, NULL);
}

static int ocl_spin(struct job *j)
{
	unsigned long long i;
	size_t one = 1;

	if (CL(clSetKernelArg, j->cl.spin, 0, sizeof(cl_uint), &j->spin_us))
		return -1;
	for (i = 0; i < j->launches; i++)
		if (CL(clEnqueueNDRangeKernel, j->cl.q, j->cl.spin, 1, NULL, &one, &one, 0,
		       NULL, NULL))
			return -1;
	return CL(clFinish, j->cl.q);
}

static int ocl_calls(struct job *j, unsigned long long n)
{
	unsigned long long i;
	size_t one = 1;
	uint64_t t0;

	if (CLNEW(j->cl.nop, clCreateKernel, j->cl.prog, "vinfer_nop"))
		return -1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (CL(clEnqueueNDRangeKernel, j->cl.q, j->cl.nop, 1, NULL, &one, &one, 0,
		       NULL, NULL))
			return -1;
	j->loop_ns = now_ns() - t0;
	return CL(clFinish, j->cl.q);
}

static int ocl_plain(unsigned long long n)
{
	unsigned long long i;
	cl_uint num;

	for (i = 0; i < n; i++)
		if (CL(clGetPlatformIDs, 0, NULL, &num))
			return -1;
	return 0;
}

static int ocl_close(struct job *j)
{
	cl_mem *mems[] = { &j->cl.y, &j->cl.x, &j->cl.w };
	cl_kernel *kernels[] = { &j->cl.nop, &j->cl.spin, &j->cl.relu, &j->cl.matvec };
	int rc = 0;
	size_t i;

	for (i = 0; i < sizeof(mems) / sizeof(mems[0]); i++)
		if (*mems[i])
			rc |= CL(clReleaseMemObject, *mems[i]);
	for (i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++)
		if (*kernels[i])
			rc |= CL(clReleaseKernel, *kernels[i]);
	if (j->cl.prog)
		rc |= CL(clReleaseProgram, j->cl.prog);
	if (j->cl.q)
		rc |= CL(clReleaseCommandQueue, j->cl.q);
	if (j->cl.ctx)
		rc |= CL(clReleaseContext, j->cl.ctx);
	return rc;
}

static const struct backend backends[] = {
	{ "cuda", "cuLaunchKernel", "cuDriverGetVersion", cu_open, cu_load, cu_infer,
	  cu_spin, cu_calls, cu_plain, cu_close },
	{ "opencl", "clEnqueueNDRangeKernel", "clGetPlatformIDs", ocl_open, ocl_load,
	  ocl_infer, ocl_spin, ocl_calls, ocl_plain, ocl_close },
};

/* ---- the run --------------------------------------------------------- */

/* The inputs and the spin launches: in this process or the forked child. */
static int process_inputs(struct job *j, const struct backend *be)
{
	unsigned int i;

	for (i = 0; i < j->n_inputs; i++)
		if (input_load(j, j->inputs[i]) ||
		    be->infer(j, j->out + (size_t)i * j->rows))
			return -1;
	if (j->launches) {
		/* Timed, for the launch-bound benchmark (not with --fork:
		 * the parent writes the report). */
		uint64_t t0 = now_ns();

		if (be->spin(j))
			return -1;
		j->loop_ns = now_ns() - t0;
		j->loop_n = j->launches;
		j->loop_fn = be->loop_fn;
	}
	return file_write("--output", j->output, j->out,
			  (size_t)j->n_inputs * j->rows * sizeof(float));
}

static int run_forked(struct job *j, const struct backend *be)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err("fork: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		tally = &tallies[1];
		tally->pid = getpid();
		_exit(process_inputs(j, be) ? 1 : 0);
	}
	j->child = pid;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			err("waitpid %d: %s", (int)pid, strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (WIFSIGNALED(status))
		err("forked child %d killed by signal %d", (int)pid, WTERMSIG(status));
	else
		err("forked child %d failed (exit %d)", (int)pid, WEXITSTATUS(status));
	return -1;
}

static int run(struct job *j, const struct backend *be)
{
	int rc;

	if (j->mode == MODE_PLAIN) {
		uint64_t t0 = now_ns();

		rc = be->plain(j->loop_n);
		j->loop_ns = now_ns() - t0;
		j->loop_fn = be->plain_fn;
		return rc;
	}
	/* OpenCL takes the module as a program binary; CUDA reads it itself. */
	if (j->module && j->opencl) {
		if (file_read("--module", j->module, &j->module_data, &j->module_size))
			return -1;
		note_file(j, j->module);
	}
	if (j->mode == MODE_INFER) {
		unsigned int i;

		if (weights_load(j))
			return -1;
		/* Noted here: a forked child's notes would stay in the child. */
		for (i = 0; i < j->n_inputs; i++)
			note_file(j, j->inputs[i]);
		j->out = calloc((size_t)j->n_inputs * j->rows, sizeof(float));
		if (!j->out) {
			err("out of memory for %u outputs of %u floats", j->n_inputs, j->rows);
			return -1;
		}
	}
	rc = be->open(j);
	if (!rc && j->mode == MODE_CALLS) {
		j->loop_fn = be->loop_fn;
		rc = be->calls(j, j->loop_n);
	} else if (!rc) {
		rc = be->load(j);
		if (!rc)
			rc = j->fork ? run_forked(j, be) : process_inputs(j, be);
	}
	/* Release what was made, even after a failure: counted, as it is called. */
	if (be->close(j))
		rc = -1;
	return rc;
}

/* ---- the report ------------------------------------------------------ */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_tally(FILE *f, const struct tally *t, const char *indent)
{
	const char *sep = "";
	int i;

	fprintf(f, "%s\"calls\": {", indent);
	for (i = 0; i < FN_MAX; i++) {
		if (!t->calls[i])
			continue;
		fprintf(f, "%s\"%s\": %llu", sep, fn_names[i], t->calls[i]);
		sep = ", ";
	}
	fprintf(f, "},\n%s\"bytes_htod\": %llu,\n%s\"bytes_dtoh\": %llu,\n"
		"%s\"bytes_alloc\": %llu", indent, t->bytes_htod, indent,
		t->bytes_dtoh, indent, t->bytes_alloc);
}

static int report_write(const struct job *j, const struct backend *be)
{
	static const char *const modes[] = { "infer", "calls-only", "plain" };
	struct tally total = { .pid = tallies[0].pid };
	char *buf = NULL;
	size_t len = 0;
	unsigned int i, n;
	FILE *f;
	int rc;

	n = j->child ? 2 : 1;
	for (i = 0; i < n; i++) {
		int k;

		for (k = 0; k < FN_MAX; k++)
			total.calls[k] += tallies[i].calls[k];
		total.bytes_htod += tallies[i].bytes_htod;
		total.bytes_dtoh += tallies[i].bytes_dtoh;
		total.bytes_alloc += tallies[i].bytes_alloc;
	}
	f = open_memstream(&buf, &len);
	if (!f) {
		err("--report: %s", strerror(errno));
		return -1;
	}
	fprintf(f, "{\n  \"api\": \"%s\",\n  \"mode\": \"%s\",\n  \"pid\": %d,\n",
		be->name, modes[j->mode], (int)tallies[0].pid);
	json_tally(f, &total, "  ");
	fprintf(f, ",\n  \"processes\": [");
	for (i = 0; i < n; i++) {
		fprintf(f, "%s\n    {\n      \"pid\": %d,\n", i ? "," : "",
			(int)tallies[i].pid);
		json_tally(f, &tallies[i], "      ");
		fprintf(f, "\n    }");
	}
	fprintf(f, "\n  ],\n  \"files\": [");
	for (i = 0; i < j->n_files; i++) {
		fputs(i ? ", " : "", f);
		json_str(f, j->files[i]);
	}
	fprintf(f, "],\n  \"output\": ");
	if (j->mode == MODE_INFER) {
		char *abs = realpath(j->output, NULL);

		json_str(f, abs ? abs : j->output);
		free(abs);
	} else {
		fputs("null", f);
	}
	fprintf(f, ",\n  \"rows\": %u,\n  \"cols\": %u,\n  \"inputs\": %u,\n"
		"  \"launches\": %llu,\n  \"spin_us\": %u,\n  \"loop\": ",
		j->rows, j->cols, j->n_inputs, j->launches, j->spin_us);
	if (j->loop_fn)
		fprintf(f, "{\"fn\": \"%s\", \"n\": %llu, \"ns\": %llu}", j->loop_fn,
			j->loop_n, j->loop_ns);
	else
		fputs("null", f);
	fputs("\n}\n", f);
	if (fclose(f)) {
		err("--report: %s", strerror(errno));
		free(buf);
		return -1;
	}
	rc = file_write("--report", j->report, buf, len);
	free(buf);
	return rc;
}

/* ---- generated files ------------------------------------------------- */

/* @size bytes of xorshift64* output from @seed: deterministic test data. */
static int generate(const char *path, unsigned long long size, unsigned long long seed)
{
	uint64_t s = seed ? seed : 0x9e3779b97f4a7c15ULL;
	unsigned char *buf;
	size_t i;
	int rc;

	if (size > SIZE_MAX) {
		err("--gen %s: size %llu too large", path, size);
		return -1;
	}
	buf = malloc(size ? size : 1);
	if (!buf) {
		err("--gen %s: out of memory for %llu bytes", path, size);
		return -1;
	}
	for (i = 0; i < size; i++) {
		if (!(i % 8)) {
			s ^= s >> 12;
			s ^= s << 25;
			s ^= s >> 27;
		}
		buf[i] = (unsigned char)((s * 0x2545f4914f6cdd1dULL) >> (8 * (i % 8)));
	}
	rc = file_write("--gen", path, buf, size);
	free(buf);
	return rc;
}

/* ---- options --------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tinfer [--api cuda|opencl] --weights FILE --input FILE [--input FILE...]\n"
		"              --output FILE [--module FILE] [--launches N] [--spin-us U]\n"
		"              [--fork] [--report FILE]\n"
		"       tinfer [--api cuda|opencl] --calls-only N [--module FILE] [--report FILE]\n"
		"       tinfer [--api cuda|opencl] --plain N [--report FILE]\n"
		"       tinfer --gen FILE SIZE [--seed S]\n"
		"\n"
		"  --api          runtime to use (default cuda)\n"
		"  --weights      the model: any file, read as 32-bit fixed-point numbers\n"
		"  --input        an input vector (any file), once per inference\n"
		"  --output       where the results go (float32, one row vector per input)\n"
		"  --module       CUDA: cuModuleLoad(FILE); OpenCL: program binary FILE\n"
		"  --launches N   N extra launches of the spin kernel after the inputs\n"
		"  --spin-us U    each spin launch busy for about U microseconds (default 5)\n"
		"  --fork         process the inputs in a forked child\n"
		"  --report FILE  write the exact runtime calls and bytes made, as JSON\n"
		"  --calls-only N only N launches of an empty kernel (probe cost)\n"
		"  --plain N      only N calls of an unprobed runtime function (baseline)\n"
		"  --gen FILE SIZE  write SIZE bytes (K, M, G suffixes) of test data\n"
		"  --seed S       seed of --gen (default 1)\n"
		"exit: 0 done, 1 failed (the message says what), 2 bad usage\n");
}

/* A decimal number in [0, max], with an optional K/M/G (binary) suffix if @sfx. */
static int parse_num(const char *opt, const char *s, unsigned long long max, int sfx,
		     unsigned long long *out)
{
	unsigned long long v, mul = 1;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (sfx && end != s && *end && !end[1]) {
		switch (*end) {
		case 'K': case 'k': mul = 1ULL << 10; end++; break;
		case 'M': case 'm': mul = 1ULL << 20; end++; break;
		case 'G': case 'g': mul = 1ULL << 30; end++; break;
		}
	}
	if (!*s || *s == '-' || *end || errno || v > max / mul) {
		err("%s: '%s' is not a number from 0 to %llu", opt, s, max);
		return -1;
	}
	*out = v * mul;
	return 0;
}

enum {
	OPT_API = 1, OPT_WEIGHTS, OPT_INPUT, OPT_OUTPUT, OPT_MODULE, OPT_LAUNCHES,
	OPT_SPIN_US, OPT_FORK, OPT_REPORT, OPT_CALLS, OPT_PLAIN, OPT_GEN, OPT_SEED,
	OPT_HELP,
};

static const struct option options[] = {
	{ "api", required_argument, NULL, OPT_API },
	{ "weights", required_argument, NULL, OPT_WEIGHTS },
	{ "input", required_argument, NULL, OPT_INPUT },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "module", required_argument, NULL, OPT_MODULE },
	{ "launches", required_argument, NULL, OPT_LAUNCHES },
	{ "spin-us", required_argument, NULL, OPT_SPIN_US },
	{ "fork", no_argument, NULL, OPT_FORK },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "calls-only", required_argument, NULL, OPT_CALLS },
	{ "plain", required_argument, NULL, OPT_PLAIN },
	{ "gen", required_argument, NULL, OPT_GEN },
	{ "gen-weights", required_argument, NULL, OPT_GEN },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	static struct job job = { .spin_us = 5 };
	unsigned long long v, gen_size = 0, seed = 1;
	const char *gen = NULL;
	const struct backend *be;
	struct job *j = &job;
	int c, modes = 0, rc;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case OPT_API:
			if (!strcmp(optarg, "cuda")) {
				j->opencl = 0;
			} else if (!strcmp(optarg, "opencl")) {
				j->opencl = 1;
			} else {
				err("--api: '%s' is not cuda or opencl", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_WEIGHTS:
			j->weights = optarg;
			break;
		case OPT_INPUT:
			if (j->n_inputs == MAX_INPUTS) {
				err("--input: more than %d inputs", MAX_INPUTS);
				return EXIT_USAGE;
			}
			j->inputs[j->n_inputs++] = optarg;
			break;
		case OPT_OUTPUT:
			j->output = optarg;
			break;
		case OPT_MODULE:
			j->module = optarg;
			break;
		case OPT_LAUNCHES:
			if (parse_num("--launches", optarg, 1ULL << 40, 0, &j->launches))
				return EXIT_USAGE;
			break;
		case OPT_SPIN_US:
			if (parse_num("--spin-us", optarg, 10000000, 0, &v))
				return EXIT_USAGE;
			j->spin_us = v;
			break;
		case OPT_FORK:
			j->fork = 1;
			break;
		case OPT_REPORT:
			j->report = optarg;
			break;
		case OPT_CALLS:
		case OPT_PLAIN:
			if (parse_num(c == OPT_CALLS ? "--calls-only" : "--plain", optarg,
				      1ULL << 40, 0, &j->loop_n))
				return EXIT_USAGE;
			j->mode = c == OPT_CALLS ? MODE_CALLS : MODE_PLAIN;
			modes++;
			break;
		case OPT_GEN:
			if (optind >= argc) {
				err("--gen %s: missing SIZE", optarg);
				return EXIT_USAGE;
			}
			gen = optarg;
			if (parse_num("--gen SIZE", argv[optind++], 1ULL << 40, 1, &gen_size))
				return EXIT_USAGE;
			modes++;
			break;
		case OPT_SEED:
			if (parse_num("--seed", optarg, ULLONG_MAX, 0, &seed))
				return EXIT_USAGE;
			break;
		case OPT_HELP:
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		err("unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (modes > 1) {
		err("--gen, --calls-only and --plain exclude one another");
		return EXIT_USAGE;
	}
	if (gen)
		return generate(gen, gen_size, seed) ? 1 : 0;
	if (j->mode == MODE_INFER && (!j->weights || !j->n_inputs || !j->output)) {
		err("--weights, --input and --output are needed (or --calls-only, --plain, --gen)");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (j->mode != MODE_INFER && (j->weights || j->n_inputs || j->output || j->fork ||
				      j->launches)) {
		err("--calls-only and --plain take no --weights, --input, --output, "
		    "--fork or --launches");
		return EXIT_USAGE;
	}

	tallies = mmap(NULL, 2 * sizeof(*tallies), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tallies == MAP_FAILED) {
		err("mmap: %s", strerror(errno));
		return 1;
	}
	tally = &tallies[0];
	tally->pid = getpid();
	be = &backends[j->opencl];

	rc = run(j, be);
	if (!rc && j->loop_fn)
		printf("tinfer: %llu %s calls in %.3f ms (%.1f ns/call)\n", j->loop_n,
		       j->loop_fn, j->loop_ns / 1e6,
		       j->loop_n ? (double)j->loop_ns / j->loop_n : 0.0);
	if (!rc && j->report)
		rc = report_write(j, be);
	return rc ? 1 : 0;
}
