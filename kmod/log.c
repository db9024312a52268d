// SPDX-License-Identifier: GPL-2.0
/*
 * The measurement log: append-only records, hash-chained, closed in batches.
 *
 * One mutex, vinfer_log_lock, serialises everything that changes the log:
 * sequence numbers, the chain head, memory accounting and batch closing.  It
 * is a mutex, not a spinlock, because appending allocates with GFP_KERNEL and
 * may store into an xarray that allocates too; no caller appends from atomic
 * context.  Hashing of files happens before the lock is taken, and the TPM
 * extend after it is dropped (tpm.c, under its own mutex, which may take this
 * one to record an error: the order is tpm -> log, never the reverse).
 *
 * Readers (securityfs) take no lock.  A record is stored in the xarray before
 * vinfer_published is raised with release semantics, and records are never
 * changed or freed before module exit, so a reader that sees seq below
 * vinfer_published finds a complete record.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "vinfer.h"

static DEFINE_MUTEX(vinfer_log_lock);
static DEFINE_XARRAY(vinfer_records);	/* seq -> struct vinfer_record */
static DEFINE_XARRAY(vinfer_batches);	/* batch nr -> struct vinfer_batch */
static atomic64_t vinfer_published = ATOMIC64_INIT(0);

/* All below under vinfer_log_lock. */
static struct {
	u64 next_seq;
	u64 bytes;
	u64 batches;
	u64 batch_first;		/* first record of the open batch */
	u64 unsealed;
	bool full;
	u8 head[SHA256_DIGEST_SIZE];
	u8 pcr[SHA256_DIGEST_SIZE];	/* PCR implied by the last closed batch */
} vlog;

static atomic64_t vinfer_violations = ATOMIC64_INIT(0);
static atomic64_t vinfer_violations_lost = ATOMIC64_INIT(0);

static void vinfer_batch_timer(struct work_struct *work);
static DECLARE_DELAYED_WORK(vinfer_batch_work, vinfer_batch_timer);

static_assert(sizeof(struct vinfer_rec_hdr) == 72);
static_assert(sizeof(struct vinfer_rec_load) == 48);
static_assert(sizeof(struct vinfer_rec_file) == 88);
static_assert(sizeof(struct vinfer_rec_claim) == 8);
static_assert(sizeof(struct vinfer_rec_violation) == 40);
static_assert(sizeof(struct vinfer_rec_seal) == 24);
static_assert(sizeof(struct vinfer_rec_full) == 16);
static_assert(sizeof(struct vinfer_rec_tpm_error) == 16);
static_assert(sizeof(struct vinfer_rec_hdr) % VINFER_RECORD_ALIGN == 0);

void vinfer_attr_current(struct vinfer_attr *attr)
{
	struct cgroup *cgrp;

	attr->pid = task_pid_nr(current);
	attr->tgid = task_tgid_nr(current);
	attr->uid = from_kuid(&init_user_ns, current_uid());
	rcu_read_lock();
	cgrp = task_dfl_cgroup(current);
	attr->cgroup_id = cgrp ? cgroup_id(cgrp) : 0;
	rcu_read_unlock();
	get_task_comm(attr->comm, current);
}

/* Memory a record costs against max_bytes. */
static size_t vinfer_record_cost(const struct vinfer_record *rec)
{
	return sizeof(*rec) + rec->len;
}

/*
 * Build a record from @desc, everything but its sequence number.  Copies a
 * user tail here, before any lock is taken.
 */
static struct vinfer_record *vinfer_record_build(const struct vinfer_rec_desc *desc)
{
	struct vinfer_rec_hdr *hdr;
	struct vinfer_record *rec;
	struct vinfer_attr self;
	const struct vinfer_attr *attr = desc->attr;
	size_t body, len;

	if (check_add_overflow((size_t)desc->payload_len, (size_t)desc->tail_len, &body) ||
	    body > U32_MAX - sizeof(*hdr) - VINFER_RECORD_ALIGN)
		return ERR_PTR(-EOVERFLOW);
	len = ALIGN(sizeof(*hdr) + body, VINFER_RECORD_ALIGN);

	rec = kzalloc(struct_size(rec, data, len), GFP_KERNEL_ACCOUNT);
	if (!rec)
		return ERR_PTR(-ENOMEM);
	rec->len = len;

