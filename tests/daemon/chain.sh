#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vinferd publishing on a real chain: the host runs anvil and the Vinfer
# contract; the guest runs vinfer.ko, its TPM and vinferd, and reaches the
# node only through the VM's port forward.
#
#   host                                        guest (scripts/vm-run --fwd P)
#   anvil 127.0.0.1:P --block-time 1            vm-chain.sh:
#     --hardfork osaka --state FILE   ◄──────── 10.0.2.100:P  tpm-keys, challenge,
#   forge create Vinfer (registrar key made           activate, endorse, register;
#     here with vinfer registrar keygen)              vinferd --once (lands);
#   the wallet: cast wallet import (0600)             the daemon: close-epoch while
#   anvil stopped 10 s on the guest's request ◄───    the node is down (scratch file
#     (scratch/kill-anvil), restarted from its        handshake), lands after
#     state (scratch/anvil-up)
#   cast logs: EpochAttested once per (agent, workload, epoch)
#
# Exit status: 0 ok, 1 a check failed, 125 infrastructure (vm-run).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
scripts/chain-deps > /dev/null
NPM=$top/build/tools/npm/node_modules/@foundry-rs
ANVIL=$NPM/anvil-linux-amd64/bin/anvil
CAST=$NPM/cast-linux-amd64/bin/cast
FORGE=$NPM/forge-linux-amd64/bin/forge
export FOUNDRY_DISABLE_NIGHTLY_WARNING=1 NO_COLOR=1

mkdir -p build/vm
S=$(mktemp -d "$top/build/vm/chain.XXXXXX")
ANVIL_PID=
VM_PID=
cleanup() {
	[ -n "$VM_PID" ] && kill "$VM_PID" 2> /dev/null
	[ -n "$ANVIL_PID" ] && kill "$ANVIL_PID" 2> /dev/null
	wait 2> /dev/null
	rm -rf "$S"
}
trap cleanup EXIT
step() { echo "  - $*"; }
fail() { echo "  FAIL: $*" >&2; exit 1; }

free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		(echo > "/dev/tcp/127.0.0.1/$p") 2> /dev/null || { echo "$p"; return; }
	done
	fail "no free port"
}
PORT=$(free_port)
RPC=http://127.0.0.1:$PORT

start_anvil() {
	(cd "$S" && exec "$ANVIL" --host 127.0.0.1 --port "$PORT" --hardfork osaka --block-time 1 \
		--silent --state "$S/anvil.state" >> "$S/anvil.log" 2>&1) &
	ANVIL_PID=$!
	for _ in $(seq 100); do
		"$CAST" chain-id --rpc-url "$RPC" > /dev/null 2>&1 && return
		sleep 0.2
	done
	fail "anvil did not start"
}

step "anvil --block-time 1 --hardfork osaka on 127.0.0.1:$PORT"
start_anvil
MNEMONIC="test test test test test test test test test test test junk"
K0=$("$CAST" wallet private-key --mnemonic "$MNEMONIC" --mnemonic-index 0)
K1=$("$CAST" wallet private-key --mnemonic "$MNEMONIC" --mnemonic-index 1)

step "the registrar's key; forge create Vinfer with it"
build/vinfer registrar keygen -o "$S/registrar.pem" > /dev/null
reg=$(openssl pkey -in "$S/registrar.pem" -pubout -outform DER | tail -c 64 | od -An -v -tx1 | tr -d ' \n')
[ ${#reg} = 128 ] || fail "registrar public key: '$reg'"
(cd contracts && timeout 300 "$FORGE" create src/Vinfer.sol:Vinfer --broadcast --rpc-url "$RPC" \
	--private-key "$K0" --constructor-args "0x${reg:0:64}" "0x${reg:64:64}" \
	1000000000000000000 3600) > "$S/create.log" 2>&1 || { cat "$S/create.log"; fail "forge create"; }
REGISTRY=$(sed -n 's/^Deployed to: *\(0x[0-9a-fA-F]*\).*/\1/p' "$S/create.log")
[ -n "$REGISTRY" ] || { cat "$S/create.log"; fail "no address from forge create"; }
echo "    Vinfer at $REGISTRY"

step "the publishing wallet: a cast keystore (0600) and its password file"
mkdir -m 700 "$S/ks"
"$CAST" wallet import wallet --private-key "$K1" --keystore-dir "$S/ks" \
	--unsafe-password 'vinfer test' > /dev/null
chmod 600 "$S/ks/wallet"
printf 'vinfer test\n' > "$S/ks/pass"
chmod 600 "$S/ks/pass"

# The guest asks for the outage by creating scratch/kill-anvil.
outage() {
	for _ in $(seq 6000); do
		[ -e "$S/kill-anvil" ] && break
		kill -0 "$VM_PID" 2> /dev/null || return 0
		sleep 0.1
	done
	[ -e "$S/kill-anvil" ] || return 0
	kill "$ANVIL_PID"
	wait "$ANVIL_PID" 2> /dev/null || true
	ANVIL_PID=
	touch "$S/anvil-down"
	echo "    anvil stopped for 10 s"
	sleep 10
	start_anvil
	touch "$S/anvil-up"
	echo "    anvil back from its state, block $("$CAST" block-number --rpc-url "$RPC")"
}

step "the guest: vm-chain.sh"
scripts/vm-run --timeout 560 --fwd "$PORT" --scratch "$S" \
	--env "VC_RPC=http://10.0.2.100:$PORT" --env "VC_REGISTRY=$REGISTRY" --env "VC_S=$S" \
	-- tests/daemon/vm-chain.sh &
VM_PID=$!
outage
st=0
wait "$VM_PID" || st=$?
VM_PID=
[ "$st" = 0 ] || { tail -20 "$S/anvil.log" 2> /dev/null; exit "$st"; }

step "cast logs: each epoch's EpochAttested exactly once, from the guest's agent"
[ -s "$S/result" ] || fail "the guest wrote no result"
read -r agent workload epochs < "$S/result"
sig='EpochAttested(uint256 indexed,uint64 indexed,uint64 indexed,bytes32,bytes32,bytes32,bytes32,bytes32)'
for e in $(seq 1 "$epochs"); do
	n=$("$CAST" logs --rpc-url "$RPC" --from-block 0 --to-block latest --address "$REGISTRY" \
		--json "$sig" "$agent" "$workload" "$e" | jq length)
	[ "$n" = 1 ] || fail "epoch $e of agent $agent, workload $workload: $n EpochAttested events"
done
all=$("$CAST" logs --rpc-url "$RPC" --from-block 0 --to-block latest --address "$REGISTRY" \
	--json "$sig" | jq length)
[ "$all" = "$epochs" ] || fail "$all EpochAttested events in all, want $epochs"
echo "    agent $agent, workload $workload: epochs 1..$epochs attested once each"
