# The boot probe for e2e tests (source after test-lib.sh).  The probe
# (tests/e2e/probe) is a systemd unit inside the image that reports on the
# serial line what the live system sees ("PROBE: ..." lines) and powers it
# off.  LOCK must name the console lockfile; probe_expect LOCK switches to
# another.

# probe_manifest OUT [EXAMPLE]: the console example (or examples/EXAMPLE)
# plus the probe (and a local package for it to install, which only an
# overlay root can), as a files: overlay with a declared license.  The
# probe tree goes next to OUT.
probe_manifest() {
	_dir=$(dirname "$1")
	cp "$TEST_ROOT/examples/${2:-console}/livec.yaml" "$1"
	cp -r "$TEST_ROOT/tests/e2e/probe" "$_dir/probe"
	mkdir -p "$_dir/hello/DEBIAN" "$_dir/hello/usr/share/livec-hello" "$_dir/probe/usr/local/share/livec-probe"
	printf 'Package: livec-hello\nVersion: 1.0\nArchitecture: all\nMaintainer: livec tests <tests@livec.invalid>\nDescription: a package for the probe\n' \
		>"$_dir/hello/DEBIAN/control"
	echo hello >"$_dir/hello/usr/share/livec-hello/hello.txt"
	SOURCE_DATE_EPOCH=1700000000 dpkg-deb --root-owner-group -b "$_dir/hello" \
		"$_dir/probe/usr/local/share/livec-probe/livec-hello_1.0_all.deb" >/dev/null
	printf 'files:\n  - {source: probe/, target: /, license: GPL-2.0-or-later}\n' >>"$1"
}

# probe_expect LOCK: what dpkg inside the image must list, the lock's
# rootfs set
probe_expect() {
	expected_sha=$(awk '/^rootfs:/ { on = 1; next } /^[a-z]/ { on = 0 }
		on && /^  [^ ]/ { n = $1; sub(/:$/, "", n) }
		on && /^    version:/ { v = $2; gsub(/"/, "", v); print n, v }' "$1" | LC_ALL=C sort | sha256sum | cut -d' ' -f1)
	expected_n=$(awk '/^rootfs:/ { on = 1; next } /^[a-z]/ { on = 0 } on && /^  [^ ]/' "$1" | wc -l)
}
probe_expect "$LOCK"

# show_boot LOG: the lines that tell what happened
show_boot() {
	grep -a "livec:\|PROBE\|login\|panic\|error" "$1" | tail -40
}

# check_boot LOG [INNER-FSTYPE [ROOT-MODE]]: the probe saw a healthy live
# system of the locked packages
check_boot() {
	if [ "${3:-tmpfs}" = overlay ]; then
		rootfs=overlay usr_writable=yes apt=ok
	else
		rootfs=tmpfs usr_writable=no apt=failed
	fi
	for _want in "livec: medium: " "login: live (automatic login)" "PROBE: done" \
		"PROBE: root-fstype $rootfs" "PROBE: ro-source /dev/nbd0" "PROBE: ro-fstype ${2:-iso9660}" \
		"PROBE: etc-writable yes" "PROBE: usr-writable $usr_writable" "PROBE: apt-install $apt" \
		"PROBE: installed $expected_n" "PROBE: packages-sha256 $expected_sha" "PROBE: cloopd [1-9]" \
		"PROBE: system-state \(running\|degraded\)"; do
		grep -a -q "$_want" "$1" || {
			echo "not in $1: $_want"
			show_boot "$1"
			return 1
		}
	done
}

# check_shutdown LOG: the power-off was clean (runtime/shutdown): every
# mount of the old root, the nbd device and the medium gone in order, no
# read of the cloop image, the medium or a store failed (the BIOS
# machine's empty floppy drive, fd0, fails its probe: not ours), systemd
# unmounted all it tried to
check_shutdown() {
	grep_or_show "^livec: shutdown: everything unmounted" "$1" &&
	! grep -a "I/O error, dev \(nbd\|sr\|sd\|vd\|loop\)\|Failed unmounting\|EXT4-fs error" "$1"
}
