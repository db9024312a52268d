// SPDX-License-Identifier: GPL-2.0
/*
 * The checks of vinferd.conf that need the running system, and logging.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <json-c/json.h>
#include <linux/magic.h>

#include "config.h"

int vinferd_log_level = LOG_INFO;

void vinferd_log(int level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	char line[1024];
	va_list ap;

	if (level > vinferd_log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vinferd: %s%s\n", prefix[level], line);
}

static int fail(char err[CONFIG_ERR_MAX], int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, CONFIG_ERR_MAX, fmt, ap);
	va_end(ap);
	return ret;
}

int config_check_module_pcr(const struct vinferd_config *c, char err[CONFIG_ERR_MAX])
{
	unsigned int pcr;
	FILE *f;
	int n;

	f = fopen(VINFER_MODULE_PCR, "re");
	if (!f)
		return 0;
	n = fscanf(f, "%u", &pcr);
	fclose(f);
	if (n != 1)
		return fail(err, -EINVAL, "%s: not a number", VINFER_MODULE_PCR);
	if (pcr != c->pcr)
		return fail(err, -EINVAL,
			    "[tpm] pcr = %u but vinfer.ko extends PCR %u (%s): make them equal",
			    c->pcr, pcr, VINFER_MODULE_PCR);
	return 0;
}

int config_cgroup_id(const char *path, uint64_t *id, char err[CONFIG_ERR_MAX])
{
	struct statfs sfs;
	struct stat st;

	if (stat(path, &st))
		return fail(err, -errno, "[workload] cgroup = '%s': %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(err, -ENOTDIR, "[workload] cgroup = '%s': not a directory", path);
	if (statfs(path, &sfs))
		return fail(err, -errno, "[workload] cgroup = '%s': %s", path, strerror(errno));
	if (sfs.f_type != CGROUP2_SUPER_MAGIC)
		return fail(err, -EINVAL, "[workload] cgroup = '%s': not on a cgroup v2 filesystem",
			    path);
	*id = st.st_ino;
	return 0;
}

static int hex32(json_object *o, const char *key, uint8_t out[32], const char *path,
		 char err[CONFIG_ERR_MAX])
{
	json_object *v;
	const char *s;
	unsigned int i, b;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return fail(err, -EINVAL, "%s: %s: missing or not a string", path, key);
	s = json_object_get_string(v);
	if (strlen(s) != 64 || strspn(s, "0123456789abcdef") != 64)
		return fail(err, -EINVAL, "%s: %s: '%s': not 64 lowercase hex digits", path, key, s);
	for (i = 0; i < 32; i++) {
		sscanf(s + 2 * i, "%2x", &b);
		out[i] = (uint8_t)b;
	}
	return 0;
}

int config_load_activation(const char *path, struct vinferd_activation *a,
			   char err[CONFIG_ERR_MAX])
{
	json_object *root, *act, *inner;
	int ret;

	memset(a, 0, sizeof(*a));
	root = json_object_from_file(path);
	if (!root)
		return fail(err, -EINVAL, "[tpm] activation = '%s': %s", path,
			    json_util_get_last_err() ? json_util_get_last_err() : "not JSON");
	/* Either the object itself or a document holding it as "activation". */
	act = root;
	if (json_object_object_get_ex(root, "activation", &inner) && inner)
		act = inner;
	if (!json_object_is_type(act, json_type_object)) {
		json_object_put(root);
		return fail(err, -EINVAL, "%s: activation: not an object", path);
	}
	ret = hex32(act, "registrarX", a->x, path, err);
	if (!ret)
		ret = hex32(act, "registrarY", a->y, path, err);
	if (!ret)
		ret = hex32(act, "r", a->r, path, err);
	if (!ret)
		ret = hex32(act, "s", a->s, path, err);
	json_object_put(root);
	a->present = !ret;
	return ret;
}

int config_module_state(const char *key, char *out, size_t size)
{
	char line[256];
	size_t klen = strlen(key);
	FILE *f;
	int ret = -ENOENT;

	f = fopen(VINFER_STATE_FILE, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':' && line[klen + 1] == ' ') {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, size, "%s", line + klen + 2);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}
