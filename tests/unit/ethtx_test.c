// SPDX-License-Identifier: GPL-2.0
/*
 * Transactions (lib/ethtx.c): EIP-155's published example (signing hash and
 * raw transaction), a type-2 transaction decoded field by field whose
 * signature recovers to the signer, and EIP-55 addresses.
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

#include "ethtx.h"
#include "keccak.h"
#include "rlp.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void one_ether(uint8_t v[32])
{
	uint64_t wei = 1000000000000000000ULL;

	memset(v, 0, 32);
	for (int i = 0; i < 8; i++)
		v[31 - i] = (uint8_t)(wei >> (8 * i));
}

/* EIP-155, "Example": the published signing hash and signed transaction. */
static void test_eip155(void **state)
{
	static const char raw_want[] =
		"f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7"
		"6400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a0"
		"67cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83";
	struct ethtx tx = { .chain_id = 1, .nonce = 9, .gas_price = 20000000000ULL,
			    .gas = 21000, .has_to = true };
	struct ethtx_signed s;
	uint8_t key[32], addr[20];
	char err[ETHTX_ERR_MAX], got[512];

	(void)state;
	memset(key, 0x46, sizeof(key));
	memset(tx.to, 0x35, sizeof(tx.to));
	one_ether(tx.value);
	assert_int_equal(ethtx_sign_legacy(&tx, key, &s, err), 0);
	hex(s.sighash, 32, got);
	assert_string_equal(got, "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
	hex(s.raw, s.raw_len, got);
	assert_string_equal(got, raw_want);
	assert_int_equal(ethtx_recover(s.sighash, s.r, s.s, s.y_parity, addr, err), 0);
	{
		uint8_t mine[20];

		assert_int_equal(ethtx_address(key, mine, err), 0);
		assert_memory_equal(addr, mine, 20);
	}
	ethtx_signed_free(&s);
}

static uint64_t next_uint(const uint8_t *base, const uint8_t **p, size_t *left)
{
	struct rlp_item it;
	char err[RLP_ERR_MAX];
	uint64_t v;

	assert_int_equal(rlp_next(base, p, left, &it, err), 0);
	assert_int_equal(rlp_item_uint(&it, &v, err), 0);
	return v;
}

static void test_1559(void **state)
{
	static const uint8_t data[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01 };
	struct ethtx tx = { .chain_id = 31337, .nonce = 5, .max_priority_fee = 1000000000,
			    .max_fee = 3000000000ULL, .gas = 100000, .has_to = true,
			    .data = data, .data_len = sizeof(data) };
	struct ethtx_signed s;
	struct rlp_item list, it;
	uint8_t key[32], addr[20], mine[20], h[32];
	const uint8_t *p;
	size_t left;
	char err[ETHTX_ERR_MAX];

	(void)state;
	memset(key, 0x46, sizeof(key));
	memset(tx.to, 0xab, sizeof(tx.to));
	one_ether(tx.value);
	assert_int_equal(ethtx_sign_1559(&tx, key, &s, err), 0);
	assert_int_equal(s.raw[0], 0x02);
	keccak256(s.raw, s.raw_len, h);
	assert_memory_equal(h, s.hash, 32);

	p = s.raw + 1;
	left = s.raw_len - 1;
	assert_int_equal(rlp_next(s.raw, &p, &left, &list, err), 0);
	assert_true(list.list);
	assert_int_equal(left, 0);
	p = list.payload;
	left = list.len;
	assert_int_equal(next_uint(s.raw, &p, &left), 31337);
	assert_int_equal(next_uint(s.raw, &p, &left), 5);
	assert_int_equal(next_uint(s.raw, &p, &left), 1000000000);
	assert_int_equal(next_uint(s.raw, &p, &left), 3000000000ULL);
	assert_int_equal(next_uint(s.raw, &p, &left), 100000);
	assert_int_equal(rlp_next(s.raw, &p, &left, &it, err), 0);
	assert_int_equal(it.len, 20);
	assert_memory_equal(it.payload, tx.to, 20);
	assert_int_equal(next_uint(s.raw, &p, &left), 1000000000000000000ULL);
	assert_int_equal(rlp_next(s.raw, &p, &left, &it, err), 0);
	assert_int_equal(it.len, sizeof(data));
	assert_memory_equal(it.payload, data, sizeof(data));
	assert_int_equal(rlp_next(s.raw, &p, &left, &it, err), 0);
	assert_true(it.list);
	assert_int_equal(it.len, 0);
	assert_int_equal(next_uint(s.raw, &p, &left), (uint64_t)s.y_parity);
	assert_int_equal(rlp_next(s.raw, &p, &left, &it, err), 0);	/* r */
	assert_int_equal(rlp_next(s.raw, &p, &left, &it, err), 0);	/* s */
	assert_int_equal(left, 0);

	/* the signing hash is keccak(0x02 || rlp(first nine fields)) */
	{
		struct rlp_buf b;
		size_t m;

		rlp_init(&b);
		m = rlp_list_begin(&b);
		rlp_put_uint(&b, 31337);
		rlp_put_uint(&b, 5);
		rlp_put_uint(&b, 1000000000);
		rlp_put_uint(&b, 3000000000ULL);
		rlp_put_uint(&b, 100000);
		rlp_put_bytes(&b, tx.to, 20);
		rlp_put_uint256(&b, tx.value);
		rlp_put_bytes(&b, data, sizeof(data));
		rlp_list_end(&b, rlp_list_begin(&b));
		rlp_list_end(&b, m);
		{
			struct keccak256 k;
			uint8_t t = 2;

			keccak256_init(&k);
			keccak256_update(&k, &t, 1);
			keccak256_update(&k, b.data, b.len);
			keccak256_final(&k, h);
		}
		rlp_free(&b);
		assert_memory_equal(h, s.sighash, 32);
	}
	assert_int_equal(ethtx_recover(s.sighash, s.r, s.s, s.y_parity, addr, err), 0);
	assert_int_equal(ethtx_address(key, mine, err), 0);
	assert_memory_equal(addr, mine, 20);
	/* a tampered hash recovers someone else */
	s.sighash[0] ^= 1;
	if (!ethtx_recover(s.sighash, s.r, s.s, s.y_parity, addr, err))
		assert_memory_not_equal(addr, mine, 20);
	ethtx_signed_free(&s);

	/* a tip above the fee cap is refused */
	tx.max_priority_fee = tx.max_fee + 1;
	assert_int_equal(ethtx_sign_1559(&tx, key, &s, err), -EINVAL);
	assert_non_null(strstr(err, "maxPriorityFeePerGas"));
	/* the zero key is no key */
	memset(key, 0, sizeof(key));
	tx.max_priority_fee = 1;
	assert_int_equal(ethtx_sign_1559(&tx, key, &s, err), -EINVAL);
}

static void test_addresses(void **state)
{
	uint8_t key[32], addr[20], parsed[20];
	char str[43], err[ETHTX_ERR_MAX];

	(void)state;
	/* Hardhat/anvil's well-known first development key and its address */
	for (int i = 0; i < 32; i++)
		sscanf("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80" + 2 * i,
		       "%2hhx", &key[i]);
	assert_int_equal(ethtx_address(key, addr, err), 0);
	ethtx_address_str(addr, str);
	assert_string_equal(str, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
	assert_int_equal(ethtx_address_parse(str, parsed, err), 0);
	assert_memory_equal(parsed, addr, 20);
	assert_int_equal(ethtx_address_parse("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
					     parsed, err), 0);
	assert_memory_equal(parsed, addr, 20);
	/* one flipped case breaks the checksum */
	assert_int_equal(ethtx_address_parse("0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
					     parsed, err), -EINVAL);
	assert_non_null(strstr(err, "checksum"));
	assert_int_equal(ethtx_address_parse("0xf39fd6", parsed, err), -EINVAL);
	assert_int_equal(ethtx_address_parse("0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266",
					     parsed, err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eip155),
		cmocka_unit_test(test_1559),
		cmocka_unit_test(test_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
