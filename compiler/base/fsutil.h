/* Small file-system helpers shared by every stage. */
#ifndef LV_FSUTIL_H
#define LV_FSUTIL_H

#include <stddef.h>

#include "buf.h"

/* Reads a whole file into b (b->max bounds it).  0 or -errno / -LVE_TOOBIG. */
int lv_read_file(const char *path, struct lv_buf *b);
/* Appends what is left to read from fd (up to b->max). */
int lv_read_fd(int fd, struct lv_buf *b);
/* Writes data to path atomically: a temporary name in the same directory,
 * fsync, rename, fsync of the directory.  Never leaves a partial file. */
int lv_write_atomic(const char *path, const void *data, size_t len);
/* Writes all n bytes to fd (again after a short write or EINTR): 0 or
 * -errno. */
int lv_write_all(int fd, const void *p, size_t n);
/* mkdir -p: missing parents get mode 0755, the directory itself `mode`
 * (both less the umask); 0 or -errno. */
int lv_mkdir_p(const char *path, unsigned mode);
/* Returns malloc'd "a/b" (a single slash between). */
char *lv_path_join(const char *a, const char *b);
/* Directory part of path (malloc'd; "." when none). */
char *lv_dirname(const char *path);
/* File name part of path (malloc'd). */
char *lv_basename(const char *path);
int lv_exists(const char *path);
/* Removes path and everything under it (never following symlinks). */
void lv_remove_tree(const char *path);

#endif
