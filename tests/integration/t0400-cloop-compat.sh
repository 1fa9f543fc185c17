#!/bin/sh
# livec's cloop images against the reference tools from cloop-utils:
# extract_compressed_fs reads what livec writes, livec reads what
# create_compressed_fs writes, byte for byte; at the same level and block
# size livec's output is no larger.
. "$(dirname "$0")/../lib/test-lib.sh"

test_expect_success 'setup: an inner image with mixed content' '
	head -c 3000000 /dev/urandom >img &&
	yes "livec cloop test line" | head -c 5000000 >>img &&
	truncate -s 8388608 img
'

test_expect_success 'livec writes a cloop image' '
	"$LIVEC" cloop create --block-size 131072 --level 9 img livec.cloop
'

# cloop-utils is in bookworm, not in trixie: there the reference tools are
# not to be had, and QEMU's driver is the only other reader
if command -v extract_compressed_fs >/dev/null; then
test_expect_success 'extract_compressed_fs reads livec output byte for byte' '
	extract_compressed_fs livec.cloop from-reference >/dev/null 2>&1 &&
	cmp img from-reference
'
else
	test_skip "extract_compressed_fs reads livec output" "cloop-utils is not installed (not in this Debian release)"
fi

test_expect_success 'QEMU cloop driver reads livec output byte for byte' '
	qemu-img convert -f cloop -O raw livec.cloop from-qemu &&
	cmp img from-qemu
'

if command -v create_compressed_fs >/dev/null; then
test_expect_success 'livec reads create_compressed_fs output byte for byte' '
	create_compressed_fs -B 131072 -L 9 img reference.cloop >/dev/null 2>&1 &&
	"$LIVEC" cloop extract reference.cloop from-livec &&
	cmp img from-livec
'

test_expect_success 'at the same level and block size livec is no larger' '
	test "$(stat -c %s livec.cloop)" -le "$(stat -c %s reference.cloop)"
'
else
	test_skip "livec reads create_compressed_fs output; and is no larger" "cloop-utils is not installed"
fi

test_expect_success 'cloop info describes the image' '
	"$LIVEC" cloop info livec.cloop >info &&
	grep -qx "version 2.0" info && grep -qx "blocks 64" info && grep -qx "block-size 131072" info
'

test_expect_success 'V4 with xz blocks: smaller, and livec reads it back byte for byte' '
	"$LIVEC" cloop create --xz --block-size 131072 img xz.cloop &&
	"$LIVEC" cloop info xz.cloop >xinfo &&
	grep -qx "version 4.0" xinfo && grep -qx "blocks-zlib 0" xinfo &&
	test "$(stat -c %s xz.cloop)" -lt "$(stat -c %s livec.cloop)" &&
	"$LIVEC" cloop extract xz.cloop from-xz &&
	cmp img from-xz
'

test_expect_success 'a truncated image is a clear error and leaves no output' '
	head -c 100000 livec.cloop >short.cloop &&
	expect_code 1 "$LIVEC" cloop extract short.cloop out 2>err &&
	grep_or_show "truncated or corrupted" err && test ! -e out
'

test_done
