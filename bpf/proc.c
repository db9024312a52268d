// SPDX-License-Identifier: GPL-2.0
/*
 * The loader's table of scoped processes: what the kernel's scope map holds,
 * plus what only userspace knows (names, exit status, runtime attachments,
 * DRM file descriptors). Entries of exited processes stay until the session
 * ends: the summary lists every process the workload had.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

static unsigned int bucket(pid_t tgid)
{
	return (unsigned int)tgid % VINFER_PROC_BUCKETS;
}

struct vinfer_uproc *vinfer_proc_get(struct vinfer_proctab *pt, pid_t tgid)
{
	struct vinfer_uproc *p;

	for (p = pt->b[bucket(tgid)]; p; p = p->next)
		if (p->tgid == tgid && !p->exited)
			return p;
	/* A pid may be reused: a live entry wins, else the last exited one. */
	for (p = pt->b[bucket(tgid)]; p; p = p->next)
		if (p->tgid == tgid)
			return p;
	return NULL;
}

struct vinfer_uproc *vinfer_proc_add(struct vinfer_proctab *pt, pid_t tgid, pid_t ppid)
{
	struct vinfer_uproc *p = vinfer_proc_get(pt, tgid);

	if (p && !p->exited)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->tgid = tgid;
	p->ppid = ppid;
	p->next = pt->b[bucket(tgid)];
	pt->b[bucket(tgid)] = p;
	pt->n++;
	pt->live++;
	return p;
}

void vinfer_proc_mark_exited(struct vinfer_proctab *pt, struct vinfer_uproc *p, int code)
{
	if (p->exited)
		return;
	p->exited = true;
	p->exit_code = code;
	pt->live--;
}

void vinfer_proctab_free(struct vinfer_proctab *pt)
{
	struct vinfer_uproc *p, *n;
	unsigned int i;

	for (i = 0; i < VINFER_PROC_BUCKETS; i++) {
		for (p = pt->b[i]; p; p = n) {
			n = p->next;
			free(p);
		}
		pt->b[i] = NULL;
	}
	pt->n = 0;
	pt->live = 0;
}
