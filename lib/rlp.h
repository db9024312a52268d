/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recursive Length Prefix (Ethereum Yellow Paper, appendix B).
 *
 * Encoding appends to a growing buffer; a list is opened with
 * rlp_list_begin() and closed with rlp_list_end(), which inserts the list's
 * header in front of its payload.  An allocation failure is remembered and
 * reported once by rlp_finish(), so callers need not check every append.
 *
 * Decoding is strict: only the canonical encoding is accepted (a single byte
 * below 0x80 must stand alone, short forms where they fit, no leading zero
 * in a length), so one value has exactly one encoding.
 */
#ifndef VINFER_RLP_H
#define VINFER_RLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RLP_ERR_MAX 128

struct rlp_buf {
	uint8_t *data;
	size_t len, cap;
	bool oom;
};

void rlp_init(struct rlp_buf *b);
void rlp_free(struct rlp_buf *b);
/* 0 or -ENOMEM when any append since rlp_init() failed. */
int rlp_finish(struct rlp_buf *b);

void rlp_put_bytes(struct rlp_buf *b, const void *data, size_t len);
/* Integers are big-endian with no leading zero bytes; 0 is the empty string. */
void rlp_put_uint(struct rlp_buf *b, uint64_t v);
void rlp_put_uint256(struct rlp_buf *b, const uint8_t be[32]);
size_t rlp_list_begin(struct rlp_buf *b);
void rlp_list_end(struct rlp_buf *b, size_t mark);

struct rlp_item {
	bool list;
	const uint8_t *payload;
	size_t len;
};

/*
 * Decodes the item at *p (within *left bytes) and advances past it.
 * Returns 0, or -EINVAL with err saying what is wrong and at which offset
 * from base.
 */
int rlp_next(const uint8_t *base, const uint8_t **p, size_t *left, struct rlp_item *it,
	     char err[RLP_ERR_MAX]);
/* An item that must be a string of at most 8 bytes read as an integer. */
int rlp_item_uint(const struct rlp_item *it, uint64_t *v, char err[RLP_ERR_MAX]);

#endif
