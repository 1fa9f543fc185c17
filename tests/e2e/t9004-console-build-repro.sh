#!/bin/sh
# `livec build --format tar examples/console` from the real mirror, twice,
# under different conditions: build directory (and its length), TZ, locale,
# umask, hostname (own UTS namespace), wall-clock date (faketime, carried
# into the sandbox).  The tarballs must be byte-identical; the tree must be
# what the lock says.  Built rootless (a user with subordinate ids), the ISO
# and the tarball are the same bytes as root's.
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

test_done
