#!/bin/sh
# livec lock against a small signed repository that the test builds itself:
# resolution rules (Essential, priorities, alternatives, virtual packages,
# Pre-Depends, pins, excludes, Recommends) and the lockfile's contract
# (identical bytes twice, --check 0/3).
. "$(dirname "$0")/../lib/test-lib.sh"
. "$(dirname "$0")/../lib/mkrepo.sh"

FPR=$(make_key archive)
export_keyring "$TRASH/keyring.gpg" "$FPR"
make_repo "$TRASH/repo" testing-lv <<'SPEC'
Package: ess-a
Version: 1.0
Architecture: amd64
Essential: yes
Priority: required
Depends: lib-one (>= 1.0)

Package: ess-b
Version: 2.0-1
Architecture: all
Essential: yes
Priority: required
Pre-Depends: pre-lib

Package: req-a
Version: 1.0
Architecture: amd64
Priority: required

Package: imp-a
Version: 1.0
Architecture: amd64
Priority: important

Package: lib-one
Version: 1.5
Architecture: amd64
Multi-Arch: same

Package: pre-lib
Version: 0.9
Architecture: amd64

Package: app
Version: 3.0
Architecture: amd64
Depends: zzz-mta | aaa-mta, virt-thing, tool:any
Recommends: rec-extra

Package: zzz-mta
Version: 1.0
Architecture: amd64
Provides: mail-transport-agent

Package: aaa-mta
Version: 1.0
Architecture: amd64
Provides: mail-transport-agent

Package: prov-one
Version: 1.0
Architecture: amd64
Provides: virt-thing

Package: tool
Version: 1.0
Architecture: amd64
Multi-Arch: allowed

Package: rec-extra
Version: 1.0
Architecture: amd64

Package: pinned
Version: 1.0
Architecture: amd64

Package: pinned
Version: 2.0
Architecture: amd64

Package: broken
Version: 1.0
Architecture: amd64
Depends: not-there-anywhere (>= 2)

Package: isolinux
Version: 6.04
Architecture: all

Package: rec-app
Version: 1.0
Architecture: amd64
Depends: rec-dep, rec-or-one | rec-or-two
Recommends: rec-alt-b | rec-alt-a, rec-virt, rec-missing, rec-broken, rec-excl

Package: rec-dep
Version: 1.0
Architecture: amd64
Recommends: rec-trans, rec-or-two

Package: rec-or-one
Version: 1.0
Architecture: amd64

Package: rec-or-two
Version: 1.0
Architecture: amd64

Package: rec-trans
Version: 1.0
Architecture: amd64
Recommends: rec-trans2

Package: rec-trans2
Version: 1.0
Architecture: all

Package: rec-alt-a
Version: 1.0
Architecture: amd64

Package: rec-alt-b
Version: 1.0
Architecture: amd64

Package: rec-virt-x
Version: 1.0
Architecture: amd64
Priority: extra
Provides: rec-virt

Package: rec-virt-y
Version: 1.0
Architecture: amd64
Priority: optional
Provides: rec-virt

Package: rec-broken
Version: 1.0
Architecture: amd64
Depends: not-in-the-archive

Package: rec-excl
Version: 1.0
Architecture: amd64
SPEC
sign_repo "$TRASH/repo" testing-lv "$FPR"

manifest() {
	_name=$1
	shift
	repo_manifest "$_name" testing-lv "boot: [isolinux]" "$@"
}

export XDG_CACHE_HOME="$TRASH/cache"

test_expect_success 'minbase: Essential and Priority required, not important' '
	manifest base "variant: minbase" &&
	"$LIVEC" lock --lockfile base.lock base.yaml &&
	test "$(field base.lock rootfs ess-a reason)" = essential &&
	test "$(field base.lock rootfs req-a reason)" = "priority required" &&
	! in_set base.lock rootfs imp-a &&
	! in_set base.lock rootfs app
'

test_expect_success 'variant essential leaves out Priority required; important adds it' '
	manifest ess "variant: essential" &&
	"$LIVEC" lock --lockfile ess.lock ess.yaml &&
	in_set ess.lock rootfs ess-b && ! in_set ess.lock rootfs req-a &&
	manifest imp "variant: important" &&
	"$LIVEC" lock --lockfile imp.lock imp.yaml &&
	test "$(field imp.lock rootfs imp-a reason)" = "priority important"
'

test_expect_success 'dependencies and Pre-Depends are pulled in, with their reason' '
	test "$(field base.lock rootfs lib-one reason)" = "dependency of ess-a (lib-one >= 1.0)" &&
	test "$(field base.lock rootfs pre-lib reason)" = "dependency of ess-b (pre-lib)"
'

test_expect_success 'a | b takes the first alternative, as apt does' '
	manifest alt "install: [app]" &&
	"$LIVEC" lock --lockfile alt.lock alt.yaml &&
	in_set alt.lock rootfs zzz-mta &&
	! in_set alt.lock rootfs aaa-mta &&
	field alt.lock rootfs zzz-mta reason | grep -q "alternative chosen for app"
'

