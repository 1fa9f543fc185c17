#!/bin/sh
# The console examples against the real Debian mirror (from the host's APT
# sources, as livec itself finds it), for trixie (examples/console, the
# stable release) and bookworm (examples/console-bookworm, oldstable):
# - every locked package's SHA256 is in a Packages index that this test
#   verifies on its own (gpgv + Release), independent of livec's code path;
# - the rootfs set equals apt's choice for the same request: Essential +
#   Priority required + packages.install, no Recommends, from an empty
#   status (what mmdebstrap's minbase does);
# - locking twice gives identical bytes; --check says 0, then 3;
# - the committed lockfiles are fresh.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$(dirname "$0")/../lib/aptsim.sh"

export XDG_CACHE_HOME="$TRASH/cache"

for EXAMPLE in console console-bookworm; do
MANIFEST="$TEST_ROOT/examples/$EXAMPLE/livec.yaml"
mkdir -p "$TRASH/$EXAMPLE"
TEST_DIR=$EXAMPLE

test_expect_success "lock examples/$EXAMPLE against the mirror" '
	"$LIVEC" -v lock --update --lockfile console.lock "$MANIFEST" 2>log &&
	cat log && grep -q "^rootfs:" console.lock &&
	suites_from_log log >suites &&
	test "$(wc -l <suites)" = 3
'

test_expect_success "$EXAMPLE: every locked package is in an independently verified index" '
	while read url suite; do
		curl -fsS "$url/dists/$suite/InRelease" -o "$suite.InRelease" &&
		{ gpgv --status-fd 1 --keyring /usr/share/keyrings/debian-archive-keyring.gpg \
			--output "$suite.Release" "$suite.InRelease" 2>/dev/null || :; } >"$suite.status" &&
		grep -q "^\[GNUPG:\] VALIDSIG " "$suite.status" && test -s "$suite.Release" || return 1
		sha=$(awk "/^SHA256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && \$3 == \"main/binary-amd64/Packages\" { print \$1 }" "$suite.Release") &&
		grep -q "sha256: \"$sha\"" console.lock &&
		blob="$XDG_CACHE_HOME/livec/sha256/$(echo "$sha" | cut -c1-2)/$sha" &&
		test "$(sha256sum <"$blob" | cut -d" " -f1)" = "$sha" &&
		awk "/^Filename: / { f = \$2 } /^SHA256: / { print f, \$2 }" "$blob" >>index.pairs || return 1
	done <suites &&
	awk "/^  [^ ]/ { name = \$1 } /^    filename:/ { f = \$2 } /^    sha256:/ { s = \$2; gsub(/\"/, \"\", f); gsub(/\"/, \"\", s); print f, s }" console.lock | sort -u >locked.pairs &&
	test "$(wc -l <locked.pairs)" -gt 50 &&
	sort -u index.pairs >index.sorted &&
	comm -23 locked.pairs index.sorted >missing &&
	test ! -s missing || { cat missing; false; }
'

test_expect_success "$EXAMPLE: rootfs equals what apt chooses for the same request" '
	aptsim_setup "$TRASH/$EXAMPLE/apt" suites &&
	aptsim_base_names >base.names &&
	test "$(wc -l <base.names)" -gt 20 &&
	apt-get -s install $(cat base.names) linux-image-amd64 systemd-sysv >sim &&
	awk "/^Inst / { v = \$3; sub(/^\(/, \"\", v); print \$2, v }" sim | sort >apt.set &&
	awk "/^rootfs:/ { on = 1; next } /^[a-z]/ { on = 0 } on && /^  [^ ]/ { n = \$1; sub(/:$/, \"\", n) } on && /^    version:/ { v = \$2; gsub(/\"/, \"\", v); print n, v }" console.lock | sort >livec.set &&
	test "$(wc -l <apt.set)" -gt 50 &&
	diff -u apt.set livec.set
'

test_expect_success "$EXAMPLE: locking twice gives identical bytes" '
	cp console.lock first.lock &&
	"$LIVEC" lock --update --lockfile console.lock "$MANIFEST" &&
	cmp first.lock console.lock
'

test_expect_success "$EXAMPLE: lock --check is 0, and 3 once packages.install changes" '
	"$LIVEC" lock --check --lockfile console.lock "$MANIFEST" &&
	sed "s/install: \[linux-image-amd64, systemd-sysv\]/install: [linux-image-amd64, systemd-sysv, less]/" \
		"$MANIFEST" >changed.yaml &&
	! cmp -s "$MANIFEST" changed.yaml &&
	expect_code 3 "$LIVEC" lock --check --lockfile console.lock changed.yaml
'

test_expect_success "$EXAMPLE: the committed lockfile is fresh for the example manifest" '
	"$LIVEC" lock --check "$MANIFEST"
'

done

test_done
