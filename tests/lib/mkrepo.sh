# Builds small signed Debian repositories for the offline tests: real .debs
# from dpkg-deb, a real Packages index from dpkg-scanpackages, a Release with
# SHA256 sums and an InRelease clearsigned by a throwaway gpg key.
#
#   make_key NAME           -> prints the new key's fingerprint
#   make_repo DIR SUITE     -> reads control paragraphs on stdin, one .deb each
#   sign_repo DIR SUITE FPR -> (re)writes Release and InRelease
#   export_keyring FILE FPR...

export GNUPGHOME="${GNUPGHOME:-$TRASH/gnupg}"
mkdir -p "$GNUPGHOME" && chmod 700 "$GNUPGHOME"

make_key() {
	gpg --batch --quiet --passphrase '' --quick-gen-key "livec test $1 <$1@livec.invalid>" \
		ed25519 sign never >/dev/null 2>&1
	gpg --batch --with-colons --list-keys "livec test $1" 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'
}

export_keyring() {
	_out=$1
	shift
	gpg --batch --export "$@" >"$_out"
}

make_repo() {
	_dir=$1 _suite=$2
	_build="$_dir/.build"
	mkdir -p "$_dir/pool/main" "$_dir/dists/$_suite/main/binary-amd64" "$_build"
	awk -v out="$_build" 'BEGIN { RS = ""; n = 0 } { n++; f = sprintf("%s/p%03d.control", out, n); print $0 > f; close(f) }'
	for _c in "$_build"/p*.control; do
		_name=$(sed -n 's/^Package: *//p' "$_c")
		_ver=$(sed -n 's/^Version: *//p' "$_c")
		_arch=$(sed -n 's/^Architecture: *//p' "$_c")
		_root="$_build/$_name-$_ver"
		# test-only fields: X-Copyright: FILE (or "none"), X-Doc-Link: TARGET,
		# X-File: PATH (ships a small file at PATH)
		_cfile=$(sed -n 's/^X-Copyright: *//p' "$_c")
		for _f in $(sed -n 's/^X-File: *//p' "$_c"); do
			mkdir -p "$_root/$(dirname "$_f")" && echo "$_name" >"$_root/$_f"
		done
		_link=$(sed -n 's/^X-Doc-Link: *//p' "$_c")
		mkdir -p "$_root/DEBIAN" "$_root/usr/share/doc"
		{
			grep -v '^X-' "$_c"
			grep -q '^Maintainer:' "$_c" || echo "Maintainer: livec tests <tests@livec.invalid>"
			grep -q '^Description:' "$_c" || echo "Description: livec test package $_name"
		} >"$_root/DEBIAN/control"
		if [ -n "$_link" ]; then
			ln -s "$_link" "$_root/usr/share/doc/$_name"
		else
			mkdir -p "$_root/usr/share/doc/$_name"
			if [ -z "$_cfile" ]; then
				printf 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: 2026 livec tests\nLicense: Expat\n' \
					>"$_root/usr/share/doc/$_name/copyright"
			elif [ "$_cfile" != none ]; then
				cp "$_cfile" "$_root/usr/share/doc/$_name/copyright"
			fi
		fi
		SOURCE_DATE_EPOCH=1700000000 dpkg-deb -Zgzip --root-owner-group --build "$_root" \
			"$_dir/pool/main/${_name}_${_ver}_${_arch}.deb" >/dev/null
		rm -f "$_c"
	done
	index_repo "$_dir" "$_suite"
}

# index_repo DIR SUITE: (re)writes Packages and Packages.xz for the pool,
# e.g. after copying real .debs into DIR/pool/main or crafting some.
index_repo() {
	_dir=$1 _suite=$2
	mkdir -p "$_dir/dists/$_suite/main/binary-amd64"
	(cd "$_dir" && dpkg-scanpackages --multiversion pool /dev/null 2>/dev/null) \
		>"$_dir/dists/$_suite/main/binary-amd64/Packages"
	xz -9 -k -f "$_dir/dists/$_suite/main/binary-amd64/Packages"
}

