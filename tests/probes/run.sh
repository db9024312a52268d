#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Probe tests on the host kernel (root): `vinfer trace` against the test
# accelerator runtime (tests/cuda: libcuda.so.1 and libOpenCL.so.1 doubles
# doing the work on the CPU) and its workload tinfer, whose --report says
# exactly what it called. Every check compares the trace to that report, or
# to counts the test makes itself; nothing is hard-coded.
#
#   run.sh ── vinfer trace --exact -- tinfer ...      counts, bytes = report
#          ── vinfer trace --cgroup (two tinfer runs)  only the scoped one
#          ── vinfer trace (sampled) -- tinfer         estimate within error
#          ── vinfer trace (sampled, ~20 s, 400 periods) memory stays flat
#          ── interval (the library: two intervals)    exact sums, estimates
#          ── bad input                                clear errors, no hang
#          ── vinfer trace --ringbuf 4096              drops counted exactly
#
# tests/probes/vm-smoke.sh runs the same probes inside the VM (Debian 6.1).
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
V=$ROOT/build/vinfer
T=$ROOT/build/tests/cuda/tinfer
LIBDIR=$ROOT/build/tests/cuda
DLOPEN=$ROOT/build/tests/probes/dlopen
INTERVAL=$ROOT/build/tests/probes/interval
# Every trace is bounded: a hang is a failure, not a stuck CI job.
BOUND=${PROBE_TEST_TIMEOUT:-120}

[ "$(id -u)" = 0 ] || { echo "probes: must run as root (BPF)" >&2; exit 1; }
mkdir -p build
W=$(mktemp -d "$ROOT/build/probes.XXXXXX")
CG=
cleanup() {
	if [ -n "$CG" ] && [ -d "$CG" ]; then
		while read -r p; do kill -9 "$p" 2>/dev/null || true; done <"$CG/cgroup.procs"
		rmdir "$CG" 2>/dev/null || true
	fi
	! mountpoint -q "$W/cgroup2" 2>/dev/null || umount "$W/cgroup2"
	rm -rf "$W"
}
trap cleanup EXIT

fails=0
current=
begin() { current=$1; echo "--- probes: $1"; }
check() { echo "  - $*"; }
bad() {
	echo "  FAIL: $*" >&2
	fails=$((fails + 1))
}
end() {
	echo "--- probes: $current: done"
}

# summary FILE [JQ-ARGS...] FILTER: jq -e over the summary record, the last
# line of a --json trace.
summary() {
	local f=$1
	shift
	tail -n 1 "$f" | jq -e "$@"
}

# any_event FILE [JQ-ARGS...] FILTER: whether some line of a --json trace
# satisfies FILTER (slurped: jq -e judges only the last output otherwise).
any_event() {
	local f=$1 filter
	shift
	filter=${*: -1}
	jq -s -e "${@:1:$#-1}" "any(.[]; $filter)" "$f" >/dev/null
}

# calls_of and compare_exact report through bad(), above.
. tests/probes/lib.sh
PROBED=$(probed_functions)

# Inputs: a weights file and two inputs of the sizes tinfer derives its
# matrix from.
"$T" --gen-weights "$W/weights.bin" 262144
"$T" --gen-weights "$W/in1.bin" 512
"$T" --gen-weights "$W/in2.bin" 512
WORKLOAD=(--weights "$W/weights.bin" --input "$W/in1.bin" --input "$W/in2.bin")

# ---------------------------------------------------------------------------
begin "exact mode: counts and bytes equal the workload's own"
timeout "$BOUND" "$V" trace --json --exact -o "$W/exact.json" -- \
	"$T" "${WORKLOAD[@]}" --output "$W/out.bin" --launches 1000 \
	--report "$W/exact.report" >"$W/exact.out" 2>&1 || bad "trace exited $?: $(cat "$W/exact.out")"
summary "$W/exact.json" '.event == "summary" and .mode == "exact"' >/dev/null ||
	bad "no exact-mode summary record"
check "per-function calls and bytes H->D, D->H equal tinfer's report"
compare_exact "$W/exact.json" "$W/exact.report" || true
check "every function the workload called is marked exact"
summary "$W/exact.json" '[.functions[] | select(.calls > 0) | .exact] | all' >/dev/null ||
	bad "a count in exact mode is not marked exact"
check "the files it read are listed with their paths, and the output it wrote"
for f in $(jq -r '.files[]' "$W/exact.report"); do
	summary "$W/exact.json" --arg p "$f" '[.files[].path] | index($p) != null' \
		>/dev/null || bad "$f not among the files"
