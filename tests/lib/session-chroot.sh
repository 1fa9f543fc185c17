# session-chroot.sh TREE: the seed's test path.  Runs the image's
# livec-session in TREE with DISPLAY=:1, so the session comes up on Xvnc
# instead of Xorg, without booting anything.  Run it in new mount and pid
# namespaces (unshare --mount --pid --fork --propagation private): every
# mount, Xvnc and the session's programs go when it ends.  Prints what the
# session said on its console (/dev/console is a plain file here) once it
# is ready or failed (at most 180 s).
set -e
T=$1
mount -t proc proc "$T/proc"
mount -t tmpfs -o mode=0755 tmpfs "$T/dev"
for n in null zero random urandom tty; do
	: >"$T/dev/$n"
	mount --bind "/dev/$n" "$T/dev/$n"
done
mkdir "$T/dev/pts"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$T/dev/pts"
ln -s pts/ptmx "$T/dev/ptmx"
: >"$T/dev/console"
mount -t tmpfs -o mode=1777 tmpfs "$T/tmp"
mount -t tmpfs -o mode=0755 tmpfs "$T/run"
chroot "$T" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DISPLAY=:1 /usr/lib/livec/livec-session \
	>"$T/tmp/session.log" 2>&1 &
i=0
while ! grep -q "livec-session: ready\|livec-session: error" "$T/dev/console" && [ $i -lt 180 ]; do
	sleep 1
	i=$((i + 1))
done
cat "$T/dev/console"
