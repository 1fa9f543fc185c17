#!/bin/sh
# The install order, on a real Essential base (from the mirror) and crafted
# packages that install only in the right order:
# - a Pre-Depends chain (lvo-pre1 -> lvo-pre2 -> lvo-pre3): each preinst
#   fails unless its pre-dependency is configured before it is unpacked;
# - a Depends cycle (lvo-cyc1 <-> lvo-cyc2) that also needs the chain;
# - lvo-top, whose postinst fails unless everything it depends on is set up;
# - a file trigger (lvo-trig is interested in /usr/share/lvo-trig, which
#   lvo-feed ships, and lvo-feed pre-depends on lvo-trig, so lvo-trig is set
#   up when the file arrives): it must run, once, and leave nothing
#   half-configured.
# apt, given the same repository and request, must order them under the
# same rules; and a failing postinst is named with its output.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$(dirname "$0")/../lib/mkrepo.sh"
. "$(dirname "$0")/../lib/aptsim.sh"

export XDG_CACHE_HOME="$TRASH/cache"
FPR=$(make_key archive)
export_keyring "$TRASH/keyring.gpg" "$FPR"

# script NAME PHASE NEEDS...: a maintainer script that records the step in
# /var/lib/lvo/order and fails unless every NEED is configured
script() {
	_n=$1 _phase=$2
	shift 2
	cat >"$TRASH/$_n.$_phase" <<EOF
#!/bin/sh
set -e
mkdir -p /var/lib/lvo
echo "\$DPKG_MAINTSCRIPT_PACKAGE $_phase \$1" >>/var/lib/lvo/order
for need in $*; do
	st=\$(dpkg-query -W -f='\${Status}' "\$need" 2>/dev/null || :)
	case "\$st" in
	"install ok installed" | "install ok triggers-"*) ;;
	*) echo "$_n: \$need is '\$st' during $_phase"; exit 1 ;;
	esac
done
EOF
}

test_expect_success 'setup: real Essential .debs, crafted packages, a signed repository' '
	real_essential_pool repo &&
	script lvo-pre3 postinst &&
	script lvo-pre2 preinst lvo-pre3 && script lvo-pre2 postinst lvo-pre3 &&
	script lvo-pre1 preinst lvo-pre2 && script lvo-pre1 postinst lvo-pre2 &&
	script lvo-cyc1 postinst lvo-pre1 &&
	script lvo-cyc2 postinst lvo-pre1 &&
	script lvo-top postinst lvo-cyc1 lvo-cyc2 lvo-pre1 &&
	script lvo-trig postinst &&
	script lvo-feed postinst lvo-trig &&
	echo "interest /usr/share/lvo-trig" >"$TRASH/lvo-trig.triggers" &&
	craft_deb repo lvo-pre3 1.0 "" &&
	craft_deb repo lvo-pre2 1.0 "Pre-Depends: lvo-pre3\n" &&
	craft_deb repo lvo-pre1 1.0 "Pre-Depends: lvo-pre2\n" &&
	craft_deb repo lvo-cyc1 1.0 "Depends: lvo-cyc2, lvo-pre1\n" &&
	craft_deb repo lvo-cyc2 1.0 "Depends: lvo-cyc1\n" &&
	craft_deb repo lvo-top 1.0 "Depends: lvo-cyc1 | lvo-missing, lvo-feed\n" &&
	craft_deb repo lvo-trig 1.0 "" &&
	craft_deb repo lvo-feed 1.0 "Pre-Depends: lvo-trig\n" d:./usr/ d:./usr/share/ d:./usr/share/lvo-trig/ \
		"f:./usr/share/lvo-trig/data=fed" &&
	printf "#!/bin/sh\necho lvo-bad: the widget is missing\necho lvo-bad: giving up\nexit 7\n" \
		>"$TRASH/lvo-bad.postinst" &&
	craft_deb repo lvo-bad 1.0 "Depends: lvo-pre1\n" &&
	index_repo repo lv && sign_repo repo lv "$FPR"
'

