/* The manifest: a YAML description of a live system (docs/manifest.md).
 *
 * lv_manifest_load() reads the file and the fragments it includes
 * (include.c), merges them, and reads the result into the typed struct
 * lv_manifest below, against one schema table in manifest.c that also holds
 * every default.  It checks everything that can be checked before any
 * network or install work (keys, types, ranges, names, files: on the host,
 * session and users) and records every error it finds, each with the
 * file:line:col of the fragment that said it.  After loading, no stage
 * looks at YAML: the struct is the manifest.
 *
 * Checks that need the lock (lv_manifest_check_lock) or the installed tree
 * (image.kernel, in kernel.c) come later, with the same positions. */
#ifndef LV_MANIFEST_H
#define LV_MANIFEST_H

#include <stddef.h>

#include "base/buf.h"
#include "base/diag.h"

enum lv_variant { LV_VARIANT_ESSENTIAL, LV_VARIANT_MINBASE, LV_VARIANT_IMPORTANT, LV_VARIANT_STANDARD };
enum lv_inner { LV_INNER_ISO9660, LV_INNER_EXT2 };
enum lv_rootmode { LV_ROOT_TMPFS, LV_ROOT_OVERLAY };
enum lv_persistmode { LV_PERSIST_HOME, LV_PERSIST_OVERLAY };
enum lv_cloopcomp { LV_CLOOPCOMP_ZLIB, LV_CLOOPCOMP_XZ };

/* Where a value was written: file (borrowed from lv_manifest.sources),
 * 1-based line and column; line 0 when the value is a default. */
struct lv_pos {
	const char *file;
	int line, col;
};

struct lv_strs {
	char **v;
	struct lv_pos *at;   /* where each item was written */
	size_t n;
};

/* A package named in the manifest: "name", "name=version" or "name/suite"
 * (apt's target release: that repository's version). */
struct lv_mpkg {
	char *name;
	char *version;       /* or NULL */
	char *suite;         /* or NULL */
	struct lv_pos at;
};

struct lv_mpkgs {
	struct lv_mpkg *v;
	size_t n;
};

/* Every struct below that a list or a mapping fills starts with `at`:
 * where it was written (line 0: absent). */
struct lv_user {
	struct lv_pos at;
	char *name;
	long uid, gid;             /* gid defaults to uid */
	struct lv_strs groups;
	char *password;            /* NULL: locked; "": no password */
	char *shell;
	int sudo;
};

struct lv_mfile {
	struct lv_pos at;
	char *source, *target;     /* as written */
	struct lv_pos source_at, target_at;
	long mode;                 /* -1: from the source */
	char *license;             /* SPDX expression, or NULL */
	/* resolved when loaded: */
	char *from;                /* host path: absolute, or relative to the file that named it */
	char *dest;                /* image path without leading or trailing '/', "" for the root;
				      a file copied into a directory gets its name */
	int is_dir;                /* `from` is a directory: an overlay tree */
};

struct lv_hook {
	struct lv_pos at;
	char *name, *run;
};

/* An extra archive (distribution.repositories): resolved, locked and
 * inventoried like Debian's own suites. */
struct lv_mrepo {
	struct lv_pos at;
	char *name;                /* how the lock and `pkg/NAME` call it; default: the suite */
	char *uri;                 /* NULL: Debian's mirror */
	char *suite;
	struct lv_strs components;
	char *keyring;             /* as written; NULL: Debian's archive keyring */
	struct lv_strs keys;       /* allowed signing keys; empty: Debian's */
	long priority;             /* apt's pin priority; -1: from its Release (NotAutomatic) */
	struct lv_pos uri_at, keyring_at;
	/* resolved when loaded: */
	char *keyring_path;        /* relative to the manifest that names it */
};

struct lv_waiver {
	struct lv_pos at;
	char *package, *license, *reason;
};

struct lv_session {
	struct lv_pos at;
	char *user;
	struct lv_pos user_at;
	int x;                     /* default true */
	char *window_manager;
	struct lv_pos window_manager_at;
	struct lv_strs autostart;
};

