// SPDX-License-Identifier: GPL-2.0
/*
 * dlopen LIBRARY [MS]: map a library the way a runtime loader does, stay
 * MS milliseconds (default 300) so a tracer can attach, and exit 0. Used
 * to give the probes libraries they cannot use (tests/probes/run.sh).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	long ms = argc > 2 ? atol(argv[2]) : 300;
	void *h;

	if (argc < 2 || ms < 0) {
		fprintf(stderr, "usage: dlopen LIBRARY [MS]\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	dlclose(h);
	return 0;
}
