/* The manifest's system section, files and hooks, applied to an installed
 * tree: hostname, locale, timezone, users and groups with fixed ids,
 * console autologin, the X session and what is reconfigured at boot,
 * services; then (lv_system_files_hooks) overlay files and the hooks in
 * manifest order, each in the sandbox. */
#ifndef LV_SYSTEM_H
#define LV_SYSTEM_H

#include "build/assemble.h"

/* What of the system section can be checked against the lock before
 * anything is installed: 0 or -LVE_MANIFEST with diagnostics. */
int lv_system_check(const struct lv_manifest *m, const struct lv_lock *l, struct lv_diags *d);

int lv_system_apply(struct lv_assembly *a, struct lv_diags *d);

/* The files of livec's runtime (runtime/session/) the system section may
 * copy into a tree, NULL-terminated: the tree cache's key covers them. */
extern const char *const lv_system_runtime[];

/* Then the manifest's files: entries and its hooks. */
int lv_system_files_hooks(struct lv_assembly *a, struct lv_diags *d);

/* debconf answers from system.debconf ("pkg question type value" lines),
 * written as a debconf File database for DEBCONF_DB_FALLBACK; returns the
 * in-root path (static) or NULL when there are none. */
const char *lv_system_preseed(struct lv_assembly *a, struct lv_diags *d);

#endif
