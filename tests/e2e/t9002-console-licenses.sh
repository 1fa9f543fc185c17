#!/bin/sh
# The license inventory of the console example (its committed lockfile, which
# t9001 checks is fresh): every package has a license, few are unknown,
# well-known packages declare what their copyright files say, and the SPDX
# document is reproducible and valid.  No network: audit reads the lock.
. "$(dirname "$0")/../lib/test-lib.sh"

MANIFEST="$TEST_ROOT/examples/console/livec.yaml"
LOCK="$TEST_ROOT/lockfiles/console.lock"
VALIDATE="/usr/bin/python3 $TEST_ROOT/tests/spdx/validate.py"

lic() {
	awk -v pkg="  $1:" '/^[a-z]/ { inset = ($1 == "rootfs:") }
		inset && /^  [^ ]/ { on = ($0 == pkg) }
		inset && on && /^    license:/ { sub(/^[^:]*: /, ""); gsub(/"/, ""); print }' "$LOCK"
}

test_expect_success 'every locked package has a license entry; at most 5% NOASSERTION' '
	"$LIVEC" audit-licenses --format json --lockfile "$LOCK" "$MANIFEST" >a.json &&
	/usr/bin/python3 - <<-PY
	import json
	d = json.load(open("a.json"))
	pk = d["packages"]
	assert len(pk) > 50, len(pk)
	assert all(p["license"] and p["method"] for p in pk)
	none = sum(1 for p in pk if p["license"] == "NOASSERTION")
	methods = d["summary"]["methods"]
	print(len(pk), "packages,", none, "NOASSERTION, methods", methods)
	assert none * 20 <= len(pk), none
	PY
'

test_expect_success 'audit prints how many licenses each method found' '
	"$LIVEC" audit-licenses --lockfile "$LOCK" "$MANIFEST" >out &&
	grep_or_show "^license found by: [0-9]* dep5, [0-9]* common-licenses-reference, [0-9]* text-match, [0-9]* none; [0-9]* ambiguous (several licenses, files not said)$" out
'

# package -> an SPDX id its copyright file declares (among its terms)
known() {
	cat <<-KNOWN
	zlib1g Zlib
	coreutils GPL-3.0-or-later
	bash GPL-3.0-or-later
	grep GPL-3.0-or-later
	tar GPL-3.0-or-later
	sed GPL-3.0-or-later
	libc6 LGPL-2.1-or-later
	debconf BSD-2-Clause
	libzstd1 BSD-3-Clause
	libssl3t64 Apache-2.0
	systemd LGPL-2.1-or-later
	util-linux GPL-2.0-or-later
	dash BSD-3-Clause
	ncurses-bin X11
	libgcc-s1 GPL-3.0-or-later WITH GCC-exception-3.1
	KNOWN
}

test_expect_success 'well-known packages declare the licenses their copyright files say' '
	known >known.txt && n=0 &&
	while read pkg id; do
		id=$(echo "$id" | tr -s " ")
		got=$(lic "$pkg") &&
		case " $got " in
		*"$id"*) n=$((n + 1)) ;;
		*) echo "$pkg: expected $id in \"$got\""; exit 1 ;;
		esac
	done <known.txt &&
	test "$n" -ge 10
'

# Until issue 17 item 6 the GCC runtime libraries (libgcc-s1, libstdc++6)
# were recorded with every license their shared copyright file names
# ("GPL-1.0-or-later AND GPL-3.0-or-later AND GFDL-1.2-or-later AND ...");
# the file says they are "GPL (v3 or later) with version 3.1 of the GCC
# Runtime Library Exception".
test_expect_success 'the GCC runtime library exception is recorded, not a list of every license' '
	test "$(lic libgcc-s1)" = "GPL-3.0-or-later WITH GCC-exception-3.1" &&
	test "$(lic libstdc++6)" = "GPL-3.0-or-later WITH GCC-exception-3.1"
'

test_expect_success 'a file naming several licenses in prose is marked ambiguous, in the table and JSON' '
	"$LIVEC" audit-licenses --format json --lockfile "$LOCK" "$MANIFEST" >m.json &&
	/usr/bin/python3 - <<-PY &&
	import json
	d = json.load(open("m.json"))
	amb = [p["name"] for p in d["packages"] if p["ambiguous"]]
	assert all(p["method"].endswith(", ambiguous") == p["ambiguous"] for p in d["packages"])
	assert d["summary"]["ambiguous"] == len(amb) > 0, amb
	print("ambiguous:", amb)
	PY
	"$LIVEC" audit-licenses --lockfile "$LOCK" "$MANIFEST" >out &&
	grep_or_show "^libklibc .*common-licenses-reference, ambiguous" out
'

test_expect_success 'a policy denying GPL-3.0-or-later fails and names the packages' '
	sed "s/^  deny: .*/  deny: [GPL-3.0-or-later]/" "$MANIFEST" >deny.yaml &&
	grep -q "deny: \[GPL-3.0-or-later\]" deny.yaml &&
	expect_code 1 "$LIVEC" audit-licenses --lockfile "$LOCK" deny.yaml >out 2>err &&
	grep_or_show "violated by rootfs package .coreutils." err &&
	grep_or_show "violated by rootfs package .bash." err
'

test_expect_success 'allowing everything exits 0' '
	sed "s/^  deny: .*/  allow: [\"*\"]\n  noassertion: allow/" "$MANIFEST" >allow.yaml &&
	"$LIVEC" audit-licenses --lockfile "$LOCK" allow.yaml >out &&
	grep_or_show " 0 violations" out
'

test_expect_success 'the SPDX document is byte-identical across runs and valid' '
	"$LIVEC" audit-licenses --format spdx --lockfile "$LOCK" "$MANIFEST" >one.json &&
	"$LIVEC" audit-licenses --format spdx --lockfile "$LOCK" "$MANIFEST" >two.json &&
	cmp one.json two.json &&
	$VALIDATE one.json
'

test_done