done
# tinfer writes its output to OUTPUT.tmp.PID and renames it.
any_event "$W/exact.json" --arg p "$W/out.bin.tmp." '.event == "open" and
	(.path | startswith($p)) and .ret >= 0 and (.flags % 4) == 1' ||
	bad "no write-only open of $W/out.bin.tmp.*"
check "the runtime library was attached and no event was dropped"
grep -q '"event":"attach".*"runtime":"cuda"' "$W/exact.json" || bad "no cuda attach event"
summary "$W/exact.json" '.drops.total == 0' >/dev/null || bad "events dropped"
summary "$W/exact.json" '.bypass == false' >/dev/null || bad "flagged as a bypass"
end

# ---------------------------------------------------------------------------
begin "a forked child is in scope and attributed"
timeout "$BOUND" "$V" trace --json --exact -o "$W/fork.json" -- \
	"$T" "${WORKLOAD[@]}" --output "$W/out2.bin" --fork --launches 100 \
	--report "$W/fork.report" >"$W/fork.out" 2>&1 || bad "trace exited $?: $(cat "$W/fork.out")"
parent=$(jq -r 'select(.event == "exec") | .tgid' "$W/fork.json" | head -n 1)
child=$(jq -r --argjson p "${parent:-0}" 'select(.event == "fork" and .ppid == $p) | .tgid' \
	"$W/fork.json" | head -n 1)
check "fork event parent $parent -> child ${child:-none}"
[ -n "$child" ] || bad "no fork event from the workload"
check "the child's opens of its inputs carry the child's pid"
n=$(jq -r --argjson c "${child:-0}" --arg p "$W/in1.bin" \
	'select(.event == "open" and .tgid == $c and .path == $p) | .tgid' "$W/fork.json" | wc -l)
[ "$n" -ge 1 ] || bad "no open of in1.bin by the child"
check "calls made in the child are counted exactly"
compare_exact "$W/fork.json" "$W/fork.report" || true
end

# ---------------------------------------------------------------------------
begin "only the scoped workload is counted (cgroup scope)"
# Hosts with the hybrid hierarchy mount cgroup v2 apart (.../unified).
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -z "$cg2" ]; then
	cg2=$W/cgroup2
	mkdir "$cg2"
	mount -t cgroup2 none "$cg2"
fi
CG=$cg2/vinfer-probe-test.$$
mkdir "$CG"
"$V" trace --json --exact --cgroup "$CG" -o "$W/cg.json" 2>"$W/cg.err" &
tracer=$!
for _ in $(seq 200); do
	grep -q "tracing cgroup" "$W/cg.err" 2>/dev/null && break
	kill -0 "$tracer" 2>/dev/null || break
	sleep 0.05
done
grep -q "tracing cgroup" "$W/cg.err" || bad "the tracer did not start: $(cat "$W/cg.err")"
# The same workload twice at once: one in the cgroup, one outside.
sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$CG" \
	"$T" "${WORKLOAD[@]}" --output "$W/in.bin" --launches 500 --report "$W/in.report" &
inside=$!
"$T" "${WORKLOAD[@]}" --output "$W/outside.bin" --launches 500 --report "$W/outside.report" &
outside=$!
wait "$inside" || bad "the scoped workload failed"
wait "$outside" || bad "the unscoped workload failed"
sleep 0.5
kill -INT "$tracer"
timeout "$BOUND" tail --pid="$tracer" -f /dev/null || bad "the tracer did not stop on SIGINT"
wait "$tracer" || bad "the tracer exited $?"
check "counts equal one run, not two"
compare_exact "$W/cg.json" "$W/in.report" || true
check "the process outside ($outside) appears nowhere"
! any_event "$W/cg.json" --argjson o "$outside" '.tgid == $o' ||
	bad "events of the unscoped process $outside"
summary "$W/cg.json" --argjson o "$outside" '[.processes[].tgid] | index($o) == null' \
	>/dev/null || bad "the unscoped process is in the summary"
rmdir "$CG" && CG=
end

# ---------------------------------------------------------------------------
begin "sampled mode: the estimate is within its stated error"
timeout "$BOUND" "$V" trace --json -o "$W/sampled.json" -- \
	"$T" "${WORKLOAD[@]}" --output "$W/out3.bin" --launches 200000 --spin-us 5 \
	--report "$W/sampled.report" >"$W/sampled.out" 2>&1 || bad "trace exited $?: $(cat "$W/sampled.out")"
summary "$W/sampled.json" '.mode == "sampled"' >/dev/null || bad "not in sampled mode"
truth=$(jq -r '.calls.cuLaunchKernel' "$W/sampled.report")
read -r exact est err < <(tail -n 1 "$W/sampled.json" | jq -r \
	'.functions[] | select(.name == "cuLaunchKernel") | "\(.exact) \(.estimate // .calls) \(.error // 0)"')
