/* livec run: boot an image in QEMU, the seed's "test without burning".
 * The options describe the machine (run/qemu.h); run/ builds QEMU's
 * command line and runs it. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/options.h"
#include "base/err.h"
#include "cmd/cli.h"
#include "run/kvm.h"
#include "run/qemu.h"
#include "run/timings.h"

#define DEFAULT_WHEN "livec-session: ready"

static const struct lv_opt run_opts[] = {
	{ 'u', "usb", 0, NULL, "attach the image as a USB stick (isohybrid) instead of a CD", NULL },
	{ 'E', "uefi", 0, NULL, "boot with UEFI firmware (OVMF, apt-get install ovmf) on a q35 machine "
	  "instead of the BIOS", NULL },
	{ 'B', "secure-boot", 0, NULL, "UEFI with Secure Boot enforced: OVMF's secboot build with "
	  "Microsoft's keys enrolled (a fresh copy of its variables)", NULL },
	{ 'm', "memory", 0, "MiB", "guest memory (default 2048)", NULL },
	{ 'c', "cpus", 0, "N", "guest CPUs (default 2)", NULL },
	{ 'd', "disk", 0, "FILE", "attach FILE as an extra disk (repeatable; writes are discarded)", NULL },
	{ 'p', "persist", 0, "FILE", "attach FILE as a disk that keeps what is written, e.g. an image from "
	  "'livec persist-image'", NULL },
	{ 't', "timeout", 0, "S", "stop QEMU after S seconds (for tests)", NULL },
	{ 'a', "append", 0, "ARGS", "boot the image's own kernel and initramfs directly with the boot "
	  "menu's command line plus ARGS (e.g. livec.toram); the image stays attached as the medium", NULL },
	{ 'M', "monitor", 0, "PATH", "a QEMU monitor on the unix socket PATH (a USB controller is added "
	  "for device_add usb-storage; the CD drive's id is livecd)", NULL },
	{ 'V', "vnc", LV_OPT_OPTIONAL, "HOST:N", "show the screen over VNC (default 127.0.0.1:0, port "
	  "5900)", NULL },
	{ 'S', "screenshot", 0, "FILE.png", "when the console prints the --when text, save the screen as "
	  "PNG and stop the machine; exit 1 if it never did", NULL },
	{ 'W', "when", 0, "TEXT", "with --screenshot, when to take it (default \"" DEFAULT_WHEN "\": the X "
	  "session of system.session has its windows); alone, stop the machine once the console printed TEXT",
	  NULL },
	{ 'T', "timings", 0, NULL, "when QEMU stops, print how long each phase of the boot took, read from "
	  "the serial console: firmware, loader, kernel, init (the initramfs), userspace (to the login prompt)",
	  NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

const struct lv_verb lv_verb_run = {
	.name = "run",
	.run = lv_cmd_run,
	.needs = 0,
	.synopsis = "run [--uefi [--secure-boot]] [--usb] [--memory MiB] [--cpus N] [--disk FILE]... "
		    "[--persist FILE] [--vnc] [--screenshot FILE.png] [--when TEXT] [--timings] IMAGE.iso [-- QEMU-ARGS]",
	.summary = "boot an image in QEMU (serial console here)",
	.description =
		"Boots the image in QEMU with its serial console on this terminal (quit\n"
		"with Ctrl-A X).  KVM is used when /dev/kvm works, else software emulation.\n"
		"Nothing is written back to the image or the --disk files.  A kernel panic\n"
		"in the guest stops QEMU at once, and livec run exits 1.",
	.opts = run_opts,
	.epilogue = "LIVEC_QEMU_ACCEL=kvm|tcg overrides the accelerator check.",
};

/* --timeout S: whole seconds, more than none */
static int seconds(struct lv_ctx *ctx, const char *text, unsigned *out)
{
	char *end;
	unsigned long s = strtoul(text, &end, 10);
	if (*end || !s || s > 1u << 30) {
		lv_error(&ctx->d, "--timeout needs a number of seconds, not '%s'", text);
		return -LVE_USAGE;
	}
	*out = (unsigned)s;
	return 0;
}

static void announce(const struct lv_ctx *ctx, const struct lv_machine *m)
{
	lv_debug(ctx, "running qemu-system-x86_64 (%s)", lv_kvm_usable() ? "KVM" : "software emulation");
	if (m->vnc)
		lv_say(ctx, "the screen is on VNC display %s (port 5900 + N)", m->vnc);
}

int lv_cmd_run(struct lv_ctx *ctx, int argc, char **argv)
{
	const char *mem = "2048", *cpus = "2", *timeout = NULL, *persist = NULL, *append = NULL;
	const char *monitor = NULL, *vnc = NULL, *screenshot = NULL, *when = NULL;
	const char *disks[16];
	int usb = 0, uefi = 0, secure = 0, timings = 0, ndisks = 0, c;
	struct lv_boot_timings bt;

	while ((c = lv_opt_next(&lv_verb_run, argc, argv)) != -1) {
		switch (c) {
		case 'u': usb = 1; break;
		case 'm': mem = optarg; break;
		case 'c': cpus = optarg; break;
		case 'd':
			if (ndisks < 16)
				disks[ndisks++] = optarg;
			break;
		case 't': timeout = optarg; break;
		case 'p': persist = optarg; break;
		case 'a': append = optarg; break;
		case 'M': monitor = optarg; break;
		case 'V': vnc = optarg ? optarg : "127.0.0.1:0"; break;
		case 'S': screenshot = optarg; break;
		case 'W': when = optarg; break;
		case 'T': timings = 1; break;
		case 'E': uefi = 1; break;
		case 'B': uefi = secure = 1; break;
		case LV_OPT_HELP: return 0;
		default: return -LVE_USAGE;
		}
	}
	if (optind >= argc) {
		lv_error(&ctx->d, "livec run needs an IMAGE.iso (see 'livec run --help')");
		return -LVE_USAGE;
	}
	struct lv_machine m = {
		.image = argv[optind], .usb = usb, .memory = mem, .cpus = cpus, .disks = disks,
		.ndisks = (size_t)ndisks, .persist = persist, .append = append, .monitor = monitor, .vnc = vnc,
		.screenshot = screenshot, .when = when ? when : DEFAULT_WHEN, .stop_when = when && !screenshot,
		.timings = timings ? &bt : NULL, .extra = argv + optind + 1, .nextra = (size_t)(argc - optind - 1),
		.firmware = secure ? LV_FIRMWARE_SECURE_BOOT : uefi ? LV_FIRMWARE_UEFI : LV_FIRMWARE_BIOS,
	};
	int r = timeout ? seconds(ctx, timeout, &m.timeout_s) : 0;
	if (r < 0)
		return r;
	announce(ctx, &m);
	lv_timings_init(&bt);
	r = lv_qemu_run(&m, &ctx->d);
	if (r == 0 && screenshot)
		lv_say(ctx, "screenshot saved as %s", screenshot);
	if (timings) {
		/* after the console, on stderr: the console is stdout */
		struct lv_buf b = { 0 };
		lv_timings_report(&bt, &b);
		if (b.p)
			fputs(b.p, stderr);
		lv_buf_release(&b);
	}
	return r;
}
