/* License policy audit: the lock's license inventory against the manifest's
 * `licenses` policy.
 *
 * Each package's declared expression is evaluated leaf by leaf: a license
 * matching licenses.deny (or, when licenses.allow is given, matching none of
 * it) is a violation; licenses.review asks for a look; NOASSERTION follows
 * licenses.noassertion.  AND takes the worst of its operands, OR the best.
 * licenses.exceptions waive a package (optionally only for one license
 * expression) with a stated reason.  Patterns are fnmatch globs, compared
 * without regard to case (SPDX ids are case-insensitive). */
#ifndef LV_AUDIT_H
#define LV_AUDIT_H

#include "base/buf.h"
#include "lock/lockfile.h"
#include "manifest/manifest.h"
#include "license/spdx.h"
#include "license/unowned.h"

struct lv_audit_row {
	const struct lv_lockpkg *pkg;  /* borrowed from the lock */
	const char *set;               /* "rootfs" or "boot" */
	enum lv_verdict verdict;
	const char *waiver;            /* reason of the exception that waived it, or NULL */
	char *rule;                    /* what decided, e.g. "licenses.deny: GPL-3.0*" */
};

struct lv_audit {
	const struct lv_unowned *unowned;  /* files from no package (--tree), or NULL */
	enum lv_verdict unowned_verdict;   /* licenses.unowned applied to them */
	struct lv_audit_declared {         /* the policy applied to each files: entry's license */
		enum lv_verdict verdict;
		char *rule;
	} *declared;                       /* as many as unowned->ndeclared */
	struct lv_audit_row *rows;
	size_t n;
	size_t ok, review, waived, violations;
	size_t by_method[4];
	size_t ambiguous;                  /* of them, files naming several licenses in prose */
};

int lv_audit_run(const struct lv_manifest *m, const struct lv_lock *l, const struct lv_unowned *u,
		 struct lv_audit *out);
void lv_audit_release(struct lv_audit *a);

/* A table for people; width 0 = no truncation. */
void lv_audit_text(const struct lv_audit *a, struct lv_buf *out, int width);
void lv_audit_json(const struct lv_audit *a, const struct lv_lock *l, struct lv_buf *out);

#endif
