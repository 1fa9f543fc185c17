/* livec inspect: what a livec ISO holds, and its tree, without root and
 * without mounting anything (inspect/medium.h, facts.h, extract.h). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "cmd/cli.h"
#include "cmd/options.h"
#include "inspect/extract.h"
#include "inspect/facts.h"
#include "inspect/medium.h"

static const struct lv_opt inspect_opts[] = {
	{ 'p', "packages", 0, NULL, "only the image's packages: \"name version\", sorted", NULL },
	{ 'l', "licenses", 0, NULL, "each package of the medium's SBOM: \"name version license\"", NULL },
	{ 'x', "extract", 0, "DIR", "the live system's tree, as init composes it (root_fs.tgz and the read-only "
	  "directories of the cloop image), into DIR, which must not exist or be empty: modes, symlinks, contents "
	  "and times; owners only when run as root; a path that would land outside DIR is refused", NULL },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

const struct lv_verb lv_verb_inspect = {
	.name = "inspect",
	.run = lv_cmd_inspect,
	.needs = 0,
	.synopsis = "inspect [--packages | --licenses | --extract DIR] IMAGE.iso",
	.summary = "show what a livec ISO holds, or unpack its tree (no root needed)",
	.description =
		"Takes a livec ISO apart without root and without mounting it (from\n"
		"another machine too) and prints what it holds: the manifest's name, the\n"
		"build ID, SOURCE_DATE_EPOCH, every layer with its size and SHA-256 under\n"
		"the names SHA256SUMS uses (IMAGE.iso, IMAGE.iso:LIVEC/LIVEC, its inner\n"
		"file system IMAGE.iso:LIVEC/LIVEC:inner, ...), the boot entries, the\n"
		"kernel, the initramfs and the packages of the lock the medium carries.",
	.opts = inspect_opts,
	.epilogue = "Temporary files go to $TMPDIR (the cloop image unpacked, with --extract).",
};

static void print_layers(struct lv_buf *out, const struct lv_medium *m)
{
	lv_buf_printf(out, "layers:\n");
	for (size_t i = 0; i < m->nlayers; i++)
		lv_buf_printf(out, "  %s  %llu  %s\n", m->layers[i].sha256, (unsigned long long)m->layers[i].size,
		       m->layers[i].name);
	lv_buf_printf(out, "cloop: %s, %u blocks of %u bytes\ninner: %s\n", m->cloop_version, m->cloop_blocks,
	       m->cloop_block_size, m->inner_type);
}

static void print_head(struct lv_buf *out, const struct lv_medium *m, const struct lv_facts *f)
{
	char when[32] = "unknown";
	time_t t = (time_t)f->epoch;
	struct tm tm;
	if (f->epoch >= 0 && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	lv_buf_printf(out, "image: %s\nmanifest: %s\nbuild-id: %s\n", m->name, f->manifest, m->id);
	lv_buf_printf(out, "source-date-epoch: %lld (%s, from the %s)\n", f->epoch, when, f->epoch_from ? f->epoch_from : "-");
	lv_buf_printf(out, "livec: %s\n", f->livec ? f->livec : "unknown");
}

static void print_boot(struct lv_buf *out, const struct lv_medium *m, const struct lv_facts *f)
{
	const struct lv_initramfs *ir = &f->initramfs;
	unsigned long long size = 0;
	for (size_t i = 0; i < m->nlayers; i++)
		if (strstr(m->layers[i].name, ":boot/initrd.gz"))
			size = m->layers[i].size;
	lv_buf_printf(out, "boot entries:\n");
	for (size_t i = 0; i < f->nboot; i++)
		lv_buf_printf(out, "  %s %s: %s: %s\n", f->boot[i].loader, f->boot[i].id, f->boot[i].title ? f->boot[i].title : "",
		       f->boot[i].cmdline ? f->boot[i].cmdline : "");
	lv_buf_printf(out, "kernel: %s\n", f->kernel ? f->kernel : "unknown");
	lv_buf_printf(out, "initramfs: %llu bytes, %zu files, %zu kernel modules\n", size, ir->files, ir->modules);
	lv_buf_printf(out, "root: %s\nread-only:", ir->root ? ir->root : "tmpfs");
	for (size_t i = 0; i < ir->nreadonly; i++)
		lv_buf_printf(out, " /%s", ir->readonly[i]);
	lv_buf_printf(out, "\n");
}

static void print_set(struct lv_buf *out, const char *title, const struct lv_pkgvers *p, int indent, int license)
{
	if (title)
		lv_buf_printf(out, "%s: %zu\n", title, p->n);
	for (size_t i = 0; i < p->n; i++)
		lv_buf_printf(out, "%s%s %s%s%s\n", indent ? "  " : "", p->v[i].name, p->v[i].version, license ? " " : "",
		       license ? p->v[i].license : "");
}

static int report(struct lv_buf *out, const struct lv_medium *m, struct lv_diags *d)
{
	struct lv_facts f;
	int r = lv_facts_read(m, &f, d);
	if (r == 0) {
		print_head(out, m, &f);
		print_layers(out, m);
		print_boot(out, m, &f);
		print_set(out, "packages", &f.rootfs, 1, 0);
		print_set(out, "boot packages", &f.bootset, 1, 0);
	}
	lv_facts_release(&f);
	return r;
}

static int extract(struct lv_ctx *ctx, const struct lv_medium *m, const char *dir)
{
	struct lv_extract_stats st;
	int r = lv_medium_extract(m, dir, &st, &ctx->d);
	if (r < 0)
		return r;
	lv_say(ctx, "%s: %zu entries in %s (root %s: root_fs.tgz and the cloop image's read-only directories)",
	       m->name, st.entries, dir, st.root_mode);
	if (st.skipped_devices || st.skipped_caps)
		lv_say(ctx, "not root: %zu device nodes and %zu file capabilities left out, files owned by you",
		       st.skipped_devices, st.skipped_caps);
	else if (!st.as_root)
		lv_say(ctx, "not root: files owned by you");
	return 0;
}

static int packages(struct lv_buf *out, const struct lv_medium *m, int licenses, struct lv_diags *d)
{
	struct lv_pkgvers p = { 0 };
	int r = licenses ? lv_facts_licenses(m, &p, d) : lv_facts_packages(m, &p, NULL, d);
	if (r == 0)
		print_set(out, NULL, &p, 0, licenses);
	lv_pkgvers_release(&p);
	return r;
}

int lv_cmd_inspect(struct lv_ctx *ctx, int argc, char **argv)
{
	const char *dir = NULL;
	int c, pkgs = 0, lic = 0;
	while ((c = lv_opt_next(&lv_verb_inspect, argc, argv)) != -1) {
		switch (c) {
		case 'p': pkgs = 1; break;
		case 'l': lic = 1; break;
		case 'x': dir = optarg; break;
		case LV_OPT_HELP: return 0;
		default: return -LVE_USAGE;
		}
	}
	if (optind != argc - 1 || pkgs + lic + !!dir > 1) {
		lv_error(&ctx->d, "usage: livec inspect [--packages | --licenses | --extract DIR] IMAGE.iso");
		return -LVE_USAGE;
	}
	unsigned want = pkgs ? LV_MEDIUM_LOCK : lic ? LV_MEDIUM_SBOM : dir ? LV_MEDIUM_TREE : LV_MEDIUM_LAYERS;
	struct lv_medium m;
	struct lv_buf out = { .max = 256u << 20 };
	int r = lv_medium_read(argv[optind], want, &m, &ctx->d);
	if (r == 0)
		r = dir ? extract(ctx, &m, dir) : pkgs || lic ? packages(&out, &m, lic, &ctx->d) : report(&out, &m, &ctx->d);
	/* the scratch directory goes before the output: a reader that stops
	 * early (| head) must not leave it behind */
	lv_medium_release(&m);
	if (r == 0 && out.p)
		fwrite(out.p, 1, out.len, stdout);
	lv_buf_release(&out);
	return r;
}
