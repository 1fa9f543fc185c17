#!/bin/sh
# livec verify on a small image from the real mirror (minbase, tarball):
# a deliberately non-reproducible hook makes it fail, naming the file and
# leaving a diffoscope report with its path; each variation is shown to
# have reached the build; with the hook fixed it passes.  Then
# `build --check-against`: a rebuild elsewhere matches the published
# SHA256SUMS, a tampered sum fails and names the artifact.
. "$(dirname "$0")/../lib/test-lib.sh"

export XDG_CACHE_HOME="${LIVEC_TEST_CACHE:-$TRASH/cache}"

mkdir -p "$TRASH/m/overlay/etc" "$TRASH/lockfiles"
cat >"$TRASH/m/livec.yaml" <<'EOF'
name: small
distribution:
  suite: bookworm
  architecture: amd64
  components: [main]
packages:
  variant: minbase
  recommends: false
system:
  hostname: small
files:
  - {source: overlay/, target: /, license: CC0-1.0}
hooks:
  - {name: stamp, run: "date +%s.%N > /etc/build-stamp"}
EOF
echo "hello" >"$TRASH/m/overlay/etc/greeting"
echo "a second entry, so the directory has an order to vary" >"$TRASH/m/README"

test_expect_success 'setup: lock the small image' '
	"$LIVEC" lock m/livec.yaml 2>lock.err && test -s lockfiles/small.lock
'

test_expect_success 'verify fails on a hook that writes the date, naming the file' '
	expect_code 1 "$LIVEC" verify --format tar --workdir v1 m/livec.yaml >v1.out 2>v1.err &&
	grep_or_show "differs   small.tar" v1.out &&
	grep_or_show "small.tar: first difference: ./etc/build-stamp: content differs" v1.out &&
	grep_or_show "small is not reproducible: small.tar differs first" v1.err &&
	grep_or_show "verify: 1 identical, 1 differ" v1.out
'

test_expect_success 'and leaves a diffoscope report that shows that file' '
	report=$(sed -n "s/^small.tar: diffoscope report: //p" v1.out) &&
	test -s "$report" && grep_or_show "etc/build-stamp" "$report"
'

# key FILE KEY: the value a build recorded for KEY
key() { sed -n "s/^$2 //p" "$1"; }

test_expect_success 'every variation reached the second build' '
	a=v1/a/host.txt && b=$(ls -d v1/b-*/with/a/much/longer/path)/host.txt &&
	test -s "$a" && test -s "$b" &&
	for k in cwd tz locale umask hostname home dir-order; do
		test "$(key "$a" $k)" != "$(key "$b" $k)" || { echo "not varied: $k"; exit 1; }
	done &&
	test $(( $(key "$b" time) - $(key "$a" time) )) -ge 86400 &&
	test "$(key "$b" umask)" = 0077 && test "$(key "$b" tz)" = GMT-14 &&
	test "$(key "$b" hostname)" = "a-second-builder b.example" &&
	test "$(key "$b" cpus)" = 1 &&
	test ${#b} -gt ${#a} &&
	if [ "$(nproc)" -gt 1 ]; then test "$(key "$a" cpus)" -gt 1; fi
'

test_expect_success 'the clock reached the hook inside the sandbox too' '
	a=$(tar -xOf v1/a/out/small.tar ./etc/build-stamp) &&
	b=$(tar -xOf v1/b-*/with/a/much/longer/path/out/small.tar ./etc/build-stamp) &&
	test $(( ${b%.*} - ${a%.*} )) -ge 86400
'

test_expect_success 'with the hook fixed, verify passes' '
	sed -i "s|run: \"date +%s.%N > /etc/build-stamp\"|run: \"echo fixed > /etc/build-stamp\"|" m/livec.yaml &&
	grep -q "echo fixed" m/livec.yaml &&
	"$LIVEC" verify --format tar --workdir v2 m/livec.yaml >v2.out 2>v2.err &&
	grep_or_show "identical small.tar" v2.out &&
	grep_or_show "verify: 2 identical, 0 differ" v2.out &&
	test ! -d v2/diffoscope
'

test_expect_success 'each build wrote SHA256SUMS that sha256sum accepts' '
	(cd v2/a/out && sha256sum -c SHA256SUMS)
'

test_expect_success 'a rebuild elsewhere, later, other TZ and umask matches the published sums' '
	mkdir -p r && cd r &&
	(
		umask 077
		export TZ=Asia/Kathmandu LC_ALL=C
		exec faketime -f +2d "$LIVEC" build --format tar --output out/small.tar \
			--check-against ../v2/a/out/SHA256SUMS ../m/livec.yaml
	) 2>err &&
	grep_or_show "small.tar: all 1 checksums match" err
'

test_expect_success 'a tampered sum fails and names the artifact' '
	sed "s/^[0-9a-f]\{8\}/00000000/" v2/a/out/SHA256SUMS >tampered &&
	! cmp -s tampered v2/a/out/SHA256SUMS &&
	mkdir -p t && cd t &&
	expect_code 1 "$LIVEC" build --format tar --output out/small.tar --check-against ../tampered \
		../m/livec.yaml 2>err &&
	grep_or_show "error: small.tar differs: expected 00000000" err
'

test_expect_success 'a malformed SHA256SUMS is a clear error at its line' '
	printf "not a checksum line\n" >bad.sums &&
	expect_code 1 "$LIVEC" build --format tar --output t2/small.tar --check-against bad.sums m/livec.yaml 2>err &&
	grep_or_show "bad.sums:1: not a SHA-256 checksum line" err && test ! -e t2/small.tar
'

test_done