check "cuLaunchKernel: workload $truth, estimate ${est:-none} +- ${err:-none}"
[ "${exact:-}" = false ] || bad "cuLaunchKernel is not marked as an estimate"
awk -v t="$truth" -v e="${est:-0}" -v r="${err:-0}" \
	'BEGIN { d = e - t; if (d < 0) d = -d; exit !(r > 0 && d <= r) }' ||
	bad "|estimate - truth| exceeds the stated error"
check "non-hot functions stay exact: bytes and copies equal the report"
for fn in cuMemcpyHtoD_v2 cuMemcpyDtoH_v2 cuMemAlloc_v2; do
	want=$(jq -r --arg f "$fn" '.calls[$f] // 0' "$W/sampled.report")
	got=$(calls_of "$W/sampled.json" "$fn")
	[ "$got" = "$want" ] || bad "$fn: $got, expected $want"
done
end

# ---------------------------------------------------------------------------
begin "sampled mode: the tracer's memory does not grow with the periods"
# A 50 ms period puts ~400 periods in 20 s; a per-period cost of even a
# few hundred bytes shows well above the bound (keeping every period grew
# the tracer by ~450 KiB here). The baseline is taken after 5 s, when the
# probes, calibration and helper threads are in place.
"$T" "${WORKLOAD[@]}" --output "$W/long.bin" --launches 100000000000 --spin-us 20 \
	>"$W/long.wl" 2>&1 &
wl=$!
"$V" trace --json --period 50 --pid "$wl" --duration 20 -o "$W/long.json" 2>"$W/long.err" &
tracer=$!
rss=()
for _ in $(seq 60); do
	sleep 1
	r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$tracer/status" 2>/dev/null) || break
	[ -n "$r" ] || break
	rss+=("$r")
done
kill -0 "$tracer" 2>/dev/null && { bad "the tracer outlived --duration"; kill -9 "$tracer"; }
kill "$wl" 2>/dev/null || true
wait "$wl" 2>/dev/null || true
wait "$tracer" || bad "trace exited $?: $(cat "$W/long.err")"
periods=$(tail -n 1 "$W/long.json" | jq -r '.sampling.windows // 0')
check "$periods windows; RSS (KiB) each second: ${rss[*]}"
[ "$periods" -ge 100 ] || bad "only $periods sampling periods with a window"
if [ "${#rss[@]}" -ge 15 ]; then
	base=${rss[4]}
	top=$(printf '%s\n' "${rss[@]:4}" | sort -n | tail -n 1)
	check "growth after 5 s: $((top - base)) KiB (bound 64 KiB)"
	[ $((top - base)) -le 64 ] || bad "the tracer grew by $((top - base)) KiB over the periods"
else
	bad "only ${#rss[@]} RSS samples"
fi
summary "$W/long.json" '.functions[] | select(.name == "cuLaunchKernel") |
	.exact == false and .error > 0' >/dev/null || bad "no sampled cuLaunchKernel estimate"
end

# ---------------------------------------------------------------------------
begin "intervals: vinfer_trace_summary_since, each interval on its own"
# Two workloads one after the other under one trace, each in its own
# interval; the caller waits on vinfer_trace_fd() until the deadline.
timeout "$BOUND" "$INTERVAL" "$W/iv" :: \
	"$T" "${WORKLOAD[@]}" --output "$W/iv1.bin" --launches 200000 --spin-us 5 \
	--report "$W/iv1.report" :: \
	"$T" "${WORKLOAD[@]}" --output "$W/iv2.bin" --launches 300000 --spin-us 5 \
	--report "$W/iv2.report" >"$W/iv.out" 2>&1 || bad "interval exited $?: $(cat "$W/iv.out")"
