/* Assembly: the locked rootfs packages become an installed Debian tree.
 *
 *   lv_bootstrap: merged-/usr links, then the Essential set and its
 *                 dependencies extracted (data.tar, confined to the root by
 *                 inroot.c), an empty dpkg database
 *   lv_install:   the target's own dpkg, in the sandbox, installs the
 *                 Essential set for real, then every other package in an
 *                 order that honours Pre-Depends, with daemons kept from
 *                 starting (policy-rc.d 101, start-stop-daemon diverted to
 *                 true) and that undone afterwards; then checks that every
 *                 package is "install ok installed" and dpkg --audit is silent
 *
 * The caller owns the staging root and removes it on failure. */
#ifndef LV_ASSEMBLE_H
#define LV_ASSEMBLE_H

#include "repo/cache.h"
#include "base/diag.h"
#include "lock/lockfile.h"
#include "manifest/manifest.h"
#include "build/sandbox.h"

struct lv_pkgdeps;

struct lv_assembly {
	const char *root;              /* absolute path of the staging root */
	const struct lv_cache *cache;
	const struct lv_lock *lock;
	const struct lv_manifest *m;
	struct lv_sandbox sb;          /* root, epoch, log */
	const char *log_path;          /* shown in errors */
	/* filled by lv_bootstrap, for lv_install */
	struct lv_pkgdeps *deps;       /* the rootfs set's dependency graph (assemble.c) */
	char *essential;               /* per rootfs package: unpacked by the bootstrap */
};

int lv_bootstrap(struct lv_assembly *a, struct lv_diags *d);
int lv_install(struct lv_assembly *a, struct lv_diags *d);
void lv_assembly_release(struct lv_assembly *a);

/* Runs a shell script in the sandbox, logged; a failure is diagnosed with
 * the log's last lines.  0 or -LVE_BUILD. */
int lv_assembly_sh(const struct lv_assembly *a, struct lv_diags *d, const char *what, const char *script);

/* The last lines of the build log, for an error message (malloc'd). */
char *lv_log_tail(const char *log_path, int lines);

#endif
