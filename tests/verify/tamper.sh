#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The verifier against a real document and its tampered copies.
#
#   swtpm (127.0.0.1, free port, temp state)
#     ^  PCR 13 extends, EK/AK, quote
#   mkdoc --- good.json ---> vinfer verify            must pass
#     |                 \--> vinfer export-quote ---> tpm2_checkquote must accept
#     |--- lying agents (--lie WORD=V, --lie-nonce, --pcr-mask): a real TPM
#     |    quoting false claims            -> verify fails at the named check
#     `--- good.json edited (jq, log bytes) -> verify fails at the named check
#   registrar keygen/challenge, vinfer tpm-keys/activate, registrar endorse
#     -> activation in the document, --registrar / --require-activation
#   prove / check-proof on a request of the document
#
# Every mutation must make `vinfer verify` exit 1 with "FAIL <check>:" naming
# the check in the table.  VERIFY_BENCH_ONLY=1: only the rate benchmark.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VINFER=$ROOT/build/vinfer
MKDOC=$ROOT/build/tests/verify/mkdoc
TMP=$(mktemp -d /tmp/vinfer-verify.XXXXXX)
SWTPM_PID=

cleanup() {
	if [ -n "$SWTPM_PID" ]; then kill "$SWTPM_PID" 2>/dev/null || true; wait "$SWTPM_PID" 2>/dev/null || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT

step() { echo "--- $*"; }
die() { echo "FAIL: $*" >&2; exit 1; }

free_port() {
	python3 -c 'import socket
for _ in range(50):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    if p < 65000:
        t = socket.socket()
        try:
            t.bind(("127.0.0.1", p + 1)); t.close(); print(p); break
        except OSError:
            pass'
}

step "start swtpm"
PORT=$(free_port)
mkdir "$TMP/tpm"
swtpm socket --tpm2 --server type=tcp,port="$PORT" --ctrl type=tcp,port=$((PORT + 1)) \
	--tpmstate dir="$TMP/tpm" --flags not-need-init,startup-clear &
SWTPM_PID=$!
TCTI="swtpm:host=127.0.0.1,port=$PORT"
for _ in $(seq 50); do
	timeout 5 tpm2_getrandom -T "$TCTI" 4 >/dev/null 2>&1 && break
	sleep 0.1
done
timeout 5 tpm2_getrandom -T "$TCTI" 4 >/dev/null 2>&1 || die "swtpm did not come up on port $PORT"

head -c 100000 /dev/urandom >"$TMP/model.bin"
head -c 3000 /dev/urandom >"$TMP/data1.bin"
head -c 7000 /dev/urandom >"$TMP/data2.bin"
mkdoc() { timeout 60 "$MKDOC" --tcti "$TCTI" --model "$TMP/model.bin" --data "$TMP/data1.bin" --data "$TMP/data2.bin" "$@"; }
verify() { timeout 30 "$VINFER" verify "$@"; }

step "a good document"
mkdoc -o "$TMP/good.json"
verify "$TMP/good.json" >"$TMP/out" || { cat "$TMP/out"; die "the good document does not verify"; }
cat "$TMP/out"
[ "$(grep -c '^ok  ' "$TMP/out")" -ge 20 ] || die "fewer than 20 checks passed"

step "verify rate (median of 5 runs of 200 in one process)"
rates=()
for _ in 1 2 3 4 5; do
	r=$(timeout 120 "$VINFER" verify --repeat 200 "$TMP/good.json" 2>&1 >/dev/null |
		sed -n 's/.*: \([0-9.]*\) documents\/s/\1/p')
	[ -n "$r" ] || die "verify --repeat gave no rate"
	rates+=("$r")
done
median=$(printf '%s\n' "${rates[@]}" | sort -g | sed -n 3p)
echo "verify: ${rates[*]} documents/s; median $median documents/s"
# Side by side, as command-line tools: a whole `vinfer verify` process (the
# quote, the log replay and every claim) against `tpm2_checkquote` on the
# same quote (signature, nonce and PCR digest only).
timeout 30 "$VINFER" export-quote "$TMP/good.json" "$TMP/bq" >/dev/null
per_run() {	# per_run N CMD...: median over 5 rounds of N runs, ms per run
	local n=$1 t0 t1 i k
	shift
	for k in 1 2 3 4 5; do
		t0=$(date +%s%N)
		for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 || return 1; done
		t1=$(date +%s%N)
		echo "$(( (t1 - t0) / n / 1000 ))"
	done | sort -n | sed -n 3p
}
v_us=$(per_run 20 "$VINFER" verify "$TMP/good.json") || die "vinfer verify failed in the benchmark"
c_us=$(per_run 20 tpm2_checkquote -u "$TMP/bq/ak.pub.pem" -m "$TMP/bq/quote.msg" -s "$TMP/bq/quote.sig" \
	-f "$TMP/bq/quote.pcrs" -g sha256 -q "$(cat "$TMP/bq/nonce.hex")") || die "tpm2_checkquote failed in the benchmark"
echo "per process: vinfer verify $v_us us, tpm2_checkquote $c_us us"
printf 'ROW|vinfer verify, whole document, in one process|%s docs/s|-|-|-\n' "$median"
printf 'ROW|vinfer verify (full) vs tpm2_checkquote (quote only), per process|%d us|%d us|%.2f|-\n' \
	"$v_us" "$c_us" "$(echo "$v_us / $c_us" | bc -l)"
[ "${VERIFY_BENCH_ONLY:-0}" = 1 ] && exit 0

step "tpm2_checkquote accepts the exported quote"
timeout 30 "$VINFER" export-quote "$TMP/good.json" "$TMP/q"
timeout 30 tpm2_checkquote -u "$TMP/q/ak.pub.pem" -m "$TMP/q/quote.msg" -s "$TMP/q/quote.sig" \
	-f "$TMP/q/quote.pcrs" -g sha256 -q "$(cat "$TMP/q/nonce.hex")" >/dev/null ||
	die "tpm2_checkquote refused the exported quote"
step "tpm2_checkquote refuses it with another nonce"
if timeout 30 tpm2_checkquote -u "$TMP/q/ak.pub.pem" -m "$TMP/q/quote.msg" -s "$TMP/q/quote.sig" \
	-f "$TMP/q/quote.pcrs" -g sha256 -q "$(sha256sum <"$TMP/model.bin" | cut -c1-64)" >/dev/null 2>&1; then
	die "tpm2_checkquote accepted a wrong nonce"
fi

# expect_fail NAME CHECK FILE [verify options]: verify exits 1 naming CHECK.
PASSED=0
expect_fail() {
	local name=$1 check=$2 file=$3 rc=0
	shift 3
	verify "$file" "$@" >"$TMP/out" 2>&1 || rc=$?
	if [ "$rc" != 1 ] || ! grep -q "^FAIL $check: " "$TMP/out"; then
		cat "$TMP/out"
		die "$name: want exit 1 and 'FAIL $check:', got exit $rc"
	fi
	printf '  %-28s -> %s\n' "$name" "$(grep '^FAIL' "$TMP/out" | cut -c1-150)"
	PASSED=$((PASSED + 1))
}

# jq_edit NAME CHECK FILTER [jq args]: edit good.json, expect CHECK.
jq_edit() {
	local name=$1 check=$2 filter=$3
	shift 3
	jq "$@" "$filter" "$TMP/good.json" >"$TMP/m.json"
	expect_fail "$name" "$check" "$TMP/m.json"
}

# Words of the claims: word index, JSON name, a new value (jq expression).
# Changed in claims and claimsAbi alike, after the quote: the encoding
# check passes and the quote's nonce no longer matches.
step "claims words changed after the quote (claims and claimsAbi consistently)"
abi_word() {	# hex of a uint64 as a 32-byte word
	printf '%064x' "$1"
}
H1=$(printf 'x' | sha256sum | cut -c1-64)
words=(
	"1 agentId \"8\" $(abi_word 8)"
	"2 epoch 4 $(abi_word 4)"
	"3 workload 4243 $(abi_word 4243)"
	"4 hostId \"$H1\" $H1"
	"5 logFirst 4 $(abi_word 4)"
	"6 logLast 14 $(abi_word 14)"
	"7 logHead \"$H1\" $H1"
	"8 modelDigest \"$H1\" $H1"
	"9 dataRoot \"$H1\" $H1"
	"10 requestRoot \"$H1\" $H1"
	"11 requestCount 2 $(abi_word 2)"
	"12 countersDigest \"$H1\" $H1"
	"13 blockNumber 123457 $(abi_word 123457)"
	"14 blockHash \"$H1\" $H1"
	"15 tpmClock 1 $(abi_word 1)"
	"16 tpmResetCount 9 $(abi_word 9)"
	"17 tpmRestartCount 9 $(abi_word 9)"
	"18 flags 2 $(abi_word 2)"
	"19 violations 1 $(abi_word 1)"
)
for w in "${words[@]}"; do
	set -- $w
	idx=$1 key=$2 val=$3 word=$4
	jq_edit "claims.$key" quote-nonce \
		".predicate.claims.$key = $val |
		 .predicate.claimsAbi |= .[0:$((idx * 64))] + \$w + .[$(((idx + 1) * 64)):]" \
		--arg w "$word"
done
jq '.predicate.claims.epoch = 4' "$TMP/good.json" >"$TMP/m.json"
rc=0; verify "$TMP/m.json" >"$TMP/out" 2>&1 || rc=$?
[ "$rc" = 3 ] && grep -q '^FAIL document: .*claimsAbi' "$TMP/out" ||
	die "claims changed without claimsAbi: exit $rc, want 3 and FAIL document: $(cat "$TMP/out")"
echo "  claims without claimsAbi     -> $(cut -c1-150 "$TMP/out")"

step "lying agents: a real TPM quoting false claims"
lie() {	# lie NAME CHECK mkdoc-args...
	local name=$1 check=$2
	shift 2
	mkdoc -o "$TMP/lie.json" "$@"
	expect_fail "$name" "$check" "$TMP/lie.json"
}
lie "agentId (epoch marker)" log-range --lie agentId=8
lie "epoch (epoch marker)" log-range --lie epoch=4
lie "workload (epoch marker)" log-range --lie workload=4243
lie "hostId" host --lie "hostId=$H1"
lie "logFirst" log-range --lie logFirst=4
lie "logLast" log-range --lie logLast=14
lie "logHead" log-range --lie "logHead=$H1"
lie "modelDigest" claims-model --lie "modelDigest=$H1"
lie "dataRoot" claims-data --lie "dataRoot=$H1"
lie "requestRoot" claims-requests --lie "requestRoot=$H1"
lie "requestCount" claims-requests --lie requestCount=2
lie "countersDigest" claims-counters --lie "countersDigest=$H1"
lie "violations" claims-violations --lie violations=1
lie "flags VIOLATION" claims-violations --lie flags=2
lie "flags RELOAD" claims-violations --lie flags=32
lie "violation hidden" claims-violations --violation --lie flags=0 --lie violations=0
lie "tpmClock ahead" clock --lie tpmClock=999999999999
lie "tpmResetCount" clock --lie tpmResetCount=7
lie "tpmRestartCount" clock --lie tpmRestartCount=7
lie "nonce" quote-nonce --lie-nonce
lie "PCR selection without 10" pcr-selection --pcr-mask 0x20ff
lie "other's violation hidden" claims-violations --violation-other --lie flags=0 --lie violations=0
mkdoc -o "$TMP/viol.json" --violation
verify "$TMP/viol.json" >/dev/null || die "an honest document with a violation does not verify"
mkdoc -o "$TMP/viol.json" --violation-other
verify "$TMP/viol.json" >/dev/null || die "an honest document with another's violation does not verify"

step "documents without a TPM"
mkdoc -o "$TMP/notpm.json" --no-tpm
expect_fail "NO_TPM without --allow-no-tpm" no-tpm "$TMP/notpm.json"
grep -q "no hardware trust" "$TMP/out" || die "the NO_TPM refusal does not say 'no hardware trust'"
verify "$TMP/notpm.json" --allow-no-tpm >"$TMP/out" || { cat "$TMP/out"; die "NO_TPM document with --allow-no-tpm fails"; }
grep -q "^PASS without hardware trust" "$TMP/out" || die "--allow-no-tpm pass does not say it has no hardware trust"
verify --json "$TMP/notpm.json" --allow-no-tpm | jq -e '.ok and .noHardwareTrust' >/dev/null ||
	die "--json does not say noHardwareTrust"
expect_fail "NO_TPM, activation required" activation "$TMP/notpm.json" --allow-no-tpm --require-activation
mkdoc -o "$TMP/notpm-lie.json" --no-tpm --lie "modelDigest=$H1"
expect_fail "NO_TPM, modelDigest" claims-model "$TMP/notpm-lie.json" --allow-no-tpm

step "the document edited"
jq_edit "model digest" claims-model \
	".predicate.model[0].sha256 = \"$H1\" | .subject[0].digest.sha256 = \"$H1\""
jq_edit "model size" claims-model '.predicate.model[0].size += 1'
jq_edit "model seq" claims-model '.predicate.model[0].seq += 1'
jq_edit "data digest" claims-data ".predicate.data[1].sha256 = \"$H1\""
jq_edit "request input" claims-requests ".predicate.requests[1].input = \"$H1\""
jq_edit "request output" claims-requests ".predicate.requests[2].output = \"$H1\""
jq_edit "request removed" claims-requests 'del(.predicate.requests[0])'
jq_edit "counters calls" claims-counters '.predicate.counters.functions[0].calls += 1'
jq_edit "counters ioctls" claims-counters '.predicate.counters.ioctls += 1'
jq_edit "witness last head" log-witness ".predicate.log.witness[-1] = \"$H1\""
jq_edit "witness first head" log-pcr ".predicate.log.witness[0] = \"$H1\""
jq_edit "witness dropped" log-pcr 'del(.predicate.log.witness[0])'
jq_edit "pcrBase" log-pcr ".predicate.log.pcrBase = \"$H1\""
jq_edit "headBefore" log-range ".predicate.log.headBefore = \"$H1\""
jq_edit "PCR 13 value" pcr-digest ".predicate.quote.pcrs[\"13\"] = \"$H1\""
jq_edit "PCR 0 value" pcr-digest ".predicate.quote.pcrs[\"0\"] = \"$H1\""
flip() { # flip the lowest bit of the last hex digit of a field
	echo "$1" | sed 's/.$/\n&/' | { read -r head; read -r last; printf '%s%x' "$head" $((0x$last ^ 1)); }
}
R=$(jq -r .predicate.quote.r "$TMP/good.json")
S=$(jq -r .predicate.quote.s "$TMP/good.json")
SIG=$(jq -r .predicate.quote.signature "$TMP/good.json")
jq_edit "signature r field" quote-signature ".predicate.quote.r = \"$(flip "$R")\""
jq_edit "signature s field" quote-signature ".predicate.quote.s = \"$(flip "$S")\""
# r sits before s in TPMT_SIGNATURE; flip a bit of r inside the signature
# and in the r field alike: only ECDSA itself can catch it.
SIGR=$(echo "$SIG" | sed "s/$R/$(flip "$R")/")
jq_edit "signature r bit (both)" quote-signature \
	".predicate.quote.signature = \"$SIGR\" | .predicate.quote.r = \"$(flip "$R")\""
SIGS=$(echo "$SIG" | sed "s/$S/$(flip "$S")/")
jq_edit "signature s bit (both)" quote-signature \
	".predicate.quote.signature = \"$SIGS\" | .predicate.quote.s = \"$(flip "$S")\""
ATT=$(jq -r .predicate.quote.attest "$TMP/good.json")
jq_edit "attest bit" quote-signature ".predicate.quote.attest = \"$(flip "$ATT")\""

mkdoc -o "$TMP/ak2.json" --ak-handle 0x81010003
AK2=$(jq -c .predicate.ak "$TMP/ak2.json")
jq_edit "AK replaced (valid key)" quote-signature '.predicate.ak = $ak' --argjson ak "$AK2"
jq_edit "ak.x only" ak ".predicate.ak.x = $(jq .predicate.ak.x "$TMP/ak2.json")"
jq_edit "ak.name only" ak ".predicate.ak.name = $(jq .predicate.ak.name "$TMP/ak2.json")"
jq_edit "quote signed by another AK" quote-signature \
	".predicate.quote.attest = $(jq .predicate.quote.attest "$TMP/ak2.json") |
	 .predicate.quote.signature = $(jq .predicate.quote.signature "$TMP/ak2.json") |
	 .predicate.quote.r = $(jq .predicate.quote.r "$TMP/ak2.json") |
	 .predicate.quote.s = $(jq .predicate.quote.s "$TMP/ak2.json")"
# The parser already refuses these: exit 3, "FAIL document: ...".
refused() {	# refused NAME WHAT-THE-MESSAGE-SAYS FILTER [jq args]
	local name=$1 says=$2 filter=$3 rc=0
	shift 3
	jq "$@" "$filter" "$TMP/good.json" >"$TMP/m.json"
	verify "$TMP/m.json" >"$TMP/out" 2>&1 || rc=$?
	[ "$rc" = 3 ] && grep -q "^FAIL document: .*$says" "$TMP/out" ||
		die "$name: want exit 3 and 'FAIL document: ...$says', got exit $rc: $(cat "$TMP/out")"
	printf '  %-28s -> %s\n' "$name" "$(cut -c1-150 "$TMP/out")"
}
refused "NO_TPM flag on a quoted doc" NO_TPM \
	'.predicate.claims.flags = 1 | .predicate.claimsAbi |= .[0:1152] + $w + .[1216:]' \
	--arg w "$(abi_word 1)"
refused "subject digest" subject ".subject[0].digest.sha256 = \"$H1\""
jq_edit "EK replaced" quote-signer ".predicate.ek.public = $(jq .predicate.ak.public "$TMP/ak2.json")"

step "the log slice edited"
# Records of the slice: offsets from the record lengths (first u32 of each).
python3 - "$TMP/good.json" "$TMP" <<'EOF'
import base64, json, struct, sys, hashlib
doc = json.load(open(sys.argv[1])); out = sys.argv[2]
raw = base64.b64decode(doc["predicate"]["log"]["records"])
recs, off = [], 0
while off < len(raw):
    n = struct.unpack_from("<I", raw, off)[0]; recs.append(raw[off:off + n]); off += n
def write(name, records):
    d = json.loads(json.dumps(doc))
    d["predicate"]["log"]["records"] = base64.b64encode(b"".join(records)).decode()
    json.dump(d, open(f"{out}/{name}.json", "w"))
write("rec-removed", recs[:2] + recs[3:])
write("rec-reordered", recs[:1] + [recs[2], recs[1]] + recs[3:])
r = bytearray(recs[0]); r[72] ^= 1          # first byte of the model's digest
write("rec-byte", [bytes(r)] + recs[1:])
r = bytearray(recs[3]); r[72 + 8 + 1] ^= 1    # the request's input digest
write("rec-request", recs[:3] + [bytes(r)] + recs[4:])
write("rec-truncated", recs[:-2])
write("rec-extra", recs + recs[-2:-1])
write("rec-first-dropped", recs[1:])
EOF
expect_fail "log record removed" log-parse "$TMP/rec-removed.json"
expect_fail "log records reordered" log-parse "$TMP/rec-reordered.json"
expect_fail "log byte edited (model)" log-range "$TMP/rec-byte.json"
expect_fail "log byte edited (request)" log-range "$TMP/rec-request.json"
expect_fail "slice cut before the PCR" log-pcr "$TMP/rec-truncated.json"
expect_fail "slice past the boundary" log-parse "$TMP/rec-extra.json"
expect_fail "first record dropped" log-range "$TMP/rec-first-dropped.json"

step "AK policy"
timeout 30 "$VINFER" export-quote "$TMP/ak2.json" "$TMP/q2"
verify "$TMP/good.json" --ak-policy "$TMP/q/ak.pub.pem" >/dev/null || die "--ak-policy with the right key fails"
verify "$TMP/good.json" --ak-policy "$(jq -r .predicate.ak.name "$TMP/good.json")" >/dev/null ||
	die "--ak-policy with the right name fails"
expect_fail "AK policy: other key" ak-policy "$TMP/good.json" --ak-policy "$TMP/q2/ak.pub.pem"
expect_fail "AK policy: other name" ak-policy "$TMP/good.json" \
	--ak-policy "$(jq -r .predicate.ak.name "$TMP/ak2.json")"

step "registrar: credential activation and endorsement"
R1="$TMP/reg/registrar.pem"
mkdir -m 700 "$TMP/reg"
timeout 30 "$VINFER" registrar keygen -o "$R1"
[ "$(stat -c %a "$R1")" = 600 ] || die "registrar key is not 0600"
timeout 30 "$VINFER" registrar keygen -o "$TMP/reg/other.pem"
if timeout 30 "$VINFER" registrar keygen -o "$R1" 2>/dev/null; then die "keygen overwrote a key"; fi
timeout 30 "$VINFER" tpm-keys --tcti "$TCTI" -o "$TMP/keys"
timeout 30 "$VINFER" registrar challenge --ek "$TMP/keys/ek.pub" --ak "$TMP/keys/ak.pub" -o "$TMP/ch"
grep -q secretSha256 "$TMP/ch/state" || die "the state keeps no secret hash"
ANSWER=$(timeout 30 "$VINFER" activate --tcti "$TCTI" --blob "$TMP/ch/blob" --secret "$TMP/ch/secret")
[ ${#ANSWER} = 64 ] || die "activate printed '$ANSWER'"
if timeout 30 "$VINFER" registrar endorse --key "$R1" "$TMP/ch" --answer "$(flip "$ANSWER")" 2>/dev/null; then
	die "endorse accepted a wrong answer"
fi
cp "$R1" "$TMP/reg/loose.pem"; chmod 644 "$TMP/reg/loose.pem"
if timeout 30 "$VINFER" registrar endorse --key "$TMP/reg/loose.pem" "$TMP/ch" --answer "$ANSWER" 2>"$TMP/err"; then
	die "endorse read a key readable by others"
fi
grep -q "mode 0644" "$TMP/err" || die "a loose key's refusal does not name its mode: $(cat "$TMP/err")"
timeout 30 "$VINFER" registrar endorse --key "$R1" "$TMP/ch" --answer "$ANSWER"
# vinfer register --keys DIR --activation FILE reads them before any chain
# call: every bad input is refused, naming the file and what is wrong.
reg_refuses() {	# reg_refuses WHAT STATUS PATTERN ARGS...
	local what=$1 want=$2 pat=$3 st=0
	shift 3
	timeout 30 "$VINFER" register --uri https://agent.example/a.json "$@" >/dev/null 2>"$TMP/err" || st=$?
	[ "$st" = "$want" ] || die "register, $what: status $st, want $want"
	grep -q -- "$pat" "$TMP/err" || die "register, $what: $(cat "$TMP/err")"
}
mkdir -p "$TMP/badkeys"
reg_refuses "--keys without --activation" 2 "--keys and --activation go together" --keys "$TMP/keys"
reg_refuses "no ak.pub" 1 "$TMP/badkeys/ak.pub: No such file" \
	--keys "$TMP/badkeys" --activation "$TMP/ch/activation.json"
cp "$TMP/keys/ek.pub" "$TMP/badkeys/ak.pub"; cp "$TMP/keys/ek.pub" "$TMP/badkeys/ek.pub"
reg_refuses "the EK as the AK" 1 "$TMP/badkeys/ak.pub: not a restricted signing key" \
	--keys "$TMP/badkeys" --activation "$TMP/ch/activation.json"
jq '.r = .r[2:]' "$TMP/ch/activation.json" >"$TMP/badact.json"
reg_refuses "a short r" 1 "$TMP/badact.json: r: missing or not 64 hex digits" \
	--keys "$TMP/keys" --activation "$TMP/badact.json"
echo '[1]' >"$TMP/badact.json"
reg_refuses "not an object" 1 "$TMP/badact.json: not a JSON object" \
	--keys "$TMP/keys" --activation "$TMP/badact.json"

# A challenge for the second AK: activation with the first AK must fail.
timeout 30 "$VINFER" tpm-keys --tcti "$TCTI" -o "$TMP/keys2" --ak-handle 0x81010003
timeout 30 "$VINFER" registrar challenge --ek "$TMP/keys/ek.pub" --ak "$TMP/keys2/ak.pub" -o "$TMP/ch2"
if timeout 30 "$VINFER" activate --tcti "$TCTI" --blob "$TMP/ch2/blob" --secret "$TMP/ch2/secret" >/dev/null 2>&1; then
	die "the AK at the default handle activated a credential made for another AK"
fi
jq '.predicate.activation = $a' --slurpfile a "$TMP/ch/activation.json" "$TMP/good.json" |
	jq '.predicate.activation = .predicate.activation[0]' >"$TMP/act.json"
verify "$TMP/act.json" --registrar "$R1" --require-activation >"$TMP/out" || { cat "$TMP/out"; die "an endorsed document does not verify"; }
expect_fail "activation required, absent" activation "$TMP/good.json" --require-activation
expect_fail "activation: other registrar" activation "$TMP/act.json" --registrar "$TMP/reg/other.pem"
cp "$TMP/act.json" "$TMP/good-act.json"
jq ".predicate.activation.r = \"$(flip "$(jq -r .predicate.activation.r "$TMP/act.json")")\"" \
	"$TMP/good-act.json" >"$TMP/act-bad.json"
expect_fail "activation signature bit" activation "$TMP/act-bad.json" --registrar "$R1"

step "inclusion proofs"
IN=$(jq -r '.predicate.requests[1].input' "$TMP/good.json")
OUT=$(jq -r '.predicate.requests[1].output' "$TMP/good.json")
timeout 30 "$VINFER" prove "$TMP/good.json" "$IN:$OUT" >"$TMP/proof.json"
[ "$(jq .index "$TMP/proof.json")" = 1 ] || die "prove picked index $(jq .index "$TMP/proof.json")"
timeout 30 "$VINFER" prove "$TMP/good.json" --index 1 | cmp - "$TMP/proof.json" || die "--index 1 gives another proof"
timeout 30 "$VINFER" check-proof "$TMP/proof.json" --doc "$TMP/good.json" >/dev/null || die "check-proof --doc refused a good proof"
timeout 30 "$VINFER" check-proof "$TMP/proof.json" --root "$(jq -r .predicate.claims.requestRoot "$TMP/good.json")" >/dev/null ||
	die "check-proof --root refused a good proof"
jq ".output = \"$H1\"" "$TMP/proof.json" >"$TMP/p1.json"
jq ".proof[0] = \"$H1\"" "$TMP/proof.json" >"$TMP/p2.json"
jq '.index = 0' "$TMP/proof.json" >"$TMP/p3.json"
jq '.epoch = 9' "$TMP/proof.json" >"$TMP/p4.json"
for p in p1 p2 p3 p4; do
	rc=0; timeout 30 "$VINFER" check-proof "$TMP/$p.json" --doc "$TMP/good.json" >/dev/null 2>&1 || rc=$?
	[ "$rc" = 1 ] || die "check-proof accepted tampered proof $p (exit $rc)"
done
rc=0; timeout 30 "$VINFER" prove "$TMP/good.json" "$H1:$H1" >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || die "prove of an unknown request: exit $rc, want 1"

step "usage and unreadable documents"
rc=0; verify >/dev/null 2>&1 || rc=$?; [ "$rc" = 2 ] || die "verify without a file: exit $rc, want 2"
rc=0; verify "$TMP/good.json" --bogus >/dev/null 2>&1 || rc=$?; [ "$rc" = 2 ] || die "unknown option: exit $rc, want 2"
echo '{"_type": 1}' >"$TMP/junk.json"
rc=0; verify "$TMP/junk.json" >"$TMP/out" 2>&1 || rc=$?
[ "$rc" = 3 ] && grep -q '^FAIL document: ' "$TMP/out" || die "junk document: exit $rc, want 3 and FAIL document"
rc=0; verify "$TMP/absent.json" >/dev/null 2>&1 || rc=$?; [ "$rc" = 3 ] || die "absent document: exit $rc, want 3"
verify --json "$TMP/good.json" | jq -e '.ok == true and (.checks | length) == 24' >/dev/null ||
	die "--json does not list 24 checks"

echo "=== check-verify: good document verified, tpm2_checkquote agreed, $PASSED mutations each failed at the expected check"
