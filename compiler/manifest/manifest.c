/* Manifest reader and checker.
 *
 * Takes a YAML file (via yamltree.c).  Checks it in two passes over the tree:
 * first the shape, against the schema table below (unknown keys with "did you
 * mean", wrong types), then the meaning of the parts the pipeline uses
 * (variant names, package names, pins, sizes).  Every error found is recorded
 * before returning, so a user fixes a manifest in one round trip.
 * Gives: struct lv_manifest, with defaults applied. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "manifest/manifest.h"

enum ftype { F_STR, F_BOOL, F_INT, F_STRLIST, F_MAP, F_MAPLIST };

struct field {
	const char *key;
	enum ftype type;
	const struct field *sub; /* for F_MAP and F_MAPLIST; NULL-key terminated */
};

#define END { NULL, 0, NULL }

static const struct field f_distribution[] = {
	{ "suite", F_STR, NULL },         { "architecture", F_STR, NULL },
	{ "components", F_STRLIST, NULL }, { "mirror", F_STR, NULL },
	{ "security-mirror", F_STR, NULL }, { "updates", F_BOOL, NULL },
	{ "security", F_BOOL, NULL },     { "keyring", F_STR, NULL },
	{ "keys", F_STRLIST, NULL },      END,
};
static const struct field f_packages[] = {
	{ "variant", F_STR, NULL },    { "install", F_STRLIST, NULL }, { "exclude", F_STRLIST, NULL },
	{ "recommends", F_BOOL, NULL }, { "boot", F_STRLIST, NULL },   END,
};
static const struct field f_user[] = {
	{ "name", F_STR, NULL },     { "uid", F_INT, NULL },      { "gid", F_INT, NULL },
	{ "groups", F_STRLIST, NULL }, { "password", F_STR, NULL }, { "shell", F_STR, NULL },
	{ "sudo", F_BOOL, NULL },    END,
};
static const struct field f_autologin[] = { { "user", F_STR, NULL }, END };
static const struct field f_services[] = {
	{ "enable", F_STRLIST, NULL }, { "disable", F_STRLIST, NULL }, END,
};
static const struct field f_session[] = {
	{ "user", F_STR, NULL }, { "x", F_BOOL, NULL }, { "window-manager", F_STR, NULL },
	{ "autostart", F_STRLIST, NULL }, END,
};
static const struct field f_system[] = {
	{ "hostname", F_STR, NULL },   { "locale", F_STR, NULL },        { "timezone", F_STR, NULL },
	{ "users", F_MAPLIST, f_user }, { "autologin", F_MAP, f_autologin }, { "services", F_MAP, f_services },
	{ "debconf", F_STRLIST, NULL }, { "session", F_MAP, f_session },
	{ "reconfigure-at-boot", F_STRLIST, NULL }, END,
};
static const struct field f_file[] = {
	{ "source", F_STR, NULL }, { "target", F_STR, NULL }, { "mode", F_STR, NULL },
	{ "owner", F_STR, NULL },  { "license", F_STR, NULL }, END,
};
static const struct field f_hook[] = { { "name", F_STR, NULL }, { "run", F_STR, NULL }, END };
static const struct field f_exception[] = {
	{ "package", F_STR, NULL }, { "license", F_STR, NULL }, { "reason", F_STR, NULL }, END,
};
static const struct field f_licenses[] = {
	{ "allow", F_STRLIST, NULL }, { "deny", F_STRLIST, NULL }, { "review", F_STRLIST, NULL },
	{ "exceptions", F_MAPLIST, f_exception }, { "noassertion", F_STR, NULL },
	{ "unowned", F_STR, NULL }, END,
};
static const struct field f_cloop[] = {
	{ "block-size", F_INT, NULL }, { "level", F_INT, NULL }, { "compression", F_STR, NULL }, END,
};
static const struct field f_boot[] = { { "cmdline", F_STR, NULL }, { "timeout", F_INT, NULL },
					{ "firmware", F_STRLIST, NULL }, END };
