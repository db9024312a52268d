// SPDX-License-Identifier: GPL-2.0
/*
 * securityfs interface: /sys/kernel/security/vinfer/
 *
 *   binary_measurements  the log, records as in include/uapi/linux/vinfer.h
 *   ascii_measurements   one line per record, for people
 *   state                key: value lines describing the log and its binding
 *
 * The seq_file iterators take no lock: records below the published count are
 * complete and immutable (log.c), so a reader sees a consistent prefix of the
 * log even while records are appended.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/string_helpers.h>

#include "vinfer.h"

static struct dentry *vinfer_dir;
static struct dentry *vinfer_binary;
static struct dentry *vinfer_ascii;
static struct dentry *vinfer_state;

static void *vinfer_seq_start(struct seq_file *m, loff_t *pos)
{
	return (void *)vinfer_log_get(*pos);
}

static void *vinfer_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return (void *)vinfer_log_get(*pos);
}

static void vinfer_seq_stop(struct seq_file *m, void *v)
{
}

static int vinfer_binary_show(struct seq_file *m, void *v)
{
	const struct vinfer_record *rec = v;

	seq_write(m, rec->data, rec->len);
	return 0;
}

static const struct seq_operations vinfer_binary_seqops = {
	.start = vinfer_seq_start,
	.next = vinfer_seq_next,
	.stop = vinfer_seq_stop,
	.show = vinfer_binary_show,
};

static const char *const vinfer_type_names[] = {
	[VINFER_REC_LOAD] = "load",
	[VINFER_REC_FILE] = "file",
	[VINFER_REC_CLAIM] = "claim",
	[VINFER_REC_VIOLATION] = "violation",
	[VINFER_REC_BATCH_SEAL] = "seal",
	[VINFER_REC_LOG_FULL] = "log-full",
	[VINFER_REC_TPM_ERROR] = "tpm-error",
};

static const char *const vinfer_kind_names[] = {
	[VINFER_KIND_OTHER] = "other",
	[VINFER_KIND_MODEL] = "model",
	[VINFER_KIND_DATA] = "data",
	[VINFER_KIND_CONFIG] = "config",
	[VINFER_KIND_CODE] = "code",
};

static const char *const vinfer_violation_names[] = {
	[VINFER_VIOL_OPEN_WRITERS] = "open-writers",
	[VINFER_VIOL_MODIFIED] = "modified",
	[VINFER_VIOL_TRUNCATED] = "truncated",
};

static const char *const vinfer_seal_names[] = {
	[VINFER_SEAL_REQUEST] = "request",
	[VINFER_SEAL_TIMER] = "timer",
	[VINFER_SEAL_SIZE] = "size",
};

static const char *vinfer_lookup(const char *const *tbl, size_t n, u32 i)
{
	return i < n && tbl[i] ? tbl[i] : "?";
}

static const char *vinfer_type_name(u32 i)
{
	return vinfer_lookup(vinfer_type_names, ARRAY_SIZE(vinfer_type_names), i);
}

static const char *vinfer_kind_name(u32 i)
{
	return vinfer_lookup(vinfer_kind_names, ARRAY_SIZE(vinfer_kind_names), i);
}

static const char *vinfer_violation_name(u32 i)
{
	return vinfer_lookup(vinfer_violation_names, ARRAY_SIZE(vinfer_violation_names), i);
}

static const char *vinfer_seal_name(u32 i)
{
	return vinfer_lookup(vinfer_seal_names, ARRAY_SIZE(vinfer_seal_names), i);
}

static void vinfer_show_path(struct seq_file *m, const u8 *p, u32 len)
{
	seq_puts(m, " path=");
	seq_escape_mem(m, p, len, ESCAPE_OCTAL | ESCAPE_NP, " \\");
}

static void vinfer_ascii_payload(struct seq_file *m, u16 type, const u8 *p, u32 len)
{
	switch (type) {
	case VINFER_REC_LOAD: {
		const struct vinfer_rec_load *l = (const void *)p;

		seq_printf(m, " log_version=%u tpm=%u pcr=%u base=%*phN",
			   le32_to_cpu(l->log_version),
			   !!(le32_to_cpu(l->flags) & VINFER_LOAD_TPM),
			   le32_to_cpu(l->pcr), VINFER_DIGEST_SIZE, l->pcr_base);
		break;
	}
	case VINFER_REC_FILE: {
		const struct vinfer_rec_file *f = (const void *)p;
		u32 flags = le32_to_cpu(f->flags);

		seq_printf(m, " sha256=%*phN kind=%s size=%llu dev=%llu ino=%llu i_version=%llu ctime=%llu.%09u%s%s",
			   VINFER_DIGEST_SIZE, f->digest,
			   vinfer_kind_name(le32_to_cpu(f->kind)),
			   le64_to_cpu(f->size), le64_to_cpu(f->dev), le64_to_cpu(f->ino),
			   le64_to_cpu(f->i_version), le64_to_cpu(f->ctime_sec),
			   le32_to_cpu(f->ctime_nsec),
			   flags & VINFER_FILE_VERITY ? " verity" : "",
			   flags & VINFER_FILE_UNWATCHED ? " unwatched" : "");
		vinfer_show_path(m, p + sizeof(*f), le32_to_cpu(f->path_len));
		break;
	}
	case VINFER_REC_CLAIM: {
		const struct vinfer_rec_claim *c = (const void *)p;
		u32 n = le32_to_cpu(c->len);

		seq_printf(m, " kind=%u len=%u data=", le32_to_cpu(c->kind), n);
		/* %*phN prints at most 64 bytes: show the start, say if cut. */
		seq_printf(m, "%*phN%s", (int)min_t(u32, n, 64), p + sizeof(*c),
			   n > 64 ? "..." : "");
		break;
	}
	case VINFER_REC_VIOLATION: {
		const struct vinfer_rec_violation *v = (const void *)p;

		seq_printf(m, " reason=%s measured=%llu dev=%llu ino=%llu size=%llu",
			   vinfer_violation_name(le32_to_cpu(v->reason)),
			   le64_to_cpu(v->measured_seq), le64_to_cpu(v->dev),
			   le64_to_cpu(v->ino), le64_to_cpu(v->size));
		vinfer_show_path(m, p + sizeof(*v), le32_to_cpu(v->path_len));
		break;
	}
	case VINFER_REC_BATCH_SEAL: {
		const struct vinfer_rec_seal *s = (const void *)p;

		seq_printf(m, " batch=%llu first=%llu reason=%s tpm=%u",
			   le64_to_cpu(s->batch), le64_to_cpu(s->first_seq),
			   vinfer_seal_name(le32_to_cpu(s->reason)),
			   !!(le32_to_cpu(s->flags) & VINFER_SEAL_TPM));
		break;
	}
	case VINFER_REC_LOG_FULL: {
		const struct vinfer_rec_full *f = (const void *)p;

		seq_printf(m, " max_bytes=%llu bytes=%llu", le64_to_cpu(f->max_bytes),
			   le64_to_cpu(f->bytes));
		break;
	}
	case VINFER_REC_TPM_ERROR: {
		const struct vinfer_rec_tpm_error *e = (const void *)p;

		seq_printf(m, " batch=%llu error=%#x attempts=%u", le64_to_cpu(e->batch),
			   le32_to_cpu(e->error), le32_to_cpu(e->attempts));
		break;
	}
	}
}

