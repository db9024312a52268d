// SPDX-License-Identifier: GPL-2.0
/*
 * RLP (lib/rlp.c): the examples of the Ethereum RLP specification encode to
 * the published bytes and decode back; non-canonical encodings are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rlp.h"

static void unhex(const char *s, uint8_t *out, size_t *len)
{
	*len = strlen(s) / 2;
	for (size_t i = 0; i < *len; i++)
		sscanf(s + 2 * i, "%2hhx", &out[i]);
}

static void expect(struct rlp_buf *b, const char *want_hex)
{
	uint8_t want[128];
	size_t n;

	unhex(want_hex, want, &n);
	assert_int_equal(rlp_finish(b), 0);
	assert_int_equal(b->len, n);
	assert_memory_equal(b->data, want, n);
	rlp_free(b);
}

static void test_strings(void **state)
{
	static const char lorem[] = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
	struct rlp_buf b;
	uint8_t zero = 0, fifteen = 0x0f;

	(void)state;
	rlp_init(&b);
	rlp_put_bytes(&b, "dog", 3);
	expect(&b, "83646f67");
	rlp_init(&b);
	rlp_put_bytes(&b, "", 0);
	expect(&b, "80");
	rlp_init(&b);
	rlp_put_bytes(&b, &zero, 1);
	expect(&b, "00");
	rlp_init(&b);
	rlp_put_bytes(&b, &fifteen, 1);
	expect(&b, "0f");
	rlp_init(&b);
	rlp_put_bytes(&b, lorem, strlen(lorem));
	assert_int_equal(b.len, 58);
	assert_int_equal(b.data[0], 0xb8);
	assert_int_equal(b.data[1], 0x38);
	assert_memory_equal(b.data + 2, lorem, 56);
	rlp_free(&b);
}

static const struct {
	uint64_t v;
	const char *hex;
} ints[] = {
	{ 0, "80" }, { 1, "01" }, { 15, "0f" }, { 127, "7f" }, { 128, "8180" },
	{ 1024, "820400" }, { 0xffffffffffffffffULL, "88ffffffffffffffff" },
};

static void test_integers(void **state)
{
	struct rlp_buf b;
	uint8_t big[32] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		rlp_init(&b);
		rlp_put_uint(&b, ints[i].v);
		expect(&b, ints[i].hex);
	}
	big[30] = 0x04;
	rlp_init(&b);
	rlp_put_uint256(&b, big);
	expect(&b, "820400");
	memset(big, 0, sizeof(big));
	rlp_init(&b);
	rlp_put_uint256(&b, big);
	expect(&b, "80");
}

static void test_lists(void **state)
{
	struct rlp_buf b;
	size_t l0, l1, l2;

	(void)state;
	rlp_init(&b);
	l0 = rlp_list_begin(&b);
	rlp_put_bytes(&b, "cat", 3);
	rlp_put_bytes(&b, "dog", 3);
	rlp_list_end(&b, l0);
	expect(&b, "c88363617483646f67");

	rlp_init(&b);
	rlp_list_end(&b, rlp_list_begin(&b));
	expect(&b, "c0");

	/* the set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ] */
	rlp_init(&b);
	l0 = rlp_list_begin(&b);
	rlp_list_end(&b, rlp_list_begin(&b));
	l1 = rlp_list_begin(&b);
	rlp_list_end(&b, rlp_list_begin(&b));
	rlp_list_end(&b, l1);
	l1 = rlp_list_begin(&b);
	rlp_list_end(&b, rlp_list_begin(&b));
	l2 = rlp_list_begin(&b);
	rlp_list_end(&b, rlp_list_begin(&b));
	rlp_list_end(&b, l2);
	rlp_list_end(&b, l1);
	rlp_list_end(&b, l0);
	expect(&b, "c7c0c1c0c3c0c1c0");

	/* a list longer than 55 bytes takes the long header */
	rlp_init(&b);
	l0 = rlp_list_begin(&b);
	for (int i = 0; i < 20; i++)
		rlp_put_bytes(&b, "dog", 3);
	rlp_list_end(&b, l0);
	assert_int_equal(b.len, 82);
	assert_int_equal(b.data[0], 0xf8);
	assert_int_equal(b.data[1], 80);
	rlp_free(&b);
}

static void test_decode(void **state)
{
	uint8_t buf[64];
	const uint8_t *p;
	struct rlp_item it, in;
	size_t n, left;
	char err[RLP_ERR_MAX];
	uint64_t v;

	(void)state;
	unhex("c88363617483646f67", buf, &n);
	p = buf;
	left = n;
	assert_int_equal(rlp_next(buf, &p, &left, &it, err), 0);
	assert_true(it.list);
	assert_int_equal(left, 0);
	p = it.payload;
	left = it.len;
	assert_int_equal(rlp_next(buf, &p, &left, &in, err), 0);
	assert_false(in.list);
	assert_int_equal(in.len, 3);
	assert_memory_equal(in.payload, "cat", 3);
	assert_int_equal(rlp_next(buf, &p, &left, &in, err), 0);
	assert_memory_equal(in.payload, "dog", 3);
	assert_int_equal(rlp_next(buf, &p, &left, &in, err), -EINVAL);

	unhex("820400", buf, &n);
	p = buf;
	left = n;
	assert_int_equal(rlp_next(buf, &p, &left, &it, err), 0);
	assert_int_equal(rlp_item_uint(&it, &v, err), 0);
	assert_int_equal(v, 1024);
}

/* Encodings that a strict decoder must refuse, and why. */
static const char *const bad[] = {
	"8105",			/* a byte below 0x80 must stand alone */
	"b803646f67",		/* long form for a 3-byte string */
	"b9000100",		/* leading zero in the length */
	"83646f",		/* payload truncated */
	"f9",			/* length field truncated */
	"",			/* nothing */
};

static void test_decode_bad(void **state)
{
	uint8_t buf[64];
	const uint8_t *p;
	struct rlp_item it;
	size_t n, left;
	char err[RLP_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unhex(bad[i], buf, &n);
		p = buf;
		left = n;
		err[0] = 0;
		assert_int_equal(rlp_next(buf, &p, &left, &it, err), -EINVAL);
		assert_non_null(strstr(err, "rlp: "));
	}
	/* an integer with a leading zero byte */
	unhex("820004", buf, &n);
	p = buf;
	left = n;
	assert_int_equal(rlp_next(buf, &p, &left, &it, err), 0);
	{
		uint64_t v;

		assert_int_equal(rlp_item_uint(&it, &v, err), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
