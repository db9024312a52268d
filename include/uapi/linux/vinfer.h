/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vinfer: the kernel measurement log of AI inference workloads.
 *
 * Two interfaces are defined here:
 *
 *  1. The ioctls of /dev/vinfer (MEASURE, APPEND, SEAL).
 *  2. The binary log format read from
 *     /sys/kernel/security/vinfer/binary_measurements.
 *
 * ioctl structures are in host byte order.  They are versioned by size:
 * the size encoded in the ioctl number is the size of the structure as the
 * caller knows it.  The kernel accepts any size at least as large as the
 * first version of the structure; bytes it does not know must be zero
 * (E2BIG otherwise), and it writes back no more than the caller's size.
 * Every flags and reserved field must be zero (EINVAL otherwise).
 *
 * Who may do what:
 *   - /dev/vinfer is created mode 0600 root; an operator may relax it with a
 *     udev rule to give workloads a group.
 *   - MEASURE and APPEND need the device opened for writing.  MEASURE also
 *     needs the file descriptor of the file open for reading.
 *   - SEAL needs CAP_SYS_ADMIN: it makes the TPM do work.
 *   - securityfs files are readable by root only (0440).
 *   Callers without the right get EPERM.
 *
 * The log format is little-endian.  The log is a sequence of records, each
 * starting with struct vinfer_rec_hdr and padded with zero bytes to a
 * multiple of 8.  A record's digest is SHA-256 over its vinfer_rec_hdr.len
 * bytes, padding included.  The chain head starts as 32 zero bytes and each
 * record extends it exactly as a TPM extends a PCR:
 *
 *	head = SHA-256(head || SHA-256(record))
 *
 * Records are grouped in batches.  A batch ends with a VINFER_REC_BATCH_SEAL
 * record; when that record carries VINFER_SEAL_TPM, the chain head just after
 * it is extended into the SHA-256 bank of the vinfer PCR:
 *
 *	pcr = SHA-256(pcr || head)
 *
 * starting from vinfer_rec_load.pcr_base.  Replaying the log therefore gives
 * the PCR value at every batch boundary; a quoted PCR may lag the log by the
 * batches whose extend is still pending, never lead it.
 */
#ifndef _UAPI_LINUX_VINFER_H
#define _UAPI_LINUX_VINFER_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VINFER_LOG_VERSION	1
#define VINFER_DIGEST_SIZE	32	/* SHA-256 */
#define VINFER_COMM_LEN		16
#define VINFER_CLAIM_MAX	4096	/* largest APPEND payload, bytes */
#define VINFER_RECORD_ALIGN	8

/* Record types (vinfer_rec_hdr.type). */
enum vinfer_record_type {
	VINFER_REC_LOAD		= 1,	/* the log began: struct vinfer_rec_load */
	VINFER_REC_FILE		= 2,	/* a file measured: struct vinfer_rec_file */
	VINFER_REC_CLAIM	= 3,	/* userspace claim: struct vinfer_rec_claim */
	VINFER_REC_VIOLATION	= 4,	/* struct vinfer_rec_violation */
	VINFER_REC_BATCH_SEAL	= 5,	/* a batch closed: struct vinfer_rec_seal */
	VINFER_REC_LOG_FULL	= 6,	/* memory cap reached: struct vinfer_rec_full */
	VINFER_REC_TPM_ERROR	= 7,	/* an extend failed: struct vinfer_rec_tpm_error */
};

/* Who produced the content of a record (vinfer_rec_hdr.source). */
enum vinfer_source {
	VINFER_SRC_KERNEL	= 1,	/* computed or observed by the kernel */
	VINFER_SRC_USER		= 2,	/* claimed by a userspace caller */
};

/*
 * Every record starts with this header.  The attribution fields describe the
 * task that caused the record (for kernel-internal records such as timer
 * batch seals, the kernel worker).  pid and tgid are in the initial pid
 * namespace, uid in the initial user namespace, cgroup_id is the cgroup v2
 * id (the inode number of the cgroup directory).
 */
