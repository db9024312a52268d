#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side (see run.sh): each way vinferd cannot run as configured gives
# one message naming the cause and a documented exit status (2 usage or
# configuration, 3 something missing); [tpm] tcti = none gives a NO_TPM
# document that vinfer verify refuses without --allow-no-tpm.
set -eu -o pipefail
. tests/daemon/lib.sh
d=$(mktemp -d /tmp/vinferd-errors.XXXXXX)
trap 'rm -rf "$d"' EXIT
cg=$(new_cgroup vinferd-errors)

# expect STATUS PATTERN CONF-LINES...: vinferd --once exits STATUS and its
# stderr matches PATTERN.  $SET: write_conf settings (section.key=value).
SET=
expect() {
	local want=$1 pattern=$2 st=0
	shift 2
	# shellcheck disable=SC2086
	write_conf "$d/c.conf" "$cg" "$d/spool" $SET
	printf '%s\n' "$@" >> "$d/c.conf"
	$VD --once -c "$d/c.conf" > /dev/null 2> "$d/err" || st=$?
	[ "$st" = "$want" ] || { cat "$d/err"; die "status $st, want $want ($pattern)"; }
	grep -q -- "$pattern" "$d/err" || { cat "$d/err"; die "no message '$pattern'"; }
	echo "    status $st: $(grep -- "$pattern" "$d/err" | head -1)"
}

step "configuration errors: exit 2, the line, key and value named"
expect 2 "c.conf:20: \[chain\] confirmations = 'many': not a number of blocks (0 to 1000)" "[chain]" "confirmations = many"
expect 2 "c.conf:20: \[tpm\] tccti: unknown key" "[tpm]" "tccti = x"
expect 2 "c.conf:20: \[epoch\] period: duplicate key (first on line 9)" "[epoch]" "period = 3"
expect 2 "c.conf:19: \[clock\]: unknown section" "[clock]"
expect 2 "\[tpm\] pcr = 12 but vinfer.ko extends PCR 13" "[tpm]" "pcr = 12"
st=0; $VD --once -c /nonexistent.conf 2> "$d/err" || st=$?
[ "$st" = 2 ] && grep -q "/nonexistent.conf: No such file or directory" "$d/err" || die "missing file: $st $(cat "$d/err")"
st=0; $VD --bogus 2> /dev/null || st=$?
[ "$st" = 2 ] || die "bad option: status $st"
echo '{"registrarX": "00"}' > "$d/act.json"
expect 2 "act.json: registrarX: '00': not 64 lowercase hex digits" "[tpm]" "activation = $d/act.json"

step "missing things: exit 3, the thing named"
expect 3 "cgroup = '/sys/fs/cgroup/nope': No such file or directory" "[workload]" "cgroup = /sys/fs/cgroup/nope"
SET=tpm.tcti=device:/dev/tpmrm9 expect 3 "/dev/tpmrm9"

step "[tpm] tcti = none: a NO_TPM document, refused by vinfer verify"
write_conf "$d/n.conf" "$cg" "$d/spool" tpm.tcti=none
doc=$($VD --once -c "$d/n.conf" 2> "$d/err")
grep -q "NO_TPM" "$d/err" || die "no warning about NO_TPM: $(cat "$d/err")"
line=$($CHECK "$doc")
case $line in *"flags=0x1 "*"quote=0 "*) ;; *) die "not a NO_TPM document: $line" ;; esac
if has_cmd verify; then
	if $V verify "$doc" > /dev/null 2>&1; then die "vinfer verify accepted a NO_TPM document"; fi
	$V verify --allow-no-tpm "$doc" > /dev/null || die "vinfer verify --allow-no-tpm refused it"
fi
rmdir "$cg"