test_expect_success 'virtual packages and Multi-Arch :any resolve to their providers' '
	in_set alt.lock rootfs prov-one && in_set alt.lock rootfs tool
'

test_expect_success 'a virtual package asked for by name: its one provider, or an error listing several (as apt-get)' '
	manifest virt-one "install: [virt-thing]" &&
	"$LIVEC" lock --lockfile virt-one.lock virt-one.yaml && in_set virt-one.lock rootfs prov-one &&
	manifest virt-two "install: [mail-transport-agent]" &&
	expect_code 1 "$LIVEC" lock --lockfile virt-two.lock virt-two.yaml 2>err &&
	grep_or_show "virt-two.yaml:[0-9]*:[0-9]*: error: .mail-transport-agent. in .packages.install. is a virtual package provided by aaa-mta, zzz-mta" err &&
	test ! -e virt-two.lock
'

test_expect_success 'Recommends are left out unless recommends: true' '
	! in_set alt.lock rootfs rec-extra &&
	manifest rec "install: [app]" "recommends: true" &&
	"$LIVEC" lock --lockfile rec.lock rec.yaml &&
	test "$(field rec.lock rootfs rec-extra reason)" = "recommended by app"
'

test_expect_success 'recommends: true follows Recommends as apt does: depth first, in written order' '
	manifest recs "install: [rec-app]" "recommends: true" "exclude: [rec-excl]" &&
	"$LIVEC" lock --lockfile recs.lock recs.yaml 2>recs.err &&
	# transitive, also from a dependency
	test "$(field recs.lock rootfs rec-trans reason)" = "recommended by rec-dep" &&
	test "$(field recs.lock rootfs rec-trans2 reason)" = "recommended by rec-trans" &&
	# an or-group: the first alternative written, not the first by name
	in_set recs.lock rootfs rec-alt-b && ! in_set recs.lock rootfs rec-alt-a &&
	# a virtual package: the provider with the higher Priority
	in_set recs.lock rootfs rec-virt-y && ! in_set recs.lock rootfs rec-virt-x &&
	# depth first: rec-dep, and what it recommends, before the next group of
	# rec-app: rec-or-two, recommended, then meets "rec-or-one | rec-or-two"
	test "$(field recs.lock rootfs rec-or-two reason)" = "recommended by rec-dep" &&
	! in_set recs.lock rootfs rec-or-one &&
	# unknown, uninstallable and excluded recommendations are left out
	! in_set recs.lock rootfs rec-broken && ! in_set recs.lock rootfs rec-excl &&
	test "$(field recs.lock rootfs rec-dep reason)" = "dependency of rec-app (rec-dep)" &&
	! grep -q warning recs.err || { cat recs.err; exit 1; }
'

test_expect_success 'lock --explain with Recommends: the chain, the alternative and the provider taken instead' '
	"$LIVEC" lock --explain rec-trans2 --lockfile recs.lock recs.yaml >out &&
	grep_or_show "^  rec-app depends on rec-dep (rec-dep)$" out &&
	grep_or_show "^  rec-dep recommends rec-trans (rec-trans)$" out &&
	grep_or_show "^  rec-trans recommends rec-trans2 (rec-trans2)$" out &&
	"$LIVEC" lock --explain rec-alt-a --lockfile recs.lock recs.yaml >out &&
	grep_or_show "met by rec-alt-b, an earlier alternative" out &&
	"$LIVEC" lock --explain rec-or-one --lockfile recs.lock recs.yaml >out &&
	grep_or_show "met by rec-or-two, a later alternative that was already there (recommended by rec-dep)" out &&
	"$LIVEC" lock --explain rec-virt-x --lockfile recs.lock recs.yaml >out &&
	grep_or_show "met by rec-virt-y, which also provides it (apt.s choice" out &&
	"$LIVEC" lock --explain rec-broken --lockfile recs.lock recs.yaml >out &&
	grep_or_show "met by nothing in the lock" out
'

test_expect_success 'exclude keeps a package out' '
	manifest exc "install: [app]" "recommends: true" "exclude: [rec-extra]" &&
	"$LIVEC" lock --lockfile exc.lock exc.yaml &&
	! in_set exc.lock rootfs rec-extra && in_set exc.lock rootfs app
'

test_expect_success 'name=version pins a version; otherwise the newest wins' '
	manifest newest "install: [pinned]" &&
	"$LIVEC" lock --lockfile newest.lock newest.yaml &&
	test "$(field newest.lock rootfs pinned version)" = 2.0 &&
	manifest pin "install: [pinned=1.0]" &&
	"$LIVEC" lock --lockfile pin.lock pin.yaml &&
	test "$(field pin.lock rootfs pinned version)" = 1.0
'

test_expect_success 'the boot set is resolved apart from the rootfs' '
	test "$(field base.lock boot isolinux reason)" = "boot media" &&
	! in_set base.lock rootfs isolinux
'

