#!/bin/sh
# Bad input ends with exit code 1 or 2, one clear message, and no lockfile
# written or changed: unsatisfiable and unknown requests, tampered or
# wrongly signed InRelease, index hash mismatch, bad manifests; and for
# `livec fetch`, truncated, corrupted and missing .debs.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$(dirname "$0")/../lib/mkrepo.sh"

FPR=$(make_key archive)
OTHER=$(make_key stranger)
export_keyring "$TRASH/keyring.gpg" "$FPR" "$OTHER"
make_repo "$TRASH/repo" lv <<'SPEC'
Package: base
Version: 1.0
Architecture: amd64
Essential: yes
Priority: required

Package: hello
Version: 2.10
Architecture: amd64
Depends: base

Package: broken
Version: 1.0
Architecture: amd64
Depends: not-there-anywhere (>= 2)

Package: fights
Version: 1.0
Architecture: amd64
Conflicts: base
SPEC
sign_repo "$TRASH/repo" lv "$FPR"
cp -r "$TRASH/repo" "$TRASH/pristine"
export XDG_CACHE_HOME="$TRASH/cache"

manifest() { repo_manifest "$1" lv "boot: []" "install: [$2]"; }
restore() { rm -rf "$TRASH/repo" && cp -r "$TRASH/pristine" "$TRASH/repo"; }

test_expect_success 'setup: a good lockfile to protect' '
	manifest good hello &&
	"$LIVEC" lock --lockfile good.lock good.yaml && cp good.lock good.orig
'

test_expect_success 'an InRelease of another suite, correctly signed, is refused; the lock stays' '
	RELEASE_SUITE=oldlv sign_repo "$TRASH/repo" lv "$FPR" &&
	expect_code 1 "$LIVEC" lock --update --lockfile good.lock good.yaml 2>err &&
	grep_or_show "is for suite .oldlv. (codename .oldlv.), not .lv.: refused" err &&
	cmp good.lock good.orig && restore
'

test_expect_success 'metadata older than the lock is refused (a replay), unless --allow-older' '
	RELEASE_DATE="Mon, 13 Nov 2023 22:13:20 UTC" sign_repo "$TRASH/repo" lv "$FPR" &&
	expect_code 1 "$LIVEC" lock --update --lockfile good.lock good.yaml 2>err &&
	grep_or_show "suite .lv.: the mirror.s metadata (Date: Mon, 13 Nov 2023 22:13:20 UTC) is older than the lock.s" err &&
	cmp good.lock good.orig &&
	cp good.lock older.lock &&
	"$LIVEC" lock --update --allow-older --lockfile older.lock good.yaml 2>err &&
	grep -q "date: \"Mon, 13 Nov 2023" older.lock &&
	grep_or_show "^    rolled-back-from: \"Tue, 14 Nov 2023 22:13:20 UTC\"$" older.lock &&
	! grep -q rolled-back good.lock && restore
'

test_expect_success 'an expired Valid-Until is refused, unless distribution.snapshot says the mirror serves the past' '
	RELEASE_VALID_UNTIL="Wed, 15 Nov 2023 22:13:20 UTC" sign_repo "$TRASH/repo" lv "$FPR" &&
	expect_code 1 "$LIVEC" lock --update --lockfile good.lock good.yaml 2>err &&
	grep_or_show "InRelease of suite .lv. expired on Wed, 15 Nov 2023 22:13:20 UTC (Valid-Until)" err &&
	grep_or_show "distribution.snapshot: true if it is meant" err &&
	cmp good.lock good.orig &&
	sed "s/^  keys:/  snapshot: true\n  keys:/" good.yaml >snap.yaml &&
	"$LIVEC" lock --lockfile snap.lock snap.yaml 2>err &&
	grep_or_show "suite .lv.: its Valid-Until (Wed, 15 Nov 2023 22:13:20 UTC) has passed; accepted" err &&
	grep_or_show "^    snapshot: true$" snap.lock &&
	grep_or_show "^    valid-until: \"Wed, 15 Nov 2023 22:13:20 UTC\"$" snap.lock &&
	"$LIVEC" lock --check --lockfile snap.lock snap.yaml &&
	expect_code 3 "$LIVEC" lock --check --lockfile snap.lock good.yaml &&
	"$LIVEC" fetch --lockfile snap.lock snap.yaml && restore
'

