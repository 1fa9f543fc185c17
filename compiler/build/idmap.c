/* The image's ids on the build host (idmap.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <unistd.h>

#include "base/child.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "build/idmap.h"

static struct lv_idmap map;
static int ready;

const struct lv_idmap *lv_idmap(void)
{
	return &map;
}

/* The first range of at least LV_IDMAP_COUNT ids /etc/subuid (or
 * /etc/subgid) gives to the user, by name or number; 0 if none. */
static unsigned long subordinate(const char *file, const char *name, unsigned id)
{
	_cleanup_fclose_ FILE *f = fopen(file, "re");
	char line[512], idstr[16];
	snprintf(idstr, sizeof(idstr), "%u", id);
	while (f && fgets(line, sizeof(line), f)) {
		char *who = strtok(line, ":\n"), *start = strtok(NULL, ":\n"), *count = strtok(NULL, ":\n");
		if (!who || !start || !count || (strcmp(who, name) && strcmp(who, idstr)))
			continue;
		unsigned long s = strtoul(start, NULL, 10), n = strtoul(count, NULL, 10);
		if (s > 0 && n >= LV_IDMAP_COUNT && s + LV_IDMAP_COUNT <= 0xffffffffu)
			return s;
	}
	return 0;
}

/* The first 65536 ids above every range /etc/subuid and /etc/subgid give
 * out (at least 100000): what to suggest to a user who has none. */
static unsigned long free_range(void)
{
	unsigned long top = 100000;
	static const char *const files[] = { "/etc/subuid", "/etc/subgid" };
	for (int i = 0; i < 2; i++) {
		_cleanup_fclose_ FILE *f = fopen(files[i], "re");
		char line[512];
		while (f && fgets(line, sizeof(line), f)) {
			char *who = strtok(line, ":\n"), *start = strtok(NULL, ":\n"), *count = strtok(NULL, ":\n");
			unsigned long end = who && start && count ? strtoul(start, NULL, 10) + strtoul(count, NULL, 10) : 0;
			if (end > top)
				top = end;
		}
	}
	return top;
}

/* Whether our root is not that of init, which shares our mount
 * namespace: a chroot.  (In a namespace of our own we cannot tell.) */
static int chrooted(void)
{
	char ours[64], init[64];
	ssize_t a = readlink("/proc/self/ns/mnt", ours, sizeof(ours) - 1);
	ssize_t b = readlink("/proc/1/ns/mnt", init, sizeof(init) - 1);
	if (a <= 0 || a != b || memcmp(ours, init, (size_t)a))
		return 0;
	struct statx self, root;
	if (statx(AT_FDCWD, "/", 0, STATX_INO | STATX_MNT_ID, &self) < 0 ||
	    statx(AT_FDCWD, "/proc/1/root/", 0, STATX_INO | STATX_MNT_ID, &root) < 0)
		return 0;
	return self.stx_mnt_id != root.stx_mnt_id || self.stx_ino != root.stx_ino ||
	       self.stx_dev_major != root.stx_dev_major || self.stx_dev_minor != root.stx_dev_minor;
}

/* Why the kernel made no user namespace (errno `err`), with what to do:
 * livec runs all image code in one. */
static int userns_refused(struct lv_diags *d, int err)
{
	const char *why = "";
	if (err == ENOSPC)
		why = ": user namespaces are switched off here (/proc/sys/user/max_user_namespaces is 0)";
	else if (err == EINVAL)
		why = ": this kernel has no user namespaces";
	else if (err == EPERM && chrooted())
		why = ": livec runs in a chroot, where the kernel makes none; run it on the host or in a "
		      "container with a root of its own (systemd-nspawn, podman, or unshare --mount with "
		      "pivot_root)";
	else if (err == EPERM)
		why = ": a chroot or a security policy forbids them (a container's seccomp filter, "
		      "AppArmor's restrict_unprivileged_userns, kernel.unprivileged_userns_clone=0)";
	return lv_error(d, "cannot make a user namespace for the build (%s)%s", strerror(err), why), -err;
}

/* Root: whether the kernel gives us user namespaces at all, asked once
 * by a short-lived child, so that a refusal is one clear error up front
 * rather than a failing sandbox in the middle of the build. */
static int probe_namespaces(struct lv_diags *d)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) < 0 ? errno : 0);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	int err = WIFEXITED(st) ? WEXITSTATUS(st) : EPERM;
	return err ? userns_refused(d, err) : 0;
}

/* The setuid helpers write the maps of `pid` (our own process, after its
 * unshare): 0 is the user, 1..65536 the subordinate ids. */
static int run_map_helpers(pid_t pid, unsigned uid, unsigned gid, unsigned long sub, unsigned long subg)
{
	char spid[16], su[16], sg[16], ss[24], ssg[24], cnt[16];
	snprintf(spid, sizeof(spid), "%d", (int)pid);
	snprintf(su, sizeof(su), "%u", uid);
	snprintf(sg, sizeof(sg), "%u", gid);
	snprintf(ss, sizeof(ss), "%lu", sub);
	snprintf(ssg, sizeof(ssg), "%lu", subg);
	snprintf(cnt, sizeof(cnt), "%u", LV_IDMAP_COUNT);
	const char *const uargv[] = { "newuidmap", spid, "0", su, "1", "1", ss, cnt, NULL };
	const char *const gargv[] = { "newgidmap", spid, "0", sg, "1", "1", ssg, cnt, NULL };
	const char *const *argvs[] = { uargv, gargv };
	for (int i = 0; i < 2; i++) {
		/* their complaints go to livec's stderr as they are */
		struct lv_child c = { .argv = argvs[i], .in = { LV_CHILD_NULL }, .out = { LV_CHILD_NULL },
				      .timeout_s = 30 };
		int st = lv_child_run(&c);
		if (st != 0)
			dprintf(2, "livec: %s: %s\n", argvs[i][0], lv_child_explain(&c));
		lv_child_release(&c);
		if (st != 0)
			return -EPERM;
	}
	return 0;
}

