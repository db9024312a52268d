// SPDX-License-Identifier: GPL-2.0
/*
 * JSON-RPC 2.0 client for Ethereum nodes (see rpc.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "rpc.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void rpc_hex(const uint8_t *b, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	out[0] = '0';
	out[1] = 'x';
	for (i = 0; i < len; i++) {
		out[2 + 2 * i] = hex[b[i] >> 4];
		out[3 + 2 * i] = hex[b[i] & 15];
	}
	out[2 + 2 * len] = 0;
}

static json_object *hex_string(const uint8_t *b, size_t len)
{
	char *s = malloc(2 * len + 3);
	json_object *o;

	if (!s)
		return NULL;
	rpc_hex(b, len, s);
	o = json_object_new_string(s);
	free(s);
	return o;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A quantity of at most maxdigits hex digits into a big-endian buffer of n bytes. */
static int quantity(json_object *v, const char *method, const char *field, size_t maxdigits,
		    uint8_t *out, size_t n, char err[RPC_ERR_MAX])
{
	const char *s;
	size_t len, i;

	if (!v || !json_object_is_type(v, json_type_string)) {
		snprintf(err, RPC_ERR_MAX, "%s: %s: want a hex quantity string, got %s", method,
			 field, v ? json_type_to_name(json_object_get_type(v)) : "null");
		return -EPROTO;
	}
	s = json_object_get_string(v);
	len = strlen(s);
	if (len < 3 || s[0] != '0' || s[1] != 'x') {
		snprintf(err, RPC_ERR_MAX, "%s: %s: '%.80s': want 0x and hex digits", method, field,
			 s);
		return -EPROTO;
	}
	if (len > 3 && s[2] == '0') {
		snprintf(err, RPC_ERR_MAX, "%s: %s: '%.80s': leading zero", method, field, s);
		return -EPROTO;
	}
	if (len - 2 > maxdigits) {
		snprintf(err, RPC_ERR_MAX, "%s: %s: '%.80s': more than %zu hex digits", method,
			 field, s, maxdigits);
		return -EPROTO;
	}
	memset(out, 0, n);
	for (i = 0; i < len - 2; i++) {
		int d = hexval(s[len - 1 - i]);

		if (d < 0) {
			snprintf(err, RPC_ERR_MAX, "%s: %s: '%.80s': not hex", method, field, s);
			return -EPROTO;
		}
		out[n - 1 - i / 2] |= (uint8_t)(d << (4 * (i % 2)));
	}
	return 0;
}

int rpc_get_quantity(json_object *v, const char *method, const char *field, uint64_t *out,
		     char err[RPC_ERR_MAX])
{
	uint8_t be[8];
	int i, ret = quantity(v, method, field, 16, be, sizeof(be), err);

	if (ret)
		return ret;
	*out = 0;
	for (i = 0; i < 8; i++)
		*out = (*out << 8) | be[i];
	return 0;
}

int rpc_get_quantity256(json_object *v, const char *method, const char *field,
			uint8_t out[32], char err[RPC_ERR_MAX])
{
	return quantity(v, method, field, 64, out, 32, err);
}

int rpc_get_data(json_object *v, const char *method, const char *field, uint8_t *out,
		 size_t max, size_t *len, char err[RPC_ERR_MAX])
{
	const char *s;
	size_t n, i;

	if (!v || !json_object_is_type(v, json_type_string)) {
		snprintf(err, RPC_ERR_MAX, "%s: %s: want a hex data string, got %s", method, field,
			 v ? json_type_to_name(json_object_get_type(v)) : "null");
		return -EPROTO;
	}
	s = json_object_get_string(v);
	n = strlen(s);
	if (n < 2 || s[0] != '0' || s[1] != 'x' || n % 2) {
		snprintf(err, RPC_ERR_MAX, "%s: %s: '%.80s': want 0x and an even number of hex digits",
			 method, field, s);
		return -EPROTO;
	}
	if ((n - 2) / 2 > max) {
		snprintf(err, RPC_ERR_MAX, "%s: %s: %zu bytes, at most %zu", method, field,
			 (n - 2) / 2, max);
		return -EPROTO;
	}
	for (i = 2; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);

		if (hi < 0 || lo < 0) {
			snprintf(err, RPC_ERR_MAX, "%s: %s: '%.80s': not hex", method, field, s);
			return -EPROTO;
		}
		out[(i - 2) / 2] = (uint8_t)(hi << 4 | lo);
	}
	*len = (n - 2) / 2;
	return 0;
}

