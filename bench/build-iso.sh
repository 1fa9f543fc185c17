#!/bin/sh
# Benchmark: the classic live-ISO pipeline against livec, in one run, on the
# same warm cache:
#   classic: mmdebstrap (the console packages + live-boot) -> mksquashfs (xz)
#            -> xorriso with ISOLINUX
#   livec:   livec build (no tree cache) of examples/console, as root and
#            rootless (a user with subordinate ids, tools/rootless-user.sh)
# Prints the times and sizes and their ratios (targets: livec at most 0.5x
# the classic pipeline; rootless at most 1.2x root, the same bytes),
# then cloop throughput next to create_compressed_fs on the same inner image
# at the same level and block size (target: at least 2x faster, no larger).
# Not a pass/fail test.  Needs root.  Usage: bench/build-iso.sh
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
mkdir -p "$work/cd/live" "$work/cd/isolinux"
mksquashfs "$work/chroot" "$work/cd/live/filesystem.squashfs" -comp xz -noappend -quiet >/dev/null
cp "$work"/chroot/boot/vmlinuz-* "$work/cd/live/vmlinuz"
cp "$work"/chroot/boot/initrd.img-* "$work/cd/live/initrd.img"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$work/cd/isolinux/"
printf 'DEFAULT live\nLABEL live\n KERNEL /live/vmlinuz\n APPEND initrd=/live/initrd.img boot=live\n' \
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
