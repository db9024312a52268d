// SPDX-License-Identifier: GPL-2.0
/*
 * getppid N: time N getppid() system calls (glibc does not cache it) and
 * print the mean cost, "getppid_ns=<ns>". The syscall baseline of the probe
 * benchmark (tests/probes/bench.sh): inside a traced scope it also shows
 * what the kernel tier's syscall tracepoints add to every system call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	long n = argc > 1 ? atol(argv[1]) : 0, i;
	double ns;

	if (n <= 0) {
		fprintf(stderr, "usage: getppid N (N > 0)\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("getppid_ns=%.1f\n", ns / n);
	return 0;
}