static const struct field f_image[] = {
	{ "label", F_STR, NULL }, { "inner", F_STR, NULL },       { "cloop", F_MAP, f_cloop },
	{ "root", F_STR, NULL },  { "read-only", F_STRLIST, NULL }, { "boot", F_MAP, f_boot },
	{ "kernel", F_STR, NULL }, END,
};
static const struct field f_top[] = {
	{ "name", F_STR, NULL },      { "distribution", F_MAP, f_distribution },
	{ "packages", F_MAP, f_packages }, { "system", F_MAP, f_system },
	{ "files", F_MAPLIST, f_file }, { "hooks", F_MAPLIST, f_hook },
	{ "licenses", F_MAP, f_licenses }, { "image", F_MAP, f_image }, END,
};

struct checker {
	const char *file;
	struct lv_diags *d;
};

static void err_at(struct checker *c, const struct lv_ynode *n, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void err_at(struct checker *c, const struct lv_ynode *n, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lv_diag_vat(c->d, LV_ERROR, c->file, n->line, n->col, hint, fmt, ap);
	va_end(ap);
}

static const char *type_name(enum ftype t)
{
	switch (t) {
	case F_STR: return "a string";
	case F_BOOL: return "true or false";
	case F_INT: return "a number";
	case F_STRLIST: return "a list of strings";
	case F_MAP: return "a mapping";
	case F_MAPLIST: return "a list of mappings";
	}
	return "?";
}

static int is_bool(const struct lv_ynode *n)
{
	static const char *const words[] = { "true", "false", "yes", "no", "on", "off", "True", "False" };
	if (n->kind != LV_YSCALAR || n->quoted)
		return 0;
	for (size_t i = 0; i < LV_ARRAY_SIZE(words); i++)
		if (!strcmp(n->value, words[i]))
			return 1;
	return 0;
}

static int bool_value(const struct lv_ynode *n)
{
	return !strcmp(n->value, "true") || !strcmp(n->value, "yes") || !strcmp(n->value, "on") ||
	       !strcmp(n->value, "True");
}

static int is_int(const struct lv_ynode *n)
{
	const char *s = n->value;
	if (n->kind != LV_YSCALAR || n->quoted || !*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static void check_node(struct checker *c, const struct lv_ynode *n, const struct field *f, const char *where);

static void check_map(struct checker *c, const struct lv_ynode *map, const struct field *schema,
		      const char *where)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct lv_ynode *k = map->kids[i];
		const struct field *f = NULL;
		for (const struct field *s = schema; s->key; s++)
			if (!strcmp(s->key, k->value)) {
				f = s;
				break;
			}
		if (f) {
			char sub[256];
			snprintf(sub, sizeof(sub), "%s%s%s", where, *where ? "." : "", k->value);
			check_node(c, map->kids[i + 1], f, sub);
			continue;
		}
		const char *names[32];
		size_t nn = 0;
		for (const struct field *s = schema; s->key && nn < LV_ARRAY_SIZE(names); s++)
			names[nn++] = s->key;
		const char *best = lv_closest(k->value, names, nn);
		char hint[128];
		if (best)
			snprintf(hint, sizeof(hint), "did you mean '%s'?", best);
		err_at(c, k, best ? hint : NULL, "unknown key '%s'%s%s", k->value, *where ? " in " : "",
		       where);
	}
}

static void check_node(struct checker *c, const struct lv_ynode *n, const struct field *f, const char *where)
{
	int ok;
	switch (f->type) {
	case F_STR: ok = n->kind == LV_YSCALAR; break;
	case F_BOOL: ok = is_bool(n); break;
	case F_INT: ok = is_int(n); break;
	case F_STRLIST:
	case F_MAPLIST: ok = n->kind == LV_YSEQ; break;
	case F_MAP: ok = n->kind == LV_YMAP; break;
	default: ok = 0;
	}
	if (!ok) {
		const char *found = n->kind == LV_YSCALAR ? (n->quoted ? "a quoted string" : NULL)
							  : lv_ykind_name(n->kind);
		if (found)
			err_at(c, n, NULL, "'%s' must be %s, not %s", where, type_name(f->type), found);
		else
			err_at(c, n, NULL, "'%s' must be %s, not '%s'", where, type_name(f->type), n->value);
		return;
	}
	if (f->type == F_MAP)
		check_map(c, n, f->sub, where);
	if (f->type == F_STRLIST || f->type == F_MAPLIST)
		for (size_t i = 0; i < n->n; i++) {
			const struct lv_ynode *it = n->kids[i];
			if (f->type == F_STRLIST && it->kind != LV_YSCALAR)
				err_at(c, it, NULL, "items of '%s' must be strings, not %s", where,
				       lv_ykind_name(it->kind));
			else if (f->type == F_MAPLIST && it->kind != LV_YMAP)
				err_at(c, it, NULL, "items of '%s' must be mappings, not %s", where,
				       lv_ykind_name(it->kind));
			else if (f->type == F_MAPLIST)
				check_map(c, it, f->sub, where);
		}
}

/* ---- the meaning of the parts `lock` uses ---- */

int lv_valid_pkgname(const char *s)
{
	/* Policy §5.6.1: lowercase letters, digits, + - .; at least two
	 * characters; starts with an alphanumeric. */
	if (!islower((unsigned char)s[0]) && !isdigit((unsigned char)s[0]))
		return 0;
	size_t i;
	for (i = 1; s[i]; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && !strchr("+-.", s[i]))
			return 0;
	return i >= 2;
}

static int valid_version(const char *s)
{
	if (!*s || !isdigit((unsigned char)(strchr(s, ':') ? strchr(s, ':')[1] : s[0])))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".+-~:", *s))
			return 0;
	return 1;
}

