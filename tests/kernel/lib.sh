# SPDX-License-Identifier: GPL-2.0
# Shared by the guest-side kernel test scripts.
V=build/vinfer
STATE=/sys/kernel/security/vinfer/state

step() { echo "  - $*"; }
die() { echo "  FAIL: $*" >&2; exit 1; }

# The SHA-256 bank value of PCR $1, lower-case hex.
# The TPM may have come back as another tpmrmN after its driver was rebound.
pcr_read() {
	local rm
	rm=$(ls /dev/tpmrm* | head -n 1)
	tpm2_pcrread -T "device:$rm" "sha256:$1" | awk -v p="$1:" '$1 == p { print tolower(substr($2, 3)) }'
}

# The PCR value the log implies, by replay.
pcr_replay() {
	$V log --replay | sed -n 's/^pcr=//p'
}

state() {
	sed -n "s/^$1: //p" "$STATE"
}
