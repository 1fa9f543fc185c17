/* The build sandbox (sandbox.h): one child (base/child.h) cloned into new
 * mount, pid, uts, ipc and network namespaces, where the command is pid 1.
 * With livec's ids still, it mounts the root and what goes in it; then it
 * moves into a user namespace whose ids are the image's range of
 * unprivileged host ids (build/idmap.h), where livec writes its id maps
 * and the command is root.  In that order it mounts a fresh /proc, a minimal /dev, /tmp and /run
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
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <grp.h>
#include <poll.h>
#include <unistd.h>

#include "base/child.h"
#include "base/interrupt.h"
#include "build/idmap.h"
#include "build/sandbox.h"

#define FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

static void die(const char *what)
{
	dprintf(2, "livec sandbox: %s: %s\n", what, strerror(errno));
	_exit(127);
}

/* A user namespace makes no device nodes: the host's harmless ones are
 * bound onto empty files, as mmdebstrap's unshare mode does. */
static void dev_node(const char *dev, const char *name)
{
	char p[4200], host[64];
	snprintf(p, sizeof(p), "%s/%s", dev, name);
	snprintf(host, sizeof(host), "/dev/%s", name);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 || close(fd) < 0 || mount(host, p, NULL, MS_BIND, NULL) < 0)
		die(p);
}

struct inside {
	int ready[2];      /* a byte here once the child has its user namespace */
	int maps[2];       /* a byte here once livec wrote the id maps */
	const char *root;
	int faketime;
	const char *lower, *changes;
	int interactive;
};

static int open_dir(const char *path)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	return fd;
}

/* A mount of its own on the root (fd), and the working directory: the
 * root itself bound there (a copy of the mount at `from`), or for livec
 * shell an overlay of the cached tree with its changes elsewhere. */
