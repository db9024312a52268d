#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side: the TPM goes away (its driver is unbound) and comes back.
# Extends fail visibly, are retried, and the PCR catches up with the log.
set -eu
. tests/kernel/lib.sh
d=$(mktemp -d /tmp/vinfer-tpmfail.XXXXXX)
trap 'rm -rf "$d"' EXIT
dev=$(basename "$(readlink -f /sys/class/tpm/tpm0/device)")
drv=$(readlink -f /sys/class/tpm/tpm0/device/driver)

step "bind the log: a first seal succeeds"
$V seal > /dev/null

step "unbind the TPM driver ($dev); a seal reports its extend pending"
echo "$dev" > "$drv/unbind"
echo weights > "$d/m"
$V measure "$d/m" > /dev/null
if $V seal > "$d/out"; then die "seal succeeded without a TPM"; fi
grep -q 'tpm=pending' "$d/out" || die "seal did not say pending: $(cat "$d/out")"
[ "$(state pending)" -ge 1 ] || die "state pending: $(state pending)"
[ "$(state tpm_errors)" -ge 1 ] || die "no TPM error counted"

step "the failure is in the log (tpm-error record)"
$V log | grep -q ' tpm-error ' || die "no tpm-error record"

step "bind the driver again; retries catch up and replay equals the PCR"
echo "$dev" > "$drv/bind"
for _ in $(seq 100); do
	[ "$(state pending)" = 0 ] && break
	sleep 0.5
done
[ "$(state pending)" = 0 ] || die "extends still pending: $(state pending)"
$V seal > /dev/null
[ "$(pcr_replay)" = "$(pcr_read "$(state pcr)")" ] || die "replay differs from the PCR"
