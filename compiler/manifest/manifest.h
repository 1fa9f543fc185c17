/* The manifest: a YAML description of a live system (docs/manifest.md).
 *
 * lv_manifest_load() parses and checks the whole file against the schema in
 * manifest.c, collecting every error (up to the diagnostics limit) with its
 * file:line:col, and fills struct lv_manifest with the parts the pipeline
 * uses.  The full tree stays available in `root` for later stages. */
#ifndef LV_MANIFEST_H
#define LV_MANIFEST_H

#include <stddef.h>

#include "base/diag.h"
#include "manifest/yamltree.h"

enum lv_variant { LV_VARIANT_ESSENTIAL, LV_VARIANT_MINBASE, LV_VARIANT_IMPORTANT, LV_VARIANT_STANDARD };

/* A package named in the manifest, with where it was named. */
struct lv_mpkg {
	char *name;
	char *version;   /* from "name=version", or NULL */
	int line, col;
};

struct lv_mpkgs {
	struct lv_mpkg *v;
	size_t n;
};

struct lv_strs {
	char **v;
	size_t n;
};

struct lv_manifest {
	char *path;
	char *name;
	struct {
		char *suite;
		char *architecture;          /* default amd64 */
		struct lv_strs components;   /* default [main] */
		char *mirror;                /* NULL: $LIVEC_MIRROR or host APT sources */
		char *security_mirror;       /* NULL: derived */
		int updates, security;       /* -1 = default for the suite */
		char *keyring;               /* NULL: the Debian archive keyring */
		struct lv_strs keys;         /* allowed signing key fingerprints; empty = Debian's */
		int suite_line, suite_col;
	} dist;
	struct {
		enum lv_variant variant;
		struct lv_mpkgs install, exclude, boot;
		int recommends;
		int boot_given;              /* packages.boot was written (else the default set) */
	} pkgs;
	struct {
		struct lv_strs allow, deny, review; /* SPDX ids or fnmatch patterns */
		struct lv_waiver {
			char *package, *license, *reason;
		} *exceptions;
		size_t nexceptions;
		int allow_given;                     /* licenses.allow was written */
		char *noassertion;                   /* allow | review | deny (default review) */
		char *unowned;                       /* files from no package: allow | review | deny */
	} licenses;
	struct {
		int bios, uefi;              /* image.boot.firmware (default both) */
	} image;
	struct lv_ynode *root;               /* the whole document (owned) */
};

/* 0, or -LVE_MANIFEST with diagnostics recorded. */
int lv_manifest_load(const char *path, struct lv_manifest *m, struct lv_diags *d);

/* One files: entry, resolved: where it comes from on the host and where
 * it goes in the image. */
struct lv_file_src {
	char *from;             /* host path (owned): absolute, or relative to the manifest */
	char *target;           /* image path (owned): no leading or trailing '/', "" for the
				   root; a file copied into a directory gets its name */
	const char *mode;       /* borrowed from the manifest, or NULL */
	const char *license;    /* borrowed from the manifest, or NULL */
	int is_dir;             /* `from` is a directory: an overlay tree */
	int exists;
};
/* The manifest's files: entries in order (free with lv_file_srcs_free). */
size_t lv_manifest_file_srcs(const struct lv_manifest *m, struct lv_file_src **out);
void lv_file_srcs_free(struct lv_file_src *v, size_t n);
void lv_manifest_release(struct lv_manifest *m);

const char *lv_variant_name(enum lv_variant v);

/* Checks a Debian package name (Policy §5.6.1). */
int lv_valid_pkgname(const char *s);

#endif
