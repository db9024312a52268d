// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded random ioctl fuzzer for /dev/vinfer: random commands (vinfer's
 * and others), sizes, directions, argument contents, data pointers (NULL,
 * unaligned, unmapped, kernel addresses) and file descriptors.  Every call
 * must return; the errno must be one the ABI documents.  The guest kernel
 * log is checked by vm-run afterwards.
 *
 * usage: vinfer_fuzz ITERATIONS [SEED]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vinfer.h>

static uint64_t state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed printed at start. */
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545F4914F6CDD1DULL;
}

static int allowed(int err)
{
	switch (err) {
	case EINVAL: case EFAULT: case ENOTTY: case E2BIG: case EBADF: case EISDIR:
	case EOPNOTSUPP: case EMSGSIZE: case ENOSPC: case EPERM: case EINTR:
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t arg[512] __attribute__((aligned(8)));
	unsigned long iters, i, ok = 0, fails = 0;
	void *pointers[6];
	int fds[6], dev;
	char *unmapped;

	if (argc < 2) {
		fprintf(stderr, "usage: vinfer_fuzz ITERATIONS [SEED]\n");
		return 2;
	}
	iters = strtoul(argv[1], NULL, 0);
	state = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)getpid() * 2654435761u + 1;
	printf("vinfer_fuzz: %lu iterations, seed %llu\n", iters, (unsigned long long)state);

	dev = open("/dev/vinfer", O_RDWR);
	if (dev < 0) {
		perror("/dev/vinfer");
		return 1;
	}
	unmapped = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pointers[0] = NULL;
	pointers[1] = arg + 1;
	pointers[2] = unmapped;
	pointers[3] = (void *)0xffffffff81000000UL;
	pointers[4] = "fuzz claim bytes";
	pointers[5] = arg;
	fds[0] = -1;
	fds[1] = dev;
	fds[2] = open("/proc/self/maps", O_RDONLY);
	fds[3] = open("/", O_RDONLY | O_DIRECTORY);
	fds[4] = open("/bin/sh", O_RDONLY);
	fds[5] = 4096;

	for (i = 0; i < iters; i++) {
		unsigned int nr = rnd() % 6, size = rnd() % 3 ? 0 : rnd() % 300;
		unsigned int dir = rnd() % 4, type = rnd() % 8 ? VINFER_IOC_MAGIC : rnd() & 0xff;
		unsigned long cmd;
		void *p = arg;
		size_t j;
		long r;

		if (!size) {
			static const unsigned int sizes[] = {
				sizeof(struct vinfer_measure), sizeof(struct vinfer_append),
				sizeof(struct vinfer_seal),
			};
			size = sizes[rnd() % 3];
			dir = _IOC_READ | _IOC_WRITE;
		}
		cmd = _IOC(dir, type, nr, size);
		for (j = 0; j < sizeof(arg); j++)
			arg[j] = rnd() % 4 ? 0 : rnd();
		/* Plausible fields most of the time, so deeper paths are reached. */
		if (nr == 1 && rnd() % 2) {
			struct vinfer_measure *m = (void *)arg;

			if (rnd() % 2)
				memset(arg, 0, sizeof(*m));
			m->fd = fds[rnd() % 6];
			m->kind = rnd() % 7;
		} else if (nr == 2 && rnd() % 2) {
			struct vinfer_append *a = (void *)arg;

			if (rnd() % 2)
				memset(arg, 0, sizeof(*a));
			a->kind = rnd() % 4;
			a->len = rnd() % 3 ? rnd() % 32 : rnd();
			a->data = (uintptr_t)pointers[rnd() % 6];
		}
		if (rnd() % 16 == 0)
			p = pointers[rnd() % 6];
		if (nr == 3 && rnd() % 4)	/* keep the TPM from doing most of the work */
			continue;

		r = ioctl(dev, cmd, p);
		if (r == 0) {
			ok++;
		} else if (!allowed(errno)) {
			fprintf(stderr, "vinfer_fuzz: cmd %#lx: unexpected errno %d (%s)\n",
				cmd, errno, strerror(errno));
			fails++;
		}
	}
	printf("vinfer_fuzz: %lu calls succeeded, %lu with unexpected errors\n", ok, fails);
	return fails ? 1 : 0;
}
