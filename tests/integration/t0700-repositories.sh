#!/bin/sh
# Extra repositories and local packages, offline: a vendor archive signed by
# a key of its own, a backports-like suite (NotAutomatic, ButAutomaticUpgrades)
# and a directory of .debs go through the same lock, proof and license
# inventory as the distribution's own suite; who may sign each is checked,
# apt's pin priorities pick the candidates, and a changed local file makes
# the lock stale and is refused by fetch.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$(dirname "$0")/../lib/mkrepo.sh"

FPR=$(make_key archive)
VFPR=$(make_key vendor)
export_keyring "$TRASH/keyring.gpg" "$FPR"
export_keyring "$TRASH/vendor.gpg" "$VFPR"
export XDG_CACHE_HOME="$TRASH/cache"

make_repo "$TRASH/repo" lv <<'SPEC'
Package: base-ess
Version: 1.0
Architecture: amd64
Essential: yes
Priority: required

Package: tool
Version: 1.0
Architecture: amd64

Package: isolinux
Version: 6.04
Architecture: all
SPEC
sign_repo "$TRASH/repo" lv "$FPR"

# backports, on the same mirror and key: newer tool, and a package only
# there (its index, made from the shared pool, lists the others too)
make_repo "$TRASH/repo" lv-backports <<'SPEC'
Package: tool
Version: 2.0~bpo1
Architecture: amd64

Package: bp-only
Version: 1.0~bpo1
Architecture: amd64
SPEC
RELEASE_EXTRA="NotAutomatic: yes\nButAutomaticUpgrades: yes" sign_repo "$TRASH/repo" lv-backports "$FPR"

# the vendor's own archive and key
make_repo "$TRASH/vendor" stable <<'SPEC'
Package: vendor-app
Version: 3.1
Architecture: amd64
Depends: tool
SPEC
sign_repo "$TRASH/vendor" stable "$VFPR"

# a directory of our own .debs; one claims a Filename and SHA256 of its own
mkdir -p "$TRASH/debs"
make_repo "$TRASH/localsrc" x <<'SPEC'
Package: my-tool
Version: 0.1
Architecture: all
Depends: vendor-app
Filename: ../../etc/passwd
SHA256: 0000000000000000000000000000000000000000000000000000000000000000
SPEC
cp "$TRASH"/localsrc/pool/main/*.deb "$TRASH/debs/"
echo "not a package" >"$TRASH/debs/README"

# mf NAME PACKAGES REPOSITORIES -> NAME.yaml: the test suite signed by the
# archive key; PACKAGES (lines under packages:) and REPOSITORIES (items of
# distribution.repositories) as given
mf() {
	{
		cat <<-YAML
		name: $1
		distribution:
		  suite: lv
		  mirror: file://$TRASH/repo
		  updates: false
		  security: false
		  keyring: $TRASH/keyring.gpg
		  keys: [$FPR]
		YAML
		[ -z "$3" ] || printf '  repositories:\n%s\n' "$3"
		printf 'packages:\n  boot: [isolinux]\n%s\n' "$2"
	} >"$TRASH/$1.yaml"
}
vendor="  - {name: vendor, uri: file://$TRASH/vendor, suite: stable, keyring: vendor.gpg, keys: [$VFPR]}"
backports="  - {suite: lv-backports}"
both="$vendor
$backports"

test_expect_success 'a vendor repository with its own key and a local directory are locked' '
	mf all "  install: [my-tool]
  local: debs" "$both" &&
	cat all.yaml &&
	"$LIVEC" lock --lockfile all.lock all.yaml &&
	test "$(field all.lock rootfs vendor-app repository)" = vendor &&
	test "$(field all.lock rootfs my-tool repository)" = local &&
	test "$(field all.lock rootfs my-tool filename)" = my-tool_0.1_all.deb &&
	test "$(field all.lock rootfs my-tool sha256)" = "$(sha256sum debs/my-tool_0.1_all.deb | cut -d" " -f1)" &&
	test "$(field all.lock repositories vendor mirror)" = repository &&
	test "$(field all.lock repositories vendor signed-by)" = "$VFPR" &&
	test "$(field all.lock repositories vendor priority)" = 500 &&
	test "$(field all.lock repositories lv-backports priority)" = 100 &&
	test "$(field all.lock repositories local mirror)" = local &&
	test -z "$(field all.lock repositories local inrelease-sha256)"
'

test_expect_success 'their packages are in the license inventory' '
	test "$(field all.lock rootfs vendor-app license)" = MIT &&
	test "$(field all.lock rootfs my-tool license)" = MIT &&
	"$LIVEC" audit-licenses --lockfile all.lock all.yaml >audit.out &&
	grep -q "vendor-app" audit.out && grep -q "my-tool" audit.out
'

test_expect_success 'the SBOM names the repository each package came from' '
	"$LIVEC" audit-licenses --format spdx --lockfile all.lock all.yaml >sbom.json &&
	grep -q "repository .vendor." sbom.json && grep -q "repository .local." sbom.json
'

test_expect_success 'backports as apt pins them: only what is asked for by name/suite, or only there' '
	test "$(field all.lock rootfs tool version)" = 1.0 &&
	mf bp "  install: [tool/lv-backports, bp-only]" "$backports" &&
	"$LIVEC" lock --lockfile bp.lock bp.yaml &&
	test "$(field bp.lock rootfs tool version)" = 2.0~bpo1 &&
	test "$(field bp.lock rootfs tool repository)" = lv-backports &&
	test "$(field bp.lock rootfs bp-only version)" = 1.0~bpo1
'

test_expect_success 'name/suite for a suite livec does not read, or a package not in it: exit 1, named' '
	mf nosuite "  install: [tool/nowhere]" "" &&
	expect_code 1 "$LIVEC" lock --lockfile nosuite.lock nosuite.yaml 2>err &&
	grep_or_show "livec reads no suite .nowhere." err && test ! -e nosuite.lock &&
	mf notthere "  install: [tool/vendor]" "$vendor" &&
	expect_code 1 "$LIVEC" lock --lockfile notthere.lock notthere.yaml 2>err &&
	grep_or_show "package .tool. is not in suite .vendor." err && test ! -e notthere.lock
'

test_expect_success 'a vendor repository signed by another key than the one named is refused' '
	mf wrongkey "  install: [vendor-app]" \
		"  - {name: vendor, uri: file://$TRASH/vendor, suite: stable, keyring: vendor.gpg, keys: [$FPR]}" &&
	expect_code 1 "$LIVEC" lock --lockfile wrongkey.lock wrongkey.yaml 2>err &&
	grep_or_show "vendor/dists/stable/InRelease.: signed only by keys that are not allowed" err && test ! -e wrongkey.lock
'

test_expect_success 'a repository that is not Debian'"'"'s must say who signs it; names are its own' '
	mf nokey "" "  - {uri: file://$TRASH/vendor, suite: stable}" &&
	expect_code 2 "$LIVEC" lock --lockfile nokey.lock nokey.yaml 2>err &&
	grep_or_show "nokey.yaml:[0-9]*:[0-9]*: .*say which keyring and which keys sign it" err &&
	mf clash "" "  - {suite: lv}" &&
	expect_code 2 "$LIVEC" lock --lockfile clash.lock clash.yaml 2>err &&
	grep_or_show "has the name of a suite livec uses already" err &&
	mf baduri "" "  - {uri: \"https://x/\$(reboot)\", suite: s, keyring: vendor.gpg, keys: [$VFPR]}" &&
	expect_code 2 "$LIVEC" lock --lockfile baduri.lock baduri.yaml 2>err &&
	grep_or_show "invalid repository uri" err
'

test_expect_success 'the lock is fresh; fetch re-proves every pin, the local ones against the directory' '
	"$LIVEC" lock --check --lockfile all.lock all.yaml &&
	"$LIVEC" fetch --lockfile all.lock all.yaml 2>err
'

test_expect_success 'a lock edited to pin another local file: fetch names it, exit 1, nothing changed' '
	cp all.lock all.lock.orig &&
	sed "/^  my-tool:/,/^  [^ ]/ s/^    sha256: .*/    sha256: \"$(printf %064d 7)\"/" all.lock.orig >edited.lock &&
	! cmp -s edited.lock all.lock.orig &&
	expect_code 1 "$LIVEC" fetch --lockfile edited.lock all.yaml 2>err &&
	grep_or_show "package .my-tool. version .0.1. (all): the lock.s SHA256 is not what packages.local" err &&
	cmp all.lock all.lock.orig