int rpc_get_fixed(json_object *v, const char *method, const char *field, uint8_t *out,
		  size_t n, char err[RPC_ERR_MAX])
{
	uint8_t buf[64];
	size_t len;
	int ret;

	if (n > sizeof(buf))
		return -EINVAL;
	ret = rpc_get_data(v, method, field, buf, sizeof(buf), &len, err);
	if (ret)
		return ret;
	if (len != n) {
		snprintf(err, RPC_ERR_MAX, "%s: %s: %zu bytes, want %zu", method, field, len, n);
		return -EPROTO;
	}
	memcpy(out, buf, n);
	return 0;
}

static json_object *member(json_object *o, const char *name)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, name, &v))
		return NULL;
	return v;
}

int rpc_parse_reply(const char *buf, size_t len, uint64_t id, const char *method,
		    json_object **result, struct rpc_error *rerr, char err[RPC_ERR_MAX])
{
	json_object *root = NULL, *v, *e;
	json_tokener *tok;
	bool has_result, has_error;
	size_t end;
	int ret = -EPROTO;

	*result = NULL;
	if (len > RPC_REPLY_MAX || len > INT32_MAX) {
		snprintf(err, RPC_ERR_MAX, "%s: reply of %zu bytes is too long", method, len);
		return -EPROTO;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(err, RPC_ERR_MAX, "%s: out of memory", method);
		return -ENOMEM;
	}
	root = json_tokener_parse_ex(tok, buf, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		snprintf(err, RPC_ERR_MAX, "%s: reply is not JSON (%s at byte %zu)", method,
			 json_tokener_error_desc(json_tokener_get_error(tok)), end);
		goto out;
	}
	while (end < len && strchr(" \t\r\n", buf[end]) && buf[end])
		end++;
	if (end != len) {
		snprintf(err, RPC_ERR_MAX, "%s: reply has data after the JSON value (byte %zu)",
			 method, end);
		goto out;
	}
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(err, RPC_ERR_MAX, "%s: reply: want an object, got %s", method,
			 json_type_to_name(json_object_get_type(root)));
		goto out;
	}
	v = member(root, "jsonrpc");
	if (!v || !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "2.0")) {
		snprintf(err, RPC_ERR_MAX, "%s: reply.jsonrpc: want \"2.0\"", method);
		goto out;
	}
	v = member(root, "id");
	if (!v || !json_object_is_type(v, json_type_int) ||
	    (uint64_t)json_object_get_int64(v) != id || json_object_get_int64(v) < 0) {
		snprintf(err, RPC_ERR_MAX, "%s: reply.id: want %" PRIu64 ", got %.40s", method, id,
			 v ? json_object_to_json_string(v) : "nothing");
		goto out;
	}
	has_result = json_object_object_get_ex(root, "result", &v);
	has_error = json_object_object_get_ex(root, "error", &e);
	if (has_result == has_error) {
		snprintf(err, RPC_ERR_MAX, "%s: reply: want exactly one of result and error",
			 method);
		goto out;
	}
	if (has_error) {
		json_object *code, *msg, *data;

		if (!e || !json_object_is_type(e, json_type_object)) {
			snprintf(err, RPC_ERR_MAX, "%s: reply.error: want an object", method);
			goto out;
		}
		code = member(e, "code");
		msg = member(e, "message");
		if (!code || !json_object_is_type(code, json_type_int)) {
			snprintf(err, RPC_ERR_MAX, "%s: reply.error.code: want an integer", method);
			goto out;
		}
		if (!msg || !json_object_is_type(msg, json_type_string)) {
			snprintf(err, RPC_ERR_MAX, "%s: reply.error.message: want a string", method);
			goto out;
		}
		memset(rerr, 0, sizeof(*rerr));
		rerr->code = json_object_get_int64(code);
		snprintf(rerr->message, sizeof(rerr->message), "%s", json_object_get_string(msg));
		data = member(e, "data");
		/* revert data is hex; other nodes put free text here: kept out */
		if (data && json_object_is_type(data, json_type_string)) {
			char ignored[RPC_ERR_MAX];

			rerr->has_data = !rpc_get_data(data, method, "reply.error.data", rerr->data,
						       sizeof(rerr->data), &rerr->data_len,
						       ignored);
			if (!rerr->has_data)
				rerr->data_len = 0;
		}
		snprintf(err, RPC_ERR_MAX, "%s: node error %" PRId64 ": %.200s", method,
			 rerr->code, rerr->message);
		ret = -EREMOTEIO;
		goto out;
	}
	*result = v ? json_object_get(v) : NULL;
	ret = 0;
