#!/bin/sh
# Saving work on a read-only CD (from the real mirror, booted in QEMU):
# the console image with image.root: overlay boots with a persistence store
# made by `livec persist-image` and a second disk labelled TESTDATA.  The
# disk appears under /media/TESTDATA (read-only) and in /media/list, a local
# package installs with apt-get, and counters written in /home and /etc
# (and synced) survive the power going off (QEMU stopped without a
# shutdown: the store's journal is replayed) into a second boot, from a USB
# stick.  A damaged store is reported and left out:
# the system still boots.  Then, booted with livec.toram (and livec.check,
# which checks the copies in RAM) and /home kept in
# a LIVEDATA.img file on a stick, a USB disk plugged in through QEMU's
# monitor appears under /media and goes when unplugged, and after the CD is
# ejected everything still reads.  Every wait is bounded.
. "$(dirname "$0")/../lib/test-lib.sh"

LOCK="$TEST_ROOT/lockfiles/console.lock"
. "$TEST_ROOT/tests/lib/probe.sh"
export XDG_CACHE_HOME="${LIVEC_TEST_CACHE:-$TRASH/cache}"

probe_manifest "$TRASH/console.yaml"
sed -e "s/root: tmpfs/root: overlay/" \
	-e "s/cmdline: \"quiet\"/cmdline: \"quiet livec.persist=LIVEDATA:overlay\"/" \
	"$TRASH/console.yaml" >"$TRASH/overlay.yaml"

# boot N EXTRA...: boots the overlay image with the store and the disk
# (and QEMU's arguments $QEMU_EXTRA)
boot() {
	_n=$1
	shift
	livec_run "boot$_n.log" --timeout 900 --persist store.img --disk testdata.img "$@" overlay.iso \
		${QEMU_EXTRA:+-- $QEMU_EXTRA} || :
}

test_expect_success 'setup: the overlay image, a persistence store, a TESTDATA disk' '
	grep -q "root: overlay" overlay.yaml && grep -q "livec.persist=LIVEDATA:overlay" overlay.yaml &&
	"$LIVEC" build --lockfile "$LOCK" --output overlay.iso overlay.yaml 2>build.err &&
	SOURCE_DATE_EPOCH=1700000000 "$LIVEC" persist-image --size 64M store.img 2>err &&
	SOURCE_DATE_EPOCH=1700000000 "$LIVEC" persist-image --size 64M store2.img 2>err && cmp store.img store2.img &&
	dumpe2fs -h store.img 2>/dev/null | grep -q "^Filesystem features:.* has_journal" &&
	# without SOURCE_DATE_EPOCH each store has a UUID of its own
	"$LIVEC" persist-image --size 64M store.img 2>err && "$LIVEC" persist-image --size 16M decoy.img 2>err &&
	test "$(blkid -o value -s UUID store.img)" != "$(blkid -o value -s UUID decoy.img)" &&
	"$LIVEC" persist-image --size 8M --uuid 0123ABCD-4567-89ab-cdef-0123456789ab given.img 2>err &&
	test "$(blkid -o value -s UUID given.img)" = 0123abcd-4567-89ab-cdef-0123456789ab &&
	expect_code 2 "$LIVEC" persist-image --uuid "0123abcd-4567-89ab-cdef-0123456789a;" bad.img 2>err &&
	grep_or_show "not a UUID" err && test ! -e bad.img &&
	mkdir -p data && echo "known content" >data/hello.txt &&
	mke2fs -q -t ext2 -L TESTDATA -d data testdata.img 8M
'

test_expect_success 'first boot: the store named by its UUID (an unused one with the label is there too), overlay root on it, media under /media, apt-get works; then the power goes off with the store mounted' '
	uuid=$(blkid -o value -s UUID store.img) &&
	boot 1 --disk decoy.img --append "livec.probe=powerloss livec.persist=UUID=$uuid:overlay" --when "PROBE: done" &&
	grep_or_show "^livec: persistence: /dev/vd[a-z] (UUID $uuid) keeps every change (first use: noted as this image.s)" boot1.log &&
	dumpe2fs -h store.img 2>/dev/null | grep -q "^Filesystem features:.* has_journal.* needs_recovery" &&
	check_boot boot1.log iso9660 overlay &&
	grep -a -q "PROBE: persistence ok /dev/vd[a-z] LIVEDATA overlay" boot1.log &&
	grep -a -q "PROBE: count /home/live/.probe-count 1" boot1.log &&
	grep -a -q "PROBE: count /etc/livec-probe-count 1" boot1.log &&
	grep -a -q "PROBE: media-list \(.*;\)\?TESTDATA /dev/vd[a-z] ext2;" boot1.log &&
	grep -a -q "PROBE: media-file known content" boot1.log &&
	grep -a -q "PROBE: media-mount ext2 ro" boot1.log || { show_boot boot1.log; exit 1; }
'

