#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of the kernel benchmarks.  Each figure is a median over rounds
# that alternate the two sides, and is printed as a ratio.
set -eu
. tests/kernel/lib.sh
B=build/tests/kernel/vinfer_bench
ROUNDS=5
d=$(mktemp -d /tmp/vinfer-bench.XXXXXX)
trap 'rm -rf "$d"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }

# 1. In-kernel hashing vs openssl dgst -sha256, same cached file.
size_mb=256
head -c $((size_mb << 20)) /dev/urandom > "$d/model"
cat "$d/model" > /dev/null
: > "$d/k"; : > "$d/o"
for _ in $(seq $ROUNDS); do
	secs $V measure "$d/model" >> "$d/k"
	secs openssl dgst -sha256 "$d/model" >> "$d/o"
done
k=$(median < "$d/k"); o=$(median < "$d/o")
printf 'hash   %d MiB cached file: kernel %.1f MiB/s, openssl %.1f MiB/s, ratio kernel/openssl %.2f (goal >= 0.90)\n' \
	$size_mb "$(echo "$size_mb / $k" | bc -l)" "$(echo "$size_mb / $o" | bc -l)" "$(echo "$o / $k" | bc -l)"
printf 'ROW|hashing: in-kernel SHA-256 vs openssl dgst|%.1f MiB/s|%.1f MiB/s|%.2f|>= 0.90\n' \
	"$(echo "$size_mb / $k" | bc -l)" "$(echo "$size_mb / $o" | bc -l)" "$(echo "$o / $k" | bc -l)"

# 2. One APPEND vs one getppid() syscall.
: > "$d/a"; : > "$d/g"
for _ in $(seq $ROUNDS); do
	$B append 20000 >> "$d/a"
	$B getppid 200000 >> "$d/g"
done
a=$(median < "$d/a"); g=$(median < "$d/g")
printf 'append 64-byte claim: %.0f ns, getppid: %.0f ns, ratio %.1f\n' "$a" "$g" "$(echo "$a / $g" | bc -l)"
printf 'ROW|APPEND of a request claim vs getppid()|%.0f ns|%.0f ns|%.1f|-\n' "$a" "$g" "$(echo "$a / $g" | bc -l)"

# 3. PCR extends per second under a sustained append load.
$V seal > /dev/null
e0=$(state tpm_extends)
read -r recs rate < <($B load 5 100000)
$V seal > /dev/null
e1=$(state tpm_extends)
ext=$((e1 - e0))
printf 'load   %d records in 5 s (%.0f/s, target 100000/s): %d PCR extends (%.1f/s), %.5f extends per record (IMA: 1 per record); batch_ms=%s batch_records=%s\n' \
	"$recs" "$rate" "$ext" "$(echo "$ext / 5" | bc -l)" "$(echo "$ext / $recs" | bc -l)" \
	"$(state batch_ms)" "$(state batch_records)"
printf 'ROW|PCR extends per record under load (%.0f records/s)|%.5f|1 (IMA)|%.5f|< 0.01\n' \
	"$rate" "$(echo "$ext / $recs" | bc -l)" "$(echo "$ext / $recs" | bc -l)"
