#!/bin/sh
# `livec build --format tar examples/console` from the real mirror, twice,
# under different conditions: build directory (and its length), TZ, locale,
# umask, hostname (own UTS namespace), wall-clock date (faketime, carried
# into the sandbox).  The tarballs must be byte-identical; the tree must be
# what the lock says.  Built rootless (a user with subordinate ids), the ISO
# and the tarball are the same bytes as root's.  The build cache redoes
# exactly the stages an input changes (a file, a hook, an image option, a
# debconf answer, a package pin), and what it serves equals a --no-cache
# build.
. "$(dirname "$0")/../lib/test-lib.sh"

MANIFEST="$TEST_ROOT/examples/console/livec.yaml"
LOCK="$TEST_ROOT/lockfiles/console.lock"
export XDG_CACHE_HOME="${LIVEC_TEST_CACHE:-$TRASH/cache}"

test_expect_success 'first build' '
	mkdir -p a && cd a &&
	"$LIVEC" build --format tar --lockfile "$LOCK" "$MANIFEST" 2>../a.err &&
	test -s out/console/rootfs.tar
'

test_expect_success 'second build: other directory, TZ, locale, umask, hostname, date' '
	mkdir -p b/a/much/longer/build/directory/path && cd b/a/much/longer/build/directory/path &&
	(
		umask 077
		export TZ=Pacific/Kiritimati LC_ALL=C LANG=fr_FR.UTF-8
		unshare --uts sh -c "hostname another-builder.example; \
			exec faketime -f +3d \"$LIVEC\" build --no-cache --format tar --lockfile \"$LOCK\" \"$MANIFEST\""
	) 2>"$TRASH/b.err" &&
	test -s out/console/rootfs.tar
'

test_expect_success 'the variations really applied inside the sandbox' '
	a=$(sed -n "s/^sandbox: clock \([0-9]*\),.*/\1/p" a/out/console/.work/build.log) &&
	b=$(sed -n "s/^sandbox: clock \([0-9]*\),.*/\1/p" b/a/much/longer/build/directory/path/out/console/.work/build.log) &&
	test -n "$a" && test -n "$b" && test $((b - a)) -gt 200000 &&
	grep -q "umask 0022" b/a/much/longer/build/directory/path/out/console/.work/build.log &&
	! cmp -s a/out/console/.work/build.log b/a/much/longer/build/directory/path/out/console/.work/build.log
'

test_expect_success 'the two tarballs are byte-identical' '
	cmp a/out/console/rootfs.tar b/a/much/longer/build/directory/path/out/console/rootfs.tar
'

test_expect_success 'a third build finds the tree in the cache and gives the same bytes' '
	mkdir -p c && cd c &&
	"$LIVEC" build --format tar --lockfile "$LOCK" "$MANIFEST" 2>err &&
	grep_or_show "cached: skipping to the writers" err &&
	cmp out/console/rootfs.tar ../a/out/console/rootfs.tar
'

test_expect_success 'the tree holds exactly the locked packages, all installed' '
	tar -xOf a/out/console/rootfs.tar ./var/lib/dpkg/status >status &&
	awk "/^Package: / { p = \$2 } /^Status: install ok installed/ { print p }" status | sort >installed &&
	awk "/^rootfs:/ { on = 1; next } /^[a-z]/ { on = 0 } on && /^  [^ ]/ { sub(/:$/, \"\"); print \$1 }" "$LOCK" | sort >locked &&
	diff -u locked installed &&
	test "$(grep -c "^Package: " status)" = "$(wc -l <locked)"
'

test_expect_success 'no host data: no build path, no host name, owners numeric and root-only' '
	! tar -tf a/out/console/rootfs.tar | grep -q "\.work" &&
	! grep -a -q "another-builder" b/a/much/longer/build/directory/path/out/console/rootfs.tar &&
	tar -xOf a/out/console/rootfs.tar ./etc/hostname | grep -qx livec &&
	test "$(tar -xOf a/out/console/rootfs.tar ./etc/machine-id | wc -c)" = 0
'

test_expect_success 'rootless: a user with subordinate ids builds the same ISO and tarball, byte for byte' '
	(cd a && "$LIVEC" build --lockfile "$LOCK" "$MANIFEST" 2>../iso.err) &&
	rootless_dir && seed_rootless_cache &&
	(cd rootless && as_rootless "$LIVEC" build --lockfile "$LOCK" "$MANIFEST" &&
		as_rootless "$LIVEC" build --format tar --lockfile "$LOCK" "$MANIFEST") 2>rootless.err ||
		{ cat rootless.err; exit 1; }
	cmp a/out/console/console.iso rootless/out/console/console.iso &&
	cmp a/out/console/rootfs.tar rootless/out/console/rootfs.tar &&
	test "$(stat -c %U rootless/out/console/console.iso)" = "$ROOTLESS_USER"
