// SPDX-License-Identifier: GPL-2.0
/*
 * Web3 Secret Storage v3 (see keystore.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ethtx.h"
#include "keccak.h"
#include "keystore.h"

#define KEYSTORE_FILE_MAX	(64 * 1024)
#define SCRYPT_MEM_MAX		(1ULL << 30)
#define PBKDF2_ITER_MAX		10000000U
#define SALT_MAX		1024

const struct keystore_kdf keystore_kdf_default = {
	.type = KEYSTORE_SCRYPT, .n = 1ULL << 17, .r = 8, .p = 1,
};

/* Reads a whole owner-only file; *buf is NUL-terminated, the caller wipes it. */
static int read_private(const char *what, const char *path, char **buf, size_t *len,
			char err[KEYSTORE_ERR_MAX])
{
	struct stat st;
	ssize_t got;
	size_t n = 0;
	char *b;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, KEYSTORE_ERR_MAX, "%s %s: %s", what, path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, KEYSTORE_ERR_MAX, "%s %s: not a regular file", what, path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, KEYSTORE_ERR_MAX,
			 "%s %s: mode %04o gives group/others access; chmod 600 it", what, path,
			 (unsigned)(st.st_mode & 07777));
		close(fd);
		return -EPERM;
	}
	if (st.st_size > KEYSTORE_FILE_MAX) {
		snprintf(err, KEYSTORE_ERR_MAX, "%s %s: %lld bytes, at most %d", what, path,
			 (long long)st.st_size, KEYSTORE_FILE_MAX);
		close(fd);
		return -EFBIG;
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		close(fd);
		snprintf(err, KEYSTORE_ERR_MAX, "%s %s: out of memory", what, path);
		return -ENOMEM;
	}
	while (n < (size_t)st.st_size) {
		got = read(fd, b + n, (size_t)st.st_size - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (n != (size_t)st.st_size) {
		OPENSSL_cleanse(b, n);
		free(b);
		snprintf(err, KEYSTORE_ERR_MAX, "%s %s: short read", what, path);
		return -EIO;
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

int keystore_password_read(const char *path, char **password, size_t *len,
			   char err[KEYSTORE_ERR_MAX])
{
	int ret = read_private("password file", path, password, len, err);

	if (ret)
		return ret;
	if (*len && (*password)[*len - 1] == '\n')
		(*password)[--*len] = 0;
	if (*len && (*password)[*len - 1] == '\r')
		(*password)[--*len] = 0;
	return 0;
}

void keystore_password_free(char *password, size_t len)
{
	if (!password)
		return;
	OPENSSL_cleanse(password, len);
	free(password);
}

static int unhex(const char *field, const char *s, uint8_t *out, size_t min, size_t max,
		 size_t *len, char err[KEYSTORE_ERR_MAX])
{
	size_t n = strlen(s), i;

	if (n % 2 || n / 2 < min || n / 2 > max)
		goto bad;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (v < 0)
			goto bad;
		if (i % 2)
			out[i / 2] |= (uint8_t)v;
		else
			out[i / 2] = (uint8_t)(v << 4);
	}
	if (len)
		*len = n / 2;
	return 0;
bad:
	if (min == max)
		snprintf(err, KEYSTORE_ERR_MAX, "%s: '%.40s': want %zu bytes of hex", field, s,
			 min);
	else
		snprintf(err, KEYSTORE_ERR_MAX, "%s: '%.40s': want %zu to %zu bytes of hex",
			 field, s, min, max);
	return -EINVAL;
}

static void tohex(const uint8_t *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = 0;
}

static json_object *get(json_object *o, const char *name, json_type type, const char *path,
			char err[KEYSTORE_ERR_MAX])
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !v) {
		snprintf(err, KEYSTORE_ERR_MAX, "keystore: %s%s: missing", path, name);
		return NULL;
	}
	if (!json_object_is_type(v, type)) {
		snprintf(err, KEYSTORE_ERR_MAX, "keystore: %s%s: want %s, got %s", path, name,
			 json_type_to_name(type), json_type_to_name(json_object_get_type(v)));
		return NULL;
	}
	return v;
}

