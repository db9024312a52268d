/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vinfer.ko internals shared between its parts:
 *
 *   log.c      the measurement log: records, hash chain, batches
 *   tpm.c      binding of the log to a TPM PCR
 *   measure.c  in-kernel hashing of files
 *   watch.c    changes to measured files (violations)
 *   fs.c       securityfs: binary_measurements, ascii_measurements, state
 *   dev.c      /dev/vinfer and its ioctls
 *   main.c     module parameters, init and exit
 */
#ifndef VINFER_H
#define VINFER_H

#include <linux/types.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <crypto/sha2.h>
#include <uapi/linux/vinfer.h>

/* From the top-level VERSION file, through kmod/Kbuild. */
#ifndef VINFER_VERSION
#define VINFER_VERSION "unknown"
#endif

/* Module parameters (main.c). */
extern unsigned int vinfer_pcr;
extern unsigned int vinfer_batch_ms;
extern unsigned int vinfer_batch_records;
extern unsigned long vinfer_max_bytes;
extern unsigned int vinfer_max_watches;
extern bool vinfer_use_tpm;

/* Bytes kept beyond max_bytes for the kernel's own records (seals, errors). */
#define VINFER_RESERVE_BYTES	(64 * 1024)

/* Who caused a record. */
struct vinfer_attr {
	u32 pid;
	u32 tgid;
	u32 uid;
	u64 cgroup_id;
	char comm[VINFER_COMM_LEN];
};

void vinfer_attr_current(struct vinfer_attr *attr);

/*
 * One record of the log.  Records are immutable once published and live
 * until the module is unloaded; readers find them by sequence number.
 */
struct vinfer_record {
	u8 digest[SHA256_DIGEST_SIZE];	/* SHA-256 of data[0..len) */
	u32 len;
	u8 data[];			/* the encoded record, see uapi */
};

/* What append needs to build a record: a fixed payload and a variable tail. */
struct vinfer_rec_desc {
	u16 type;
	u16 source;
	const struct vinfer_attr *attr;	/* NULL: the current task */
	const void *payload;
	u32 payload_len;
	const void *tail;		/* path bytes; NULL: the tail is at utail */
	const void __user *utail;	/* claim bytes from userspace */
	u32 tail_len;
};

/* Log (log.c). */
int vinfer_log_init(void);
void vinfer_log_stop(void);
void vinfer_log_exit(void);
int __must_check vinfer_log_append(const struct vinfer_rec_desc *desc, u64 *seq);
int __must_check vinfer_log_append_reserved(const struct vinfer_rec_desc *desc,
					    u64 *seq);
const struct vinfer_record *vinfer_log_get(u64 seq);
u64 vinfer_log_count(void);

struct vinfer_seal_info {
	u64 batch;
	u64 seq;
	u64 records;
	u8 head[SHA256_DIGEST_SIZE];
	u8 pcr[SHA256_DIGEST_SIZE];
	bool tpm;			/* the batch is to be extended */
	bool pending;			/* its extend failed; it is retried */
};

int vinfer_log_seal(u32 reason, struct vinfer_seal_info *info);

/* One closed batch: what is extended into the PCR, in batch order. */
struct vinfer_batch {
	u64 nr;
	u64 seal_seq;
	u8 head[SHA256_DIGEST_SIZE];
	u8 pcr[SHA256_DIGEST_SIZE];	/* PCR value after this extend */
};

const struct vinfer_batch *vinfer_log_batch(u64 nr);

struct vinfer_log_stats {
	u64 records;
	u64 bytes;
	u64 batches;
	u64 unsealed;			/* records since the last seal */
	u64 violations;
	u64 violations_lost;
	bool full;
	u8 head[SHA256_DIGEST_SIZE];
	u8 pcr[SHA256_DIGEST_SIZE];	/* PCR implied by the last batch */
};

void vinfer_log_stats(struct vinfer_log_stats *st);
void vinfer_log_count_violation(bool lost);

/* TPM binding (tpm.c). */
int vinfer_tpm_init(void);
void vinfer_tpm_exit(void);
bool vinfer_tpm_bound(void);
int vinfer_tpm_base(u8 base[SHA256_DIGEST_SIZE]);
int vinfer_tpm_extend_pending(void);
void vinfer_tpm_kick(void);

struct vinfer_tpm_stats {
	bool present;
	bool sha256_bank;
	u64 extended;			/* batches in the PCR */
	u64 extends;			/* successful TPM extend commands */
	u64 errors;
	int last_error;
};

void vinfer_tpm_stats(struct vinfer_tpm_stats *st);

/* Measurement (measure.c). */
int vinfer_measure_init(void);
void vinfer_measure_exit(void);
int vinfer_measure_file(struct file *file, u32 kind, struct vinfer_measure *out);

/* What identifies the version of a file: compared before and after hashing. */
struct vinfer_cookie {
	u64 i_version;
	struct timespec64 ctime;
	loff_t size;
};

void vinfer_cookie_read(struct inode *inode, struct vinfer_cookie *c);
bool vinfer_cookie_equal(const struct vinfer_cookie *a, const struct vinfer_cookie *b);

/* Watches on measured files (watch.c). */
int vinfer_watch_init(void);
void vinfer_watch_exit(void);

struct vinfer_watch;
struct vinfer_watch *vinfer_watch_begin(struct file *file, const char *path);
void vinfer_watch_commit(struct vinfer_watch *w, u64 seq,
			 const struct vinfer_cookie *cookie, u32 *out_flags);
void vinfer_watch_abort(struct vinfer_watch *w);
void vinfer_watch_sync(void);
u64 vinfer_watch_count(void);
void vinfer_violation(u32 reason, u64 measured_seq, struct inode *inode,
		      const char *path, const struct vinfer_attr *attr, u32 *out_flags);

/* Interfaces. */
int vinfer_fs_init(void);
void vinfer_fs_exit(void);
int vinfer_dev_init(void);
void vinfer_dev_exit(void);

#endif /* VINFER_H */
