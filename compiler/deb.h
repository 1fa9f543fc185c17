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

#endif
