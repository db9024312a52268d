// SPDX-License-Identifier: GPL-2.0
/*
 * The client API of /dev/vinfer: one ioctl per call, nothing cached.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "client.h"

int vinfer_client_open(void)
{
	int fd = open(VINFER_CLIENT_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

void vinfer_client_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

int vinfer_client_measure(int fd, const char *path, unsigned int kind,
			  struct vinfer_client_file *out)
{
	struct vinfer_measure m = { .kind = kind };
	int ret = 0;

	m.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (m.fd < 0)
		return -errno;
	if (ioctl(fd, VINFER_IOC_MEASURE, &m))
		ret = -errno;
	close(m.fd);
	if (ret)
		return ret;
	memcpy(out->digest, m.digest, sizeof(out->digest));
	out->seq = m.seq;
	out->size = m.size;
	out->flags = m.out_flags;
	return 0;
}

int vinfer_client_append(int fd, uint32_t kind, const void *data, size_t len, uint64_t *seq)
{
	struct vinfer_append a = { .kind = kind };

	if (len == 0 || len > VINFER_CLAIM_MAX)
		return -EMSGSIZE;
	a.len = (uint32_t)len;
	a.data = (uint64_t)(uintptr_t)data;
	if (ioctl(fd, VINFER_IOC_APPEND, &a))
		return -errno;
	if (seq)
		*seq = a.seq;
	return 0;
}

int vinfer_client_request(int fd, const uint8_t input[VINFER_DIGEST_SIZE],
			  const uint8_t output[VINFER_DIGEST_SIZE], uint64_t *seq)
{
	uint8_t rec[2 * VINFER_DIGEST_SIZE];

	memcpy(rec, input, VINFER_DIGEST_SIZE);
	memcpy(rec + VINFER_DIGEST_SIZE, output, VINFER_DIGEST_SIZE);
	return vinfer_client_append(fd, VINFER_CLAIM_REQUEST, rec, sizeof(rec), seq);
}

int vinfer_client_digest_file(const char *path, uint8_t out[VINFER_DIGEST_SIZE])
{
	uint8_t buf[65536];
	EVP_MD_CTX *md;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	md = EVP_MD_CTX_new();
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		ret = -ENOMEM;
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(md, buf, (size_t)n);
	if (n < 0)
		ret = -errno;
	else
		EVP_DigestFinal_ex(md, out, NULL);
out:
	EVP_MD_CTX_free(md);
	close(fd);
	return ret;
}

int vinfer_client_seal(int fd, struct vinfer_seal *out)
{
	memset(out, 0, sizeof(*out));
	return ioctl(fd, VINFER_IOC_SEAL, out) ? -errno : 0;
}

const char *vinfer_client_strerror(int err)
{
	switch (-err) {
	case ENOENT: return VINFER_CLIENT_DEV ": no such device: is vinfer.ko loaded? (modprobe vinfer)";
	case EACCES: return VINFER_CLIENT_DEV ": permission denied (the device is root's unless a udev rule gives a group)";
	case ENOSPC: return "the measurement log is full (max_bytes reached)";
	case EOPNOTSUPP: return "file is on a pseudo filesystem with no stable contents";
	case EINVAL: return "invalid argument (not a regular file, or bad flags/kind)";
	case EPERM: return "operation not permitted (device not open for writing, or CAP_SYS_ADMIN needed)";
	case EMSGSIZE: return "claim empty or larger than VINFER_CLAIM_MAX";
	case EINTR: return "interrupted by a signal; nothing was recorded";
	default: return strerror(-err);
	}
}
