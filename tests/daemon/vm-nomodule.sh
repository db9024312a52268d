#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side (see run.sh), booted without vinfer.ko: vinferd exits 3 and
# says to load the module.
set -eu -o pipefail
. tests/daemon/lib.sh
d=$(mktemp -d /tmp/vinferd-nomod.XXXXXX)
trap 'rm -rf "$d"' EXIT
cg=$(new_cgroup vinferd-nomod)
write_conf "$d/c.conf" "$cg" "$d/spool"

step "no module: exit 3, 'modprobe vinfer'"
st=0
$VD --once -c "$d/c.conf" > /dev/null 2> "$d/err" || st=$?
[ "$st" = 3 ] || { cat "$d/err"; die "status $st, want 3"; }
grep -q "modprobe vinfer" "$d/err" || die "no hint to load the module: $(cat "$d/err")"
echo "    $(grep -m1 'modprobe vinfer' "$d/err")"
rmdir "$cg"