static int vinfer_ascii_show(struct seq_file *m, void *v)
{
	const struct vinfer_record *rec = v;
	const struct vinfer_rec_hdr *h = (const void *)rec->data;
	u16 type = le16_to_cpu(h->type);

	seq_printf(m, "%llu %s %s digest=%*phN pid=%u tgid=%u uid=%u cgroup=%llu comm=",
		   le64_to_cpu(h->seq), vinfer_type_name(type),
		   le16_to_cpu(h->source) == VINFER_SRC_KERNEL ? "kernel" : "user",
		   SHA256_DIGEST_SIZE, rec->digest, le32_to_cpu(h->pid),
		   le32_to_cpu(h->tgid), le32_to_cpu(h->uid), le64_to_cpu(h->cgroup_id));
	seq_escape_mem(m, h->comm, strnlen(h->comm, sizeof(h->comm)),
		       ESCAPE_OCTAL | ESCAPE_NP, " \\");
	vinfer_ascii_payload(m, type, rec->data + sizeof(*h), le32_to_cpu(h->payload_len));
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations vinfer_ascii_seqops = {
	.start = vinfer_seq_start,
	.next = vinfer_seq_next,
	.stop = vinfer_seq_stop,
	.show = vinfer_ascii_show,
};

static int vinfer_binary_open(struct inode *inode, struct file *file)
{
	return seq_open(file, &vinfer_binary_seqops);
}

static int vinfer_ascii_open(struct inode *inode, struct file *file)
{
	return seq_open(file, &vinfer_ascii_seqops);
}

static const struct file_operations vinfer_binary_fops = {
	.owner = THIS_MODULE,
	.open = vinfer_binary_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release,
};

static const struct file_operations vinfer_ascii_fops = {
	.owner = THIS_MODULE,
	.open = vinfer_ascii_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release,
};

static int vinfer_state_show(struct seq_file *m, void *v)
{
	struct vinfer_log_stats log;
	struct vinfer_tpm_stats tpm;
	const struct vinfer_batch *b;

	vinfer_log_stats(&log);
	vinfer_tpm_stats(&tpm);

	seq_printf(m, "version: %s\n", VINFER_VERSION);
	seq_printf(m, "log_version: %u\n", VINFER_LOG_VERSION);
	seq_printf(m, "tpm: %s\n", !vinfer_use_tpm ? "disabled" :
		   !tpm.present ? "absent" : tpm.sha256_bank ? "present" : "no-sha256-bank");
	seq_printf(m, "binding: %s\n", tpm.sha256_bank ? "pcr" : "none");
	seq_printf(m, "pcr: %u\n", vinfer_pcr);
	seq_printf(m, "records: %llu\n", log.records);
	seq_printf(m, "bytes: %llu\n", log.bytes);
	seq_printf(m, "max_bytes: %lu\n", vinfer_max_bytes);
	seq_printf(m, "full: %s\n", log.full ? "yes" : "no");
	seq_printf(m, "batches: %llu\n", log.batches);
	seq_printf(m, "unsealed: %llu\n", log.unsealed);
	seq_printf(m, "batch_ms: %u\n", vinfer_batch_ms);
	seq_printf(m, "batch_records: %u\n", vinfer_batch_records);
	seq_printf(m, "extended: %llu\n", tpm.extended);
	seq_printf(m, "pending: %llu\n",
		   tpm.sha256_bank ? log.batches - tpm.extended : 0);
	seq_printf(m, "tpm_extends: %llu\n", tpm.extends);
	seq_printf(m, "tpm_errors: %llu\n", tpm.errors);
	seq_printf(m, "tpm_last_error: %d\n", tpm.last_error);
	seq_printf(m, "violations: %llu\n", log.violations);
	seq_printf(m, "violations_lost: %llu\n", log.violations_lost);
	seq_printf(m, "watches: %llu\n", vinfer_watch_count());
	seq_printf(m, "head: %*phN\n", SHA256_DIGEST_SIZE, log.head);
	seq_printf(m, "pcr_log: %*phN\n", SHA256_DIGEST_SIZE, log.pcr);
	b = tpm.extended ? vinfer_log_batch(tpm.extended) : NULL;
	if (b)
		seq_printf(m, "pcr_extended: %*phN\n", SHA256_DIGEST_SIZE, b->pcr);
	return 0;
}

static int vinfer_state_open(struct inode *inode, struct file *file)
{
	return single_open(file, vinfer_state_show, NULL);
}

static const struct file_operations vinfer_state_fops = {
	.owner = THIS_MODULE,
	.open = vinfer_state_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

int vinfer_fs_init(void)
{
	int err;

	vinfer_dir = securityfs_create_dir("vinfer", NULL);
	if (IS_ERR(vinfer_dir))
		return PTR_ERR(vinfer_dir);
	vinfer_binary = securityfs_create_file("binary_measurements", 0440, vinfer_dir,
					       NULL, &vinfer_binary_fops);
	if (IS_ERR(vinfer_binary)) {
		err = PTR_ERR(vinfer_binary);
		goto remove_dir;
	}
	vinfer_ascii = securityfs_create_file("ascii_measurements", 0440, vinfer_dir,
					      NULL, &vinfer_ascii_fops);
	if (IS_ERR(vinfer_ascii)) {
		err = PTR_ERR(vinfer_ascii);
		goto remove_binary;
	}
	vinfer_state = securityfs_create_file("state", 0440, vinfer_dir, NULL,
					      &vinfer_state_fops);
	if (IS_ERR(vinfer_state)) {
		err = PTR_ERR(vinfer_state);
		goto remove_ascii;
	}
	return 0;

remove_ascii:
	securityfs_remove(vinfer_ascii);
remove_binary:
	securityfs_remove(vinfer_binary);
remove_dir:
	securityfs_remove(vinfer_dir);
	return err;
}

void vinfer_fs_exit(void)
{
	securityfs_remove(vinfer_state);
	securityfs_remove(vinfer_ascii);
	securityfs_remove(vinfer_binary);
	securityfs_remove(vinfer_dir);
}
