#!/bin/sh
# livec build on a repository the test assembles from real Debian .debs (the
# Essential set, fetched from the mirror once) and packages it crafts:
# maintainer scripts that create users, diversions and alternatives and try
# the network; packages with '..' paths and symlinks pointing out of the
# root (nothing may change outside it); a failing hook.  The image also takes
# a package from a vendor's repository signed by a key of its own and one
# from a local directory of .debs.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$(dirname "$0")/../lib/mkrepo.sh"

export XDG_CACHE_HOME="$TRASH/cache"
HOSTDIR=$(mktemp -d /tmp/livec-host.XXXXXX)
ESCAPE="/tmp/livec-escape.$$"
cleanup_host() { rm -rf "$HOSTDIR" "$ESCAPE" "$ESCAPE.script"; cleanup_trash; }
trap cleanup_host EXIT

FPR=$(make_key archive)
export_keyring "$TRASH/keyring.gpg" "$FPR"
# an address the host can reach (the mirror's), for the no-network check
MIRROR_HOST=$(sed -n 's|^URIs: *[a-z]*://\([^/ ]*\).*|\1|p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
MIRROR_IP=$(getent ahostsv4 "$MIRROR_HOST" 2>/dev/null | awk '{ print $1; exit }')

test_expect_success 'setup: real Essential .debs from the mirror' '
	real_essential_pool repo
'

cat >"$TRASH/lvtest-sys.postinst" <<EOF
#!/bin/bash
set -e
if [ "\$1" = configure ]; then
	useradd --system --no-create-home --shell /usr/sbin/nologin svcuser
	dpkg-divert --package lvtest-sys --add --rename --divert /usr/bin/tac.distrib /usr/bin/tac
	update-alternatives --install /usr/bin/lvtest-editor lvtest-editor /bin/cat 50
	mkdir -p /var/lib/lvtest
	if timeout 5 bash -c 'exec 3<>/dev/tcp/${MIRROR_IP:-127.0.0.1}/80' 2>/dev/null; then
		echo reachable >/var/lib/lvtest/net
	else
		echo unreachable >/var/lib/lvtest/net
	fi
	hostname >/var/lib/lvtest/hostname
fi
EOF

cat >"$TRASH/lvtest-hostile.postinst" <<EOF
#!/bin/sh
[ "\$1" != configure ] || /usr/lib/lvtest/escape /var/lib/lvtest-escape.log "$ESCAPE.script"
EOF

test_expect_success 'setup: crafted packages and the signed repository' '
	cc -static -O2 -o escape "$TEST_ROOT/tests/lib/escape.c" &&
	craft_deb repo lvtest-hostile 1.0 "" d:./usr/ d:./usr/lib/ d:./usr/lib/lvtest/ \
		"x:./usr/lib/lvtest/escape=$TRASH/escape" d:./etc/ p:./etc/machine-id &&
	craft_deb repo lvtest-sys 1.0 "Depends: passwd\n" d:./usr/ d:./usr/share/ d:./usr/share/lvtest/ &&
	craft_deb repo lvtest-dirlink 1.0 "Essential: yes\nPriority: required\n" \
		d:./usr/ d:./usr/lib/ d:./usr/share/ d:./usr/share/lvtest-real/ \
		"l:./usr/lib/lvtest->../share/lvtest-real" "f:./usr/lib/lvtest/data=through the link" &&
	craft_deb repo evil-livec-link 1.0 "" d:./var/ d:./var/lib/ "l:./var/lib/livec->$HOSTDIR" &&
	craft_deb repo evil-device 1.0 "Essential: yes\n" d:./usr/ d:./usr/share/ c:./usr/share/evil-null &&
	craft_deb repo evil-dotdot 1.0 "Essential: yes\n" d:./usr/ "f:./../../../../..$ESCAPE=pwned" &&
	craft_deb repo evil-abs 1.0 "Essential: yes\n" d:./usr/ d:./usr/share/ \
		"l:./usr/share/evil->$HOSTDIR" "f:./usr/share/evil/pwned=pwned" &&
	craft_deb repo evil-rel 1.0 "Essential: yes\n" d:./usr/ d:./usr/share/ \
		"l:./usr/share/evil2->../../../../../../../../..$HOSTDIR" "f:./usr/share/evil2/pwned=pwned" &&
	craft_deb repo evil-debslink 1.0 "Essential: yes\n" d:./var/ d:./var/cache/ d:./var/cache/livec/ \
		"l:./var/cache/livec/debs->$HOSTDIR" &&
	craft_deb repo evil-bomb 1.0 "Essential: yes\n" d:./usr/ d:./usr/share/ z:./usr/share/zeros=100 &&
	index_repo repo lv && sign_repo repo lv "$FPR" &&
	VFPR=$(make_key vendor) && export_keyring vendor.gpg "$VFPR" &&
	echo "$VFPR" >vendor.fpr &&
	make_repo vendor stable <<-SPEC &&
	Package: lvtest-vendor
	Version: 2.0
	Architecture: all
	Depends: passwd
	X-File: usr/share/lvtest/vendor
	SPEC
	sign_repo vendor stable "$VFPR" &&
	make_repo localsrc x <<-SPEC &&
	Package: lvtest-local
	Version: 0.1
	Architecture: all
	Depends: lvtest-vendor
	X-File: usr/share/lvtest/local
	SPEC
	mkdir -p debs && cp localsrc/pool/main/*.deb debs/
'

# manifest NAME EXCLUDES INSTALL [EXTRA YAML]   (the bomb is left out but in "bomb")
manifest() {
	_ex=$2
	[ "$1" = bomb ] || _ex="${_ex:+$_ex, }evil-bomb"
	repo_manifest "$1" lv "variant: essential" "boot: []" "exclude: [$_ex]" "install: [$3]"
	[ -z "${4:-}" ] || printf '%s\n' "$4" >>"$TRASH/$1.yaml"
}

test_expect_success 'a build with maintainer scripts: users, diversions, alternatives' '
	manifest good "evil-dotdot, evil-abs, evil-rel, evil-device" \
		"lvtest-sys, lvtest-hostile, evil-livec-link, lvtest-local" \
		"hooks: [{name: mark, run: \"echo hooked >/etc/lvtest-hook\"}]" &&
	vendor="{name: vendor, uri: \"file://$TRASH/vendor\", suite: stable, keyring: vendor.gpg, keys: [$(cat vendor.fpr)]}" &&
	awk -v v="$vendor" "{ print } /^  keys:/ { print \"  repositories: [\" v \"]\" }
		/^packages:/ { print \"  local: debs\" }" good.yaml >good.new && mv good.new good.yaml &&
	"$LIVEC" lock --lockfile good.lock good.yaml &&
	"$LIVEC" build --format dir --output tree --lockfile good.lock good.yaml 2>err &&
	grep -q "^svcuser:" tree/etc/passwd &&
	grep -q "/usr/bin/tac.distrib" tree/var/lib/dpkg/diversions &&
	test "$(readlink tree/etc/alternatives/lvtest-editor)" = /bin/cat &&
	test "$(cat tree/etc/lvtest-hook)" = hooked
'

test_expect_success 'the vendor'"'"'s and the local package are locked with their repository and in the image' '
	test "$(field good.lock rootfs lvtest-vendor repository)" = vendor &&
	test "$(field good.lock rootfs lvtest-local repository)" = local &&
	test "$(field good.lock rootfs lvtest-local license)" = MIT &&
	test "$(cat tree/usr/share/lvtest/vendor)" = lvtest-vendor &&
	test "$(cat tree/usr/share/lvtest/local)" = lvtest-local &&
	grep -q "^Package: lvtest-local" tree/var/lib/dpkg/status
'

test_expect_success 'maintainer scripts have no network and a fixed hostname' '
	test -n "$MIRROR_IP" &&
	test "$(cat tree/var/lib/lvtest/net)" = unreachable &&
	test "$(cat tree/var/lib/lvtest/hostname)" = livec
'

test_expect_success 'a maintainer script cannot reach the host: no device nodes, mounts, host network or chroot escape' '
	cat tree/var/lib/lvtest-escape.log &&
	grep -q "^mknod: denied" tree/var/lib/lvtest-escape.log &&
	grep -q "^mount: denied" tree/var/lib/lvtest-escape.log &&
	grep -q "^setns: denied" tree/var/lib/lvtest-escape.log &&
	grep -q "^escape: " tree/var/lib/lvtest-escape.log &&
	test ! -e "$ESCAPE.script" && test ! -e tree/lvtest-sda
'

test_expect_success 'the directory output has the image'"'"'s ids, not the range they had on disk' '
	test "$(stat -c %u:%g tree/etc/passwd)" = 0:0 &&
	test "$(stat -c %U tree/usr/bin/passwd)" = root && test -u tree/usr/bin/passwd &&
	test -z "$(find tree -uid +65535 -o -gid +65535 | head -n 3)"
'

test_expect_success 'a file capability set in the sandbox is published as the image has it (revision 2)' '
	grep -q "^setcap: done" tree/var/lib/lvtest-escape.log &&
	python3 -c "import os, sys; v = os.getxattr(sys.argv[1], \"security.capability\"); \
		sys.exit(not (len(v) == 20 and v[3] == 2 and v[5] == 0x20))" tree/usr/lib/lvtest/escape
'

test_expect_success 'a FIFO shipped as /etc/machine-id does not hang the build: it is removed' '
	test ! -p tree/etc/machine-id
'

test_expect_success 'var/lib/livec shipped as a link out of the root: the record of generated files stays inside' '
	grep_or_show "/var/lib/livec in the image is not a directory" err &&
	test -d tree/var/lib/livec && test -s tree/var/lib/livec/generated && test -z "$(ls -A "$HOSTDIR")"
'

test_expect_success 'var/cache/livec/debs shipped as a link out of the root: the .debs for dpkg stay inside' '
	grep -q "^Package: evil-debslink" tree/var/lib/dpkg/status &&
	test -z "$(ls -A "$HOSTDIR")"
'

test_expect_success 'a device node in a package is refused, named, and not made on the host' '
	manifest device "evil-dotdot, evil-abs, evil-rel" "" &&
	"$LIVEC" lock --lockfile device.lock device.yaml &&
	expect_code 1 "$LIVEC" build --lockfile device.lock device.yaml 2>err &&
	grep_or_show "package .evil-device. ships the device node ./usr/share/evil-null." err &&
	test ! -e out/device/.work/root && test ! -e out/device/rootfs.tar
'

test_expect_success 'a compression bomb (100 MiB of zeros in a 16 KiB package) is refused while unpacking' '
	manifest bomb "evil-dotdot, evil-abs, evil-rel, evil-device" "" &&
	"$LIVEC" lock --lockfile bomb.lock bomb.yaml &&
	expect_code 1 "$LIVEC" build --lockfile bomb.lock bomb.yaml 2>err &&
	grep_or_show "package .evil-bomb. unpacks to more than 1000 times its size (at ./usr/share/zeros.): refused" err &&
	test ! -e out/bomb/rootfs.tar &&
	test -z "$(ls -A "$XDG_CACHE_HOME/livec/trees" 2>/dev/null | grep "^\.build-")"
'

test_expect_success 'every package is installed; the daemon guards are gone' '
	test "$(grep -c "^Status: install ok installed" tree/var/lib/dpkg/status)" = \
		"$(awk "/^rootfs:/ { on = 1; next } /^[a-z]/ { on = 0 } on && /^  [^ ]/" good.lock | wc -l)" &&
	test ! -e tree/usr/sbin/policy-rc.d &&
	! grep -q start-stop-daemon tree/var/lib/dpkg/diversions &&
	test ! -e tree/var/cache/livec
'

test_expect_success 'a symlinked directory in a package leads inside the root' '
	test "$(cat tree/usr/share/lvtest-real/data)" = "through the link"
'

test_expect_success 'a ".." path is refused and nothing is written outside' '
	manifest dotdot "evil-abs, evil-rel, evil-device" "" &&
	"$LIVEC" lock --lockfile dotdot.lock dotdot.yaml &&
	grep -q "^  evil-dotdot:" dotdot.lock &&
	expect_code 1 "$LIVEC" build --lockfile dotdot.lock dotdot.yaml 2>err &&
	grep_or_show "evil-dotdot. has an unsafe path" err &&
	test ! -e "$ESCAPE" && test ! -e out/dotdot/rootfs.tar && test ! -e out/dotdot/.work/root
'

test_expect_success 'absolute and relative symlinks out of the root cannot be written through' '
	for evil in evil-abs evil-rel; do
		other=$(test $evil = evil-abs && echo evil-rel || echo evil-abs) &&
		manifest $evil "evil-dotdot, evil-device, $other" "" &&
		"$LIVEC" lock --lockfile $evil.lock $evil.yaml &&
		grep -q "^  $evil:" $evil.lock &&
		{ "$LIVEC" build --format dir --output $evil.tree --lockfile $evil.lock $evil.yaml 2>$evil.err; :; } &&
		test -z "$(ls -A "$HOSTDIR")" || { cat $evil.err; ls -la "$HOSTDIR"; exit 1; }
	done
'

test_expect_success 'a failing hook stops the build, names the hook, writes nothing' '
	manifest hook "evil-dotdot, evil-abs, evil-rel, evil-device" "" "hooks: [{name: boom, run: \"exit 3\"}]" &&
	"$LIVEC" lock --lockfile hook.lock hook.yaml &&
	expect_code 1 "$LIVEC" build --lockfile hook.lock hook.yaml 2>err &&
	grep_or_show "hook .boom. failed (exit status 3)" err &&
	test ! -e out/hook/rootfs.tar && test ! -e out/hook/.work/root
'

test_expect_success 'a running build holds the lock of its staging directory; Ctrl-C (SIGINT) during dpkg: the build stops, says so, and leaves no staging tree' '
	manifest intr "evil-dotdot, evil-abs, evil-rel, evil-device" lvtest-sys &&
	"$LIVEC" lock --lockfile intr.lock intr.yaml &&
	{ "$LIVEC" build --lockfile intr.lock intr.yaml 2>intr.err & pid=$!; } &&
	n=0 && while ! grep -q "installing .* packages with dpkg" intr.err && [ $n -lt 600 ]; do
		sleep 0.5; n=$((n + 1)); done &&
	grep -q "installing" intr.err &&
	# the running build holds its staging directory: no sweep takes it
	set -- "$XDG_CACHE_HOME"/livec/trees/.build-* &&
	{ test $# = 1 && test -d "$1/root" && ! flock -n -x "$1" true; held=$?; } &&
	kill -INT $pid && { wait $pid; test $? -ne 0; } && test $held = 0 &&
	grep_or_show "interrupted (Interrupt): the build stopped; its staging root is removed" intr.err &&
	test -z "$(ls -A "$XDG_CACHE_HOME/livec/trees" 2>/dev/null | grep "^\.build-")" &&
	test ! -e out/intr/rootfs.tar && test ! -e out/intr/.work/root
'

test_expect_success 'a staging root left by a build that was killed is removed by the next build; one whose build holds its lock from another pid namespace is not' '
	trees="$XDG_CACHE_HOME/livec/trees" &&
	mkdir -p "$trees/.build-999999/root/etc" "$trees/.build-999998.x/root/etc" &&
	# the build of .build-999998.x runs where pid 999998 is its own: it
	# holds the lock (a shell that becomes the sleep, keeping fd 9)
	manifest left "evil-dotdot, evil-abs, evil-rel, evil-device" "" &&
	"$LIVEC" lock --lockfile left.lock left.yaml &&
	{ sh -c "exec 9<\"\$1\" && flock -s 9 && exec sleep 300" holder "$trees/.build-999998.x" & holder=$!; } &&
	{
		n=0 && while flock -n -x "$trees/.build-999998.x" true && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done &&
		"$LIVEC" build --format tar --lockfile left.lock left.yaml 2>err
		rc=$?; kill $holder; wait $holder; test $rc = 0
	} &&
	test ! -e "$trees/.build-999999" && test -d "$trees/.build-999998.x/root/etc" &&
	rm -r "$trees/.build-999998.x"
'

test_expect_success 'whatever the umask, the outputs are for all to read; the work directory and the cached trees are livec'"'"'s alone' '
	test "$(stat -c %a out out/left out/left/rootfs.tar)" = "$(printf "755\n755\n644")" &&
	test "$(stat -c %a out/left/.work "$XDG_CACHE_HOME/livec/trees")" = "$(printf "700\n700")"
'

test_expect_success 'livec shell: a command in the tree; its exit status is livec'"'"'s; the host'"'"'s files are not there' '
	"$LIVEC" shell --lockfile left.lock left.yaml -- cat /etc/debian_version >version &&
	grep -q "^[0-9a-z]" version &&
	{ "$LIVEC" shell --lockfile left.lock left.yaml -- sh -c "exit 7"; test $? = 7; } &&
	: >"$HOSTDIR/on-the-host" &&
	"$LIVEC" shell --lockfile left.lock left.yaml -- test ! -e "$HOSTDIR/on-the-host" &&
	rm "$HOSTDIR/on-the-host"
'

test_expect_success 'livec shell: no network unless --network' '
	test -n "$MIRROR_IP" &&
	! "$LIVEC" shell --lockfile left.lock left.yaml -- \
		bash -c "exec 3<>/dev/tcp/$MIRROR_IP/80" 2>/dev/null &&
	"$LIVEC" shell --network --lockfile left.lock left.yaml -- \
		bash -c "exec 3<>/dev/tcp/$MIRROR_IP/80"
'

test_expect_success 'livec shell: changes are thrown away, or kept with --keep DIR' '
	"$LIVEC" shell --lockfile left.lock left.yaml -- touch /etc/lvtest-shell &&
	"$LIVEC" shell --lockfile left.lock left.yaml -- test ! -e /etc/lvtest-shell &&
	"$LIVEC" shell --keep kept --lockfile left.lock left.yaml -- touch /etc/lvtest-shell &&
	test -e kept/upper/etc/lvtest-shell &&
	"$LIVEC" shell --lockfile left.lock left.yaml -- test ! -e /etc/lvtest-shell &&
	test -z "$(ls /tmp | grep "^livec-shell\.")"
'

test_expect_success 'rootless: the hostile build as a user with subordinate ids is contained and gives the same bytes' '
	rootless_dir && seed_rootless_cache &&
	"$LIVEC" build --format tar --output good-root.tar --lockfile good.lock good.yaml 2>root.err &&
	(cd rootless && as_rootless "$LIVEC" build --format tar --output good.tar --lockfile ../good.lock ../good.yaml) \
		2>rootless.err || { cat rootless.err; exit 1; }
	cmp good-root.tar rootless/good.tar &&
	tar -xOf rootless/good.tar ./var/lib/lvtest-escape.log >rootless-escape.log &&
	grep -q "^mknod: denied" rootless-escape.log && grep -q "^mount: denied" rootless-escape.log &&
	grep -q "^setns: denied" rootless-escape.log && grep -q "^escape: " rootless-escape.log &&
	test ! -e "$ESCAPE.script" && test -z "$(ls -A "$HOSTDIR")"
'

test_expect_success 'rootless: livec shell runs in the tree, sees no host file, and its exit status is livec'"'"'s' '
	: >"$HOSTDIR/on-the-host" &&
	(cd rootless && as_rootless "$LIVEC" shell --lockfile ../left.lock ../left.yaml -- \
		sh -c "test ! -e $HOSTDIR/on-the-host && test -s /etc/debian_version && exit 5"); test $? = 5 &&
	rm "$HOSTDIR/on-the-host"
'

test_expect_success 'rootless: livec verify builds twice (the host name left as it is) and finds the same bytes' '
	(cd rootless && as_rootless "$LIVEC" verify --format tar --workdir verify --lockfile ../left.lock ../left.yaml) \
		>rootless-verify.out 2>&1 || { cat rootless-verify.out; exit 1; }
	grep_or_show "the host name is not varied" rootless-verify.out &&
	grep_or_show "verify: [1-9][0-9]* identical, 0 differ" rootless-verify.out
'

test_expect_success 'two builds sharing a cache at once: both succeed, and both trees are cached' '
	manifest conc1 "evil-dotdot, evil-abs, evil-rel, evil-device" lvtest-sys &&
	manifest conc2 "evil-dotdot, evil-abs, evil-rel, evil-device, lvtest-dirlink" "" &&
	"$LIVEC" lock --lockfile conc1.lock conc1.yaml && "$LIVEC" lock --lockfile conc2.lock conc2.yaml &&
	{ "$LIVEC" build --format tar --lockfile conc1.lock conc1.yaml 2>conc1.err & p1=$!; } &&
	{ "$LIVEC" build --format tar --lockfile conc2.lock conc2.yaml 2>conc2.err & p2=$!; } &&
	wait $p1 && wait $p2 &&
	test -s out/conc1/rootfs.tar && test -s out/conc2/rootfs.tar &&
	test -d "$XDG_CACHE_HOME/livec/trees/$(cat "$XDG_CACHE_HOME/livec/trees/conc1.current")" &&
	test -d "$XDG_CACHE_HOME/livec/trees/$(cat "$XDG_CACHE_HOME/livec/trees/conc2.current")"
'

test_done
