# A small test library in the style of git's t/test-lib.sh.
#
#   . "$(dirname "$0")/../lib/test-lib.sh"
#   test_expect_success 'what it checks' '
#       commands that must all succeed
#   '
#   test_done
#
# Each test runs in a subshell in $TRASH (or $TRASH/$TEST_DIR when set),
# with `set -e`-like chaining (&&) left to the author; its output is shown only when it fails (or with -v / TEST_VERBOSE).
# test_done prints "N passed, N failed" and exits non-zero on any failure.

: "${LIVEC:=$(cd "$(dirname "$0")/../.." && pwd)/build/compiler/livec}"
TEST_NAME=$(basename "$0" .sh)
TEST_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/livec-$TEST_NAME.XXXXXX")
test_passed=0
test_failed=0
test_skipped=0
case " $* " in *" -v "*) TEST_VERBOSE=1 ;; esac

cleanup_trash() { [ -n "$KEEP_TRASH" ] || rm -rf "$TRASH"; }
trap cleanup_trash EXIT

say() { printf '%s\n' "$*"; }

test_expect_success() {
	_desc=$1
	_body=$2
	if (cd "$TRASH${TEST_DIR:+/$TEST_DIR}" && eval "$_body") >"$TRASH/.out" 2>&1; then
		test_passed=$((test_passed + 1))
		say "ok - $TEST_NAME: $_desc"
		[ -z "$TEST_VERBOSE" ] || sed 's/^/    /' "$TRASH/.out"
	else
		test_failed=$((test_failed + 1))
		say "not ok - $TEST_NAME: $_desc"
		sed 's/^/    /' "$TRASH/.out" | tail -n 60
	fi
}

test_skip() {
	test_skipped=$((test_skipped + 1))
	say "skip - $TEST_NAME: $1 ($2)"
}

# expect_code N cmd...: runs cmd, succeeds if it exits with exactly N.
expect_code() {
	_want=$1
	shift
	set +e
	"$@"
	_got=$?
	set -e
	if [ "$_got" != "$_want" ]; then
		say "expected exit code $_want, got $_got: $*"
		return 1
	fi
}

# grep_or_show PATTERN FILE: like grep -q, but prints FILE when it fails.
grep_or_show() {
	if grep -q -- "$1" "$2"; then return 0; fi
	say "pattern '$1' not found in $2:"
	cat "$2"
	return 1
}

# livec_run LOG ARGS...: livec run ARGS (stdin /dev/null), its console and
# messages in LOG; its exit status.  One boot is tried again when the
# guest kernel panicked before it started the initramfs's /init (the
# kernel's line, or under a low loglevel init's first), that is before
# anything of livec ran: QEMU's software emulation has given such
# panics (an int3 oops while the kernel patches its own code, with
# -smp 2).  The panicked log is kept as LOG.panic, and the retry is said.
livec_run() {
	_log=$1
	shift
	"$LIVEC" run "$@" </dev/null >"$_log" 2>&1 && return 0
	_st=$?
	awk '/Run \/init as init process|^livec: init started/ { exit 1 }
		/Kernel panic - not syncing/ { found = 1; exit 0 } END { exit !found }' "$_log" || return $_st
	mv "$_log" "$_log.panic"
	say "# $_log: the guest kernel panicked before /init (see $_log.panic); booting once more"
	"$LIVEC" run "$@" </dev/null >"$_log" 2>&1
}

# livec_verify DIR MANIFEST: livec verify with its work in DIR and its
# report in DIR.out (printed); on a difference also the diffoscope reports.
livec_verify() {
	"$LIVEC" verify --workdir "$1" "$2" >"$1.out" 2>"$1.err" || {
		cat "$1.out" "$1.err"
		for _r in "$1"/diffoscope/*.txt; do echo "== $_r"; head -n 300 "$_r"; done
		return 1
	}
	cat "$1.out"
}

test_done() {
	say "# $TEST_NAME: $test_passed passed, $test_failed failed${test_skipped:+, $test_skipped skipped}"
	[ "$test_failed" = 0 ]
}

# Rootless builds: a user with subordinate ids, made once per machine, with
# a home of mode 0700 as adduser makes it.  rootless_dir makes a directory
# that user owns (for its outputs and cache) and lets it read $TRASH;
# as_rootless runs a command there as that user, with that cache.
ROOTLESS_USER=livec-rootless
rootless_user() { sh "$TEST_ROOT/tools/rootless-user.sh" "$ROOTLESS_USER"; }
rootless_dir() {
	rootless_user && mkdir -p "$TRASH/rootless" && chmod 0755 "$TRASH" &&
	chown "$ROOTLESS_USER:" "$TRASH/rootless"
}
as_rootless() {
	runuser -u "$ROOTLESS_USER" -- env HOME="/home/$ROOTLESS_USER" XDG_CACHE_HOME="$TRASH/rootless/cache" "$@"
}
# seed_rootless_cache: the packages already fetched as root, for the user
seed_rootless_cache() {
	mkdir -p "$TRASH/rootless/cache/livec" &&
	cp -r "${XDG_CACHE_HOME:-$HOME/.cache}/livec/sha256" "$TRASH/rootless/cache/livec/" &&
	chown -R "$ROOTLESS_USER:" "$TRASH/rootless/cache"
}
