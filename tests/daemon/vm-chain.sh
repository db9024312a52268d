#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of the chain test (see chain.sh, which runs the node and the
# contract on the host): credential activation with the host's registrar
# key, registerAgent through the port forward, then vinferd publishes:
#
#   1. vinferd --once: epoch 1 is attested with the chain's latest block
#      (nonzero number and hash) and lands before it exits 0;
#   2. a second --once: epoch 2 lands too;
#   3. the daemon: the node is stopped (scratch/kill-anvil handshake),
#      close-epoch seals epoch 3, which waits without a file (one warning
#      for the whole outage); once the node is back, epoch 3 is attested
#      and lands; SIGTERM exits 0.
#   4. errors: [chain] rpc without a keystore is exit 2, an unreadable
#      keystore exit 3.
# Environment: VC_RPC (the node, 10.0.2.100:PORT), VC_REGISTRY, VC_S (scratch).
set -eu -o pipefail
. tests/daemon/lib.sh
S=${VC_S:?}
d=$(mktemp -d /tmp/vinferd-chain.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2> /dev/null; rm -rf "$d"' EXIT
TCTI=device:/dev/tpmrm0
CHAIN="--rpc $VC_RPC --chain-id 31337 --registry $VC_REGISTRY --keystore $S/ks/wallet --password-file $S/ks/pass"

step "credential activation: tpm-keys, the registrar's challenge, activate, endorse"
$V tpm-keys --tcti "$TCTI" -o "$d/keys" > /dev/null
$V registrar challenge --ek "$d/keys/ek.pub" --ak "$d/keys/ak.pub" -o "$d/ch" > /dev/null
answer=$($V activate --tcti "$TCTI" --blob "$d/ch/blob" --secret "$d/ch/secret")
$V registrar endorse --key "$S/registrar.pem" "$d/ch" --answer "$answer" > /dev/null
[ -s "$d/ch/activation.json" ] || die "no activation.json"

step "vinfer register through the port forward"
# shellcheck disable=SC2086
$V register --uri "https://agent.example/vm.json" --keys "$d/keys" \
	--activation "$d/ch/activation.json" --stake 1000000000000000000 $CHAIN > "$d/reg" ||
	die "vinfer register failed"
AGENT=$(sed -n 's/^agent=//p' "$d/reg")
[ -n "$AGENT" ] || die "no agent id: $(cat "$d/reg")"
echo "    agent $AGENT"

cg=$(new_cgroup vinferd-chain)
id=$(stat -c %i "$cg")
write_conf "$d/vinferd.conf" "$cg" "$d/spool"
sed -i "s/^id = .*/id = $AGENT/" "$d/vinferd.conf"
cat >> "$d/vinferd.conf" <<CONF
[chain]
rpc = $VC_RPC
chain_id = 31337
registry = $VC_REGISTRY
confirmations = 1
[wallet]
keystore = $S/ks/wallet
password_file = $S/ks/pass
CONF
printf 'model %s\n' "$(date +%s%N)" > "$d/model.bin"
in_cgroup "$cg" $V measure --kind model "$d/model.bin" > /dev/null

landed() {	# landed EPOCH: its journal says landed
	[ "$(jq -r .state "$d/spool/$AGENT-$id-$1.tx" 2> /dev/null)" = landed ]
}
block_of() {	# block_of EPOCH: "number hash" of the claims
	jq -r '[.. | objects | select(has("blockNumber"))][0] | "\(.blockNumber) \(.blockHash)"' \
		"$d/spool/$AGENT-$id-$1.json"
}
nonzero_block() {
	local n h
	read -r n h <<< "$(block_of "$1")"
	[ "$n" != 0 ] && [ "$n" != null ] || die "epoch $1: claims' block number is $n"
	case $h in *[1-9a-f]*) ;; *) die "epoch $1: claims' block hash is $h" ;; esac
	echo "    epoch $1: block $n $h"
}

for e in 1 2; do
	step "vinferd --once: epoch $e is attested, printed, and lands before exit 0"
	$VD --once --publish-timeout 120 -c "$d/vinferd.conf" > "$d/paths" 2> "$d/log$e" ||
		{ cat "$d/log$e"; die "--once $e failed"; }
	[ "$(cat "$d/paths")" = "$d/spool/$AGENT-$id-$e.json" ] || die "--once printed $(cat "$d/paths")"
	landed "$e" || { cat "$d/log$e"; die "epoch $e not landed"; }
	nonzero_block "$e"
	$CHECK "$d/spool/$AGENT-$id-$e.json" > /dev/null || die "epoch $e does not parse"
done

step "the daemon; the node goes down; close-epoch seals epoch 3, which waits"
$VD -c "$d/vinferd.conf" 2> "$d/dlog" &
pid=$!
for _ in $(seq 100); do [ -S "$d/vinferd.sock" ] && break; sleep 0.1; done
[ -S "$d/vinferd.sock" ] || { cat "$d/dlog"; die "no control socket"; }
touch "$S/kill-anvil"
for _ in $(seq 300); do [ -e "$S/anvil-down" ] && break; sleep 0.1; done
[ -e "$S/anvil-down" ] || die "the host did not stop anvil"
$V close-epoch --socket "$d/vinferd.sock" > "$d/close" 2>&1 || { cat "$d/close" "$d/dlog"; die "close-epoch failed"; }
[ ! -e "$d/spool/$AGENT-$id-3.json" ] || die "epoch 3 attested while the node was down"
for _ in $(seq 300); do [ -e "$S/anvil-up" ] && break; sleep 0.1; done
[ -e "$S/anvil-up" ] || die "the host did not restart anvil"
[ ! -e "$d/spool/$AGENT-$id-3.json" ] || die "epoch 3 attested while the node was down"

step "the node is back: epoch 3 is attested and lands"
for _ in $(seq 900); do landed 3 && break; sleep 0.1; done
landed 3 || { cat "$d/dlog"; die "epoch 3 did not land within 90 s of the node's return"; }
nonzero_block 3
n=$(grep -c "no recent block from the chain" "$d/dlog" || true)
[ "$n" = 1 ] || { cat "$d/dlog"; die "the outage was logged $n times, want once"; }
grep -q "the chain answers again" "$d/dlog" || { cat "$d/dlog"; die "no message at the node's return"; }
kill -TERM "$pid"
st=0
wait "$pid" || st=$?
pid=
[ "$st" = 0 ] || { cat "$d/dlog"; die "SIGTERM: status $st"; }
sed 's/^/    /' "$d/dlog" | grep -i "chain\|block" | head -20
echo "$AGENT $id 3" > "$S/result"

step "errors: [chain] rpc without [wallet] keystore is exit 2; an unreadable keystore exit 3"
grep -v '^keystore' "$d/vinferd.conf" > "$d/nokey.conf"
st=0
$VD --once -c "$d/nokey.conf" > /dev/null 2> "$d/e1" || st=$?
[ "$st" = 2 ] && grep -q "\[wallet\] keystore" "$d/e1" || { cat "$d/e1"; die "no keystore: status $st"; }
sed "s|^keystore = .*|keystore = $d/missing.json|" "$d/vinferd.conf" > "$d/badkey.conf"
st=0
$VD --once -c "$d/badkey.conf" > /dev/null 2> "$d/e2" || st=$?
[ "$st" = 3 ] && grep -q "missing.json" "$d/e2" || { cat "$d/e2"; die "missing keystore: status $st"; }
rmdir "$cg"