test_expect_success 'unsatisfiable request: exit 1, names the packages, no lockfile' '
	manifest unsat broken &&
	expect_code 1 "$LIVEC" lock --lockfile unsat.lock unsat.yaml 2>err &&
	grep_or_show "cannot satisfy" err && grep_or_show "broken" err &&
	grep_or_show "not-there-anywhere" err && test ! -e unsat.lock
'

test_expect_success 'conflicting request is explained' '
	manifest conflict fights &&
	expect_code 1 "$LIVEC" lock --lockfile conflict.lock conflict.yaml 2>err &&
	grep_or_show "fights" err && grep_or_show "conflicts" err && test ! -e conflict.lock
'

test_expect_success 'unknown package: exit 1 at its manifest line, with a suggestion' '
	manifest unknown helo &&
	expect_code 1 "$LIVEC" lock --lockfile unknown.lock unknown.yaml 2>err &&
	grep_or_show "unknown.yaml:11:13: error: unknown package .helo." err &&
	grep_or_show "did you mean .hello." err && test ! -e unknown.lock
'

test_expect_success 'a pin to a version that does not exist lists the versions' '
	manifest badpin hello=9.9 &&
	expect_code 1 "$LIVEC" lock --lockfile badpin.lock badpin.yaml 2>err &&
	grep_or_show "no version .9.9." err && grep_or_show "available: 2.10" err
'

test_expect_success 'tampered InRelease: refused, lockfile unchanged' '
	sed -i "s/^Codename: lv/Codename: xx/" repo/dists/lv/InRelease &&
	expect_code 1 "$LIVEC" lock --update --lockfile good.lock good.yaml 2>err &&
	grep_or_show "InRelease" err && grep_or_show "bad signature" err &&
	cmp good.lock good.orig && restore
'

test_expect_success 'InRelease signed by a key that is not allowed: refused' '
	sign_repo repo lv "$OTHER" &&
	expect_code 1 "$LIVEC" lock --update --lockfile good.lock good.yaml 2>err &&
	grep_or_show "not allowed: $OTHER" err && cmp good.lock good.orig && restore
'

test_expect_success 'InRelease signed by a key outside the keyring: refused' '
	export_keyring other.gpg "$OTHER" &&
	sed -i "s|keyring: .*|keyring: $TRASH/other.gpg|" good.yaml &&
	expect_code 1 "$LIVEC" lock --update --lockfile good.lock good.yaml 2>err &&
	grep_or_show "not in the keyring" err && cmp good.lock good.orig &&
	sed -i "s|keyring: .*|keyring: $TRASH/keyring.gpg|" good.yaml
'

test_expect_success 'Packages index that does not match Release: refused' '
	rm -rf cache &&
	echo "Package: evil" >>repo/dists/lv/main/binary-amd64/Packages &&
	xz -9 -k -f repo/dists/lv/main/binary-amd64/Packages &&
	expect_code 1 "$LIVEC" lock --update --lockfile good.lock good.yaml 2>err &&
	grep_or_show "does not match Release" err && cmp good.lock good.orig && restore
'

test_expect_success 'malformed manifest: exit 2, every error listed, no lockfile' '
	printf "name: bad\ndistribution: {suite: lv, architecture: amd65}\npackages: {variant: tiny}\n" >bad.yaml &&
	expect_code 2 "$LIVEC" lock --lockfile bad.lock bad.yaml 2>err &&
	grep_or_show "bad.yaml:2:41: error: unknown architecture" err &&
	grep_or_show "bad.yaml:3:21: error: unknown variant" err && test ! -e bad.lock
'

test_expect_success 'fetch: all locked packages land in the cache, verified' '
	"$LIVEC" fetch --lockfile good.lock good.yaml 2>err &&
	sha=$(sha256sum <repo/pool/main/hello_2.10_amd64.deb | cut -d" " -f1) &&
	cmp repo/pool/main/hello_2.10_amd64.deb cache/livec/sha256/$(echo $sha | cut -c1-2)/$sha
'

test_expect_success 'fetch: truncated .deb is refused and not cached' '
	rm -rf cache/livec/sha256 &&
	truncate -s 100 repo/pool/main/hello_2.10_amd64.deb &&
	expect_code 1 "$LIVEC" fetch --lockfile good.lock good.yaml 2>err &&
	grep_or_show "package .hello. version .2.10.: .*truncated" err &&
	sha=$(sha256sum <pristine/pool/main/hello_2.10_amd64.deb | cut -d" " -f1) &&
	test ! -e cache/livec/sha256/$(echo $sha | cut -c1-2)/$sha &&
	test -z "$(find cache -name "*.part.*")" && restore