static char *dup_scalar(const struct lv_ynode *n)
{
	return n && n->kind == LV_YSCALAR ? strdup(n->value) : NULL;
}

static void take_strs(const struct lv_ynode *seq, struct lv_strs *out)
{
	if (!seq || seq->kind != LV_YSEQ)
		return;
	out->v = calloc(seq->n + 1, sizeof(char *));
	for (size_t i = 0; i < seq->n; i++)
		if (seq->kids[i]->kind == LV_YSCALAR)
			out->v[out->n++] = strdup(seq->kids[i]->value);
}

static void take_pkgs(struct checker *c, const struct lv_ynode *seq, const char *where, int allow_pin,
		      struct lv_mpkgs *out)
{
	if (!seq || seq->kind != LV_YSEQ)
		return;
	out->v = calloc(seq->n + 1, sizeof(*out->v));
	for (size_t i = 0; i < seq->n; i++) {
		const struct lv_ynode *it = seq->kids[i];
		if (it->kind != LV_YSCALAR)
			continue; /* already reported by the shape check */
		const char *s = it->value;
		const char *eq = strchr(s, '=');
		_cleanup_free_ char *name = eq ? strndup(s, (size_t)(eq - s)) : strdup(s);

		if (!*s) {
			err_at(c, it, NULL, "empty package name in '%s'", where);
			continue;
		}
		if (!lv_valid_pkgname(name)) {
			char hint[128] = "package names use lowercase letters, digits, '+', '-' and '.'";
			err_at(c, it, hint, "invalid package name '%s' in '%s'", name, where);
			continue;
		}
		if (eq && !allow_pin) {
			err_at(c, it, NULL, "'%s' takes package names without versions", where);
			continue;
		}
		if (eq && !valid_version(eq + 1)) {
			err_at(c, it, "write a pin as name=version, e.g. bash=5.2.15-2+b2",
			       "invalid version '%s' for package '%s'", eq + 1, name);
			continue;
		}
		for (size_t j = 0; j < out->n; j++)
			if (!strcmp(out->v[j].name, name)) {
				char hint[96];
				snprintf(hint, sizeof(hint), "first listed at line %d", out->v[j].line);
				lv_diag_at(c->d, LV_WARNING, c->file, it->line, it->col, hint,
					   "package '%s' is listed twice in '%s'", name, where);
			}
		out->v[out->n++] = (struct lv_mpkg){ .name = TAKE_PTR(name),
						     .version = eq ? strdup(eq + 1) : NULL,
						     .line = it->line, .col = it->col };
	}
}

static const char *const variants[] = { "essential", "minbase", "important", "standard" };
static const char *const arches[] = { "amd64", "arm64", "armel", "armhf", "i386",
				      "mips64el", "ppc64el", "riscv64", "s390x" };