/* Rootless: a user namespace for livec itself.  The setuid helpers must
 * run outside it, so a helper process forked before the unshare waits for
 * it, then writes our maps. */
static int enter_own_namespace(struct lv_diags *d)
{
	unsigned uid = getuid(), gid = getgid();
	struct passwd *pw = getpwuid(uid);
	const char *name = pw ? pw->pw_name : "";
	unsigned long sub = subordinate("/etc/subuid", name, uid), subg = subordinate("/etc/subgid", name, uid);
	if (!sub || !subg) {
		unsigned long first = free_range();
		return lv_error(d, "rootless builds need %u subordinate user and group ids for '%s', and "
				   "/etc/%s has no range that large.\n  As root: usermod --add-subuids %lu-%lu "
				   "--add-subgids %lu-%lu %s\n  (or run livec as root)",
				LV_IDMAP_COUNT, name, !sub ? "subuid" : "subgid", first, first + LV_IDMAP_COUNT - 1,
				first, first + LV_IDMAP_COUNT - 1, *name ? name : "USER"),
		       -EPERM;
	}
	int go[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	pid_t self = getpid();
	fflush(NULL);
	pid_t helper = fork();
	if (helper < 0)
		return -errno;
	if (helper == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(run_map_helpers(self, uid, gid, sub, subg) == 0 ? 0 : 1);
	}
	close(go[0]);
	int r = unshare(CLONE_NEWUSER) < 0 ? -errno : 0;
	if (r == 0 && write(go[1], "x", 1) != 1)
		r = -errno;
	close(go[1]);
	int st;
	while (waitpid(helper, &st, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return userns_refused(d, -r);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		return lv_error(d, "cannot map the subordinate ids %lu and %lu into livec's user namespace "
				   "(newuidmap and newgidmap come with the uidmap package)", sub, subg),
		       -EPERM;
	}
	if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0)
		return lv_error(d, "cannot become root in livec's user namespace: %s", strerror(errno)), -errno;
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0); /* as in lv_idmap_tree_owner */
	map = (struct lv_idmap){ .uid = 1, .gid = 1, .host_uid = (unsigned)sub, .host_gid = (unsigned)subg,
				 .rootless = 1, .overflow = 65534 };
	struct lv_buf ov = { .max = 64 };
	if (lv_read_file("/proc/sys/kernel/overflowuid", &ov) == 0 && ov.len)
		map.overflow = (unsigned)strtoul(ov.p, NULL, 10);
	lv_buf_release(&ov);
	return 0;
}

int lv_idmap_setup(struct lv_diags *d)
{
	if (ready)
		return 0;
	int r = 0;
	if (geteuid() == 0) {
		map = (struct lv_idmap){ .uid = LV_IDMAP_ROOT_BASE, .gid = LV_IDMAP_ROOT_BASE,
					 .host_uid = LV_IDMAP_ROOT_BASE, .host_gid = LV_IDMAP_ROOT_BASE };
		r = probe_namespaces(d);
	} else
		r = enter_own_namespace(d);
	ready = r == 0;
	return r;
}

static int write_file(pid_t pid, const char *what, const char *text)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/%s", (int)pid, what);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -errno;
}

int lv_idmap_child(pid_t pid)
{
	char um[64], gm[64];
	snprintf(um, sizeof(um), "0 %u %u\n", map.uid, LV_IDMAP_COUNT);
	snprintf(gm, sizeof(gm), "0 %u %u\n", map.gid, LV_IDMAP_COUNT);
	int r = write_file(pid, "uid_map", um);
	return r < 0 ? r : write_file(pid, "gid_map", gm);
}

int lv_idmap_tree_owner(int on)
{
	int was = (unsigned)setfsuid(-1) == map.uid && map.uid != geteuid();
	setfsgid(on ? map.gid : getegid());
	setfsuid(on ? map.uid : geteuid());
	/* a file-system id other than 0 takes the file capabilities
	 * (chown, DAC override, fowner, ...) from the effective set: back */
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct c[2];
	if (syscall(SYS_capget, &h, c) < 0)
		return -errno;
	c[0].effective = c[0].permitted;
	c[1].effective = c[1].permitted;
	if (syscall(SYS_capset, &h, c) < 0)
		return -errno;
	/* a change of ids makes a process undumpable, and the /proc files of
	 * its children (the sandbox's id maps) root's: they stay livec's */
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0 ? -errno : was;
}

int lv_idmap_image_id(unsigned disk, int group, unsigned *id)
{
	unsigned base = group ? map.gid : map.uid;
	/* rootless, an id this namespace does not map reads as the overflow
	 * id, inside the image's range: a stranger's file, not the image's */
	if (disk < base || disk - base >= LV_IDMAP_COUNT || (map.rootless && disk == map.overflow))
		return -ERANGE;
	*id = disk - base;
	return 0;
}

size_t lv_idmap_file_caps(void *cap, size_t len)
{
	unsigned char *p = cap;
	if (len != 24 || p[3] != 3)
		return len;
	unsigned rootid = (unsigned)p[20] | (unsigned)p[21] << 8 | (unsigned)p[22] << 16 | (unsigned)p[23] << 24;
	if (rootid != map.uid)
		return len;
	p[3] = 2; /* revision 2: the same sets, for whoever is root */
	return 20;
}
