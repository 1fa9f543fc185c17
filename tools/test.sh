#!/bin/sh
# The README's second command: the whole test suite.
#   unit (cmocka, via meson test), integration (offline signed repositories
#   built by the tests), end-to-end (the real Debian mirror).
# Says how long each test took; ends with one line "N passed, N failed".
# TESTS="t0100 t9001" picks some.
set -u
cd "$(dirname "$0")/.."
sh tools/install-deps.sh || exit 1
[ -d build ] || meson setup build >/dev/null || exit 1
meson compile -C build >/dev/null || { meson compile -C build; exit 1; }

passed=0 failed=0 skipped=0
count() { # reads "# name: N passed, N failed, N skipped" lines
	set -- $(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed\(, \([0-9]*\) skipped\)\{0,1\}$/\1 \2 \4/p' "$1" | tail -n 1)
	passed=$((passed + ${1:-0})) failed=$((failed + ${2:-0})) skipped=$((skipped + ${3:-0}))
	[ -n "${1:-}" ] || failed=$((failed + 1))
}

echo "== unit"
out=$(mktemp)
meson test -C build --suite unit --print-errorlogs >"$out" 2>&1
cat "$out"
u_ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$out")
u_fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$out")
passed=$((passed + ${u_ok:-0})) failed=$((failed + ${u_fail:-0}))
[ -n "$u_ok" ] || failed=$((failed + 1))

for t in tests/integration/t*.sh tests/e2e/t*.sh; do
	name=$(basename "$t" .sh)
	if [ -n "${TESTS:-}" ] && ! echo " $TESTS " | grep -q " ${name%%-*} "; then continue; fi
	echo "== $name"
	t0=$(date +%s)
	sh "$t" >"$out" 2>&1
	cat "$out"
	count "$out"
	echo "== $name took $(($(date +%s) - t0)) s"
done
rm -f "$out"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