const char *lv_variant_name(enum lv_variant v)
{
	return variants[v];
}

static void suggest(char *hint, size_t size, const char *word, const char *const *names, size_t n,
		    const char *what)
{
	const char *best = lv_closest(word, names, n);
	if (best) {
		snprintf(hint, size, "did you mean '%s'?", best);
		return;
	}
	size_t used = (size_t)snprintf(hint, size, "%s is one of", what);
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(hint + used, size - used, "%s %s", i ? "," : "", names[i]);
}

/* licenses.noassertion / licenses.unowned: allow | review | deny */
static void take_rule(struct checker *c, const struct lv_ynode *lic, const char *key, char **out)
{
	static const char *const rules[] = { "allow", "review", "deny" };
	const struct lv_ynode *n = lv_ymap_get(lic, key);
	char hint[128];

	if (!n || n->kind != LV_YSCALAR)
		return;
	for (size_t i = 0; i < LV_ARRAY_SIZE(rules); i++)
		if (!strcmp(n->value, rules[i])) {
			*out = strdup(n->value);
			return;
		}
	suggest(hint, sizeof(hint), n->value, rules, LV_ARRAY_SIZE(rules), "the rule");
	err_at(c, n, hint, "unknown rule '%s' for licenses.%s", n->value, key);
}

/* system.session names one of system.users and, for X, a window manager;
 * system.reconfigure-at-boot names packages. */
static void check_session(struct checker *c, const struct lv_ynode *sys)
{
	const struct lv_ynode *ses = lv_ymap_get(sys, "session"), *n;
	if (ses && ses->kind == LV_YMAP) {
		n = lv_ymap_get(ses, "user");
		if (!n)
			err_at(c, ses, "e.g. 'user: live', one of system.users", "missing required key 'user' in "
			       "'system.session'");
		else if (n->kind == LV_YSCALAR) {
			const struct lv_ynode *users = lv_ymap_get(sys, "users");
			int found = 0;
			for (size_t i = 0; users && users->kind == LV_YSEQ && i < users->n; i++) {
				const char *name = lv_yscalar(lv_ymap_get(users->kids[i], "name"));
				found |= name && !strcmp(name, n->value);
			}
			if (!found)
				err_at(c, n, "name one of system.users", "the session's user '%s' is not in "
				       "system.users", n->value);
		}
		n = lv_ymap_get(ses, "x");
		if ((!n || (is_bool(n) && bool_value(n))) && !lv_ymap_get(ses, "window-manager"))
			err_at(c, ses, "e.g. 'window-manager: jwm' (a command in the image)",
			       "an X session needs a 'window-manager'");
	}
	const struct lv_ynode *rc = lv_ymap_get(sys, "reconfigure-at-boot");
	for (size_t i = 0; rc && rc->kind == LV_YSEQ && i < rc->n; i++) {
		n = rc->kids[i];
		if (n->kind == LV_YSCALAR && !lv_valid_pkgname(n->value))
			err_at(c, n, NULL, "invalid package name '%s' in 'system.reconfigure-at-boot'", n->value);
	}
}

