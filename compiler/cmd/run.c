/* livec run: boot an image in QEMU, the seed's "test without burning".
 * KVM when /dev/kvm works, software emulation (TCG) otherwise; the serial
 * console on the terminal; -snapshot so nothing is written back.  The
 * screen: none, VNC (--vnc), or one PNG (--screenshot, through QMP, once
 * the console says the session is up). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "cmd/cli.h"
#include "cmd/options.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "base/json.h"

#define DEFAULT_WHEN "livec-session: ready"
#define OVMF_DIR "/usr/share/OVMF"   /* Debian's ovmf package */

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
	{ 'W', "when", 0, "TEXT", "(default \"" DEFAULT_WHEN "\": the X session of system.session has "
	  "its windows)", NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

const struct lv_verb lv_verb_run = {
	.name = "run",
	.run = lv_cmd_run,
	.needs = 0,
	.synopsis = "run [--uefi [--secure-boot]] [--usb] [--memory MiB] [--cpus N] [--disk FILE]... "
		    "[--persist FILE] [--vnc] [--screenshot FILE.png [--when TEXT]] IMAGE.iso [-- QEMU-ARGS]",
	.summary = "boot an image in QEMU (serial console here)",
	.description =
		"Boots the image in QEMU with its serial console on this terminal (quit\n"
		"with Ctrl-A X).  KVM is used when /dev/kvm works, else software emulation.\n"
		"Nothing is written back to the image or the --disk files.",
	.opts = run_opts,
	.epilogue = "LIVEC_QEMU_ACCEL=kvm|tcg overrides the accelerator check.",
};

/* KVM "works" when it runs guest code: a one-page real-mode guest that
 * executes `hlt` must come back with KVM_EXIT_HLT.  (An openable /dev/kvm is
 * not enough: nested setups fail later, at the first vCPU register write.) */
static int kvm_usable(void)
{
	static int cached = -1;
	if (cached >= 0)
		return cached;
	const char *force = getenv("LIVEC_QEMU_ACCEL");
	if (force && *force)
		return cached = !strcmp(force, "kvm");
	cached = 0;
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return 0;
	int vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	unsigned char *mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (vm >= 0 && mem != MAP_FAILED) {
		mem[0] = 0xf4; /* hlt */
		struct kvm_userspace_memory_region region = {
			.slot = 0, .guest_phys_addr = 0x1000, .memory_size = 0x1000,
			.userspace_addr = (unsigned long)mem };
		int vcpu = ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0 ? -1 : ioctl(vm, KVM_CREATE_VCPU, 0UL);
		int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
		struct kvm_run *run = vcpu >= 0 && size > 0
			? mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0) : MAP_FAILED;
		struct kvm_sregs sregs;
		struct kvm_regs regs = { .rip = 0x1000, .rflags = 2 };
		if (run != MAP_FAILED && ioctl(vcpu, KVM_GET_SREGS, &sregs) == 0) {
			sregs.cs.base = 0;
			sregs.cs.selector = 0;
			if (ioctl(vcpu, KVM_SET_SREGS, &sregs) == 0 && ioctl(vcpu, KVM_SET_REGS, &regs) == 0 &&
			    ioctl(vcpu, KVM_RUN, NULL) == 0 && run->exit_reason == KVM_EXIT_HLT)
				cached = 1;
		}
		if (run != MAP_FAILED)
			munmap(run, (size_t)size);
		if (vcpu >= 0)
			close(vcpu);
	}
	if (mem != MAP_FAILED)
		munmap(mem, 0x1000);
	if (vm >= 0)
		close(vm);
	close(kvm);
	if (!cached)
		return 0;
	/* and QEMU must be able to set up its vCPU with it: a paused QEMU that
	 * is still alive after a second (rather than aborting at once) */
	int st = system("timeout 1 qemu-system-x86_64 -accel kvm -cpu host -display none -nodefaults "
			"-S -monitor none -m 64 >/dev/null 2>&1");
	cached = WIFEXITED(st) && WEXITSTATUS(st) == 124;
	return cached;
}

/* The files --append boots, from the image itself: the kernel, the
 * initramfs and the first APPEND line of the boot menu.  Each file goes
 * into a memfd that QEMU, exec'd in our place, opens as /proc/self/fd/N. */
struct direct_boot {
	char kernel[64], initrd[64];
	struct lv_buf append;
};

/* A private, writable copy of a file (OVMF's variable store), as a memfd
 * QEMU opens as /proc/self/fd/N. */