test_expect_success 'second boot, from a USB stick (isohybrid) found after a CD with its ID but not its hash list, same store after the power loss: it mounts without errors, the home file and the /etc change are there, TESTDATA under its name again; the power-off is clean and leaves the store clean' '
	# a CD that carries this build'"'"'s ID but not its hash list, found
	# before the stick: passed over
	mkdir -p fake/LIVEC && bsdtar -xOf overlay.iso LIVEC/ID >fake/LIVEC/ID && test -s fake/LIVEC/ID &&
	echo "livec-cloop-sha256 1" >fake/LIVEC/LIVEC.sha256 && genisoimage -quiet -R -o fake.iso fake &&
	QEMU_EXTRA="-drive file=$TRASH/fake.iso,media=cdrom,readonly=on,format=raw" &&
	boot 2 --usb --disk decoy.img && QEMU_EXTRA= &&
	grep_or_show "^livec: /dev/sr0 has this build.s ID but not its hash list (damaged, or not of this build): passed over" boot2.log &&
	check_shutdown boot2.log && e2fsck -fn store.img &&
	# of the two stores with the label, the one this image used before,
	# whose note names it and its UUID; the unused one stays untouched
	grep_or_show "^livec: persistence: /dev/vd[a-z] (UUID $(blkid -o value -s UUID store.img)) keeps every change[[:cntrl:]]*$" boot2.log &&
	debugfs -R "cat /.livec-store" store.img 2>/dev/null >note &&
	printf "livec-store 1\nimage console\nuuid %s\n" "$(blkid -o value -s UUID store.img)" | diff - note &&
	! debugfs -R "stat /.livec-store" decoy.img 2>&1 | grep -q "Inode:" &&
	! grep -a "EXT4-fs error\|EXT4-fs.*: error" boot2.log &&
	grep -a -q "livec: medium: /dev/sd" boot2.log &&
	grep -a -q "login: live (automatic login)" boot2.log &&
	grep -a -q "PROBE: root-fstype overlay" boot2.log &&
	grep -a -q "PROBE: ro-source /dev/nbd0" boot2.log &&
	grep -a -q "PROBE: persistence ok /dev/vd[a-z] LIVEDATA overlay" boot2.log &&
	grep -a -q "PROBE: count /home/live/.probe-count 2" boot2.log &&
	grep -a -q "PROBE: count /etc/livec-probe-count 2" boot2.log &&
	grep -a -q "PROBE: media-list \(.*;\)\?TESTDATA /dev/vd[a-z] ext2;" boot2.log || { show_boot boot2.log; exit 1; }
'

test_expect_success 'a damaged store is reported and left out, so is an ext2 store that was not cleanly unmounted; the system still boots' '
	dd if=/dev/zero of=store.img bs=4096 seek=1 count=1 conv=notrunc 2>/dev/null &&
	mke2fs -q -t ext2 -L LIVEDATA unclean.img 8M && debugfs -w -R "ssv state 0" unclean.img 2>/dev/null &&
	boot 3 --disk unclean.img &&
	grep -a -q "^livec: persistence: /dev/vd[a-z] (UUID [0-9a-f-]*) has no journal and was not cleanly unmounted: not used" boot3.log &&
	grep -a -q "persistence store /dev/vd[a-z] (label LIVEDATA) cannot be mounted" boot3.log &&
	grep -a -q "PROBE: persistence failed /dev/vd[a-z] LIVEDATA" boot3.log &&
	grep -a -q "login: live (automatic login)" boot3.log &&
	grep -a -q "PROBE: root-fstype overlay" boot3.log &&
	grep -a -q "PROBE: done" boot3.log || { show_boot boot3.log; exit 1; }
'

# wait_log FILE PATTERN SECONDS
wait_log() {
	_t=$3
	while ! grep -a -q "$2" "$1" 2>/dev/null && [ "$_t" -gt 0 ]; do sleep 2; _t=$((_t - 2)); done
	grep -a -q "$2" "$1" || { echo "timed out waiting for '$2' in $1"; show_boot "$1"; return 1; }
}
monitor() { python3 "$TEST_ROOT/tests/lib/monitor.py" "$TRASH/mon.sock" "$@"; }

