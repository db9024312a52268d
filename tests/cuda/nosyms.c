// SPDX-License-Identifier: GPL-2.0
/*
 * A library that calls itself libcuda.so.1 (its SONAME, and the file name a
 * test gives it) but exports none of the CUDA driver API: the runtime-tier
 * probes must find nothing to attach to in it, and say so, without failing.
 */
__attribute__((visibility("default"), noinline, used))
int vinfer_test_nothing(void)
{
	return 0;
}
