#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel tests of vinfer.ko: each step boots a fresh VM (scripts/vm-run) and
# runs one guest script.  vm-run fails a step whose guest kernel log shows a
# WARN, BUG, oops, lockdep or hung-task report.
#
#   host                      guest (Debian 6.1, TCG, swtpm as tpm-tis)
#   run.sh ── vm-run ──────►  vm-main.sh    digests, violations, bad input,
#                                           stress, fuzzer, replay = PCR
#          ── vm-run ──────►  vm-notpm.sh   no TPM: no hardware binding
#          ── vm-run ──────►  vm-tpmfail.sh TPM driver unbound: errors, retries
#          ── vm-run ──────►  vm-full.sh    max_bytes reached: log-full, ENOSPC
#          ── vm-run ──────►  vm-reload.sh  PCR choice, unload, reload, base
set -eu
cd "$(dirname "$0")/../.."

fail=0
step() {
	local name=$1
	shift
	echo "--- kernel: $name"
	if scripts/vm-run "$@"; then
		echo "--- kernel: $name: ok"
	else
		echo "--- kernel: $name: FAILED (status $?)"
		fail=1
	fi
}

step "main" -- tests/kernel/vm-main.sh
step "no TPM" --no-tpm -- tests/kernel/vm-notpm.sh
step "TPM lost and back" -- tests/kernel/vm-tpmfail.sh
step "log full" --param max_bytes=131072 -- tests/kernel/vm-full.sh
step "unload and reload" --no-module --env VINFER_KO="$PWD/kmod/vinfer.ko" \
	-- tests/kernel/vm-reload.sh
exit $fail