test_expect_success 'hotplug: a USB disk comes and goes under /media; livec.toram survives ejecting the CD; /home in LIVEDATA.img; lang=, keyboard=, tz=, hostname= apply, hostile values of them are ignored; a setuid file and a device node on the store give nothing; stores noted for another image or whose note is a link are passed over; hostile labels get safe names; livec.check checks the copies in RAM' '
	mkdir -p hot && echo "hot content" >hot/hello.txt && mke2fs -q -t ext2 -L HOTDATA -d hot hot.img 8M &&
	# the store holds a setuid-root program and a device node, as a
	# stranger.s could
	mkdir -p store4/home/live stick && cp /usr/bin/id store4/home/live/suid-id &&
	mknod store4/home/live/null c 1 3 && chown -R 1000:1000 store4/home/live &&
	chown 0:0 store4/home/live/suid-id && chmod 4755 store4/home/live/suid-id &&
	chmod 0666 store4/home/live/null &&
	mke2fs -q -t ext2 -L LIVEDATA -d store4 stick/LIVEDATA.img 32M &&
	# a store with the label that another image noted as its own
	mkdir -p foreign && printf "livec-store 1\nimage someone-else\nuuid %s\n" 0 >foreign/.livec-store &&
	mke2fs -q -t ext4 -L LIVEDATA -d foreign foreign.img 8M &&
	# a store with the label whose note is a link to a disk: never
	# followed, never written through
	mkdir -p linknote && ln -s /dev/vda linknote/.livec-store &&
	mke2fs -q -t ext4 -L LIVEDATA -d linknote linknote.img 8M &&
	mke2fs -q -t ext2 -L STICK -d stick stick.img 48M &&
	mke2fs -q -t ext2 -L . dot.img 4M && mke2fs -q -t ext2 -L list list.img 4M &&
	mke2fs -q -t ext2 -L ../x up.img 4M && mke2fs -q -t ext2 -L vda vda.img 4M &&
	"$LIVEC" run --timeout 900 --monitor "$TRASH/mon.sock" --disk stick.img --disk dot.img --disk list.img \
		--disk up.img --disk vda.img --disk foreign.img --disk linknote.img \
		--append "livec.toram livec.check livec.probe=hotplug livec.probe=labels:6 livec.persist=../cdrom/x livec.persist=LIVEDATA hostname=x/e tz=../../etc/shadow keyboard=d'"'"'e tz=Nowhere/Atlantis lang=de keyboard=de tz=Europe/Berlin hostname=demo" \
		overlay.iso </dev/null >boot4.log 2>&1 &
	pid=$! ok=0
	wait_log boot4.log "PROBE: hotplug ready" 600 &&
	monitor "drive_add 0 if=none,id=hot,format=raw,file=$TRASH/hot.img" \
		"device_add usb-storage,bus=xhci.0,drive=hot,id=hotdisk" &&
	wait_log boot4.log "PROBE: hotplug added" 300 &&
	monitor "eject -f livecd" "device_del hotdisk" &&
	wait_log boot4.log "PROBE: done" 300 && ok=1
	[ $ok = 1 ] || kill $pid 2>/dev/null
	wait $pid
	[ $ok = 1 ] &&
	grep -a -q "PROBE: hotplug added HOTDATA ext2 hot content" boot4.log &&
	grep -a -q "PROBE: hotplug removed 0" boot4.log &&
	grep -a -q "PROBE: toram cd-gone read-ok" boot4.log &&
	grep -a -q "^livec-cloopd: /toram/LIVEC: all [1-9][0-9]* blocks intact" boot4.log &&
	grep -a -q "^livec: /toram/root_fs.tgz is intact" boot4.log &&
	grep -a -q "^livec: the medium is intact (livec.check)" boot4.log &&
	grep -a -q "PROBE: persistence ok /scan/LIVEDATA.img LIVEDATA home" boot4.log &&
	grep -a -q "^livec: persistence: /dev/vd[a-z] (UUID [0-9a-f-]*) keeps the files of the image .someone-else., not .console.: not taken" boot4.log &&
	grep -a -q "^livec: persistence: /dev/vd[a-z] (UUID [0-9a-f-]*) has a note that is no plain file: not taken" boot4.log &&
	debugfs -R "stat /.livec-store" linknote.img 2>/dev/null | grep -q "Type: symlink" &&
	grep -a -q "PROBE: home-source /dev/loop[0-9]*\[/home\]" boot4.log &&
	grep -a -q "PROBE: count /home/live/.probe-count 1" boot4.log &&
	grep -a -q "PROBE: boot-options lang=de_DE.UTF-8 keyboard=de tz=Europe/Berlin host=demo" boot4.log &&
	grep -a -q "livec: ignoring boot option .hostname=x/e.: not a plain value" boot4.log &&
	grep -a -q "livec: ignoring boot option .tz=../../etc/shadow.: not a plain value" boot4.log &&
	grep -a -q "livec: ignoring boot option .keyboard=d.e.: not a plain value" boot4.log &&
	grep -a -q "livec: ignoring boot option .livec.persist=../cdrom/x.: not a file system label" boot4.log &&
	grep -a -q "livec: ignoring boot option .tz=Nowhere/Atlantis.: no such time zone in the image" boot4.log &&
	grep -a -q "PROBE: store-suid euid=1000" boot4.log && grep -a -q "PROBE: store-dev denied" boot4.log &&
	grep -a -q "PROBE: media-names LIVEDATA _x vd[a-z] vd[a-z] vd[a-z] vd[a-z] list-is-regular file" boot4.log &&
	check_boot boot4.log iso9660 overlay && check_shutdown boot4.log || { show_boot boot4.log; exit 1; }
'

test_done