static int get_uint(json_object *o, const char *name, const char *path, uint64_t lo,
		    uint64_t hi, uint64_t *v, char err[KEYSTORE_ERR_MAX])
{
	json_object *j = get(o, name, json_type_int, path, err);
	int64_t x;

	if (!j)
		return -EINVAL;
	errno = 0;
	x = json_object_get_int64(j);
	if (errno || x < 0 || (uint64_t)x < lo || (uint64_t)x > hi) {
		snprintf(err, KEYSTORE_ERR_MAX, "keystore: %s%s: %lld, want %llu to %llu", path,
			 name, (long long)x, (unsigned long long)lo, (unsigned long long)hi);
		return -EINVAL;
	}
	*v = (uint64_t)x;
	return 0;
}

static int derive(const struct keystore_kdf *kdf, const char *pw, size_t pwlen,
		  const uint8_t *salt, size_t salt_len, uint8_t dk[32], char err[KEYSTORE_ERR_MAX])
{
	uint64_t mem;

	if (kdf->type == KEYSTORE_PBKDF2) {
		if (!PKCS5_PBKDF2_HMAC(pw, (int)pwlen, salt, (int)salt_len, (int)kdf->c,
				       EVP_sha256(), 32, dk)) {
			snprintf(err, KEYSTORE_ERR_MAX, "keystore: pbkdf2 failed");
			return -EINVAL;
		}
		return 0;
	}
	/* OpenSSL's accounting: p * 128 * r for B, 128 * r * (n + 2) for V */
	mem = (uint64_t)kdf->p * 128 * kdf->r + 128ULL * kdf->r * (kdf->n + 2) + 65536;
	if (mem > SCRYPT_MEM_MAX) {
		snprintf(err, KEYSTORE_ERR_MAX,
			 "keystore: scrypt n=%llu r=%u p=%u needs %llu MiB, at most %llu",
			 (unsigned long long)kdf->n, kdf->r, kdf->p,
			 (unsigned long long)(mem >> 20), SCRYPT_MEM_MAX >> 20);
		return -EINVAL;
	}
	/* RFC 7914 asks n < 2^(128 r / 8); OpenSSL enforces it */
	if (kdf->r < 4 && kdf->n >= (1ULL << (16 * kdf->r))) {
		snprintf(err, KEYSTORE_ERR_MAX,
			 "keystore: scrypt n=%llu r=%u: n must be below 2^(16 r) (RFC 7914)",
			 (unsigned long long)kdf->n, kdf->r);
		return -EINVAL;
	}
	if (!EVP_PBE_scrypt(pw, pwlen, salt, salt_len, kdf->n, kdf->r, kdf->p, mem, dk, 32)) {
		snprintf(err, KEYSTORE_ERR_MAX, "keystore: scrypt n=%llu r=%u p=%u failed",
			 (unsigned long long)kdf->n, kdf->r, kdf->p);
		return -EINVAL;
	}
	return 0;
}

static int aes128ctr(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in,
		     uint8_t *out, size_t len, char err[KEYSTORE_ERR_MAX])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, ok;

	ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv) &&
	     EVP_EncryptUpdate(c, out, &l1, in, (int)len) &&
	     EVP_EncryptFinal_ex(c, out + l1, &l2) && (size_t)(l1 + l2) == len;
	EVP_CIPHER_CTX_free(c);
	if (!ok) {
		snprintf(err, KEYSTORE_ERR_MAX, "keystore: aes-128-ctr failed");
		return -EINVAL;
	}
	return 0;
}

static void mac_of(const uint8_t dk[32], const uint8_t *ct, size_t len, uint8_t mac[32])
{
	struct keccak256 k;

	keccak256_init(&k);
	keccak256_update(&k, dk + 16, 16);
	keccak256_update(&k, ct, len);
	keccak256_final(&k, mac);
}

