// SPDX-License-Identifier: GPL-2.0
/*
 * Per-client GPU time from DRM fdinfo (Documentation/gpu/drm-usage-stats.rst):
 * for every DRM file descriptor a scoped process opened, /proc/PID/fdinfo/FD
 * holds "drm-client-id: N" and "drm-engine-<name>: <ns> ns" lines, the time
 * that client kept each engine busy. The loader reads them every second and
 * keeps the last value per (process, client, engine); the summary adds them
 * up per engine. A client that exits between two reads loses at most the
 * last second of its time; drivers without fdinfo support report nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session.h"

void vinfer_engines_free(struct vinfer_engines *e)
{
	free(e->e);
	e->e = NULL;
	e->n = 0;
}

static int engines_set(struct vinfer_engines *e, const char *name, uint64_t ns)
{
	struct vinfer_engine_summary *ne;
	size_t i;

	for (i = 0; i < e->n; i++) {
		if (!strcmp(e->e[i].engine, name)) {
			e->e[i].ns = ns;
			return 0;
		}
	}
	ne = realloc(e->e, (e->n + 1) * sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	e->e = ne;
	snprintf(e->e[e->n].engine, sizeof(e->e[e->n].engine), "%s", name);
	e->e[e->n].ns = ns;
	e->n++;
	return 0;
}

int vinfer_fdinfo_parse(const char *text, uint64_t *id, struct vinfer_engines *eng)
{
	const char *line = text;
	bool have_id = false;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		char key[64], unit[8];
		unsigned long long v;
		int n;

		n = sscanf(line, "drm-client-id: %llu", &v);
		if (n == 1) {
			*id = v;
			have_id = true;
		} else if (sscanf(line, "drm-engine-%63[^:]: %llu %7s", key, &v, unit) == 3 &&
			   !strcmp(unit, "ns")) {
			if (engines_set(eng, key, v))
				return -ENOMEM;
		}
		line = nl ? nl + 1 : NULL;
	}
	return have_id ? 0 : -ENOENT;
}

static struct vinfer_engines *client_get(struct vinfer_clients *cl, pid_t tgid, uint64_t id)
{
	size_t i;

	for (i = 0; i < cl->n; i++)
		if (cl->c[i].key.tgid == tgid && cl->c[i].key.client_id == id)
			return &cl->c[i].eng;
	if (cl->n == cl->cap) {
		size_t cap = cl->cap ? 2 * cl->cap : 8;
		void *nc = realloc(cl->c, cap * sizeof(*cl->c));

		if (!nc)
			return NULL;
		cl->c = nc;
		cl->cap = cap;
	}
	memset(&cl->c[cl->n], 0, sizeof(cl->c[cl->n]));
	cl->c[cl->n].key.tgid = tgid;
	cl->c[cl->n].key.client_id = id;
	return &cl->c[cl->n++].eng;
}

static void sample_fd(struct vinfer_trace *t, pid_t tgid, int fd)
{
	struct vinfer_engines now = {}, *keep;
	char path[64], buf[4096];
	uint64_t id = 0;
	ssize_t n;
	size_t i;
	int f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", tgid, fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return;
	buf[n] = 0;
	if (!vinfer_fdinfo_parse(buf, &id, &now)) {
		keep = client_get(&t->clients, tgid, id);
		for (i = 0; keep && i < now.n; i++)
			engines_set(keep, now.e[i].engine, now.e[i].ns);
	}
	vinfer_engines_free(&now);
}

void vinfer_fdinfo_sample(struct vinfer_trace *t)
{
	struct vinfer_uproc *p;
	unsigned int i, k;

	vinfer_proc_for_each(&t->procs, i, p) {
		if (p->exited)
			continue;
		for (k = 0; k < p->n_drm_fds; k++)
			sample_fd(t, p->tgid, p->drm_fds[k]);
	}
}
