/* One entry of an archive or file system being taken apart (`livec
 * inspect`): what the readers (in_archive.c for ISO 9660, tar and cpio,
 * in_ext2.c for ext2) give, and what the confined writer (beneath.c) takes.
 *
 * A reader calls an lv_xentry_fn for each entry, in the order the medium
 * lists them; the callback may read a regular file's bytes through the
 * lv_xdata it is handed, during the call only.  Paths come as the medium
 * spells them, minus a leading "./" and a trailing "/": nothing is cleaned
 * up, so a hostile "../x" or "/etc/x" reaches the writer as it is, and the
 * writer refuses it. */
#ifndef LV_INSPECT_ENTRY_H
#define LV_INSPECT_ENTRY_H

#include <stddef.h>
#include <stdint.h>

struct lv_xentry {
	const char *path;        /* "" for the root itself */
	char type;               /* 'f' 'd' 'l' 'h' (hard link) 'c' 'b' 'p' 's' */
	unsigned mode;           /* permission bits (07777) */
	unsigned uid, gid;
	long long mtime;
	uint64_t size;           /* regular files */
	const char *link;        /* symlink target, or the path a hard link names */
	unsigned rdev_major, rdev_minor;
	const void *cap;         /* security.capability value, or NULL */
	size_t cap_len;
};

/* A regular file's bytes: read() returns how many it put in buf (0 at the
 * end), or -1 when the medium is damaged. */
struct lv_xdata {
	long (*read)(void *src, void *buf, size_t len);
	void *src;
};

/* Returns 0 to go on, or a negative error code to stop the reader (which
 * then returns it). */
typedef int (*lv_xentry_fn)(const struct lv_xentry *e, struct lv_xdata *data, void *ud);

#endif
