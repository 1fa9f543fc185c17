#!/bin/sh
# livec cache du and prune on a cache the test lays out: what no pointer
# names goes first, then the least recently used, never an entry a build
# holds (a shared flock, as builds take), and prune stops at --max-size.
. "$(dirname "$0")/../lib/test-lib.sh"

C="$TRASH/c"
hex() { printf "$1%.0s" $(seq 64); }
I=$(hex a) K=$(hex b) F=$(hex d) O=$(hex e)
B="ab$(printf 'c%.0s' $(seq 62))"

test_expect_success 'setup: stages of each kind, a blob, pointers' '
	mkdir -p "$C/trees/installed-$I" "$C/trees/cloop-$K" "$C/trees/$F" "$C/trees/$O" "$C/sha256/ab" &&
	head -c 10M /dev/zero >"$C/trees/installed-$I/f" &&
	head -c 5M /dev/zero >"$C/trees/cloop-$K/LIVEC" &&
	head -c 4M /dev/zero >"$C/trees/$F/f" &&
	head -c 2M /dev/zero >"$C/trees/$O/f" &&
	head -c 3M /dev/zero >"$C/sha256/ab/$B" &&
	echo "installed-$I" >"$C/trees/x.installed" && echo "cloop-$K" >"$C/trees/x.cloop" &&
	echo "$F" >"$C/trees/x.current" &&
	touch -d "3 days ago" "$C/trees/installed-$I" && touch -d "2 days ago" "$C/trees/$F" &&
	touch -d "1 day ago" "$C/sha256/ab/$B"
'

test_expect_success 'du shows each stage' '
	"$LIVEC" --cache "$C" cache du >du &&
	grep -q "^installed packages (stage 1) *10.0 MiB" du &&
	grep -q "^finished trees (stage 2) *6.0 MiB" du &&
	grep -q "^cloop images (stage 3) *5.0 MiB" du &&
	grep -q "^packages and indexes (sha256/) *3.0 MiB" du
'

test_expect_success 'prune without a size removes only what no pointer names' '
	"$LIVEC" --cache "$C" cache prune 2>err >out &&
	test ! -e "$C/trees/$O" && test -d "$C/trees/$F" && test -d "$C/trees/installed-$I" &&
	test -e "$C/sha256/ab/$B"
'

test_expect_success 'prune --max-size goes by least recent use, and spares what a build holds' '
	setsid flock -s "$C/trees/installed-$I" sleep 30 &
	holder=$! && sleep 1 &&
	"$LIVEC" --cache "$C" cache prune --max-size 12M 2>err >out;
	r=$?; kill -- -$holder 2>/dev/null; wait $holder 2>/dev/null; test $r = 0 &&
	test -d "$C/trees/installed-$I" && test ! -e "$C/trees/$F" && test ! -e "$C/sha256/ab/$B" &&
	test ! -e "$C/trees/cloop-$K" && grep_or_show "freed" err
'

test_expect_success 'prune --max-size: once no build holds it, it goes too' '
	"$LIVEC" --cache "$C" cache prune --max-size 5M 2>err &&
	test ! -e "$C/trees/installed-$I"
'

test_expect_success 'a size that is not one is a usage error' '
	expect_code 2 "$LIVEC" --cache "$C" cache prune --max-size lots 2>err &&
	grep_or_show "is not a size" err
'

test_done
