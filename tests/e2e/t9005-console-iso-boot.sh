#!/bin/sh
# The console live ISO from the real mirror: built twice under different
# conditions (identical bytes), then booted in QEMU as a CD and as a USB
# stick.  A probe unit inside the image (tests/e2e/probe) reports on the
# serial line what the live system sees and powers it off; every wait is
# bounded by livec run --timeout.
. "$(dirname "$0")/../lib/test-lib.sh"

LOCK="$TEST_ROOT/lockfiles/console.lock"
export XDG_CACHE_HOME="${LIVEC_TEST_CACHE:-$TRASH/cache}"

# the console manifest plus the probe, as an overlay with a declared license
sed "s|^name: console|name: console|" "$TEST_ROOT/examples/console/livec.yaml" >"$TRASH/console.yaml"
cp -r "$TEST_ROOT/tests/e2e/probe" "$TRASH/probe"
printf 'files:\n  - {source: probe/, target: /, license: GPL-2.0-or-later}\n' >>"$TRASH/console.yaml"

test_expect_success 'build the ISO' '
	mkdir -p a && cd a &&
	"$LIVEC" build --lockfile "$LOCK" ../console.yaml 2>../a.err &&
	test -s out/console/console.iso
'

test_expect_success 'a second build elsewhere, later, with other TZ, locale, umask: identical ISO' '
	mkdir -p b/some/deeper/place && cd b/some/deeper/place &&
	(
		umask 077
		export TZ=America/St_Johns LC_ALL=C LANG=de_DE.UTF-8
		exec faketime -f +5d "$LIVEC" build --no-cache -j 1 --lockfile "$LOCK" ../../../../console.yaml
	) 2>"$TRASH/b.err" &&
	cmp "$TRASH/a/out/console/console.iso" out/console/console.iso
'

ISO="$TRASH/a/out/console/console.iso"
expected_sha=$(awk '/^rootfs:/ { on = 1; next } /^[a-z]/ { on = 0 }
	on && /^  [^ ]/ { n = $1; sub(/:$/, "", n) }
	on && /^    version:/ { v = $2; gsub(/"/, "", v); print n, v }' "$LOCK" | LC_ALL=C sort | sha256sum | cut -d' ' -f1)
expected_n=$(awk '/^rootfs:/ { on = 1; next } /^[a-z]/ { on = 0 } on && /^  [^ ]/' "$LOCK" | wc -l)

# check_boot LOG: what the probe said
check_boot() {
	grep -a -q "livec: medium: " "$1" &&
	grep -a -q "login: live (automatic login)" "$1" &&
	grep -a -q "PROBE: done" "$1" &&
	grep -a -q "PROBE: root-fstype tmpfs" "$1" &&
	grep -a -q "PROBE: ro-source /dev/nbd0" "$1" &&
	grep -a -q "PROBE: ro-fstype iso9660" "$1" &&
	grep -a -q "PROBE: etc-writable yes" "$1" &&
	grep -a -q "PROBE: usr-writable no" "$1" &&
	grep -a -q "PROBE: installed $expected_n" "$1" &&
	grep -a -q "PROBE: packages-sha256 $expected_sha" "$1" &&
	grep -a -q "PROBE: cloopd [1-9]" "$1" &&
	grep -a -q "PROBE: system-state \(running\|degraded\)" "$1" || {
		grep -a "livec:\|PROBE\|login\|panic\|error" "$1" | tail -40
		return 1
	}
}

test_expect_success 'it boots as a CD to the autologin console; the live system is what the lock says' '
	"$LIVEC" run --timeout 900 "$ISO" </dev/null >cd.log 2>&1 || :
	check_boot cd.log && grep -a "PROBE: system-state" cd.log
'

test_expect_success 'it boots as a USB stick (isohybrid) the same way' '
	"$LIVEC" run --usb --timeout 900 "$ISO" </dev/null >usb.log 2>&1 || :
	check_boot usb.log && grep -a "livec: medium: /dev/sd" usb.log
'

test_done
