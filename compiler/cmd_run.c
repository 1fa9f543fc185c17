/* livec run: boot an image in QEMU, the seed's "test without burning".
 * KVM when /dev/kvm works, software emulation (TCG) otherwise; the serial
 * console on the terminal; -snapshot so nothing is written back. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"

static void help(void)
{
	printf("usage: livec run [--usb] [--memory MiB] [--cpus N] [--disk FILE]... IMAGE.iso [-- QEMU-ARGS]\n"
	       "\n"
	       "Boots the image in QEMU with its serial console on this terminal (quit\n"
	       "with Ctrl-A X).  KVM is used when /dev/kvm works, else software emulation.\n"
	       "Nothing is written back to the image.\n"
	       "  --usb          attach the image as a USB stick (isohybrid) instead of a CD\n"
	       "  --memory MiB   guest memory (default 2048)\n"
	       "  --cpus N       guest CPUs (default 2)\n"
	       "  --disk FILE    attach FILE as an extra disk (repeatable)\n"
	       "  --timeout S    stop QEMU after S seconds (for tests)\n");
}

static int kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int lv_cmd_run(struct lv_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "usb", no_argument, NULL, 'u' },          { "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },   { "disk", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mem = "2048", *cpus = "2", *timeout = NULL;
	const char *disks[16];
	int usb = 0, ndisks = 0, c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u': usb = 1; break;
		case 'm': mem = optarg; break;
		case 'c': cpus = optarg; break;
		case 'd':
			if (ndisks < 16)
				disks[ndisks++] = optarg;
			break;
		case 't': timeout = optarg; break;
		case 'h': help(); return 0;
		default: return -LVE_USAGE;
		}
	}
	if (optind >= argc) {
		lv_error(&ctx->d, "livec run needs an IMAGE.iso (see 'livec run --help')");
		return -LVE_USAGE;
	}
	const char *iso = argv[optind++];
	if (access(iso, R_OK) < 0) {
		lv_error(&ctx->d, "cannot read '%s'", iso);
		return -LVE_USAGE;
	}
	const char *av[96];
	char drive[4200], extra[16][4200];
	int n = 0;
	if (timeout) {
		av[n++] = "timeout";
		av[n++] = "--foreground";
		av[n++] = timeout;
	}
	av[n++] = "qemu-system-x86_64";
	if (kvm_usable()) {
		av[n++] = "-enable-kvm";
		av[n++] = "-cpu";
		av[n++] = "host";
	}
	av[n++] = "-m";
	av[n++] = mem;
	av[n++] = "-smp";
	av[n++] = cpus;
	av[n++] = "-display";
	av[n++] = "none";
	av[n++] = "-serial";
	av[n++] = "mon:stdio";
	av[n++] = "-no-reboot";
	av[n++] = "-snapshot";
	if (usb) {
		snprintf(drive, sizeof(drive), "if=none,id=stick,format=raw,file=%s", iso);
		av[n++] = "-drive";
		av[n++] = drive;
		av[n++] = "-device";
		av[n++] = "qemu-xhci,id=xhci";
		av[n++] = "-device";
		av[n++] = "usb-storage,bus=xhci.0,drive=stick,bootindex=0";
	} else {
		snprintf(drive, sizeof(drive), "media=cdrom,format=raw,readonly=on,file=%s", iso);
		av[n++] = "-drive";
		av[n++] = drive;
		av[n++] = "-boot";
		av[n++] = "d";
	}
	for (int i = 0; i < ndisks; i++) {
		snprintf(extra[i], sizeof(extra[i]), "if=virtio,format=raw,file=%s", disks[i]);
		av[n++] = "-drive";
		av[n++] = extra[i];
	}
	for (; optind < argc && n < 94; optind++)
		if (strcmp(argv[optind], "--"))
			av[n++] = argv[optind];
	av[n] = NULL;
	lv_debug(ctx, "running qemu-system-x86_64 (%s)", kvm_usable() ? "KVM" : "software emulation");
	fflush(NULL);
	execvp(av[0], (char *const *)av);
	lv_error(&ctx->d, "cannot run %s: install qemu-system-x86", av[0]);
	return -LVE_USAGE;
}