static int parse_kdf(json_object *crypto, struct keystore_kdf *kdf, uint8_t *salt,
		     size_t *salt_len, char err[KEYSTORE_ERR_MAX])
{
	json_object *kdfname, *params, *j;
	const char *name;
	uint64_t v;

	kdfname = get(crypto, "kdf", json_type_string, "crypto.", err);
	params = get(crypto, "kdfparams", json_type_object, "crypto.", err);
	if (!kdfname || !params)
		return -EINVAL;
	name = json_object_get_string(kdfname);
	if (get_uint(params, "dklen", "crypto.kdfparams.", 32, 32, &v, err))
		return -EINVAL;
	j = get(params, "salt", json_type_string, "crypto.kdfparams.", err);
	if (!j || unhex("keystore: crypto.kdfparams.salt", json_object_get_string(j), salt, 1,
			SALT_MAX, salt_len, err))
		return -EINVAL;
	memset(kdf, 0, sizeof(*kdf));
	if (!strcmp(name, "scrypt")) {
		kdf->type = KEYSTORE_SCRYPT;
		if (get_uint(params, "n", "crypto.kdfparams.", 2, 1ULL << 24, &kdf->n, err))
			return -EINVAL;
		if (kdf->n & (kdf->n - 1)) {
			snprintf(err, KEYSTORE_ERR_MAX,
				 "keystore: crypto.kdfparams.n: %llu is not a power of two",
				 (unsigned long long)kdf->n);
			return -EINVAL;
		}
		if (get_uint(params, "r", "crypto.kdfparams.", 1, 1024, &v, err))
			return -EINVAL;
		kdf->r = (uint32_t)v;
		if (get_uint(params, "p", "crypto.kdfparams.", 1, 1024, &v, err))
			return -EINVAL;
		kdf->p = (uint32_t)v;
		return 0;
	}
	if (!strcmp(name, "pbkdf2")) {
		kdf->type = KEYSTORE_PBKDF2;
		j = get(params, "prf", json_type_string, "crypto.kdfparams.", err);
		if (!j)
			return -EINVAL;
		if (strcmp(json_object_get_string(j), "hmac-sha256")) {
			snprintf(err, KEYSTORE_ERR_MAX,
				 "keystore: crypto.kdfparams.prf: '%.40s', want hmac-sha256",
				 json_object_get_string(j));
			return -EINVAL;
		}
		if (get_uint(params, "c", "crypto.kdfparams.", 1, PBKDF2_ITER_MAX, &v, err))
			return -EINVAL;
		kdf->c = (uint32_t)v;
		return 0;
	}
	snprintf(err, KEYSTORE_ERR_MAX, "keystore: crypto.kdf: '%.40s', want scrypt or pbkdf2",
		 name);
	return -EINVAL;
}

static int decrypt(json_object *root, const char *pw, size_t pwlen, uint8_t key[32],
		   uint8_t addr[20], char err[KEYSTORE_ERR_MAX])
{
	uint8_t salt[SALT_MAX], iv[16], ct[32], mac[32], want[32], dk[32], file_addr[20];
	json_object *crypto, *j, *cp;
	struct keystore_kdf kdf;
	size_t salt_len;
	uint64_t version;
	int ret = -EINVAL;

	if (get_uint(root, "version", "", 3, 3, &version, err))
		return -EINVAL;
	/* geth wrote "Crypto" in early files */
	if (!json_object_object_get_ex(root, "crypto", &crypto) &&
	    !json_object_object_get_ex(root, "Crypto", &crypto)) {
		snprintf(err, KEYSTORE_ERR_MAX, "keystore: crypto: missing");
		return -EINVAL;
	}
	if (!json_object_is_type(crypto, json_type_object)) {
		snprintf(err, KEYSTORE_ERR_MAX, "keystore: crypto: want an object");
		return -EINVAL;
	}
	j = get(crypto, "cipher", json_type_string, "crypto.", err);
	if (!j)
		return -EINVAL;
	if (strcmp(json_object_get_string(j), "aes-128-ctr")) {
		snprintf(err, KEYSTORE_ERR_MAX, "keystore: crypto.cipher: '%.40s', want aes-128-ctr",
			 json_object_get_string(j));
		return -EINVAL;
	}
	cp = get(crypto, "cipherparams", json_type_object, "crypto.", err);
	if (!cp)
		return -EINVAL;
	j = get(cp, "iv", json_type_string, "crypto.cipherparams.", err);
	if (!j || unhex("keystore: crypto.cipherparams.iv", json_object_get_string(j), iv, 16, 16,
			NULL, err))
		return -EINVAL;
	j = get(crypto, "ciphertext", json_type_string, "crypto.", err);
	if (!j || unhex("keystore: crypto.ciphertext", json_object_get_string(j), ct, 32, 32,
			NULL, err))
		return -EINVAL;
	j = get(crypto, "mac", json_type_string, "crypto.", err);
	if (!j || unhex("keystore: crypto.mac", json_object_get_string(j), want, 32, 32, NULL,
			err))
		return -EINVAL;
	if (parse_kdf(crypto, &kdf, salt, &salt_len, err))
		return -EINVAL;
	if (derive(&kdf, pw, pwlen, salt, salt_len, dk, err))
		goto out;
	mac_of(dk, ct, sizeof(ct), mac);
	if (CRYPTO_memcmp(mac, want, 32)) {
		snprintf(err, KEYSTORE_ERR_MAX,
			 "keystore: crypto.mac does not match: wrong password or damaged file");
		ret = -EACCES;
		goto out;
	}
	if (aes128ctr(dk, iv, ct, key, 32, err))
		goto out;
	if (ethtx_address(key, addr, err)) {
		OPENSSL_cleanse(key, 32);
		goto out;
	}
	if (json_object_object_get_ex(root, "address", &j) && j) {
		const char *s = json_object_get_string(j);
		char a[43], b[43];

		if (!json_object_is_type(j, json_type_string) ||
		    unhex("keystore: address", s + (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 2 : 0),
			  file_addr, 20, 20, NULL, err))
			goto wipe;
		if (memcmp(file_addr, addr, 20)) {
			ethtx_address_str(file_addr, a);
			ethtx_address_str(addr, b);
			snprintf(err, KEYSTORE_ERR_MAX,
				 "keystore: address: the file says %s, the key is %s", a, b);
			goto wipe;
		}
	}
	ret = 0;
	goto out;
wipe:
	OPENSSL_cleanse(key, 32);
out:
	OPENSSL_cleanse(dk, sizeof(dk));
	OPENSSL_cleanse(ct, sizeof(ct));
	return ret;
}

