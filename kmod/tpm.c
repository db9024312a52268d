// SPDX-License-Identifier: GPL-2.0
/*
 * Binding of the log to one TPM PCR, through the kernel's TPM API.
 *
 * Each closed batch is extended once, in batch order: the value extended is
 * the chain head just after the batch's seal record (log.c).  Only the
 * SHA-256 bank carries meaning; other banks get the same 32 bytes, zero
 * padded or truncated to their size, so that every bank changes.
 *
 * vinfer_tpm_lock serialises extends so that batches reach the PCR in order;
 * it is held across the TPM command, which sleeps.  It nests outside
 * vinfer_log_lock (an extend failure is recorded in the log).
 *
 * A failed extend is recorded (VINFER_REC_TPM_ERROR) and retried with an
 * exponential backoff; later batches wait behind it, so the PCR lags the log
 * but never disagrees with it.
 *
 * Once a batch is in the PCR the module pins itself: unloading it would let
 * a new log start while the PCR still holds the old one.  A forced unload
 * (rmmod -f) is still possible for root; the next load then records the
 * non-zero PCR value it found as the log's base, so the gap is visible.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/tpm.h>
#include <linux/workqueue.h>

#include "vinfer.h"

#define VINFER_RETRY_MIN_MS	100
#define VINFER_RETRY_MAX_MS	30000

static struct tpm_chip *vinfer_chip;
static struct tpm_digest *vinfer_digests;	/* one per allocated bank */
static bool vinfer_bound;

static DEFINE_MUTEX(vinfer_tpm_lock);
/* Under vinfer_tpm_lock. */
static u64 vinfer_extended;		/* batches in the PCR */
static u64 vinfer_extends;
static u64 vinfer_errors;
static int vinfer_last_error;
static u32 vinfer_attempts;		/* failures of the batch at the front */
static unsigned int vinfer_retry_ms;
static bool vinfer_pinned;

static void vinfer_tpm_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(vinfer_tpm_work, vinfer_tpm_work_fn);

bool vinfer_tpm_bound(void)
{
	return vinfer_bound;
}

int vinfer_tpm_base(u8 base[SHA256_DIGEST_SIZE])
{
	struct tpm_digest d = { .alg_id = TPM_ALG_SHA256 };
	int err;

	err = tpm_pcr_read(vinfer_chip, vinfer_pcr, &d);
	if (err) {
		pr_err("cannot read PCR %u: %d\n", vinfer_pcr, err);
		return err > 0 ? -EIO : err;
	}
	memcpy(base, d.digest, SHA256_DIGEST_SIZE);
	return 0;
}

static int vinfer_tpm_extend(const u8 head[SHA256_DIGEST_SIZE])
{
	int i;

	for (i = 0; i < vinfer_chip->nr_allocated_banks; i++) {
		u16 size = vinfer_chip->allocated_banks[i].digest_size;

		memset(vinfer_digests[i].digest, 0, sizeof(vinfer_digests[i].digest));
		memcpy(vinfer_digests[i].digest, head, min_t(u16, size, SHA256_DIGEST_SIZE));
	}
	return tpm_pcr_extend(vinfer_chip, vinfer_pcr, vinfer_digests);
}

static bool vinfer_chip_has_sha256(struct tpm_chip *chip);

/*
 * After a failure, look the TPM up again: when its driver was unbound and
 * bound again, the chip we hold is dead and a new one serves the same TPM.
 */
static void vinfer_tpm_reacquire(void)
{
	struct tpm_chip *chip;
	struct tpm_digest *digests;
	int i;

	lockdep_assert_held(&vinfer_tpm_lock);
	chip = tpm_default_chip();
	if (!chip)
		return;
	if (chip == vinfer_chip || !vinfer_chip_has_sha256(chip))
		goto put;
	digests = kcalloc(chip->nr_allocated_banks, sizeof(*digests), GFP_KERNEL);
	if (!digests)
		goto put;
	for (i = 0; i < chip->nr_allocated_banks; i++)
		digests[i].alg_id = chip->allocated_banks[i].alg_id;
	swap(chip, vinfer_chip);
	swap(digests, vinfer_digests);
	kfree(digests);
	pr_info("TPM chip replaced; extends resume on the new chip\n");
put:
	put_device(&chip->dev);
}

static void vinfer_tpm_record_error(u64 batch, int err)
{
	struct vinfer_rec_tpm_error rec = {
		.batch = cpu_to_le64(batch),
		.error = cpu_to_le32(err > 0 ? (u32)err | 0x80000000U : (u32)-err),
		.attempts = cpu_to_le32(vinfer_attempts),
	};
	struct vinfer_rec_desc desc = {
		.type = VINFER_REC_TPM_ERROR,
		.source = VINFER_SRC_KERNEL,
		.payload = &rec,
		.payload_len = sizeof(rec),
	};

	lockdep_assert_held(&vinfer_tpm_lock);
	if (vinfer_log_append_reserved(&desc, NULL))
		pr_err_ratelimited("could not record TPM error %d of batch %llu\n",
				   err, batch);
}

