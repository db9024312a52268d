// SPDX-License-Identifier: GPL-2.0
/*
 * vinfer_warn_test: WARN once at load time and stay loaded, so that the
 * guest kernel log carries a real "WARNING:" with a "Call Trace:". Used only
 * by tests/vm/smoke.sh to check vm-run's dirty-log detection.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/module.h>

static int __init vinfer_warn_test_init(void)
{
	pr_info("warning on purpose\n");
	WARN_ON(1);
	return 0;
}

static void __exit vinfer_warn_test_exit(void)
{
}

module_init(vinfer_warn_test_init);
module_exit(vinfer_warn_test_exit);
MODULE_DESCRIPTION("vm-run self-test: WARN at load");
MODULE_LICENSE("GPL");
