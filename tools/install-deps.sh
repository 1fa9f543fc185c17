#!/bin/sh
# Installs livec's build and test dependencies from Debian (needs root).
# Quiet and quick when everything is already there.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# a "?" before a name: wanted where this Debian release has it (cloop-utils
# is in bookworm, not in trixie); the tests that use it skip without it
pkgs=$(grep -v '^#' "$here/deps.txt" | tr '\n' ' ')
missing="" optional=""
for p in $pkgs; do
	name=${p#\?}
	dpkg-query -W -f='${Status}\n' "$name" 2>/dev/null | grep -q "install ok installed" && continue
	if [ "$name" != "$p" ]; then optional="$optional $name"; else missing="$missing $name"; fi
done
[ -z "$missing$optional" ] && exit 0
echo "livec: installing:$missing$optional"
if [ "$(id -u)" != 0 ]; then
	echo "livec: run as root (or install these packages yourself)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
for name in $optional; do
	# apt-cache show finds virtual names too: ask for a candidate version
	if apt-cache policy "$name" 2>/dev/null | grep -q "Candidate: [0-9]"; then
		missing="$missing $name"
	else
		echo "livec: $name is not in this Debian release: the tests that need it will skip"
	fi
done
# shellcheck disable=SC2086
[ -z "$missing" ] || apt-get install -y -q --no-install-recommends $missing >/dev/null
