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
# - the committed lockfiles are fresh;
# - beyond the console, with and without Recommends, a desktop request
#   and the important and standard variants equal apt's set too.
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
	aptsim_install_set false $(cat base.names) linux-image-amd64 systemd-sysv >apt.set &&
	lock_rootfs_set console.lock >livec.set &&
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

# Requests beyond the console: a desktop with Recommends on both suites,
# and the important and standard variants with and without them, each
# against the private apt of its suite set up above.
apt_request() { # NAME SUITE VARIANT PRIORITIES RECOMMENDS PACKAGE...
	_name=$1 _suite=$2 _variant=$3 _prios=$4 _rec=$5
	shift 5
	_dir=console
	[ "$_suite" = trixie ] || _dir=console-$_suite
	TEST_DIR=request-$_name
	mkdir -p "$TRASH/$TEST_DIR"
	_install=$(echo "$*" | sed "s/ /, /g")
	cat >"$TRASH/$TEST_DIR/livec.yaml" <<YAML
name: $_name
distribution: {suite: $_suite, architecture: amd64, components: [main]}
packages:
  variant: $_variant
  install: [$_install]
  recommends: $_rec
YAML
	test_expect_success "$_name ($_suite, $_variant, recommends: $_rec): the lock equals what apt installs" "
		\"\$LIVEC\" lock --update --lockfile request.lock livec.yaml &&
		export APT_CONFIG=\"\$TRASH/$_dir/apt/apt.conf\" &&
		aptsim_base_names $_prios >base.names &&
		aptsim_install_set $_rec \$(cat base.names) $* >apt.set &&
		lock_rootfs_set request.lock >livec.set &&
		test \$(wc -l <apt.set) -gt 100 &&
		diff -u apt.set livec.set
	"
}

apt_request desktop trixie minbase required true xfce4 lightdm network-manager
apt_request desktop-bookworm bookworm minbase required true xfce4 lightdm network-manager

test_expect_success "desktop (trixie): indexes parsed afresh lock the same bytes as libsolv's cached form" '
	cd ../request-desktop &&
	test -n "$(ls "$XDG_CACHE_HOME/livec/solv")" && rm -rf "$XDG_CACHE_HOME/livec/solv" &&
	"$LIVEC" lock --update --lockfile fresh.lock livec.yaml &&
	test -n "$(ls "$XDG_CACHE_HOME/livec/solv")" &&
	cmp request.lock fresh.lock
'

test_expect_success "desktop (trixie): the lock says which package recommended each package it took for that" '
	cd ../request-desktop &&
	grep -q "reason: \"recommended by " request.lock &&
	"$LIVEC" lock --explain xserver-xorg-video-all livec.yaml --lockfile request.lock >why &&
	cat why && grep -q "recommend" why
'

apt_request standard trixie standard "required important standard" true linux-image-amd64
apt_request standard-norec trixie standard "required important standard" false linux-image-amd64
apt_request important-bookworm bookworm important "required important" true linux-image-amd64
apt_request important-bookworm-norec bookworm important "required important" false linux-image-amd64

test_done
