#!/bin/sh
# Benchmark: `livec build --format tar` of examples/console with a warm
# cache, next to mmdebstrap --variant=minbase with the same packages from
# the same local disk, in one run.  Prints both times and the ratio
# (target: livec at most 0.7x mmdebstrap).  Not a pass/fail test.
# Needs root.  Usage: bench/build-tar.sh
set -eu
cd "$(dirname "$0")/.."
. bench/lib-mmdebstrap.sh
need_mmdebstrap
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
local_repo "$work/repo"

now() { date +%s%N; }
t0=$(now)
$LIVEC -q build --no-cache --format tar --output "$work/livec.tar" --workdir "$work/lw" --lockfile "$LOCK" "$MANIFEST"
t1=$(now)
run_mmdebstrap "$work/repo" "$work/mmdebstrap.tar"
t2=$(now)
l=$(((t1 - t0) / 1000000))
m=$(((t2 - t1) / 1000000))
echo "build examples/console as a tarball, warm cache, same .debs from local disk:"
echo "  livec build --format tar   ${l} ms  ($(stat -c %s "$work/livec.tar") bytes)"
echo "  mmdebstrap (minbase)       ${m} ms  ($(stat -c %s "$work/mmdebstrap.tar") bytes)"
awk -v l="$l" -v m="$m" 'BEGIN { printf "  ratio livec/mmdebstrap    %.2f (target: <= 0.70)\n", l / m }'
