// SPDX-License-Identifier: GPL-2.0
/*
 * The crash-safe spool.  Every write goes to ".tmp-<name>-<pid>-<n>" in the
 * spool directory (same filesystem, so the final step is a rename), is
 * fsync'ed, then renamed into place and the directory fsync'ed: after a
 * crash a reader finds the old file or the new one, and at worst a stale
 * temporary file, which spool_open() removes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"

#define TMP_PREFIX	".tmp-"
#define NAME_MAX_LEN	200	/* leaves room for the temporary name's parts */
#define READ_MAX	(1UL << 30)

static atomic_uint tmp_counter;

static int fail(char err[SPOOL_ERR_MAX], int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, SPOOL_ERR_MAX, fmt, ap);
	va_end(ap);
	return ret;
}

static int check_name(const struct spool *sp, const char *name, char err[SPOOL_ERR_MAX])
{
	size_t n = strlen(name);

	if (n == 0)
		return fail(err, -EINVAL, "spool: %s: empty file name", sp->dir);
	if (n > NAME_MAX_LEN)
		return fail(err, -EINVAL, "spool: %s: file name of %zu bytes, max %d",
			    sp->dir, n, NAME_MAX_LEN);
	if (name[0] == '.' || strchr(name, '/'))
		return fail(err, -EINVAL,
			    "spool: %s: bad file name \"%s\" (no '/', no leading '.')",
			    sp->dir, name);
	return 0;
}

static void remove_stale(struct spool *sp)
{
	struct dirent *de;
	int fd = dup(sp->dirfd);
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)))
			unlinkat(sp->dirfd, de->d_name, 0);
	closedir(d);
}

int spool_open(struct spool *sp, const char *dir, char err[SPOOL_ERR_MAX])
{
	struct stat st;
	int e;

	sp->dirfd = -1;
	sp->dir = NULL;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return fail(err, -errno, "spool: %s: cannot create: %s", dir, strerror(errno));
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0)
		return fail(err, -errno, "spool: %s: %s", dir, strerror(errno));
	if (fstat(sp->dirfd, &st)) {
		e = -errno;
		fail(err, e, "spool: %s: %s", dir, strerror(errno));
		goto close;
	}
	if (st.st_uid != geteuid()) {
		e = fail(err, -EPERM, "spool: %s: owned by uid %u, not %u", dir,
			 (unsigned int)st.st_uid, (unsigned int)geteuid());
		goto close;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		e = fail(err, -EPERM, "spool: %s: writable by others (mode %04o)", dir,
			 (unsigned int)(st.st_mode & 07777));
		goto close;
	}
	sp->dir = strdup(dir);
	if (!sp->dir) {
		e = fail(err, -ENOMEM, "spool: %s: out of memory", dir);
		goto close;
	}
	remove_stale(sp);
	return 0;
close:
	close(sp->dirfd);
	sp->dirfd = -1;
	return e;
}

