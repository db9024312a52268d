// SPDX-License-Identifier: GPL-2.0
/*
 * Micro-benchmarks of vinfer.ko, run in the VM by tests/kernel/bench.sh.
 *
 *   vinfer_bench append N        ns per APPEND of a 64-byte request claim
 *   vinfer_bench getppid N       ns per getppid() syscall
 *   vinfer_bench load SECS RATE  append at RATE records/s for SECS seconds;
 *                                prints the records appended and the rate
 *                                achieved
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/vinfer.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int dev_open(void)
{
	int fd = open("/dev/vinfer", O_RDWR);

	if (fd < 0) {
		perror("/dev/vinfer");
		exit(1);
	}
	return fd;
}

static void append_one(int dev, const uint8_t *claim)
{
	struct vinfer_append a = {
		.kind = VINFER_CLAIM_REQUEST, .len = 64, .data = (uintptr_t)claim,
	};

	if (ioctl(dev, VINFER_IOC_APPEND, &a)) {
		fprintf(stderr, "append: %s\n", strerror(errno));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	uint8_t claim[64] = { 1, 2, 3 };
	double t0, t;
	long i, n;

	if (argc < 3) {
		fprintf(stderr, "usage: vinfer_bench append|getppid N | load SECS RATE\n");
		return 2;
	}
	n = atol(argv[2]);
	if (!strcmp(argv[1], "append")) {
		int dev = dev_open();

		t0 = now();
		for (i = 0; i < n; i++)
			append_one(dev, claim);
		printf("%.1f\n", (now() - t0) * 1e9 / n);
	} else if (!strcmp(argv[1], "getppid")) {
		t0 = now();
		for (i = 0; i < n; i++)
			getppid();
		printf("%.1f\n", (now() - t0) * 1e9 / n);
	} else if (!strcmp(argv[1], "load") && argc == 4) {
		double secs = atof(argv[2]), rate = atof(argv[3]);
		int dev = dev_open();
		long done = 0;

		t0 = now();
		while ((t = now() - t0) < secs) {
			/* Catch up to the target rate, in bursts. */
			while (done < (long)(t * rate) && done % 1024 != 1023) {
				append_one(dev, claim);
				done++;
			}
			append_one(dev, claim);
			done++;
		}
		printf("%ld %.0f\n", done, done / (now() - t0));
	} else {
		fprintf(stderr, "vinfer_bench: unknown mode '%s'\n", argv[1]);
		return 2;
	}
	return 0;
}
