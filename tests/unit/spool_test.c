// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the crash-safe spool (lib/spool.c): create never replaces,
 * replace does, a retried identical create is not an error, stale
 * temporary files go away on open, unsafe directories and names are
 * refused, and a full filesystem (a 64 KiB tmpfs mounted here when the
 * test may mount) leaves the previous file intact and nothing behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "spool.h"

struct fixture {
	char root[64];		/* a fresh temporary directory */
	char dir[128];		/* root/spool */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->root, "/tmp/spool-test-XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/spool", f->root);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	umount2(f->dir, MNT_DETACH);	/* the ENOSPC case may have mounted it */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

static size_t count_tmp(const char *dir)
{
	size_t tmp = 0;
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -c '^\\.tmp-'", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(1, fscanf(p, "%zu", &tmp));
	pclose(p);
	return tmp;
}

static void expect_content(struct spool *sp, const char *name, const char *want)
{
	char err[SPOOL_ERR_MAX], *buf;
	size_t len;

	assert_int_equal(0, spool_read(sp, name, &buf, &len, err));
	assert_int_equal(len, strlen(want));
	assert_string_equal(buf, want);
	free(buf);
}

static void test_create_replace_read(void **state)
{
	struct fixture *f = *state;
	char err[SPOOL_ERR_MAX], path[256], *buf;
	struct spool sp;
	struct stat st;
	size_t len;

	assert_int_equal(0, spool_open(&sp, f->dir, err));
	assert_int_equal(0, stat(f->dir, &st));
	assert_int_equal(st.st_mode & 07777, 0700);

	assert_int_equal(0, spool_create(&sp, "1-2-3.json", "first", 5, err));
	expect_content(&sp, "1-2-3.json", "first");
	snprintf(path, sizeof(path), "%s/1-2-3.json", f->dir);
	assert_int_equal(0, stat(path, &st));
	assert_int_equal(st.st_mode & 07777, 0600);

	/* A retried create with the same bytes is fine; other bytes are refused. */
	assert_int_equal(0, spool_create(&sp, "1-2-3.json", "first", 5, err));
	assert_int_equal(-EEXIST, spool_create(&sp, "1-2-3.json", "other", 5, err));
	assert_non_null(strstr(err, "1-2-3.json: exists with other content"));
	expect_content(&sp, "1-2-3.json", "first");

	assert_int_equal(0, spool_replace(&sp, "state", "v1", 2, err));
	assert_int_equal(0, spool_replace(&sp, "state", "version 2", 9, err));
	expect_content(&sp, "state", "version 2");
	assert_int_equal(0, spool_replace(&sp, "empty", "", 0, err));
	expect_content(&sp, "empty", "");
	assert_int_equal(0, count_tmp(f->dir));

	assert_int_equal(-ENOENT, spool_read(&sp, "absent", &buf, &len, err));
	assert_null(buf);
	assert_int_equal(0, spool_remove(&sp, "state", err));
	assert_int_equal(-ENOENT, spool_remove(&sp, "state", err));
	spool_close(&sp);
}

static void test_bad_names(void **state)
{
	static const char *const bad[] = { "", "a/b", "/abs", ".hidden", ".tmp-x", "..", "." };
	struct fixture *f = *state;
	char err[SPOOL_ERR_MAX], *buf;
	char long_name[202];
	struct spool sp;
	size_t i, len;

	assert_int_equal(0, spool_open(&sp, f->dir, err));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(-EINVAL, spool_create(&sp, bad[i], "x", 1, err));
		assert_int_equal(-EINVAL, spool_replace(&sp, bad[i], "x", 1, err));
		assert_int_equal(-EINVAL, spool_read(&sp, bad[i], &buf, &len, err));
		assert_int_equal(-EINVAL, spool_remove(&sp, bad[i], err));
	}
	assert_int_equal(-EINVAL, spool_create(&sp, "a/b", "x", 1, err));
	assert_non_null(strstr(err, "bad file name \"a/b\""));
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(-EINVAL, spool_create(&sp, long_name, "x", 1, err));
	long_name[200] = '\0';
	assert_int_equal(0, spool_create(&sp, long_name, "x", 1, err));
	spool_close(&sp);
}

