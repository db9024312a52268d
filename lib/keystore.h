/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Web3 Secret Storage v3 key files (the format of geth, cast and most
 * wallets): the private key encrypted with aes-128-ctr under a key derived
 * from a password by scrypt or PBKDF2-HMAC-SHA256, authenticated by
 * MAC = keccak256(derivedKey[16:32] || ciphertext).
 *
 * Key and password files must be readable by their owner only; the reader
 * refuses others.  Every secret buffer is wiped with OPENSSL_cleanse().
 */
#ifndef VINFER_KEYSTORE_H
#define VINFER_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#define KEYSTORE_ERR_MAX 320

enum keystore_kdf_type {
	KEYSTORE_SCRYPT,
	KEYSTORE_PBKDF2,
};

struct keystore_kdf {
	enum keystore_kdf_type type;
	uint64_t n;		/* scrypt: cost, a power of two */
	uint32_t r, p;		/* scrypt */
	uint32_t c;		/* pbkdf2: iterations */
};

/* scrypt n = 2^17, r = 8, p = 1: 128 MiB, about a second. */
extern const struct keystore_kdf keystore_kdf_default;

/*
 * Decrypts path with password; writes the private key and its address.
 * The MAC is compared in constant time; a wrong password is reported as a
 * MAC mismatch.  An "address" field, when present, must match the key.
 */
int keystore_read(const char *path, const char *password, size_t password_len,
		  uint8_t key[32], uint8_t addr[20], char err[KEYSTORE_ERR_MAX]);

/* Writes a new key file (mode 0600); refuses to replace an existing one. */
int keystore_write(const char *path, const uint8_t key[32], const char *password,
		   size_t password_len, const struct keystore_kdf *kdf,
		   char err[KEYSTORE_ERR_MAX]);

/*
 * Reads a password file (owner-only), without one trailing newline.
 * *password is malloc'ed; release it with keystore_password_free().
 */
int keystore_password_read(const char *path, char **password, size_t *len,
			   char err[KEYSTORE_ERR_MAX]);
void keystore_password_free(char *password, size_t len);

#endif