out:
	json_object_put(root);
	json_tokener_free(tok);
	return ret;
}

int rpc_open(struct rpc *r, const char *url, long connect_ms, long total_ms,
	     char err[RPC_ERR_MAX])
{
	CURL *c;

	memset(r, 0, sizeof(*r));
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
		snprintf(err, RPC_ERR_MAX, "rpc url '%.200s': want http:// or https://", url);
		return -EINVAL;
	}
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		snprintf(err, RPC_ERR_MAX, "libcurl: %s", curl_easy_strerror(curl_init_rc));
		return -EIO;
	}
	r->url = strdup(url);
	r->curl = c = curl_easy_init();
	r->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (!r->url || !c || !r->headers) {
		rpc_close(r);
		snprintf(err, RPC_ERR_MAX, "rpc: out of memory");
		return -ENOMEM;
	}
	r->connect_ms = connect_ms > 0 ? connect_ms : RPC_CONNECT_MS;
	r->total_ms = total_ms > 0 ? total_ms : RPC_TOTAL_MS;
	r->next_id = 1;
	curl_easy_setopt(c, CURLOPT_URL, r->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, (struct curl_slist *)r->headers);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->connect_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->total_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "vinfer");
	return 0;
}

void rpc_close(struct rpc *r)
{
	if (r->curl)
		curl_easy_cleanup(r->curl);
	curl_slist_free_all(r->headers);
	free(r->url);
	memset(r, 0, sizeof(*r));
}

struct body {
	char *buf;
	size_t len;
	bool too_long;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;
	char *nb;

	if (b->len + add > RPC_REPLY_MAX) {
		b->too_long = true;
		return 0;
	}
	nb = realloc(b->buf, b->len + add + 1);
	if (!nb)
		return 0;
	memcpy(nb + b->len, p, add);
	b->buf = nb;
	b->len += add;
	b->buf[b->len] = 0;
	return add;
}

int rpc_call(struct rpc *r, const char *method, json_object *params, json_object **result,
	     struct rpc_error *rerr, char err[RPC_ERR_MAX])
{
	json_object *req = json_object_new_object();
	struct body body = { 0 };
	struct rpc_error local;
	uint64_t id = r->next_id++;
	const char *text;
	CURLcode rc;
	long http = 0;
	int ret;

	*result = NULL;
	if (!rerr)
		rerr = &local;
	if (!req || !params) {
		json_object_put(req);
		json_object_put(params);
		snprintf(err, RPC_ERR_MAX, "%s: out of memory", method);
		return -ENOMEM;
	}
	json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(req, "id", json_object_new_int64((int64_t)id));
	json_object_object_add(req, "method", json_object_new_string(method));
	json_object_object_add(req, "params", params);
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(r->curl);
	json_object_put(req);
	if (rc != CURLE_OK) {
		snprintf(err, RPC_ERR_MAX, "%s: %s: %s", method, r->url,
			 body.too_long ? "reply too long" : curl_easy_strerror(rc));
		free(body.buf);
		return body.too_long ? -EPROTO : -EIO;
	}
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &http);
	ret = rpc_parse_reply(body.buf ? body.buf : "", body.len, id, method, result, rerr, err);
	if (http != 200 && ret != -EREMOTEIO) {
		/* a proxy or load balancer failing: the node was not reached */
		json_object_put(*result);
		*result = NULL;
		snprintf(err, RPC_ERR_MAX, "%s: %s: HTTP status %ld", method, r->url, http);
		ret = http >= 500 || http == 429 ? -EIO : -EPROTO;
	}
	free(body.buf);
	return ret;
}

