/* What a hostile maintainer script would try from inside the build's
 * sandbox (t9003): each attempt's outcome goes to the log named first, one
 * line "NAME: done" or "NAME: denied (ERRNO)"; the last one, the classic
 * chroot escape, then tries to create the host file named second.
 * Always exits 0, so the install goes on and the test reads the log. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static FILE *out;

static void said(const char *what, int ok)
{
	if (ok)
		fprintf(out, "%s: done\n", what);
	else
		fprintf(out, "%s: denied (%s)\n", what, strerror(errno));
	fflush(out);
}

int main(int argc, char **argv)
{
	if (argc < 3 || !(out = fopen(argv[1], "w")))
		return 0;
	/* a block device node on the disk that holds the tree */
	said("mknod", mknod("/lvtest-sda", S_IFBLK | 0600, makedev(8, 0)) == 0);
	unlink("/lvtest-sda");
	mkdir("/lvtest-mnt", 0755);
	said("mount", mount("tmpfs", "/lvtest-mnt", "tmpfs", 0, NULL) == 0);
	umount2("/lvtest-mnt", MNT_DETACH);
	rmdir("/lvtest-mnt");
	/* the host's network through pid 1's namespace */
	int ns = open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);
	said("setns", ns >= 0 && setns(ns, CLONE_NEWNET) == 0);
	/* a file capability on itself (cap_net_raw, permitted and effective),
	 * as setcap(8) writes it: the build must publish it as the image has it */
	static const unsigned char cap[20] = { 1, 0, 0, 2, 0, 0x20, 0, 0 };
	said("setcap", setxattr("/proc/self/exe", "security.capability", cap, sizeof(cap), 0) == 0);
	/* chroot into a subdirectory, climb out of it, chroot there */
	mkdir("/lvtest-esc", 0755);
	int ok = chroot("/lvtest-esc") == 0;
	for (int i = 0; ok && i < 64; i++)
		ok = chdir("..") == 0;
	ok = ok && chroot(".") == 0;
	int fd = ok ? open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
	said("escape", fd >= 0 && write(fd, "escaped\n", 8) == 8);
	return 0;
}
