/* QEMU for livec run (qemu.h).
 *
 *   lv_qemu_run:  prepare (KVM probe, OVMF variables, direct boot files,
 *                 QMP socket) -> lv_qemu_command -> boot -> release
 *
 * QEMU runs in livec's process group (its console reads the terminal) and
 * gets SIGTERM when livec dies; --timeout stops it through base/child.h.
 * The console passes through this process, which watches it: for the text
 * of a screenshot or a stop, for --timings, and for a guest kernel panic,
 * which stops QEMU at once (a panicked guest with -no-reboot would
 * otherwise sit until the timeout). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/fsutil.h"
#include "run/kvm.h"
#include "run/qemu.h"
#include "run/qmp.h"

#define QEMU "qemu-system-x86_64"

static const char *ovmf_code(const struct lv_machine *m)
{
	return m->firmware == LV_FIRMWARE_SECURE_BOOT ? LV_OVMF_DIR "/OVMF_CODE_4M.secboot.fd"
						      : LV_OVMF_DIR "/OVMF_CODE_4M.fd";
}

static const char *ovmf_vars(const struct lv_machine *m)
{
	return m->firmware == LV_FIRMWARE_SECURE_BOOT ? LV_OVMF_DIR "/OVMF_VARS_4M.ms.fd"
						      : LV_OVMF_DIR "/OVMF_VARS_4M.fd";
}

/* UEFI: OVMF's code read-only, a private copy of its variables (the
 * Microsoft keys enrolled for Secure Boot, which then needs SMM) */
static void firmware_args(const struct lv_machine *m, const struct lv_qemu_files *f, struct lv_args *a)
{
	int secure = m->firmware == LV_FIRMWARE_SECURE_BOOT;
	lv_args_push(a, "-machine");
	lv_args_push(a, secure ? "q35,smm=on" : "q35");
	if (secure) {
		lv_args_push(a, "-global");
		lv_args_push(a, "driver=cfi.pflash01,property=secure,value=on");
	}
	lv_args_push(a, "-drive");
	lv_args_pushf(a, "if=pflash,format=raw,unit=0,readonly=on,file=%s", ovmf_code(m));
	lv_args_push(a, "-drive");
	lv_args_pushf(a, "if=pflash,format=raw,unit=1,snapshot=off,file=%s", f->vars);
}

/* The image as the boot medium: a USB stick, or a CD */
static void medium_args(const struct lv_machine *m, struct lv_args *a)
{
	lv_args_push(a, "-drive");
	if (m->usb) {
		lv_args_pushf(a, "if=none,id=stick,format=raw,file=%s", m->image);
		lv_args_push(a, "-device");
		lv_args_push(a, "qemu-xhci,id=xhci");
		lv_args_push(a, "-device");
		lv_args_push(a, "usb-storage,bus=xhci.0,drive=stick,bootindex=0");
	} else if (m->firmware != LV_FIRMWARE_BIOS) {
		/* OVMF boots what bootindex names (it ignores -boot d) */
		lv_args_pushf(a, "if=none,id=livecd,media=cdrom,format=raw,readonly=on,file=%s", m->image);
		lv_args_push(a, "-device");
		lv_args_push(a, "ide-cd,drive=livecd,bootindex=0");
	} else {
		lv_args_pushf(a, "id=livecd,media=cdrom,format=raw,readonly=on,file=%s", m->image);
		lv_args_push(a, "-boot");
		lv_args_push(a, "d");
	}
}

/* The sockets and the directly booted kernel */
static void control_args(const struct lv_machine *m, const struct lv_qemu_files *f, struct lv_args *a)
{
	if (m->append) {
		const char *menu = f->boot.append.p ? f->boot.append.p : "";
		lv_args_push(a, "-kernel");
		lv_args_push(a, f->boot.kernel);
		lv_args_push(a, "-initrd");
		lv_args_push(a, f->boot.initrd);
		lv_args_push(a, "-append");
		lv_args_pushf(a, "%s%s%s", menu, *menu ? " " : "", m->append);
	}
	if (m->screenshot || m->stop_when) {
		lv_args_push(a, "-qmp");
		lv_args_pushf(a, "unix:%s,server=on,wait=off", f->qmp);
	}
	if (m->monitor) {
		lv_args_push(a, "-monitor");
		lv_args_pushf(a, "unix:%s,server=on,wait=off", m->monitor);
		if (!m->usb) { /* for device_add usb-storage */
			lv_args_push(a, "-device");
			lv_args_push(a, "qemu-xhci,id=xhci");
		}
	}
}