write_release() {
	_dir=$1 _suite=$2
	_d="$_dir/dists/$_suite"
	{
		echo "Origin: livec-tests"
		echo "Suite: ${RELEASE_SUITE:-$_suite}"
		echo "Codename: ${RELEASE_SUITE:-$_suite}"
		echo "Date: ${RELEASE_DATE:-Tue, 14 Nov 2023 22:13:20 UTC}"
		[ -z "$RELEASE_VALID_UNTIL" ] || echo "Valid-Until: $RELEASE_VALID_UNTIL"
		echo "Architectures: amd64"
		echo "Components: main"
		[ -z "$RELEASE_EXTRA" ] || printf '%b\n' "$RELEASE_EXTRA"
		echo "SHA256:"
		for _f in main/binary-amd64/Packages main/binary-amd64/Packages.xz; do
			printf ' %s %s %s\n' "$(sha256sum <"$_d/$_f" | cut -d' ' -f1)" "$(stat -c %s "$_d/$_f")" "$_f"
		done
	} >"$_d/Release"
}

# (RELEASE_SUITE, RELEASE_DATE and RELEASE_VALID_UNTIL, when set, change what
# Release says; RELEASE_EXTRA adds lines, e.g. "NotAutomatic: yes")
sign_repo() {
	_dir=$1 _suite=$2 _fpr=$3
	write_release "$_dir" "$_suite"
	gpg --batch --yes --quiet --local-user "$_fpr" --clearsign \
		-o "$_dir/dists/$_suite/InRelease" "$_dir/dists/$_suite/Release" 2>/dev/null
}

# craft_deb DIR NAME VERSION CONTROL-EXTRA ENTRY... -> DIR/pool/main/NAME_VERSION_all.deb
# built by mkdeb.py, which writes what dpkg-deb refuses (.. paths and such).
# Maintainer scripts and triggers can be given in $TRASH/NAME.preinst,
# $TRASH/NAME.postinst and $TRASH/NAME.triggers.
craft_deb() {
	_dir=$1 _name=$2 _ver=$3 _extra=$4
	shift 4
	mkdir -p "$_dir/pool/main"
	printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: livec tests <t@livec.invalid>\nDescription: crafted test package\n%b' \
		"$_name" "$_ver" "$_extra" >"$TRASH/$_name.control"
	for _s in preinst postinst triggers; do
		[ ! -f "$TRASH/$_name.$_s" ] || cp "$TRASH/$_name.$_s" "$TRASH/$_name.control.$_s"
	done
	/usr/bin/python3 "$TEST_ROOT/tests/lib/mkdeb.py" "$_dir/pool/main/${_name}_${_ver}_all.deb" \
		"$TRASH/$_name.control" "$@"
}

# repo_manifest NAME SUITE LINE... -> $TRASH/NAME.yaml for the test repository
# in $TRASH/repo signed by $FPR; each LINE goes under `packages:`.
repo_manifest() {
	_n=$1 _s=$2
	shift 2
	{
		cat <<YAML
name: $_n
distribution:
  suite: $_s
  mirror: file://$TRASH/repo
  updates: false
  security: false
  keyring: $TRASH/keyring.gpg
  keys: [$FPR]
packages:
YAML
		for _l in "$@"; do printf '  %s\n' "$_l"; done
	} >"$TRASH/$_n.yaml"
}

# real_essential_pool DIR: the real bookworm Essential set (and passwd) from
# the mirror, locked and fetched by livec, copied into DIR/pool/main; a
# crafted repository's packages then install onto a real base.
real_essential_pool() {
	cat >"$TRASH/real.yaml" <<-YAML
	name: real
	distribution: {suite: bookworm, updates: false, security: false}
	packages: {variant: essential, install: [passwd], boot: []}
	YAML
	"$LIVEC" -q lock --lockfile "$TRASH/real.lock" "$TRASH/real.yaml" &&
	"$LIVEC" -q fetch --lockfile "$TRASH/real.lock" "$TRASH/real.yaml" &&
	mkdir -p "$1/pool/main" &&
	awk '/^    sha256:/ { gsub(/"/, "", $2); print $2 }' "$TRASH/real.lock" | while read -r _sha; do
		cp "${XDG_CACHE_HOME:-$HOME/.cache}/livec/sha256/$(echo "$_sha" | cut -c1-2)/$_sha" \
			"$1/pool/main/$_sha.deb" || exit 1
	done &&
	test "$(ls "$1/pool/main" | wc -l)" -gt 20
}

# field LOCK SET PKG KEY -> value of KEY for PKG in SET (rootfs, boot, repositories)
field() {
	awk -v set="$2:" -v pkg="  $3:" -v key="    $4:" '
		/^[a-z]/ { inset = ($1 == set) }
		inset && /^  [^ ]/ { inpkg = ($0 == pkg) }
		inset && inpkg && index($0, key) == 1 { sub(/^[^:]*: /, ""); gsub(/"/, ""); print }' "$1"
}
in_set() { [ -n "$(field "$1" "$2" "$3" version)" ]; }
