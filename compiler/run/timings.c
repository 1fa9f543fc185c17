/* Boot phases from the serial console (timings.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/timings.h"

#define INIT_LINE "livec: init started, "
#define SYSTEMD_LINE "livec: starting /sbin/init"

void lv_timings_init(struct lv_boot_timings *t)
{
	memset(t, 0, sizeof(*t));
	t->loader = t->init = t->uptime = t->systemd = t->login = -1;
}

/* the line so far (it may grow): what it marks, first time only */
static void look(struct lv_boot_timings *t, double now)
{
	const char *l = t->line;
	if (t->loader < 0 && (strstr(l, "ISOLINUX ") || strstr(l, "GNU GRUB")))
		t->loader = now;
	if (t->init < 0 && strstr(l, INIT_LINE)) {
		/* wait for the number to be whole: the end of the line */
		const char *u = strstr(l, INIT_LINE) + strlen(INIT_LINE);
		char *end;
		double v = strtod(u, &end);
		if (end != u && strncmp(end, " s after the kernel", 19) == 0) {
			t->init = now;
			t->uptime = v;
		}
	}
	if (t->systemd < 0 && strstr(l, SYSTEMD_LINE))
		t->systemd = now;
	/* agetty's prompt ("HOST login: ", "HOST login: live (automatic
	 * login)"), after the loader's own prompt and init's lines */
	if (t->login < 0 && strstr(l, " login: ") && !strstr(l, "livec: "))
		t->login = now;
}

void lv_timings_feed(struct lv_boot_timings *t, double now, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '\n' || c == '\r') {
			if (t->len)
				look(t, now);
			t->len = 0;
		} else if (t->len + 1 < sizeof(t->line) && c) {
			t->line[t->len++] = c;
		}
		t->line[t->len] = '\0';
	}
	/* a prompt has no end of line: look at what came so far */
	if (t->len)
		look(t, now);
}

int lv_timings_done(const struct lv_boot_timings *t)
{
	return t->login >= 0;
}

void lv_timings_report(const struct lv_boot_timings *t, struct lv_buf *out)
{
	/* the points in boot order, and the phase that ends at each */
	double kernel = t->init >= 0 && t->uptime >= 0 && t->init - t->uptime >= 0 ? t->init - t->uptime : -1;
	const struct {
		double at;
		const char *phase, *what;
	} pts[] = {
		{ t->loader, "firmware", "to the boot loader's first words" },
		{ kernel, "loader", "its menu's wait, loading the kernel and initramfs" },
		{ t->init, "kernel", "to init's first line, by the kernel's uptime" },
		{ t->systemd, "init", "the initramfs: modules, medium, cloop image, root" },
		{ t->login, "userspace", "systemd, to the login prompt" },
	};
	char name[128] = "";
	double from = 0;
	lv_buf_puts(out, "boot timings (seconds from QEMU's start, read from the serial console):\n");
	for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
		if (*name)
			strncat(name, " + ", sizeof(name) - strlen(name) - 1);
		strncat(name, pts[i].phase, sizeof(name) - strlen(name) - 1);
		if (pts[i].at < 0)
			continue;
		lv_buf_printf(out, "  %-34s %6.1f s   (%s)\n", name, pts[i].at - from,
			      strchr(name, '+') ? "not told apart on this console" : pts[i].what);
		from = pts[i].at;
		*name = '\0';
	}
	if (t->login >= 0)
		lv_buf_printf(out, "  %-34s %6.1f s\n", "total, to the login prompt", t->login);
	else
		lv_buf_printf(out, "  no login prompt seen: %s not measured\n", name);
}