# rules FILE: checks an install sequence ("unpack PKG" / "configure PKG"
# lines, in order) against the crafted relations; prints each violation
rules() {
	awk '
	$1 == "unpack" && !(($2) in unpacked) { unpacked[$2] = NR }
	$1 == "configure" && !(($2) in conf) { conf[$2] = NR }
	END {
		n = split("lvo-pre1:lvo-pre2 lvo-pre2:lvo-pre3", pre, " ")
		for (i = 1; i <= n; i++) {
			split(pre[i], p, ":")
			if (!(p[2] in conf) || !(p[1] in unpacked) || conf[p[2]] > unpacked[p[1]])
				print "pre-dependency " p[2] " not configured before " p[1] " was unpacked"
		}
		n = split("lvo-cyc1:lvo-pre1 lvo-top:lvo-cyc1 lvo-top:lvo-cyc2 lvo-top:lvo-feed lvo-feed:lvo-trig", dep, " ")
		for (i = 1; i <= n; i++) {
			split(dep[i], p, ":")
			if (!(p[2] in conf) || !(p[1] in conf) || conf[p[2]] > conf[p[1]])
				print "dependency " p[2] " not configured before " p[1]
		}
	}' "$1"
}

test_expect_success 'livec installs them in dependency order, the trigger once' '
	repo_manifest order lv "variant: essential" "boot: []" "install: [lvo-top]" &&
	"$LIVEC" lock --lockfile order.lock order.yaml &&
	"$LIVEC" build --format dir --output tree --lockfile order.lock order.yaml 2>err &&
	cat tree/var/lib/lvo/order &&
	awk "\$2 == \"preinst\" && \$3 == \"install\" { print \"unpack\", \$1 }
	     \$2 == \"postinst\" && \$3 == \"configure\" { print \"configure\", \$1 }" \
		tree/var/lib/lvo/order >livec.seq &&
	test "$(grep -c "^configure lvo-" livec.seq)" = 8 &&
	rules livec.seq >livec.bad && test ! -s livec.bad || { cat livec.bad; false; }
'

test_expect_success 'the trigger ran once, after its package was set up; nothing is half-configured' '
	test "$(grep -c "^lvo-trig postinst triggered" tree/var/lib/lvo/order)" = 1 &&
	test "$(grep -n "^lvo-trig postinst triggered" tree/var/lib/lvo/order | cut -d: -f1)" -gt \
		"$(grep -n "^lvo-feed postinst configure" tree/var/lib/lvo/order | cut -d: -f1)" &&
	! grep -q "^Status: .* \(half-\|unpacked\|triggers-\)" tree/var/lib/dpkg/status &&
	test "$(grep -c "^Status: install ok installed" tree/var/lib/dpkg/status)" = \
		"$(grep -c "^Package:" tree/var/lib/dpkg/status)"
'

test_expect_success 'apt, same repository and request, orders them under the same rules' '
	echo "file://$TRASH/repo lv" >suites &&
	aptsim_setup "$TRASH/apt" suites "$TRASH/keyring.gpg" &&
	apt-get -s install lvo-top >sim &&
	awk "/^Inst / { print \"unpack\", \$2 } /^Conf / { print \"configure\", \$2 }" sim >apt.seq &&
	grep "^configure lvo-" apt.seq | sort >apt.set &&
	grep "^configure lvo-" livec.seq | sort >livec.set &&
	diff -u apt.set livec.set &&
	rules apt.seq >apt.bad && test ! -s apt.bad || { cat apt.bad; false; }
'

test_expect_success 'a failing postinst is named, with its output; nothing is written' '
	repo_manifest bad lv "variant: essential" "boot: []" "install: [lvo-bad]" &&
	"$LIVEC" lock --lockfile bad.lock bad.yaml &&
	expect_code 1 "$LIVEC" build --lockfile bad.lock bad.yaml 2>err &&
	cat err &&
	grep_or_show "package .lvo-bad.: its postinst failed with exit status 7" err &&
	grep_or_show "lvo-bad: the widget is missing" err &&
	test ! -e out/bad/bad.iso && test ! -e out/bad/.work/root
'

test_done
