#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The publisher against a real chain (anvil), through a proxy that can
# misbehave:
#
#   publisher_tool drive --> publisher_proxy (pass|junk|badhex|hang) --> anvil
#        |                                                              ^
#        +-- spool: N.json attestations, N.tx journals      cast (checks, other sender)
#
# Steps: selectors and call data equal cast's; keystores interoperate with
# cast both ways; a type-2 transaction signed here decodes in cast to the
# same fields and signer and lands on anvil; then attestations are
# delivered while the publisher is killed -9 after reserving a nonce,
# another sender takes that nonce, the proxy answers junk / bad hex /
# nothing, anvil is stopped and restarted from its --state file,
# anvil_reorg removes a mined transaction, and a transaction left unmined
# is replaced with higher fees.  At the end every attestation with a
# quote is recorded exactly once on chain (the sink's count and its
# EpochAttested events), the one pre-recorded by another account counts as
# landed, and the one without a quote is refused with NoHardwareTrust.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
TOOL=$top/build/tests/chain/publisher_tool
PROXY=$top/build/tests/chain/publisher_proxy
scripts/chain-deps >/dev/null
NPM=$top/build/tools/npm/node_modules
CAST=$NPM/@foundry-rs/cast-linux-amd64/bin/cast
ANVIL=$NPM/@foundry-rs/anvil-linux-amd64/bin/anvil
SOLCJS=$NPM/.bin/solcjs

