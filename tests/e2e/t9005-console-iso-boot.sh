#!/bin/sh
# The console live ISO (trixie) from the real mirror.  `livec verify
# examples/console` builds it twice on different-looking hosts and every
# artifact must be identical (on a difference the diffoscope report goes to
# the log).  Then the console image plus a probe is built, rebuilt
# elsewhere against the first build's SHA256SUMS (--check-against), and
# taken apart by `livec inspect` (its layers are those SHA256SUMS names,
# its packages the lock's, and its tree, extracted by an unprivileged
# user, the tree `livec build --format tar` makes), and
# booted in QEMU as a CD (t9007 boots one from a USB stick): the probe unit
# inside the image (tests/e2e/probe) reports on the serial line what the live system sees
# and powers it off; every wait is bounded by livec run --timeout.  A
# damaged copy of it, booted with livec.check, names the damaged cloop
# block and root_fs.tgz and stops before unpacking root_fs.tgz.  The
# same ISO then boots under UEFI (OVMF) as a CD, as a USB stick, and with
# Secure Boot enforced as a USB stick (t9007 boots it from a stick under
# BIOS).  Last, the bookworm console is built (ext2 in cloop V4/xz) and
# booted the same way.
. "$(dirname "$0")/../lib/test-lib.sh"

LOCK="$TEST_ROOT/lockfiles/console.lock"
. "$TEST_ROOT/tests/lib/probe.sh"
export XDG_CACHE_HOME="${LIVEC_TEST_CACHE:-$TRASH/cache}"

probe_manifest "$TRASH/console.yaml"

test_expect_success 'livec verify examples/console: every artifact identical across two hosts' '
	livec_verify v "$TEST_ROOT/examples/console/livec.yaml" &&
	grep_or_show "verify: 8 identical, 0 differ" v.out &&
	grep_or_show "identical console.iso:LIVEC/LIVEC:inner" v.out &&
	grep_or_show "identical console.iso:efi.img" v.out &&
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
	grep_or_show "console.iso: all 7 checksums match" "$TRASH/b.err" &&
	cmp "$TRASH/a/out/console/console.iso" out/console/console.iso
'

ISO="$TRASH/a/out/console/console.iso"

test_expect_success 'the medium says what wrote it: the buildinfo, as next to SHA256SUMS' '
	bsdtar -xOf "$ISO" LIVEC/buildinfo >medium.buildinfo &&
	cmp medium.buildinfo a/out/console/console.iso.buildinfo &&
	grep -q "^livec: " medium.buildinfo && grep -q "^libisofs: " medium.buildinfo &&
	grep -q "^busybox-static: " medium.buildinfo
'

# livec inspect takes that ISO apart without root (docs: README, Commands)
test_expect_success 'livec inspect: the layers it prints are those SHA256SUMS publishes' '
	"$LIVEC" inspect "$ISO" >inspect.out &&
	grep_or_show "^manifest: console$" inspect.out &&
	grep_or_show "^build-id: $(bsdtar -xOf "$ISO" LIVEC/ID)$" inspect.out &&
	grep_or_show "^source-date-epoch: $(sed -n "s/^source-date-epoch: //p" "$LOCK") " inspect.out &&
	# the kernel is a layer inspect shows, not one a build publishes
	sed -n "s/^  \([0-9a-f]\{64\}\)  [0-9]*  \(console\.iso.*\)$/\1  \2/p" inspect.out |
		grep -v ":boot/vmlinuz$" >inspect.sums &&
	grep "  console\.iso" a/out/console/SHA256SUMS >built.sums &&
	test "$(wc -l <built.sums)" = 7 && diff built.sums inspect.sums &&
	kver=$(sed -n "s/^kernel: //p" inspect.out) &&
	grep_or_show "^  linux-image-$kver " inspect.out &&
	grep_or_show "^initramfs: [0-9]* bytes, [0-9]* files, [1-9][0-9]* kernel modules$" inspect.out &&
	grep_or_show "^  isolinux live: console (LIVEC): initrd=/boot/initrd.gz console=tty0" inspect.out &&
	grep_or_show "^  grub debug: console (LIVEC): debug shell: .* livec.debug$" inspect.out &&
	grep_or_show "^  isolinux check: console (LIVEC): check the medium first: .* livec.check" inspect.out
'