'

test_expect_success 'fetch: corrupted .deb of the right size is refused' '
	rm -rf cache/livec/sha256 &&
	printf "X" | dd of=repo/pool/main/hello_2.10_amd64.deb bs=1 seek=200 conv=notrunc 2>/dev/null &&
	expect_code 1 "$LIVEC" fetch --lockfile good.lock good.yaml 2>err &&
	grep_or_show "SHA256 mismatch" err && restore
'

test_expect_success 'fetch: .deb gone from the mirror names package, version and way out' '
	rm -rf cache/livec/sha256 &&
	rm repo/pool/main/hello_2.10_amd64.deb &&
	expect_code 1 "$LIVEC" fetch --lockfile good.lock good.yaml 2>err &&
	grep_or_show "package .hello. version .2.10. is no longer on the mirror" err &&
	grep_or_show "livec lock --update" err && restore
'

test_expect_success 'fetch: a damaged cache entry is detected and fetched again' '
	"$LIVEC" fetch --lockfile good.lock good.yaml &&
	blob=$(find cache/livec/sha256 -type f | head -1) &&
	echo garbage >"$blob" &&
	"$LIVEC" fetch --lockfile good.lock good.yaml &&
	test "$(sha256sum <"$blob" | cut -d" " -f1)" = "$(basename "$blob")"
'

# edit_pin LOCK PACKAGE KEY VALUE: what a hand edit of the lock does
edit_pin() {
	awk -v pkg="  $2:" -v key="    $3:" -v val="$4" '
		/^[^ ]/ || /^  [^ ]/ { in_pkg = ($0 == pkg) }
		in_pkg && index($0, key) == 1 { $0 = key " " val }
		{ print }' "$1" >"$1.new" && mv "$1.new" "$1"
}

test_expect_success 'the InRelease a lock names stays in the cache, and proves the pins offline' '
	restore && "$LIVEC" fetch --lockfile good.lock good.yaml &&
	ir=$(sed -n "s/^    inrelease-sha256: \"\(.*\)\"/\1/p" good.lock) &&
	cmp repo/dists/lv/InRelease "cache/livec/sha256/$(echo $ir | cut -c1-2)/$ir" &&
	mv repo offline && "$LIVEC" -v fetch --lockfile good.lock good.yaml 2>err &&
	mv offline repo &&
	grep_or_show "re-proved 2 pins from the lock.s signed metadata, 0 from the mirror.s newer metadata; 0 could not be" err
'

test_expect_success 'fetch: a pin to a file of the mirror that the signed index does not list fails, naming the package' '
	printf "Package: hello\nVersion: 2.9\nArchitecture: amd64\n" | make_repo "$TRASH/other" lv &&
	cp other/pool/main/hello_2.9_amd64.deb repo/pool/main/ &&
	cp good.lock pinned.lock &&
	edit_pin pinned.lock hello version "\"2.9\"" &&
	edit_pin pinned.lock hello filename "\"pool/main/hello_2.9_amd64.deb\"" &&
	edit_pin pinned.lock hello size "$(stat -c %s repo/pool/main/hello_2.9_amd64.deb)" &&
	sha=$(sha256sum <repo/pool/main/hello_2.9_amd64.deb | cut -d" " -f1) &&
	edit_pin pinned.lock hello sha256 "\"$sha\"" &&
	cp pinned.lock pinned.orig &&
	expect_code 1 "$LIVEC" fetch --lockfile pinned.lock good.yaml 2>err &&
	grep_or_show "package .hello. version .2.9. (amd64) is not in the signed index of suite .lv." err &&
	cmp pinned.lock pinned.orig &&
	test ! -e "cache/livec/sha256/$(echo $sha | cut -c1-2)/$sha" &&
	mkdir -p pinned && (cd pinned && expect_code 1 "$LIVEC" build --lockfile ../pinned.lock ../good.yaml) 2>err &&
	grep_or_show "package .hello. version .2.9. (amd64) is not in the signed index" err &&
	test -z "$(find pinned -name "*.iso")" && restore
'

