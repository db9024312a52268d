#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side: run with max_bytes=131072.  When the cap is reached: one
# log-full record, then ENOSPC to callers; seals still work from the reserve.
set -eu
. tests/kernel/lib.sh
d=$(mktemp -d /tmp/vinfer-full.XXXXXX)
trap 'rm -rf "$d"' EXIT

step "measure until the log is full"
echo weights > "$d/m"
args=$(for i in $(seq 100); do printf '%s ' "$d/m"; done)
full=
for i in $(seq 50); do
	# shellcheck disable=SC2086
	if ! $V measure $args > /dev/null 2> "$d/err"; then
		full=1
		break
	fi
done
[ -n "$full" ] || die "log never filled"
grep -q 'the measurement log is full' "$d/err" || die "unclear error: $(head -1 "$d/err")"
[ "$(state full)" = yes ] || die "state full: $(state full)"

step "a second refusal adds no record"
before=$(state records)
if $V measure "$d/m" > /dev/null 2>&1; then die "measure succeeded on a full log"; fi
[ "$(state records)" = "$before" ] || die "records changed on a full log"

step "exactly one log-full record; a seal still closes the batch and binds it"
[ "$($V log | grep -c ' log-full ')" = 1 ] || die "not exactly one log-full record"
$V seal > /dev/null
$V log | tail -1 | grep -q ' seal ' || die "last record is not the seal"
[ "$(pcr_replay)" = "$(pcr_read "$(state pcr)")" ] || die "replay differs from the PCR"
