/* File-system operations confined to a root directory.
 *
 * Every path is resolved with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
 * against the root's directory fd: ".." stops at the root and absolute
 * symlinks are followed relative to it, so a package's `./bin/ls` lands in
 * `usr/bin/ls` through the image's merged-/usr link, and nothing a package
 * contains (".." components, absolute or relative symlinks pointing out)
 * can create or change a file outside the root.  Paths with ".." components
 * are refused outright: a well-formed package never has them.
 * (Placing a .deb's entries this way is build/debentry.h.) */
#ifndef LV_INROOT_H
#define LV_INROOT_H

#include <stddef.h>
#include <sys/types.h>

/* 0 if path is acceptable inside a root (relative, no "." or ".." parts). */
int lv_inroot_check(const char *path);
/* Creates (or keeps) a directory and its missing parents. */
int lv_inroot_mkdirs(int rootfd, const char *path, mode_t mode);
/* The parent directory of path, resolved in the root, as an O_PATH fd
 * (-errno); *base points at the last component. */
int lv_inroot_parent(int rootfd, const char *path, const char **base);
/* Writes a regular file with the given bytes (replacing what is there). */
int lv_inroot_write(int rootfd, const char *path, const void *data, size_t len, mode_t mode);
/* Replaces path by a symlink to target. */
int lv_inroot_symlink(int rootfd, const char *path, const char *target);
/* Appends a regular file's bytes to b (up to b->max, else -LVE_TOOBIG);
 * anything else (a FIFO, a device, a directory) is -EINVAL. */
struct lv_buf;
int lv_inroot_read(int rootfd, const char *path, struct lv_buf *b);
/* Opens path ("" for the root itself) with open(2) flags; -errno. */
int lv_inroot_open(int rootfd, const char *path, int flags);
/* Makes way for a directory at path: removes what is there if it is not
 * one (a symlink, a file).  1 if it removed something, 0 if not, -errno. */
int lv_inroot_want_dir(int rootfd, const char *path);
/* Removes a file or symlink (not a directory); ENOENT is not an error. */
int lv_inroot_unlink(int rootfd, const char *path);

/* Removes what is at `base` in the directory d unless it is a directory
 * (not followed: a symlink is removed): 1 = a directory is there, 0 =
 * nothing is there now, or -errno. */
int lv_inroot_clear(int d, const char *base);

/* 1 if something is at path inside the root (its last component not
 * followed), else 0. */
int lv_inroot_exists(int rootfd, const char *path);

#endif