/* params helpers: a new array of n values; NULL values make the call fail cleanly. */
static json_object *params_of(int n, ...)
{
	json_object *a = json_object_new_array();
	va_list ap;
	bool bad = !a;

	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		json_object *v = va_arg(ap, json_object *);

		if (!v || !a)
			bad = true;
		if (a)
			json_object_array_add(a, v);
		else
			json_object_put(v);
	}
	va_end(ap);
	if (bad) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

static int call_quantity(struct rpc *r, const char *method, json_object *params, uint64_t *v,
			 char err[RPC_ERR_MAX])
{
	json_object *res;
	int ret = rpc_call(r, method, params, &res, NULL, err);

	if (ret)
		return ret;
	ret = rpc_get_quantity(res, method, "result", v, err);
	json_object_put(res);
	return ret;
}

int rpc_chain_id(struct rpc *r, uint64_t *id, char err[RPC_ERR_MAX])
{
	return call_quantity(r, "eth_chainId", json_object_new_array(), id, err);
}

int rpc_nonce(struct rpc *r, const uint8_t addr[20], const char *tag, uint64_t *nonce,
	      char err[RPC_ERR_MAX])
{
	return call_quantity(r, "eth_getTransactionCount",
			     params_of(2, hex_string(addr, 20), json_object_new_string(tag)),
			     nonce, err);
}

int rpc_balance(struct rpc *r, const uint8_t addr[20], uint8_t wei[32], char err[RPC_ERR_MAX])
{
	json_object *res;
	int ret = rpc_call(r, "eth_getBalance",
			   params_of(2, hex_string(addr, 20), json_object_new_string("latest")),
			   &res, NULL, err);

	if (ret)
		return ret;
	ret = rpc_get_quantity256(res, "eth_getBalance", "result", wei, err);
	json_object_put(res);
	return ret;
}

int rpc_max_priority_fee(struct rpc *r, uint64_t *fee, char err[RPC_ERR_MAX])
{
	return call_quantity(r, "eth_maxPriorityFeePerGas", json_object_new_array(), fee, err);
}

int rpc_next_base_fee(struct rpc *r, uint64_t *fee, char err[RPC_ERR_MAX])
{
	static const char m[] = "eth_feeHistory";
	json_object *res, *fees;
	char field[48];
	size_t n;
	int ret;

	ret = rpc_call(r, m, params_of(3, json_object_new_string("0x1"),
				       json_object_new_string("latest"), json_object_new_array()),
		       &res, NULL, err);
	if (ret)
		return ret;
	ret = -EPROTO;
	if (!res || !json_object_is_type(res, json_type_object)) {
		snprintf(err, RPC_ERR_MAX, "%s: result: want an object", m);
		goto out;
	}
	fees = member(res, "baseFeePerGas");
	if (!fees || !json_object_is_type(fees, json_type_array) ||
	    !(n = json_object_array_length(fees)) || n > 1025) {
		snprintf(err, RPC_ERR_MAX, "%s: result.baseFeePerGas: want a non-empty array", m);
		goto out;
	}
	/* the last entry is the base fee of the block after the range */
	snprintf(field, sizeof(field), "result.baseFeePerGas[%zu]", n - 1);
	ret = rpc_get_quantity(json_object_array_get_idx(fees, n - 1), m, field, fee, err);
out:
	json_object_put(res);
	return ret;
}

