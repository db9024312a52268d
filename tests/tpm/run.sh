#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the TPM test program against a fresh swtpm.
#
#   tpm_test ──(swtpm TCTI, lib/tpm.c)──┐
#                                       ├──> swtpm 127.0.0.1:P (cmd), P+1 (ctrl)
#   tpm2-tools ──(TPM2TOOLS_TCTI)───────┘        state in a temp dir
#
# Usage: tests/tpm/run.sh build/tests/tpm/tpm_test
# Exit: the test program's status; 1 when swtpm cannot be started.
set -eu

test_bin=$1
for tool in swtpm tpm2_checkquote; do
	command -v $tool > /dev/null || { echo "tpm: $tool not found (run scripts/deps)" >&2; exit 1; }
done

dir=$(mktemp -d)
swtpm_pid=
cleanup() {
	if [ -n "$swtpm_pid" ]; then
		kill "$swtpm_pid" 2> /dev/null || true
		wait "$swtpm_pid" 2> /dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT

port_open() {
	timeout 1 bash -c "exec 3<> /dev/tcp/127.0.0.1/$1" 2> /dev/null
}

echo "--- tpm: start swtpm"
for try in 1 2 3 4 5 6 7 8 9 10; do
	port=$((20000 + RANDOM % 40000))
	if port_open $port || port_open $((port + 1)); then
		continue
	fi
	mkdir -p "$dir/state"
	swtpm socket --tpm2 --server type=tcp,port=$port,bindaddr=127.0.0.1 \
		--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
		--tpmstate dir="$dir/state" --flags not-need-init,startup-clear \
		> "$dir/swtpm.log" 2>&1 &
	swtpm_pid=$!
	for _ in $(seq 50); do
		port_open $port && break
		kill -0 $swtpm_pid 2> /dev/null || break
		sleep 0.1
	done
	if port_open $port; then
		break
	fi
	kill $swtpm_pid 2> /dev/null || true
	wait $swtpm_pid 2> /dev/null || true
	swtpm_pid=
done
if [ -z "$swtpm_pid" ]; then
	echo "tpm: swtpm did not start:" >&2
	cat "$dir/swtpm.log" >&2
	exit 1
fi

echo "--- tpm: tests (swtpm on 127.0.0.1:$port)"
export VINFER_TCTI="swtpm:host=127.0.0.1,port=$port"
export TPM2TOOLS_TCTI="$VINFER_TCTI"
mkdir -p "$dir/work"
status=0
timeout 300 "$test_bin" "$dir/work" || status=$?
if [ $status -ne 0 ] && [ -f "$dir/work/cmd.log" ]; then
	echo "--- tpm: tpm2-tools output"
	cat "$dir/work/cmd.log"
fi
exit $status