/*
 * Extend every closed batch not yet in the PCR, in order.  Returns 0 when the
 * PCR has caught up with the log, else the error of the batch that failed
 * (a retry is scheduled).  Without a binding there is nothing to do.
 */
int vinfer_tpm_extend_pending(void)
{
	const struct vinfer_batch *batch;
	int err = 0;

	if (!vinfer_bound)
		return 0;

	mutex_lock(&vinfer_tpm_lock);
	while ((batch = vinfer_log_batch(vinfer_extended + 1))) {
		err = vinfer_tpm_extend(batch->head);
		if (err) {
			vinfer_errors++;
			vinfer_attempts++;
			vinfer_last_error = err;
			pr_warn_ratelimited("extend of batch %llu into PCR %u failed: %d (attempt %u), retrying\n",
					    batch->nr, vinfer_pcr, err, vinfer_attempts);
			/* 1st, 2nd, 4th, 8th... failure: bounded log growth. */
			if (is_power_of_2(vinfer_attempts))
				vinfer_tpm_record_error(batch->nr, err);
			vinfer_retry_ms = clamp(vinfer_retry_ms * 2, VINFER_RETRY_MIN_MS,
						VINFER_RETRY_MAX_MS);
			mod_delayed_work(system_wq, &vinfer_tpm_work,
					 msecs_to_jiffies(vinfer_retry_ms));
			vinfer_tpm_reacquire();
			break;
		}
		vinfer_extended = batch->nr;
		vinfer_extends++;
		vinfer_attempts = 0;
		vinfer_retry_ms = 0;
		if (!vinfer_pinned) {
			__module_get(THIS_MODULE);
			vinfer_pinned = true;
			pr_info("log bound to PCR %u; the module can no longer be unloaded\n",
				vinfer_pcr);
		}
	}
	mutex_unlock(&vinfer_tpm_lock);
	if (err > 0)
		err = -EIO;
	return err;
}

static void vinfer_tpm_work_fn(struct work_struct *work)
{
	vinfer_tpm_extend_pending();
}

/* A batch closed outside of SEAL: extend it soon, from a worker. */
void vinfer_tpm_kick(void)
{
	if (vinfer_bound)
		mod_delayed_work(system_wq, &vinfer_tpm_work, 0);
}

void vinfer_tpm_stats(struct vinfer_tpm_stats *st)
{
	st->present = vinfer_chip;
	st->sha256_bank = vinfer_bound;
	mutex_lock(&vinfer_tpm_lock);
	st->extended = vinfer_extended;
	st->extends = vinfer_extends;
	st->errors = vinfer_errors;
	st->last_error = vinfer_last_error;
	mutex_unlock(&vinfer_tpm_lock);
}

static bool vinfer_chip_has_sha256(struct tpm_chip *chip)
{
	int i;

	for (i = 0; i < chip->nr_allocated_banks; i++)
		if (chip->allocated_banks[i].alg_id == TPM_ALG_SHA256)
			return true;
	return false;
}

int vinfer_tpm_init(void)
{
	int i;

	if (!vinfer_use_tpm) {
		pr_info("use_tpm=0: the log has no hardware binding\n");
		return 0;
	}
	vinfer_chip = tpm_default_chip();
	if (!vinfer_chip) {
		pr_info("no TPM: the log has no hardware binding\n");
		return 0;
	}
	if (!(vinfer_chip->flags & TPM_CHIP_FLAG_TPM2) ||
	    !vinfer_chip_has_sha256(vinfer_chip)) {
		pr_warn("TPM has no SHA-256 PCR bank: the log has no hardware binding\n");
		return 0;
	}
	vinfer_digests = kcalloc(vinfer_chip->nr_allocated_banks,
				 sizeof(*vinfer_digests), GFP_KERNEL);
	if (!vinfer_digests) {
		put_device(&vinfer_chip->dev);
		vinfer_chip = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < vinfer_chip->nr_allocated_banks; i++)
		vinfer_digests[i].alg_id = vinfer_chip->allocated_banks[i].alg_id;
	vinfer_bound = true;
	return 0;
}

void vinfer_tpm_exit(void)
{
	cancel_delayed_work_sync(&vinfer_tpm_work);
	kfree(vinfer_digests);
	if (vinfer_chip)
		put_device(&vinfer_chip->dev);
}