T=$(mktemp -d /tmp/publisher-test.XXXXXX)
ANVIL_PID=
PROXY_PID=
DRIVE_PID=
MAIN_PID=$BASHPID
cleanup() {
	# background subshells inherit the trap; only the test itself cleans up
	[ "$BASHPID" = "$MAIN_PID" ] || return 0
	for p in $DRIVE_PID $ANVIL_PID; do kill "$p" 2>/dev/null || true; done
	[ -n "$PROXY_PID" ] && kill -- "-$PROXY_PID" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

step() { echo "--- $*"; }
fail() { echo "FAIL: $*" >&2; [ -f "$T/drive.log" ] && tail -30 "$T/drive.log" >&2; exit 1; }

free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		(echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	fail "no free port"
}

APORT=$(free_port)
PPORT=$(free_port)
ARPC=http://127.0.0.1:$APORT
PRPC=http://127.0.0.1:$PPORT

start_anvil() {
	(cd "$T" && exec "$ANVIL" --host 127.0.0.1 --port "$APORT" --hardfork osaka --silent \
		--state "$T/anvil.state" >>"$T/anvil.log" 2>&1) &
	ANVIL_PID=$!
	for _ in $(seq 100); do
		"$CAST" chain-id --rpc-url "$ARPC" >/dev/null 2>&1 && return
		sleep 0.2
	done
	fail "anvil did not start"
}

# anvil's development accounts (its default mnemonic): 0 deploys and plays
# the other sender's part, 1 is the publisher's, 2 pre-records an attestation
MNEMONIC="test test test test test test test test test test test junk"
K0=$("$CAST" wallet private-key --mnemonic "$MNEMONIC" --mnemonic-index 0)
K1=$("$CAST" wallet private-key --mnemonic "$MNEMONIC" --mnemonic-index 1)
K2=$("$CAST" wallet private-key --mnemonic "$MNEMONIC" --mnemonic-index 2)

step "selectors and call data equal cast's"
for sig in 'submit(bytes,bytes,bytes32,bytes32)' \
	'registerAgent(string,bytes32,bytes32,bytes32,bytes32,bytes32)' \
	'verifyInference(uint256,uint64,uint64,bytes32,bytes32,uint256,bytes32[])' \
	'reputation(uint256)' 'Truncated(uint256)' 'EpochNotIncreasing(uint64,uint64)'; do
	[ "$("$TOOL" selector "$sig")" = "$("$CAST" sig "$sig")" ] || fail "selector of $sig"
done
W1=0x$(printf '11%.0s' $(seq 32))
W2=0x$(printf '22%.0s' $(seq 32))
C=0x$(printf 'c3%.0s' $(seq 640))
A=0x$(printf 'a5%.0s' $(seq 145))
[ "$("$TOOL" calldata submit $C $A $W1 $W2)" = \
  "$("$CAST" calldata 'submit(bytes,bytes,bytes32,bytes32)' $C $A $W1 $W2)" ] || fail "submit call data"
[ "$("$TOOL" calldata registerAgent 'https://agent.example/a.json' $W1 $W2 $W1 $W2 $W1)" = \
  "$("$CAST" calldata 'registerAgent(string,bytes32,bytes32,bytes32,bytes32,bytes32)' \
	'https://agent.example/a.json' $W1 $W2 $W1 $W2 $W1)" ] || fail "registerAgent call data"

step "keystores: cast's files decrypt here, ours in cast"
printf 'correct horse\n' >"$T/pw"
chmod 600 "$T/pw"
mkdir -m 700 "$T/ks"
"$CAST" wallet new "$T/ks" --unsafe-password 'correct horse' >"$T/new.out"
f=$(ls "$T/ks" | head -1)
chmod 600 "$T/ks/$f"
want=$("$CAST" wallet address --keystore "$T/ks/$f" --password 'correct horse')
got=$("$TOOL" keystore-read "$T/ks/$f" "$T/pw")
[ "${got,,}" = "${want,,}" ] || fail "cast wallet new: ours $got, cast $want"
"$CAST" wallet import imported --private-key "$K2" --keystore-dir "$T/ks" \
	--unsafe-password 'correct horse' >/dev/null
chmod 600 "$T/ks/imported"
want=$("$CAST" wallet address --private-key "$K2")
got=$("$TOOL" keystore-read "$T/ks/imported" "$T/pw")
[ "${got,,}" = "${want,,}" ] || fail "cast wallet import: ours $got, want $want"
for kdf in "scrypt 8192" "pbkdf2 1000"; do
	"$TOOL" keystore-write "$T/ours-${kdf%% *}.json" "$T/pw" "$K1" $kdf >/dev/null
	got=$("$CAST" wallet address --keystore "$T/ours-${kdf%% *}.json" --password 'correct horse')
	want=$("$CAST" wallet address --private-key "$K1")
	[ "${got,,}" = "${want,,}" ] || fail "cast reads our $kdf keystore as $got, want $want"
done
chmod 644 "$T/ks/imported"
! "$TOOL" keystore-read "$T/ks/imported" "$T/pw" 2>/dev/null || fail "a 0644 key file was read"
printf 'wrong\n' >"$T/pw.bad"
chmod 600 "$T/pw.bad"
! "$TOOL" keystore-read "$T/ks/$f" "$T/pw.bad" 2>/dev/null || fail "a wrong password was accepted"

step "anvil on 127.0.0.1:$APORT, the sink contract"
start_anvil
"$SOLCJS" --bin --optimize -o "$T/sol" tests/chain/publisher_sink.sol >/dev/null
SINK=$("$CAST" send --rpc-url "$ARPC" --private-key "$K0" --json \
	--create "0x$(cat "$T"/sol/*PublisherSink.bin)" | jq -r .contractAddress)
[ -n "$SINK" ] && [ "$SINK" != null ] || fail "sink not deployed"

step "a type-2 transaction signed here: cast decodes the same fields and signer; anvil mines it"
nonce=$("$CAST" nonce --rpc-url "$ARPC" "$("$CAST" wallet address --private-key "$K2")")
out=$("$TOOL" sign "$K2" 31337 "$nonce" 1500000000 30000000000 60000 \
	0x70997970C51812dc3A010C7d01b50e0d17dc79C8 123456789 0xc0ffee)
raw=$(sed -n 's/^raw=//p' <<<"$out")
hash=$(sed -n 's/^hash=//p' <<<"$out")
from=$(sed -n 's/^from=//p' <<<"$out")
dec=$("$CAST" decode-transaction "$raw" | jq -r .)
check() { [ "$(jq -r ".$1" <<<"$dec")" = "$2" ] || fail "cast decodes $1 as $(jq -r ".$1" <<<"$dec"), want $2"; }
check type 0x2
check chainId "$(printf '0x%x' 31337)"
check nonce "$(printf '0x%x' "$nonce")"
check maxPriorityFeePerGas "$(printf '0x%x' 1500000000)"
check maxFeePerGas "$(printf '0x%x' 30000000000)"
check gas "$(printf '0x%x' 60000)"
check to 0x70997970c51812dc3a010c7d01b50e0d17dc79c8
check value "$(printf '0x%x' 123456789)"
check input 0xc0ffee
check hash "$hash"
check signer "${from,,}"
[ "${from,,}" = "$("$CAST" wallet address --private-key "$K2" | tr A-F a-f)" ] || fail "signer"
"$CAST" publish --rpc-url "$ARPC" "$raw" >/dev/null
st=$("$CAST" rpc --rpc-url "$ARPC" eth_getTransactionReceipt "$hash" | jq -r .status)
[ "$st" = 0x1 ] || fail "receipt status $st"

step "attestations in the spool; one pre-recorded by another account; one without a quote"
SPOOL=$T/spool
mkdir -m 700 "$SPOOL"
expect=0
for a in 1 2 3; do
	for e in 1 2 3 4; do
		"$TOOL" gen "$SPOOL" $a 5 $e
		expect=$((expect + 1))
	done
done
"$TOOL" gen "$SPOOL" 9 5 1 noquote
doc=$SPOOL/3-5-4.json
"$CAST" send --rpc-url "$ARPC" --private-key "$K2" "$SINK" 'submit(bytes,bytes,bytes32,bytes32)' \
	0x$(jq -r .predicate.claimsAbi "$doc") 0x$(jq -r .predicate.quote.attest "$doc") \
	0x$(jq -r .predicate.quote.r "$doc") 0x$(jq -r .predicate.quote.s "$doc") >/dev/null

echo pass >"$T/mode"
setsid "$PROXY" "$PPORT" "$APORT" "$T/mode" &
PROXY_PID=$!
printf 'pw\n' >"$T/kpw"
chmod 600 "$T/kpw"
"$TOOL" keystore-write "$T/key.json" "$T/kpw" "$K1" scrypt 1024 >/dev/null
ME=$("$CAST" wallet address --private-key "$K1")
drive() {
	"$TOOL" drive --rpc "$PRPC" --chain-id 31337 --registry "$SINK" --keystore "$T/key.json" \
		--password-file "$T/kpw" --spool "$SPOOL" --total-ms 2000 --stuck-ms 3000 --backoff-max-ms 4000 "$@" \
		>>"$T/drive.log" 2>&1
}
state_of() { jq -r .state "$SPOOL/$1.tx" 2>/dev/null || echo new; }
count_state() { local n=0 f; for f in "$SPOOL"/*.tx; do [ "$(jq -r .state "$f")" = "$1" ] && n=$((n + 1)); done; echo $n; }

step "the publisher is killed -9 after reserving its second nonce"
rc=0
drive --crash-after-reserved 2 --timeout 30 || rc=$?
[ $rc -eq 137 ] || fail "drive exited $rc, want 137 (SIGKILL)"
taken=
for f in "$SPOOL"/*.tx; do
	if [ "$(jq -r .state "$f")" = pending ]; then taken=$(jq -r .nonce "$f"); fi
done
[ -n "$taken" ] || fail "no pending journal after the crash"

step "another sender takes nonce $taken of the same key"
"$CAST" send --rpc-url "$ARPC" --private-key "$K1" --nonce "$taken" "$ME" --value 1 >/dev/null
[ "$("$CAST" nonce --rpc-url "$ARPC" "$ME")" -gt "$taken" ] || fail "nonce not taken"

step "restart; the proxy answers junk, bad hex, then nothing"
drive --timeout 150 --confirmations 2 &
DRIVE_PID=$!
wait_log() {	# wait_log PATTERN SECONDS
	for _ in $(seq $(($2 * 5))); do grep -q "$1" "$T/drive.log" && return; sleep 0.2; done
	fail "no '$1' in the log after $2 s"
}
# confirmations 2: every mined transaction needs a block after it
( for _ in $(seq 600); do "$CAST" rpc --rpc-url "$ARPC" evm_mine >/dev/null 2>&1 || true; sleep 0.5; done ) &
MINER_PID=$!
wait_log "used by another transaction" 20
echo junk >"$T/mode"
wait_log "not JSON" 20
echo badhex >"$T/mode"
wait_log "leading zero" 20
echo hang >"$T/mode"
wait_log "Timeout" 30
echo pass >"$T/mode"

step "anvil stopped and restarted from its state file"
sleep 1
kill "$ANVIL_PID"
wait "$ANVIL_PID" 2>/dev/null || true
wait_log "chain unavailable" 20
sleep 2
start_anvil

step "the first batch delivered"
rc=0
wait "$DRIVE_PID" || rc=$?
DRIVE_PID=
[ $rc -eq 0 ] || fail "drive exited $rc"

step "a reorg removes a mined transaction"
# no more empty blocks: each transaction is mined alone (automine), so the
# last epoch of a new workload stays at one confirmation until the reorg
kill "$MINER_PID" 2>/dev/null || true
wait "$MINER_PID" 2>/dev/null || true
for e in 1 2 3; do "$TOOL" gen "$SPOOL" 4 5 $e; expect=$((expect + 1)); done
drive --timeout 90 --confirmations 2 &
DRIVE_PID=$!
for _ in $(seq 300); do
	[ "$(state_of 4-5-3)" = confirmed ] && break
	sleep 0.1
done
[ "$(state_of 4-5-3)" = confirmed ] || fail "4-5-3 is $(state_of 4-5-3), want confirmed"
gone=$(jq -r .block.tx "$SPOOL/4-5-3.tx")
[ "$(jq -r .block.number "$SPOOL/4-5-3.tx")" -eq "$("$CAST" block-number --rpc-url "$ARPC")" ] ||
	fail "4-5-3 is not in the latest block"
"$CAST" rpc --rpc-url "$ARPC" anvil_reorg 1 '[]' >/dev/null
[ "$("$CAST" rpc --rpc-url "$ARPC" eth_getTransactionReceipt "$gone")" = null ] ||
	fail "the reorg left $gone in place"
wait_log "is no longer in block" 30
( for _ in $(seq 400); do "$CAST" rpc --rpc-url "$ARPC" evm_mine >/dev/null 2>&1 || true; sleep 0.5; done ) &
MINER_PID=$!

step "every attestation delivered"
rc=0
wait "$DRIVE_PID" || rc=$?
DRIVE_PID=
kill "$MINER_PID" 2>/dev/null || true
[ $rc -eq 0 ] || fail "drive exited $rc"

step "a stuck transaction is replaced with fees raised by 1/8 or more"
"$CAST" rpc --rpc-url "$ARPC" evm_setAutomine false >/dev/null
"$TOOL" gen "$SPOOL" 5 5 1
expect=$((expect + 1))
drive --timeout 60 --confirmations 1 &
DRIVE_PID=$!
wait_log "5-5-1: nonce [0-9]* not mined: fees" 20
fee() { jq -r ".sends[$1].$2" "$SPOOL/5-5-1.tx"; }
[ "$(jq -r '.sends | length' "$SPOOL/5-5-1.tx")" -ge 2 ] || fail "no replacement recorded"
[ "$(fee 1 nonce)" = "$(fee 0 nonce)" ] || fail "the replacement changed the nonce"
for f in maxFeePerGas maxPriorityFeePerGas; do
	[ $(($(fee 1 $f) * 8)) -ge $(($(fee 0 $f) * 9)) ] || fail "$f $(fee 0 $f) -> $(fee 1 $f)"
done
"$CAST" rpc --rpc-url "$ARPC" evm_setAutomine true >/dev/null
"$CAST" rpc --rpc-url "$ARPC" evm_mine >/dev/null
rc=0
wait "$DRIVE_PID" || rc=$?
DRIVE_PID=
[ $rc -eq 0 ] || fail "drive exited $rc"

step "exactly once on chain"
landed=$(count_state landed)
refused=$(count_state refused)
[ "$landed" -eq "$expect" ] || fail "$landed landed, want $expect"
[ "$refused" -eq 1 ] || fail "$refused refused, want 1"
jq -r .error "$SPOOL/9-5-1.tx" | grep -q NoHardwareTrust || fail "refusal not decoded: $(jq -r .error "$SPOOL/9-5-1.tx")"
[ "$(jq -r .already "$SPOOL/3-5-4.tx")" = true ] || fail "3-5-4 not seen as already recorded"
n=$("$CAST" call --rpc-url "$ARPC" "$SINK" 'count()(uint256)')
[ "$n" -eq "$expect" ] || fail "the sink holds $n records, want $expect"
topic=$("$CAST" keccak 'EpochAttested(uint256,uint64,uint64,bytes32,bytes32,bytes32,bytes32,bytes32)')
"$CAST" logs --rpc-url "$ARPC" --from-block 0 --address "$SINK" "$topic" --json |
	jq -r '.[] | .topics[1] + " " + .topics[2] + " " + .topics[3]' | sort >"$T/events"
[ "$(wc -l <"$T/events")" -eq "$expect" ] || fail "$(wc -l <"$T/events") EpochAttested events, want $expect"
[ -z "$(uniq -d "$T/events")" ] || fail "an epoch was recorded twice: $(uniq -d "$T/events")"
grep -q "used by another transaction" "$T/drive.log" || fail "the taken nonce went unnoticed"

step "vinfer chain status reads the same outbox and wallet"
st=$("$top/build/vinfer" chain status --rpc "$ARPC" --chain-id 31337 --registry "$SINK" \
	--keystore "$T/key.json" --password-file "$T/kpw" --spool "$SPOOL")
grep -q "landed $expect refused 1" <<<"$st" || fail "chain status: $st"
grep -q "nonce: $("$CAST" nonce --rpc-url "$ARPC" "$ME") mined" <<<"$st" || fail "chain status: $st"
rc=0
"$top/build/vinfer" chain status --rpc "$ARPC" --chain-id 1 >/dev/null 2>&1 || rc=$?
[ $rc -eq 1 ] || fail "chain status on the wrong chain exited $rc"
echo "publisher: $expect attestations landed exactly once, 1 refused"
