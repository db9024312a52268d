#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of the main kernel test (see run.sh).
set -eu
. tests/kernel/lib.sh
d=$(mktemp -d /tmp/vinfer-main.XXXXXX)
trap 'rm -rf "$d"' EXIT

step "digests equal sha256sum: empty, 1 byte, page boundaries, ordinary, sparse 2 GiB"
: > "$d/empty"
printf x > "$d/one"
head -c 4096 /dev/urandom > "$d/page"
head -c 4097 /dev/urandom > "$d/page+1"
head -c $((5 << 20)) /dev/urandom > "$d/ordinary"
truncate -s $((2 << 30)) "$d/sparse"
printf end >> "$d/sparse"
for f in empty one page page+1 ordinary sparse; do
	got=$($V measure --kind model "$d/$f" | cut -d' ' -f1)
	want=$(sha256sum < "$d/$f" | cut -d' ' -f1)
	[ "$got" = "$want" ] || die "$f: kernel $got, sha256sum $want"
	echo "    $f: $got"
done

step "kselftests: digests, violations, bad input, permissions, stress"
VINFER_TEST_DIR=$d build/tests/kernel/vinfer_test

step "random ioctl fuzzer (bounded)"
build/tests/kernel/vinfer_fuzz 20000

step "after seal, replay of the log equals tpm2_pcrread"
$V seal
pcr=$(state pcr)
[ "$(pcr_replay)" = "$(pcr_read "$pcr")" ] || die "replay $(pcr_replay) != PCR $(pcr_read "$pcr")"
echo "    PCR $pcr = $(pcr_read "$pcr")"

step "ascii_measurements has one line per record"
records=$(state records)
lines=$(wc -l < /sys/kernel/security/vinfer/ascii_measurements)
[ "$lines" -ge "$records" ] || die "$lines ascii lines, $records records"

step "a tampered log copy fails to parse, naming the record"
cp /sys/kernel/security/vinfer/binary_measurements "$d/log.bin"
$V log --binary "$d/log.bin" > /dev/null
printf '\x07' | dd of="$d/log.bin" bs=1 seek=4 conv=notrunc status=none
if $V log --binary "$d/log.bin" 2> "$d/err"; then die "tampered log accepted"; fi
grep -q 'record 0' "$d/err" || die "error does not name the record: $(cat "$d/err")"
