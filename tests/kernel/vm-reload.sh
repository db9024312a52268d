#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side, booted without the module: the PCR choice is checked, an unbound
# module unloads, a reload after earlier extends records the PCR it found as
# the log's base, and a bound module refuses to unload.
set -eu
. tests/kernel/lib.sh
KO=${VINFER_KO:?}

step "resettable, firmware and IMA PCRs are refused"
for p in 0 7 10 16 23 24; do
	if insmod "$KO" pcr=$p 2> /dev/null; then die "pcr=$p accepted"; fi
done

step "an unbound module unloads"
insmod "$KO" pcr=12
[ "$(state pcr)" = 12 ] || die "pcr param ignored"
rmmod vinfer

step "earlier extends of the PCR become the base of the new log"
tpm2_pcrextend 13:sha256=$(printf 'earlier life' | sha256sum | cut -d' ' -f1)
base=$(pcr_read 13)
insmod "$KO"
$V log | head -1 | grep -q "base=$base" || die "load record base is not $base"

step "after a seal the replay from that base equals the PCR"
$V seal > /dev/null
[ "$(pcr_replay)" = "$(pcr_read 13)" ] || die "replay $(pcr_replay) != PCR $(pcr_read 13)"

step "a bound module refuses to unload"
if rmmod vinfer 2> /dev/null; then die "bound module unloaded"; fi
grep -q '^vinfer ' /proc/modules || die "module gone"