struct vinfer_rec_hdr {
	__le32 len;		/* whole record, header and padding, bytes */
	__le16 type;		/* enum vinfer_record_type */
	__le16 source;		/* enum vinfer_source */
	__le64 seq;		/* 0 for the first record, then +1 */
	__le64 time_real_ns;	/* CLOCK_REALTIME */
	__le64 time_boot_ns;	/* CLOCK_BOOTTIME */
	__le64 cgroup_id;
	__le32 pid;
	__le32 tgid;
	__le32 uid;
	__le32 payload_len;	/* payload bytes after the header, before padding */
	char comm[VINFER_COMM_LEN];	/* NUL-padded */
};

/* vinfer_rec_load.flags */
#define VINFER_LOAD_TPM		(1U << 0)	/* the log is bound to a TPM PCR */

struct vinfer_rec_load {
	__le32 log_version;	/* VINFER_LOG_VERSION */
	__le32 flags;
	__le32 pcr;		/* PCR index; meaningful with VINFER_LOAD_TPM */
	__le32 reserved;
	__u8 pcr_base[VINFER_DIGEST_SIZE];	/* PCR value when the log began */
};

/* File kinds, given by the MEASURE caller (vinfer_rec_file.kind). */
enum vinfer_file_kind {
	VINFER_KIND_OTHER	= 0,
	VINFER_KIND_MODEL	= 1,	/* model weights, tokenizer, model config */
	VINFER_KIND_DATA	= 2,	/* input data sets */
	VINFER_KIND_CONFIG	= 3,	/* runtime configuration */
	VINFER_KIND_CODE	= 4,	/* executables, libraries, scripts */
	VINFER_KIND_MAX		= VINFER_KIND_CODE,
};

/* vinfer_rec_file.flags */
#define VINFER_FILE_VERITY	(1U << 0)	/* file has fs-verity */
#define VINFER_FILE_UNWATCHED	(1U << 1)	/* later changes are not tracked (watch limit) */

/*
 * digest is SHA-256 of the file's contents, read by the kernel.  i_version is
 * 0 where the filesystem keeps none; ctime is the inode change time when the
 * measurement began.  Together with dev/ino they identify the version of the
 * file that was measured.  The path (path_len bytes, not NUL-terminated)
 * follows; it is where the file was found, not part of its identity.
 */
struct vinfer_rec_file {
	__u8 digest[VINFER_DIGEST_SIZE];
	__le32 kind;		/* enum vinfer_file_kind */
	__le32 flags;
	__le64 size;		/* bytes hashed */
	__le64 dev;		/* st_dev as encoded by new_encode_dev() */
	__le64 ino;
	__le64 i_version;
	__le64 ctime_sec;
	__le32 ctime_nsec;
	__le32 path_len;
};

/* Claim kinds (vinfer_rec_claim.kind, APPEND's kind). */
#define VINFER_CLAIM_REQUEST	1	/* 64 bytes: SHA-256 of input || SHA-256 of output */
#define VINFER_CLAIM_NOTE	2	/* free-form bytes */
#define VINFER_CLAIM_USER_BASE	0x10000	/* kinds from here on are the application's */

struct vinfer_rec_claim {
	__le32 kind;
	__le32 len;		/* bytes of claim data that follow */
};

/* Violation reasons (vinfer_rec_violation.reason). */
enum vinfer_violation {
	VINFER_VIOL_OPEN_WRITERS = 1,	/* open for write while measured or after */
	VINFER_VIOL_MODIFIED	 = 2,	/* contents changed after measurement */
	VINFER_VIOL_TRUNCATED	 = 3,	/* size shrank after measurement */
};

/*
 * measured_seq is the VINFER_REC_FILE record the violation invalidates.  The
 * attribution in the header is the task that caused the violation where the
 * kernel saw it (a write, a truncate), else the task that sealed.
 */
struct vinfer_rec_violation {
	__le32 reason;
	__le32 path_len;	/* path of the measured file follows */
	__le64 measured_seq;
	__le64 dev;
	__le64 ino;
	__le64 size;		/* file size when the violation was seen */
};

/* vinfer_rec_seal.reason */
enum vinfer_seal_reason {
	VINFER_SEAL_REQUEST	= 1,	/* SEAL ioctl */
	VINFER_SEAL_TIMER	= 2,	/* batch_ms elapsed */
	VINFER_SEAL_SIZE	= 3,	/* batch_records reached */
};