static int copy_to_memfd(const char *from, char *path, size_t n)
{
	struct lv_buf b = { .max = 64u << 20 };
	int r = lv_read_file(from, &b), fd = r == 0 ? memfd_create("livec-ovmf-vars", 0) : -1;
	if (fd >= 0 && write(fd, b.p, b.len) == (ssize_t)b.len)
		snprintf(path, n, "/proc/self/fd/%d", fd);
	else
		r = r < 0 ? r : -EIO;
	lv_buf_release(&b);
	return r;
}

static int to_memfd(struct archive *a, const char *name, char *path, size_t n)
{
	int fd = memfd_create(name, 0);
	char buf[1 << 16];
	ssize_t got;
	if (fd < 0)
		return -errno;
	while ((got = archive_read_data(a, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)got) != got)
			return -EIO;
	snprintf(path, n, "/proc/self/fd/%d", fd);
	return got < 0 ? -LVE_ARCHIVE : 0;
}

static int read_direct_boot(const char *iso, struct direct_boot *b, struct lv_diags *d)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct lv_buf cfg = { .max = 1 << 20 };
	int r = 0;
	archive_read_support_format_iso9660(a);
	if (archive_read_open_filename(a, iso, 1 << 16) != ARCHIVE_OK) {
		lv_error(d, "cannot read '%s' as an ISO image: %s", iso, archive_error_string(a));
		archive_read_free(a);
		return -LVE_ARCHIVE;
	}
	while (r == 0 && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		if (!strcmp(p, "boot/vmlinuz"))
			r = to_memfd(a, "vmlinuz", b->kernel, sizeof(b->kernel));
		else if (!strcmp(p, "boot/initrd.gz"))
			r = to_memfd(a, "initrd", b->initrd, sizeof(b->initrd));
		else if (!strcmp(p, "boot/isolinux/isolinux.cfg")) {
			char buf[4096];
			ssize_t got;
			while ((got = archive_read_data(a, buf, sizeof(buf))) > 0)
				lv_buf_append(&cfg, buf, (size_t)got);
		}
	}
	archive_read_free(a);
	/* the first APPEND, without its initrd= */
	const char *line = cfg.p ? strstr(cfg.p, "APPEND ") : NULL;
	if (r == 0 && (!*b->kernel || !*b->initrd || !line)) {
		lv_error(d, "'%s' is not a livec image (no boot/vmlinuz, boot/initrd.gz or boot menu)", iso);
		r = -LVE_USAGE;
	}
	if (r == 0) {
		const char *end = strchr(line, '\n');
		_cleanup_free_ char *args = strndup(line + 7, end ? (size_t)(end - line - 7) : strlen(line + 7));
		char *save = NULL;
		for (char *w = strtok_r(args, " ", &save); w; w = strtok_r(NULL, " ", &save))
			if (strncmp(w, "initrd=", 7))
				lv_buf_printf(&b->append, "%s%s", b->append.len ? " " : "", w);
	}
	lv_buf_release(&cfg);
	return r;
}

/* One QMP exchange: sends `cmd` (NULL: none) and reads lines until the
 * reply (a "return" or an "error"; events are skipped).  0, or -1 with the
 * error's text in `why`. */
static int qmp(FILE *f, const char *cmd, char *why, size_t n)
{
	char line[8192];
	if (cmd && (fputs(cmd, f) < 0 || fflush(f) < 0)) {
		snprintf(why, n, "the QMP socket closed");
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "\"return\"") || (!cmd && strstr(line, "\"QMP\"")))
			return 0;
		if (strstr(line, "\"error\"")) {
			line[strcspn(line, "\r\n")] = '\0';
			snprintf(why, n, "%s", line);
			return -1;
		}
	}
	snprintf(why, n, "the QMP socket closed");
	return -1;
}

/* Saves the screen of the QEMU behind the QMP socket as PNG (atomically),
 * then tells QEMU to quit. */