'

# variant NAME LINES: the console manifest plus LINES, in NAME/livec.yaml
# (the lock: the console's, or NAME/livec.lock when given)
variant() {
	mkdir -p "$1" && { cat "$MANIFEST"; printf '%s\n' "$2"; } >"$1/livec.yaml"
}
# stages LOG: which stages a build -v redid (1) or reused (0), as
# "installed tree cloop" (a tar output has no cloop stage: its 1 means nothing)
stages() {
	i=1 t=1 c=1
	grep -q "installed packages: reused" "$1" && i=0
	grep -q "cached: skipping to the writers" "$1" && { i=0; t=0; }
	grep -q "the read-only layer: reused" "$1" && c=0
	echo "$i $t $c"
}

test_expect_success 'cache: a changed image option redoes the cloop image only' '
	# first: the console'"'"'s own tree is the one the cache keeps for its name
	mkdir -p lvl && sed "s/level: 9/level: 8/" "$MANIFEST" >lvl/livec.yaml && grep -q "level: 8" lvl/livec.yaml &&
	(cd lvl && "$LIVEC" -v build --lockfile "$LOCK" livec.yaml) 2>lvl.log &&
	test "$(stages lvl.log)" = "0 0 1"
'

test_expect_success 'cache: a changed files: entry redoes the tree only, and equals a --no-cache build' '
	echo "welcome 1" >motd1 && echo "welcome 2" >motd2 &&
	variant f1 "files: [{source: ../motd1, target: /etc/motd, license: CC0-1.0}]" &&
	(cd f1 && "$LIVEC" -v build --lockfile "$LOCK" livec.yaml) 2>f1.log &&
	variant f2 "files: [{source: ../motd2, target: /etc/motd, license: CC0-1.0}]" &&
	(cd f2 && "$LIVEC" -v build --lockfile "$LOCK" livec.yaml) 2>f2.log &&
	test "$(stages f2.log)" = "0 1 0" &&
	mkdir -p f2n && cp f2/livec.yaml f2n/ &&
	(cd f2n && "$LIVEC" build --no-cache --lockfile "$LOCK" livec.yaml) 2>f2n.log &&
	cmp f2/out/console/console.iso f2n/out/console/console.iso &&
	! cmp -s f1/out/console/console.iso f2/out/console/console.iso
'

test_expect_success 'cache: a changed hook redoes the tree only' '
	variant h1 "hooks: [{name: mark, run: \"echo one >/etc/mark\"}]" &&
	(cd h1 && "$LIVEC" -v build --lockfile "$LOCK" livec.yaml) 2>h1.log &&
	test "$(stages h1.log)" = "0 1 0" &&
	grep_or_show "the read-only layer: reused" h1.log
'

test_expect_success 'cache: a changed debconf answer redoes the installed packages' '
	mkdir -p dc && awk "{ print } /^  autologin:/ { print \"  debconf: [\\\"tzdata tzdata/Areas select Etc\\\"]\" }" \
		"$MANIFEST" >dc/livec.yaml && grep -q "debconf:" dc/livec.yaml &&
	(cd dc && "$LIVEC" -v build --format tar --lockfile "$LOCK" livec.yaml) 2>dc.log &&
	test "$(stages dc.log | cut -d" " -f1-2)" = "1 1"
'

test_expect_success 'cache: a changed package pin redoes the installed packages' '
	mkdir -p pin && sed "s/install: \[linux-image-amd64, systemd-sysv\]/install: [linux-image-amd64, systemd-sysv, less]/" \
		"$MANIFEST" >pin/livec.yaml && grep -q "less\]" pin/livec.yaml &&
	(cd pin && "$LIVEC" lock --lockfile pin.lock livec.yaml && "$LIVEC" -v build --format tar --lockfile pin.lock livec.yaml) 2>pin.log &&
	test "$(stages pin.log | cut -d" " -f1-2)" = "1 1" &&
	(cd pin && "$LIVEC" -v build --format tar --lockfile pin.lock livec.yaml) 2>pin2.log &&
	test "$(stages pin2.log | cut -d" " -f1-2)" = "0 0"
'

test_done
