# SPDX-License-Identifier: GPL-2.0
# Shared by the probe test scripts (host and VM). Run from the repository
# root; compare_exact needs $PROBED (probed_functions) and a bad() function.

# The functions the runtime tier probes, space-separated and padded with
# spaces: the names in bpf/runtime.c's table, the source of truth (tinfer
# also calls functions nobody probes).
probed_functions() {
	local names
	names=$(grep -oE '^[[:space:]]+[A-Z0-9]+\((CUDA|HIP|OCL|ZE), "[A-Za-z0-9_]+"' \
		bpf/runtime.c | sed 's/.*"\(.*\)"/\1/' | tr '\n' ' ')
	case " $names " in
	*" cuLaunchKernel "*) echo " $names " ;;
	*) echo "probes: cannot read the table in bpf/runtime.c" >&2; return 1 ;;
	esac
}

# is_probed NAME: whether NAME is in $PROBED.
is_probed() {
	case $PROBED in *" $1 "*) return 0 ;; esac
	return 1
}

# The summary's call count of function $2, 0 when absent.
calls_of() {
	tail -n 1 "$1" | jq -r --arg f "$2" '[.functions[] | select(.name == $f) | .calls] | add // 0'
}

# compare_exact TRACE REPORT: every probed function's count and the byte
# totals of a --json trace equal a tinfer report; functions the report does
# not name have no calls either. Each difference goes to the caller's bad().
compare_exact() {
	local tr=$1 rep=$2 fn want got ok=0 dir
	for fn in $(jq -r '.calls | keys[]' "$rep"); do
		is_probed "$fn" || continue
		want=$(jq -r --arg f "$fn" '.calls[$f]' "$rep")
		got=$(calls_of "$tr" "$fn")
		[ "$got" = "$want" ] || { bad "$fn: traced $got calls, the workload made $want"; ok=1; }
	done
	for fn in $(tail -n 1 "$tr" | jq -r '.functions[] | select(.calls > 0) | .name'); do
		jq -e --arg f "$fn" '.calls | has($f)' "$rep" >/dev/null ||
			{ bad "$fn: traced $(calls_of "$tr" "$fn") calls the workload never made"; ok=1; }
	done
	for dir in htod dtoh; do
		want=$(jq -r ".bytes_$dir" "$rep")
		got=$(tail -n 1 "$tr" | jq -r ".bytes_$dir")
		[ "$got" = "$want" ] || { bad "bytes $dir: traced $got, the workload moved $want"; ok=1; }
	done
	return $ok
}
