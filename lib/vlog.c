// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing and replay of the binary measurement log.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/sha.h>

#include "vlog.h"

_Static_assert(sizeof(struct vinfer_rec_hdr) == 72, "vinfer_rec_hdr size");
_Static_assert(sizeof(struct vinfer_rec_file) == 88, "vinfer_rec_file size");

/* Logs larger than this are refused rather than read into memory. */
#define VLOG_MAX_BYTES (1ULL << 32)

static int fail(char err[VLOG_ERR_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, VLOG_ERR_MAX, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void vlog_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

const char *vlog_type_name(uint16_t type)
{
	switch (type) {
	case VINFER_REC_LOAD: return "load";
	case VINFER_REC_FILE: return "file";
	case VINFER_REC_CLAIM: return "claim";
	case VINFER_REC_VIOLATION: return "violation";
	case VINFER_REC_BATCH_SEAL: return "seal";
	case VINFER_REC_LOG_FULL: return "log-full";
	case VINFER_REC_TPM_ERROR: return "tpm-error";
	}
	return NULL;
}

const char *vlog_kind_name(uint32_t kind)
{
	static const char *const names[] = { "other", "model", "data", "config", "code" };

	return kind <= VINFER_KIND_MAX ? names[kind] : NULL;
}

const char *vlog_violation_name(uint32_t reason)
{
	switch (reason) {
	case VINFER_VIOL_OPEN_WRITERS: return "open-writers";
	case VINFER_VIOL_MODIFIED: return "modified";
	case VINFER_VIOL_TRUNCATED: return "truncated";
	}
	return NULL;
}

const char *vlog_seal_reason_name(uint32_t reason)
{
	switch (reason) {
	case VINFER_SEAL_REQUEST: return "request";
	case VINFER_SEAL_TIMER: return "timer";
	case VINFER_SEAL_SIZE: return "size";
	}
	return NULL;
}

static void extend(uint8_t acc[VINFER_DIGEST_SIZE], const uint8_t v[VINFER_DIGEST_SIZE])
{
	uint8_t pair[2 * VINFER_DIGEST_SIZE];

	memcpy(pair, acc, VINFER_DIGEST_SIZE);
	memcpy(pair + VINFER_DIGEST_SIZE, v, VINFER_DIGEST_SIZE);
	SHA256(pair, sizeof(pair), acc);
}

/* Minimum payload of each type, and the length of its variable tail. */
static int check_payload(const struct vlog_rec *r, struct vlog *log, uint64_t seq,
			 char err[VLOG_ERR_MAX])
{
	const uint8_t *p = r->payload;
	uint32_t n = r->payload_len, fixed = 0, tail = 0;

#define NEED(T) do { \
		fixed = sizeof(T); \
		if (n < fixed) \
			return fail(err, "record %llu: payload_len %u too short for %s", \
				    (unsigned long long)seq, n, vlog_type_name(r->type)); \
	} while (0)

	switch (r->type) {
	case VINFER_REC_LOAD: {
		const struct vinfer_rec_load *l = (const void *)p;

		NEED(*l);
		if (seq != 0)
			return fail(err, "record %llu: a second load record", (unsigned long long)seq);
		if (le32toh(l->log_version) != VINFER_LOG_VERSION)
			return fail(err, "record 0: log_version %u, expected %u",
				    le32toh(l->log_version), VINFER_LOG_VERSION);
		if (le32toh(l->flags) & ~VINFER_LOAD_TPM)
			return fail(err, "record 0: unknown load flags %#x", le32toh(l->flags));
		log->tpm = le32toh(l->flags) & VINFER_LOAD_TPM;
		log->pcr_index = le32toh(l->pcr);
		memcpy(log->pcr_base, l->pcr_base, VINFER_DIGEST_SIZE);
		break;
	}
	case VINFER_REC_FILE: {
		const struct vinfer_rec_file *f = (const void *)p;

		NEED(*f);
		tail = le32toh(f->path_len);
		if (!vlog_kind_name(le32toh(f->kind)))
			return fail(err, "record %llu: unknown file kind %u",
				    (unsigned long long)seq, le32toh(f->kind));
		break;
	}
	case VINFER_REC_CLAIM: {
		const struct vinfer_rec_claim *c = (const void *)p;

		NEED(*c);
		tail = le32toh(c->len);
		if (!le32toh(c->kind) || tail == 0 || tail > VINFER_CLAIM_MAX)
			return fail(err, "record %llu: claim kind %u len %u out of range",
				    (unsigned long long)seq, le32toh(c->kind), tail);
		break;
	}
	case VINFER_REC_VIOLATION: {
		const struct vinfer_rec_violation *v = (const void *)p;

		NEED(*v);
		tail = le32toh(v->path_len);
		if (!vlog_violation_name(le32toh(v->reason)))
			return fail(err, "record %llu: unknown violation reason %u",
				    (unsigned long long)seq, le32toh(v->reason));
		if (le64toh(v->measured_seq) >= seq)
			return fail(err, "record %llu: violation of later record %llu",
				    (unsigned long long)seq,
				    (unsigned long long)le64toh(v->measured_seq));
		break;
	}
	case VINFER_REC_BATCH_SEAL: {
		const struct vinfer_rec_seal *s = (const void *)p;

		NEED(*s);
		if (le64toh(s->batch) != log->batches + 1)
			return fail(err, "record %llu: seal of batch %llu, expected batch %llu",
				    (unsigned long long)seq,
				    (unsigned long long)le64toh(s->batch),
				    (unsigned long long)log->batches + 1);
		if (!vlog_seal_reason_name(le32toh(s->reason)))
			return fail(err, "record %llu: unknown seal reason %u",
				    (unsigned long long)seq, le32toh(s->reason));
		if (le32toh(s->flags) & ~VINFER_SEAL_TPM)
			return fail(err, "record %llu: unknown seal flags %#x",
				    (unsigned long long)seq, le32toh(s->flags));
		break;
	}
	case VINFER_REC_LOG_FULL:
		NEED(struct vinfer_rec_full);
		break;
	case VINFER_REC_TPM_ERROR:
		NEED(struct vinfer_rec_tpm_error);
		break;
	default:
		return fail(err, "record %llu: unknown type %u", (unsigned long long)seq, r->type);
	}
#undef NEED
	if ((uint64_t)fixed + tail != n)
		return fail(err, "record %llu: payload_len %u, but %s payload is %u + %u bytes",
			    (unsigned long long)seq, n, vlog_type_name(r->type), fixed, tail);
	return 0;
}

/*
 * The one parse loop.  A whole log starts at seq 0 with a LOAD record, a zero
 * head and the PCR at the LOAD's pcr_base; a slice starts at first_seq with
 * the head and PCR (NULL: unbound) the records before it left.
 */
static int parse_from(uint8_t *buf, size_t len, uint64_t first_seq,
		      const uint8_t *head_before, const uint8_t *pcr_before,
		      struct vlog *log, char err[VLOG_ERR_MAX])
{
	const size_t hsz = sizeof(struct vinfer_rec_hdr);
	uint8_t head[VINFER_DIGEST_SIZE] = { 0 }, pcr[VINFER_DIGEST_SIZE] = { 0 };
	bool batch_known = first_seq == 0;
	size_t off = 0, cap = 0;
	int ret;

	memset(log, 0, sizeof(*log));
	log->buf = buf;
	log->len = len;
	log->first_seq = first_seq;
	if (head_before)
		memcpy(head, head_before, sizeof(head));
	if (pcr_before) {
		memcpy(pcr, pcr_before, sizeof(pcr));
		log->tpm = true;
	}

	while (off < len) {
		const struct vinfer_rec_hdr *h = (const void *)(buf + off);
		uint64_t seq = first_seq + log->n;
		struct vlog_rec *r;
		uint32_t rlen, plen;
		size_t i;

		if (len - off < hsz) {
			ret = fail(err, "record %llu at offset %zu: %zu bytes left, header is %zu",
				   (unsigned long long)seq, off, len - off, hsz);
			goto bad;
		}
		rlen = le32toh(h->len);
		plen = le32toh(h->payload_len);
		if (rlen < hsz || rlen % VINFER_RECORD_ALIGN || rlen > len - off) {
			ret = fail(err, "record %llu at offset %zu: bad len %u",
				   (unsigned long long)seq, off, rlen);
			goto bad;
		}
		if (plen > rlen - hsz || rlen - hsz - plen >= VINFER_RECORD_ALIGN) {
			ret = fail(err, "record %llu at offset %zu: payload_len %u does not fit len %u",
				   (unsigned long long)seq, off, plen, rlen);
			goto bad;
		}
		for (i = hsz + plen; i < rlen; i++) {
			if (buf[off + i]) {
				ret = fail(err, "record %llu at offset %zu: nonzero padding",
					   (unsigned long long)seq, off);
				goto bad;
			}
		}
		if (le64toh(h->seq) != seq) {
			ret = fail(err, "record at offset %zu: seq %llu, expected %llu", off,
				   (unsigned long long)le64toh(h->seq), (unsigned long long)seq);
			goto bad;
		}
		if (log->n == cap) {
			struct vlog_rec *nr;

			cap = cap ? 2 * cap : 64;
			nr = realloc(log->recs, cap * sizeof(*nr));
			if (!nr) {
				ret = -ENOMEM;
				snprintf(err, VLOG_ERR_MAX, "out of memory at record %llu",
					 (unsigned long long)seq);
				goto bad;
			}
			log->recs = nr;
		}
		r = &log->recs[log->n];
		memset(r, 0, sizeof(*r));
		r->hdr = h;
		r->offset = off;
		r->type = le16toh(h->type);
		r->source = le16toh(h->source);
		r->payload = buf + off + hsz;
		r->payload_len = plen;

		if (seq == 0 && r->type != VINFER_REC_LOAD) {
			ret = fail(err, "record 0: type %u, the log must begin with a load record",
				   r->type);
			goto bad;
		}
		if (r->source != (r->type == VINFER_REC_CLAIM ? VINFER_SRC_USER : VINFER_SRC_KERNEL)) {
			ret = fail(err, "record %llu: source %u is wrong for a %s record",
				   (unsigned long long)seq, r->source,
				   vlog_type_name(r->type) ? vlog_type_name(r->type) : "?");
			goto bad;
		}
		if (!batch_known && r->type == VINFER_REC_BATCH_SEAL) {
			/* A slice's first seal says where the batch count stands. */
			const struct vinfer_rec_seal *s = (const void *)r->payload;

			if (r->payload_len >= sizeof(*s) && le64toh(s->batch) >= 1)
				log->batches = le64toh(s->batch) - 1;
			batch_known = true;
		}
		ret = check_payload(r, log, seq, err);
		if (ret)
			goto bad;
		if (seq == 0)
			memcpy(pcr, log->pcr_base, sizeof(pcr));

		SHA256(buf + off, rlen, r->digest);
		extend(head, r->digest);
		memcpy(r->head, head, sizeof(head));
		if (r->type == VINFER_REC_BATCH_SEAL) {
			const struct vinfer_rec_seal *s = (const void *)r->payload;

			log->batches++;
			if (le32toh(s->flags) & VINFER_SEAL_TPM) {
				if (!log->tpm) {
					ret = fail(err, "record %llu: TPM seal in a log without TPM",
						   (unsigned long long)seq);
					goto bad;
				}
				extend(pcr, head);
			}
		}
		memcpy(r->pcr, pcr, sizeof(pcr));
		log->n++;
		off += rlen;
	}
	return 0;
bad:
	vlog_free(log);
	return ret;
}

int vlog_parse(uint8_t *buf, size_t len, struct vlog *log, char err[VLOG_ERR_MAX])
{
	return parse_from(buf, len, 0, NULL, NULL, log, err);
}

int vlog_parse_slice(uint8_t *buf, size_t len, uint64_t first_seq,
		     const uint8_t head_before[VINFER_DIGEST_SIZE],
		     const uint8_t *pcr_before, struct vlog *log, char err[VLOG_ERR_MAX])
{
	if (first_seq == 0)
		return parse_from(buf, len, 0, NULL, NULL, log, err);
	return parse_from(buf, len, first_seq, head_before, pcr_before, log, err);
}

int vlog_read_file(const char *path, struct vlog *log, char err[VLOG_ERR_MAX])
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, VLOG_ERR_MAX, "%s: %s", path, strerror(errno));
		return ret;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			uint8_t *nb;

			if (cap >= VLOG_MAX_BYTES) {
				ret = fail(err, "%s: larger than %llu bytes", path,
					   (unsigned long long)VLOG_MAX_BYTES);
				goto out;
			}
			cap = cap ? 2 * cap : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -ENOMEM;
				snprintf(err, VLOG_ERR_MAX, "%s: out of memory", path);
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			snprintf(err, VLOG_ERR_MAX, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	return vlog_parse(buf, len, log, err);
out:
	close(fd);
	free(buf);
	return ret;
}

void vlog_free(struct vlog *log)
{
	free(log->buf);
	free(log->recs);
	memset(log, 0, sizeof(*log));
}
