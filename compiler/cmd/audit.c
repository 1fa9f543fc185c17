/* livec audit-licenses: the lock's license inventory against the manifest's
 * policy (audit.c), as a table, JSON, or an SPDX 2.3 document (out_spdx.c).
 * Reads only the manifest and the lockfile: no network, no cache. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "license/audit.h"
#include "base/cleanup.h"
#include "cmd/cli.h"
#include "cmd/options.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "lock/lockfile.h"
#include "license/out_spdx.h"
#include "base/sha256.h"
#include "license/unowned.h"

static const char *audit_format(size_t i, const char **help)
{
	static const char *const formats[][2] = {
		{ "text", "a table: package, version, method, license, verdict (default)" },
		{ "json", "the same as JSON, with a summary" },
		{ "spdx", "an SPDX 2.3 JSON document (SBOM); its creation time is SOURCE_DATE_EPOCH, else the "
			  "lock's, so it is reproducible" },
	};
	*help = i < LV_ARRAY_SIZE(formats) ? formats[i][1] : NULL;
	return i < LV_ARRAY_SIZE(formats) ? formats[i][0] : NULL;
}

static const struct lv_opt audit_opts[] = {
	{ 'f', "format", LV_OPT_SHORT, "FORMAT", NULL, audit_format },
	{ 'o', "output", LV_OPT_SHORT, "FILE", "write there (atomically) instead of standard output", NULL },
	{ 't', "tree", 0, "DIR", "also list the files in the image tree DIR that no locked package ships "
	  "and the manifest's files: did not add with a license (policy: licenses.unowned: allow | review "
	  "| deny)", NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

const struct lv_verb lv_verb_audit = {
	.name = "audit-licenses",
	.run = lv_cmd_audit,
	.needs = LV_NEEDS_MANIFEST | LV_NEEDS_CACHE | LV_NEEDS_ANY_LOCK,
	.synopsis = "audit-licenses [--format text|json|spdx] [--output FILE] [--tree DIR] MANIFEST",
	.summary = "check the locked packages' licenses against the policy; SPDX SBOM",
	.description =
		"Checks the license of every locked package (rootfs and boot sets) against\n"
		"the manifest's policy and prints the inventory.  Exit 0 when the policy\n"
		"holds, 1 when it is violated (each violating package and rule is named).",
	.opts = audit_opts,
	.epilogue =
		"Policy, in the manifest:\n"
		"  licenses:\n"
		"    allow: [MIT, BSD-*, GPL-2.0-*]   # if given, anything else is a violation\n"
		"    deny: [LicenseRef-Debian-non-free]\n"
		"    review: [AGPL-*]                 # reported, not fatal\n"
		"    noassertion: review              # allow | review | deny\n"
		"    exceptions: [{package: foo, reason: \"vendor agreement #12\"}]\n"
		"Patterns are globs; AND needs every part allowed, OR needs one.",
};

int lv_cmd_audit(struct lv_ctx *ctx, int argc, char **argv)
{
	const char *format = "text", *output = NULL, *tree = NULL;
	char lock_sha[LV_SHA256_HEX];
	int c, r;

	while ((c = lv_opt_next(&lv_verb_audit, argc, argv)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 't': tree = optarg; break;
		case LV_OPT_HELP: return 0;
		default: return -LVE_USAGE;
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "spdx")) {
		lv_error(&ctx->d, "unknown format '%s': use text, json or spdx", format);
		return -LVE_USAGE;
	}
	const struct lv_manifest *m = &ctx->m;
	const struct lv_lock *l = &ctx->lock;
	if ((r = lv_sha256_file(ctx->lock_path, lock_sha, NULL)) < 0)
		return r;

	struct lv_audit a;
	struct lv_buf out = { 0 };
	struct lv_unowned u = { 0 };
	if (tree && (r = lv_unowned_scan(&ctx->cache, l, m, tree, &u, &ctx->d)) < 0)
		return r;
	lv_audit_run(m, l, tree ? &u : NULL, &a);
	if (!strcmp(format, "spdx"))
		lv_spdx_write(l, m, lock_sha, lv_clock_epoch(l->source_date_epoch), &out);
	else if (!strcmp(format, "json"))
		lv_audit_json(&a, l, &out);
	else {
		struct winsize ws;
		int width = !output && isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
		lv_audit_text(&a, &out, width);
	}
	if (output) {
		if ((r = lv_write_atomic(output, out.p, out.len)) < 0)
			lv_error(&ctx->d, "cannot write '%s': %s", output, lv_strerror(r));
	} else
		fwrite(out.p, 1, out.len, stdout);
	fflush(stdout);
	for (size_t i = 0; i < a.n; i++)
		if (a.rows[i].verdict == LV_DENY && !a.rows[i].waiver)
			lv_error(&ctx->d, "license policy violated by %s package '%s' %s (%s): %s",
				 a.rows[i].set, a.rows[i].pkg->name, a.rows[i].pkg->version,
				 a.rows[i].pkg->license, a.rows[i].rule);
	for (size_t i = 0; i < u.ndeclared; i++)
		if (a.declared[i].verdict == LV_DENY)
			lv_error(&ctx->d, "license policy violated by the files: entry for '/%s' (%s): %s",
				 u.declared[i].target, u.declared[i].license, a.declared[i].rule);
	if (a.unowned_verdict == LV_DENY)
		lv_error(&ctx->d, "license policy violated: %zu file%s from no package (licenses.unowned: "
				  "deny), e.g. '/%s'", u.n, u.n == 1 ? "" : "s", u.paths[0]);
	if (r == 0 && (a.violations || a.unowned_verdict == LV_DENY))
		r = -LVE_POLICY;
	lv_unowned_release(&u);
	lv_buf_release(&out);
	lv_audit_release(&a);
	return r;
}
