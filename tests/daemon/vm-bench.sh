#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of `make bench-daemon`: what closing an epoch costs vinferd.
# vinferd -v runs on a workload cgroup; 21 epochs are closed over the
# control socket (vinfer close-epoch), each after 3 requests of the
# workload.  Its debug line per epoch gives the steps (seal, log+claims,
# quote, encode, write+fsync, journal) and the TPM commands it sent; the
# medians are printed, and rows for the bench table (ROW|...).
#
# The spool (attestations and journal) is on BENCH_SCRATCH when that is a
# directory shared from the host (9p: fsync reaches the host's disk), else
# on the guest's /tmp (tmpfs: fsync is nearly free); the output says which.
set -eu -o pipefail
. tests/daemon/lib.sh
EPOCHS=21
REQUESTS=3

d=$(mktemp -d /tmp/vinferd-bench.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2> /dev/null || true
		wait "$pid" 2> /dev/null || true
	fi
	[ -z "${spool_parent:-}" ] || rm -rf "$spool_parent"
	rm -rf "$d"
}
trap cleanup EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "nan" }'; }

fs=$(stat -f -c %T /tmp)
spool_parent=
if [ -n "${BENCH_SCRATCH:-}" ] && [ -d "$BENCH_SCRATCH" ] && [ -w "$BENCH_SCRATCH" ]; then
	spool_parent=$(mktemp -d "$BENCH_SCRATCH/spool.XXXXXX")
	fs=$(awk -v p="$BENCH_SCRATCH" '$2 == p { t = $3 } END { print t }' /proc/mounts)
	spool=$spool_parent/spool
	where="the host's scratch directory (${fs:-$(stat -f -c %T "$spool_parent")}, host disk $(stat -f -c %T "$spool_parent")): fsync reaches the host's disk"
else
	spool=$d/spool
	where="the guest's /tmp ($fs): no shared scratch directory, fsync stays in memory"
fi

cg=$(new_cgroup vinferd-bench)
write_conf "$d/vinferd.conf" "$cg" "$spool"
# The control socket stays on the guest's own /tmp (a socket on 9p may not bind).
sed -i "s|^socket = .*|socket = $d/vinferd.sock|" "$d/vinferd.conf"
echo "question" > "$d/in"
echo "answer" > "$d/out"

step "vinferd -v on $cg; spool on $where"
$VD -v -c "$d/vinferd.conf" 2> "$d/log" &
pid=$!
for _ in $(seq 1 100); do [ -S "$d/vinferd.sock" ] && break; sleep 0.1; done
[ -S "$d/vinferd.sock" ] || { cat "$d/log"; die "vinferd did not open its socket"; }

step "$EPOCHS epochs of $REQUESTS requests each, closed with vinfer close-epoch"
: > "$d/client"
for e in $(seq 1 $EPOCHS); do
	for _ in $(seq 1 $REQUESTS); do
		in_cgroup "$cg" $V request --input "$d/in" --output "$d/out" > /dev/null
	done
	t0=$(date +%s%N)
	timeout 60 $V close-epoch --socket "$d/vinferd.sock" > /dev/null ||
		{ cat "$d/log"; die "close-epoch $e failed"; }
	echo "$(( ($(date +%s%N) - t0) / 1000 ))" >> "$d/client"
done
kill -TERM "$pid"
st=0
wait "$pid" || st=$?
pid=
[ "$st" = 0 ] || { cat "$d/log"; die "vinferd: status $st"; }

# "epoch N of PATH: seal A ms, log+claims B ms, quote C ms, encode D ms,
#  write+fsync E ms, journal F ms, tpm commands N"
grep -E '^.*epoch [0-9]+ of .*: seal [0-9.]+ ms, ' "$d/log" |
	sed -E 's/.*: seal ([0-9.]+) ms, log\+claims ([0-9.]+) ms, quote ([0-9.]+) ms, encode ([0-9.]+) ms, write\+fsync ([0-9.]+) ms, journal ([0-9.]+) ms, tpm commands ([0-9]+)$/\1 \2 \3 \4 \5 \6 \7/' > "$d/steps"
n=$(wc -l < "$d/steps")
[ "$n" = "$EPOCHS" ] || { cat "$d/log"; die "expected $EPOCHS timing lines, got $n"; }
awk 'NF != 7 { exit 1 }' "$d/steps" || { cat "$d/steps"; die "timing lines do not parse"; }
[ "$(ls "$spool" | grep -c -- "-$(stat -c %i "$cg")-.*\.json$")" = "$EPOCHS" ] ||
	die "expected $EPOCHS attestations in $spool"

if has_cmd verify; then
	step "vinfer verify accepts every attestation (claims' clock from the previous quote)"
	for f in "$spool"/*-"$(stat -c %i "$cg")"-*.json; do
		$V verify "$f" > "$d/verify" 2>&1 || { cat "$d/verify"; die "vinfer verify refused $f"; }
	done
fi

col() { awk -v c="$1" '{ print $c }' "$d/steps" | median; }
seal=$(col 1); logc=$(col 2); quote=$(col 3); enc=$(col 4); wr=$(col 5); jr=$(col 6)
cmds=$(col 7)
total=$(awk '{ print $1 + $2 + $3 + $4 + $5 }' "$d/steps" | median)
first=$(awk 'NR == 1 { print $7 }' "$d/steps")
client=$(median < "$d/client")

echo "  medians over $EPOCHS epochs (spool on $where):"
printf '    seal %.2f ms, log+claims %.2f ms, quote %.2f ms, encode %.2f ms, write+fsync %.2f ms, journal %.2f ms\n' \
	"$seal" "$logc" "$quote" "$enc" "$wr" "$jr"
printf '    total, epoch close to attestation on disk (seal .. write+fsync): %.2f ms; close-epoch round trip at the client: %.2f ms\n' \
	"$total" "$(echo "$client / 1000" | bc -l)"
echo "    TPM commands from vinferd per epoch: median $cmds (first epoch: $first, with the clock and the PCRs read once), plus the kernel's one PCR extend"
printf 'ROW|attestation latency: epoch close to attestation on disk|%.2f ms|-|-|-\n' "$total"
printf 'ROW|  of which seal / quote / encode / write+fsync|%.2f / %.2f / %.2f / %.2f ms|-|-|-\n' \
	"$seal" "$quote" "$enc" "$wr"
printf 'ROW|TPM commands per epoch (vinferd + the kernel'"'"'s extend) vs Keylime-style (quote + 2 PCR reads + clock)|%d|4|%.2f|~2\n' \
	"$((cmds + 1))" "$(echo "($cmds + 1) / 4" | bc -l)"
