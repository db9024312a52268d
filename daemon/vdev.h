/* SPDX-License-Identifier: GPL-2.0 */
/* Access to /dev/vinfer and the securityfs files of vinfer.ko. */
#ifndef VINFER_VDEV_H
#define VINFER_VDEV_H

#define VINFER_DEV_PATH		"/dev/vinfer"
#define VINFER_SECFS_DIR	"/sys/kernel/security/vinfer"
#define VINFER_BINARY_LOG	VINFER_SECFS_DIR "/binary_measurements"

int vdev_open(const char *who);
const char *vdev_strerror(int err);

#endif