static int screendump(const char *sock, const char *png, struct lv_diags *d)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		lv_error(d, "cannot reach QEMU's QMP socket '%s': %s", sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -LVE_BUILD;
	}
	FILE *f = fdopen(fd, "r+");
	char why[8192], tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s.tmp", png);
	struct lv_buf cmd = { 0 };
	struct lv_json j;
	lv_json_init(&j, &cmd);
	lv_json_obj(&j, NULL);
	lv_json_str(&j, "execute", "screendump");
	lv_json_obj(&j, "arguments");
	lv_json_str(&j, "filename", tmp);
	lv_json_str(&j, "format", "png");
	lv_json_end(&j, '}');
	lv_json_end(&j, '}');
	lv_buf_puts(&cmd, "\n");
	int r = qmp(f, NULL, why, sizeof(why)) == 0 &&
		qmp(f, "{\"execute\": \"qmp_capabilities\"}\n", why, sizeof(why)) == 0 &&
		qmp(f, cmd.p, why, sizeof(why)) == 0 ? 0 : -LVE_BUILD;
	lv_buf_release(&cmd);
	if (r == 0 && rename(tmp, png) < 0) {
		snprintf(why, sizeof(why), "cannot rename '%s': %s", tmp, strerror(errno));
		r = -LVE_BUILD;
	}
	if (r < 0) {
		unlink(tmp);
		lv_error(d, "no screenshot: %s", why);
	}
	qmp(f, "{\"execute\": \"quit\"}\n", why, sizeof(why));
	fclose(f);
	return r;
}

/* Runs QEMU with its console (standard output) passed through, and takes
 * the screenshot when the console has printed `when`. */
static int run_and_shoot(const char *const *av, const char *qmp_sock, const char *png, const char *when,
			 struct lv_diags *d)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(pipefd[1], 1);
		execvp(av[0], (char *const *)av);
		_exit(127);
	}
	close(pipefd[1]);
	/* the console through, with a window of the last bytes kept so the
	 * text and the end of its line are found across reads */
	size_t wl = strlen(when), have = 0;
	char win[8192 + 256], buf[4096];
	int shot = 0, r = 0;
	ssize_t got;
	while ((got = read(pipefd[0], buf, sizeof(buf))) > 0 || (got < 0 && errno == EINTR)) {
		if (got < 0)
			continue;
		fwrite(buf, 1, (size_t)got, stdout);
		fflush(stdout);
		if (shot)
			continue;
		if (have + (size_t)got > sizeof(win) - 1) {
			size_t keep = wl + 256 < have ? wl + 256 : have;
			memmove(win, win + have - keep, keep);
			have = keep;
		}
		size_t take = (size_t)got < sizeof(win) - 1 - have ? (size_t)got : sizeof(win) - 1 - have;
		memcpy(win + have, buf, take);
		have += take;
		/* the whole line: the text, then the end of its line */
		const char *at = memmem(win, have, when, wl);
		if (at && memchr(at + wl, '\n', (size_t)(win + have - at - wl))) {
			shot = 1;
			r = screendump(qmp_sock, png, d);
			if (r == 0)
				fprintf(stderr, "\nlivec run: screenshot saved as %s\n", png);
		}
	}
	close(pipefd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!shot) {
		lv_error(d, "no screenshot: QEMU stopped before the console printed '%s'", when);
		return -LVE_BUILD;
	}
	return r;
}

