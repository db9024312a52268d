/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ethereum JSON-RPC 2.0 over HTTP(S) (libcurl, json-c).
 *
 * Every reply is untrusted: it must be a JSON object with "jsonrpc": "2.0",
 * our id, and exactly one of "result" and "error"; each field is checked
 * for type and form (a quantity is "0x" and 1 to 16 or 64 hex digits with
 * no leading zero; data is "0x" and an even number of hex digits, of the
 * exact size where one is fixed).  An error names the method and the field:
 * "eth_getTransactionReceipt: result.blockNumber: '0x01': leading zero".
 *
 * Return values: 0; -EIO the node could not be reached or timed out (retry
 * later); -EPROTO the reply is malformed; -EREMOTEIO the node answered with
 * a JSON-RPC error (struct rpc_error: code, message, and data such as the
 * revert bytes of eth_call and eth_estimateGas).
 */
#ifndef VINFER_RPC_H
#define VINFER_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define RPC_ERR_MAX		384
#define RPC_REPLY_MAX		(4 << 20)
#define RPC_ERROR_DATA_MAX	1024
#define RPC_LOGS_MAX		8
#define RPC_CONNECT_MS		3000
#define RPC_TOTAL_MS		10000

struct rpc {
	void *curl;		/* CURL * */
	void *headers;		/* struct curl_slist * */
	char *url;
	long connect_ms, total_ms;
	uint64_t next_id;
};

struct rpc_error {
	int64_t code;
	char message[160];
	uint8_t data[RPC_ERROR_DATA_MAX];
	size_t data_len;
	bool has_data;
};

struct rpc_log {
	uint8_t address[20];
	uint8_t topics[4][32];
	size_t n_topics;
};

struct rpc_receipt {
	bool found;		/* false: no receipt (null), the rest unset */
	uint8_t tx_hash[32];
	uint8_t block_hash[32];
	uint64_t block_number;
	uint64_t status;	/* 1 success, 0 reverted */
	uint64_t gas_used;
	size_t n_logs;		/* all logs; the first RPC_LOGS_MAX are kept */
	struct rpc_log logs[RPC_LOGS_MAX];
};

struct rpc_block {
	uint64_t number;
	uint8_t hash[32];
	bool has_base_fee;
	uint64_t base_fee;
};

/* connect_ms / total_ms 0 take RPC_CONNECT_MS / RPC_TOTAL_MS. */
int rpc_open(struct rpc *r, const char *url, long connect_ms, long total_ms,
	     char err[RPC_ERR_MAX]);
void rpc_close(struct rpc *r);

/*
 * One call.  params (an array) is consumed.  On 0, *result is the reply's
 * result (a new reference; NULL when it was JSON null).
 */
int rpc_call(struct rpc *r, const char *method, json_object *params, json_object **result,
	     struct rpc_error *rerr, char err[RPC_ERR_MAX]);

/* The strict reply parser rpc_call() uses (fuzzed: tests/unit/rpc_fuzz.c). */
int rpc_parse_reply(const char *buf, size_t len, uint64_t id, const char *method,
		    json_object **result, struct rpc_error *rerr, char err[RPC_ERR_MAX]);

/* Field decoders: "field" names the value in messages ("result.status"). */
int rpc_get_quantity(json_object *v, const char *method, const char *field, uint64_t *out,
		     char err[RPC_ERR_MAX]);
int rpc_get_quantity256(json_object *v, const char *method, const char *field,
			uint8_t out[32], char err[RPC_ERR_MAX]);
int rpc_get_data(json_object *v, const char *method, const char *field, uint8_t *out,
		 size_t max, size_t *len, char err[RPC_ERR_MAX]);
int rpc_get_fixed(json_object *v, const char *method, const char *field, uint8_t *out,
		  size_t n, char err[RPC_ERR_MAX]);
/* result of eth_getTransactionReceipt (NULL: not found) and eth_getBlockByNumber. */
int rpc_decode_receipt(json_object *result, struct rpc_receipt *rc, char err[RPC_ERR_MAX]);
int rpc_decode_block(json_object *result, struct rpc_block *b, char err[RPC_ERR_MAX]);

/* The methods vinfer uses. */
int rpc_chain_id(struct rpc *r, uint64_t *id, char err[RPC_ERR_MAX]);
/* tag: "latest" or "pending" */
int rpc_nonce(struct rpc *r, const uint8_t addr[20], const char *tag, uint64_t *nonce,
	      char err[RPC_ERR_MAX]);
int rpc_balance(struct rpc *r, const uint8_t addr[20], uint8_t wei[32], char err[RPC_ERR_MAX]);
/* The base fee of the next block (eth_feeHistory over the latest block). */
int rpc_next_base_fee(struct rpc *r, uint64_t *fee, char err[RPC_ERR_MAX]);
int rpc_max_priority_fee(struct rpc *r, uint64_t *fee, char err[RPC_ERR_MAX]);
int rpc_estimate_gas(struct rpc *r, const uint8_t from[20], const uint8_t to[20],
		     const uint8_t *data, size_t len, const uint8_t value[32], uint64_t *gas,
		     struct rpc_error *rerr, char err[RPC_ERR_MAX]);
/*
 * *ret malloc'ed; a revert is -EREMOTEIO with the revert bytes in rerr->data.
 * from and value (wei, big-endian) may be NULL.
 */
int rpc_eth_call(struct rpc *r, const uint8_t from[20], const uint8_t to[20],
		 const uint8_t *data, size_t len, const uint8_t value[32], const char *block,
		 uint8_t **ret,
		 size_t *ret_len, struct rpc_error *rerr, char err[RPC_ERR_MAX]);
int rpc_send_raw(struct rpc *r, const uint8_t *raw, size_t len, uint8_t hash[32],
		 struct rpc_error *rerr, char err[RPC_ERR_MAX]);
int rpc_receipt(struct rpc *r, const uint8_t hash[32], struct rpc_receipt *rc,
		char err[RPC_ERR_MAX]);
int rpc_latest_block(struct rpc *r, struct rpc_block *b, char err[RPC_ERR_MAX]);

/* "0x" + lowercase hex; out must hold 2 * len + 3. */
void rpc_hex(const uint8_t *b, size_t len, char *out);

#endif