struct lv_manifest {
	char *path;                /* the file named on the command line */
	struct lv_strs sources;    /* it and every fragment it includes, in merge order */
	char *name;
	struct {
		char *suite;
		struct lv_pos suite_at;
		char *architecture;
		struct lv_strs components;
		char *mirror;                /* NULL: $LIVEC_MIRROR or host APT sources */
		char *security_mirror;       /* NULL: derived */
		int updates, security;       /* -1 = default for the suite */
		char *keyring;               /* NULL: the Debian archive keyring */
		struct lv_strs keys;         /* allowed signing key fingerprints; empty = Debian's */
		int snapshot;                /* the mirror serves the past: expired Valid-Until accepted */
		struct { struct lv_mrepo *v; size_t n; } repos; /* extra archives */
	} dist;
	struct {
		enum lv_variant variant;
		struct lv_mpkgs install, exclude, boot;
		int recommends;
		char *local;                 /* packages.local as written, or NULL */
		struct lv_pos local_at;
		char *local_dir;             /* resolved: relative to the manifest that names it */
		int boot_given;              /* packages.boot was written (else the default set) */
		struct lv_pos boot_at;
	} pkgs;
	struct {
		char *hostname, *locale, *timezone;
		struct { struct lv_user *v; size_t n; } users;
		char *autologin;             /* system.autologin.user, or NULL */
		struct lv_pos autologin_at;
		struct lv_strs enable, disable;      /* system.services */
		struct lv_strs keep;                 /* system.services.keep: not masked (system.c) */
		struct lv_strs debconf;              /* debconf-set-selections lines */
		struct lv_session session;           /* session.at.line 0: none */
		struct lv_mpkgs reconfigure;         /* system.reconfigure-at-boot */
	} system;
	struct { struct lv_mfile *v; size_t n; } files;
	struct { struct lv_hook *v; size_t n; } hooks;
	struct {
		struct lv_strs allow, deny, review; /* SPDX ids or fnmatch patterns */
		struct { struct lv_waiver *v; size_t n; } exceptions;
		int allow_given;                     /* licenses.allow was written */
		struct lv_pos allow_at;
		char *noassertion;                   /* allow | review | deny */
		char *unowned;                       /* files from no package: allow | review | deny */
	} licenses;
	struct {
		char *label;
		enum lv_inner inner;
		enum lv_rootmode root;
		struct lv_strs read_only;
		char *kernel;                /* NULL: the metapackage's */
		struct lv_pos kernel_at;
		struct {
			char *label;         /* NULL: no persistence unless a boot option asks */
			enum lv_persistmode mode;
		} persistence;
		struct {
			long block_size, level;
			enum lv_cloopcomp compression;
			struct lv_pos level_at;
		} cloop;
		struct {
			char *cmdline;
			long timeout;        /* tenths of a second */
			struct lv_strs firmware;
			struct lv_pos firmware_at;
		} boot;
		int bios, uefi;              /* from image.boot.firmware */
	} image;
};

/* 0, or -LVE_MANIFEST with diagnostics recorded. */
int lv_manifest_load(const char *path, struct lv_manifest *m, struct lv_diags *d);
void lv_manifest_release(struct lv_manifest *m);

/* The manifest in a canonical text form: every key, defaults included, in
 * schema order; the same for manifests that mean the same (comments,
 * layout, fragments aside).  What the build ID and the tree cache hash,
 * and what the medium carries as /LIVEC/manifest.yaml.  `sections`: the
 * top-level keys to write (NULL-terminated), or NULL for all. */
void lv_manifest_canonical(const struct lv_manifest *m, const char *const *sections, struct lv_buf *out);

/* Every key of the schema, depth first in schema order: its dotted path
 * ("image.cloop.level"), kind, default as written (or NULL), allowed words
 * (or NULL) and whether it is required.  For documentation and tests. */
typedef void (*lv_schema_fn)(const char *path, const char *kind, const char *def, const char *words, int required,
			     void *ud);
void lv_manifest_schema(lv_schema_fn fn, void *ud);

/* Records a diagnostic at a position. */
void lv_diag_pos(struct lv_diags *d, enum lv_severity sev, const struct lv_pos *at, const char *hint,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

const char *lv_variant_name(enum lv_variant v);

/* Checks a Debian package name (Policy §5.6.1). */
int lv_valid_pkgname(const char *s);

#endif