test_expect_success 'lockfile records hashes, sizes and relative filenames' '
	f=$(field base.lock rootfs ess-a filename) &&
	test "$f" = pool/main/ess-a_1.0_amd64.deb &&
	test "$(field base.lock rootfs ess-a sha256)" = "$(sha256sum <repo/$f | cut -d" " -f1)" &&
	test "$(field base.lock rootfs ess-a size)" = "$(stat -c %s repo/$f)" &&
	grep -q "signed-by: \"$FPR\"" base.lock &&
	grep -q "^source-date-epoch: 1700000000$" base.lock &&
	! grep -q "file://" base.lock
'

test_expect_success 'locking twice gives identical bytes' '
	cp alt.lock alt.first &&
	"$LIVEC" lock --update --lockfile alt.lock alt.yaml &&
	cmp alt.first alt.lock
'

test_expect_success 'lock --check: 0 when fresh, 3 after packages.install changes' '
	"$LIVEC" lock --check --lockfile alt.lock alt.yaml &&
	manifest alt "install: [app, pinned]" &&
	expect_code 3 "$LIVEC" lock --check --lockfile alt.lock alt.yaml 2>err &&
	grep_or_show "stale" err &&
	cmp alt.first alt.lock
'

test_expect_success 'without --update a fresh lockfile is kept as it is' '
	manifest alt "install: [app]" &&
	"$LIVEC" lock --lockfile alt.lock alt.yaml 2>err &&
	grep_or_show "up to date" err && cmp alt.first alt.lock
'

test_expect_success 'include: a fragment is part of the request; editing it makes the lock stale' '
	mkdir -p frag && printf "packages:\n  install: [app]\n" >frag/apps.yaml &&
	manifest inc "variant: minbase" &&
	printf "include: [frag/apps.yaml]\n" >>inc.yaml &&
	"$LIVEC" lock --lockfile inc.lock inc.yaml &&
	in_set inc.lock rootfs app &&
	"$LIVEC" lock --check --lockfile inc.lock inc.yaml &&
	printf "packages:\n  install: [app, pinned]\n" >frag/apps.yaml &&
	expect_code 3 "$LIVEC" lock --check --lockfile inc.lock inc.yaml 2>err &&
	grep_or_show "stale" err
'

test_expect_success 'include: a mistake in a fragment is reported at its line, before any download' '
	printf "packages:\n  instal: [app]\n" >frag/apps.yaml &&
	rm -rf "$XDG_CACHE_HOME.bad" &&
	expect_code 2 env XDG_CACHE_HOME="$XDG_CACHE_HOME.bad" "$LIVEC" lock --lockfile inc2.lock inc.yaml 2>err &&
	grep_or_show "frag/apps.yaml:2:3: error: unknown key .instal. in packages" err &&
	test ! -e inc2.lock && test ! -e "$XDG_CACHE_HOME.bad/indexes"
'

test_expect_success 'the examples on fragments still have the locks they had (same request)' '
	for e in demo-x hardware; do
		"$LIVEC" lock --check "$TEST_ROOT/examples/$e/livec.yaml" || return 1
	done
'

test_expect_success 'lock --explain: a package in the lock, with the chain that brought it in' '
	"$LIVEC" lock --explain lib-one --lockfile alt.lock alt.yaml >out 2>err &&
	grep_or_show "^lib-one 1.5 is in the lock (rootfs): dependency of ess-a (lib-one >= 1.0)$" out &&
	grep_or_show "^  ess-a: essential$" out &&
	grep_or_show "^  ess-a depends on lib-one (lib-one >= 1.0)$" out &&
	"$LIVEC" lock --explain tool --lockfile alt.lock alt.yaml >out &&
	grep_or_show "^  app: manifest$" out && grep_or_show "^  app depends on tool (tool:any)$" out &&
	! grep -q "reading the mirror" err
'

test_expect_success 'lock --explain: why a package is not in the lock' '
	"$LIVEC" lock --explain aaa-mta --lockfile alt.lock alt.yaml >out &&
	grep_or_show "^aaa-mta is not in the lock$" out &&
	grep_or_show "app depends on .zzz-mta | aaa-mta.: met by zzz-mta, an earlier alternative" out &&
	"$LIVEC" lock --explain rec-extra --lockfile alt.lock alt.yaml >out &&
	grep_or_show "app recommends .rec-extra.: the manifest has recommends: false" out &&
	"$LIVEC" lock --explain rec-extra --lockfile exc.lock exc.yaml >out &&
	grep_or_show "^rec-extra is not in the lock: packages.exclude names it (line [0-9]*)$" out &&
	"$LIVEC" lock --explain imp-a --lockfile alt.lock alt.yaml >out &&
	grep_or_show "nothing in the lock depends on, recommends or suggests it" out &&
	"$LIVEC" lock --explain no-such-package --lockfile alt.lock alt.yaml >out &&
	grep_or_show "no package of the lock.s repositories has that name or provides it" out
'

test_expect_success 'a warm lock downloads no index again' '
	rm -f repo/dists/testing-lv/main/binary-amd64/Packages* &&
	"$LIVEC" lock --update --lockfile alt.lock alt.yaml &&
	cmp alt.first alt.lock
'

test_done
