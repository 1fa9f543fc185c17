/* The build sandbox (sandbox.h): fork, unshare the namespaces, fork again
 * so the command is pid 1's child in its own pid namespace, set up the
 * mounts inside the root, chroot, exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build/sandbox.h"

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
 * preloaded from there.  Nothing reaches the tree. */
static void carry_faketime(const char *root, const char **env, size_t *ne)
{
	static char preload[64], faketime[256];
	const char *ft = getenv("FAKETIME"), *pre = getenv("LD_PRELOAD");
	if (!ft || !pre || !strstr(pre, "libfaketime"))
		return;
	const char *lib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
	int in = open(lib, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return;
	char dst[4200];
	snprintf(dst, sizeof(dst), "%s/tmp/.livec-faketime.so.1", root);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	char buf[65536];
	ssize_t n;
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	close(in);
	if (out < 0)
		return;
	close(out);
	snprintf(preload, sizeof(preload), "LD_PRELOAD=/tmp/.livec-faketime.so.1");
	snprintf(faketime, sizeof(faketime), "FAKETIME=%s", ft);
	env[(*ne)++] = preload;
	env[(*ne)++] = faketime;
	env[(*ne)++] = "DONT_FAKE_MONOTONIC=1";
	/* a later date must not shift the times of existing files as seen by
	 * stat(): real machines with other clocks do not */
	env[(*ne)++] = "NO_FAKE_STAT=1";
}

int lv_sandbox_run(const struct lv_sandbox *sb, const char *const *argv)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET) < 0)
			die("unshare");
		pid_t inner = fork();
		if (inner < 0)
			die("fork");
		if (inner > 0) { /* wait for the command, pass its status on */
			int st;
			while (waitpid(inner, &st, 0) < 0)
				if (errno != EINTR)
					_exit(127);
			_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		}
		setup_mounts(sb->root);
		if (sethostname("livec", 5) < 0 || setdomainname("", 0) < 0)
			die("sethostname");
		if (sb->log_fd >= 0) {
			dup2(sb->log_fd, 1);
			dup2(sb->log_fd, 2);
		}
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);

		char epoch[64];
		snprintf(epoch, sizeof(epoch), "SOURCE_DATE_EPOCH=%lld", sb->epoch);
		const char *env[32] = {
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
		carry_faketime(sb->root, env, &ne);
		env[ne] = NULL;
		if (chroot(sb->root) < 0 || chdir("/") < 0)
			die("chroot");
		umask(022);
		/* look argv[0] up in the chroot's PATH */
		execve(argv[0], (char *const *)argv, (char *const *)env);
		static const char *const dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin" };
		for (size_t i = 0; i < 4 && !strchr(argv[0], '/'); i++) {
			char exe[4096];
			snprintf(exe, sizeof(exe), "%s/%s", dirs[i], argv[0]);
			execve(exe, (char *const *)argv, (char *const *)env);
		}
		die(argv[0]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