static void mount_on(int rootfd, int m)
{
	if (m < 0 || move_mount(m, "", rootfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0 ||
	    fchdir(m) < 0)
		die("mount the root");
	close(m);
}

static int bind_of(int from)
{
	return open_tree(from, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
}

static void attach_root(const struct inside *in)
{
	int rootfd = open_dir(in->root), m;
	if (in->lower) {
		char lower[64], upper[64], work[64];
		int up = open_dir(in->changes);
		snprintf(lower, sizeof(lower), "/proc/self/fd/%d", open_dir(in->lower));
		snprintf(upper, sizeof(upper), "/proc/self/fd/%d/upper", up);
		snprintf(work, sizeof(work), "/proc/self/fd/%d/work", up);
		int fs = fsopen("overlay", FSOPEN_CLOEXEC);
		/* outside the first user namespace, overlayfs keeps what it
		 * notes in user.* attributes: trusted.* needs the host's root */
		if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ||
		    fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
		    fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
		    (lv_idmap()->rootless && fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0) ||
		    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 || (m = fsmount(fs, FSMOUNT_CLOEXEC, 0)) < 0)
			die("mount the overlay");
	} else
		m = bind_of(rootfd);
	mount_on(rootfd, m);
	close(rootfd);
}

/* A mount point missing from the tree is made as the image's root's. */
static void mount_point(const char *dir, mode_t mode)
{
	if (mkdir(dir, mode) == 0 && chown(dir, lv_idmap()->uid, lv_idmap()->gid) < 0)
		die(dir);
}

/* A tmpfs whose root belongs to the image's root (mode: its mode). */
static void mount_tmpfs(const char *dir, mode_t mode, unsigned long flags, const char *size)
{
	char opts[128];
	snprintf(opts, sizeof(opts), "mode=%o,uid=%u,gid=%u%s", (unsigned)mode, lv_idmap()->uid, lv_idmap()->gid,
		 size);
	mount_point(dir, mode);
	if (mount("tmpfs", dir, "tmpfs", flags, opts) < 0)
		die(dir);
}

/* /proc, /dev, /tmp and /run inside the root (the working directory).
 * /dev/tty only at the terminal (livec shell). */
static void setup_mounts(int tty)
{
	mount_point("proc", 0555);
	if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount /proc");
	mount_tmpfs("dev", 0755, MS_NOSUID | MS_NOEXEC, ",size=1m");
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]) - !tty; i++)
		dev_node("dev", nodes[i]);
	static const char *const links[][2] = {
		{ "/proc/self/fd", "dev/fd" }, { "/proc/self/fd/0", "dev/stdin" },
		{ "/proc/self/fd/1", "dev/stdout" }, { "/proc/self/fd/2", "dev/stderr" },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			die(links[i][1]);
	mount_tmpfs("dev/shm", 01777, MS_NOSUID | MS_NODEV, ",size=64m");
	mount_tmpfs("tmp", 01777, MS_NOSUID | MS_NODEV, "");
	mount_tmpfs("run", 0755, MS_NOSUID | MS_NODEV, "");
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

static void copy_faketime(void)
{
	char buf[65536];
	int in = open(FAKETIME_LIB, O_RDONLY | O_CLOEXEC);
	int out = open("tmp/.livec-faketime.so.1", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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

/* The root (the working directory) becomes / of the mount namespace, the
 * host's tree detached. */
static void pivot(void)
{
	if (syscall(SYS_pivot_root, ".", ".") < 0)
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


/* In the caller, once the child has its user namespace: its id maps,
 * then go. */
static int spawned(void *arg, pid_t pid)
{
	struct inside *in = arg;
	char c;
	close(in->ready[1]);
	in->ready[1] = -1;
	if (read(in->ready[0], &c, 1) != 1)
		return 0; /* the child failed before, and says why */
	int r = lv_idmap_child(pid);
	if (r == 0 && write(in->maps[1], "", 1) != 1)
		r = -errno;
	return r;
}

/* The image's own user namespace, with a mount namespace it owns: root
 * there is the first of the image's ids, and nothing more.  The caller
 * writes the maps. */
static void enter_userns(struct inside *in)
{
	char c;
	close(in->maps[1]);
	close(in->ready[0]);
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		die("make the image's user namespace");
	if (write(in->ready[1], "", 1) != 1 || read(in->maps[0], &c, 1) != 1)
		_exit(127); /* the caller could not map us, and says why */
	close(in->ready[1]);
	if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0)
		die("become root of the user namespace");
	/* new ids clear the parent-death signal: again, and if the caller is
	 * gone already (its end of the pipe closed), go too */
	struct pollfd p = { .fd = in->maps[0], .events = POLLIN };
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || poll(&p, 1, 0) != 0)
		_exit(127);
	close(in->maps[0]);
	/* mounts that came from livec's namespace are locked together: the
	 * root's, bound anew here, can become this namespace's root */
	int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (here < 0)
		die("the root");
	mount_on(here, bind_of(here));
	close(here);
}

/* The child's setup.  First with livec's own ids and privileges (any path
 * livec can walk, a home of mode 0700 too): the root's mount, /proc, /dev,
 * /tmp and /run, the host name, the fake clock.  Then in the image's user
 * namespace: the root becomes /, capabilities dropped. */
static void enter(void *arg)
{
	struct inside *in = arg;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make mounts private");
	attach_root(in);
	setup_mounts(in->interactive);
	/* a build's programs do not get livec's terminal: nothing to type
	 * into the user's shell with (TIOCSTI), no escape sequences */
	int tty = in->interactive ? -1 : open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty >= 0) {
		ioctl(tty, TIOCNOTTY);
		close(tty);
	}
	if (sethostname("livec", 5) < 0 || setdomainname("", 0) < 0)
		die("sethostname");
	if (in->faketime)
		copy_faketime();
	enter_userns(in);
	pivot();
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
	struct inside in = { .ready = { -1, -1 }, .maps = { -1, -1 }, .root = sb->root, .faketime = faketime_env(env, &ne, faketime, sizeof(faketime)),
			     .lower = sb->lower, .changes = sb->changes,
			     .interactive = sb->interactive };
	env[ne] = NULL;
	if (pipe2(in.ready, O_CLOEXEC) < 0 || pipe2(in.maps, O_CLOEXEC) < 0) {
		int e = -errno;
		close(in.ready[0]);
		close(in.ready[1]);
		return e;
	}
	struct lv_child c = {
		.argv = argv, .env = env, .clear_env = 1, .in = { sb->interactive ? LV_CHILD_INHERIT : LV_CHILD_NULL },
		.out = { sb->log_fd >= 0 ? LV_CHILD_FD : LV_CHILD_INHERIT, .fd = sb->log_fd },
		.err = { sb->log_fd >= 0 ? LV_CHILD_STDOUT : LV_CHILD_INHERIT },
		.namespaces = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | (sb->network ? 0 : CLONE_NEWNET),
		.foreground = sb->interactive,
		.setup = enter, .setup_arg = &in, .spawned = spawned,
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
	/* the child starts with livec's own ids, to find the root on any path
	 * livec can walk; it becomes the image's root itself */
	int owner = lv_idmap_tree_owner(0);
	int r = lv_child_start(&c);
	if (owner > 0)
		lv_idmap_tree_owner(1);
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
	for (int i = 0; i < 2; i++) {
		close(in.ready[i]);
		close(in.maps[i]);
	}
	return r;
}
