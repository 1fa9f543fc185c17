#!/bin/sh
# examples/hardware: trixie with non-free-firmware (laptop firmware and CPU
# microcode).  Its committed lock is fresh; the audit passes only through
# the manifest's stated exceptions (without them each firmware package is
# a violation: Debian files it under non-free-firmware); it builds, and its
# initramfs, taken from the built ISO, carries the modules that find a
# medium on real hardware (NVMe, xHCI, UAS, SD host) with their reasons.
. "$(dirname "$0")/../lib/test-lib.sh"

MANIFEST="$TEST_ROOT/examples/hardware/livec.yaml"
LOCK="$TEST_ROOT/lockfiles/hardware.lock"
export XDG_CACHE_HOME="${LIVEC_TEST_CACHE:-$TRASH/cache}"

test_expect_success 'the committed lock is fresh and takes non-free-firmware' '
	"$LIVEC" lock --check "$MANIFEST" &&
	grep -q "filename: \"pool/non-free-firmware/f/firmware-nonfree/firmware-iwlwifi_" "$LOCK" &&
	grep -q "non-free-firmware/binary-amd64/Packages" "$LOCK"
'

test_expect_success 'the audit passes, each firmware package waived for its stated reason' '
	"$LIVEC" audit-licenses "$MANIFEST" >audit.out &&
	grep_or_show "0 violations" audit.out &&
	for p in firmware-misc-nonfree firmware-iwlwifi firmware-realtek intel-microcode amd64-microcode; do
		grep "^$p " audit.out | grep -q "\[waived: " || { echo "not waived: $p"; exit 1; }
	done &&
	grep "^firmware-linux-free " audit.out | grep -q " ok "
'

test_expect_success 'without the exceptions the non-free firmware violates the policy' '
	sed "/^  exceptions:/,/^[a-z]/{/^  exceptions:/d;/^    - /d}" "$TEST_ROOT/manifests/firmware.yaml" \
		>firmware-noexc.yaml &&
	grep -q "firmware-iwlwifi" firmware-noexc.yaml && ! grep -q "reason:" firmware-noexc.yaml &&
	sed "s#^include: .*#include: [$TEST_ROOT/manifests/base.yaml, firmware-noexc.yaml]#" "$MANIFEST" >noexc.yaml &&
	expect_code 1 "$LIVEC" audit-licenses --lockfile "$LOCK" noexc.yaml >noexc.out 2>noexc.err &&
	grep_or_show "5 violations" noexc.out &&
	grep_or_show "violated by rootfs package .intel-microcode.*non-free-firmware component" noexc.err
'

test_expect_success 'it builds; the initramfs finds media on real hardware' '
	"$LIVEC" -v build --layers layers "$MANIFEST" 2>build.err &&
	test -s out/hardware/hardware.iso &&
	mkdir initrd && bsdtar -xf layers/iso/boot/initrd.gz -C initrd &&
	for m in nvme xhci-pci uas sdhci-pci usb-storage ahci mmc_block isofs nbd; do
		find initrd/lib/modules -name "$m.ko*" | grep -q . || { echo "no module $m"; exit 1; }
	done &&
	grep_or_show "^module nvme: NVMe controllers" initrd/etc/livec/modules.why &&
	grep_or_show "^module xhci_pci: USB host controllers" initrd/etc/livec/modules.why &&
	grep_or_show "^module uas: USB mass storage" initrd/etc/livec/modules.why &&
	grep_or_show "livec: initramfs: module sdhci_pci: SD host controllers" build.err &&
	sed -n "s/^firmware \([^:]*\):.*/\1/p" initrd/etc/livec/modules.why >firmware.list &&
	while read -r fw; do test -f "initrd/lib/firmware/$fw" || { echo "missing $fw"; exit 1; }; done <firmware.list
'

test_done
