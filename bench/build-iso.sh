#!/bin/sh
# Benchmark: the classic live-ISO pipeline against livec, in one run, on the
# same warm cache:
#   classic: mmdebstrap (the console packages + live-boot) -> mksquashfs (xz)
#            -> xorriso with ISOLINUX
#   livec:   livec build (no tree cache) of examples/console, as root and
#            rootless (a user with subordinate ids, tools/rootless-user.sh)
# Prints the times and sizes and their ratios (targets: livec at most 0.5x
# the classic pipeline; rootless at most 1.2x root, the same bytes);
# then livec's rebuilds with its tree cache after changing one files: entry
# and after changing one hook (the classic pipeline can only start over);
# then the boot of each ISO to the autologin prompt in QEMU, as `livec run
# --timings` tells it (targets: livec's at most 30 s without KVM and at most
# 0.6x the live-boot image's); then cloop throughput next to
# create_compressed_fs on the same inner image at the same level and block
# size (target: at least 2x faster, no larger).
# Not a pass/fail test.  Needs root.  Usage: [LIVEC=path/to/livec] bench/build-iso.sh
set -eu
cd "$(dirname "$0")/.."
. bench/lib-mmdebstrap.sh
need_mmdebstrap
for p in squashfs-tools xorriso live-boot cloop-utils isolinux syslinux-common; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || apt-get install -y -q "$p" >/dev/null
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
local_repo "$work/repo"
now() { date +%s%N; }

# livec
t0=$(now)
$LIVEC -q build --no-cache --output "$work/livec.iso" --workdir "$work/lw" --lockfile "$LOCK" "$MANIFEST"
t1=$(now)

# livec rootless: the same build by a user, on its own copy of the cache
sh tools/rootless-user.sh livec-rootless
rl=$(mktemp -d /tmp/livec-bench-rootless.XXXXXX)
trap 'rm -rf "$work" "$rl"' EXIT
chmod 0755 "$rl"
mkdir -p "$rl/cache/livec"
cp -r "${XDG_CACHE_HOME:-$HOME/.cache}/livec/sha256" "${XDG_CACHE_HOME:-$HOME/.cache}/livec/files" "$rl/cache/livec/"
chown -R livec-rootless: "$rl"
r0=$(now)
runuser -u livec-rootless -- env XDG_CACHE_HOME="$rl/cache" \
	$LIVEC -q build --no-cache --output "$rl/livec.iso" --workdir "$rl/lw" --lockfile "$LOCK" "$MANIFEST"
r1=$(now)

