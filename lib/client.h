/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The workload's client API of vinfer.ko: have the kernel measure a model
 * or data file, record a request (input and output digests), and, for the
 * daemon, append a claim and seal the batch.  Each call is one ioctl on
 * /dev/vinfer (include/uapi/linux/vinfer.h); errors are negative errno,
 * explained by vinfer_client_strerror().
 *
 *	int fd = vinfer_client_open();
 *	vinfer_client_measure(fd, "/models/m.gguf", VINFER_KIND_MODEL, &m);
 *	vinfer_client_request(fd, sha256_in, sha256_out, &seq);
 *	vinfer_client_close(fd);
 */
#ifndef VINFER_CLIENT_H
#define VINFER_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <linux/vinfer.h>

#define VINFER_CLIENT_DEV	"/dev/vinfer"

struct vinfer_client_file {
	uint8_t digest[VINFER_DIGEST_SIZE];
	uint64_t seq;
	uint64_t size;
	uint32_t flags;		/* VINFER_FILE_*, VINFER_MEASURE_VIOLATION */
};

/* /dev/vinfer opened for writing: a descriptor, or -errno. */
int vinfer_client_open(void);
void vinfer_client_close(int fd);

int vinfer_client_measure(int fd, const char *path, unsigned int kind,
			  struct vinfer_client_file *out);
int vinfer_client_append(int fd, uint32_t kind, const void *data, size_t len, uint64_t *seq);
/* A VINFER_CLAIM_REQUEST record: SHA-256 of the input, of the output. */
int vinfer_client_request(int fd, const uint8_t input[VINFER_DIGEST_SIZE],
			  const uint8_t output[VINFER_DIGEST_SIZE], uint64_t *seq);
/* SHA-256 of a file's contents, computed here (a claim, not a measurement). */
int vinfer_client_digest_file(const char *path, uint8_t out[VINFER_DIGEST_SIZE]);
/* SEAL (CAP_SYS_ADMIN): closes the batch and waits for its extend. */
int vinfer_client_seal(int fd, struct vinfer_seal *out);

/* What an error of these calls means for vinfer ("is vinfer.ko loaded?"). */
const char *vinfer_client_strerror(int err);

#endif
