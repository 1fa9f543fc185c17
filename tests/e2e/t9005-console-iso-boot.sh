#!/bin/sh
# The console live ISO from the real mirror.  `livec verify
# examples/console` builds it twice on different-looking hosts and every
# artifact must be identical (on a difference the diffoscope report goes to
# the log).  Then the console image plus a probe is built, rebuilt
# elsewhere against the first build's SHA256SUMS (--check-against), and
# booted in QEMU as a CD (t9007 boots one from a USB stick): the probe unit
# inside the image (tests/e2e/probe) reports on the serial line what the live system sees
# and powers it off; every wait is bounded by livec run --timeout.
. "$(dirname "$0")/../lib/test-lib.sh"

LOCK="$TEST_ROOT/lockfiles/console.lock"
. "$TEST_ROOT/tests/lib/probe.sh"
export XDG_CACHE_HOME="${LIVEC_TEST_CACHE:-$TRASH/cache}"

probe_manifest "$TRASH/console.yaml"

test_expect_success 'livec verify examples/console: every artifact identical across two hosts' '
	livec_verify v "$TEST_ROOT/examples/console/livec.yaml" &&
	grep_or_show "verify: 7 identical, 0 differ" v.out &&
	grep_or_show "identical console.iso:LIVEC/LIVEC:inner" v.out &&
	for k in path time tz locale umask hostname home cpus; do
		grep -q "^  $k  *varied " v.out || { echo "not varied: $k"; exit 1; }
	done
'

test_expect_success 'build the console ISO with the probe' '
	mkdir -p a && cd a &&
	"$LIVEC" build --lockfile "$LOCK" ../console.yaml 2>../a.err &&
	test -s out/console/console.iso && test -s out/console/SHA256SUMS
'

test_expect_success 'a rebuild elsewhere, later, other TZ, locale, umask matches its SHA256SUMS' '
	mkdir -p b/some/deeper/place && cd b/some/deeper/place &&
	(
		umask 077
		export TZ=America/St_Johns LC_ALL=C LANG=de_DE.UTF-8
		exec faketime -f +5d "$LIVEC" build -j 1 --lockfile "$LOCK" \
			--check-against "$TRASH/a/out/console/SHA256SUMS" ../../../../console.yaml
	) 2>"$TRASH/b.err" &&
	grep_or_show "console.iso: all 6 checksums match" "$TRASH/b.err" &&
	cmp "$TRASH/a/out/console/console.iso" out/console/console.iso
'

ISO="$TRASH/a/out/console/console.iso"

test_expect_success 'it boots as a CD to the autologin console; the live system is what the lock says' '
	"$LIVEC" run --timeout 900 "$ISO" </dev/null >cd.log 2>&1 || :
	check_boot cd.log && grep -a "PROBE: system-state" cd.log
'

# the other inner file system and cloop format: ext2 (genext2fs) in cloop
# V4.0 with xz blocks, which livec-cloopd decodes at boot
sed -e "s/inner: iso9660/inner: ext2/" \
	-e "s/cloop: {block-size: 131072, level: 9}/cloop: {block-size: 131072, compression: xz, level: 1}/" \
	"$TRASH/console.yaml" >"$TRASH/console-ext2.yaml"

test_expect_success 'an ext2 inner file system in cloop V4/xz boots the same way' '
	grep -q "inner: ext2" console-ext2.yaml && grep -q "compression: xz" console-ext2.yaml &&
	mkdir -p e && cd e &&
	"$LIVEC" build --lockfile "$LOCK" --layers layers --output out/ext2.iso ../console-ext2.yaml 2>err &&
	"$LIVEC" cloop info layers/iso/LIVEC/LIVEC >info &&
	grep -qx "version 4.0" info && grep -q "^blocks-xz [1-9]" info && grep -qx "blocks-zlib 0" info &&
	dumpe2fs -h layers/inner.img 2>/dev/null | grep -q "^Filesystem volume name: *LIVEC_RO" &&
	"$LIVEC" run --timeout 900 out/ext2.iso </dev/null >ext2.log 2>&1 || :
	check_boot ext2.log ext2
'

test_done
