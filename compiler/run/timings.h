/* Boot phases read from the serial console (livec run --timings).
 *
 * The console is fed as it arrives, with the host's clock (seconds since
 * QEMU started); lines that mark a phase are noted with the time they
 * arrived:
 *
 *   the boot loader's first words   ISOLINUX's banner, or GRUB's menu
 *   init's first line               "livec: init started, U s after the kernel"
 *                                   (U, the kernel's uptime, places the kernel's start)
 *   init handing over to systemd    "livec: starting /sbin/init"
 *   the login prompt                "login: " (agetty, with or without autologin)
 *
 * and the phases are the spans between them: firmware, loader (the menu's
 * wait and loading the kernel and initramfs), kernel, init (the
 * initramfs), userspace (systemd to the prompt).  An image without livec's
 * init (a live-boot image) has only the loader and the prompt: the report
 * says what it could not tell apart. */
#ifndef LV_TIMINGS_H
#define LV_TIMINGS_H

#include <stddef.h>

#include "base/buf.h"

struct lv_boot_timings {
	double loader;        /* when the boot loader spoke; < 0: not seen */
	double init;          /* init's first line */
	double uptime;        /* the kernel's uptime it reported (< 0: none) */
	double systemd;       /* init handing over to /sbin/init */
	double login;         /* the login prompt */
	char line[512];       /* the line being read (longer ones are cut) */
	size_t len;
};

void lv_timings_init(struct lv_boot_timings *t);

/* Feeds console output that arrived at `now` seconds. */
void lv_timings_feed(struct lv_boot_timings *t, double now, const char *p, size_t n);

/* 1 once the login prompt was seen. */
int lv_timings_done(const struct lv_boot_timings *t);

/* The phases, one a line ("  kernel        3.4 s  ..."), then the total
 * to the prompt; a phase whose ends were not both seen is folded into the
 * next one and named so. */
void lv_timings_report(const struct lv_boot_timings *t, struct lv_buf *out);

#endif