for i in 1 2; do
	check "interval $i: exact counts equal workload $i's, the estimate is within its error"
	jq -n -e --slurpfile s "$W/iv.$i.json" --slurpfile r "$W/iv$i.report" '
		$s[0].exec == 1 and
		$s[0].bytes_htod == $r[0].bytes_htod and $s[0].bytes_dtoh == $r[0].bytes_dtoh and
		all($s[0].functions[] | select(.exact); .calls == ($r[0].calls[.name] // 0))' \
		>/dev/null || bad "interval $i: exact counts differ from its workload's report"
	truth=$(jq -r '.calls.cuLaunchKernel' "$W/iv$i.report")
	read -r est err win < <(jq -r '.functions[] | select(.name == "cuLaunchKernel") |
		"\(.estimate) \(.error) \(.windows)"' "$W/iv.$i.json")
	check "cuLaunchKernel: workload $truth, estimate ${est:-none} +- ${err:-none} ($win windows)"
	awk -v t="$truth" -v e="${est:-0}" -v r="${err:-0}" \
		'BEGIN { d = e - t; if (d < 0) d = -d; exit !(r > 0 && d <= r) }' ||
		bad "interval $i: |estimate - truth| exceeds the interval's error"
done
check "the intervals add up to the cumulative summary"
jq -n -e --slurpfile a "$W/iv.1.json" --slurpfile b "$W/iv.2.json" \
	--slurpfile c "$W/iv.c2.json" '
	def f($s; $n): [$s.functions[] | select(.name == $n)][0];
	$a[0].windows + $b[0].windows == $c[0].windows and
	all($c[0].functions[];
	    . as $t | (f($a[0]; $t.name) // {calls: 0, sampled_calls: 0}) as $x |
	    (f($b[0]; $t.name) // {calls: 0, sampled_calls: 0}) as $y |
	    if $t.exact then $x.calls + $y.calls == $t.calls
	    else $x.sampled_calls + $y.sampled_calls == $t.sampled_calls end)' \
	>/dev/null || bad "interval counts do not add up to the total"
check "cumulative summaries are fresh: duration grows, intervals fit in it"
jq -n -e --slurpfile a "$W/iv.1.json" --slurpfile b "$W/iv.2.json" \
	--slurpfile c1 "$W/iv.c1.json" --slurpfile c2 "$W/iv.c2.json" '
	$c2[0].duration_ns > $c1[0].duration_ns and $c1[0].duration_ns >= $a[0].duration_ns and
	$a[0].duration_ns + $b[0].duration_ns <= $c2[0].duration_ns and
	$c2[0].exec == 2 and $c2[0].oncpu_ns > $c1[0].oncpu_ns' >/dev/null ||
	bad "stale or inconsistent cumulative summary"
end

# ---------------------------------------------------------------------------
begin "bad input: clear errors, never a hang"
check "bad options: each a usage error or a refusal naming what was wrong"
while IFS='|' read -r want msg args; do
	rc=0
	# shellcheck disable=SC2086
	timeout 30 "$V" trace $args >"$W/e0" 2>&1 || rc=$?
	[ "$rc" = "$want" ] && grep -q -- "$msg" "$W/e0" ||
		bad "trace $args: rc $rc, expected $want and '$msg': $(cat "$W/e0")"
done <<'EOF2'
2|give one of|--pid 1 --cgroup /sys/fs/cgroup
2|give one of|--pid 1 -- true
2|--pid|--pid abc
2|--pid|--pid -5
2|--duration|--duration 0 --pid 1
1|power of two|--ringbuf 5000 -- true
1|quarter of the|--period 10 --window 5 -- true
2|usage|
EOF2
check "a cgroup that does not exist"
rc=0
timeout 30 "$V" trace --cgroup "$cg2/vinfer-no-such-cgroup" >"$W/e1" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "vinfer-no-such-cgroup" "$W/e1" || bad "rc $rc: $(cat "$W/e1")"
check "a pid that does not exist"
sleep 0 &
gone=$!
wait "$gone"
rc=0
timeout 30 "$V" trace --pid "$gone" >"$W/e2" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "no such process" "$W/e2" || bad "rc $rc: $(cat "$W/e2")"
check "processes that exit while being attached (20 runs)"
for i in $(seq 20); do
	sleep "0.0$((i % 10))" &
	p=$!
	rc=0
	timeout 30 "$V" trace --json --pid "$p" -o "$W/e3" >/dev/null 2>"$W/e3.err" || rc=$?
	case $rc in
	0) tail -n 1 "$W/e3" | jq -e '.event == "summary"' >/dev/null || bad "run $i: no summary" ;;
	1) grep -q "no such process" "$W/e3.err" || bad "run $i: $(cat "$W/e3.err")" ;;
	*) bad "run $i: rc $rc: $(cat "$W/e3.err")" ;;
	esac
	wait "$p" 2>/dev/null || true
done
check "a command that does not exist"
rc=0
timeout 30 "$V" trace -- "$W/no-such-command" >"$W/e4" 2>&1 || rc=$?
[ "$rc" = 127 ] && grep -q "no-such-command" "$W/e4" || bad "rc $rc: $(cat "$W/e4")"
check "the runtime library is missing: the loader's error, exit 127"
mkdir "$W/nolib"
cp "$T" "$W/nolib/tinfer"
rc=0
timeout "$BOUND" "$V" trace --json --exact -o "$W/e5" -- "$W/nolib/tinfer" "${WORKLOAD[@]}" \
	--output "$W/out5.bin" >"$W/e5.out" 2>&1 || rc=$?
[ "$rc" = 127 ] && grep -q "libcuda.so.1" "$W/e5.out" || bad "rc $rc: $(cat "$W/e5.out")"
summary "$W/e5" '[.functions[].calls] | add // 0 | . == 0' >/dev/null || bad "calls counted"
check "a stripped library: symbols from .dynsym, counts still exact"
mkdir "$W/stripped"
cp "$T" "$W/stripped/tinfer"
cp "$LIBDIR/libcuda-stripped.so.1" "$W/stripped/libcuda.so.1"
cp "$LIBDIR/libOpenCL.so.1" "$W/stripped/"
! readelf -S "$W/stripped/libcuda.so.1" | grep -q '\.symtab' || bad "the library is not stripped"
timeout "$BOUND" "$V" trace --json --exact -o "$W/e6" -- "$W/stripped/tinfer" "${WORKLOAD[@]}" \
	--output "$W/out6.bin" --launches 10 --report "$W/e6.report" >"$W/e6.out" 2>&1 ||
	bad "trace exited $?: $(cat "$W/e6.out")"
compare_exact "$W/e6" "$W/e6.report" || true
check "a library exporting none of the functions: an attach error, not a crash"
mkdir "$W/nosyms"
cp "$LIBDIR/libcuda-nosyms.so.1" "$W/nosyms/libcuda.so.1"
rc=0
timeout "$BOUND" "$V" trace --json --exact -o "$W/e7" -- "$DLOPEN" "$W/nosyms/libcuda.so.1" \
	>"$W/e7.out" 2>&1 || rc=$?
grep -q '"event":"attach_error"' "$W/e7" || bad "no attach_error event (rc $rc): $(head -c 300 "$W/e7")"
end

# ---------------------------------------------------------------------------
begin "ring-buffer overflow: every drop counted"
# One page of ring buffer, and the tracer stopped (SIGSTOP) while the
# workload makes 3000 opens: the buffer must overflow, and every event must
# be either received (and printed) or counted as dropped.
timeout "$BOUND" "$V" trace --json --exact --ringbuf 4096 -o "$W/rb.json" -- \
	sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done
		i=0; while [ $i -lt 3000 ]; do : <"$2"; i=$((i + 1)); done
		: >"$3"' sh "$W/rb.go" /etc/hostname "$W/rb.done" >"$W/rb.out" 2>&1 &
tracer=$!
for _ in $(seq 200); do
	grep -q '"event":"exec"' "$W/rb.json" 2>/dev/null && break
	sleep 0.05
done
# $tracer is timeout(1); stop vinfer itself, its child.
vpid=$(pgrep -P "$tracer" | head -n 1)
[ -n "$vpid" ] || bad "no vinfer process under $tracer"
kill -STOP "${vpid:-$tracer}"
: >"$W/rb.go"
for _ in $(seq 600); do
	[ -e "$W/rb.done" ] && break
	sleep 0.05
done
[ -e "$W/rb.done" ] || bad "the workload did not finish while the tracer was stopped"
kill -CONT "${vpid:-$tracer}"
wait "$tracer" || bad "trace exited $?: $(cat "$W/rb.out")"
for type in exec fork exit open; do
	read -r e r d < <(tail -n 1 "$W/rb.json" | jq -r --arg t "$type" \
		'"\(.emitted[$t]) \(.received[$t]) \(.drops.events[$t])"')
	printed=$(jq -r --arg t "$type" 'select(.event == $t) | .event' "$W/rb.json" | wc -l)
	check "$type: emitted $e = received $r + dropped $d; printed $printed"
	[ "$e" = $((r + d)) ] || bad "$type: emitted != received + dropped"
	[ "$printed" = "$r" ] || bad "$type: printed $printed events, received $r"
done
dropped=$(tail -n 1 "$W/rb.json" | jq -r '.drops.events.open')
emitted=$(tail -n 1 "$W/rb.json" | jq -r '.emitted.open')
[ "$dropped" -gt 0 ] || bad "no drop provoked"
check "the shell's 3000 opens of /etc/hostname are all among the $emitted emitted"
[ "$emitted" -ge 3000 ] || bad "only $emitted open events emitted for 3000 opens"
summary "$W/rb.json" '.drops.total >= .drops.events.open' >/dev/null || bad "drops.total"
end

if [ "$fails" = 0 ]; then
	echo "--- probes: all passed"
else
	echo "--- probes: $fails check(s) failed"
	exit 1
fi
