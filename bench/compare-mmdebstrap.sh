#!/bin/sh
# Compares the paths in livec's console tarball with those of
# `mmdebstrap --variant=minbase --include=linux-image-amd64,systemd-sysv`
# of the same packages.  Prints the paths only one of them has; the
# differences and their reasons are listed in docs/build.md.
# Needs root.  Usage: bench/compare-mmdebstrap.sh
set -eu
cd "$(dirname "$0")/.."
. bench/lib-mmdebstrap.sh
need_mmdebstrap
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
local_repo "$work/repo"
$LIVEC -q build --no-cache --format tar --output "$work/livec.tar" --workdir "$work/lw" --lockfile "$LOCK" "$MANIFEST"
run_mmdebstrap "$work/repo" "$work/mmdebstrap.tar"
paths() { tar -tf "$1" | sed 's|^\./||; s|/$||' | grep -v '^$' | sort -u; }
paths "$work/livec.tar" >"$work/livec.paths"
paths "$work/mmdebstrap.tar" >"$work/mm.paths"
echo "only in livec ($(comm -23 "$work/livec.paths" "$work/mm.paths" | wc -l)):"
comm -23 "$work/livec.paths" "$work/mm.paths" | sed 's/^/  + /'
echo "only in mmdebstrap ($(comm -13 "$work/livec.paths" "$work/mm.paths" | wc -l)):"
comm -13 "$work/livec.paths" "$work/mm.paths" | sed 's/^/  - /'
echo "in both: $(comm -12 "$work/livec.paths" "$work/mm.paths" | wc -l)"