void spool_close(struct spool *sp)
{
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	sp->dirfd = -1;
	free(sp->dir);
	sp->dir = NULL;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

/* Writes a fsync'ed temporary file; its name goes to tmp. */
static int write_tmp(struct spool *sp, const char *name, const void *buf, size_t len,
		     char tmp[256], char err[SPOOL_ERR_MAX])
{
	int fd, r;

	snprintf(tmp, 256, TMP_PREFIX "%s-%d-%u", name, (int)getpid(),
		 atomic_fetch_add(&tmp_counter, 1));
	fd = openat(sp->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(err, -errno, "spool: %s/%s: %s", sp->dir, tmp, strerror(errno));
	r = write_all(fd, buf, len);
	if (!r && fsync(fd))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	if (r) {
		unlinkat(sp->dirfd, tmp, 0);
		return fail(err, r, "spool: %s/%s: %s", sp->dir, name, strerror(-r));
	}
	return 0;
}

static int sync_dir(struct spool *sp, const char *name, char err[SPOOL_ERR_MAX])
{
	if (fsync(sp->dirfd))
		return fail(err, -errno, "spool: %s: fsync after %s: %s", sp->dir, name,
			    strerror(errno));
	return 0;
}

/* Whether name holds exactly buf (a retried create). */
static bool same_content(struct spool *sp, const char *name, const void *buf, size_t len)
{
	char err[SPOOL_ERR_MAX];
	size_t have_len;
	char *have;
	bool same;

	if (spool_read(sp, name, &have, &have_len, err))
		return false;
	same = have_len == len && !memcmp(have, buf, len);
	free(have);
	return same;
}

int spool_create(struct spool *sp, const char *name, const void *buf, size_t len,
		 char err[SPOOL_ERR_MAX])
{
	char tmp[256];
	int r;

	r = check_name(sp, name, err);
	if (r)
		return r;
	r = write_tmp(sp, name, buf, len, tmp, err);
	if (r)
		return r;
	r = renameat2(sp->dirfd, tmp, sp->dirfd, name, RENAME_NOREPLACE) ? -errno : 0;
	if (r == -EINVAL || r == -ENOSYS) {
		/* No RENAME_NOREPLACE here: a hard link refuses to replace too. */
		r = linkat(sp->dirfd, tmp, sp->dirfd, name, 0) ? -errno : 0;
		unlinkat(sp->dirfd, tmp, 0);
	} else if (r) {
		unlinkat(sp->dirfd, tmp, 0);
	}
	if (r == -EEXIST) {
		if (same_content(sp, name, buf, len))
			return 0;
		return fail(err, r, "spool: %s/%s: exists with other content", sp->dir, name);
	}
	if (r)
		return fail(err, r, "spool: %s/%s: %s", sp->dir, name, strerror(-r));
	return sync_dir(sp, name, err);
}

int spool_replace(struct spool *sp, const char *name, const void *buf, size_t len,
		  char err[SPOOL_ERR_MAX])
{
	char tmp[256];
	int r;

	r = check_name(sp, name, err);
	if (r)
		return r;
	r = write_tmp(sp, name, buf, len, tmp, err);
	if (r)
		return r;
	if (renameat(sp->dirfd, tmp, sp->dirfd, name)) {
		r = -errno;
		unlinkat(sp->dirfd, tmp, 0);
		return fail(err, r, "spool: %s/%s: %s", sp->dir, name, strerror(-r));
	}
	return sync_dir(sp, name, err);
}

int spool_read(struct spool *sp, const char *name, char **buf, size_t *len,
	       char err[SPOOL_ERR_MAX])
{
	size_t have = 0;
	struct stat st;
	char *p = NULL;
	int fd, r;

	*buf = NULL;
	*len = 0;
	r = check_name(sp, name, err);
	if (r)
		return r;
	fd = openat(sp->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fail(err, -errno, "spool: %s/%s: %s", sp->dir, name, strerror(errno));
	if (fstat(fd, &st)) {
		r = fail(err, -errno, "spool: %s/%s: %s", sp->dir, name, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > READ_MAX) {
		r = fail(err, -EINVAL, "spool: %s/%s: not a regular file of at most %lu bytes",
			 sp->dir, name, READ_MAX);
		goto out;
	}
	p = malloc(st.st_size + 1);
	if (!p) {
		r = fail(err, -ENOMEM, "spool: %s/%s: out of memory", sp->dir, name);
		goto out;
	}
	/* Read until EOF: the file is replaced by rename, never rewritten in place. */
	while (have < (size_t)st.st_size) {
		ssize_t n = read(fd, p + have, st.st_size - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = fail(err, -errno, "spool: %s/%s: %s", sp->dir, name, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		have += n;
	}
	p[have] = '\0';
	*buf = p;
	*len = have;
	p = NULL;
out:
	free(p);
	close(fd);
	return r;
}

int spool_remove(struct spool *sp, const char *name, char err[SPOOL_ERR_MAX])
{
	int r = check_name(sp, name, err);

	if (r)
		return r;
	if (unlinkat(sp->dirfd, name, 0))
		return fail(err, -errno, "spool: %s/%s: %s", sp->dir, name, strerror(errno));
	return sync_dir(sp, name, err);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int spool_list(struct spool *sp, const char *suffix, char ***names, size_t *n)
{
	size_t cap = 0, slen = suffix ? strlen(suffix) : 0;
	char **v = NULL;
	struct dirent *de;
	int fd, r = 0;
	DIR *d;

	*names = NULL;
	*n = 0;
	fd = dup(sp->dirfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct stat st;

		if (de->d_name[0] == '.' || len < slen ||
		    memcmp(de->d_name + len - slen, suffix, slen))
			continue;
		if (fstatat(sp->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue;
		if (*n == cap) {
			char **nv = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[*n] = strdup(de->d_name);
		if (!v[*n]) {
			r = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (r) {
		while (*n)
			free(v[--*n]);
		free(v);
		return r;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), name_cmp);
	*names = v;
	return 0;
}