	if (!attr) {
		vinfer_attr_current(&self);
		attr = &self;
	}
	hdr = (struct vinfer_rec_hdr *)rec->data;
	hdr->len = cpu_to_le32(len);
	hdr->type = cpu_to_le16(desc->type);
	hdr->source = cpu_to_le16(desc->source);
	hdr->time_real_ns = cpu_to_le64(ktime_get_real_ns());
	hdr->time_boot_ns = cpu_to_le64(ktime_get_boottime_ns());
	hdr->cgroup_id = cpu_to_le64(attr->cgroup_id);
	hdr->pid = cpu_to_le32(attr->pid);
	hdr->tgid = cpu_to_le32(attr->tgid);
	hdr->uid = cpu_to_le32(attr->uid);
	hdr->payload_len = cpu_to_le32(body);
	memcpy(hdr->comm, attr->comm, sizeof(hdr->comm));

	memcpy(rec->data + sizeof(*hdr), desc->payload, desc->payload_len);
	if (desc->tail_len) {
		u8 *dst = rec->data + sizeof(*hdr) + desc->payload_len;

		if (!desc->tail) {
			if (copy_from_user(dst, desc->utail, desc->tail_len)) {
				kfree(rec);
				return ERR_PTR(-EFAULT);
			}
		} else {
			memcpy(dst, desc->tail, desc->tail_len);
		}
	}
	return rec;
}

/*
 * Give @rec the next sequence number, chain it and publish it.  On error the
 * log is unchanged and the caller still owns @rec.
 */
static int vinfer_record_publish(struct vinfer_record *rec, u64 *seq)
{
	struct vinfer_rec_hdr *hdr = (struct vinfer_rec_hdr *)rec->data;
	u8 pair[2 * SHA256_DIGEST_SIZE];
	int err;

	lockdep_assert_held(&vinfer_log_lock);

	hdr->seq = cpu_to_le64(vlog.next_seq);
	sha256(rec->data, rec->len, rec->digest);
	err = xa_err(xa_store(&vinfer_records, vlog.next_seq, rec, GFP_KERNEL));
	if (err)
		return err;

	memcpy(pair, vlog.head, SHA256_DIGEST_SIZE);
	memcpy(pair + SHA256_DIGEST_SIZE, rec->digest, SHA256_DIGEST_SIZE);
	sha256(pair, sizeof(pair), vlog.head);

	if (seq)
		*seq = vlog.next_seq;
	vlog.next_seq++;
	vlog.unsealed++;
	vlog.bytes += vinfer_record_cost(rec);
	atomic64_set_release(&vinfer_published, vlog.next_seq);
	return 0;
}

/* Append a kernel record built from @desc; @reserved lets it use the reserve. */
static int vinfer_append_locked(const struct vinfer_rec_desc *desc, bool reserved,
				u64 *seq)
{
	struct vinfer_record *rec;
	u64 cap = vinfer_max_bytes;
	int err;

	lockdep_assert_held(&vinfer_log_lock);

	rec = vinfer_record_build(desc);
	if (IS_ERR(rec))
		return PTR_ERR(rec);
	if (reserved)
		cap += VINFER_RESERVE_BYTES;
	if (vlog.bytes + vinfer_record_cost(rec) > cap) {
		kfree(rec);
		return -ENOSPC;
	}
	err = vinfer_record_publish(rec, seq);
	if (err)
		kfree(rec);
	return err;
}

/* The cap was reached: say so once, in the log itself. */
static void vinfer_log_mark_full(void)
{
	struct vinfer_rec_full full = {
		.max_bytes = cpu_to_le64(vinfer_max_bytes),
		.bytes = cpu_to_le64(vlog.bytes),
	};
	struct vinfer_rec_desc desc = {
		.type = VINFER_REC_LOG_FULL,
		.source = VINFER_SRC_KERNEL,
		.payload = &full,
		.payload_len = sizeof(full),
	};

	lockdep_assert_held(&vinfer_log_lock);
	if (vlog.full)
		return;
	vlog.full = true;
	pr_warn_ratelimited("log reached max_bytes=%lu; further measurements and claims fail with ENOSPC\n",
			    vinfer_max_bytes);
	if (vinfer_append_locked(&desc, true, NULL))
		pr_err_ratelimited("could not record that the log is full\n");
}

static int vinfer_seal_locked(u32 reason, struct vinfer_seal_info *info);

