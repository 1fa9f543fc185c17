#!/bin/sh
# The product-demo CD (examples/demo-x): an X session that logs in by
# itself.  `livec verify` builds it twice on different-looking hosts and
# every artifact must be identical.  The tree is then unpacked from the ISO
# built there (cloop image and root_fs.tgz) and audited: the example's
# license policy holds, the demo program counts with its declared license
# and no file is unowned.  In that tree, with DISPLAY set, livec-session
# brings the session up on Xvnc (the seed's test path).  Last, the ISO
# boots in QEMU with lang=de keyboard=de screen=1024x768: livec-session
# inside the image reports on the serial line who runs the X server, which
# windows are mapped, the keyboard, the language and the screen, and
# `livec run --screenshot` saves the screen once it is ready (the picture is
# kept in out/test-artifacts/).  Booted with nox it stays on the console.
. "$(dirname "$0")/../lib/test-lib.sh"

MANIFEST="$TEST_ROOT/examples/demo-x/livec.yaml"
export XDG_CACHE_HOME="${LIVEC_TEST_CACHE:-$TRASH/cache}"
ISO="$TRASH/v/a/out/demo-x.iso"

test_expect_success 'a package reconfigured at boot must be in the lock: an error before anything is built' '
	mkdir -p bad && cp -r "$TEST_ROOT/examples/demo-x/files" bad/ &&
	sed -e "s/reconfigure-at-boot: \[keyboard-configuration, locales\]/reconfigure-at-boot: [keyboard-configuration, console-setup]/" \
		-e "s#\.\./\.\./manifests/#$TEST_ROOT/manifests/#g" "$MANIFEST" >bad/livec.yaml &&
	grep -q console-setup bad/livec.yaml &&
	expect_code 2 "$LIVEC" build --lockfile "$TEST_ROOT/lockfiles/demo-x.lock" bad/livec.yaml 2>bad.err &&
	grep_or_show "livec.yaml:[0-9]*:[0-9]*: error: system.reconfigure-at-boot: .console-setup. is not in the lock" bad.err &&
	test ! -e out
'

test_expect_success 'livec verify examples/demo-x: every artifact identical across two hosts' '
	livec_verify v "$MANIFEST" &&
	grep_or_show "verify: [0-9]* identical, 0 differ" v.out &&
	grep_or_show "identical demo-x.iso:LIVEC/LIVEC:inner" v.out &&
	test -s "$ISO"
'

test_expect_success 'the image unpacked: its license policy holds, the demo program is declared, nothing unowned' '
	mkdir tree &&
	bsdtar -xf "$ISO" -C . LIVEC/LIVEC LIVEC/root_fs.tgz LIVEC/licenses/sbom.spdx.json &&
	"$LIVEC" cloop extract LIVEC/LIVEC inner.img &&
	bsdtar -xf inner.img -C tree && rm inner.img &&
	tar -xzf LIVEC/root_fs.tgz -C tree &&
	test -x tree/usr/local/bin/livec-demo && test -x tree/home/live/.xsession &&
	"$LIVEC" audit-licenses --tree tree --format json "$MANIFEST" >audit.json &&
	"$LIVEC" audit-licenses --tree tree "$MANIFEST" >audit.txt &&
	grep_or_show "^files made while installing .*: [1-9][0-9]*$" audit.txt &&
	grep_or_show "^files: /: 2 files, license MIT (declared in the manifest): ok$" audit.txt &&
	grep_or_show "^files from no package and not declared in the manifest: 0$" audit.txt &&
	/usr/bin/python3 - <<-PY
	import json
	d = json.load(open("audit.json"))
	assert d["summary"]["violations"] == 0, d["summary"]
	assert d["unowned"] == [], d["unowned"][:20]
	assert [(f["target"], f["license"], f["files"]) for f in d["declared"]] == [("/", "MIT", 2)], d["declared"]
	names = {p["name"] for p in d["packages"]}
	for want in ("xserver-xorg-core", "jwm", "xterm", "emacs-lucid"):
	    assert want in names, want
	for no in ("gnome-shell", "plasma-desktop", "lightdm", "gdm3", "sddm", "xdm"):
	    assert no not in names, no
	PY
'

