#!/bin/sh
# The license inventory in the lockfile and `livec audit-licenses`, on a
# repository the test builds: DEP-5, a common-licenses reference only, no
# license text, a doc-directory symlink; policies that hold and fail; the
# JSON and SPDX outputs (SPDX validated against tests/spdx/).
. "$(dirname "$0")/../lib/test-lib.sh"
. "$(dirname "$0")/../lib/mkrepo.sh"

VALIDATE="/usr/bin/python3 $TEST_ROOT/tests/spdx/validate.py"
FPR=$(make_key archive)
export_keyring "$TRASH/keyring.gpg" "$FPR"
cat >"$TRASH/gpl3.copyright" <<'TXT'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
Copyright: 2026 Example
License: GPL-3+

Files: doc/*
Copyright: 2026 Example
License: GFDL-1.3+, and CC-BY-4.0
TXT
cat >"$TRASH/oldstyle.copyright" <<'TXT'
This package is free software; you can redistribute it under the terms of
the GNU General Public License, version 2 or (at your option) any later version.
On Debian systems see /usr/share/common-licenses/GPL-2.
TXT
cat >"$TRASH/vague.copyright" <<'TXT'
Copyright 1990 Nobody.  All rights reserved, maybe.
TXT
make_repo "$TRASH/repo" lv <<SPEC
Package: base
Version: 1.0
Architecture: amd64
Essential: yes
Priority: required

Package: gplapp
Version: 1.0
Architecture: amd64
Maintainer: Jane Doe <jane@example.org>
X-Copyright: $TRASH/gpl3.copyright

Package: oldapp
Version: 1.0
Architecture: amd64
X-Copyright: $TRASH/oldstyle.copyright
X-File: bin/oldapp

Package: vague
Version: 1.0
Architecture: amd64
X-Copyright: $TRASH/vague.copyright

Package: libgplapp1
Version: 1.0
Architecture: amd64
Depends: gplapp
X-Doc-Link: gplapp

Package: orphanlink
Version: 1.0
Architecture: amd64
X-Doc-Link: not-in-the-lock

Package: bootthing
Version: 1.0
Architecture: all
SPEC
sign_repo "$TRASH/repo" lv "$FPR"
export XDG_CACHE_HOME="$TRASH/cache"

field() {
	awk -v set="$2:" -v pkg="  $3:" -v key="    $4:" '
		/^[a-z]/ { inset = ($1 == set) }
		inset && /^  [^ ]/ { inpkg = ($0 == pkg) }
		inset && inpkg && index($0, key) == 1 { sub(/^[^:]*: /, ""); gsub(/"/, ""); print }' "$1"
}
policy_file() { # NAME then lines -> appended under licenses:
	_n=$1
	shift
	repo_manifest "$_n" lv "boot: [bootthing]" "install: [gplapp, oldapp, vague, libgplapp1]"
	printf 'licenses:\n' >>"$TRASH/$_n.yaml"
	for l in "$@"; do printf '  %s\n' "$l" >>"$TRASH/$_n.yaml"; done
}

test_expect_success 'lock records a license for every package, with its method' '
	policy_file open "deny: []" &&
	"$LIVEC" lock --lockfile open.lock open.yaml 2>err &&
	grep_or_show "licenses: 4 dep5, 1 common-licenses-reference, 0 text-match, 1 none" err &&
	test "$(field open.lock rootfs gplapp license)" = "GPL-3.0-or-later AND GFDL-1.3-or-later AND CC-BY-4.0"
'

test_expect_success 'each method is recorded as found' '
	test "$(field open.lock rootfs gplapp license-method)" = dep5 &&
	test "$(field open.lock rootfs oldapp license)" = GPL-2.0-or-later &&
	test "$(field open.lock rootfs oldapp license-method)" = common-licenses-reference &&
	test "$(field open.lock rootfs vague license)" = NOASSERTION &&
	test "$(field open.lock rootfs vague license-method)" = none &&
	test "$(field open.lock rootfs vague copyright-sha256)" = "$(sha256sum <vague.copyright | cut -d" " -f1)" &&
	test "$(field open.lock boot bootthing license)" = MIT
'

test_expect_success 'a doc-directory symlink takes the target package license' '
	test "$(field open.lock rootfs libgplapp1 copyright-from)" = gplapp &&
	test "$(field open.lock rootfs libgplapp1 license)" = "$(field open.lock rootfs gplapp license)"
'

test_expect_success 'a symlink to a package outside the lock is NOASSERTION, with a warning' '
	repo_manifest orphan lv "boot: []" "install: [orphanlink]" &&
	"$LIVEC" lock --lockfile orphan.lock orphan.yaml 2>err &&
	grep_or_show "links its copyright to .not-in-the-lock., which is not in the lock" err &&
	test "$(field orphan.lock rootfs orphanlink license)" = NOASSERTION
'

test_expect_success 'audit: an open policy holds (NOASSERTION is only for review)' '
	"$LIVEC" audit-licenses --lockfile open.lock open.yaml >out &&
	grep_or_show "^vague .* review .*NOASSERTION  (licenses.noassertion: review)" out &&
	grep_or_show "6 packages: 5 ok, 1 to review, 0 waived, 0 violations" out &&
	grep_or_show "license found by: 4 dep5, 1 common-licenses-reference, 0 text-match, 1 none; 0 ambiguous" out
'

test_expect_success 'audit: denying GPL-3.0-or-later fails and names the packages and rule' '
	policy_file nogpl3 "deny: [GPL-3.0-or-later]" &&
	cp open.lock nogpl3.lock &&
	expect_code 1 "$LIVEC" audit-licenses --lockfile nogpl3.lock nogpl3.yaml >out 2>err &&
	grep_or_show "violated by rootfs package .gplapp." err &&
	grep_or_show "violated by rootfs package .libgplapp1." err &&
	grep_or_show "licenses.deny: GPL-3.0-or-later" err &&
	! grep -q "package .oldapp." err
'

test_expect_success 'audit: allow-list; anything outside it is a violation' '
	policy_file allow "allow: [MIT, GPL-2.0-*]" "noassertion: allow" &&
	expect_code 1 "$LIVEC" audit-licenses --lockfile open.lock allow.yaml >out 2>err &&
	grep_or_show "not in licenses.allow: GPL-3.0-or-later" err &&
	! grep -q "package .oldapp." err && ! grep -q "package .vague." err
'

test_expect_success 'audit: an exception waives a package, with its reason' '
	policy_file waived "deny: [GPL-3.0-or-later]" \
		"exceptions: [{package: gplapp, reason: \"written permission\"}, {package: libgplapp1, reason: same}]" &&
	"$LIVEC" audit-licenses --lockfile open.lock waived.yaml >out &&
	grep_or_show "waived: written permission" out
'

test_expect_success 'audit: noassertion: deny makes unknown licenses violations' '
	policy_file strict "noassertion: deny" &&
	expect_code 1 "$LIVEC" audit-licenses --lockfile open.lock strict.yaml 2>err &&
	grep_or_show "package .vague." err
'

test_expect_success 'audit --format json carries every package and the summary' '
	"$LIVEC" audit-licenses --format json --lockfile open.lock open.yaml >a.json &&
	/usr/bin/python3 -c "import json,sys; d=json.load(open(\"a.json\")); assert len(d[\"packages\"]) == 6, d; assert d[\"summary\"][\"review\"] == 1; assert d[\"summary\"][\"methods\"][\"none\"] == 1; assert d[\"summary\"][\"ambiguous\"] == 0; assert not any(p[\"ambiguous\"] for p in d[\"packages\"])"
'

test_expect_success 'audit --format spdx validates against the SPDX 2.3 schema' '
	"$LIVEC" audit-licenses --format spdx --output a.spdx.json --lockfile open.lock open.yaml &&
	$VALIDATE a.spdx.json &&
	grep -q "\"supplier\": \"Organization: Jane Doe (jane@example.org)\"" a.spdx.json &&
	grep -q "\"downloadLocation\": \"pool/main/gplapp_1.0_amd64.deb\"" a.spdx.json &&
	grep -q "\"created\": \"2023-11-14T22:13:20Z\"" a.spdx.json
'

test_expect_success 'the validator rejects a broken document (it can fail)' '
	sed "s/\"SPDXID\": \"SPDXRef-rootfs-vague\"/\"SPDXID\": \"rootfs vague\"/" a.spdx.json >broken.json &&
	! $VALIDATE broken.json >out && grep_or_show "schema" out
'

test_expect_success 'the SPDX document is byte-identical across runs; SOURCE_DATE_EPOCH sets its date' '
	"$LIVEC" audit-licenses --format spdx --lockfile open.lock open.yaml >b.spdx.json &&
	cmp a.spdx.json b.spdx.json &&
	SOURCE_DATE_EPOCH=0 "$LIVEC" audit-licenses --format spdx --lockfile open.lock open.yaml >c.spdx.json &&
	grep -q "\"created\": \"1970-01-01T00:00:00Z\"" c.spdx.json
'

test_expect_success 'a warm lock reads no .deb for licenses' '
	"$LIVEC" lock --update --lockfile open.lock open.yaml 2>err &&
	grep_or_show "(0 read from .debs, 6 cached)" err
'

test_expect_success 'audit --tree lists files from no package, through merged-/usr links' '
	mkdir -p tree/usr/bin tree/etc overlay/etc && ln -s usr/bin tree/bin &&
	for name in base gplapp oldapp vague libgplapp1; do
		dpkg-deb --fsys-tarfile repo/pool/main/${name}_1.0_amd64.deb |
			tar -x --keep-directory-symlink -C tree || return 1
	done &&
	test -f tree/usr/bin/oldapp &&
	echo stray >tree/etc/stray.conf && echo ours >tree/etc/declared.conf &&
	echo nolicense >tree/etc/undeclared.txt &&
	echo ours >overlay/etc/declared.conf && echo x >undeclared.txt &&
	cp open.yaml files.yaml &&
	printf "files:\n  - {source: overlay/, target: /, license: MIT}\n  - {source: undeclared.txt, target: /etc/undeclared.txt}\n" >>files.yaml &&
	"$LIVEC" audit-licenses --tree tree --lockfile open.lock files.yaml >out &&
	grep_or_show "files from no package and not declared in the manifest: 2" out &&
	grep_or_show "^  /etc/stray.conf$" out && grep_or_show "^  /etc/undeclared.txt$" out &&
	! grep -q "oldapp$" out && ! grep -q declared.conf out
'

test_expect_success 'licenses.unowned: deny turns them into a violation' '
	sed "s/^licenses:$/licenses:\n  unowned: deny/" files.yaml >deny-files.yaml &&
	expect_code 1 "$LIVEC" audit-licenses --tree tree --lockfile open.lock deny-files.yaml >out 2>err &&
	grep_or_show "2 files from no package" err &&
	"$LIVEC" audit-licenses --format json --tree tree --lockfile open.lock files.yaml >u.json &&
	/usr/bin/python3 -c "import json; assert json.load(open(\"u.json\"))[\"unowned\"] == [\"/etc/stray.conf\", \"/etc/undeclared.txt\"]"
'

test_expect_success 'a files: entry is counted with its declared license, which the policy judges' '
	"$LIVEC" audit-licenses --tree tree --lockfile open.lock files.yaml >out &&
	grep_or_show "^files: /: 1 file, license MIT (declared in the manifest): ok$" out &&
	sed "s/^  deny: \[\]$/  deny: [MIT]/" files.yaml >deny-mit.yaml && grep -q "deny: \[MIT\]" deny-mit.yaml &&
	expect_code 1 "$LIVEC" audit-licenses --tree tree --lockfile open.lock deny-mit.yaml >out 2>err &&
	grep_or_show "^files: /: 1 file, license MIT (declared in the manifest): VIOLATION, licenses.deny: MIT" out &&
	grep_or_show "violated by the files: entry for ./. (MIT)" err
'

test_expect_success 'files the build recorded as made while installing are not unowned' '
	mkdir -p tree/var/lib/livec &&
	printf "# made while installing\netc/stray.conf\n" >tree/var/lib/livec/generated &&
	"$LIVEC" audit-licenses --tree tree --lockfile open.lock files.yaml >out &&
	grep_or_show "^files made while installing .*: 2$" out &&
	grep_or_show "files from no package and not declared in the manifest: 1$" out &&
	grep_or_show "^  /etc/undeclared.txt$" out && ! grep -q stray.conf out
'

test_done
