// SPDX-License-Identifier: GPL-2.0
/*
 * RLP encoder and strict decoder (see rlp.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rlp.h"

void rlp_init(struct rlp_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void rlp_free(struct rlp_buf *b)
{
	free(b->data);
	rlp_init(b);
}

int rlp_finish(struct rlp_buf *b)
{
	return b->oom ? -ENOMEM : 0;
}

static bool reserve(struct rlp_buf *b, size_t more)
{
	size_t cap;
	uint8_t *n;

	if (b->oom)
		return false;
	if (b->len + more <= b->cap)
		return true;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + more)
		cap *= 2;
	n = realloc(b->data, cap);
	if (!n) {
		b->oom = true;
		return false;
	}
	b->data = n;
	b->cap = cap;
	return true;
}

/* Writes the header for a payload of len bytes into hdr; returns its size. */
static size_t header(uint8_t hdr[9], uint8_t short_base, size_t len)
{
	size_t n = 0, i;
	size_t v;

	if (len < 56) {
		hdr[0] = (uint8_t)(short_base + len);
		return 1;
	}
	for (v = len; v; v >>= 8)
		n++;
	hdr[0] = (uint8_t)(short_base + 55 + n);
	for (i = 0; i < n; i++)
		hdr[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
	return 1 + n;
}

void rlp_put_bytes(struct rlp_buf *b, const void *data, size_t len)
{
	uint8_t hdr[9];
	size_t h;

	if (len == 1 && *(const uint8_t *)data < 0x80) {
		if (reserve(b, 1))
			b->data[b->len++] = *(const uint8_t *)data;
		return;
	}
	h = header(hdr, 0x80, len);
	if (!reserve(b, h + len))
		return;
	memcpy(b->data + b->len, hdr, h);
	if (len)
		memcpy(b->data + b->len + h, data, len);
	b->len += h + len;
}

void rlp_put_uint(struct rlp_buf *b, uint64_t v)
{
	uint8_t be[8];
	unsigned n = 0, i;

	for (i = 0; i < 8; i++)
		be[i] = (uint8_t)(v >> (56 - 8 * i));
	while (n < 8 && !be[n])
		n++;
	rlp_put_bytes(b, be + n, 8 - n);
}

void rlp_put_uint256(struct rlp_buf *b, const uint8_t be[32])
{
	unsigned n = 0;

	while (n < 32 && !be[n])
		n++;
	rlp_put_bytes(b, be + n, 32 - n);
}

size_t rlp_list_begin(struct rlp_buf *b)
{
	return b->len;
}

void rlp_list_end(struct rlp_buf *b, size_t mark)
{
	uint8_t hdr[9];
	size_t h, len;

	if (b->oom || mark > b->len)
		return;
	len = b->len - mark;
	h = header(hdr, 0xc0, len);
	if (!reserve(b, h))
		return;
	memmove(b->data + mark + h, b->data + mark, len);
	memcpy(b->data + mark, hdr, h);
	b->len += h;
}

int rlp_next(const uint8_t *base, const uint8_t **p, size_t *left, struct rlp_item *it,
	     char err[RLP_ERR_MAX])
{
	const uint8_t *q = *p;
	size_t off = (size_t)(q - base), n, len = 0, h, i;
	uint8_t b0;

	if (!*left) {
		snprintf(err, RLP_ERR_MAX, "rlp: offset %zu: no item", off);
		return -EINVAL;
	}
	b0 = q[0];
	if (b0 < 0x80) {
		it->list = false;
		it->payload = q;
		it->len = 1;
		h = 0;
		len = 1;
	} else if (b0 < 0xb8 || (b0 >= 0xc0 && b0 < 0xf8)) {
		it->list = b0 >= 0xc0;
		len = b0 - (it->list ? 0xc0 : 0x80);
		h = 1;
		if (!it->list && len == 1 && *left >= 2 && q[1] < 0x80) {
			snprintf(err, RLP_ERR_MAX,
				 "rlp: offset %zu: byte 0x%02x must be encoded as itself", off, q[1]);
			return -EINVAL;
		}
	} else {
		it->list = b0 >= 0xf8;
		n = b0 - (it->list ? 0xf7 : 0xb7);
		if (*left < 1 + n) {
			snprintf(err, RLP_ERR_MAX, "rlp: offset %zu: length of %zu bytes truncated",
				 off, n);
			return -EINVAL;
		}
		if (n > sizeof(size_t) || q[1] == 0) {
			snprintf(err, RLP_ERR_MAX, "rlp: offset %zu: non-canonical length field",
				 off);
			return -EINVAL;
		}
		for (i = 0; i < n; i++)
			len = (len << 8) | q[1 + i];
		if (len < 56) {
			snprintf(err, RLP_ERR_MAX,
				 "rlp: offset %zu: long form for a length of %zu", off, len);
			return -EINVAL;
		}
		h = 1 + n;
	}
	if (len > *left - h) {
		snprintf(err, RLP_ERR_MAX, "rlp: offset %zu: %zu bytes of payload, %zu left",
			 off, len, *left - h);
		return -EINVAL;
	}
	if (h)
		it->payload = q + h;
	it->len = len;
	*p = q + h + len;
	*left -= h + len;
	return 0;
}

int rlp_item_uint(const struct rlp_item *it, uint64_t *v, char err[RLP_ERR_MAX])
{
	size_t i;

	if (it->list || it->len > 8 || (it->len && it->payload[0] == 0)) {
		snprintf(err, RLP_ERR_MAX, "rlp: not a canonical integer of at most 64 bits");
		return -EINVAL;
	}
	*v = 0;
	for (i = 0; i < it->len; i++)
		*v = (*v << 8) | it->payload[i];
	return 0;
}
