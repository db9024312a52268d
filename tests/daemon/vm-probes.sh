#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of the daemon's probe test (see run.sh): vinferd traces the
# workload's cgroup and puts its accelerator counters in each attestation.
#
#   vinferd ([probes] mode = exact | sampled) ── trace of cgroup CG
#   CG: tinfer (CUDA API on the CPU double of libcuda.so.1) --report R
#   vinfer close-epoch ──► document: counters (calls = R's, exact or with
#                          their error), countersDigest, flags; vinfer verify
set -eu -o pipefail
. tests/daemon/lib.sh
. tests/probes/lib.sh
T=build/tests/cuda/tinfer
BOUND=120
d=$(mktemp -d /tmp/vinferd-probes.XXXXXX)
cg=
pid=
cleanup() {
	[ -z "$pid" ] || { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
	[ -z "$cg" ] || cgroup_remove "$cg" 2>/dev/null || true
	rm -rf "$d"
}
trap cleanup EXIT
[ -x "$T" ] || die "$T missing: make test-runtime"
PROBED=$(probed_functions)

cg=$(new_cgroup vinferd-probes)
id=$(stat -c %i "$cg")
"$T" --gen-weights "$d/weights.bin" 65536
"$T" --gen-weights "$d/in.bin" 256

# start_daemon MODE: vinferd with [probes] mode = MODE, until its socket is up.
start_daemon() {
	write_conf "$d/$1.conf" "$cg" "$d/spool-$1"
	sed -i "s/^mode = off\$/mode = $1/" "$d/$1.conf"
	grep -q "^mode = $1\$" "$d/$1.conf" || die "config: no [probes] mode = $1"
	$VD -v -c "$d/$1.conf" 2> "$d/$1.log" &
	pid=$!
	for _ in $(seq 1 600); do
		[ -S "$d/vinferd.sock" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$d/$1.log"
	die "vinferd ($1) did not start"
}

stop_daemon() {
	local st=0
	kill -TERM "$pid"
	timeout "$BOUND" tail --pid="$pid" -f /dev/null || die "vinferd did not stop on SIGTERM"
	wait "$pid" || st=$?
	pid=
	[ "$st" = 0 ] || { cat "$d/$1.log"; die "vinferd ($1): SIGTERM: status $st"; }
	rm -f "$d/vinferd.sock"
}

# close_epoch MODE N: close-epoch; the document of epoch N, verified.
close_epoch() {
	local doc=$d/spool-$1/$AGENT-$id-$2.json
	timeout "$BOUND" $V close-epoch --socket "$d/vinferd.sock" > /dev/null ||
		{ cat "$d/$1.log"; die "close-epoch failed"; }
	[ -f "$doc" ] || { cat "$d/$1.log"; die "no epoch $2"; }
	$CHECK "$doc" > /dev/null || die "epoch $2 does not parse"
	if has_cmd verify; then
		$V verify "$doc" > "$d/verify.out" 2>&1 ||
			{ cat "$d/verify.out"; die "vinfer verify refused epoch $2"; }
	fi
	echo "$doc"
}

# counter DOC FIELD NAME: FIELD of function NAME in DOC's counters, or none.
counter() {
	jq -r --arg f "$3" --arg k "$2" \
		'[.predicate.counters.functions[] | select(.name == $f) | .[$k]] |
		 if length > 0 then .[0] else "none" end' "$1"
}

# run_workload ARGS...: tinfer in the cgroup, bounded, with a report.
run_workload() {
	timeout "$BOUND" sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
		"$T" --weights "$d/weights.bin" --input "$d/in.bin" --output "$d/out.bin" \
		"$@" > "$d/tinfer.out" 2>&1 || { cat "$d/tinfer.out"; die "tinfer failed"; }
}

step "[probes] mode = exact: counters equal tinfer's report"
start_daemon exact
run_workload --launches 200 --report "$d/exact.report"
doc=$(close_epoch exact 1)
[ "$(jq -r .predicate.counters.mode "$doc")" = exact ] || die "counters mode is not exact"
for fn in $(jq -r '.calls | keys[]' "$d/exact.report"); do
	is_probed "$fn" || continue
	want=$(jq -r --arg f "$fn" '.calls[$f]' "$d/exact.report")
	got=$(counter "$doc" calls "$fn")
	[ "$got" = "$want" ] || die "$fn: document $got calls, tinfer made $want"
	[ "$(counter "$doc" exact "$fn")" = true ] || die "$fn: not marked exact"
	[ "$(counter "$doc" error "$fn")" = 0 ] || die "$fn: an error in exact mode"
done
for fn in cuLaunchKernel cuMemcpyHtoD_v2 cuMemcpyDtoH_v2; do
	[ "$(counter "$doc" calls "$fn")" != none ] || die "$fn is not among the counters"
done
for fn in $(jq -r '.predicate.counters.functions[].name' "$doc"); do
	jq -e --arg f "$fn" '.calls | has($f)' "$d/exact.report" > /dev/null ||
		die "$fn: counted, but tinfer never called it"
done
want=$(jq -r .bytes_htod "$d/exact.report")
got=$(jq -r '[.predicate.counters.functions[] | select(.name | startswith("cuMemcpyHtoD")) | .bytes] | add' "$doc")
[ "$got" = "$want" ] || die "bytes host to device: document $got, tinfer $want"
line=$($CHECK "$doc")
case $line in *"flags=0 "*) ;; *) die "exact epoch flags: $line" ;; esac
echo "    $(jq -c '.predicate.counters.functions | map({(.name): .calls}) | add' "$doc")"
grep -q 'probes: cuda attached to process [0-9]* (.*held)' "$d/exact.log" ||
	{ cat "$d/exact.log"; die "the workload was not held for its uprobes (or not released)"; }

