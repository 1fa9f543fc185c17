# Shared by bench/build-tar.sh and bench/compare-mmdebstrap.sh: a local
# repository holding exactly the console lock's .debs (from livec's cache),
# so mmdebstrap and livec install the same packages from the same disk.
#
#   local_repo DIR      -> DIR/pool + DIR/dists/SUITE (unsigned: trusted=yes)
#   run_mmdebstrap DIR OUT.tar

MANIFEST=examples/console/livec.yaml
LOCK=lockfiles/console.lock
LIVEC=${LIVEC:-./build/compiler/livec}
SUITE=$(sed -n 's/^ *suite: *//p' "$MANIFEST" | head -n 1)

need_mmdebstrap() {
	command -v mmdebstrap >/dev/null || apt-get install -y -q mmdebstrap >/dev/null
}

local_repo() {
	_r=$1
	$LIVEC -q fetch --lockfile "$LOCK" "$MANIFEST"
	cache="${XDG_CACHE_HOME:-$HOME/.cache}/livec"
	mkdir -p "$_r/pool/main" "$_r/dists/$SUITE/main/binary-amd64"
	awk '/^rootfs:/ { on = 1; next } /^[a-z]/ { on = 0 } on && /^    sha256:/ { gsub(/"/, "", $2); print $2 }' "$LOCK" |
		while read -r sha; do
			ln -f "$cache/sha256/$(echo "$sha" | cut -c1-2)/$sha" "$_r/pool/main/$sha.deb" 2>/dev/null ||
				cp "$cache/sha256/$(echo "$sha" | cut -c1-2)/$sha" "$_r/pool/main/$sha.deb"
		done
	# the archive's priorities (the .debs' own control files often say
	# "optional"): an override file from the lock's reasons
	awk '/^rootfs:/ { on = 1; next } /^[a-z]/ { on = 0 }
		on && /^  [^ ]/ { n = $1; sub(/:$/, "", n) }
		on && /^    reason: "priority / { p = $3; gsub(/"/, "", p); print n, p, "misc" }' "$LOCK" >"$_r/override"
	(cd "$_r" && dpkg-scanpackages pool override 2>/dev/null) >"$_r/dists/$SUITE/main/binary-amd64/Packages"
	printf 'Suite: %s\nCodename: %s\nComponents: main\nArchitectures: amd64\n' "$SUITE" "$SUITE" \
		>"$_r/dists/$SUITE/Release"
}

run_mmdebstrap() {
	SOURCE_DATE_EPOCH=$(sed -n 's/^source-date-epoch: //p' "$LOCK") \
		mmdebstrap --quiet --mode=root --variant=minbase --include=linux-image-amd64,systemd-sysv \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		--hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
		"$SUITE" "$2" "deb [trusted=yes] file://$1 $SUITE main"
}