static void check_meaning(struct checker *c, struct lv_manifest *m)
{
	const struct lv_ynode *root = m->root, *n;
	char hint[256];

	n = lv_ymap_get(root, "name");
	if (!n)
		err_at(c, root, "add e.g. 'name: console' at the top", "missing required key 'name'");
	else if (n->kind == LV_YSCALAR) {
		const char *s = n->value;
		int ok = *s && isalnum((unsigned char)*s);
		for (; ok && *s; s++)
			ok = isalnum((unsigned char)*s) || strchr("._-", *s);
		if (!ok)
			err_at(c, n, "use letters, digits, '.', '_' and '-'", "invalid name '%s'", n->value);
		m->name = dup_scalar(n);
	}

	const struct lv_ynode *dist = lv_ymap_get(root, "distribution");
	if (!dist)
		err_at(c, root, "add e.g. 'distribution: {suite: bookworm, architecture: amd64}'",
		       "missing required key 'distribution'");
	else if (dist->kind == LV_YMAP) {
		n = lv_ymap_get(dist, "suite");
		if (!n)
			err_at(c, dist, NULL, "missing required key 'suite' in 'distribution'");
		else if (n->kind == LV_YSCALAR && !*n->value)
			err_at(c, n, NULL, "'distribution.suite' is empty");
		else if (n->kind == LV_YSCALAR) {
			m->dist.suite = dup_scalar(n);
			m->dist.suite_line = n->line;
			m->dist.suite_col = n->col;
		}
		n = lv_ymap_get(dist, "architecture");
		if (n && n->kind == LV_YSCALAR) {
			int known = 0;
			for (size_t i = 0; i < LV_ARRAY_SIZE(arches); i++)
				known |= !strcmp(n->value, arches[i]);
			if (!known) {
				suggest(hint, sizeof(hint), n->value, arches, LV_ARRAY_SIZE(arches),
					"the architecture");
				err_at(c, n, hint, "unknown architecture '%s'", n->value);
			}
		}
		m->dist.architecture = n ? dup_scalar(n) : NULL;
		take_strs(lv_ymap_get(dist, "components"), &m->dist.components);
		/* a component names a directory of the archive (dists/SUITE/COMPONENT) */
		for (size_t i = 0; i < m->dist.components.n; i++) {
			const char *comp = m->dist.components.v[i];
			static const char *const debian[] = { "main", "contrib", "non-free", "non-free-firmware" };
			if (comp[0] && strspn(comp, "abcdefghijklmnopqrstuvwxyz0123456789-+._") == strlen(comp) &&
			    comp[0] != '.')
				continue;
			suggest(hint, sizeof(hint), comp, debian, LV_ARRAY_SIZE(debian), "a Debian component");
			err_at(c, lv_ymap_get(dist, "components")->kids[i], hint, "invalid component name '%s'", comp);
		}
		m->dist.mirror = dup_scalar(lv_ymap_get(dist, "mirror"));
		m->dist.security_mirror = dup_scalar(lv_ymap_get(dist, "security-mirror"));
		m->dist.keyring = dup_scalar(lv_ymap_get(dist, "keyring"));
		take_strs(lv_ymap_get(dist, "keys"), &m->dist.keys);
		for (size_t i = 0; i < m->dist.keys.n; i++) {
			const char *k = m->dist.keys.v[i];
			size_t len = strspn(k, "0123456789ABCDEFabcdef");
			if (len != 40 || k[len])
				err_at(c, lv_ymap_get(dist, "keys")->kids[i],
				       "write the full 40-digit fingerprint of the primary key",
				       "invalid key fingerprint '%s'", k);
		}
		n = lv_ymap_get(dist, "updates");
		m->dist.updates = n && is_bool(n) ? bool_value(n) : -1;
		n = lv_ymap_get(dist, "security");
		m->dist.security = n && is_bool(n) ? bool_value(n) : -1;
	}
	if (!m->dist.architecture)
		m->dist.architecture = strdup("amd64");
	if (!m->dist.components.n) {
		free(m->dist.components.v);
		m->dist.components.v = calloc(2, sizeof(char *));
		m->dist.components.v[0] = strdup("main");
		m->dist.components.n = 1;
	}

	const struct lv_ynode *pk = lv_ymap_get(root, "packages");
	m->pkgs.variant = LV_VARIANT_MINBASE;
	if (pk && pk->kind == LV_YMAP) {
		n = lv_ymap_get(pk, "variant");
		if (n && n->kind == LV_YSCALAR) {
			size_t i;
			for (i = 0; i < LV_ARRAY_SIZE(variants); i++)
				if (!strcmp(n->value, variants[i]))
					break;
			if (i < LV_ARRAY_SIZE(variants))
				m->pkgs.variant = (enum lv_variant)i;
			else {
				suggest(hint, sizeof(hint), n->value, variants, LV_ARRAY_SIZE(variants),
					"the variant");
				err_at(c, n, hint, "unknown variant '%s'", n->value);
			}
		}
		take_pkgs(c, lv_ymap_get(pk, "install"), "packages.install", 1, &m->pkgs.install);
		take_pkgs(c, lv_ymap_get(pk, "exclude"), "packages.exclude", 0, &m->pkgs.exclude);
		take_pkgs(c, lv_ymap_get(pk, "boot"), "packages.boot", 1, &m->pkgs.boot);
		m->pkgs.boot_given = lv_ymap_get(pk, "boot") != NULL;
		n = lv_ymap_get(pk, "recommends");
		m->pkgs.recommends = n && is_bool(n) && bool_value(n);
		for (size_t i = 0; i < m->pkgs.exclude.n; i++)
			for (size_t j = 0; j < m->pkgs.install.n; j++)
				if (!strcmp(m->pkgs.exclude.v[i].name, m->pkgs.install.v[j].name))
					lv_diag_at(c->d, LV_ERROR, c->file, m->pkgs.exclude.v[i].line,
						   m->pkgs.exclude.v[i].col, NULL,
						   "package '%s' is both installed and excluded",
						   m->pkgs.exclude.v[i].name);
	}
	/* image.boot.firmware: what the ISO boots on (default both) */
	const struct lv_ynode *fw = lv_ymap_get(lv_ymap_get(lv_ymap_get(root, "image"), "boot"), "firmware");
	m->image.bios = m->image.uefi = !fw;
	for (size_t i = 0; fw && fw->kind == LV_YSEQ && i < fw->n; i++) {
		static const char *const kinds[] = { "bios", "uefi" };
		const char *v = lv_yscalar(fw->kids[i]);
		if (v && !strcmp(v, "bios"))
			m->image.bios = 1;
		else if (v && !strcmp(v, "uefi"))
			m->image.uefi = 1;
		else if (v) {
			suggest(hint, sizeof(hint), v, kinds, LV_ARRAY_SIZE(kinds), "a firmware");
			err_at(c, fw->kids[i], hint, "unknown firmware '%s'", v);
		}
	}
	if (fw && fw->kind == LV_YSEQ && !fw->n)
		err_at(c, fw, "list bios, uefi or both", "image.boot.firmware is empty: the ISO would boot nowhere");

	/* the boot set: busybox for the initramfs, and each firmware's loaders */
	if (!m->pkgs.boot_given) {
		static const char *const bios[] = { "isolinux", "syslinux-common" };
		static const char *const uefi[] = { "shim-signed", "grub-efi-amd64-signed" };
		m->pkgs.boot.v = calloc(6, sizeof(*m->pkgs.boot.v));
		m->pkgs.boot.v[m->pkgs.boot.n++] = (struct lv_mpkg){ .name = strdup("busybox-static") };
		for (size_t i = 0; m->image.bios && i < LV_ARRAY_SIZE(bios); i++)
			m->pkgs.boot.v[m->pkgs.boot.n++] = (struct lv_mpkg){ .name = strdup(bios[i]) };
		for (size_t i = 0; m->image.uefi && i < LV_ARRAY_SIZE(uefi); i++)
			m->pkgs.boot.v[m->pkgs.boot.n++] = (struct lv_mpkg){ .name = strdup(uefi[i]) };
	}

	const struct lv_ynode *lic = lv_ymap_get(root, "licenses");
	if (lic && lic->kind == LV_YMAP) {
		take_strs(lv_ymap_get(lic, "allow"), &m->licenses.allow);
		take_strs(lv_ymap_get(lic, "deny"), &m->licenses.deny);
		take_strs(lv_ymap_get(lic, "review"), &m->licenses.review);
		m->licenses.allow_given = lv_ymap_get(lic, "allow") != NULL;
		take_rule(c, lic, "noassertion", &m->licenses.noassertion);
		take_rule(c, lic, "unowned", &m->licenses.unowned);
		const struct lv_ynode *ex = lv_ymap_get(lic, "exceptions");
		if (ex && ex->kind == LV_YSEQ) {
			m->licenses.exceptions = calloc(ex->n + 1, sizeof(*m->licenses.exceptions));
			for (size_t i = 0; i < ex->n; i++) {
				const struct lv_ynode *e = ex->kids[i];
				if (e->kind != LV_YMAP)
					continue;
				struct lv_waiver *w = &m->licenses.exceptions[m->licenses.nexceptions++];
				w->package = dup_scalar(lv_ymap_get(e, "package"));
				w->license = dup_scalar(lv_ymap_get(e, "license"));
				w->reason = dup_scalar(lv_ymap_get(e, "reason"));
				if (!w->package)
					err_at(c, e, NULL, "a license exception needs 'package'");
				if (!w->reason || !*w->reason)
					err_at(c, e, "say why the waiver is acceptable",
					       "a license exception needs a 'reason'");
			}
		}
	}
	check_session(c, lv_ymap_get(root, "system"));
	if (!m->licenses.noassertion)
		m->licenses.noassertion = strdup("review");
	if (!m->licenses.unowned)
		m->licenses.unowned = strdup("review");

	const struct lv_ynode *img = lv_ymap_get(root, "image");
	if (img && img->kind == LV_YMAP) {
		static const char *const inners[] = { "iso9660", "ext2" };
		static const char *const roots[] = { "tmpfs", "overlay" };
		n = lv_ymap_get(img, "inner");
		if (n && n->kind == LV_YSCALAR && strcmp(n->value, "iso9660") && strcmp(n->value, "ext2")) {
			suggest(hint, sizeof(hint), n->value, inners, 2, "the inner filesystem");
			err_at(c, n, hint, "unknown inner filesystem '%s'", n->value);
		}
		/* the label and the command line reach boot loader configurations
		 * (ISOLINUX, GRUB) and the kernel: only characters that mean
		 * nothing to either */
		n = lv_ymap_get(img, "label");
		if (n && n->kind == LV_YSCALAR && (!*n->value || strlen(n->value) > 32 ||
						   strspn(n->value, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
							   strlen(n->value)))
			err_at(c, n, "an ISO 9660 volume label: up to 32 of A-Z, 0-9 and '_'",
			       "invalid image.label '%s'", n->value);
		n = lv_ymap_get(lv_ymap_get(img, "boot"), "timeout");
		if (n && is_int(n) && (strlen(n->value) > 5 || strtoul(n->value, NULL, 10) > 6000))
			err_at(c, n, "tenths of a second, as ISOLINUX counts; 0 waits for a choice",
			       "image.boot.timeout %s is more than 6000", n->value);
		n = lv_ymap_get(lv_ymap_get(img, "boot"), "cmdline");
		if (n && n->kind == LV_YSCALAR) {
			size_t ok = strspn(n->value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						     "0123456789 ._,:=/+@-");
			if (ok != strlen(n->value))
				lv_diag_at(c->d, LV_ERROR, c->file, n->line, n->col + (n->quoted ? 1 : 0) + (int)ok,
					   "kernel options are words of letters, digits and ._,:=/+@-",
					   "image.boot.cmdline: '%c' is not allowed there", n->value[ok]);
		}
		n = lv_ymap_get(img, "root");
		if (n && n->kind == LV_YSCALAR && strcmp(n->value, "tmpfs") && strcmp(n->value, "overlay")) {
			suggest(hint, sizeof(hint), n->value, roots, 2, "the root mode");
			err_at(c, n, hint, "unknown root mode '%s'", n->value);
		}
		n = lv_ymap_get(lv_ymap_get(img, "cloop"), "block-size");
		if (n && is_int(n)) {
			unsigned long bs = strtoul(n->value, NULL, 10);
			if (bs == 0 || bs % 512 || bs > 1048576)
				err_at(c, n, "the cloop driver caches 1 MiB: use e.g. 65536 or 131072",
				       "cloop block size %lu must be a multiple of 512 and at most 1048576",
				       bs);
		}
		static const char *const compressions[] = { "zlib", "xz" };
		const struct lv_ynode *comp = lv_ymap_get(lv_ymap_get(img, "cloop"), "compression");
		int xz = comp && comp->kind == LV_YSCALAR && !strcmp(comp->value, "xz");
		if (comp && comp->kind == LV_YSCALAR && !xz && strcmp(comp->value, "zlib")) {
			suggest(hint, sizeof(hint), comp->value, compressions, 2, "the cloop compression");
			err_at(c, comp, hint, "unknown cloop compression '%s'", comp->value);
		}
		n = lv_ymap_get(lv_ymap_get(img, "cloop"), "level");
		if (n && is_int(n) && strtoul(n->value, NULL, 10) > (xz ? 9 : 12))
			err_at(c, n, NULL, "%s compression level must be 0..%d", xz ? "xz" : "zlib", xz ? 9 : 12);
	}
}

int lv_manifest_load(const char *path, struct lv_manifest *m, struct lv_diags *d)
{
	struct checker c = { .file = path, .d = d };
	size_t errors = d->errors;

	memset(m, 0, sizeof(*m));
	m->path = strdup(path);
	m->root = lv_yaml_load(path, d);
	if (!m->root)
		return -LVE_MANIFEST;
	if (m->root->kind != LV_YMAP) {
		err_at(&c, m->root, NULL, "a manifest is a mapping of keys (name, distribution, ...)");
		return -LVE_MANIFEST;
	}
	check_map(&c, m->root, f_top, "");
	check_meaning(&c, m);
	return d->errors > errors ? -LVE_MANIFEST : 0;
}

static void strs_release(struct lv_strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static void mpkgs_release(struct lv_mpkgs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].version);
	}
	free(p->v);
}

