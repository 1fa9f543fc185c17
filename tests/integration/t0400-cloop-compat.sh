#!/bin/sh
# livec's cloop images against the reference tools from cloop-utils:
# extract_compressed_fs reads what livec writes, livec reads what
# create_compressed_fs writes, byte for byte; at the same level and block
# size livec's output is no larger.  The hash list beside an image (livec
# cloop create --hashes) names a damaged block, in `livec cloop check` and
# in livec-cloopd.
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

# The hash list beside the image (a verified medium, docs/live.md): the
# image is the same bytes with or without it; `livec cloop check` and
# livec-cloopd, through the block path that serves the kernel, name a
# damaged block, and the server answers it with an error
CLOOPD=$(dirname "$LIVEC")/../runtime/livec-cloopd

test_expect_success 'cloop create --hashes: the image unchanged, the list beside it' '
	"$LIVEC" cloop create --block-size 131072 --level 9 --hashes livec.sha256 img hashed.cloop &&
	cmp livec.cloop hashed.cloop &&
	sed -n 1,3p livec.sha256 >head && printf "livec-cloop-sha256 1\nblock-size 131072\nblocks 64\n" >want &&
	cmp head want && test "$(wc -l <livec.sha256)" = 68 &&
	"$LIVEC" cloop check livec.cloop livec.sha256
'

test_expect_success 'a damaged block: cloop check and livec-cloopd name it; the server fails reading it' '
	cp livec.cloop bad.cloop &&
	# block 37 starts at the offset in index entry 37, after the 136-byte header
	at=$(od -An -tu8 --endian=big -j $((136 + 8 * 37)) -N 8 livec.cloop | tr -d " ") &&
	printf "\377\377\377\377" | dd of=bad.cloop bs=1 seek=$((at + 10)) conv=notrunc 2>/dev/null &&
	test "$(stat -c %s bad.cloop)" = "$(stat -c %s livec.cloop)" &&
	expect_code 1 "$LIVEC" cloop check bad.cloop livec.sha256 2>err &&
	grep_or_show "block 37 is damaged" err && test "$(grep -c damaged err)" = 1 &&
	sum=$(sha256sum livec.sha256 | cut -d" " -f1) &&
	"$CLOOPD" --read livec.cloop livec.sha256 "$sum" | cmp - img &&
	expect_code 1 "$CLOOPD" --check bad.cloop livec.sha256 "$sum" 2>err &&
	grep_or_show "^livec-cloopd: bad.cloop: block 37 is damaged" err &&
	grep_or_show "^livec-cloopd: bad.cloop: 1 of 64 blocks damaged$" err &&
	expect_code 1 "$CLOOPD" --read bad.cloop livec.sha256 "$sum" >served 2>err &&
	grep_or_show "^livec-cloopd: bad.cloop: block 37 is damaged .*: reading it fails (I/O error)$" err &&
	test "$(stat -c %s served)" = $((37 * 131072)) && head -c $((37 * 131072)) img | cmp - served
'

test_expect_success 'livec-cloopd refuses a hash list of another build and a damaged header' '
	sum=$(sha256sum livec.sha256 | cut -d" " -f1) &&
	expect_code 1 "$CLOOPD" --check livec.cloop livec.sha256 "$(echo x | sha256sum | cut -d" " -f1)" 2>err &&
	grep_or_show "hash list is damaged or from another build" err &&
	cp livec.cloop head.cloop && printf "X" | dd of=head.cloop bs=1 seek=40 conv=notrunc 2>/dev/null &&
	expect_code 1 "$CLOOPD" --read head.cloop livec.sha256 "$sum" >/dev/null 2>err &&
	grep_or_show "header or offsets are damaged" err &&
	printf "x" >file && expect_code 1 "$CLOOPD" --check-file file "$sum" 2>err &&
	grep_or_show "^livec-cloopd: file: damaged" err &&
	"$CLOOPD" --check-file file "$(sha256sum file | cut -d" " -f1)" 2>err && test ! -s err
'

test_expect_success 'a truncated image is a clear error and leaves no output' '
	head -c 100000 livec.cloop >short.cloop &&
	expect_code 1 "$LIVEC" cloop extract short.cloop out 2>err &&
	grep_or_show "truncated or corrupted" err && test ! -e out
'

test_done