# classic: live-boot comes from the mirror (it is not in the console lock)
mirror=$(sed -n 's|^URIs: *||p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
SOURCE_DATE_EPOCH=$(sed -n 's/^source-date-epoch: //p' "$LOCK") \
	mmdebstrap --quiet --mode=root --variant=minbase \
	--include=linux-image-amd64,systemd-sysv,live-boot \
	--hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
	"$SUITE" "$work/chroot" "deb [trusted=yes] file://$work/repo $SUITE main" "deb $mirror $SUITE main"
# the same console as livec's image: the serial line, root logged in there
# without a password (live-config would do that; it is not part of the set)
mkdir -p "$work/chroot/etc/systemd/system/serial-getty@ttyS0.service.d"
printf '[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200,57600,38400,9600 %%I $TERM\n' \
	>"$work/chroot/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf"
mkdir -p "$work/cd/live" "$work/cd/isolinux"
mksquashfs "$work/chroot" "$work/cd/live/filesystem.squashfs" -comp xz -noappend -quiet >/dev/null
cp "$work"/chroot/boot/vmlinuz-* "$work/cd/live/vmlinuz"
cp "$work"/chroot/boot/initrd.img-* "$work/cd/live/initrd.img"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$work/cd/isolinux/"
printf 'SERIAL 0 115200\nDEFAULT live\nLABEL live\n KERNEL /live/vmlinuz\n APPEND initrd=/live/initrd.img boot=live console=tty0 console=ttyS0,115200 quiet\n' \
	>"$work/cd/isolinux/isolinux.cfg"
xorriso -as mkisofs -quiet -o "$work/classic.iso" -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin \
	-b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
	"$work/cd" 2>/dev/null
t2=$(now)
l=$(((t1 - t0) / 1000000))
c=$(((t2 - t1) / 1000000))
echo "live ISO of examples/console, warm cache:"
echo "  livec build                         ${l} ms  $(stat -c %s "$work/livec.iso") bytes"
echo "  mmdebstrap + mksquashfs + xorriso   ${c} ms  $(stat -c %s "$work/classic.iso") bytes"
awk -v l="$l" -v c="$c" 'BEGIN { printf "  ratio livec/classic                 %.2f (target: <= 0.50)\n", l / c }'
r=$(((r1 - r0) / 1000000))
echo "  livec build, rootless               ${r} ms  $(stat -c %s "$rl/livec.iso") bytes"
awk -v l="$l" -v r="$r" 'BEGIN { printf "  ratio rootless/root                 %.2f (target: <= 1.20)\n", r / l }'
cmp -s "$work/livec.iso" "$rl/livec.iso" && echo "  rootless ISO = root ISO, byte for byte" ||
	echo "  rootless ISO DIFFERS from the root one"

# rebuilds: the console manifest with one files: entry and one hook, built
# once with the tree cache, then after changing the file, then the hook
mkdir -p "$work/m"
sed "s|^name: console|name: rebuild|" "$MANIFEST" >"$work/m/livec.yaml"
echo "first version" >"$work/m/motd"
cat >>"$work/m/livec.yaml" <<'YAML'
files:
  - {source: motd, target: /etc/motd, license: CC0-1.0}
hooks:
  - {name: stamp, run: "echo 1 >/etc/livec-bench-stamp"}
YAML
rebuild() { # what it is
	_t0=$(now)
	$LIVEC -q build --output "$work/m/rebuild.iso" --workdir "$work/mw" --lockfile "$LOCK" "$work/m/livec.yaml"
	echo $((($(now) - _t0) / 1000000))
}
first=$(rebuild)
echo "second version" >"$work/m/motd"
file_ms=$(rebuild)
sed -i "s|echo 1 >/etc/livec-bench-stamp|echo 2 >/etc/livec-bench-stamp|" "$work/m/livec.yaml"
hook_ms=$(rebuild)
bsdtar -xOf "$work/m/rebuild.iso" LIVEC/root_fs.tgz | tar -xzOf - --wildcards '*etc/motd' | grep -q "second version" ||
	echo "  (the rebuilt image does NOT have the changed file)"
echo "rebuild with the tree cache (a warm first build: ${first} ms):"
echo "  one files: entry changed             ${file_ms} ms"
echo "  one hook changed                     ${hook_ms} ms"
for x in "files:$file_ms" "hook:$hook_ms"; do
	awk -v w="${x%%:*}" -v r="${x#*:}" -v l="$l" -v c="$c" \
		'BEGIN { printf "  ratio %-5s rebuild / full livec build %.2f, / classic pipeline %.2f\n", w, r / l, r / c }'
done

# boot to the autologin prompt, one after the other (QEMU, KVM if usable)
boot() { # ISO NAME
	$LIVEC run --timings --when " (automatic login)" --timeout 600 "$1" </dev/null >"$work/$2.console" 2>"$work/$2.timings" || :
	sed -n "s/^  total, to the login prompt  *\([0-9.]*\) s\$/\1/p" "$work/$2.timings"
}
lb=$(boot "$work/livec.iso" livec)
cb=$(boot "$work/classic.iso" classic)
echo "boot to the autologin prompt ($(if [ -w /dev/kvm ]; then echo KVM; else echo software emulation, no KVM; fi)):"
echo "  livec ISO:"
sed -n "s/^  /    /p" "$work/livec.timings"
echo "  live-boot ISO (classic):"
sed -n "s/^  /    /p" "$work/classic.timings"
awk -v l="${lb:-0}" -v c="${cb:-0}" 'BEGIN { if (l > 0 && c > 0) printf "  ratio livec/live-boot               %.2f (targets: <= 0.60, livec <= 30 s)\n", l / c;
	else print "  (a boot did not reach its prompt: see the timings above)" }'

# cloop throughput on the same inner image
xorriso -as mkisofs -quiet -R -o "$work/inner.iso" "$work/chroot/usr" 2>/dev/null
t0=$(now)
$LIVEC cloop create --block-size 131072 --level 9 "$work/inner.iso" "$work/livec.cloop"
t1=$(now)
create_compressed_fs -B 131072 -L 9 "$work/inner.iso" "$work/ref.cloop" >/dev/null 2>&1
t2=$(now)
l=$(((t1 - t0) / 1000000))
c=$(((t2 - t1) / 1000000))
echo "cloop of a $(stat -c %s "$work/inner.iso")-byte image, level 9, 128 KiB blocks:"
echo "  livec cloop create      ${l} ms  $(stat -c %s "$work/livec.cloop") bytes"
echo "  create_compressed_fs    ${c} ms  $(stat -c %s "$work/ref.cloop") bytes"
awk -v l="$l" -v c="$c" 'BEGIN { printf "  speedup                 %.2fx (target: >= 2)\n", c / l }'
