#!/bin/sh
# Benchmark: `livec lock --update` of examples/console with warm metadata
# (InRelease is still downloaded and verified every run; the indexes come
# from the .solv cache) next to apt's resolution of the same request
# (`apt-get install -s` of Essential + required + packages.install, with the
# same sources, warm lists).  Prints the median of N runs and the ratio.
# Not a pass/fail test.  Usage: bench/lock.sh [RUNS]
set -eu
cd "$(dirname "$0")/.."
. tests/lib/aptsim.sh
runs=${1:-5}
livec=./build/compiler/livec
manifest=examples/console/livec.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$HOME/.cache}"

now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# warm up livec's cache and learn the suites it uses
$livec -v lock --update --lockfile "$work/l.lock" "$manifest" 2>"$work/log"
suites_from_log "$work/log" >"$work/suites"

# a private apt setup with the same sources, lists downloaded once
aptsim_setup "$work/apt" "$work/suites"
names=$(aptsim_base_names)
# shellcheck disable=SC2086
apt-get -s install $names linux-image-amd64 systemd-sysv >/dev/null # warm apt's pkgcache

: >"$work/t.livec"
: >"$work/t.apt"
i=0
while [ $i -lt "$runs" ]; do
	t0=$(now)
	$livec -q lock --update --lockfile "$work/l.lock" "$manifest"
	t1=$(now)
	# shellcheck disable=SC2086
	apt-get -s install $names linux-image-amd64 systemd-sysv >/dev/null
	t2=$(now)
	echo $(((t1 - t0) / 1000000)) >>"$work/t.livec"
	echo $(((t2 - t1) / 1000000)) >>"$work/t.apt"
	i=$((i + 1))
done
l=$(median <"$work/t.livec")
a=$(median <"$work/t.apt")
echo "lock examples/console, warm metadata, median of $runs runs:"
echo "  livec lock --update   ${l} ms"
echo "  apt-get install -s    ${a} ms"
awk -v l="$l" -v a="$a" 'BEGIN { printf "  ratio livec/apt       %.2f (target: < 1, and livec < 1000 ms)\n", l / a }'
