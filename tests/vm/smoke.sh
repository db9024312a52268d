#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of scripts/vm-run, run on the host. Every step boots a guest.
#
#   tests/vm/smoke.sh
#     └─ scripts/vm-run [options] -- CMD ──► guest: Debian 6.1, TCG, swtpm
#        [1] uname -r                        prints scripts/kver, raw, exit 0
#        [2] sh -c 'exit 7'                  vm-run exits 7
#        [3] tpm2_pcrread sha256:0           works; with --no-tpm no /dev/tpm*
#        [4] write $VINFER_SCRATCH/hello     the host reads it at the same path
#        [5] touch a file on /               EROFS, / is mounted ro
#        [6] --module tests/vm/warn          WARN_ON(1) at load: exit 126
#        [7] --tpm-state DIR, NV index       written by one run, read by the next
#
# Scratch files live under build/vm/ (the guest's /tmp is its own tmpfs).
# The guest-side scripts are single-quoted on purpose.
# shellcheck disable=SC2016
set -eu

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
VMRUN=$ROOT/scripts/vm-run
KVER=$("$ROOT/scripts/kver")
STEPS=7
WORK=

cleanup() {
	[ -z "$WORK" ] || rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$ROOT/build/vm"
WORK=$(mktemp -d "$ROOT/build/vm/smoke.XXXXXX")
OUT=$WORK/stdout
ERR=$WORK/stderr

# step N TITLE: start a step; its result line is finished by pass or fail.
step() {
	STEP_START=$(date +%s%N)
	printf 'vm smoke [%d/%d] %-52s ' "$1" "$STEPS" "$2"
}

pass() {
	printf 'ok (%d ms)\n' $((($(date +%s%N) - STEP_START) / 1000000))
}

fail() {
	echo "FAIL"
	echo "  $*"
	[ ! -s "$OUT" ] || sed 's/^/  stdout| /' "$OUT"
	[ ! -s "$ERR" ] || sed 's/^/  stderr| /' "$ERR"
	exit 1
}

# vm ARGS...: run vm-run, keep its output in $OUT/$ERR and its status in $RC.
vm() {
	RC=0
	"$VMRUN" "$@" >"$OUT" 2>"$ERR" || RC=$?
}

expect_rc() {
	[ "$RC" = "$1" ] || fail "vm-run exited $RC, expected $1"
}

step 1 "uname -r is the Debian release, exit 0"
vm --no-module -- uname -r
expect_rc 0
# Byte for byte: the console is raw, so no "\r" may appear.
printf '%s\n' "$KVER" | cmp -s - "$OUT" || fail "expected exactly '$KVER\\n'"
pass

step 2 "CMD's exit status is vm-run's"
vm --no-module -- sh -c 'exit 7'
expect_rc 7
pass

step 3 "TPM present; absent with --no-tpm"
vm --no-module -- tpm2_pcrread sha256:0
expect_rc 0
grep -q '0 : 0x' "$OUT" || fail "tpm2_pcrread printed no PCR 0"
vm --no-module --no-tpm -- sh -c '! ls /dev/tpm0 /dev/tpmrm0 2>/dev/null'
expect_rc 0
pass

step 4 "scratch is shared read-write at the same path"
mkdir "$WORK/scratch"
vm --no-module --scratch "$WORK/scratch" -- sh -c '
	[ "$VINFER_SCRATCH" = "$1" ] || exit 3
	echo "written by the guest" >"$1/hello"' sh "$WORK/scratch"
expect_rc 0
grep -qx "written by the guest" "$WORK/scratch/hello" 2>/dev/null ||
	fail "$WORK/scratch/hello missing on the host"
pass

step 5 "the root file system is read-only"
vm --no-module -- sh -c '
	touch "$1" 2>&1 && exit 3
	awk '\''$2 == "/" { split($4, o, ","); print o[1] }'\'' /proc/mounts' \
	sh "$WORK/ro-probe"
expect_rc 0
[ ! -e "$WORK/ro-probe" ] || fail "the guest created $WORK/ro-probe"
grep -q "Read-only file system" "$OUT" || fail "touch did not fail with EROFS"
[ "$(tail -n 1 "$OUT")" = ro ] || fail "/ is not mounted ro"
pass

step 6 "a kernel WARNING gives 126"
mkdir "$WORK/warn"
cp "$ROOT/tests/vm/warn/Kbuild" "$ROOT/tests/vm/warn/vinfer_warn_test.c" "$WORK/warn/"
make -C "/lib/modules/$KVER/build" M="$WORK/warn" modules >"$OUT" 2>"$ERR" ||
	fail "building tests/vm/warn failed"
vm --module "$WORK/warn/vinfer_warn_test.ko" -- true
expect_rc 126
grep -q "WARNING: .*vinfer_warn_test" "$ERR" || fail "the WARNING is not on stderr"
pass

step 7 "--tpm-state keeps the TPM between runs"
token=$(od -An -N 8 -tx1 /dev/urandom | tr -d ' \n')
vm --no-module --tpm-state "$WORK/tpm" -- sh -c '
	tpm2_nvdefine 0x1500016 -C o -s 16 -a "ownerread|ownerwrite" >/dev/null &&
	printf %s "$1" | tpm2_nvwrite 0x1500016 -C o -i -' sh "$token"
expect_rc 0
vm --no-module --tpm-state "$WORK/tpm" -- tpm2_nvread 0x1500016 -C o -s 16
expect_rc 0
[ "$(cat "$OUT")" = "$token" ] || fail "NV index reads back '$(cat "$OUT")', not '$token'"
pass

echo "vm smoke: all $STEPS steps passed"
