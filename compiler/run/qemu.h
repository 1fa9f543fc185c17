/* Booting an image in QEMU (livec run): a typed description of the
 * machine, QEMU's command line made from it, and QEMU run as a child
 * (base/child.h) with its serial console on the terminal, -snapshot so
 * nothing is written back, KVM when it works (kvm.h), and optionally one
 * screenshot through QMP (qmp.h) once the console printed a text (or
 * just a stop then), and the boot's phases read from the console
 * (timings.h). */
#ifndef LV_QEMU_H
#define LV_QEMU_H

#include <stddef.h>

#include "base/child.h"
#include "base/diag.h"
#include "run/isoboot.h"
#include "run/timings.h"

#define LV_OVMF_DIR "/usr/share/OVMF"   /* Debian's ovmf package */

enum lv_firmware {
	LV_FIRMWARE_BIOS,
	LV_FIRMWARE_UEFI,          /* OVMF on a q35 machine */
	LV_FIRMWARE_SECURE_BOOT,   /* OVMF's secboot build, Microsoft's keys enrolled, SMM */
};

struct lv_machine {
	const char *image;          /* the ISO (readable: checked) */
	int usb;                    /* attached as a USB stick (isohybrid), not a CD */
	enum lv_firmware firmware;
	const char *memory, *cpus;  /* QEMU's -m (MiB) and -smp, as given */
	const char *const *disks;   /* extra disks, writes discarded */
	size_t ndisks;
	const char *persist;        /* a disk that keeps what is written, or NULL */
	const char *append;         /* boot the image's kernel directly with its menu's
				     * command line plus this, or NULL */
	const char *monitor;        /* QEMU's human monitor on this unix socket, or NULL */
	const char *vnc;            /* the screen on this VNC display, or NULL: none */
	char *const *extra;         /* more arguments for QEMU ("--" is skipped) */
	size_t nextra;
	unsigned timeout_s;         /* QEMU is stopped after this long (0: never) */
	const char *screenshot;     /* once the console printed `when`, the screen as this
				     * PNG, and QEMU quits; or NULL */
	const char *when;
	int stop_when;              /* no screenshot: QEMU quits once the console printed `when` */
	struct lv_boot_timings *timings; /* the boot's phases are noted here (caller's), or NULL */
};

/* What the command line refers to that exists only while QEMU runs. */
struct lv_qemu_files {
	int kvm;                    /* use KVM */
	char vars[64];              /* UEFI: the private copy of OVMF's variables */
	struct lv_isoboot boot;     /* --append: the kernel, initramfs and command line */
	char qmp_dir[32], qmp[64];  /* screenshot: the QMP socket, in a directory of its own */
};

/* QEMU's command line for m (appended to out; out->err on failure).
 * Made from m and f alone, so that tests can read it. */
int lv_qemu_command(const struct lv_machine *m, const struct lv_qemu_files *f, struct lv_args *out);

/* Boots m: prepares its files, runs QEMU until it stops (the guest powers
 * off, the timeout, or the screenshot is taken), cleans up.  0 when QEMU
 * ended by itself (and the screenshot was saved), else an error,
 * diagnosed. */
int lv_qemu_run(const struct lv_machine *m, struct lv_diags *d);

#endif
