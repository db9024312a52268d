#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of the crash test (see run.sh): vinferd closes an epoch every
# second, and on requests over its control socket as fast as they come,
# while a workload records requests; it is killed with SIGKILL at
# random moments 10 times and restarted each time, then stopped with
# SIGTERM (exit 0).  Afterwards every closed epoch (a marker followed by a
# seal in the log) has exactly one attestation file, each parses, the
# epochs are 1..N without gaps or duplicates, and consecutive ranges meet
# (logFirst of epoch E+1 = logLast of epoch E + 1).
set -eu -o pipefail
. tests/daemon/lib.sh
d=$(mktemp -d /tmp/vinferd-crash.XXXXXX)
load=
hammer=
cleanup() {
	[ -z "$load" ] || kill "$load" 2> /dev/null || true
	[ -z "$hammer" ] || kill "$hammer" 2> /dev/null || true
	rm -rf "$d"
}
trap cleanup EXIT

cg=$(new_cgroup vinferd-crash)
id=$(stat -c %i "$cg")
write_conf "$d/vinferd.conf" "$cg" "$d/spool" epoch.period=1
zero=0000000000000000000000000000000000000000000000000000000000000000

step "a workload records a request every 50 ms"
in_cgroup "$cg" sh -c "while :; do $V request --input-digest $zero --output-digest $zero > /dev/null; sleep 0.05; done" &
load=$!

step "a client asks for close-epoch over the control socket in a loop"
(while :; do $V close-epoch --socket "$d/vinferd.sock" > /dev/null 2>&1 || sleep 0.1; done) &
hammer=$!

step "10 times: start vinferd, let it run 0.2-2 s, ask for an epoch and SIGKILL it 0-250 ms later"
RANDOM=${VINFERD_CRASH_SEED:-$$}
msleep() { sleep "$(($1 / 1000)).$(printf %03d $(($1 % 1000)))"; }
for i in $(seq 1 10); do
	$VD -v -c "$d/vinferd.conf" 2>> "$d/log" &
	pid=$!
	msleep $((200 + RANDOM % 1800))
	# Aim inside an epoch close: the request lands, the kill follows.
	$V close-epoch --socket "$d/vinferd.sock" > /dev/null 2>&1 &
	ms=$((RANDOM % 250))
	msleep "$ms"
	kill -9 "$pid"
	wait "$pid" 2> /dev/null || true
	echo "    run $i: killed $ms ms after a close-epoch request, $(ls "$d/spool" | grep -c -- "-$id-" || true) files"
done

step "a last run catches up, closes more epochs, stops on SIGTERM with status 0"
$VD -c "$d/vinferd.conf" 2>> "$d/log" &
pid=$!
sleep 2.5
kill -TERM "$pid"
st=0
timeout 20 tail --pid="$pid" -f /dev/null || die "vinferd did not stop on SIGTERM"
wait "$pid" || st=$?
[ "$st" = 0 ] || { tail -20 "$d/log"; die "vinferd exited $st on SIGTERM"; }
kill "$load" "$hammer"
wait "$load" "$hammer" 2> /dev/null || true
load= hammer=
grep -c 'closed:' "$d/log" | sed 's/^/    epochs logged as closed: /'
echo "    markers a killed run left, attested by the next: $(grep -c 'left by an earlier run' "$d/log" || true)"
echo "    markers a killed run left already attested: $(grep -c 'already in the spool' "$d/log" || true)"
if grep -q 'error:' "$d/log"; then grep 'error:' "$d/log" | sed 's/^/    /'; die "vinferd logged errors"; fi

step "every closed epoch has exactly one attestation; epochs 1..N; ranges meet"
$CHECK --markers $AGENT "$id" > "$d/markers"
n=$(wc -l < "$d/markers")
[ "$n" -ge 10 ] || die "only $n epochs closed"
[ "$(sort -n "$d/markers" | uniq -d)" = "" ] || die "an epoch marker twice: $(sort -n "$d/markers" | uniq -d | head -3)"
seq 1 "$n" | cmp -s - "$d/markers" || die "markers are not 1..$n: $(tr '\n' ' ' < "$d/markers")"
files=$(ls "$d/spool" | grep -v '^state\.json$' | grep -c '\.json$')
[ "$files" = "$n" ] || die "$files attestation files for $n closed epochs"
prev_last=
for e in $(seq 1 "$n"); do
	f=$d/spool/$AGENT-$id-$e.json
	[ -f "$f" ] || die "epoch $e: no $f"
	line=$($CHECK "$f") || die "epoch $e: does not parse"
	case $line in "epoch=$e workload=$id "*) ;; *) die "epoch $e: $line" ;; esac
	first=$(echo "$line" | sed 's/.* first=\([0-9]*\) .*/\1/')
	last=$(echo "$line" | sed 's/.* last=\([0-9]*\) .*/\1/')
	if [ -n "$prev_last" ] && [ "$first" != $((prev_last + 1)) ]; then
		die "epoch $e starts at $first, epoch $((e - 1)) ended at $prev_last"
	fi
	prev_last=$last
done
grep -Eq "\"epoch\": *$n," "$d/spool/state.json" || die "journal does not say epoch $n: $(cat "$d/spool/state.json")"
echo "    $n epochs, $n files, ranges contiguous, journal at $n"
cgroup_remove "$cg"
