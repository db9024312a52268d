/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The spool: a directory where every file is written crash-safely (a
 * temporary file in the same directory, fsync, rename, fsync of the
 * directory), so a reader sees the old file or the new one, never a part.
 * Temporary files are named ".tmp-*" and removed by spool_open().
 */
#ifndef VINFER_SPOOL_H
#define VINFER_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define SPOOL_ERR_MAX 320

struct spool {
	int dirfd;
	char *dir;
};

/*
 * Creates dir (0700) if missing; refuses (-EPERM) a directory that group or
 * others can write or that the caller does not own.  Removes stale .tmp-*.
 * File names: not empty, no '/', no leading '.', at most 200 bytes.
 */
int spool_open(struct spool *sp, const char *dir, char err[SPOOL_ERR_MAX]);
void spool_close(struct spool *sp);

/*
 * Writes name atomically.  spool_create() refuses to replace an existing
 * file (-EEXIST; 0 when its content is identical: a retried write after a
 * crash is not an error); spool_replace() replaces it (journals, state).
 * On a full disk (-ENOSPC) nothing is left behind and the old file stays.
 */
int spool_create(struct spool *sp, const char *name, const void *buf, size_t len,
		 char err[SPOOL_ERR_MAX]);
int spool_replace(struct spool *sp, const char *name, const void *buf, size_t len,
		  char err[SPOOL_ERR_MAX]);
/* Reads a whole file (malloc'ed, NUL-terminated); -ENOENT when absent. */
int spool_read(struct spool *sp, const char *name, char **buf, size_t *len,
	       char err[SPOOL_ERR_MAX]);
int spool_remove(struct spool *sp, const char *name, char err[SPOOL_ERR_MAX]);
/*
 * Regular files whose name ends with suffix ("" or NULL: all), dot files
 * excepted, sorted by strcmp; *names and each name malloc'ed.  -errno.
 */
int spool_list(struct spool *sp, const char *suffix, char ***names, size_t *n);

#endif