static json_object *call_object(const uint8_t from[20], const uint8_t to[20],
				const uint8_t *data, size_t len, const uint8_t value[32])
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (from)
		json_object_object_add(o, "from", hex_string(from, 20));
	json_object_object_add(o, "to", hex_string(to, 20));
	json_object_object_add(o, "input", hex_string(data, len));
	if (value) {
		size_t i = 0;
		char hex[67];

		while (i < 31 && !value[i])
			i++;
		rpc_hex(value + i, 32 - i, hex);
		/* a quantity: no leading zero digit */
		if (hex[2] == '0' && hex[3])
			memmove(hex + 2, hex + 3, strlen(hex + 3) + 1);
		json_object_object_add(o, "value", json_object_new_string(hex));
	}
	return o;
}

int rpc_estimate_gas(struct rpc *r, const uint8_t from[20], const uint8_t to[20],
		     const uint8_t *data, size_t len, const uint8_t value[32], uint64_t *gas,
		     struct rpc_error *rerr, char err[RPC_ERR_MAX])
{
	json_object *res;
	int ret = rpc_call(r, "eth_estimateGas", params_of(1, call_object(from, to, data, len,
									  value)),
			   &res, rerr, err);

	if (ret)
		return ret;
	ret = rpc_get_quantity(res, "eth_estimateGas", "result", gas, err);
	json_object_put(res);
	return ret;
}

int rpc_eth_call(struct rpc *r, const uint8_t from[20], const uint8_t to[20],
		 const uint8_t *data, size_t len, const uint8_t value[32], const char *block,
		 uint8_t **ret_buf,
		 size_t *ret_len, struct rpc_error *rerr, char err[RPC_ERR_MAX])
{
	json_object *res;
	const char *s;
	size_t max;
	int ret;

	*ret_buf = NULL;
	*ret_len = 0;
	ret = rpc_call(r, "eth_call", params_of(2, call_object(from, to, data, len, value),
						json_object_new_string(block)),
		       &res, rerr, err);
	if (ret)
		return ret;
	s = res && json_object_is_type(res, json_type_string) ? json_object_get_string(res) : "";
	max = strlen(s) / 2 + 1;
	*ret_buf = malloc(max);
	if (!*ret_buf) {
		json_object_put(res);
		return -ENOMEM;
	}
	ret = rpc_get_data(res, "eth_call", "result", *ret_buf, max, ret_len, err);
	json_object_put(res);
	if (ret) {
		free(*ret_buf);
		*ret_buf = NULL;
	}
	return ret;
}

int rpc_send_raw(struct rpc *r, const uint8_t *raw, size_t len, uint8_t hash[32],
		 struct rpc_error *rerr, char err[RPC_ERR_MAX])
{
	json_object *res;
	int ret = rpc_call(r, "eth_sendRawTransaction", params_of(1, hex_string(raw, len)), &res,
			   rerr, err);

	if (ret)
		return ret;
	ret = rpc_get_fixed(res, "eth_sendRawTransaction", "result", hash, 32, err);
	json_object_put(res);
	return ret;
}

