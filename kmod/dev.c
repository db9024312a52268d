// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vinfer: the ioctls of include/uapi/linux/vinfer.h.
 *
 * Each argument structure is copied in once with copy_struct_from_user(),
 * which accepts callers built against an older (shorter) or newer (longer,
 * zero-filled) version of it, then validated, then used.  At most the
 * caller's size is copied back.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "vinfer.h"

/* Size of the first version of each structure: the smallest accepted. */
#define VINFER_MEASURE_SIZE_VER0	96
#define VINFER_APPEND_SIZE_VER0		64
#define VINFER_SEAL_SIZE_VER0		128

static_assert(sizeof(struct vinfer_measure) == VINFER_MEASURE_SIZE_VER0);
static_assert(sizeof(struct vinfer_append) == VINFER_APPEND_SIZE_VER0);
static_assert(sizeof(struct vinfer_seal) == VINFER_SEAL_SIZE_VER0);

static bool vinfer_zero(const u64 *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i])
			return false;
	return true;
}

static int vinfer_copy_in(void *dst, size_t ksize, size_t min,
			  void __user *arg, size_t usize)
{
	if (usize < min)
		return -EINVAL;
	return copy_struct_from_user(dst, ksize, arg, usize);
}

static int vinfer_copy_out(void __user *arg, size_t usize, const void *src, size_t ksize)
{
	return copy_to_user(arg, src, min(usize, ksize)) ? -EFAULT : 0;
}

static long vinfer_ioc_measure(struct file *dev, void __user *arg, size_t usize)
{
	struct vinfer_measure m;
	struct fd f;
	int err;

	if (!(dev->f_mode & FMODE_WRITE))
		return -EPERM;
	err = vinfer_copy_in(&m, sizeof(m), VINFER_MEASURE_SIZE_VER0, arg, usize);
	if (err)
		return err;
	if (m.flags || !vinfer_zero(m.reserved, ARRAY_SIZE(m.reserved)))
		return -EINVAL;
	if (m.kind > VINFER_KIND_MAX)
		return -EINVAL;

	m.out_flags = 0;
	f = fdget(m.fd);
	if (!f.file)
		return -EBADF;
	err = vinfer_measure_file(f.file, m.kind, &m);
	fdput(f);
	if (err)
		return err;
	return vinfer_copy_out(arg, usize, &m, sizeof(m));
}

static long vinfer_ioc_append(struct file *dev, void __user *arg, size_t usize)
{
	struct vinfer_rec_claim claim;
	struct vinfer_rec_desc desc = {
		.type = VINFER_REC_CLAIM,
		.source = VINFER_SRC_USER,
		.payload = &claim,
		.payload_len = sizeof(claim),
	};
	struct vinfer_append a;
	int err;

	if (!(dev->f_mode & FMODE_WRITE))
		return -EPERM;
	err = vinfer_copy_in(&a, sizeof(a), VINFER_APPEND_SIZE_VER0, arg, usize);
	if (err)
		return err;
	if (a.flags || a.reserved0 ||
	    !vinfer_zero(a.reserved, ARRAY_SIZE(a.reserved)))
		return -EINVAL;
	if (!a.kind || !a.len)
		return -EINVAL;
	if (a.len > VINFER_CLAIM_MAX)
		return -EMSGSIZE;
	if (a.kind == VINFER_CLAIM_REQUEST && a.len != 2 * VINFER_DIGEST_SIZE)
		return -EINVAL;

	claim.kind = cpu_to_le32(a.kind);
	claim.len = cpu_to_le32(a.len);
	desc.utail = u64_to_user_ptr(a.data);
	desc.tail_len = a.len;
	err = vinfer_log_append(&desc, &a.seq);
	if (err)
		return err;
	return vinfer_copy_out(arg, usize, &a, sizeof(a));
}

static long vinfer_ioc_seal(struct file *dev, void __user *arg, size_t usize)
{
	struct vinfer_seal_info info = {};
	struct vinfer_seal s;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = vinfer_copy_in(&s, sizeof(s), VINFER_SEAL_SIZE_VER0, arg, usize);
	if (err)
		return err;
	if (s.flags || !vinfer_zero(s.reserved, ARRAY_SIZE(s.reserved)))
		return -EINVAL;

	err = vinfer_log_seal(VINFER_SEAL_REQUEST, &info);
	if (err)
		return err;
	if (!info.tpm)
		s.out_flags = VINFER_SEALED_NO_TPM;
	else if (info.pending)
		s.out_flags = VINFER_SEALED_PENDING;
	else
		s.out_flags = VINFER_SEALED_TPM;

	s.batch = info.batch;
	s.seq = info.seq;
	s.records = info.records;
	memcpy(s.head, info.head, sizeof(s.head));
	memcpy(s.pcr, info.pcr, sizeof(s.pcr));
	return vinfer_copy_out(arg, usize, &s, sizeof(s));
}

static long vinfer_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	size_t usize = _IOC_SIZE(cmd);

	if (_IOC_TYPE(cmd) != VINFER_IOC_MAGIC || _IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
		return -ENOTTY;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(VINFER_IOC_MEASURE):
		return vinfer_ioc_measure(file, uarg, usize);
	case _IOC_NR(VINFER_IOC_APPEND):
		return vinfer_ioc_append(file, uarg, usize);
	case _IOC_NR(VINFER_IOC_SEAL):
		return vinfer_ioc_seal(file, uarg, usize);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vinfer_dev_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = vinfer_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice vinfer_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vinfer",
	.fops = &vinfer_dev_fops,
	.mode = 0600,
};

int vinfer_dev_init(void)
{
	return misc_register(&vinfer_misc);
}

void vinfer_dev_exit(void)
{
	misc_deregister(&vinfer_misc);
}