static int vinfer_log_append_common(const struct vinfer_rec_desc *desc,
				    bool reserved, u64 *seq)
{
	struct vinfer_record *rec;
	u64 cap = vinfer_max_bytes;
	int err;

	/* Build (and copy user bytes) before taking the lock. */
	rec = vinfer_record_build(desc);
	if (IS_ERR(rec))
		return PTR_ERR(rec);
	if (reserved)
		cap += VINFER_RESERVE_BYTES;

	mutex_lock(&vinfer_log_lock);
	if (vlog.bytes + vinfer_record_cost(rec) > cap) {
		if (!reserved)
			vinfer_log_mark_full();
		err = -ENOSPC;
		goto unlock;
	}
	err = vinfer_record_publish(rec, seq);
	if (err)
		goto unlock;
	rec = NULL;

	if (vlog.unsealed >= vinfer_batch_records &&
	    !vinfer_seal_locked(VINFER_SEAL_SIZE, NULL))
		vinfer_tpm_kick();
unlock:
	mutex_unlock(&vinfer_log_lock);
	kfree(rec);
	return err;
}

/* Append a measurement or claim; fails with ENOSPC once the cap is reached. */
int vinfer_log_append(const struct vinfer_rec_desc *desc, u64 *seq)
{
	return vinfer_log_append_common(desc, false, seq);
}

/* Append a record of the kernel's own (violation, TPM error): may use the reserve. */
int vinfer_log_append_reserved(const struct vinfer_rec_desc *desc, u64 *seq)
{
	return vinfer_log_append_common(desc, true, seq);
}

const struct vinfer_record *vinfer_log_get(u64 seq)
{
	if (seq >= (u64)atomic64_read_acquire(&vinfer_published))
		return NULL;
	return xa_load(&vinfer_records, seq);
}

u64 vinfer_log_count(void)
{
	return atomic64_read_acquire(&vinfer_published);
}

const struct vinfer_batch *vinfer_log_batch(u64 nr)
{
	return xa_load(&vinfer_batches, nr);
}

/*
 * Close the open batch with a BATCH_SEAL record.  The chain head after that
 * record is what tpm.c extends into the PCR; the PCR value it implies is kept
 * with the batch so that SEAL can report it and state can show it.
 */
