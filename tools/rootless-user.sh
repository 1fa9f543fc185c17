#!/bin/sh
# Makes USER (default livec-rootless) able to run livec without root: the
# account (a home of mode 0700, as adduser makes it) and 65536 subordinate
# user and group ids in /etc/subuid and /etc/subgid, which livec maps into
# its user namespace with newuidmap and newgidmap (the uidmap package).
# For the tests and benchmarks; on your own machine, usermod does it:
#   usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER
# Run as root.  Does nothing that is already there.
set -eu
user=${1:-livec-rootless}
id -u "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$user"
chmod 0700 "$(getent passwd "$user" | cut -d: -f6)"
touch /etc/subuid /etc/subgid
if ! grep -q "^$user:" /etc/subuid || ! grep -q "^$user:" /etc/subgid; then
	# the first free range of 65536 ids above those already given out
	start=$(cat /etc/subuid /etc/subgid | awk -F: 'BEGIN { m = 100000 } $2 + $3 > m { m = $2 + $3 } END { print m }')
	usermod --add-subuids "$start-$((start + 65535))" --add-subgids "$start-$((start + 65535))" "$user"
fi