test_expect_success 'livec inspect --packages is the package list of the lock' '
	awk "/^rootfs:/ { on = 1; next } /^[a-z]/ { on = 0 }
		on && /^  [^ ]/ { n = \$1; sub(/:\$/, \"\", n) }
		on && /^    version:/ { v = \$2; gsub(/\"/, \"\", v); print n, v }" "$LOCK" |
		LC_ALL=C sort >lock.pkgs &&
	test "$(wc -l <lock.pkgs)" -gt 50 &&
	"$LIVEC" inspect --packages "$ISO" >inspect.pkgs &&
	diff lock.pkgs inspect.pkgs &&
	"$LIVEC" inspect --licenses "$ISO" >inspect.licenses &&
	grep_or_show "^bash [^ ]* GPL-3.0-or-later" inspect.licenses &&
	grep_or_show "^files:/[^ ]* - GPL-2.0-or-later$" inspect.licenses   # the probe, a files: entry
'

# The tree of `livec build --format tar` of the same manifest (the tree
# cache makes it quick) is the tree the ISO was made from: file list,
# types, modes, sizes, times, link targets and contents must all be equal,
# with nothing filtered (the medium's own files, /LIVEC and /boot/vmlinuz
# on the ISO, are not in the live tree; init's boot-time additions, /ro,
# /cdrom, /run and /etc/livec/media, are not written by --extract).
test_expect_success 'livec inspect --extract, as another user, gives the tree the build made' '
	mkdir -p t && (cd t && "$LIVEC" build --format tar --lockfile "$LOCK" ../console.yaml 2>../t.err) &&
	mkdir fromtar && tar -xpf t/out/console/rootfs.tar -C fromtar --numeric-owner &&
	chmod 0755 "$TRASH" && mkdir -m 0777 pub &&
	setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR="$TRASH/pub" \
		"$LIVEC" inspect --extract pub/tree "$ISO" 2>x.err &&
	test "$(stat -c %u pub/tree/etc/passwd)" = 65534 &&
	(cd fromtar && find . -printf "%p %y %m %s %T@ %l\n" | LC_ALL=C sort) >tar.list &&
	(cd pub/tree && find . -printf "%p %y %m %s %T@ %l\n" | LC_ALL=C sort) >iso.list &&
	test "$(wc -l <tar.list)" -gt 5000 && diff tar.list iso.list &&
	diff -r --no-dereference fromtar pub/tree
'

test_expect_success 'livec inspect --extract as root: the numeric owners too' '
	"$LIVEC" -q inspect --extract rootx "$ISO" &&
	(cd fromtar && find . -printf "%p %U:%G\n" | LC_ALL=C sort) >tar.owners &&
	(cd rootx && find . -printf "%p %U:%G\n" | LC_ALL=C sort) >iso.owners &&
	grep -q " 1000:1000$" tar.owners && diff tar.owners iso.owners
'

test_expect_success 'trixie boots as a CD to the autologin console; the live system is what the lock says; a stick labelled LIVEDATA is not taken unasked' '
	"$LIVEC" persist-image --size 16M stranger.img 2>/dev/null &&
	livec_run cd.log --timings --timeout 900 --disk stranger.img "$ISO" || :
	check_boot cd.log && check_shutdown cd.log && grep -a "PROBE: system-state" cd.log &&
	grep -a -q "Debian GNU/Linux 13" cd.log &&
	grep_or_show "PROBE: firmware bios" cd.log &&
	grep_or_show "PROBE: persistence none" cd.log && ! grep -a -q "livec: persistence:" cd.log
'

# the profile of that boot (docs/live.md, "Boot time"): livec run
# --timings split it into phases, systemd-analyze gave its account, and
# the units a live medium does without were masked
test_expect_success 'that boot, profiled: its phases, systemd-analyze, the masked units' '
	for p in firmware loader kernel init userspace "total, to the login prompt"; do
		grep_or_show "^  $p  *[0-9][0-9.]* s" cd.log || exit 1
	done &&
	grep -a "^  \|PROBE: analyze\|PROBE: blame" cd.log &&
	grep_or_show "PROBE: analyze Startup finished in " cd.log &&
	grep_or_show "PROBE: masked .*apt-daily.timer .*fstrim.timer .*systemd-pstore.service" cd.log &&
	! grep -a -q "PROBE: blame .* systemd-hwdb-update.service" cd.log &&
	! grep -a -q "PROBE: blame .* ldconfig.service" cd.log
'

# a guest kernel panic stops livec run at once, with an error, instead of
# leaving the panicked guest to its timeout: the image's kernel with an
# initramfs init that does not exist and no root file system to fall back to
test_expect_success 'a guest kernel panic stops QEMU at once and fails livec run' '
	expect_code 1 "$LIVEC" run --timeout 300 --append rdinit=/livec-none "$ISO" </dev/null >panic.log 2>&1 &&
	grep_or_show "Kernel panic - not syncing: VFS: Unable to mount root fs" panic.log &&
	grep_or_show "^livec: error: the guest.s kernel panicked" panic.log &&
	! grep -a -q "stopped after" panic.log
'

# A damaged copy of that ISO (docs/live.md, "A verified medium"): one byte
# of the cloop image's last block and one of root_fs.tgz flipped.  Booted
# with livec.check, the check names the block and root_fs.tgz and the boot
# goes on, to init's own check of root_fs.tgz, which stops it.  QEMU is
# stopped as soon as init says so.
# damage ISO NAME AT: flips one byte of /LIVEC/NAME in ISO, AT bytes into
# it (negative: from its end), where isoinfo says the file is
damage() {
	set -- "$1" "$2" "$3" $(isoinfo -i "$1" -R -l |
		sed -n "/^Directory listing of \/LIVEC\/\$/,/^\$/ s/.* \([0-9][0-9]*\) [A-Z][a-z][a-z] .*\[ *\([0-9][0-9]*\) 00\]  $2 *\$/\1 \2/p")
	[ -n "${5:-}" ] || { echo "no /LIVEC/$2 in $1"; return 1; }
	_at=$(($5 * 2048 + ($3 < 0 ? $4 + $3 : $3)))
	_b=$(od -An -tu1 -j "$_at" -N1 "$1" | tr -d " ")
	printf "\\$(printf %o $((_b ^ 255)))" | dd of="$1" bs=1 seek="$_at" conv=notrunc 2>/dev/null
}

test_expect_success 'a damaged medium: livec.check names the block and root_fs.tgz; init stops before unpacking root_fs.tgz' '
	cp "$ISO" damaged.iso &&
	blocks=$(bsdtar -xOf damaged.iso LIVEC/LIVEC.sha256 | sed -n "s/^blocks //p") &&
	damage damaged.iso LIVEC -10 && damage damaged.iso root_fs.tgz 5000000 &&
	test "$(cmp -l "$ISO" damaged.iso | wc -l)" = 2 &&
	livec_run damaged.log --timeout 300 --append livec.check --when "livec: error:" damaged.iso || :
	grep_or_show "^livec-cloopd: /cdrom/LIVEC/LIVEC: block $((blocks - 1)) is damaged" damaged.log &&
	grep_or_show "^livec-cloopd: /cdrom/LIVEC/LIVEC: 1 of $blocks blocks damaged" damaged.log &&
	grep_or_show "^livec-cloopd: /cdrom/LIVEC/root_fs.tgz: damaged" damaged.log &&
	grep_or_show "^livec: the medium is DAMAGED (the cloop image and root_fs.tgz; livec.check): going on" damaged.log &&
	grep_or_show "^livec: error: /cdrom/LIVEC/root_fs.tgz is damaged or not of this build: the boot stops" damaged.log &&
	! grep -a -q "starting /sbin/init" damaged.log
'

test_expect_success 'UEFI, as a CD: shim, the signed GRUB and the same kernel and initramfs' '
	livec_run uefi-cd.log --uefi --timeout 900 "$ISO" || :
	check_boot uefi-cd.log && check_shutdown uefi-cd.log && grep_or_show "PROBE: firmware uefi" uefi-cd.log &&
	grep_or_show "livec: medium: /dev/sr" uefi-cd.log &&
	grep_or_show "console (LIVEC): debug shell" uefi-cd.log   # the menu of isolinux.cfg, in GRUB
'

test_expect_success 'UEFI, as a USB stick: the firmware finds the ESP through the GPT' '
	livec_run uefi-usb.log --uefi --usb --timeout 900 "$ISO" || :
	check_boot uefi-usb.log && check_shutdown uefi-usb.log && grep_or_show "PROBE: firmware uefi" uefi-usb.log &&
	grep_or_show "livec: medium: /dev/sd" uefi-usb.log
'

test_expect_success 'UEFI with Secure Boot enforced, as a USB stick: signed to the kernel, the cloop image served' '
	livec_run sb.log --secure-boot --usb --timeout 900 "$ISO" || :
	check_boot sb.log && check_shutdown sb.log && grep_or_show "PROBE: firmware uefi" sb.log &&
	grep_or_show "PROBE: secureboot 1" sb.log &&
	grep_or_show "PROBE: lockdown .*\[integrity\]" sb.log &&
	grep_or_show "PROBE: nbd0 [1-9]" sb.log && grep_or_show "livec: medium: /dev/sd" sb.log
'

# bookworm (oldstable) still builds and boots: examples/console-bookworm,
# here with the other inner file system and cloop format, ext2 (genext2fs)
# in cloop V4.0 with xz blocks, which livec-cloopd decodes at boot
BOOKWORM_LOCK="$TEST_ROOT/lockfiles/console-bookworm.lock"
mkdir -p "$TRASH/bookworm"
probe_manifest "$TRASH/bookworm/console.yaml" console-bookworm
# (and with persistence in the manifest, for the store it must not take)
sed -e "s/inner: iso9660/inner: ext2/" \
	-e "s/cloop: {block-size: 131072, level: 9}/cloop: {block-size: 131072, compression: xz, level: 1}/" \
	-e "s/^  root: tmpfs$/&\n  persistence: {label: LIVEDATA, mode: home}/" \
	"$TRASH/bookworm/console.yaml" >"$TRASH/bookworm/console-ext2.yaml"

test_expect_success 'bookworm, in an ext2 inner file system in cloop V4/xz, boots the same way; an ext2 store left unclean is not used, and no LIVEDATA.img elsewhere stands in for it' '
	grep -q "suite: bookworm" bookworm/console-ext2.yaml &&
	grep -q "inner: ext2" bookworm/console-ext2.yaml && grep -q "compression: xz" bookworm/console-ext2.yaml &&
	grep -q "persistence: {label: LIVEDATA" bookworm/console-ext2.yaml &&
	mke2fs -q -t ext2 -L LIVEDATA unclean.img 8M && debugfs -w -R "ssv state 0" unclean.img 2>/dev/null &&
	mkdir -p hostfs && mke2fs -q -t ext4 -L LIVEDATA hostfs/LIVEDATA.img 8M &&
	mke2fs -q -t ext2 -L HOSTFS -d hostfs hostfs.img 16M &&
	mkdir -p e && cd e &&
	"$LIVEC" build --lockfile "$BOOKWORM_LOCK" --layers layers --output out/ext2.iso \
		../bookworm/console-ext2.yaml 2>err &&
	"$LIVEC" cloop info layers/iso/LIVEC/LIVEC >info &&
	grep -qx "version 4.0" info && grep -q "^blocks-xz [1-9]" info && grep -qx "blocks-zlib 0" info &&
	dumpe2fs -h layers/inner.img 2>/dev/null | grep -q "^Filesystem volume name: *LIVEC_RO" &&
	grep -q "^genext2fs: " out/ext2.iso.buildinfo &&
	livec_run ext2.log --timeout 900 --disk ../unclean.img --disk ../hostfs.img out/ext2.iso || :
	probe_expect "$BOOKWORM_LOCK" &&
	check_boot ext2.log ext2 && check_shutdown ext2.log && grep -a -q "Debian GNU/Linux 12" ext2.log &&
	grep_or_show "^livec: persistence: /dev/vd[a-z] (UUID [0-9a-f-]*) has no journal and was not cleanly unmounted: not used" ext2.log &&
	grep_or_show "PROBE: persistence failed /dev/vd[a-z] LIVEDATA" ext2.log
'

# inspect reads ext2 with its own reader (no mount, no debugfs): the same
# checks as for the ISO 9660 inner file system above
test_expect_success 'livec inspect of the ext2 medium: its layers, and its tree as the build made it' '
	cd e &&
	"$LIVEC" inspect out/ext2.iso >inspect.out &&
	grep_or_show "^inner: ext2$" inspect.out && grep_or_show "^cloop: 4.0, " inspect.out &&
	sed -n "s/^  \([0-9a-f]\{64\}\)  [0-9]*  \(ext2\.iso.*\)$/\1  \2/p" inspect.out |
		grep -v ":boot/vmlinuz$" >inspect.sums &&
	grep "  ext2\.iso" out/SHA256SUMS >built.sums &&
	test "$(wc -l <built.sums)" = 7 && diff built.sums inspect.sums &&
	"$LIVEC" build --format tar --lockfile "$BOOKWORM_LOCK" --output tar/rootfs.tar \
		../bookworm/console-ext2.yaml 2>tar.err &&
	mkdir fromtar && tar -xpf tar/rootfs.tar -C fromtar --numeric-owner &&
	chmod 0755 "$TRASH" "$TRASH/e" && mkdir -m 0777 pub &&
	setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR="$TRASH/e/pub" \
		"$LIVEC" inspect --extract pub/tree out/ext2.iso 2>x.err &&
	(cd fromtar && find . -printf "%p %y %m %s %T@ %l\n" | LC_ALL=C sort) >tar.list &&
	(cd pub/tree && find . -printf "%p %y %m %s %T@ %l\n" | LC_ALL=C sort) >iso.list &&
	test "$(wc -l <tar.list)" -gt 5000 && diff tar.list iso.list &&
	diff -r --no-dereference fromtar pub/tree
'

test_done
