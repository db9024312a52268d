#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Quick self-check of the test accelerator runtimes and tinfer (no probes,
# no root, no GPU):
#
#   tinfer --gen ──► weights, inputs
#        │
#        ▼
#   tinfer ──(SONAME, RUNPATH $ORIGIN)──► libcuda.so.1 / libOpenCL.so.1
#        │                                (test doubles, CPU kernels)
#        ├──► output   same bytes on every run, API and --fork
#        └──► report   JSON: exact calls and bytes, checked against the run
#
# Also checks what the probes rely on: the SONAMEs, every runtime function
# named in bpf/runtime.c exported by its double at an address of its own,
# the stripped copy keeping .dynsym, the nosyms library exporting none.
#
# Usage: tests/cuda/check.sh   (after make test-runtime; O=build by default)
set -eu

O=${O:-build}
T=$O/tests/cuda
TINFER=$T/tinfer
RUNTIME_C=bpf/runtime.c
WORK=$(mktemp -d /tmp/vinfer-cuda-check.XXXXXX)
failed=0

cleanup() {
	rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n--- %s\n' "$*"; }
pass() { printf 'ok   %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; failed=1; }

for f in "$TINFER" "$T/libcuda.so.1" "$T/libOpenCL.so.1" "$T/libcuda-stripped.so.1" \
	 "$T/libcuda-nosyms.so.1"; do
	[ -e "$f" ] || { echo "missing $f: run make test-runtime" >&2; exit 1; }
done

# Defined dynamic symbols of a library: "address name" lines.
dynsyms() {
	nm -D --defined-only "$1" | awk '$2 == "T" { print $1, $3 }'
}

step "libraries: SONAME, exported API, one address per function"
for lib in libcuda.so.1 libOpenCL.so.1; do
	soname=$(readelf -d "$T/$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	[ "$soname" = "$lib" ] && pass "$lib: SONAME $soname" || fail "$lib: SONAME '$soname'"
	dups=$(dynsyms "$T/$lib" | awk '{ print $1 }' | sort | uniq -d)
	[ -z "$dups" ] && pass "$lib: every function at its own address" ||
		fail "$lib: functions share addresses: $dups"
done
if [ -r "$RUNTIME_C" ]; then
	for rt in CUDA:libcuda.so.1 OCL:libOpenCL.so.1; do
		tag=${rt%%:*} lib=${rt#*:}
		want=$(grep -oE "\($tag, \"[A-Za-z0-9_]+\"" "$RUNTIME_C" | sed -E 's/.*"(.*)"/\1/' | sort -u)
		have=$(dynsyms "$T/$lib" | awk '{ print $2 }' | sort -u)
		missing=$(comm -23 <(echo "$want") <(echo "$have"))
		[ -z "$missing" ] && pass "$lib: exports all $(echo "$want" | wc -l) probed names" ||
			fail "$lib: does not export: $(echo $missing)"
	done
else
	echo "skip: no $RUNTIME_C to read the probed names from"
fi
if readelf -S "$T/libcuda-stripped.so.1" | grep -q '\.symtab'; then
	fail "libcuda-stripped.so.1 still has .symtab"
elif [ "$(dynsyms "$T/libcuda-stripped.so.1" | awk '{print $2}')" = \
       "$(dynsyms "$T/libcuda.so.1" | awk '{print $2}')" ]; then
	pass "libcuda-stripped.so.1: no .symtab, same .dynsym"
else
	fail "libcuda-stripped.so.1: .dynsym differs"
fi
ns=$(dynsyms "$T/libcuda-nosyms.so.1" | awk '{ print $2 }' | tr '\n' ' ')
[ "$ns" = "vinfer_test_nothing " ] && pass "libcuda-nosyms.so.1 exports only $ns" ||
	fail "libcuda-nosyms.so.1 exports: $ns"

step "generate a model and inputs"
"$TINFER" --gen "$WORK/weights" 256K --seed 1
"$TINFER" --gen "$WORK/in1" 1K --seed 2
"$TINFER" --gen "$WORK/in2" 100 --seed 3	# shorter than a row: zero-padded
"$TINFER" --gen "$WORK/module" 4K --seed 4
pass "weights 256 KiB, inputs 1 KiB and 100 B, module 4 KiB"

LAUNCHES=50
INPUTS=(--input "$WORK/in1" --input "$WORK/in2")

step "output: deterministic, the same in both APIs and with --fork"
ref=
for api in cuda opencl; do
	for run in 1 2 fork; do
		extra=()
		[ "$run" = fork ] && extra=(--fork)
		out=$WORK/out-$api-$run
		"$TINFER" --api "$api" --weights "$WORK/weights" "${INPUTS[@]}" --output "$out" \
			--module "$WORK/module" --launches $LAUNCHES --report "$out.json" "${extra[@]}"
		ref=${ref:-$out}
		if cmp -s "$ref" "$out"; then
			pass "$api run $run: output identical ($(stat -c %s "$out") bytes)"
		else
			fail "$api run $run: output differs from $(basename "$ref")"
		fi
	done
done

step "report: parses, and counts what the run did"
# 256 KiB of weights: 65536 words, a 256 x 256 matrix; 2 inputs of 256 floats.
W_BYTES=262144 ROW_BYTES=1024
HTOD=$((W_BYTES + 2 * ROW_BYTES)) DTOH=$((2 * ROW_BYTES))
if command -v jq > /dev/null; then
	check() {	# check FILE JQ-EXPR WANT
		local got
		got=$(jq -r "$2" "$1") || { fail "$(basename "$1"): does not parse"; return; }
		[ "$got" = "$3" ] && pass "$(basename "$1"): $2 = $3" ||
			fail "$(basename "$1"): $2 = $got, want $3"
	}
	r=$WORK/out-cuda-1.json
	check "$r" .calls.cuLaunchKernel $((2 * 2 + LAUNCHES))
	check "$r" .calls.cuMemcpyHtoD_v2 1
	check "$r" .calls.cuMemcpyHtoDAsync_v2 2
	check "$r" .calls.cuMemcpyDtoH_v2 2
	check "$r" .calls.cuModuleLoad 1
	check "$r" .bytes_htod $HTOD
	check "$r" .bytes_dtoh $DTOH
	check "$r" '.rows * 1000 + .cols' 256256
	check "$r" '.files | length' 4
	check "$r" '.processes | length' 1
	r=$WORK/out-opencl-1.json
	check "$r" .calls.clEnqueueNDRangeKernel $((2 * 2 + LAUNCHES))
	check "$r" .calls.clEnqueueWriteBuffer 3
	check "$r" .calls.clCreateProgramWithBinary 1
	check "$r" .bytes_htod $HTOD
	r=$WORK/out-cuda-fork.json
	check "$r" '.processes | length' 2
	check "$r" '.processes[0].pid != .processes[1].pid' true
	check "$r" '.processes[1].calls.cuLaunchKernel' $((2 * 2 + LAUNCHES))
	check "$r" '.processes[0].calls.cuLaunchKernel // 0' 0
	check "$r" '([.processes[].bytes_htod] | add) == .bytes_htod' true
else
	echo "(no jq: checking the report by grep only)"
	r=$WORK/out-cuda-1.json
	grep -q "\"cuLaunchKernel\": $((2 * 2 + LAUNCHES))[,}]" "$r" &&
		grep -q "\"bytes_htod\": $HTOD," "$r" && grep -q '^}$' "$r" &&
		pass "report counts launches and bytes" || fail "report: $(cat "$r")"
fi

step "loops: --calls-only and --plain"
for api in cuda opencl; do
	for mode in --calls-only --plain; do
		if line=$("$TINFER" --api $api $mode 10000 --report "$WORK/loop.json"); then
			pass "$api $mode: $line"
		else
			fail "$api $mode failed"
		fi
	done
done

step "errors: a message naming what failed, exit 1 (runtime/file) or 2 (usage)"
expect() {	# expect STATUS PATTERN ARGS...
	local want=$1 pat=$2 status=0 msg
	shift 2
	msg=$("$TINFER" "$@" 2>&1 >/dev/null) || status=$?
	if [ "$status" = "$want" ] && echo "$msg" | grep -q -- "$pat"; then
		pass "exit $status: $(echo "$msg" | grep -m1 -- "$pat")"
	else
		fail "tinfer $*: exit $status, '$msg' (want $want, /$pat/)"
	fi
}
expect 1 "--weights $WORK/nope" --weights "$WORK/nope" --input "$WORK/in1" --output "$WORK/o"
expect 1 "--input $WORK/nope" --weights "$WORK/weights" --input "$WORK/nope" --output "$WORK/o"
expect 1 "cuModuleLoad failed: CUDA_ERROR_FILE_NOT_FOUND" --weights "$WORK/weights" \
	--input "$WORK/in1" --output "$WORK/o" --module "$WORK/nope"
expect 1 "cuModuleLoad failed: CUDA_ERROR_INVALID_IMAGE" --weights "$WORK/weights" \
	--input "$WORK/in1" --output "$WORK/o" --module /dev/null
expect 1 "forked child" --fork --weights "$WORK/weights" --input "$WORK/nope" \
	--output "$WORK/o"
expect 2 "--api" --api vulkan --plain 1
expect 2 "--launches" --launches x --weights "$WORK/weights" --input "$WORK/in1" \
	--output "$WORK/o"
expect 2 "needed" --weights "$WORK/weights"

echo
if [ $failed = 0 ]; then
	echo "tests/cuda/check.sh: all passed"
else
	echo "tests/cuda/check.sh: FAILED"
	exit 1
fi
