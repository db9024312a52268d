#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Probe cost, measured side by side in one run on the host kernel (root).
# Every figure is the median of ROUNDS interleaved runs; ratios are taken
# between medians of the same run.
#
#   [1] cost of one probe hit: cuLaunchKernel (an empty kernel) traced in
#       exact mode minus untraced, vs a plain call into the same library
#       (cuDriverGetVersion, not probed) and vs a getppid() system call
#   [2] a launch-bound workload (100k launches of ~5 us of CPU work):
#       its launch loop's time with probes (default, sampled mode) and in
#       exact mode, each over the time without probes; goal <= 1.02
set -eu
cd "$(dirname "$0")/../.."
V=build/vinfer
T=build/tests/cuda/tinfer
G=build/tests/probes/getppid
ROUNDS=${ROUNDS:-5}
N=${CALLS:-200000}
LAUNCHES=${LAUNCHES:-100000}

[ "$(id -u)" = 0 ] || { echo "bench-probes: must run as root (BPF)" >&2; exit 1; }
W=$(mktemp -d build/probe-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ns per call of tinfer's timed loop, from its report.
loop_ns() {
	jq -r '.loop.ns / .loop.n' "$1"
}

# traced [TRACE-OPTIONS] -- CMD...
traced() {
	"$V" trace -o /dev/null "$@" 2>"$W/trace.err" || {
		echo "bench-probes: trace failed: $(cat "$W/trace.err")" >&2
		exit 1
	}
}

echo "probe bench: $ROUNDS rounds, $N calls, $LAUNCHES launches, kernel $(uname -r)"
for r in $(seq "$ROUNDS"); do
	"$T" --plain "$N" --report "$W/r" >/dev/null && loop_ns "$W/r" >>"$W/plain"
	"$T" --calls-only "$N" --report "$W/r" >/dev/null && loop_ns "$W/r" >>"$W/launch"
	traced --exact -- "$T" --calls-only "$N" --report "$W/r" >/dev/null
	loop_ns "$W/r" >>"$W/launch_exact"
	traced -- "$T" --calls-only "$N" --report "$W/r" >/dev/null
	loop_ns "$W/r" >>"$W/launch_sampled"
	"$G" "$N" | sed 's/.*=//' >>"$W/getppid"
	traced --exact -- "$G" "$N" | sed 's/.*=//' >>"$W/getppid_traced"
done
plain=$(median <"$W/plain")
launch=$(median <"$W/launch")
lexact=$(median <"$W/launch_exact")
lsampled=$(median <"$W/launch_sampled")
gp=$(median <"$W/getppid")
gpt=$(median <"$W/getppid_traced")
awk -v p="$plain" -v l="$launch" -v e="$lexact" -v s="$lsampled" -v g="$gp" -v gt="$gpt" 'BEGIN {
	hit = e - l
	printf "[1] plain call into the library        %9.1f ns\n", p
	printf "    cuLaunchKernel, not traced         %9.1f ns\n", l
	printf "    cuLaunchKernel, exact mode         %9.1f ns\n", e
	printf "    cuLaunchKernel, default mode       %9.1f ns\n", s
	printf "    getppid(), not traced              %9.1f ns\n", g
	printf "    getppid(), in a traced scope       %9.1f ns\n", gt
	printf "    one probe hit: %.1f ns = %.1fx a plain call, %.1fx a getppid()\n", hit, hit / p, hit / g
	printf "    default mode per launch: +%.1f ns (%.3fx)\n", s - l, s / l
	printf "    kernel tier on a traced syscall: +%.1f ns\n", gt - g
	printf "ROW|probe hit (exact) vs getppid()|%.1f ns|%.1f ns|%.1f|-\n", hit, g, hit / g
	printf "ROW|traced syscall (kernel tier) vs untraced|%.1f ns|%.1f ns|%.3f|-\n", gt, g, gt / g
}'

"$T" --gen "$W/weights.bin" 64K >/dev/null
"$T" --gen "$W/in.bin" 1K >/dev/null
run=(--weights "$W/weights.bin" --input "$W/in.bin" --output "$W/out.bin"
	--launches "$LAUNCHES" --spin-us 5)
for r in $(seq "$ROUNDS"); do
	"$T" "${run[@]}" --report "$W/r" >/dev/null && loop_ns "$W/r" >>"$W/lb_none"
	traced -- "$T" "${run[@]}" --report "$W/r" >/dev/null
	loop_ns "$W/r" >>"$W/lb_default"
	traced --exact -- "$T" "${run[@]}" --report "$W/r" >/dev/null
	loop_ns "$W/r" >>"$W/lb_exact"
done
none=$(median <"$W/lb_none")
def=$(median <"$W/lb_default")
ex=$(median <"$W/lb_exact")
awk -v n="$none" -v d="$def" -v e="$ex" -v l="$LAUNCHES" 'BEGIN {
	printf "[2] launch-bound, %d launches: %.2f us per launch without probes\n", l, n / 1000
	printf "    default mode / no probes: %.3f (goal <= 1.02)\n", d / n
	printf "    exact mode   / no probes: %.3f\n", e / n
	printf "ROW|launch-bound workload, default probes vs none|%.2f us/launch|%.2f us/launch|%.3f|<= 1.02\n", d / 1000, n / 1000, d / n
	printf "ROW|launch-bound workload, exact probes vs none|%.2f us/launch|%.2f us/launch|%.3f|-\n", e / 1000, n / 1000, e / n
}'
