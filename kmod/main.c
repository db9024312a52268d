// SPDX-License-Identifier: GPL-2.0
/*
 * vinfer.ko: the kernel measurement log of AI inference workloads, bound to
 * a TPM PCR.  This file only orders the start of each part and its reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>

#include "vinfer.h"

/*
 * PCR 13 by default: not resettable (unlike 16 and 23), not the firmware's
 * (0-7), the boot loader's (8, 9), IMA's (10) or shim's (14).  systemd uses
 * 11, 12, 13 and 15 only on systems booted through a measured UKI; on those,
 * choose the PCR with Documentation/admin-guide/vinfer.rst.
 */
unsigned int vinfer_pcr = 13;
module_param_named(pcr, vinfer_pcr, uint, 0444);
MODULE_PARM_DESC(pcr, "PCR the log is extended into (8-15 but 10; default 13)");

bool vinfer_use_tpm = true;
module_param_named(use_tpm, vinfer_use_tpm, bool, 0444);
MODULE_PARM_DESC(use_tpm, "Bind the log to the TPM (default 1)");

unsigned int vinfer_batch_ms = 1000;
module_param_named(batch_ms, vinfer_batch_ms, uint, 0444);
MODULE_PARM_DESC(batch_ms, "Close a non-empty batch after this many ms (default 1000)");

unsigned int vinfer_batch_records = 16384;
module_param_named(batch_records, vinfer_batch_records, uint, 0444);
MODULE_PARM_DESC(batch_records, "Close a batch at this many records (default 16384)");

unsigned long vinfer_max_bytes = 64UL << 20;
module_param_named(max_bytes, vinfer_max_bytes, ulong, 0444);
MODULE_PARM_DESC(max_bytes, "Memory cap of the log in bytes (default 64 MiB)");

unsigned int vinfer_max_watches = 65536;
module_param_named(max_watches, vinfer_max_watches, uint, 0444);
MODULE_PARM_DESC(max_watches, "Measured files watched for changes (default 65536)");

static int __init vinfer_check_params(void)
{
	if (vinfer_pcr < 8 || vinfer_pcr > 15 || vinfer_pcr == 10) {
		pr_err("pcr=%u refused: use 8-15 but 10 (0-7 firmware, 10 IMA, 16 and 23 resettable, 17-22 locality 2+)\n",
		       vinfer_pcr);
		return -EINVAL;
	}
	if (vinfer_batch_ms < 10 || vinfer_batch_ms > 3600 * 1000) {
		pr_err("batch_ms=%u refused: use 10..3600000\n", vinfer_batch_ms);
		return -EINVAL;
	}
	if (!vinfer_batch_records) {
		pr_err("batch_records=0 refused\n");
		return -EINVAL;
	}
	if (vinfer_max_bytes < 2 * VINFER_RESERVE_BYTES) {
		pr_err("max_bytes=%lu refused: at least %u\n", vinfer_max_bytes,
		       2 * VINFER_RESERVE_BYTES);
		return -EINVAL;
	}
	return 0;
}

static int __init vinfer_init(void)
{
	int err;

	err = vinfer_check_params();
	if (err)
		return err;
	err = vinfer_measure_init();
	if (err)
		return err;
	err = vinfer_tpm_init();
	if (err)
		goto measure_exit;
	err = vinfer_watch_init();
	if (err)
		goto tpm_exit;
	err = vinfer_log_init();
	if (err)
		goto watch_exit;
	err = vinfer_fs_init();
	if (err)
		goto log_exit;
	err = vinfer_dev_init();
	if (err)
		goto fs_exit;
	pr_info("version %s, pcr %u, %s\n", VINFER_VERSION, vinfer_pcr,
		vinfer_tpm_bound() ? "bound to the TPM" : "no hardware binding");
	return 0;

fs_exit:
	vinfer_fs_exit();
log_exit:
	vinfer_log_stop();
watch_exit:
	vinfer_watch_exit();
	vinfer_log_exit();
tpm_exit:
	vinfer_tpm_exit();
measure_exit:
	vinfer_measure_exit();
	return err;
}

static void __exit vinfer_exit(void)
{
	vinfer_dev_exit();
	vinfer_fs_exit();
	vinfer_log_stop();
	vinfer_watch_exit();
	vinfer_tpm_exit();
	vinfer_log_exit();
	vinfer_measure_exit();
}

module_init(vinfer_init);
module_exit(vinfer_exit);

MODULE_DESCRIPTION("vinfer: TPM-bound measurement log of AI inference workloads");
MODULE_LICENSE("GPL");
MODULE_VERSION(VINFER_VERSION);