step "the next epoch holds only what ran since: a second run counts once"
run_workload --launches 50 --report "$d/exact2.report"
doc=$(close_epoch exact 2)
want=$(jq -r .calls.cuLaunchKernel "$d/exact2.report")
[ "$(counter "$doc" calls cuLaunchKernel)" = "$want" ] || die "epoch 2: cuLaunchKernel $(counter "$doc" calls cuLaunchKernel), want $want"
doc=$(close_epoch exact 3)
[ "$(jq '.predicate.counters.functions | length' "$doc")" = 0 ] || die "epoch 3 (idle) lists counters"
[ "$(jq -r .predicate.counters.mode "$doc")" = exact ] || die "epoch 3: mode"

step "a tampered counter fails vinfer verify (claims-counters)"
doc=$d/spool-exact/$AGENT-$id-1.json
if has_cmd verify; then
	jq '(.predicate.counters.functions[] | select(.name == "cuLaunchKernel") | .calls) |= . + 1' \
		"$doc" > "$d/tampered.json"
	if $V verify "$d/tampered.json" > "$d/verify.out" 2>&1; then die "tampered counters verified"; fi
	grep -q 'claims-counters' "$d/verify.out" || { cat "$d/verify.out"; die "not refused by claims-counters"; }
fi
stop_daemon exact

step "[probes] mode = sampled: launches are estimates within their error, flag ESTIMATED"
start_daemon sampled
run_workload --launches 4000 --spin-us 1000 --report "$d/sampled.report"
doc=$(close_epoch sampled 4)
[ "$(jq -r .predicate.counters.mode "$doc")" = sampled ] || die "counters mode is not sampled"
line=$($CHECK "$doc")
flags=$(sed -n 's/.*flags=\(0x[0-9a-f]*\|0\) .*/\1/p' <<< "$line")
(( flags & 0x8 )) || die "ESTIMATED (0x8) not set: $line"
truth=$(jq -r .calls.cuLaunchKernel "$d/sampled.report")
est=$(counter "$doc" calls cuLaunchKernel)
err=$(counter "$doc" error cuLaunchKernel)
echo "    cuLaunchKernel: workload $truth, document $est +- $err"
[ "$(counter "$doc" exact cuLaunchKernel)" = false ] || die "cuLaunchKernel not marked estimated"
awk -v t="$truth" -v e="$est" -v r="$err" \
	'BEGIN { d = e - t; if (d < 0) d = -d; exit !(e != "none" && r > 0 && d <= r) }' ||
	die "cuLaunchKernel: |$est - $truth| exceeds the stated error $err"
for fn in cuMemcpyHtoD_v2 cuMemcpyDtoH_v2; do
	want=$(jq -r --arg f "$fn" '.calls[$f] // 0' "$d/sampled.report")
	[ "$(counter "$doc" calls "$fn")" = "$want" ] || die "$fn: $(counter "$doc" calls "$fn"), want $want (exact in sampled mode)"
	[ "$(counter "$doc" exact "$fn")" = true ] || die "$fn: not exact in sampled mode"
done
stop_daemon sampled
grep -q 'probes\] mode = sampled: tracing 1 workload' "$d/sampled.log" || die "no start message"
