#!/bin/sh
# livec on a fresh Debian 13 (trixie) host.  livec itself builds the host:
# a trixie minbase tree (--format dir) with trixie's APT sources.  In it, in
# its own mount namespace, the README's first command (tools/quickstart.sh)
# installs the dependencies with apt, compiles livec from this checkout and
# builds the console ISO, and livec's unit tests pass there.  That ISO is
# checked against the one this (bookworm) host builds from the same
# manifest and lock: the bytes are identical, or livec names the library
# and tool versions that differ between the two builds (their buildinfo).
. "$(dirname "$0")/../lib/test-lib.sh"

export XDG_CACHE_HOME="${LIVEC_TEST_CACHE:-$TRASH/cache}"
HOST="$TRASH/host"

# run_in_host CMD: CMD (sh -c) as root of the trixie tree, with /proc, /dev
# and the package cache; mounts end with the namespace.  The tree becomes
# the root of its mount namespace by pivot_root, as in a container: from
# a chroot the kernel would make livec no user namespace for its sandbox.
run_in_host() {
	unshare --mount --fork sh -ec '
		mount --make-rprivate /
		mount --bind "$0" "$0"     # a root that is a mount point, as on a real host
		mount -t proc proc "$0/proc"
		mount --rbind /dev "$0/dev"
		mkdir -p "$0/cache"
		mount --bind "$XDG_CACHE_HOME" "$0/cache"
		touch "$0/etc/resolv.conf"   # apt needs the name servers of this host
		mount --bind /etc/resolv.conf "$0/etc/resolv.conf"
		cd "$0" && pivot_root . . && umount -l . && cd /
		exec /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			XDG_CACHE_HOME=/cache sh -ec "$1"
	' "$HOST" "$1"
}

test_expect_success 'livec builds a fresh trixie host' '
	cat >host.yaml <<-YAML &&
	name: trixie-host
	distribution: {suite: trixie}
	packages: {variant: minbase, boot: []}
	YAML
	"$LIVEC" -q lock --lockfile host.lock host.yaml &&
	"$LIVEC" -q build --format dir --output "$HOST" --lockfile host.lock host.yaml &&
	grep -q "^VERSION_ID=\"13\"" "$HOST/etc/os-release" && test -x "$HOST/usr/bin/apt-get" &&
	# its APT sources, as a trixie machine has them: the mirrors of this host
	for f in /etc/apt/sources.list.d/*.sources; do
		test ! -f "$f" || sed "s/bookworm/trixie/g" "$f" >"$HOST/etc/apt/sources.list.d/${f##*/}"
	done &&
	test ! -f /etc/apt/sources.list || sed "s/bookworm/trixie/g" /etc/apt/sources.list >"$HOST/etc/apt/sources.list"
'

test_expect_success 'on trixie, the README quick start installs, compiles and builds the console ISO' '
	mkdir -p "$HOST/src" &&
	(cd "$TEST_ROOT" && git ls-files -z | xargs -0 tar -cf - ) | tar -xf - -C "$HOST/src" &&
	run_in_host "cd /src && sh tools/quickstart.sh" >quickstart.log 2>&1 || { tail -n 40 quickstart.log; exit 1; }
	test -s "$HOST/src/out/console/console.iso" && grep -q "^zlib: 1\.3" "$HOST/src/out/console/console.iso.buildinfo"
'

test_expect_success 'in a chroot, where the kernel makes livec no user namespace, the build says so up front' '
	{ unshare --mount --fork sh -c "mount -t proc proc \"\$0/proc\" && exec chroot \"\$0\" /usr/bin/env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root XDG_CACHE_HOME=/nonexistent sh -c \
		\"cd /src && ./build/compiler/livec build examples/console/livec.yaml\"" "$HOST" \
		>chroot.log 2>&1; echo $? >rc; } &&
	test "$(cat rc)" = 1 &&
	grep_or_show "error: cannot make a user namespace for the build (Operation not permitted): .*a chroot" chroot.log
'

test_expect_success 'on trixie, the unit tests pass' '
	run_in_host "cd /src && meson test -C build --suite unit --print-errorlogs" >unit.log 2>&1 ||
		{ tail -n 40 unit.log; exit 1; }
	grep_or_show "^Fail: *0" unit.log && grep -q "^Ok: *[1-9]" unit.log
'

test_expect_success 'the console ISO built on trixie is identical, or the difference is named' '
	mkdir -p bw && (cd bw && "$LIVEC" -q build "$TEST_ROOT/examples/console/livec.yaml") &&
	cp bw/out/console/SHA256SUMS bw/out/console/console.iso.buildinfo "$HOST/src/" &&
	mkdir -p "$HOST/src/published" && mv "$HOST/src/SHA256SUMS" "$HOST/src/console.iso.buildinfo" "$HOST/src/published/" &&
	{ run_in_host "cd /src && ./build/compiler/livec build \
		--check-against published/SHA256SUMS examples/console/livec.yaml" >trixie.log 2>&1; echo $? >rc; } &&
	cat trixie.log &&
	test -s "$HOST/src/out/console/console.iso" &&
	if [ "$(cat rc)" = 0 ]; then
		grep_or_show "console.iso: all [0-9]* checksums match" trixie.log &&
		cmp bw/out/console/console.iso "$HOST/src/out/console/console.iso"
	else
		grep_or_show "error: console.iso.* differs" trixie.log &&
		grep_or_show "note: [a-z0-9-]* differs: this build used .*, the other " trixie.log
	fi
'

test_done
