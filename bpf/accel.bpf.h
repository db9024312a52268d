/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which character devices are accelerator nodes. Two rules, either suffices:
 *  - the device number: the loader fills vinfer_accel_major from
 *    /proc/devices (nvidia, nvidia-uvm, kfd, drm, accel) before load, so a
 *    node made with mknod anywhere is still recognised;
 *  - the path a scoped task opened it by (/dev/nvidia*, /dev/dri/renderD*,
 *    ...): the device number is then learnt into vinfer_accel_rdev, so later
 *    ioctls on it are counted even for drivers without a fixed major.
 */
#ifndef VINFER_ACCEL_BPF_H
#define VINFER_ACCEL_BPF_H

#include "vinfer_probe.h"

#define S_IFMT		00170000
#define S_IFCHR		0020000
#define ENAMETOOLONG	36
#define VINFER_MINORBITS	20	/* kernel dev_t: major << 20 | minor */
#define VINFER_MAX_MAJOR	4096

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);	/* kernel dev_t */
	__type(value, __u32);	/* enum vinfer_accel_class */
} vinfer_accel_rdev SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VINFER_MAX_MAJOR);
	__type(key, __u32);	/* major */
	__type(value, __u32);	/* enum vinfer_accel_class */
} vinfer_accel_major SEC(".maps") __weak;

static __always_inline bool vinfer_prefix(const char *s, const char *pfx, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i] != pfx[i])
			return false;
	return true;
}

#define VINFER_PREFIX(s, lit) vinfer_prefix(s, lit, sizeof(lit) - 1)

static __always_inline __u32 vinfer_accel_by_path(const char *path)
{
	if (!VINFER_PREFIX(path, "/dev/"))
		return VINFER_ACCEL_NONE;
	path += 5;
	if (VINFER_PREFIX(path, "nvidia-uvm"))
		return VINFER_ACCEL_NVIDIA_UVM;
	if (VINFER_PREFIX(path, "nvidia"))
		return VINFER_ACCEL_NVIDIA;
	if (VINFER_PREFIX(path, "kfd"))
		return VINFER_ACCEL_KFD;
	if (VINFER_PREFIX(path, "dri/renderD") || VINFER_PREFIX(path, "dri/card"))
		return VINFER_ACCEL_DRM;
	if (VINFER_PREFIX(path, "accel/accel"))
		return VINFER_ACCEL_ACCEL;
	return VINFER_ACCEL_NONE;
}

/* Class of character device @rdev, by number only. */
static __always_inline __u32 vinfer_accel_by_rdev(__u32 rdev)
{
	__u32 major = rdev >> VINFER_MINORBITS;
	__u32 *cls;

	cls = bpf_map_lookup_elem(&vinfer_accel_rdev, &rdev);
	if (cls)
		return *cls;
	cls = bpf_map_lookup_elem(&vinfer_accel_major, &major);
	return cls ? *cls : VINFER_ACCEL_NONE;
}

/* Class of character device @rdev opened as @path; learns path matches. */
static __always_inline __u32 vinfer_accel_learn(__u32 rdev, const char *path)
{
	__u32 cls = vinfer_accel_by_path(path);

	if (cls == VINFER_ACCEL_NONE)
		return vinfer_accel_by_rdev(rdev);
	bpf_map_update_elem(&vinfer_accel_rdev, &rdev, &cls, BPF_ANY);
	return cls;
}

#endif /* VINFER_ACCEL_BPF_H */