static int vinfer_seal_locked(u32 reason, struct vinfer_seal_info *info)
{
	bool tpm = vinfer_tpm_bound();
	struct vinfer_rec_seal seal = {
		.batch = cpu_to_le64(vlog.batches + 1),
		.first_seq = cpu_to_le64(vlog.batch_first),
		.reason = cpu_to_le32(reason),
		.flags = cpu_to_le32(tpm ? VINFER_SEAL_TPM : 0),
	};
	struct vinfer_rec_desc desc = {
		.type = VINFER_REC_BATCH_SEAL,
		.source = VINFER_SRC_KERNEL,
		.payload = &seal,
		.payload_len = sizeof(seal),
	};
	u8 pair[2 * SHA256_DIGEST_SIZE];
	struct vinfer_batch *batch;
	u64 seq;
	int err;

	lockdep_assert_held(&vinfer_log_lock);

	batch = kzalloc(sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return -ENOMEM;
	batch->nr = vlog.batches + 1;
	err = xa_err(xa_store(&vinfer_batches, batch->nr, batch, GFP_KERNEL));
	if (err)
		goto free;
	err = vinfer_append_locked(&desc, true, &seq);
	if (err)
		goto erase;

	batch->seal_seq = seq;
	memcpy(batch->head, vlog.head, SHA256_DIGEST_SIZE);
	if (tpm) {
		memcpy(pair, vlog.pcr, SHA256_DIGEST_SIZE);
		memcpy(pair + SHA256_DIGEST_SIZE, vlog.head, SHA256_DIGEST_SIZE);
		sha256(pair, sizeof(pair), vlog.pcr);
	}
	memcpy(batch->pcr, vlog.pcr, SHA256_DIGEST_SIZE);
	vlog.batches = batch->nr;
	vlog.batch_first = vlog.next_seq;
	vlog.unsealed = 0;

	if (info) {
		info->batch = batch->nr;
		info->seq = seq;
		info->tpm = tpm;
	}
	return 0;
erase:
	xa_erase(&vinfer_batches, batch->nr);
free:
	kfree(batch);
	return err;
}

/*
 * Close the open batch (if it has records) and extend it into the PCR before
 * returning, so that a quote taken afterwards covers everything before it.
 */
int vinfer_log_seal(u32 reason, struct vinfer_seal_info *info)
{
	const struct vinfer_batch *batch;
	int err = 0;

	/* Violations noticed so far belong before the seal. */
	vinfer_watch_sync();

	mutex_lock(&vinfer_log_lock);
	if (vlog.unsealed)
		err = vinfer_seal_locked(reason, NULL);
	batch = vlog.batches ? vinfer_log_batch(vlog.batches) : NULL;
	if (!err && batch) {
		info->batch = batch->nr;
		info->seq = batch->seal_seq;
		info->records = vlog.next_seq;
		info->tpm = vinfer_tpm_bound();
		memcpy(info->head, batch->head, SHA256_DIGEST_SIZE);
		memcpy(info->pcr, batch->pcr, SHA256_DIGEST_SIZE);
	}
	mutex_unlock(&vinfer_log_lock);
	if (err)
		return err;
	if (WARN_ON_ONCE(!batch))
		return -EIO;
	info->pending = vinfer_tpm_extend_pending() != 0;
	return 0;
}

void vinfer_log_count_violation(bool lost)
{
	atomic64_inc(lost ? &vinfer_violations_lost : &vinfer_violations);
}

void vinfer_log_stats(struct vinfer_log_stats *st)
{
	mutex_lock(&vinfer_log_lock);
	st->records = vlog.next_seq;
	st->bytes = vlog.bytes;
	st->batches = vlog.batches;
	st->unsealed = vlog.unsealed;
	st->full = vlog.full;
	memcpy(st->head, vlog.head, SHA256_DIGEST_SIZE);
	memcpy(st->pcr, vlog.pcr, SHA256_DIGEST_SIZE);
	mutex_unlock(&vinfer_log_lock);
	st->violations = atomic64_read(&vinfer_violations);
	st->violations_lost = atomic64_read(&vinfer_violations_lost);
}

static void vinfer_batch_timer(struct work_struct *work)
{
	bool sealed = false;

	vinfer_watch_sync();
	mutex_lock(&vinfer_log_lock);
	if (vlog.unsealed)
		sealed = !vinfer_seal_locked(VINFER_SEAL_TIMER, NULL);
	mutex_unlock(&vinfer_log_lock);
	if (sealed)
		vinfer_tpm_kick();
	schedule_delayed_work(&vinfer_batch_work, msecs_to_jiffies(vinfer_batch_ms));
}

/* Start the log with its LOAD record: where the PCR stood when it began. */
int vinfer_log_init(void)
{
	struct vinfer_rec_load load = {
		.log_version = cpu_to_le32(VINFER_LOG_VERSION),
	};
	struct vinfer_rec_desc desc = {
		.type = VINFER_REC_LOAD,
		.source = VINFER_SRC_KERNEL,
		.payload = &load,
		.payload_len = sizeof(load),
	};
	int err;

	if (vinfer_tpm_bound()) {
		err = vinfer_tpm_base(load.pcr_base);
		if (err)
			return err;
		load.flags = cpu_to_le32(VINFER_LOAD_TPM);
		load.pcr = cpu_to_le32(vinfer_pcr);
	}

	mutex_lock(&vinfer_log_lock);
	memcpy(vlog.pcr, load.pcr_base, SHA256_DIGEST_SIZE);
	err = vinfer_append_locked(&desc, true, NULL);
	mutex_unlock(&vinfer_log_lock);
	if (err)
		return err;

	schedule_delayed_work(&vinfer_batch_work, msecs_to_jiffies(vinfer_batch_ms));
	return 0;
}

/* Stop closing batches on the timer; before the TPM binding goes away. */
void vinfer_log_stop(void)
{
	cancel_delayed_work_sync(&vinfer_batch_work);
}

/* Called once every reader and writer is gone. */
void vinfer_log_exit(void)
{
	struct vinfer_record *rec;
	struct vinfer_batch *batch;
	unsigned long idx;

	xa_for_each(&vinfer_records, idx, rec)
		kfree(rec);
	xa_destroy(&vinfer_records);
	xa_for_each(&vinfer_batches, idx, batch)
		kfree(batch);
	xa_destroy(&vinfer_batches);
}