int keystore_read(const char *path, const char *password, size_t password_len,
		  uint8_t key[32], uint8_t addr[20], char err[KEYSTORE_ERR_MAX])
{
	char inner[KEYSTORE_ERR_MAX];
	json_tokener *tok;
	json_object *root;
	char *buf;
	size_t len;
	int ret;

	ret = read_private("keystore", path, &buf, &len, err);
	if (ret)
		return ret;
	tok = json_tokener_new();
	root = tok ? json_tokener_parse_ex(tok, buf, (int)len) : NULL;
	if (root && json_tokener_get_error(tok) == json_tokener_success) {
		/* only whitespace may follow the object */
		size_t end = json_tokener_get_parse_end(tok);

		while (end < len && strchr(" \t\r\n", buf[end]))
			end++;
		if (end != len || !json_object_is_type(root, json_type_object)) {
			json_object_put(root);
			root = NULL;
		}
	} else if (root) {
		json_object_put(root);
		root = NULL;
	}
	if (tok)
		json_tokener_free(tok);
	if (!root) {
		snprintf(err, KEYSTORE_ERR_MAX, "keystore %.200s: not a JSON object", path);
		OPENSSL_cleanse(buf, len);
		free(buf);
		return -EINVAL;
	}
	ret = decrypt(root, password, password_len, key, addr, inner);
	if (ret)
		snprintf(err, KEYSTORE_ERR_MAX, "%.100s: %.200s", path, inner);
	json_object_put(root);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return ret;
}