int lv_qemu_command(const struct lv_machine *m, const struct lv_qemu_files *f, struct lv_args *out)
{
	lv_args_push(out, QEMU);
	if (f->kvm) {
		lv_args_push(out, "-enable-kvm");
		lv_args_push(out, "-cpu");
		lv_args_push(out, "host");
	}
	if (m->firmware != LV_FIRMWARE_BIOS)
		firmware_args(m, f, out);
	lv_args_push(out, "-m");
	lv_args_push(out, m->memory ? m->memory : "2048");
	lv_args_push(out, "-smp");
	lv_args_push(out, m->cpus ? m->cpus : "2");
	lv_args_push(out, "-display");
	if (m->vnc)
		lv_args_pushf(out, "vnc=%s", m->vnc);
	else
		lv_args_push(out, "none");
	lv_args_push(out, "-serial");
	lv_args_push(out, "mon:stdio");
	lv_args_push(out, "-no-reboot");
	lv_args_push(out, "-snapshot");
	control_args(m, f, out);
	medium_args(m, out);
	for (size_t i = 0; i < m->ndisks; i++) {
		lv_args_push(out, "-drive");
		lv_args_pushf(out, "if=virtio,format=raw,file=%s", m->disks[i]);
	}
	if (m->persist) {
		lv_args_push(out, "-drive");
		lv_args_pushf(out, "if=virtio,format=raw,snapshot=off,file=%s", m->persist);
	}
	for (size_t i = 0; i < m->nextra; i++)
		if (strcmp(m->extra[i], "--"))
			lv_args_push(out, m->extra[i]);
	return out->err;
}

/* ---- running it ---- */

/* A private, writable copy of a file (OVMF's variable store), as a memfd
 * QEMU inherits and opens as /proc/self/fd/N. */
static int copy_to_memfd(const char *from, char *path, size_t n)
{
	struct lv_buf b = { .max = 64u << 20 };
	*path = '\0';
	int r = lv_read_file(from, &b), fd = r == 0 ? memfd_create("livec-ovmf-vars", 0) : -1;
	if (fd >= 0 && write(fd, b.p, b.len) == (ssize_t)b.len)
		snprintf(path, n, "/proc/self/fd/%d", fd);
	else if (fd >= 0)
		close(fd);
	r = *path ? 0 : r < 0 ? r : -EIO;
	lv_buf_release(&b);
	return r;
}

static int prepare(const struct lv_machine *m, struct lv_qemu_files *f, struct lv_diags *d)
{
	int r;
	if (access(m->image, R_OK) < 0) {
		lv_error(d, "cannot read '%s'", m->image);
		return -LVE_USAGE;
	}
	if (!m->when || !*m->when || strlen(m->when) > 1024) {
		lv_error(d, "--when needs a text of 1 to 1024 bytes");
		return -LVE_USAGE;
	}
	f->kvm = lv_kvm_usable();
	if (m->firmware != LV_FIRMWARE_BIOS &&
	    (access(ovmf_code(m), R_OK) < 0 || copy_to_memfd(ovmf_vars(m), f->vars, sizeof(f->vars)) < 0)) {
		lv_error(d, "cannot read the UEFI firmware '%s' or '%s': apt-get install ovmf", ovmf_code(m),
			 ovmf_vars(m));
		return -LVE_USAGE;
	}
	if (m->append && (r = lv_isoboot_read(m->image, &f->boot, d)) < 0)
		return r;
	/* the screenshot (or the stop) goes through QMP on a socket of our own */
	if (m->screenshot || m->stop_when) {
		snprintf(f->qmp_dir, sizeof(f->qmp_dir), "/tmp/livec-run-XXXXXX");
		if (!mkdtemp(f->qmp_dir)) {
			*f->qmp_dir = '\0';
			lv_error(d, "cannot make a temporary directory: %s", strerror(errno));
			return -LVE_USAGE;
		}
		snprintf(f->qmp, sizeof(f->qmp), "%s/qmp", f->qmp_dir);
	}
	if (m->persist && access(m->persist, R_OK | W_OK) < 0) {
		lv_error(d, "cannot write '%s' (--persist): %s", m->persist, strerror(errno));
		return -LVE_USAGE;
	}
	return 0;
}

static void release_files(struct lv_qemu_files *f)
{
	int fd;
	if (sscanf(f->vars, "/proc/self/fd/%d", &fd) == 1)
		close(fd);
	lv_isoboot_release(&f->boot);
	if (*f->qmp_dir) {
		unlink(f->qmp);
		rmdir(f->qmp_dir);
	}
}

/* The console on its way to the terminal, watched for the text, the
 * boot's phases and a kernel panic. */
