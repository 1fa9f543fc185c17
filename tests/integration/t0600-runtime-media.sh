#!/bin/sh
# runtime/media/livec-media, the live system's /media, on its own: udevadm
# and systemd-mount are stand-ins that give each device a label and record
# the mount, in a private mount namespace with scratch /media and /run.
# Hostile labels (".", "..", "list", "../x", a block device's name, control
# characters, a label twice) become safe, distinct names; mounts are
# nosuid,nodev and noexec unless the command line says livec.media=exec.
# (The boots of t9007 show the same with real devices.)
. "$(dirname "$0")/../lib/test-lib.sh"

MEDIA="$TEST_ROOT/runtime/media/livec-media"
mkdir -p "$TRASH/bin" "$TRASH/labels"
cat >"$TRASH/bin/udevadm" <<'SH'
#!/bin/sh
for a in "$@"; do case "$a" in --name=/dev/*) n=${a#--name=/dev/} ;; esac; done
printf 'ID_FS_LABEL=%s\nID_FS_TYPE=ext2\n' "$(cat "$LABELS/$n")"
SH
cat >"$TRASH/bin/systemd-mount" <<'SH'
#!/bin/sh
echo "$*" >>"$MOUNTS"
SH
chmod +x "$TRASH/bin/udevadm" "$TRASH/bin/systemd-mount"
# a block device that exists on this machine, for "a label equal to a
# device's name"
BLOCKDEV=$(ls /sys/class/block | head -n 1)

# attach CMDLINE DEV=LABEL...: runs `livec-media add` for each, prints
# /media/list and the names under /media
attach() {
	_cmdline=$1
	shift
	: >"$TRASH/mounts"
	for _a in "$@"; do printf '%b' "${_a#*=}" >"$TRASH/labels/${_a%%=*}"; done
	echo "$_cmdline" >"$TRASH/cmdline"
	TRASH=$TRASH unshare -m sh -c '
		mount -t tmpfs media /media && mount -t tmpfs run /run &&
		mount --bind "$TRASH/cmdline" /proc/cmdline &&
		for a in "$@"; do livec-media add "${a%%=*}" || exit 1; done &&
		cat /media/list && echo "dirs: $(ls -A /media | tr "\n" " ")"' sh "$@"
}
export LABELS="$TRASH/labels" MOUNTS="$TRASH/mounts" PATH="$TRASH/bin:$(dirname "$MEDIA"):$PATH"

test_expect_success 'hostile labels become safe, distinct names; /media/list stays a file' '
	attach quiet "vdb=." "vdc=.." "vdd=list" "vde=../x" "vdf=$BLOCKDEV" "vdg=.hidden\001x" \
		"vdh=TEST" "vdi=TEST" "vdj=TEST" "vdk=" >out && cat out &&
	grep -qx "vdb /dev/vdb ext2" out && grep -qx "vdc /dev/vdc ext2" out &&
	grep -qx "vdd /dev/vdd ext2" out && grep -qx "_x /dev/vde ext2" out &&
	grep -qx "vdf /dev/vdf ext2" out && grep -qx "hidden_x /dev/vdg ext2" out &&
	grep -qx "TEST /dev/vdh ext2" out && grep -qx "vdi /dev/vdi ext2" out &&
	grep -qx "vdj /dev/vdj ext2" out && grep -qx "vdk /dev/vdk ext2" out &&
	grep -q "^dirs: TEST _x hidden_x list vdb vdc vdd vdf vdi vdj vdk $" out
'

test_expect_success 'a name already in use gets a number; a device name taken by a label too' '
	attach quiet "vdb=vdc" "vdc=" "vdd=DATA" "vde=DATA" >out && cat out &&
	grep -qx "vdc /dev/vdb ext2" out && grep -qx "vdc_2 /dev/vdc ext2" out &&
	grep -qx "DATA /dev/vdd ext2" out && grep -qx "vde /dev/vde ext2" out
'

test_expect_success 'media are mounted read-only, nosuid, nodev, noexec; rw and exec only when asked' '
	attach quiet "vdb=A" >/dev/null && grep -q -- "--options=ro,noexec,nosuid,nodev " mounts &&
	attach "quiet livec.media=rw" "vdb=A" >/dev/null && grep -q -- "--options=rw,noexec,nosuid,nodev " mounts &&
	attach "livec.media=exec" "vdb=A" >/dev/null && grep -q -- "--options=ro,nosuid,nodev " mounts
'

test_done
