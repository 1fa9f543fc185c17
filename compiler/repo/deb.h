/* Reading .deb files (the only module, with decompress.c, that uses
 * libarchive): ar(debian-binary, control.tar.*, data.tar.*), the data tar
 * read as a stream from inside the ar member, never unpacked to disk. */
#ifndef LV_DEB_H
#define LV_DEB_H

#include <stddef.h>

/* What a package ships under usr/share/doc/<pkg>/. */
struct lv_debdoc {
	char *copyright;        /* contents of usr/share/doc/<pkg>/copyright, or NULL */
	size_t copyright_len;
	char *doc_link;         /* target, when usr/share/doc/<pkg> is a symlink */
	char *copyright_link;   /* target, when .../copyright is a symlink */
};

/* Streams the .deb at path looking for package pkg's doc entries.
 * Returns 0 (fields NULL when absent) or -LVE_ARCHIVE with why filled. */
int lv_deb_read_doc(const char *path, const char *pkg, struct lv_debdoc *out, char *why, size_t whylen);
void lv_debdoc_release(struct lv_debdoc *d);

/* Calls fn for every entry of the data tar (path normalised: no leading
 * "./" or "/", no trailing "/"); type is 'f', 'd', 'l', 'h' (hard link) or 'o'.
 * Returns 0 or -LVE_ARCHIVE with why filled. */
typedef void (*lv_deb_entry_fn)(const char *path, char type, void *ud);
int lv_deb_list(const char *path, lv_deb_entry_fn fn, void *ud, char *why, size_t whylen);

/* One member of a data tar, as extraction needs it. */
struct lv_debentry {
	const char *path;        /* normalised like lv_deb_list's */
	char type;               /* 'f', 'd', 'l', 'h', 'c', 'b', 'p' (fifo) */
	unsigned mode;           /* permission bits incl. setuid/setgid/sticky */
	unsigned uid, gid;
	long long mtime;
	long long size;
	const char *link;        /* symlink target, or hard link source (normalised) */
	unsigned rdev_major, rdev_minor;
};
/* Streams the data tar; fn may call lv_deb_read_data() for 'f' entries and
 * returns 0 to go on or a negative error to stop (which is returned). */
struct lv_debreader;
typedef int (*lv_deb_extract_fn)(const struct lv_debentry *e, struct lv_debreader *rd, void *ud);
int lv_deb_each(const char *path, lv_deb_extract_fn fn, void *ud, char *why, size_t whylen);
long lv_deb_read_data(struct lv_debreader *rd, void *buf, size_t len);

/* Extracts one regular file of the data tar (path as in lv_deb_list) to
 * out, with mode 0755 or 0644 as in the package.  "bin/x" also finds
 * "usr/bin/x" (merged /usr).  -ENOENT if absent. */
int lv_deb_extract_file(const char *deb, const char *member, const char *out, char *why, size_t whylen);

/* The control file of a .deb (control.tar member "./control"), malloc'd. */
int lv_deb_control(const char *path, char **text, size_t *len, char *why, size_t whylen);

#endif
