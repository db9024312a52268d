# SPDX-License-Identifier: GPL-2.0
# Shared by the guest-side daemon test scripts (see run.sh).
V=build/vinfer
VD=build/vinferd
CHECK=build/tests/daemon/attest_check
AGENT=42

step() { echo "  - $*"; }
die() { echo "  FAIL: $*" >&2; exit 1; }

# conf FILE CGROUP SPOOL [KEY=VALUE in section epoch|tpm...]: a test config.
# Extra lines come as "section.key=value" arguments.
write_conf() {
	local f=$1 cg=$2 spool=$3 sec key val a
	shift 3
	local tcti=device:/dev/tpmrm0 period=0 records=0
	for a in "$@"; do
		sec=${a%%.*}; key=${a#*.}; val=${key#*=}; key=${key%%=*}
		case $sec.$key in
		tpm.tcti) tcti=$val ;;
		epoch.period) period=$val ;;
		epoch.records) records=$val ;;
		esac
	done
	cat > "$f" <<CONF
# vinferd test configuration
[tpm]
tcti = $tcti
[agent]
id = $AGENT
[workload]
cgroup = $cg
[epoch]
period = $period
records = $records
[probes]
mode = off
[spool]
dir = $spool
[metrics]
listen = off
[control]
socket = ${spool%/*}/vinferd.sock
CONF
}

# new_cgroup NAME: a fresh cgroup v2 directory.
new_cgroup() {
	local cg=/sys/fs/cgroup/$1
	[ -d "$cg" ] || mkdir "$cg"
	echo "$cg"
}

# in_cgroup CGROUP CMD...: runs CMD in a child moved into CGROUP.
in_cgroup() {
	local cg=$1
	shift
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}

# has_cmd NAME: build/vinfer has the subcommand NAME (other parts may be absent).
has_cmd() {
	grep -q "^  $1 " <<< "$($V help)"
}

# cgroup_remove CGROUP: kills what is left in it, then removes it.
cgroup_remove() {
	local i
	echo 1 > "$1/cgroup.kill"
	for i in $(seq 1 50); do
		[ -s "$1/cgroup.procs" ] || break
		sleep 0.1
	done
	rmdir "$1"
}
