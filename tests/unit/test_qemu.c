/* QEMU's command line for livec run, from the machine's description: the
 * BIOS CD, KVM, a USB stick, UEFI and Secure Boot firmware, direct boot,
 * the sockets, extra disks and pass-through arguments. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/child.h"
#include "run/qemu.h"

/* The command line as one string, arguments separated by spaces. */
static char *command(const struct lv_machine *m, const struct lv_qemu_files *f)
{
	struct lv_args a = { 0 };
	assert_int_equal(lv_qemu_command(m, f, &a), 0);
	size_t len = 1;
	for (size_t i = 0; i < a.n; i++)
		len += strlen(a.v[i]) + 1;
	char *s = calloc(1, len);
	for (size_t i = 0; i < a.n; i++) {
		strcat(s, a.v[i]);
		if (i + 1 < a.n)
			strcat(s, " ");
	}
	lv_args_release(&a);
	return s;
}

static void a_bios_cd_with_the_defaults(void **s)
{
	(void)s;
	struct lv_machine m = { .image = "x.iso", .memory = "2048", .cpus = "2" };
	struct lv_qemu_files f = { 0 };
	char *c = command(&m, &f);
	assert_string_equal(c, "qemu-system-x86_64 -m 2048 -smp 2 -display none -serial mon:stdio -no-reboot "
			       "-snapshot -drive id=livecd,media=cdrom,format=raw,readonly=on,file=x.iso -boot d");
	free(c);
}

static void kvm_comes_first_with_the_host_cpu(void **s)
{
	(void)s;
	struct lv_machine m = { .image = "x.iso" };
	struct lv_qemu_files f = { .kvm = 1 };
	char *c = command(&m, &f);
	assert_int_equal(strncmp(c, "qemu-system-x86_64 -enable-kvm -cpu host -m 2048 -smp 2 ", 56), 0);
	free(c);
}

static void a_usb_stick_on_xhci_with_a_monitor_adds_one_controller(void **s)
{
	(void)s;
	struct lv_machine m = { .image = "x.iso", .usb = 1, .monitor = "/tmp/mon.sock" };
	struct lv_qemu_files f = { 0 };
	char *c = command(&m, &f);
	assert_non_null(strstr(c, " -monitor unix:/tmp/mon.sock,server=on,wait=off -drive "
				  "if=none,id=stick,format=raw,file=x.iso -device qemu-xhci,id=xhci -device "
				  "usb-storage,bus=xhci.0,drive=stick,bootindex=0"));
	const char *first = strstr(c, "qemu-xhci");
	assert_null(strstr(first + 1, "qemu-xhci"));
	free(c);
}

static void a_monitor_on_a_cd_gets_a_usb_controller_for_device_add(void **s)
{
	(void)s;
	struct lv_machine m = { .image = "x.iso", .monitor = "m.sock" };
	struct lv_qemu_files f = { 0 };
	char *c = command(&m, &f);
	assert_non_null(strstr(c, "-monitor unix:m.sock,server=on,wait=off -device qemu-xhci,id=xhci -drive id=livecd,"));
	free(c);
}

static void uefi_boots_the_cd_by_bootindex_from_ovmf(void **s)
{
	(void)s;
	struct lv_machine m = { .image = "x.iso", .firmware = LV_FIRMWARE_UEFI };
	struct lv_qemu_files f = { .vars = "/proc/self/fd/7" };
	char *c = command(&m, &f);
	assert_non_null(strstr(c, "-machine q35 -drive if=pflash,format=raw,unit=0,readonly=on,file="
				  LV_OVMF_DIR "/OVMF_CODE_4M.fd -drive "
				  "if=pflash,format=raw,unit=1,snapshot=off,file=/proc/self/fd/7 -m "));
	assert_non_null(strstr(c, "-drive if=none,id=livecd,media=cdrom,format=raw,readonly=on,file=x.iso "
				  "-device ide-cd,drive=livecd,bootindex=0"));
	assert_null(strstr(c, "-boot d"));
	assert_null(strstr(c, "smm"));
	free(c);
}

static void secure_boot_uses_the_secboot_build_with_smm(void **s)
{
	(void)s;
	struct lv_machine m = { .image = "x.iso", .firmware = LV_FIRMWARE_SECURE_BOOT };
	struct lv_qemu_files f = { .vars = "/proc/self/fd/7" };
	char *c = command(&m, &f);
	assert_non_null(strstr(c, "-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on -drive "
				  "if=pflash,format=raw,unit=0,readonly=on,file=" LV_OVMF_DIR "/OVMF_CODE_4M.secboot.fd "));
	free(c);
}

static void direct_boot_appends_to_the_menus_command_line(void **s)
{
	(void)s;
	struct lv_machine m = { .image = "x.iso", .append = "livec.toram" };
	struct lv_qemu_files f = { .boot = { .kernel = "/proc/self/fd/5", .initrd = "/proc/self/fd/6" } };
	f.boot.append = (struct lv_buf){ .p = "boot=live quiet", .len = 15 };
	char *c = command(&m, &f);
	assert_non_null(strstr(c, " -snapshot -kernel /proc/self/fd/5 -initrd /proc/self/fd/6 "
				  "-append boot=live quiet livec.toram -drive id=livecd,"));
	free(c);
}

static void disks_persistence_vnc_qmp_and_extra_arguments(void **s)
{
	(void)s;
	const char *disks[] = { "a.img", "b.img" };
	char *extra[] = { "--", "-smbios", "type=1" };
	struct lv_machine m = { .image = "x.iso", .disks = disks, .ndisks = 2, .persist = "p.img", .vnc = ":1",
				.screenshot = "shot.png", .extra = extra, .nextra = 3 };
	struct lv_qemu_files f = { .qmp = "/tmp/q/qmp" };
	char *c = command(&m, &f);
	assert_non_null(strstr(c, "-display vnc=:1 "));
	assert_non_null(strstr(c, "-qmp unix:/tmp/q/qmp,server=on,wait=off "));
	const char *tail = "-boot d -drive if=virtio,format=raw,file=a.img -drive if=virtio,format=raw,file=b.img "
			   "-drive if=virtio,format=raw,snapshot=off,file=p.img -smbios type=1";
	assert_string_equal(c + strlen(c) - strlen(tail), tail);
	assert_null(strstr(c, " -- "));
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_bios_cd_with_the_defaults),
		cmocka_unit_test(kvm_comes_first_with_the_host_cpu),
		cmocka_unit_test(a_usb_stick_on_xhci_with_a_monitor_adds_one_controller),
		cmocka_unit_test(a_monitor_on_a_cd_gets_a_usb_controller_for_device_add),
		cmocka_unit_test(uefi_boots_the_cd_by_bootindex_from_ovmf),
		cmocka_unit_test(secure_boot_uses_the_secboot_build_with_smm),
		cmocka_unit_test(direct_boot_appends_to_the_menus_command_line),
		cmocka_unit_test(disks_persistence_vnc_qmp_and_extra_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
