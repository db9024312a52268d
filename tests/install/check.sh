#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install, make uninstall, DKMS and the systemd unit.
#
#   source tree ──make install DESTDIR=$tmp/a──► $tmp/a/{usr/local,usr/src,etc}
#       │            │ file list + modes, config kept on reinstall
#       │            ├─ dkms add/build --dkmstree $tmp/dkms ──► vinfer.ko
#       │            │     (vermagic of KVER, signed with a throwaway key)
#       │            └─ make uninstall ──► no file of ours left
#       └──make install PREFIX=/usr DESTDIR=$tmp/b──► systemd-analyze verify
#
# Everything is written under one temporary directory: the system's /usr,
# /etc, /lib/modules and /var/lib/dkms are never touched (the last is
# checked).  Run by `make check-install`, which passes MAKE, KVER, KDIR,
# VERSION and VINFERD_BUILT (1 when the build has vinferd).
# shellcheck disable=SC2015 # in `A && pass || fail`, pass always succeeds
set -eu

MAKE=${MAKE:-make}
: "${KVER:?}" "${KDIR:?}" "${VERSION:?}"
VINFERD_BUILT=${VINFERD_BUILT:-}

tmp=$(mktemp -d /tmp/vinfer-install.XXXXXX)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT

fails=0
passes=0
step() { echo "--- $*"; }
pass() { echo "ok: $*"; passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# make install/uninstall, bounded, output kept for the assertions.
run_make() {
	local log=$1; shift
	if ! timeout 600 "$MAKE" --no-print-directory "$@" > "$log" 2>&1; then
		cat "$log"
		echo "FAIL: make $*"
		exit 1
	fi
}

# "MODE PATH" of every file (and link) under $1, sorted.
listing() { (cd "$1" && find . ! -type d -printf '%m %P\n' | LC_ALL=C sort); }

# The files make install must create with PREFIX=/usr/local.
expected() {
	local src=usr/src/vinfer-$VERSION doc=usr/local/share/doc/vinfer f
	{
		echo "755 usr/local/bin/vinfer"
		[ -z "$VINFERD_BUILT" ] || echo "755 usr/local/sbin/vinferd"
		echo "644 usr/local/lib/systemd/system/vinferd.service"
		echo "644 usr/local/lib/modules-load.d/vinfer.conf"
		echo "644 usr/local/lib/tmpfiles.d/vinfer.conf"
		echo "640 etc/vinfer/vinferd.conf"
		echo "644 etc/modprobe.d/vinfer.conf"
		for f in dkms.conf Kbuild VERSION kmod/Kbuild include/uapi/linux/vinfer.h \
			 kmod/*.h kmod/*.c; do
			case $f in *.mod.c) continue;; esac
			echo "644 $src/$f"
		done
		find Documentation -name '*.rst' -printf "644 $doc/%P\n"
		echo "644 $doc/README.md"
		echo "644 $doc/examples/60-vinfer.rules"
		echo "644 $doc/examples/vinferd.conf"
		echo "644 $doc/examples/vinfer.conf"
	} | LC_ALL=C sort
}

test -e etc/vinferd.conf || { echo "FAIL: etc/vinferd.conf is missing"; exit 1; }
dkms_before=$(ls -la /var/lib/dkms 2>&1 || true)

step "make install DESTDIR=$tmp/a (PREFIX=/usr/local)"
a=$tmp/a
run_make "$tmp/install1.log" install DESTDIR="$a"
if diff -u <(expected) <(listing "$a") > "$tmp/diff"; then
	pass "installed files and modes are as expected ($(listing "$a" | wc -l) files)"
else
	cat "$tmp/diff"; fail "installed files differ from the expected list (- expected, + installed)"
fi
cmp -s build/vinfer "$a/usr/local/bin/vinfer" && pass "bin/vinfer is build/vinfer" ||
	fail "bin/vinfer differs from build/vinfer"
if [ -n "$VINFERD_BUILT" ]; then
	cmp -s build/vinferd "$a/usr/local/sbin/vinferd" && pass "sbin/vinferd is build/vinferd" ||
		fail "sbin/vinferd differs from build/vinferd"
fi
cmp -s etc/vinferd.conf "$a/etc/vinfer/vinferd.conf" && pass "the default config is etc/vinferd.conf" ||
	fail "installed config differs from etc/vinferd.conf"
unit=$a/usr/local/lib/systemd/system/vinferd.service
grep -qx 'ExecStart=/usr/local/sbin/vinferd -c /etc/vinfer/vinferd.conf' "$unit" &&
	pass "unit: ExecStart follows PREFIX" || fail "unit: ExecStart is not /usr/local/sbin/vinferd -c /etc/vinfer/vinferd.conf"
if grep -n '@[A-Z]*@' "$unit" "$a/usr/src/vinfer-$VERSION/dkms.conf"; then
	fail "placeholders left in the installed unit or dkms.conf"
else
	pass "no placeholders left in the unit and dkms.conf"
fi
grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$a/usr/src/vinfer-$VERSION/dkms.conf" &&
	pass "dkms.conf: PACKAGE_VERSION=$VERSION" || fail "dkms.conf: PACKAGE_VERSION is not $VERSION"

step "second install keeps an edited config"
echo "# edited by the operator" >> "$a/etc/vinfer/vinferd.conf"
echo "options vinfer pcr=14" >> "$a/etc/modprobe.d/vinfer.conf"
run_make "$tmp/install2.log" install DESTDIR="$a"
if tail -n 1 "$a/etc/vinfer/vinferd.conf" | grep -qx '# edited by the operator' &&
   tail -n 1 "$a/etc/modprobe.d/vinfer.conf" | grep -qx 'options vinfer pcr=14'; then
	pass "vinferd.conf and modprobe.d/vinfer.conf not overwritten"
else
	fail "a second install overwrote an edited configuration file"
fi
grep -q "keep $a/etc/vinfer/vinferd.conf" "$tmp/install2.log" &&
	pass "install says it kept the config" || fail "install did not say it kept the config"
[ "$(stat -c %a "$a/etc/vinfer/vinferd.conf")" = 640 ] && pass "config still 0640" ||
	fail "config mode is $(stat -c %a "$a/etc/vinfer/vinferd.conf"), expected 640"

step "dkms add + build of the installed source for $KVER (temporary DKMS tree)"
if ! command -v dkms > /dev/null; then
	fail "dkms not installed (scripts/deps)"
elif [ ! -d "$KDIR" ]; then
	fail "no kernel headers at $KDIR (scripts/deps)"
else
	dk=$tmp/dkms
	mkdir -p "$dk/tree" "$dk/modules"
	dkopts=(--dkmstree "$dk/tree" --sourcetree "$a/usr/src" --installtree "$dk/modules")
	# dkms signs with the key named by these (framework.conf variables);
	# a throwaway key here keeps it away from /var/lib/dkms/mok.key.
	export mok_signing_key=$dk/mok.key mok_certificate=$dk/mok.pub
	if timeout 60 dkms add "vinfer/$VERSION" "${dkopts[@]}" > "$dk/add.log" 2>&1 &&
	   timeout 300 dkms build "vinfer/$VERSION" -k "$KVER" --kernelsourcedir "$KDIR" \
		-j 2 "${dkopts[@]}" > "$dk/build.log" 2>&1; then
		pass "dkms add and build"
	else
		cat "$dk/add.log" "$dk/build.log"
		find "$dk/tree" -name make.log -exec tail -n 30 {} \;
		fail "dkms add/build"
	fi
	ko=$(find "$dk/tree/vinfer/$VERSION/$KVER" -name 'vinfer.ko*' 2>/dev/null | head -n 1)
	if [ -z "$ko" ]; then
		fail "no vinfer.ko in the DKMS tree"
	else
		vm=$(modinfo -F vermagic "$ko")
		ref=$(find "/lib/modules/$KVER/kernel" -name '*.ko*' 2>/dev/null | head -n 1)
		want=${vm%% *}
		[ -z "$ref" ] || want=$(modinfo -F vermagic "$ref")
		echo "  $ko: vermagic '$vm'"
		if [ "${vm%% *}" = "$KVER" ] && [ "$vm" = "$want" ]; then
			pass "vermagic is $KVER's ($vm)"
		else
			fail "vermagic '$vm', expected '$want'"
		fi
		signer=$(modinfo -F signer "$ko")
		[ "$signer" = "DKMS module signing key" ] && pass "signed by the DKMS key" ||
			fail "signer '$signer', expected the DKMS key"
		[ "$(modinfo -F name "$ko")" = vinfer ] && pass "module name vinfer" ||
			fail "module name '$(modinfo -F name "$ko")'"
	fi
	unset mok_signing_key mok_certificate
fi
[ "$(ls -la /var/lib/dkms 2>&1 || true)" = "$dkms_before" ] &&
	pass "/var/lib/dkms untouched" || fail "/var/lib/dkms changed"

step "make uninstall keeps an edited config, removes everything else"
run_make "$tmp/uninstall1.log" uninstall DESTDIR="$a"
left=$(listing "$a")
if [ "$left" = "$(printf '640 etc/vinfer/vinferd.conf\n644 etc/modprobe.d/vinfer.conf')" ]; then
	pass "only the two edited configuration files are left"
else
	echo "$left"; fail "uninstall left other files than the two edited ones"
fi
grep -q "keep $a/etc/vinfer/vinferd.conf (modified" "$tmp/uninstall1.log" &&
	pass "uninstall says it kept the edited config" || fail "uninstall did not say it kept the config"
rm -rf "$a"

step "install + uninstall, config unchanged: nothing left"
run_make "$tmp/install3.log" install DESTDIR="$a"
run_make "$tmp/uninstall2.log" uninstall DESTDIR="$a"
left=$(listing "$a")
if [ -z "$left" ]; then
	pass "uninstall removed every file install added"
else
	echo "$left"; fail "files left after uninstall"
fi
left=$(cd "$a" && find . -path ./etc/vinfer -o -path ./usr/src/vinfer-"$VERSION" \
	-o -path ./usr/local/share/doc/vinfer)
[ -z "$left" ] && pass "vinfer's own directories removed" || { echo "$left"; fail "directories left: $left"; }

step "make install PREFIX=/usr; systemd-analyze verify"
b=$tmp/b
run_make "$tmp/install4.log" install PREFIX=/usr DESTDIR="$b"
unit=$b/usr/lib/systemd/system/vinferd.service
if [ -f "$unit" ] && grep -qx 'ExecStart=/usr/sbin/vinferd -c /etc/vinfer/vinferd.conf' "$unit"; then
	pass "PREFIX=/usr: unit in /usr/lib/systemd/system, ExecStart=/usr/sbin/vinferd"
else
	fail "PREFIX=/usr: unit missing or ExecStart wrong"
fi
# verify loads the host's systemd units; only ExecStart must point into the
# staging root, where the binary is.
exe=$b/usr/sbin/vinferd
if [ -z "$VINFERD_BUILT" ]; then
	echo "  vinferd is not part of this build: verifying the unit with a placeholder executable"
	mkdir -p "$(dirname "$exe")"; printf '#!/bin/sh\n' > "$exe"; chmod 755 "$exe"
fi
mkdir -p "$tmp/verify"
sed "s|^ExecStart=/usr/sbin/vinferd |ExecStart=$exe |" "$unit" > "$tmp/verify/vinferd.service"
if ! command -v systemd-analyze > /dev/null; then
	fail "systemd-analyze not installed (scripts/deps)"
else
	out=$(timeout 60 systemd-analyze verify "$tmp/verify/vinferd.service" 2>&1) && rc=0 || rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		pass "systemd-analyze verify: clean"
	else
		echo "$out"; fail "systemd-analyze verify: exit $rc"
	fi
	score=$(timeout 60 systemd-analyze security --offline=yes "$tmp/verify/vinferd.service" 2>&1 |
		grep 'Overall exposure' || true)
	echo "  systemd-analyze security: ${score:-no score printed}"
fi

step "Documentation/index.rst lists every page"
missing=0
for f in $(find Documentation -name '*.rst' ! -path Documentation/index.rst | LC_ALL=C sort); do
	entry=${f#Documentation/}
	grep -qx "   ${entry%.rst}" Documentation/index.rst || { echo "  not in index.rst: $f"; missing=1; }
done
# shellcheck disable=SC2013 # entries are single words
for entry in $(sed -n 's/^   \([a-z][a-z0-9/_-]*\)$/\1/p' Documentation/index.rst); do
	[ -f "Documentation/$entry.rst" ] || { echo "  index.rst names a missing page: $entry"; missing=1; }
done
[ $missing -eq 0 ] && pass "index.rst toctree = the .rst files" || fail "index.rst toctree out of date"

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