struct console {
	const char *when, *qmp, *png;   /* png NULL: only stop */
	struct lv_diags *d;
	struct lv_boot_timings *timings;
	const struct lv_child *qemu;    /* stopped on a panic */
	struct timespec start;
	size_t wl, have;
	char win[8192 + 256];   /* the last bytes: the text and the end of its line */
	int watch, shot, panicked, r;
};

#define PANIC "Kernel panic - not syncing"

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* QEMU told to quit through QMP (no screenshot) */
static int quit(const char *sock, struct lv_diags *d)
{
	struct lv_qmp q = { 0 };
	int r = lv_qmp_open(&q, sock) == 0 && lv_qmp_execute(&q, "{\"execute\": \"quit\"}") == 0 ? 0 : -1;
	/* QEMU may close the socket before it answers the quit */
	if (r < 0 && !q.f) {
		lv_error(d, "cannot stop QEMU: %s", q.why);
		r = -LVE_BUILD;
	} else {
		r = 0;
	}
	lv_qmp_close(&q);
	return r;
}

/* Where the line holding text ends in the window, or NULL while the text
 * or the end of its line has not come yet. */
static const char *whole_line(const struct console *w, const char *text, size_t len)
{
	const char *at = memmem(w->win, w->have, text, len);
	return at ? memchr(at + len, '\n', (size_t)(w->win + w->have - at - len)) : NULL;
}

static void look(struct console *w, const char *p, size_t n)
{
	size_t longest = w->wl > sizeof(PANIC) ? w->wl : sizeof(PANIC);
	if (w->have + n > sizeof(w->win) - 1) {
		size_t keep = longest + 256 < w->have ? longest + 256 : w->have;
		memmove(w->win, w->win + w->have - keep, keep);
		w->have = keep;
	}
	memcpy(w->win + w->have, p, n);
	w->have += n;
	if (whole_line(w, PANIC, sizeof(PANIC) - 1)) {
		w->panicked = 1;
		/* through its pidfd: once reaped, its pid may be another's */
		if (w->qemu->pidfd >= 0)
			syscall(SYS_pidfd_send_signal, w->qemu->pidfd, SIGTERM, NULL, 0);
		return;
	}
	if (w->watch && whole_line(w, w->when, w->wl)) {
		w->shot = 1;
		w->r = w->png ? lv_qmp_screendump(w->qmp, w->png, w->d) : quit(w->qmp, w->d);
	}
}

/* QEMU's console output, passed through to ours as it arrives */
static void watch_console(void *arg, const char *p, size_t n)
{
	struct console *w = arg;
	fwrite(p, 1, n, stdout);
	fflush(stdout);
	if (w->timings)
		lv_timings_feed(w->timings, since(&w->start), p, n);
	for (size_t off = 0; off < n && !w->shot && !w->panicked; off += 4096)
		look(w, p + off, n - off < 4096 ? n - off : 4096);
}

static int boot(const struct lv_machine *m, const struct lv_qemu_files *f, const char *const *argv,
		struct lv_diags *d)
{
	struct lv_child c = { .argv = argv, .foreground = 1, .kill_with_parent = 1, .timeout_s = m->timeout_s };
	struct console w = { .when = m->when, .wl = strlen(m->when ? m->when : ""), .qmp = f->qmp,
			     .png = m->screenshot, .d = d, .timings = m->timings, .qemu = &c,
			     .watch = m->screenshot || m->stop_when };
	clock_gettime(CLOCK_MONOTONIC, &w.start);
	c.out = (struct lv_child_stream){ LV_CHILD_BUFFER, .feed = watch_console, .arg = &w };
	int st = lv_child_run(&c);
	lv_child_release(&c);
	if (st < 0 && !c.timed_out) {
		lv_error(d, "cannot run %s: install qemu-system-x86", argv[0]);
		return -LVE_USAGE;
	}
	if (w.panicked) {
		lv_error(d, "the guest's kernel panicked (its console above says why); QEMU was stopped");
		return -LVE_BUILD;
	}
	if (w.watch && !w.shot) {
		lv_error(d, "%s: QEMU stopped before the console printed '%s'", m->screenshot ? "no screenshot" : "no stop",
			 m->when);
		return -LVE_BUILD;
	}
	if (w.watch)
		return w.r;
	if (st != 0) {
		lv_error(d, "%s: %s", argv[0], lv_child_explain(&c));
		return -LVE_BUILD;
	}
	return 0;
}

int lv_qemu_run(const struct lv_machine *m, struct lv_diags *d)
{
	struct lv_qemu_files f = { 0 };
	struct lv_args argv = { 0 };
	int r = prepare(m, &f, d);
	if (r == 0 && (r = lv_qemu_command(m, &f, &argv)) == 0)
		r = boot(m, &f, (const char *const *)argv.v, d);
	lv_args_release(&argv);
	release_files(&f);
	return r;
}