int rpc_decode_receipt(json_object *res, struct rpc_receipt *rc, char err[RPC_ERR_MAX])
{
	static const char m[] = "eth_getTransactionReceipt";
	json_object *logs;
	char field[64];
	size_t i, n;
	int ret;

	memset(rc, 0, sizeof(*rc));
	if (!res)
		return 0;
	if (!json_object_is_type(res, json_type_object)) {
		snprintf(err, RPC_ERR_MAX, "%s: result: want an object or null", m);
		return -EPROTO;
	}
	if ((ret = rpc_get_fixed(member(res, "transactionHash"), m, "result.transactionHash",
				 rc->tx_hash, 32, err)) ||
	    (ret = rpc_get_fixed(member(res, "blockHash"), m, "result.blockHash", rc->block_hash,
				 32, err)) ||
	    (ret = rpc_get_quantity(member(res, "blockNumber"), m, "result.blockNumber",
				    &rc->block_number, err)) ||
	    (ret = rpc_get_quantity(member(res, "status"), m, "result.status", &rc->status,
				    err)) ||
	    (ret = rpc_get_quantity(member(res, "gasUsed"), m, "result.gasUsed", &rc->gas_used,
				    err)))
		return ret;
	if (rc->status > 1) {
		snprintf(err, RPC_ERR_MAX, "%s: result.status: %" PRIu64 ", want 0 or 1", m,
			 rc->status);
		return -EPROTO;
	}
	logs = member(res, "logs");
	if (!logs || !json_object_is_type(logs, json_type_array)) {
		snprintf(err, RPC_ERR_MAX, "%s: result.logs: want an array", m);
		return -EPROTO;
	}
	n = json_object_array_length(logs);
	for (i = 0; i < n; i++) {
		json_object *l = json_object_array_get_idx(logs, i), *topics;
		struct rpc_log tmp, *lg = i < RPC_LOGS_MAX ? &rc->logs[i] : &tmp;
		size_t t, nt;

		if (!l || !json_object_is_type(l, json_type_object)) {
			snprintf(err, RPC_ERR_MAX, "%s: result.logs[%zu]: want an object", m, i);
			return -EPROTO;
		}
		snprintf(field, sizeof(field), "result.logs[%zu].address", i);
		ret = rpc_get_fixed(member(l, "address"), m, field, lg->address, 20, err);
		if (ret)
			return ret;
		topics = member(l, "topics");
		if (!topics || !json_object_is_type(topics, json_type_array) ||
		    (nt = json_object_array_length(topics)) > 4) {
			snprintf(err, RPC_ERR_MAX, "%s: result.logs[%zu].topics: want 0 to 4", m, i);
			return -EPROTO;
		}
		for (t = 0; t < nt; t++) {
			snprintf(field, sizeof(field), "result.logs[%zu].topics[%zu]", i, t);
			ret = rpc_get_fixed(json_object_array_get_idx(topics, t), m, field,
					    lg->topics[t], 32, err);
			if (ret)
				return ret;
		}
		lg->n_topics = nt;
	}
	rc->n_logs = n;
	rc->found = true;
	return 0;
}

int rpc_receipt(struct rpc *r, const uint8_t hash[32], struct rpc_receipt *rc,
		char err[RPC_ERR_MAX])
{
	json_object *res;
	int ret = rpc_call(r, "eth_getTransactionReceipt", params_of(1, hex_string(hash, 32)),
			   &res, NULL, err);

	if (ret)
		return ret;
	ret = rpc_decode_receipt(res, rc, err);
	if (!ret && rc->found && memcmp(rc->tx_hash, hash, 32)) {
		snprintf(err, RPC_ERR_MAX,
			 "eth_getTransactionReceipt: result.transactionHash: not the hash asked for");
		ret = -EPROTO;
	}
	json_object_put(res);
	return ret;
}

int rpc_decode_block(json_object *res, struct rpc_block *b, char err[RPC_ERR_MAX])
{
	static const char m[] = "eth_getBlockByNumber";
	json_object *fee;
	int ret;

	memset(b, 0, sizeof(*b));
	if (!res || !json_object_is_type(res, json_type_object)) {
		snprintf(err, RPC_ERR_MAX, "%s: result: want a block object", m);
		return -EPROTO;
	}
	if ((ret = rpc_get_quantity(member(res, "number"), m, "result.number", &b->number, err)) ||
	    (ret = rpc_get_fixed(member(res, "hash"), m, "result.hash", b->hash, 32, err)))
		return ret;
	fee = member(res, "baseFeePerGas");
	if (fee) {
		ret = rpc_get_quantity(fee, m, "result.baseFeePerGas", &b->base_fee, err);
		if (ret)
			return ret;
		b->has_base_fee = true;
	}
	return 0;
}

int rpc_latest_block(struct rpc *r, struct rpc_block *b, char err[RPC_ERR_MAX])
{
	json_object *res;
	int ret = rpc_call(r, "eth_getBlockByNumber",
			   params_of(2, json_object_new_string("latest"), json_object_new_boolean(0)),
			   &res, NULL, err);

	if (ret)
		return ret;
	ret = rpc_decode_block(res, b, err);
	json_object_put(res);
	return ret;
}
