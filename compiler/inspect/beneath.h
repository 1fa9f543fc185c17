/* A tree written from a medium's entries (entry.h), confined beneath one
 * directory.
 *
 * Every entry's parent is opened with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS) from the directory's fd, and the entry is made in it
 * by name (mkdirat, openat O_EXCL|O_NOFOLLOW, symlinkat, linkat): a path
 * that is absolute or has a "." or ".." part is refused, and so is one that
 * goes through a symlink made earlier, so nothing on the medium can create
 * or change a file outside the directory.  A medium's tree never needs
 * either: each entry names its own place.
 *
 * At most LV_BENEATH_MAX bytes of file contents are written (a small
 * crafted root_fs.tgz can expand a thousandfold).
 *
 * Modes are the medium's; owners are its numeric ones when running as root
 * and the caller's otherwise; times are the medium's.  Directory modes and
 * times are set last (children first), so a read-only directory can still
 * be filled.  Device nodes and file capabilities need root: without it
 * they are counted and left out. */
#ifndef LV_BENEATH_H
#define LV_BENEATH_H

#include <stddef.h>

#include "base/diag.h"
#include "inspect/entry.h"

#define LV_BENEATH_MAX (64ull << 30)

struct lv_beneath_dir;

struct lv_beneath {
	int dirfd;                /* O_PATH fd of the directory */
	char *dir;
	int as_root;              /* set owners, device nodes, capabilities */
	const char *source;       /* names the medium part in diagnostics */
	struct lv_beneath_dir *dirs;   /* directory modes and times still to set */
	size_t ndirs, cap;
	size_t entries;           /* paths made (a directory met twice counts once) */
	unsigned long long bytes; /* of file contents written */
	int top_done;
	size_t skipped_devices, skipped_caps, skipped_sockets;
	struct lv_diags *d;
};

/* Opens dir for writing: it must not exist (it is made, mode 0700 until the
 * tree's root entry says otherwise) or be an empty directory. */
int lv_beneath_open(struct lv_beneath *b, const char *dir, struct lv_diags *d);
/* Writes one entry; the regular file's bytes come from data.  A hostile
 * path is refused with a diagnostic (-LVE_ARCHIVE: the medium is bad). */
int lv_beneath_put(struct lv_beneath *b, const struct lv_xentry *e, struct lv_xdata *data);
/* Sets the directories' modes and times; call once, after the last put. */
int lv_beneath_finish(struct lv_beneath *b);
void lv_beneath_release(struct lv_beneath *b);

/* 0 if path may be written beneath a directory: relative, no empty, "."
 * or ".." part ("" is the directory itself). */
int lv_beneath_check(const char *path);

#endif