int lv_cmd_run(struct lv_ctx *ctx, int argc, char **argv)
{
	const char *mem = "2048", *cpus = "2", *timeout = NULL, *persist = NULL, *append = NULL;
	const char *monitor = NULL, *vnc = NULL, *screenshot = NULL, *when = DEFAULT_WHEN;
	const char *disks[16];
	int usb = 0, uefi = 0, secure = 0, ndisks = 0, c;

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
	if (!*when || strlen(when) > 1024) {
		lv_error(&ctx->d, "--when needs a text of 1 to 1024 bytes");
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
	/* UEFI: OVMF's code read-only, a private copy of its variables (the
	 * Microsoft keys enrolled for Secure Boot, which then needs SMM) */
	char code_arg[512], vars_arg[512];
	if (uefi) {
		const char *code = secure ? OVMF_DIR "/OVMF_CODE_4M.secboot.fd" : OVMF_DIR "/OVMF_CODE_4M.fd";
		const char *vars = secure ? OVMF_DIR "/OVMF_VARS_4M.ms.fd" : OVMF_DIR "/OVMF_VARS_4M.fd";
		char vars_copy[64];
		if (access(code, R_OK) < 0 || copy_to_memfd(vars, vars_copy, sizeof(vars_copy)) < 0) {
			lv_error(&ctx->d, "cannot read the UEFI firmware '%s' or '%s': apt-get install ovmf", code, vars);
			return -LVE_USAGE;
		}
		av[n++] = "-machine";
		av[n++] = secure ? "q35,smm=on" : "q35";
		if (secure) {
			av[n++] = "-global";
			av[n++] = "driver=cfi.pflash01,property=secure,value=on";
		}
		snprintf(code_arg, sizeof(code_arg), "if=pflash,format=raw,unit=0,readonly=on,file=%s", code);
		snprintf(vars_arg, sizeof(vars_arg), "if=pflash,format=raw,unit=1,snapshot=off,file=%s", vars_copy);
		av[n++] = "-drive";
		av[n++] = code_arg;
		av[n++] = "-drive";
		av[n++] = vars_arg;
	}
	av[n++] = "-m";
	av[n++] = mem;
	av[n++] = "-smp";
	av[n++] = cpus;
	char vnc_arg[300];
	snprintf(vnc_arg, sizeof(vnc_arg), "vnc=%s", vnc ? vnc : "");
	av[n++] = "-display";
	av[n++] = vnc ? vnc_arg : "none";
	av[n++] = "-serial";
	av[n++] = "mon:stdio";
	av[n++] = "-no-reboot";
	av[n++] = "-snapshot";
	struct direct_boot direct = { 0 };
	char monitor_arg[4200];
	if (append) {
		int r = read_direct_boot(iso, &direct, &ctx->d);
		if (r < 0)
			return r;
		lv_buf_printf(&direct.append, " %s", append);
		av[n++] = "-kernel";
		av[n++] = direct.kernel;
		av[n++] = "-initrd";
		av[n++] = direct.initrd;
		av[n++] = "-append";
		av[n++] = direct.append.p;
	}
	/* the screenshot goes through QMP on a socket of our own */
	char qmp_dir[] = "/tmp/livec-run-XXXXXX", qmp_sock[64], qmp_arg[128];
	if (screenshot) {
		if (!mkdtemp(qmp_dir)) {
			lv_error(&ctx->d, "cannot make a temporary directory: %s", strerror(errno));
			return -LVE_USAGE;
		}
		snprintf(qmp_sock, sizeof(qmp_sock), "%s/qmp", qmp_dir);
		snprintf(qmp_arg, sizeof(qmp_arg), "unix:%s,server=on,wait=off", qmp_sock);
		av[n++] = "-qmp";
		av[n++] = qmp_arg;
	}
	if (monitor) {
		snprintf(monitor_arg, sizeof(monitor_arg), "unix:%s,server=on,wait=off", monitor);
		av[n++] = "-monitor";
		av[n++] = monitor_arg;
		if (!usb) {
			av[n++] = "-device";
			av[n++] = "qemu-xhci,id=xhci";
		}
	}
	if (usb) {
		snprintf(drive, sizeof(drive), "if=none,id=stick,format=raw,file=%s", iso);
		av[n++] = "-drive";
		av[n++] = drive;
		av[n++] = "-device";
		av[n++] = "qemu-xhci,id=xhci";
		av[n++] = "-device";
		av[n++] = "usb-storage,bus=xhci.0,drive=stick,bootindex=0";
	} else if (uefi) {
		/* OVMF boots what bootindex names (it ignores -boot d) */
		snprintf(drive, sizeof(drive), "if=none,id=livecd,media=cdrom,format=raw,readonly=on,file=%s", iso);
		av[n++] = "-drive";
		av[n++] = drive;
		av[n++] = "-device";
		av[n++] = "ide-cd,drive=livecd,bootindex=0";
	} else {
		snprintf(drive, sizeof(drive), "id=livecd,media=cdrom,format=raw,readonly=on,file=%s", iso);
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
	char persist_drive[4200];
	if (persist) {
		if (access(persist, R_OK | W_OK) < 0) {
			lv_error(&ctx->d, "cannot write '%s' (--persist): %s", persist, strerror(errno));
			return -LVE_USAGE;
		}
		snprintf(persist_drive, sizeof(persist_drive), "if=virtio,format=raw,snapshot=off,file=%s", persist);
		av[n++] = "-drive";
		av[n++] = persist_drive;
	}
	for (; optind < argc && n < 94; optind++)
		if (strcmp(argv[optind], "--"))
			av[n++] = argv[optind];
	av[n] = NULL;
	lv_debug(ctx, "running qemu-system-x86_64 (%s)", kvm_usable() ? "KVM" : "software emulation");
	if (vnc)
		lv_say(ctx, "the screen is on VNC display %s (port 5900 + N)", vnc);
	fflush(NULL);
	if (screenshot) {
		int r = run_and_shoot(av, qmp_sock, screenshot, when, &ctx->d);
		unlink(qmp_sock);
		rmdir(qmp_dir);
		return r;
	}
	execvp(av[0], (char *const *)av);
	lv_error(&ctx->d, "cannot run %s: install qemu-system-x86", av[0]);
	return -LVE_USAGE;
}