test_expect_success 'the SBOM on the image is valid SPDX and lists the demo program with its license' '
	/usr/bin/python3 "$TEST_ROOT/tests/spdx/validate.py" LIVEC/licenses/sbom.spdx.json &&
	/usr/bin/python3 - <<-PY
	import json
	d = json.load(open("LIVEC/licenses/sbom.spdx.json"))
	files = [p for p in d["packages"] if p["name"].startswith("files: ")]
	assert [(p["name"], p["licenseDeclared"]) for p in files] == [("files: /", "MIT")], files
	locked = len(json.load(open("audit.json"))["packages"])
	assert len(d["packages"]) == locked + 1, (len(d["packages"]), locked)
	PY
'

test_expect_success 'a file a hook adds without a license is unowned' '
	echo stray >tree/etc/stray.conf &&
	! "$LIVEC" audit-licenses --tree tree "$MANIFEST" >stray.txt 2>stray.err &&
	grep_or_show "^  /etc/stray.conf$" stray.txt &&
	grep_or_show "licenses.unowned: deny" stray.err
'

test_expect_success 'the seed'"'"'s test path: with DISPLAY set, the same session comes up on Xvnc in the image'"'"'s tree' '
	unshare --mount --pid --fork --propagation private sh "$TEST_ROOT/tests/lib/session-chroot.sh" \
		"$TRASH/tree" >vnc.out 2>&1 &&
	cat vnc.out &&
	grep_or_show "livec-session: starting X as live (Xvnc on :1)" vnc.out &&
	grep_or_show "livec-session: X server Xvnc runs as live" vnc.out &&
	grep_or_show "livec-session: windows mapped:.* xterm" vnc.out &&
	grep_or_show "livec-session: windows mapped:.* emacs" vnc.out &&
	grep_or_show "livec-session: windows mapped:.* livec-demo" vnc.out &&
	grep_or_show "livec-session: ready: 3 of 3 windows on :1" vnc.out
'

test_expect_success 'it boots into the X session: X as the live user, the three windows, German, 1024x768; a screen= that is not WxH is refused' '
	livec_run boot.log --timeout 1500 --append "lang=de keyboard=de screen=1024x768 screen=1\$(reboot)x1" \
		--screenshot shot.png "$ISO" || {
		grep -a "livec\|error\|panic" boot.log | tail -40; exit 1
	}
	grep -a "livec-session\|livec-reconfigure" boot.log &&
	grep_or_show "livec-session: X server Xorg runs as live" boot.log &&
	grep_or_show "livec-session: windows mapped:.* xterm" boot.log &&
	grep_or_show "livec-session: windows mapped:.* emacs" boot.log &&
	grep_or_show "livec-session: windows mapped:.* livec-demo" boot.log &&
	grep_or_show "livec-session: keyboard de, language de_DE.UTF-8 (available), screen 1024x768" boot.log &&
	grep_or_show "livec-session: ready: 3 of 3 windows on :0" boot.log &&
	grep_or_show "livec-session: ignoring boot option .screen=1\$(reboot)x1.: not WxH" boot.log
'

test_expect_success 'the screenshot shows the session, not a blank or text screen' '
	mkdir -p "$TEST_ROOT/out/test-artifacts" &&
	cp shot.png "$TEST_ROOT/out/test-artifacts/demo-x.png" &&
	/usr/bin/python3 "$TEST_ROOT/tests/lib/pngstat.py" shot.png >stat &&
	cat stat &&
	read size colours top <stat &&
	test "$size" = 1024x768 &&
	test "$colours" -ge 64 &&
	test "${top%\%}" -le 90
'

test_expect_success 'with nox there is no X session: it says so, and the screen has a few colours of text' '
	livec_run nox.log --timeout 900 --append nox --screenshot nox.png --when "livec-session: nox" \
		"$ISO" || {
		grep -a "livec\|error\|panic" nox.log | tail -40; exit 1
	}
	grep_or_show "livec-session: nox: no X session" nox.log &&
	! grep -a -q "livec-session: starting X" nox.log &&
	/usr/bin/python3 "$TEST_ROOT/tests/lib/pngstat.py" nox.png >nox.stat &&
	cat nox.stat &&
	read size colours top <nox.stat &&
	test "$colours" -le 16
'

test_done
