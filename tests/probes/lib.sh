# SPDX-License-Identifier: GPL-2.0
# Shared by the probe test scripts (host and VM).

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