int keystore_write(const char *path, const uint8_t key[32], const char *password,
		   size_t password_len, const struct keystore_kdf *kdf,
		   char err[KEYSTORE_ERR_MAX])
{
	uint8_t salt[32], iv[16], ct[32], mac[32], dk[32], addr[20], uuid[16];
	char hsalt[65], hiv[33], hct[65], hmac[65], haddr[41], id[37], *doc = NULL;
	json_object *root = NULL, *crypto, *params, *cp;
	const char *text;
	size_t len, off = 0;
	int fd = -1, ret = -EINVAL, i;

	if (kdf->type == KEYSTORE_SCRYPT && (kdf->n < 2 || (kdf->n & (kdf->n - 1)) || !kdf->r ||
					     !kdf->p)) {
		snprintf(err, KEYSTORE_ERR_MAX, "keystore: scrypt n=%llu r=%u p=%u is not valid",
			 (unsigned long long)kdf->n, kdf->r, kdf->p);
		return -EINVAL;
	}
	if (kdf->type == KEYSTORE_PBKDF2 && (!kdf->c || kdf->c > PBKDF2_ITER_MAX)) {
		snprintf(err, KEYSTORE_ERR_MAX, "keystore: pbkdf2 c=%u is not valid", kdf->c);
		return -EINVAL;
	}
	if (ethtx_address(key, addr, err))
		return -EINVAL;
	if (RAND_bytes(salt, sizeof(salt)) != 1 || RAND_bytes(iv, sizeof(iv)) != 1 ||
	    RAND_bytes(uuid, sizeof(uuid)) != 1) {
		snprintf(err, KEYSTORE_ERR_MAX, "keystore: no randomness");
		return -EIO;
	}
	if (derive(kdf, password, password_len, salt, sizeof(salt), dk, err))
		goto out;
	if (aes128ctr(dk, iv, key, ct, 32, err))
		goto out;
	mac_of(dk, ct, sizeof(ct), mac);

	uuid[6] = (uuid[6] & 0x0f) | 0x40;	/* RFC 4122 version 4 */
	uuid[8] = (uuid[8] & 0x3f) | 0x80;
	for (i = 0; i < 16; i++) {
		off += (size_t)sprintf(id + off, "%02x", uuid[i]);
		if (i == 3 || i == 5 || i == 7 || i == 9)
			id[off++] = '-';
	}
	tohex(salt, sizeof(salt), hsalt);
	tohex(iv, sizeof(iv), hiv);
	tohex(ct, sizeof(ct), hct);
	tohex(mac, sizeof(mac), hmac);
	tohex(addr, sizeof(addr), haddr);

	root = json_object_new_object();
	crypto = json_object_new_object();
	params = json_object_new_object();
	cp = json_object_new_object();
	json_object_object_add(root, "address", json_object_new_string(haddr));
	json_object_object_add(root, "crypto", crypto);
	json_object_object_add(crypto, "cipher", json_object_new_string("aes-128-ctr"));
	json_object_object_add(crypto, "cipherparams", cp);
	json_object_object_add(cp, "iv", json_object_new_string(hiv));
	json_object_object_add(crypto, "ciphertext", json_object_new_string(hct));
	json_object_object_add(params, "dklen", json_object_new_int(32));
	if (kdf->type == KEYSTORE_SCRYPT) {
		json_object_object_add(crypto, "kdf", json_object_new_string("scrypt"));
		json_object_object_add(params, "n", json_object_new_int64((int64_t)kdf->n));
		json_object_object_add(params, "p", json_object_new_int64(kdf->p));
		json_object_object_add(params, "r", json_object_new_int64(kdf->r));
	} else {
		json_object_object_add(crypto, "kdf", json_object_new_string("pbkdf2"));
		json_object_object_add(params, "c", json_object_new_int64(kdf->c));
		json_object_object_add(params, "prf", json_object_new_string("hmac-sha256"));
	}
	json_object_object_add(params, "salt", json_object_new_string(hsalt));
	json_object_object_add(crypto, "kdfparams", params);
	json_object_object_add(crypto, "mac", json_object_new_string(hmac));
	json_object_object_add(root, "id", json_object_new_string(id));
	json_object_object_add(root, "version", json_object_new_int(3));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	if (!text) {
		snprintf(err, KEYSTORE_ERR_MAX, "keystore: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	len = strlen(text);
	doc = malloc(len + 2);
	if (!doc) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(doc, text, len);
	doc[len++] = '\n';

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, KEYSTORE_ERR_MAX, "keystore %s: %s", path, strerror(errno));
		goto out;
	}
	for (off = 0; off < len;) {
		ssize_t w = write(fd, doc + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ret = -errno;
			snprintf(err, KEYSTORE_ERR_MAX, "keystore %s: %s", path, strerror(errno));
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd)) {
		ret = -errno;
		snprintf(err, KEYSTORE_ERR_MAX, "keystore %s: fsync: %s", path, strerror(errno));
		goto fail;
	}
	ret = 0;
	goto out;
fail:
	unlink(path);
out:
	if (fd >= 0)
		close(fd);
	free(doc);
	json_object_put(root);
	OPENSSL_cleanse(dk, sizeof(dk));
	return ret;
}
