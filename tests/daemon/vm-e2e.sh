#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of the end-to-end daemon test (see run.sh): a workload in its
# own cgroup measures a model and a data file and records 3 requests;
# vinferd --once attests the epoch; the document parses, its claims match
# sha256sum and the requests, and the quote passes vinfer verify and
# tpm2_checkquote.
set -eu -o pipefail
. tests/daemon/lib.sh
d=$(mktemp -d /tmp/vinferd-e2e.XXXXXX)
trap 'rm -rf "$d"' EXIT

cg=$(new_cgroup vinferd-e2e)
write_conf "$d/vinferd.conf" "$cg" "$d/spool"
head -c 100000 /dev/urandom > "$d/model.bin"
head -c 5000 /dev/urandom > "$d/data.csv"

step "workload in $cg: measure a model and a data file, record 3 requests"
in_cgroup "$cg" $V measure --kind model "$d/model.bin" > /dev/null
in_cgroup "$cg" $V measure --kind data "$d/data.csv" > /dev/null
for i in 1 2 3; do
	echo "question $i" > "$d/in$i"
	echo "answer $i" > "$d/out$i"
	in_cgroup "$cg" $V request --input "$d/in$i" --output "$d/out$i" > /dev/null
done
# Noise outside the workload's cgroup must not count.
$V request --input "$d/in1" --output "$d/out1" > /dev/null

step "vinferd --once -v prints one attestation path"
$VD --once -v -c "$d/vinferd.conf" > "$d/paths" 2> "$d/log" || { cat "$d/log"; die "vinferd --once failed"; }
sed 's/^/    /' "$d/log"
[ "$(wc -l < "$d/paths")" = 1 ] || die "expected one path, got: $(cat "$d/paths")"
doc=$(cat "$d/paths")
id=$(stat -c %i "$cg")
[ "$(basename "$doc")" = "$AGENT-$id-1.json" ] || die "file name $(basename "$doc")"

step "the document parses; claims match the workload"
line=$($CHECK "$doc") || die "attest_check failed"
echo "    $line"
model_file=$(sha256sum < "$d/model.bin" | cut -d' ' -f1)
model_set=$(printf '%s' "$model_file" | xxd -r -p | sha256sum | cut -d' ' -f1)
case $line in *"epoch=1 "*) ;; *) die "epoch not 1" ;; esac
case $line in *"workload=$id "*) ;; *) die "workload not $id" ;; esac
case $line in *"requests=3 "*) ;; *) die "request count not 3" ;; esac
case $line in *"model=$model_set "*) ;; *) die "model digest not sha256(sha256sum of the file) $model_set" ;; esac
case $line in *"flags=0 "*) ;; *) die "flags not 0" ;; esac
case $line in *"quote=1 "*) ;; *) die "no quote" ;; esac

step "a second --once is epoch 2 and holds no requests"
$VD --once -c "$d/vinferd.conf" > "$d/paths2" 2> "$d/log2" || { cat "$d/log2"; die "second --once failed"; }
line=$($CHECK "$(cat "$d/paths2")")
case $line in *"epoch=2 "*"requests=0 "*) ;; *) die "second epoch: $line" ;; esac

step "the daemon: close-epoch over the socket; SIGHUP with a broken file keeps the old one; SIGTERM exits 0"
$VD -c "$d/vinferd.conf" 2> "$d/dlog" &
pid=$!
for i in $(seq 1 100); do [ -S "$d/vinferd.sock" ] && break; sleep 0.1; done
$V close-epoch --socket "$d/vinferd.sock" > /dev/null || { cat "$d/dlog"; die "close-epoch failed"; }
[ -f "$d/spool/$AGENT-$id-3.json" ] || die "close-epoch wrote no epoch 3"
st=0
$VD --once -c "$d/vinferd.conf" > /dev/null 2> "$d/oncelog" || st=$?
[ "$st" = 1 ] || die "--once next to a running daemon: status $st, want 1"
grep -q -- "--once: a vinferd is running (its control socket $d/vinferd.sock answers)" "$d/oncelog" ||
	die "--once next to a running daemon: $(cat "$d/oncelog")"
[ ! -f "$d/spool/$AGENT-$id-4.json" ] || die "--once next to a running daemon wrote an epoch"
cp "$d/vinferd.conf" "$d/good.conf"
echo "bogus line" >> "$d/vinferd.conf"
kill -HUP "$pid"
for i in $(seq 1 50); do grep -q 'SIGHUP' "$d/dlog" && break; sleep 0.1; done
grep -q "SIGHUP: .*vinferd.conf:[0-9]*: 'bogus line': expected 'key = value' or '\[section\]': keeping the running configuration" "$d/dlog" ||
	{ cat "$d/dlog"; die "SIGHUP with a bad file: no message"; }
$V close-epoch --socket "$d/vinferd.sock" > /dev/null || die "close-epoch after SIGHUP failed"
[ -f "$d/spool/$AGENT-$id-4.json" ] || die "no epoch 4 after SIGHUP"
cp "$d/good.conf" "$d/vinferd.conf"
kill -TERM "$pid"
st=0
wait "$pid" || st=$?
[ "$st" = 0 ] || { cat "$d/dlog"; die "SIGTERM: status $st"; }
$CHECK "$d/spool/$AGENT-$id-3.json" "$d/spool/$AGENT-$id-4.json" > /dev/null || die "epochs 3, 4 do not parse"

step "[epoch] records = 5: twice, 5 requests of the workload close an epoch of 5 requests"
write_conf "$d/rec.conf" "$cg" "$d/spool" epoch.records=5
$VD -c "$d/rec.conf" 2> "$d/rlog" &
pid=$!
n=$(ls "$d/spool" | grep -c -- "-$id-")
for round in 1 2; do
	for i in 1 2 3 4 5; do
		in_cgroup "$cg" $V request --input "$d/in1" --output "$d/out1" > /dev/null
	done
	n=$((n + 1))
	for i in $(seq 1 50); do [ -f "$d/spool/$AGENT-$id-$n.json" ] && break; sleep 0.1; done
	[ -f "$d/spool/$AGENT-$id-$n.json" ] || { cat "$d/rlog"; die "records trigger: no epoch $n"; }
	line=$($CHECK "$d/spool/$AGENT-$id-$n.json")
	case $line in *"requests=5 "*) ;; *) die "records-triggered epoch $n: $line" ;; esac
done
kill -TERM "$pid"
wait "$pid" || die "SIGTERM: status $?"

if has_cmd verify; then
	step "vinfer verify accepts the document"
	$V verify "$doc" | sed 's/^/    /' || die "vinfer verify refused the document"
	step "vinfer export-quote + tpm2_checkquote"
	mkdir "$d/q"
	$V export-quote "$doc" "$d/q" > /dev/null
	tpm2_checkquote -u "$d/q/ak.pub.pem" -m "$d/q/quote.msg" -s "$d/q/quote.sig" \
		-f "$d/q/quote.pcrs" -g sha256 -q "$(cat "$d/q/nonce.hex")" > /dev/null ||
		die "tpm2_checkquote refused the quote"
	step "a tampered document fails vinfer verify"
	sed 's/"requestCount": 3/"requestCount": 4/' "$doc" > "$d/tampered.json"
	if $V verify "$d/tampered.json" > /dev/null 2>&1; then die "tampered document verified"; fi
else
	step "vinfer verify not built: skipped"
fi
rmdir "$cg"
