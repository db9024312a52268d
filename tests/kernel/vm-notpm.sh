#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side: without a TPM the log works and says it has no hardware binding.
set -eu
. tests/kernel/lib.sh
d=$(mktemp -d /tmp/vinfer-notpm.XXXXXX)
trap 'rm -rf "$d"' EXIT

step "state says there is no TPM and no binding"
[ ! -e /dev/tpm0 ] || die "/dev/tpm0 exists"
[ "$(state tpm)" = absent ] || die "tpm: $(state tpm)"
[ "$(state binding)" = none ] || die "binding: $(state binding)"

step "measure and seal still work; the seal says no-tpm"
echo weights > "$d/m"
$V measure "$d/m" > /dev/null
$V seal | grep -q 'tpm=no-tpm' || die "seal did not say no-tpm"

step "the log says unbound; its seals carry no TPM flag"
$V log --replay | grep -q 'bound=0' || die "replay says bound"
$V log | grep -q ' seal .* tpm=0' || die "seal record has the TPM flag"
