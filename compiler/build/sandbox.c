/* The build sandbox (sandbox.h): one child (base/child.h) cloned into new
 * mount, pid, uts, ipc and network namespaces, where the command is pid 1.
 * Before the exec it mounts a fresh /proc, a minimal /dev, /tmp and /run
 * inside the root, names the host, makes the root the root of its mount
 * namespace (pivot_root, the host's tree detached: a chroot escape ends at
 * the image's own root), drops from the capability bounding set what
 * installing packages never needs and what reaches the host (mounting,
 * device nodes, modules, raw I/O, ptrace, file handles, ...) and sets
 * no_new_privs.  The environment is the fixed one below. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/child.h"
#include "base/interrupt.h"
#include "build/sandbox.h"

#define FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

static void die(const char *what)
{
	dprintf(2, "livec sandbox: %s: %s\n", what, strerror(errno));
	_exit(127);
}

static void dev_node(const char *dev, const char *name, unsigned maj, unsigned min)
{
	char p[4200];
	snprintf(p, sizeof(p), "%s/%s", dev, name);
	if (mknod(p, S_IFCHR | 0666, makedev(maj, min)) < 0)
		die(p);
	chmod(p, 0666); /* umask */
}

static void setup_mounts(const char *root)
{
	char p[4096];

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make mounts private");
	/* the root must be a mount point to become the namespace's root */
	if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
		die("bind the root");
	snprintf(p, sizeof(p), "%s/proc", root);
	mkdir(p, 0555);
	if (mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount /proc");
	snprintf(p, sizeof(p), "%s/dev", root);
	mkdir(p, 0755);
	if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=1m") < 0)
		die("mount /dev");
	dev_node(p, "null", 1, 3);
	dev_node(p, "zero", 1, 5);
	dev_node(p, "full", 1, 7);
	dev_node(p, "random", 1, 8);
	dev_node(p, "urandom", 1, 9);
	dev_node(p, "tty", 5, 0);
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		char l[4200];
		snprintf(l, sizeof(l), "%s/%s", p, links[i][1]);
		if (symlink(links[i][0], l) < 0)
			die(l);
	}
	snprintf(p, sizeof(p), "%s/dev/shm", root);
	mkdir(p, 01777);
	mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m");
	static const char *const tmps[] = { "tmp", "run" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%s", root, tmps[i]);
		mkdir(p, i ? 0755 : 01777);
		if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, i ? "mode=0755" : "mode=1777") < 0)
			die(p);
	}
}

/* When livec itself runs under faketime (as `livec verify` does to vary the
 * wall clock), carry the fake clock into the sandbox: the library is copied
 * into the sandbox's private /tmp (a tmpfs that disappears with it) and
 * preloaded from there.  Nothing reaches the tree.  Here, in the caller:
 * the environment that says so; copy_faketime makes the copy inside. */
static int faketime_env(const char **env, size_t *ne, char *faketime, size_t n)
{
	const char *ft = getenv("FAKETIME"), *pre = getenv("LD_PRELOAD");
	if (!ft || !pre || !strstr(pre, "libfaketime") || access(FAKETIME_LIB, R_OK) < 0)
		return 0;
	snprintf(faketime, n, "FAKETIME=%s", ft);
	env[(*ne)++] = "LD_PRELOAD=/tmp/.livec-faketime.so.1";
	env[(*ne)++] = faketime;
	env[(*ne)++] = "DONT_FAKE_MONOTONIC=1";
	/* a later date must not shift the times of existing files as seen by
	 * stat(): real machines with other clocks do not */
	env[(*ne)++] = "NO_FAKE_STAT=1";
	return 1;
}

static void copy_faketime(const char *root)
{
	char dst[4200], buf[65536];
	snprintf(dst, sizeof(dst), "%s/tmp/.livec-faketime.so.1", root);
	int in = open(FAKETIME_LIB, O_RDONLY | O_CLOEXEC);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n = 0;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	if (in < 0 || out < 0 || n < 0)
		die("copy libfaketime");
	close(in);
	close(out);
}

/* What image code never needs, and what would reach the host: gone from
 * the bounding set, so no program the sandbox runs has it.  Kept: what
 * dpkg and maintainer scripts use (chown, DAC override, fowner, setuid and
 * setgid for su, setfcap for setcap, kill, chroot, ...). */