test_expect_success 'fetch: a changed SHA256 or index hash in the lock fails the proof, naming what' '
	cp good.lock edited.lock &&
	edit_pin edited.lock hello sha256 "\"$(printf %064d 0)\"" &&
	expect_code 1 "$LIVEC" fetch --lockfile edited.lock good.yaml 2>err &&
	grep_or_show "package .hello. version .2.10. (amd64): the lock.s SHA256 is not what the signed index of suite .lv. .* says" err &&
	ix=$(sed -n "/^      - path:/,/sha256/ s/^        sha256: \"\(.*\)\"/\1/p" good.lock) &&
	sed "s/$ix/$(printf %064d 1)/" good.lock >edited.lock &&
	expect_code 1 "$LIVEC" fetch --lockfile edited.lock good.yaml 2>err &&
	grep_or_show "suite .lv.: the lock.s index main/binary-amd64/Packages (SHA256 000000000000…) is not the one its signed InRelease lists" err
'

test_expect_success 'the mirror moved on: its newer signed metadata proves what it still lists; the rest fails unless --allow-unproved' '
	rm -rf cache/livec/sha256 &&
	RELEASE_DATE="Wed, 15 Nov 2023 22:13:20 UTC" sign_repo "$TRASH/repo" lv "$FPR" &&
	"$LIVEC" -v fetch --lockfile good.lock good.yaml 2>err &&
	grep_or_show "re-proved 0 pins from the lock.s signed metadata, 2 from the mirror.s newer metadata; 0 could not be" err &&
	mv repo/pool/main/hello_2.10_amd64.deb . && index_repo "$TRASH/repo" lv &&
	mv hello_2.10_amd64.deb repo/pool/main/ &&
	RELEASE_DATE="Thu, 16 Nov 2023 22:13:20 UTC" sign_repo "$TRASH/repo" lv "$FPR" &&
	expect_code 1 "$LIVEC" fetch --lockfile good.lock good.yaml 2>err &&
	grep_or_show "error: package .hello. version .2.10. (amd64) cannot be re-proved: .*--allow-unproved" err &&
	"$LIVEC" fetch --allow-unproved --lockfile good.lock good.yaml 2>err &&
	grep_or_show "warning: package .hello. version .2.10. (amd64) cannot be re-proved" err && restore
'

test_expect_success 'a lock whose InRelease hash was edited cannot slip through the newer-metadata path, nor name a path' '
	rm -rf cache/livec/sha256 && cp good.lock edited.lock &&
	ir=$(sed -n "s/^    inrelease-sha256: \"\(.*\)\"/\1/p" good.lock) &&
	sed -i "s/$ir/$(printf %064d 2)/" edited.lock &&
	edit_pin edited.lock hello version "\"2.9\"" &&
	expect_code 1 "$LIVEC" fetch --lockfile edited.lock good.yaml 2>err &&
	grep_or_show "package .hello. version .2.9. (amd64) cannot be re-proved" err &&
	echo precious >precious && cp good.lock edited.lock &&
	sed -i "s|$ir|../../../../../../../..$TRASH/precious|" edited.lock &&
	expect_code 1 "$LIVEC" fetch --lockfile edited.lock good.yaml 2>err &&
	grep_or_show "malformed lockfile: suite .lv. has an invalid inrelease-sha256" err &&
	test "$(cat precious)" = precious
'

test_expect_success 'a lock naming another index or signer than its InRelease fails the proof' '
	cp good.lock edited.lock &&
	sed -i "s|main/binary-amd64/Packages|contrib/binary-amd64/Packages|" edited.lock &&
	expect_code 1 "$LIVEC" fetch --lockfile edited.lock good.yaml 2>err &&
	grep_or_show "suite .lv.: what the lock says of its indexes is not what its signed InRelease and the manifest say" err &&
	cp good.lock edited.lock &&
	sed -i "s|^    signed-by: \".*\"|    signed-by: \"$OTHER\"|" edited.lock &&
	expect_code 1 "$LIVEC" fetch --lockfile edited.lock good.yaml 2>err &&
	grep_or_show "suite .lv.: what the lock says of its signed-by is not what" err
'

