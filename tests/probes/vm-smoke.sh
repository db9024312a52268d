#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The probes on Debian's 6.1 kernel, inside the VM (scripts/vm-run): the
# same BPF object, relocated by CO-RE, traces the test runtime exactly.
#
#   vm-run ── guest 6.1 ── vinfer trace --exact -- tinfer --fork ...
#                          counts and bytes = tinfer's report, files seen,
#                          the forked child attributed
set -eu
cd "$(dirname "$0")/../.."
V=build/vinfer
T=build/tests/cuda/tinfer
W=${VINFER_SCRATCH:?run me through scripts/vm-run}
fail() { echo "  FAIL: $*" >&2; exit 1; }
. tests/probes/lib.sh
PROBED=$(probed_functions)

echo "  - kernel $(uname -r)"
"$T" --gen-weights "$W/weights.bin" 65536
"$T" --gen-weights "$W/in.bin" 256
"$V" trace --json --exact -o "$W/t.json" -- "$T" --weights "$W/weights.bin" \
	--input "$W/in.bin" --output "$W/out.bin" --launches 200 --fork \
	--report "$W/r.json" || fail "trace exited $?"
s() { tail -n 1 "$W/t.json" | jq -r "$@"; }

echo "  - per-function counts and bytes equal tinfer's report"
bad() { echo "  FAIL: $*" >&2; }
compare_exact "$W/t.json" "$W/r.json" || fail "the trace differs from the report"
echo "  - the weights file was opened, and the child opened its input"
jq -s -e --arg p "$W/weights.bin" 'any(.[]; .event == "open" and .path == $p)' \
	"$W/t.json" >/dev/null || fail "no open of weights.bin"
parent=$(jq -r 'select(.event == "exec") | .tgid' "$W/t.json" | head -n 1)
jq -s -e --arg p "$W/in.bin" --argjson t "$parent" \
	'any(.[]; .event == "open" and .path == $p and .tgid != $t)' "$W/t.json" >/dev/null ||
	fail "no open of in.bin by a child of $parent"
[ "$(s '.drops.total')" = 0 ] || fail "events dropped"
echo "  - ok on $(uname -r)"
