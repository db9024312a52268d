// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel measurement of files: the kernel reads the file and hashes it
 * with the crypto API (so the fastest SHA-256 the CPU offers is used), in
 * fixed chunks through one small buffer, checking for signals between chunks.
 * The digest never comes from userspace.
 *
 * fs-verity: kernels before 6.5 do not export fsverity_get_digest() to
 * modules, so a file with fs-verity is hashed in full like any other (its
 * reads are then verified by fs-verity) and its record says it has fs-verity.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/fsverity.h>
#include <linux/iversion.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <crypto/hash.h>

#include "vinfer.h"

#define VINFER_CHUNK	(32 * 1024)

static struct crypto_shash *vinfer_sha256;

/* Filesystems whose "files" are generated on read: nothing stable to measure. */
static const unsigned long vinfer_pseudo_fs[] = {
	PROC_SUPER_MAGIC, SYSFS_MAGIC, SECURITYFS_MAGIC, DEBUGFS_MAGIC,
	TRACEFS_MAGIC, CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC, BPF_FS_MAGIC,
	PSTOREFS_MAGIC, EFIVARFS_MAGIC, SELINUX_MAGIC,
	SMACK_MAGIC, BINFMTFS_MAGIC,
};

static bool vinfer_pseudo(const struct super_block *sb)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(vinfer_pseudo_fs); i++)
		if (sb->s_magic == vinfer_pseudo_fs[i])
			return true;
	return false;
}

void vinfer_cookie_read(struct inode *inode, struct vinfer_cookie *c)
{
	c->i_version = IS_I_VERSION(inode) ? inode_query_iversion(inode) : 0;
	c->ctime = inode_get_ctime(inode);
	c->size = i_size_read(inode);
}

bool vinfer_cookie_equal(const struct vinfer_cookie *a, const struct vinfer_cookie *b)
{
	return a->i_version == b->i_version && a->size == b->size &&
	       timespec64_equal(&a->ctime, &b->ctime);
}

static int vinfer_hash(struct file *file, u8 digest[SHA256_DIGEST_SIZE], u64 *size)
{
	SHASH_DESC_ON_STACK(desc, vinfer_sha256);
	loff_t pos = 0;
	ssize_t n;
	void *buf;
	int err;

	buf = kmalloc(VINFER_CHUNK, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	desc->tfm = vinfer_sha256;
	err = crypto_shash_init(desc);
	if (err)
		goto out;
	for (;;) {
		if (signal_pending(current)) {
			err = -EINTR;
			goto out;
		}
		n = kernel_read(file, buf, VINFER_CHUNK, &pos);
		if (n < 0) {
			err = n;
			goto out;
		}
		if (!n)
			break;
		err = crypto_shash_update(desc, buf, n);
		if (err)
			goto out;
		cond_resched();
	}
	err = crypto_shash_final(desc, digest);
	*size = pos;
out:
	shash_desc_zero(desc);
	kfree(buf);
	return err;
}

int vinfer_measure_file(struct file *file, u32 kind, struct vinfer_measure *out)
{
	struct inode *inode = file_inode(file);
	struct vinfer_cookie before, after;
	struct vinfer_rec_file rec = {};
	struct vinfer_rec_desc desc = {
		.type = VINFER_REC_FILE,
		.source = VINFER_SRC_KERNEL,
		.payload = &rec,
		.payload_len = sizeof(rec),
	};
	struct vinfer_watch *watch;
	bool writers;
	char *pathbuf, *path;
	u64 size = 0;
	int err;

	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	if (S_ISDIR(inode->i_mode))
		return -EISDIR;
	if (!S_ISREG(inode->i_mode))
		return -EINVAL;
	if (vinfer_pseudo(inode->i_sb))
		return -EOPNOTSUPP;
	if (kind > VINFER_KIND_MAX)
		return -EINVAL;

	pathbuf = __getname();
	if (!pathbuf)
		return -ENOMEM;
	path = d_path(&file->f_path, pathbuf, PATH_MAX);
	if (IS_ERR(path))
		path = "";

	/* Watch first: a change while hashing must not go unseen. */
	watch = vinfer_watch_begin(file, path);

	vinfer_cookie_read(inode, &before);
	writers = atomic_read(&inode->i_writecount) > 0;
	err = vinfer_hash(file, rec.digest, &size);
	if (err)
		goto abort;
	vinfer_cookie_read(inode, &after);
	writers |= atomic_read(&inode->i_writecount) > 0;

	rec.kind = cpu_to_le32(kind);
	rec.size = cpu_to_le64(size);
	rec.dev = cpu_to_le64(new_encode_dev(inode->i_sb->s_dev));
	rec.ino = cpu_to_le64(inode->i_ino);
	rec.i_version = cpu_to_le64(before.i_version);
	rec.ctime_sec = cpu_to_le64(before.ctime.tv_sec);
	rec.ctime_nsec = cpu_to_le32(before.ctime.tv_nsec);
	rec.path_len = cpu_to_le32(strlen(path));
	if (IS_VERITY(inode))
		out->out_flags |= VINFER_FILE_VERITY;
	if (IS_ERR(watch))
		out->out_flags |= VINFER_FILE_UNWATCHED;
	rec.flags = cpu_to_le32(out->out_flags);
	desc.tail = path;
	desc.tail_len = strlen(path);

	err = vinfer_log_append(&desc, &out->seq);
	if (err)
		goto abort;
	memcpy(out->digest, rec.digest, SHA256_DIGEST_SIZE);
	out->size = size;

	if (!IS_ERR(watch))
		vinfer_watch_commit(watch, out->seq, &before, &out->out_flags);
	if (writers)
		vinfer_violation(VINFER_VIOL_OPEN_WRITERS, out->seq, inode, path,
				 NULL, &out->out_flags);
	if (!vinfer_cookie_equal(&before, &after))
		vinfer_violation(after.size < before.size ? VINFER_VIOL_TRUNCATED :
				 VINFER_VIOL_MODIFIED, out->seq, inode, path,
				 NULL, &out->out_flags);
	__putname(pathbuf);
	return 0;
abort:
	if (!IS_ERR(watch))
		vinfer_watch_abort(watch);
	__putname(pathbuf);
	return err;
}

int vinfer_measure_init(void)
{
	vinfer_sha256 = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(vinfer_sha256)) {
		pr_err("no sha256 in the crypto API: %ld\n", PTR_ERR(vinfer_sha256));
		return PTR_ERR(vinfer_sha256);
	}
	pr_debug("hashing with %s\n", crypto_shash_driver_name(vinfer_sha256));
	return 0;
}

void vinfer_measure_exit(void)
{
	crypto_free_shash(vinfer_sha256);
}