test_expect_success 'fetch --metadata DIR: the lock.s signed metadata next to it proves the lock where cache and mirror lost it' '
	"$LIVEC" fetch --metadata meta --lockfile good.lock good.yaml &&
	cmp meta/lv/InRelease repo/dists/lv/InRelease &&
	cmp meta/lv/main/binary-amd64/Packages repo/dists/lv/main/binary-amd64/Packages &&
	ir=$(sed -n "s/^    inrelease-sha256: \"\(.*\)\"/\1/p" good.lock) &&
	ix=$(sed -n "/^      - path:/,/sha256/ s/^        sha256: \"\(.*\)\"/\1/p" good.lock) &&
	mv repo/pool/main/hello_2.10_amd64.deb . && index_repo "$TRASH/repo" lv &&
	mv hello_2.10_amd64.deb repo/pool/main/ &&
	RELEASE_DATE="Thu, 16 Nov 2023 22:13:20 UTC" sign_repo "$TRASH/repo" lv "$FPR" &&
	rm cache/livec/sha256/*/$ir cache/livec/sha256/*/$ix &&
	"$LIVEC" -v fetch --metadata meta --lockfile good.lock good.yaml 2>err &&
	grep_or_show "re-proved 2 pins from the lock.s signed metadata, 0 from the mirror.s newer metadata" err &&
	restore
'

test_expect_success 'fetch --metadata: a suite name in the lock that is not a plain name is refused, nothing written' '
	sed "s|^  lv:\$|  ../evil:|" good.lock >evil.lock && grep -q "^  \.\./evil:" evil.lock &&
	expect_code 1 "$LIVEC" fetch --metadata meta2 --lockfile evil.lock good.yaml 2>err &&
	grep_or_show "suite .\.\./evil. or its file .InRelease. is not a plain name: refused" err &&
	test ! -e meta2 && test ! -e evil
'

test_expect_success 'fetch refuses a stale lockfile with exit 3' '
	manifest good "hello, base" &&
	expect_code 3 "$LIVEC" fetch --lockfile good.lock good.yaml 2>err &&
	grep_or_show "stale" err
'

test_expect_success 'files: a missing source and a target out of the root: both reported, before any download or install' '
	manifest files hello &&
	printf "files:\n  - {source: does/not/exist, target: /x}\n  - {source: ., target: ../../etc}\n" >>files.yaml &&
	expect_code 2 env XDG_CACHE_HOME="$TRASH/nocache" "$LIVEC" build --lockfile good.lock files.yaml 2>err &&
	grep_or_show "files.yaml:[0-9]*:[0-9]*: error: files: cannot read .does/not/exist." err &&
	grep_or_show "files.yaml:[0-9]*:[0-9]*: error: files: target .../../etc. leaves the image.s root" err &&
	test ! -e "$TRASH/nocache" && test ! -e out
'

test_expect_success 'a user without subordinate ids: one error saying how to add them, nothing built' '
	! grep -q "^nobody:" /etc/subuid &&
	"$LIVEC" lock --lockfile nobody.lock good.yaml &&
	chmod 0755 "$TRASH" && mkdir -p nobody && chown nobody: nobody &&
	(cd nobody && expect_code 1 runuser -u nobody -- env XDG_CACHE_HOME="$TRASH/nobody/cache" \
		"$LIVEC" build --lockfile ../nobody.lock ../good.yaml) 2>err &&
	grep_or_show "rootless builds need 65536 subordinate user and group ids for .nobody." err &&
	first=$(cat /etc/subuid /etc/subgid | awk -F: "BEGIN { m = 100000 } \$2 + \$3 > m { m = \$2 + \$3 } END { print m }") &&
	grep_or_show "usermod --add-subuids $first-$((first + 65535)) --add-subgids $first-$((first + 65535)) nobody" err &&
	test ! -e nobody/out
'

# system.services.keep names units livec masks; another name is an error
# at its manifest line before anything is installed
test_expect_success 'system.services.keep with a unit livec does not mask: exit 2 at its line, nothing built' '
	{ cat good.yaml; printf "system:\n  services:\n    keep: [fstrim.timer, no-such.service]\n"; } >keep.yaml &&
	"$LIVEC" lock --lockfile keep.lock keep.yaml &&
	mkdir -p keep && (cd keep && expect_code 2 "$LIVEC" build --lockfile ../keep.lock ../keep.yaml) 2>err &&
	grep_or_show "keep.yaml:[0-9]*:[0-9]*: .*system.services.keep: .no-such.service. is not a unit livec masks" err &&
	! grep -q ".fstrim.timer. is not a unit" err && test -z "$(find keep -name "*.iso" -o -name ".work")"
'

test_done
