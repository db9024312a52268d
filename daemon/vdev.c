// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "vdev.h"

/* Open the device read-write; say what to do when it is not there. */
int vdev_open(const char *who)
{
	int fd = open(VINFER_DEV_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			fprintf(stderr, "%s: %s: no such device: is vinfer.ko loaded? (modprobe vinfer)\n",
				who, VINFER_DEV_PATH);
		else
			fprintf(stderr, "%s: %s: %s\n", who, VINFER_DEV_PATH, strerror(errno));
	}
	return fd;
}

/* The meaning of an errno as the vinfer ioctls use it. */
const char *vdev_strerror(int err)
{
	switch (err) {
	case ENOSPC: return "the measurement log is full (max_bytes reached)";
	case EOPNOTSUPP: return "file is on a pseudo filesystem with no stable contents";
	case EINVAL: return "invalid argument (not a regular file, or bad flags/kind)";
	case EPERM: return "operation not permitted (device not open for writing, or CAP_SYS_ADMIN needed)";
	case EMSGSIZE: return "claim larger than VINFER_CLAIM_MAX";
	case EINTR: return "interrupted by a signal; nothing was recorded";
	default: return strerror(err);
	}
}
