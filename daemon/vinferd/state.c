// SPDX-License-Identifier: GPL-2.0
/*
 * The resume journal (state.h): JSON through json-c, written atomically.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "claims.h"
#include "state.h"
#include "vlog.h"

static int fail(char err[STATE_ERR_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, STATE_ERR_MAX, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void state_free(struct vinferd_state *st)
{
	free(st->e);
	st->e = NULL;
	st->n = 0;
}

struct state_entry *state_get(struct vinferd_state *st, const uint8_t agent[32],
			      uint64_t workload)
{
	struct state_entry *e;
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->e[i].workload == workload && !memcmp(st->e[i].agent, agent, 32))
			return &st->e[i];
	e = realloc(st->e, (st->n + 1) * sizeof(*e));
	if (!e)
		return NULL;
	st->e = e;
	e = &st->e[st->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->agent, agent, 32);
	e->workload = workload;
	return e;
}

static int get_u64(json_object *o, const char *key, size_t i, uint64_t *out,
		   char err[STATE_ERR_MAX])
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return fail(err, "%s: workloads[%zu].%s: missing or not a number", STATE_FILE, i, key);
	errno = 0;
	*out = json_object_get_uint64(v);
	if (errno || json_object_get_int64(v) < 0)
		return fail(err, "%s: workloads[%zu].%s: out of range", STATE_FILE, i, key);
	return 0;
}

static int parse_entry(json_object *o, size_t i, struct state_entry *e, char err[STATE_ERR_MAX])
{
	json_object *v;
	const char *s;
	unsigned int k, b;

	if (!json_object_is_type(o, json_type_object))
		return fail(err, "%s: workloads[%zu]: not an object", STATE_FILE, i);
	if (!json_object_object_get_ex(o, "agent", &v) || !json_object_is_type(v, json_type_string) ||
	    claims_agent_from_dec(json_object_get_string(v), e->agent))
		return fail(err, "%s: workloads[%zu].agent: not a decimal agent id", STATE_FILE, i);
	if (get_u64(o, "workload", i, &e->workload, err) || get_u64(o, "epoch", i, &e->epoch, err) ||
	    get_u64(o, "sealSeq", i, &e->seal_seq, err))
		return -EINVAL;
	if (!json_object_object_get_ex(o, "sealHead", &v) || !json_object_is_type(v, json_type_string))
		return fail(err, "%s: workloads[%zu].sealHead: missing", STATE_FILE, i);
	s = json_object_get_string(v);
	if (strlen(s) != 64 || strspn(s, "0123456789abcdef") != 64)
		return fail(err, "%s: workloads[%zu].sealHead: not 64 hex digits", STATE_FILE, i);
	for (k = 0; k < 32; k++) {
		sscanf(s + 2 * k, "%2x", &b);
		e->seal_head[k] = (uint8_t)b;
	}
	return 0;
}

int state_load(struct spool *sp, struct vinferd_state *st, char err[STATE_ERR_MAX])
{
	json_object *root = NULL, *v, *arr;
	struct json_tokener *tok;
	char serr[SPOOL_ERR_MAX];
	size_t len, i, n;
	char *buf;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = spool_read(sp, STATE_FILE, &buf, &len, serr);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return fail(err, "%s", serr);
	tok = json_tokener_new();
	if (tok) {
		root = json_tokener_parse_ex(tok, buf, (int)len);
		json_tokener_free(tok);
	}
	free(buf);
	if (!root)
		return fail(err, "%s: not JSON", STATE_FILE);
	if (!json_object_object_get_ex(root, "version", &v) || json_object_get_int(v) != 1) {
		ret = fail(err, "%s: version: missing or not 1", STATE_FILE);
		goto out;
	}
	if (!json_object_object_get_ex(root, "workloads", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		ret = fail(err, "%s: workloads: missing or not an array", STATE_FILE);
		goto out;
	}
	n = json_object_array_length(arr);
	st->e = calloc(n ? n : 1, sizeof(*st->e));
	if (!st->e) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		ret = parse_entry(json_object_array_get_idx(arr, i), i, &st->e[i], err);
		if (ret)
			break;
		st->n++;
	}
out:
	json_object_put(root);
	if (ret)
		state_free(st);
	return ret;
}

int state_save(struct spool *sp, const struct vinferd_state *st, char err[STATE_ERR_MAX])
{
	json_object *root, *arr;
	char serr[SPOOL_ERR_MAX];
	const char *text;
	size_t i;
	int ret;

	root = json_object_new_object();
	arr = json_object_new_array();
	if (!root || !arr) {
		json_object_put(root);
		json_object_put(arr);
		return -ENOMEM;
	}
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "workloads", arr);
	for (i = 0; i < st->n; i++) {
		const struct state_entry *e = &st->e[i];
		json_object *o = json_object_new_object();
		char dec[80], hex[65];

		claims_agent_to_dec(e->agent, dec);
		vlog_hex(e->seal_head, 32, hex);
		json_object_object_add(o, "agent", json_object_new_string(dec));
		json_object_object_add(o, "workload", json_object_new_uint64(e->workload));
		json_object_object_add(o, "epoch", json_object_new_uint64(e->epoch));
		json_object_object_add(o, "sealSeq", json_object_new_uint64(e->seal_seq));
		json_object_object_add(o, "sealHead", json_object_new_string(hex));
		json_object_array_add(arr, o);
	}
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	ret = spool_replace(sp, STATE_FILE, text, strlen(text), serr);
	if (ret)
		fail(err, "%s", serr);
	json_object_put(root);
	return ret;
}
