// SPDX-License-Identifier: GPL-2.0
/*
 * vinfer seal: close the current batch; wait for its PCR extend.
 * Exit status 1 when the extend failed (it stays pending and is retried).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmd.h"
#include "vdev.h"
#include "vlog.h"

int cmd_seal(int argc, char **argv)
{
	struct vinfer_seal s = { 0 };
	char head[2 * VINFER_DIGEST_SIZE + 1], pcr[2 * VINFER_DIGEST_SIZE + 1];
	const char *status;
	int dev;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: vinfer seal\n");
		return VINFER_EXIT_USAGE;
	}
	dev = vdev_open("vinfer seal");
	if (dev < 0)
		return VINFER_EXIT_FAIL;
	if (ioctl(dev, VINFER_IOC_SEAL, &s)) {
		fprintf(stderr, "vinfer seal: %s\n", vdev_strerror(errno));
		close(dev);
		return VINFER_EXIT_FAIL;
	}
	close(dev);
	vlog_hex(s.head, sizeof(s.head), head);
	vlog_hex(s.pcr, sizeof(s.pcr), pcr);
	status = s.out_flags & VINFER_SEALED_TPM ? "extended" :
		 s.out_flags & VINFER_SEALED_PENDING ? "pending" : "no-tpm";
	printf("batch=%llu seal=%llu records=%llu tpm=%s\nhead=%s\npcr=%s\n",
	       (unsigned long long)s.batch, (unsigned long long)s.seq,
	       (unsigned long long)s.records, status, head, pcr);
	return s.out_flags & VINFER_SEALED_PENDING ? VINFER_EXIT_FAIL : VINFER_EXIT_OK;
}
