# A private APT setup for comparing livec with apt: same sources as livec
# used (a file of "URL SUITE" lines), empty dpkg status, no Recommends.
#
#   aptsim_setup DIR SUITES_FILE [KEYRING]
#                                  -> exports APT_CONFIG, runs apt-get update
#   aptsim_base_names              -> Essential + Priority required names
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
	apt-cache dumpavail |
		awk -v RS= '/\nEssential: yes|\nPriority: required/ { sub(/^Package: /, ""); sub(/\n.*/, ""); print }' |
		sort -u
}

# livec -v prints "suite NAME from URL"; turn that into "URL NAME" lines.
suites_from_log() {
	sed -n 's/^livec: suite \([^ ]*\) from \(.*\)/\2 \1/p' "$1"
}