static const int dropped_caps[] = {
	CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_PTRACE, CAP_SYS_BOOT, CAP_SYS_TIME,
	CAP_MKNOD, CAP_DAC_READ_SEARCH, CAP_MAC_ADMIN, CAP_MAC_OVERRIDE, CAP_SYSLOG, CAP_WAKE_ALARM,
	CAP_BLOCK_SUSPEND, CAP_AUDIT_CONTROL, CAP_AUDIT_READ, CAP_LINUX_IMMUTABLE, CAP_SYS_PACCT,
	CAP_SYS_TTY_CONFIG, CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF, CAP_PERFMON, CAP_CHECKPOINT_RESTORE,
};

/* The root becomes / of the mount namespace, the host's tree detached. */
static void pivot(const char *root)
{
	if (chdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root");
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		die("detach the host's tree");
}

static void drop_privileges(void)
{
	for (size_t i = 0; i < sizeof(dropped_caps) / sizeof(dropped_caps[0]); i++)
		if (prctl(PR_CAPBSET_DROP, dropped_caps[i], 0, 0, 0) < 0 && errno != EINVAL)
			die("drop a capability");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs");
}

struct inside {
	const char *root;
	int faketime;
	const char *lower, *changes;
};

/* livec shell: the tree seen through an overlay, the changes elsewhere */
static void overlay(const struct inside *in)
{
	char opts[8500];
	if (!in->lower)
		return;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make mounts private");
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", in->lower, in->changes,
		 in->changes);
	if (mount("overlay", in->root, "overlay", 0, opts) < 0)
		die("mount the overlay");
}

/* The child's setup, in its new namespaces: the mounts, the host name,
 * the fake clock, the root. */
static void enter(void *arg)
{
	const struct inside *in = arg;
	overlay(in);
	setup_mounts(in->root);
	if (sethostname("livec", 5) < 0 || setdomainname("", 0) < 0)
		die("sethostname");
	if (in->faketime)
		copy_faketime(in->root);
	pivot(in->root);
	drop_privileges();
	umask(022);
}

int lv_sandbox_run(const struct lv_sandbox *sb, const char *const *argv)
{
	char epoch[64], faketime[256];
	snprintf(epoch, sizeof(epoch), "SOURCE_DATE_EPOCH=%lld", sb->epoch);
	const char *env[32] = {
		/* argv[0] is looked up in this PATH, inside the root */
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LC_ALL=C.UTF-8", "LANG=C.UTF-8", "TZ=UTC", "HOME=/root", "USER=root",
		"LOGNAME=root", "TERM=dumb", "DEBIAN_FRONTEND=noninteractive",
		"DEBCONF_NONINTERACTIVE_SEEN=true", "DEBCONF_NOWARNINGS=yes", epoch,
		/* the kernel's hooks skip update-initramfs: livec makes the
		 * image's initramfs itself, and mkinitramfs output is not
		 * reproducible */
		"INITRD=No",
	};
	size_t ne = 13;
	for (const char *const *e = sb->extra_env; e && *e && ne < 27; e++)
		env[ne++] = *e;
	struct inside in = { .root = sb->root, .faketime = faketime_env(env, &ne, faketime, sizeof(faketime)),
			     .lower = sb->lower, .changes = sb->changes };
	env[ne] = NULL;
	struct lv_child c = {
		.argv = argv, .env = env, .clear_env = 1, .in = { sb->interactive ? LV_CHILD_INHERIT : LV_CHILD_NULL },
		.out = { sb->log_fd >= 0 ? LV_CHILD_FD : LV_CHILD_INHERIT, .fd = sb->log_fd },
		.err = { sb->log_fd >= 0 ? LV_CHILD_STDOUT : LV_CHILD_INHERIT },
		.namespaces = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | (sb->network ? 0 : CLONE_NEWNET),
		.foreground = sb->interactive,
		.setup = enter, .setup_arg = &in,
		/* livec killed: the sandbox goes too (its pid 1 ignores SIGTERM) */
		.kill_with_parent = 1, .death_signal = SIGKILL,
	};
	/* Ctrl-C: the sandbox is killed at once, the build stops after it; at
	 * the terminal, it is the shell's to handle, as system(3) does */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	if (sb->interactive) {
		sigaction(SIGINT, &ign, &old_int);
		sigaction(SIGQUIT, &ign, &old_quit);
	}
	int r = lv_child_start(&c);
	if (r == 0) {
		lv_interrupt_target(sb->interactive ? 0 : c.pid);
		r = lv_child_finish(&c);
		lv_interrupt_target(0);
	}
	if (sb->interactive) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
	}
	lv_child_release(&c);
	return r;
}
