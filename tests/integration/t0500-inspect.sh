#!/bin/sh
# livec inspect on small media made here, offline.  A medium with the
# shape of a livec one (docs/live.md: /LIVEC/ID, the cloop image of an ext2
# file system holding /usr, root_fs.tgz with the rest, an initramfs whose
# /etc/livec says tmpfs and usr) is extracted by an unprivileged user as
# init composes the live root (and with image.root: overlay, as init
# mounts that one); root_fs.tgz files that hostile media carry
# ("..", an absolute path, a path through a symlink, a hard link out) are
# refused with nothing written outside the directory; and what is not an
# ISO, not a livec medium or lacks a layer is said so (exit 1).
. "$(dirname "$0")/../lib/test-lib.sh"

NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

# medium NAME ROOT_FS_TGZ: NAME.iso from medium/ with that root_fs.tgz
medium() {
	rm -rf "m-$1" && cp -a medium "m-$1" && cp "$2" "m-$1/LIVEC/root_fs.tgz" &&
	bsdtar --format iso9660 -cf "$1.iso" -C "m-$1" .
}

# hostile_tgz OUT ENTRY...: a root_fs.tgz whose entries are KIND:NAME[:TARGET]
# (file, dir, symlink, hardlink), written as given, with no cleaning
hostile_tgz() {
	python3 - "$@" <<'EOF'
import io, sys, tarfile
out, entries = sys.argv[1], sys.argv[2:]
with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as t:
    d = tarfile.TarInfo("./"); d.type = tarfile.DIRTYPE; d.mode = 0o755; t.addfile(d)
    for e in entries:
        kind, name, *target = e.split(":")
        i = tarfile.TarInfo(name)
        i.mode = 0o644
        if kind == "dir":
            i.type = tarfile.DIRTYPE; i.mode = 0o755
        elif kind == "symlink":
            i.type = tarfile.SYMTYPE; i.linkname = target[0]
        elif kind == "hardlink":
            i.type = tarfile.LNKTYPE; i.linkname = target[0]
        data = b"pwned\n" if kind == "file" else b""
        i.size = len(data)
        t.addfile(i, io.BytesIO(data) if data else None)
EOF
}

test_expect_success 'setup: a livec-shaped medium; a directory another user may write' '
	mkdir -p inner/usr/bin inner/usr/ro rootfs/etc rootfs/usr/hidden medium/LIVEC medium/boot \
		initrd/etc/livec outside &&
	printf "#!/bin/sh\necho tool\n" >inner/usr/bin/tool && chmod 4755 inner/usr/bin/tool &&
	ln -s tool inner/usr/bin/link && echo data >inner/usr/ro/file && chmod 0555 inner/usr/ro &&
	genext2fs -B 4096 -b 256 -N 64 -m 0 -d inner inner.img &&
	"$LIVEC" cloop create inner.img medium/LIVEC/LIVEC &&
	echo livec >rootfs/etc/hostname && echo "under the mount point" >rootfs/usr/hidden/x &&
	(cd rootfs && tar --numeric-owner -czf ../good.tgz .) &&
	echo tmpfs >initrd/etc/livec/root && echo usr >initrd/etc/livec/readonly &&
	bsdtar --format newc -cf - -C initrd . | gzip -n >medium/boot/initrd.gz &&
	echo 0123456789abcdef >medium/LIVEC/ID &&
	medium good good.tgz &&
	chmod 0755 "$TRASH" && mkdir -m 0777 pub
'

test_expect_success 'another user extracts the live root as init composes it' '
	$NOBODY env TMPDIR="$TRASH/pub" "$LIVEC" inspect --extract pub/tree good.iso &&
	test "$(stat -c %a pub/tree/usr/bin/tool)" = 4755 &&
	test "$(stat -c %u pub/tree/usr/bin/tool)" = 65534 &&
	test "$(readlink pub/tree/usr/bin/link)" = tool &&
	test "$(stat -c %a pub/tree/usr/ro)" = 555 && test "$(cat pub/tree/usr/ro/file)" = data &&
	test "$(cat pub/tree/etc/hostname)" = livec &&
	# /usr is bound from the cloop image over the one of root_fs.tgz, hiding what was below it
	! test -e pub/tree/usr/hidden &&
	test -z "$(ls pub | grep -v "^tree$")"   # the scratch directory is gone
'

test_expect_success 'image.root: overlay: the tree is the cloop image alone, as init mounts it' '
	cp -a medium overlay-medium && rm -rf initrd-o && cp -a initrd initrd-o &&
	echo overlay >initrd-o/etc/livec/root && : >initrd-o/etc/livec/readonly &&
	bsdtar --format newc -cf - -C initrd-o . | gzip -n >overlay-medium/boot/initrd.gz &&
	cp good.tgz overlay-medium/LIVEC/root_fs.tgz &&
	bsdtar --format iso9660 -cf overlay.iso -C overlay-medium . &&
	"$LIVEC" inspect --extract overlay-tree overlay.iso &&
	test "$(stat -c %a overlay-tree/usr/bin/tool)" = 4755 && ! test -e overlay-tree/etc/hostname
'

test_expect_success 'DIR must be new or empty (exit 2)' '
	expect_code 2 "$LIVEC" inspect --extract pub good.iso 2>err &&
	grep_or_show "is not empty" err
'

for hostile in "dotdot file:../../outside/dotdot" "dotdot-near file:../escaped" \
	"absolute file:$TRASH/outside/absolute" \
	"through-symlink symlink:esc:$TRASH/outside file:esc/through" \
	"through-relative symlink:up:../../outside file:up/through-rel" \
	"hardlink-out hardlink:h:../../outside/secret"; do
	name=${hostile%% *}
	set -- $hostile
	shift
	test_expect_success "a hostile root_fs.tgz ($name) writes nothing outside DIR (exit 1)" "
		echo secret >outside/secret &&
		hostile_tgz $name.tgz $* && medium $name $name.tgz &&
		expect_code 1 \$NOBODY env TMPDIR=\"\$TRASH/pub\" \"\$LIVEC\" inspect --extract pub/$name $name.iso 2>err &&
		grep_or_show \"refusing\" err &&
		test \"\$(ls outside)\" = secret && test \"\$(stat -c %h outside/secret)\" = 1 &&
		! test -e pub/escaped
	"
done

test_expect_success 'not an ISO, not a livec medium, a layer missing: said so, exit 1' '
	head -c 65536 /dev/zero >zeros.bin &&
	expect_code 1 "$LIVEC" inspect zeros.bin 2>err1 && grep_or_show "not an ISO 9660 image" err1 &&
	mkdir -p plain && echo hi >plain/README && bsdtar --format iso9660 -cf plain.iso -C plain . &&
	expect_code 1 "$LIVEC" inspect plain.iso 2>err2 && grep_or_show "not a livec medium" err2 &&
	expect_code 1 "$LIVEC" inspect good.iso 2>err3 && grep_or_show "has no /LIVEC/livec.lock" err3 &&
	expect_code 2 "$LIVEC" inspect --packages --licenses good.iso 2>err4
'

test_done