static void test_unsafe_directory(void **state)
{
	struct fixture *f = *state;
	char err[SPOOL_ERR_MAX], want[256];
	struct spool sp;

	assert_int_equal(0, mkdir(f->dir, 0700));
	assert_int_equal(0, chmod(f->dir, 0777));
	assert_int_equal(-EPERM, spool_open(&sp, f->dir, err));
	snprintf(want, sizeof(want), "spool: %s: writable by others (mode 0777)", f->dir);
	assert_string_equal(err, want);
	assert_int_equal(0, chmod(f->dir, 0720));
	assert_int_equal(-EPERM, spool_open(&sp, f->dir, err));
	assert_int_equal(0, chmod(f->dir, 0755));
	assert_int_equal(0, spool_open(&sp, f->dir, err));
	spool_close(&sp);

	if (geteuid() != 0) {
		printf("skipping the foreign-owner case: chown needs root\n");
		return;
	}
	assert_int_equal(0, chown(f->dir, 1, 1));
	assert_int_equal(-EPERM, spool_open(&sp, f->dir, err));
	assert_non_null(strstr(err, "owned by uid 1, not 0"));
}

static void test_stale_tmp_and_list(void **state)
{
	static const char *const files[] = { ".tmp-a.json-1-0", ".tmp-b-99-3", "b.json",
					     "a.json", "c.state", ".keep" };
	struct fixture *f = *state;
	char err[SPOOL_ERR_MAX], path[256], **names;
	struct spool sp;
	size_t i, n;

	assert_int_equal(0, mkdir(f->dir, 0700));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
		fd = open(path, O_CREAT | O_WRONLY, 0600);
		assert_true(fd >= 0);
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/d.json", f->dir);
	assert_int_equal(0, mkdir(path, 0700));	/* not a file: not listed */
	assert_int_equal(2, count_tmp(f->dir));
	assert_int_equal(0, spool_open(&sp, f->dir, err));
	assert_int_equal(0, count_tmp(f->dir));

	assert_int_equal(0, spool_list(&sp, ".json", &names, &n));
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "a.json");
	assert_string_equal(names[1], "b.json");
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	assert_int_equal(0, spool_list(&sp, "", &names, &n));
	assert_int_equal(n, 3);
	assert_string_equal(names[2], "c.state");
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	spool_close(&sp);
}

static void test_full_disk(void **state)
{
	struct fixture *f = *state;
	char err[SPOOL_ERR_MAX], *big, *buf;
	struct spool sp;
	size_t len;

	assert_int_equal(0, mkdir(f->dir, 0700));
	if (mount("tmpfs", f->dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0700")) {
		printf("skipping the full-disk case: cannot mount a tmpfs: %s\n", strerror(errno));
		skip();
	}
	assert_int_equal(0, spool_open(&sp, f->dir, err));
	assert_int_equal(0, spool_replace(&sp, "state", "old state", 9, err));
	assert_int_equal(0, spool_create(&sp, "1-1-1.json", "attestation", 11, err));

	big = malloc(256 << 10);
	assert_non_null(big);
	memset(big, 'x', 256 << 10);
	assert_int_equal(-ENOSPC, spool_replace(&sp, "state", big, 256 << 10, err));
	assert_non_null(strstr(err, "No space left on device"));
	expect_content(&sp, "state", "old state");
	assert_int_equal(0, count_tmp(f->dir));

	assert_int_equal(-ENOSPC, spool_create(&sp, "1-1-2.json", big, 256 << 10, err));
	assert_int_equal(-ENOENT, spool_read(&sp, "1-1-2.json", &buf, &len, err));
	expect_content(&sp, "1-1-1.json", "attestation");
	assert_int_equal(0, count_tmp(f->dir));

	/* Room again after the failures: nothing leaked space. */
	assert_int_equal(0, spool_replace(&sp, "state", "new state", 9, err));
	expect_content(&sp, "state", "new state");
	free(big);
	spool_close(&sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_replace_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_tmp_and_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
