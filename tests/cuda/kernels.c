// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU implementations of the test runtimes' kernels (see kernels.h).
 *
 *   vinfer_nop                     nothing: the cheapest possible launch
 *   vinfer_matvec(W, x, y, r, c)   y[i] = sum_j W[i*c + j] * x[j], i < r
 *   vinfer_relu(y, n)              y[i] = max(y[i], 0), i < n
 *   vinfer_spin(usec)              busy work for about usec microseconds
 *
 * Work item i does row/element i, as a GPU thread would, so a grid smaller
 * than the data leaves the rest untouched, as it would on a GPU. The float
 * sums run in a fixed order without reassociation: the same inputs give the
 * same output bytes on every run, which the tests rely on.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "kernels.h"

/* A buffer argument holds @n elements of @size bytes. */
static int fits(const struct vinfer_tk_val *buf, uint64_t n, size_t size)
{
	return n <= buf->len / size;
}

static int tk_nop(const struct vinfer_tk_val *args, uint64_t nthreads)
{
	(void)args;
	(void)nthreads;
	return 0;
}

static int tk_matvec(const struct vinfer_tk_val *args, uint64_t nthreads)
{
	const float *w = (const float *)(uintptr_t)args[0].v;
	const float *x = (const float *)(uintptr_t)args[1].v;
	float *y = (float *)(uintptr_t)args[2].v;
	uint64_t rows = args[3].v, cols = args[4].v, i, j;

	if (!fits(&args[0], rows * cols, sizeof(float)) ||
	    !fits(&args[1], cols, sizeof(float)) ||
	    !fits(&args[2], rows, sizeof(float)))
		return -1;
	if (nthreads < rows)
		rows = nthreads;
	for (i = 0; i < rows; i++) {
		const float *wi = w + i * cols;
		float sum = 0.0f;

		for (j = 0; j < cols; j++)
			sum += wi[j] * x[j];
		y[i] = sum;
	}
	return 0;
}

static int tk_relu(const struct vinfer_tk_val *args, uint64_t nthreads)
{
	float *y = (float *)(uintptr_t)args[0].v;
	uint64_t n = args[1].v, i;

	if (!fits(&args[0], n, sizeof(float)))
		return -1;
	if (nthreads < n)
		n = nthreads;
	for (i = 0; i < n; i++)
		if (!(y[i] > 0.0f))
			y[i] = 0.0f;
	return 0;
}

/*
 * The spin kernel counts loop iterations, not clock reads: reading the clock
 * in the loop could be a system call (on a VM without a vDSO clock) and the
 * kernel-tier probes would see it. The iterations per microsecond are
 * measured once per process, on the first spin launch.
 */
static uint64_t spin_per_us;
static pthread_once_t spin_once = PTHREAD_ONCE_INIT;

static void spin_loop(uint64_t n)
{
	volatile uint64_t x = 1;

	while (n--)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void spin_calibrate(void)
{
	uint64_t n = 1 << 14, t0, dt;

	for (;;) {
		t0 = now_ns();
		spin_loop(n);
		dt = now_ns() - t0;
		if (dt >= 2000000 || n >= (1ULL << 40))
			break;
		n *= 2;
	}
	spin_per_us = dt ? n * 1000 / dt : n;
	if (!spin_per_us)
		spin_per_us = 1;
}

/* One spin per launch, whatever the grid: on a GPU its threads run at once. */
static int tk_spin(const struct vinfer_tk_val *args, uint64_t nthreads)
{
	(void)nthreads;
	pthread_once(&spin_once, spin_calibrate);
	spin_loop(args[0].v * spin_per_us);
	return 0;
}

static const struct vinfer_tk kernels[] = {
	{ "vinfer_nop", 0, { 0 }, tk_nop },
	{ "vinfer_matvec", 5,
	  { VINFER_TK_BUF, VINFER_TK_BUF, VINFER_TK_BUF, VINFER_TK_U32, VINFER_TK_U32 },
	  tk_matvec },
	{ "vinfer_relu", 2, { VINFER_TK_BUF, VINFER_TK_U32 }, tk_relu },
	{ "vinfer_spin", 1, { VINFER_TK_U32 }, tk_spin },
};

const struct vinfer_tk *vinfer_tk_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++)
		if (!strcmp(kernels[i].name, name))
			return &kernels[i];
	return NULL;
}

size_t vinfer_tk_arg_size(enum vinfer_tk_arg type)
{
	return type == VINFER_TK_BUF ? sizeof(uint64_t) : sizeof(uint32_t);
}
