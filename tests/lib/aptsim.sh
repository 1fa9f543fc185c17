# A private APT setup for comparing livec with apt: same sources as livec
# used (a file of "URL SUITE" lines), empty dpkg status, no Recommends.
#
#   aptsim_setup DIR SUITES_FILE [KEYRING]
#                                  -> exports APT_CONFIG, runs apt-get update
#   aptsim_base_names [PRIORITY...] -> Essential + those priorities' names
#                                     (default: required), sorted as bytes
#   aptsim_install_set RECOMMENDS NAME...
#                                  -> "name version" lines apt installs
#   lock_rootfs_set LOCKFILE       -> the same lines for a lock's rootfs
aptsim_setup() {
	_a=$1 _keyring=${3:-/usr/share/keyrings/debian-archive-keyring.gpg}
	mkdir -p "$_a/etc/apt/preferences.d" "$_a/etc/apt/apt.conf.d" "$_a/etc/apt/sources.list.d" \
		"$_a/var/lib/apt/lists/partial" "$_a/var/cache/apt/archives/partial" "$_a/var/lib/dpkg"
	: >"$_a/var/lib/dpkg/status"
	while read -r _url _suite; do
		echo "deb [signed-by=$_keyring] $_url $_suite main"
	done <"$2" >"$_a/etc/apt/sources.list"
	cat >"$_a/apt.conf" <<CONF
Dir "$_a/";
Dir::State::status "$_a/var/lib/dpkg/status";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
APT::Install-Recommends "false";
APT::Sandbox::User "root";
CONF
	APT_CONFIG="$_a/apt.conf"
	export APT_CONFIG
	apt-get -q update >/dev/null
}

aptsim_base_names() {
	_prios=${*:-required}
	apt-cache dumpavail |
		awk -v RS= -v prios=" $_prios " '{
			p = $0; sub(/.*\nPriority: /, "", p); sub(/\n.*/, "", p)
			if ($0 ~ /\nEssential: yes/ || index(prios, " " p " ")) {
				sub(/^Package: /, ""); sub(/\n.*/, ""); print
			}
		}' |
		LC_ALL=C sort -u
}

aptsim_install_set() {
	_rec=$1
	shift
	apt-get -s -o APT::Install-Recommends="$_rec" install "$@" >apt.sim &&
		awk '/^Inst / { v = $3; sub(/^\(/, "", v); print $2, v }' apt.sim | LC_ALL=C sort
}

lock_rootfs_set() {
	awk '/^rootfs:/ { on = 1; next } /^[a-z]/ { on = 0 }
		on && /^  [^ ]/ { n = $1; sub(/:$/, "", n) }
		on && /^    version:/ { v = $2; gsub(/"/, "", v); print n, v }' "$1" | LC_ALL=C sort
}

# livec -v prints "suite NAME from URL"; turn that into "URL NAME" lines.
suites_from_log() {
	sed -n 's/^livec: suite \([^ ]*\) from \(.*\)/\2 \1/p' "$1"
}
