#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vinferd tests: each step boots a fresh VM (scripts/vm-run) and runs one
# guest script against the real vinfer.ko and a swtpm TPM (device TCTI).
#
#   host                      guest (Debian 6.1, TCG, swtpm as tpm-tis)
#   run.sh ── vm-run ──────►  vm-e2e.sh      workload in a cgroup: model, data,
#                                            3 requests; vinferd --once; claims,
#                                            vinfer verify, tpm2_checkquote
#          ── vm-run ──────►  vm-crash.sh    SIGKILL x10 while epochs close;
#                                            one file per closed epoch, 1..N
#          ── vm-run ──────►  vm-probes.sh   [probes] exact and sampled: tinfer in
#                                            the cgroup; counters = its report,
#                                            verify passes
#          ── vm-run ──────►  vm-errors.sh   config errors (2), missing (3),
#                                            tcti = none: NO_TPM documents
#          ── vm-run ──────►  vm-notpm.sh    no TPM at all: NO_TPM documents
#          ── vm-run ──────►  vm-nomodule.sh no vinfer.ko: exit 3
#   chain.sh: anvil + Vinfer on the host,
#          ── vm-run --fwd ►  vm-chain.sh    register the agent; vinferd --once
#                                            lands epochs; the node down while
#                                            an epoch closes: it lands after;
#                                            EpochAttested once each (cast logs)
set -eu
cd "$(dirname "$0")/../.."

fail=0
step() {
	local name=$1
	shift
	echo "--- daemon: $name"
	if scripts/vm-run --timeout 600 "$@"; then
		echo "--- daemon: $name: ok"
	else
		echo "--- daemon: $name: FAILED (status $?)"
		fail=1
	fi
}

step "end to end" -- tests/daemon/vm-e2e.sh
step "SIGKILL and resume" -- tests/daemon/vm-crash.sh
step "probes" -- tests/daemon/vm-probes.sh
step "errors" -- tests/daemon/vm-errors.sh
step "no TPM" --no-tpm -- tests/daemon/vm-notpm.sh
step "no module" --no-module -- tests/daemon/vm-nomodule.sh
echo "--- daemon: publishing on anvil"
if timeout 900 tests/daemon/chain.sh; then
	echo "--- daemon: publishing on anvil: ok"
else
	echo "--- daemon: publishing on anvil: FAILED (status $?)"
	fail=1
fi
exit $fail