'

test_expect_success 'a lock edited to call a signed suite local is refused by the proof' '
	awk "/^repositories:/ { r = 1 } r && /^  lv:/ { s = 1 } s && /^    mirror:/ { print \"    mirror: \\\"local\\\"\"; s = 0; next } { print }" \
		all.lock >mirror.lock && grep -q "mirror: \"local\"" mirror.lock &&
	expect_code 1 "$LIVEC" fetch --lockfile mirror.lock all.yaml 2>err &&
	grep_or_show "the lock says suite .lv. is served by .local., the manifest by .primary." err
'

test_expect_success 'a changed local .deb makes the lock stale: lock --check and fetch exit 3' '
	cp all.lock all.lock.orig &&
	make_repo "$TRASH/localsrc2" x <<-SPEC &&
	Package: my-tool
	Version: 0.1
	Architecture: all
	Depends: vendor-app
	Description: changed behind the lock
	SPEC
	cp "$TRASH"/localsrc2/pool/main/my-tool_0.1_all.deb debs/my-tool_0.1_all.deb &&
	expect_code 3 "$LIVEC" lock --check --lockfile all.lock all.yaml &&
	expect_code 3 "$LIVEC" fetch --lockfile all.lock all.yaml 2>err &&
	grep_or_show "is stale" err && cmp all.lock all.lock.orig
'

test_expect_success 'a directory whose path has %, # and a space works' '
	mkdir -p "odd dir%41#" && cp debs/my-tool_0.1_all.deb "odd dir%41#/" &&
	mf pct "  install: [my-tool]
  local: \"odd dir%41#\"" "$vendor" &&
	"$LIVEC" lock --lockfile pct.lock pct.yaml && "$LIVEC" fetch --lockfile pct.lock pct.yaml
'

test_expect_success 'a local .deb whose control file repeats a field is refused: index and proof must read the same' '
	mkdir -p dup && craft_deb dup dup-tool 1.0 "Version: 9.0\n" &&
	cp dup/pool/main/dup-tool_1.0_all.deb dup/ &&
	mf dupm "  install: [dup-tool]
  local: dup/" "" &&
	expect_code 1 "$LIVEC" lock --lockfile dup.lock dupm.yaml 2>err &&
	grep_or_show "dup-tool_1.0_all.deb: its control file is not a plain paragraph" err && test ! -e dup.lock
'

test_expect_success 'a .deb name that is not plain is refused, named' '
	mkdir -p odd && cp debs/my-tool_0.1_all.deb "odd/my tool.deb" &&
	mf odd "  install: [my-tool]
  local: odd" "$vendor" &&
	expect_code 1 "$LIVEC" lock --lockfile odd.lock odd.yaml 2>err &&
	grep_or_show "my tool.deb" err && test ! -e odd.lock
'

test_done
