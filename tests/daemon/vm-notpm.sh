#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side (see run.sh), booted without a TPM: the module has no binding,
# so vinferd (default tcti) warns once and writes NO_TPM documents.
set -eu -o pipefail
. tests/daemon/lib.sh
d=$(mktemp -d /tmp/vinferd-notpm.XXXXXX)
trap 'rm -rf "$d"' EXIT
cg=$(new_cgroup vinferd-notpm)
write_conf "$d/c.conf" "$cg" "$d/spool"

step "no TPM: vinferd --once writes a NO_TPM document with no quote"
doc=$($VD --once -c "$d/c.conf" 2> "$d/err") || { cat "$d/err"; die "vinferd failed"; }
grep -q "no TPM binding" "$d/err" || die "no warning: $(cat "$d/err")"
echo "    $(grep 'no TPM binding' "$d/err")"
line=$($CHECK "$doc")
case $line in *"flags=0x1 "*"quote=0 "*) ;; *) die "not a NO_TPM document: $line" ;; esac
rmdir "$cg"