size_t lv_manifest_file_srcs(const struct lv_manifest *m, struct lv_file_src **out)
{
	const struct lv_ynode *files = lv_ymap_get(m->root, "files");
	_cleanup_free_ char *mdir = lv_dirname(m->path);
	size_t n = 0;
	*out = NULL;
	for (size_t i = 0; files && files->kind == LV_YSEQ && i < files->n; i++) {
		const struct lv_ynode *e = files->kids[i];
		const char *src = lv_yscalar(lv_ymap_get(e, "source"));
		const char *dst = lv_yscalar(lv_ymap_get(e, "target"));
		if (!src)
			continue;
		dst = dst ? dst : "/";
		while (*dst == '/')
			dst++;
		struct lv_file_src f = { .mode = lv_yscalar(lv_ymap_get(e, "mode")),
					 .license = lv_yscalar(lv_ymap_get(e, "license")) };
		f.from = src[0] == '/' ? strdup(src) : lv_path_join(mdir, src);
		struct stat st;
		f.exists = stat(f.from, &st) == 0;
		f.is_dir = f.exists && S_ISDIR(st.st_mode);
		size_t tl = strlen(dst);
		if (!f.is_dir && (!tl || dst[tl - 1] == '/')) { /* a file into a directory */
			const char *base = strrchr(f.from, '/') ? strrchr(f.from, '/') + 1 : f.from;
			if (asprintf(&f.target, "%s%s", dst, base) < 0)
				f.target = NULL;
		} else
			f.target = strdup(dst);
		if (!f.target)
			abort();
		while ((tl = strlen(f.target)) && f.target[tl - 1] == '/')
			f.target[tl - 1] = '\0';
		*out = realloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = f;
	}
	return n;
}

void lv_file_srcs_free(struct lv_file_src *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].from);
		free(v[i].target);
	}
	free(v);
}

void lv_manifest_release(struct lv_manifest *m)
{
	free(m->path);
	free(m->name);
	free(m->dist.suite);
	free(m->dist.architecture);
	strs_release(&m->dist.components);
	free(m->dist.mirror);
	free(m->dist.security_mirror);
	free(m->dist.keyring);
	strs_release(&m->dist.keys);
	mpkgs_release(&m->pkgs.install);
	mpkgs_release(&m->pkgs.exclude);
	mpkgs_release(&m->pkgs.boot);
	strs_release(&m->licenses.allow);
	strs_release(&m->licenses.deny);
	strs_release(&m->licenses.review);
	for (size_t i = 0; i < m->licenses.nexceptions; i++) {
		free(m->licenses.exceptions[i].package);
		free(m->licenses.exceptions[i].license);
		free(m->licenses.exceptions[i].reason);
	}
	free(m->licenses.exceptions);
	free(m->licenses.noassertion);
	free(m->licenses.unowned);
	lv_ynode_free(m->root);
	memset(m, 0, sizeof(*m));
}