/* vinfer_rec_seal.flags */
#define VINFER_SEAL_TPM		(1U << 0)	/* this batch is extended into the PCR */

struct vinfer_rec_seal {
	__le64 batch;		/* 1 for the first batch */
	__le64 first_seq;	/* first record of this batch */
	__le32 reason;
	__le32 flags;
};

struct vinfer_rec_full {
	__le64 max_bytes;	/* the memory cap that was reached */
	__le64 bytes;		/* log memory in use */
};

struct vinfer_rec_tpm_error {
	__le64 batch;		/* batch whose extend failed; it is retried */
	__le32 error;		/* positive errno, or TPM response code | 0x80000000 */
	__le32 attempts;	/* failed attempts so far for this batch */
};

/* ---- ioctls ---------------------------------------------------------- */

#define VINFER_IOC_MAGIC	0xBA

/*
 * MEASURE: the kernel reads the file behind fd and appends a VINFER_REC_FILE
 * record.  fd must be a regular file open for reading, on a filesystem with
 * stable contents (not procfs, sysfs and the like: EOPNOTSUPP).
 * Errors: EBADF (fd not open or not readable), EISDIR, EINVAL (not a regular
 * file, unknown kind, nonzero flags or reserved), EINTR (a signal arrived;
 * nothing was recorded), ENOSPC (the log is full), EPERM.
 */
struct vinfer_measure {
	__s32 fd;		/* in */
	__u32 kind;		/* in: enum vinfer_file_kind */
	__u32 flags;		/* in: must be 0 */
	__u32 out_flags;	/* out: VINFER_FILE_* | VINFER_MEASURE_VIOLATION */
	__u64 seq;		/* out: the record's sequence number */
	__u64 size;		/* out: bytes hashed */
	__u8 digest[VINFER_DIGEST_SIZE];	/* out */
	__u64 reserved[4];	/* must be 0 */
};

#define VINFER_MEASURE_VIOLATION (1U << 31)	/* a violation was recorded with it */

/*
 * APPEND: records len bytes at data as a userspace claim of the given kind.
 * kind 0 is invalid; VINFER_CLAIM_REQUEST needs len == 64.
 * Errors: EINVAL, EMSGSIZE (len > VINFER_CLAIM_MAX), EFAULT, ENOSPC, EPERM.
 */
struct vinfer_append {
	__u32 kind;		/* in */
	__u32 len;		/* in: 1..VINFER_CLAIM_MAX */
	__u64 data;		/* in: pointer to the bytes */
	__u32 flags;		/* in: must be 0 */
	__u32 reserved0;	/* must be 0 */
	__u64 seq;		/* out */
	__u64 reserved[4];	/* must be 0 */
};

/* vinfer_seal.out_flags */
#define VINFER_SEALED_TPM	(1U << 0)	/* the batch is in the PCR */
#define VINFER_SEALED_PENDING	(1U << 1)	/* extend failed; retried later */
#define VINFER_SEALED_NO_TPM	(1U << 2)	/* the log has no hardware binding */

/*
 * SEAL: closes the current batch and waits for its PCR extend, so that a
 * quote taken afterwards covers every record before the seal.  When no record
 * was added since the last seal, it returns the last batch again and makes no
 * new extend.  Errors: EINVAL, EPERM, EINTR.
 */
struct vinfer_seal {
	__u32 flags;		/* in: must be 0 */
	__u32 out_flags;	/* out: VINFER_SEALED_* */
	__u64 batch;		/* out */
	__u64 seq;		/* out: the batch's VINFER_REC_BATCH_SEAL record */
	__u64 records;		/* out: records in the log */
	__u8 head[VINFER_DIGEST_SIZE];	/* out: chain head after the seal record */
	__u8 pcr[VINFER_DIGEST_SIZE];	/* out: PCR value the log implies after it */
	__u64 reserved[4];	/* must be 0 */
};

#define VINFER_IOC_MEASURE	_IOWR(VINFER_IOC_MAGIC, 1, struct vinfer_measure)
#define VINFER_IOC_APPEND	_IOWR(VINFER_IOC_MAGIC, 2, struct vinfer_append)
#define VINFER_IOC_SEAL		_IOWR(VINFER_IOC_MAGIC, 3, struct vinfer_seal)

#endif /* _UAPI_LINUX_VINFER_H */
