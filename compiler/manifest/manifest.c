/* The manifest reader (manifest.h).
 *
 * One schema, the tables below, says for every key: its type, where it goes
 * in struct lv_manifest, its default, its allowed words or range, and any
 * further check.  Reading walks the merged YAML tree (include.c) against
 * the tables in document order, so errors come out in the order a user
 * reads them; defaults fill what was not written.  Checks that relate keys
 * to each other, and the files: entries on the host, run after.  Every
 * error is recorded before returning, so a user fixes a manifest in one
 * round trip.  The same tables free the struct and write its canonical
 * form. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "manifest/include.h"
#include "manifest/manifest.h"
#include "manifest/yamltree.h"

/* ---- the schema ---- */

enum ftype {
	F_STR,   /* char * */
	F_WORD,  /* char *, one of .words */
	F_ENUM,  /* an enum: the index in .words */
	F_BOOL,  /* int */
	F_INT,   /* long, .lo ... .hi */
	F_MODE,  /* long: an octal file mode as a string, e.g. "0755" */
	F_STRS,  /* struct lv_strs */
	F_PKGS,  /* struct lv_mpkgs: package names, with FL_PIN "name=version" */
	F_MAP,   /* a struct at .off, read with .sub */
	F_LIST,  /* { T *v; size_t n; } of .sub items */
};

enum {
	FL_REQUIRED = 1,  /* an error when not written */
	FL_PIN = 2,       /* F_PKGS: "name=version" allowed */
	FL_NONEMPTY = 4,  /* a string (or a list's strings) must not be empty */
	FL_ITEMS = 8,     /* a list, when written, must have an item */
};

struct reader;
struct schema;
typedef void (*check_fn)(struct reader *r, const struct lv_ynode *n, const void *value);

struct field {
	const char *key;
	enum ftype type;
	size_t off;
	const char *def;              /* the default, as it would be written (lists: words) */
	const char *const *words;     /* F_WORD, F_ENUM: allowed values, NULL-terminated */
	const char *what;             /* F_WORD, F_ENUM: "the variant", for messages */
	const struct schema *sub;     /* F_MAP, F_LIST */
	long lo, hi;                  /* F_INT */
	unsigned flags;
	check_fn check;               /* a further check of a value (each item of a list) */
	size_t at_off;                /* where to store the value's position (0: nowhere) */
	const char *hint;             /* for a missing required key */
};

struct schema {
	const struct field *fields;
	size_t size;       /* of the struct it fills (F_LIST items) */
	int positioned;    /* the struct starts with `struct lv_pos at` */
};

#define HINT_MAX 512
#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
static int only(const char *s, const char *chars);
#define OFF(member) offsetof(struct lv_manifest, member)
#define END { .key = NULL }

/* the checks a single value gets (defined below) */
static void check_name(struct reader *, const struct lv_ynode *, const void *);
static void check_component(struct reader *, const struct lv_ynode *, const void *);
static void check_suite(struct reader *, const struct lv_ynode *, const void *);
static void check_uri(struct reader *, const struct lv_ynode *, const void *);
static void check_fingerprint(struct reader *, const struct lv_ynode *, const void *);
static void check_hostname(struct reader *, const struct lv_ynode *, const void *);
static void check_locale(struct reader *, const struct lv_ynode *, const void *);
static void check_timezone(struct reader *, const struct lv_ynode *, const void *);
static void check_word(struct reader *, const struct lv_ynode *, const void *);
static void check_command(struct reader *, const struct lv_ynode *, const void *);
static void check_debconf(struct reader *, const struct lv_ynode *, const void *);
static void check_label(struct reader *, const struct lv_ynode *, const void *);
static void check_fslabel(struct reader *, const struct lv_ynode *, const void *);
static void check_cmdline(struct reader *, const struct lv_ynode *, const void *);
static void check_block_size(struct reader *, const struct lv_ynode *, const void *);
static void check_readonly(struct reader *, const struct lv_ynode *, const void *);

static const char *const variants[] = { "essential", "minbase", "important", "standard", NULL };
static const char *const arches[] = { "amd64", "arm64", "armel", "armhf", "i386",
				      "mips64el", "ppc64el", "riscv64", "s390x", NULL };
static const char *const rules[] = { "allow", "review", "deny", NULL };
static const char *const inners[] = { "iso9660", "ext2", NULL };
static const char *const roots[] = { "tmpfs", "overlay", NULL };
static const char *const compressions[] = { "zlib", "xz", NULL };
static const char *const firmwares[] = { "bios", "uefi", NULL };
static const char *const persist_modes[] = { "home", "overlay", NULL };

#define ROFF(member) offsetof(struct lv_mrepo, member)
static const struct field f_repository[] = {
	{ .key = "name", .type = F_STR, .off = ROFF(name), .check = check_name },
	{ .key = "uri", .type = F_STR, .off = ROFF(uri), .flags = FL_NONEMPTY, .check = check_uri,
	  .at_off = ROFF(uri_at) },
	{ .key = "suite", .type = F_STR, .off = ROFF(suite), .flags = FL_REQUIRED | FL_NONEMPTY,
	  .check = check_suite, .hint = "e.g. 'suite: bookworm-backports'" },
	{ .key = "components", .type = F_STRS, .off = ROFF(components), .def = "main", .flags = FL_ITEMS,
	  .check = check_component },
	{ .key = "keyring", .type = F_STR, .off = ROFF(keyring), .flags = FL_NONEMPTY, .at_off = ROFF(keyring_at) },
	{ .key = "keys", .type = F_STRS, .off = ROFF(keys), .check = check_fingerprint },
	{ .key = "priority", .type = F_INT, .off = ROFF(priority), .def = "-1", .lo = 1, .hi = 1000,
	  .hint = "apt's pin priority: 500 as a suite of its own, 100 as backports" },
	END,
};
static const struct schema s_repository = { f_repository, sizeof(struct lv_mrepo), 1 };

static const struct field f_distribution[] = {

	{ .key = "suite", .type = F_STR, .off = OFF(dist.suite), .flags = FL_REQUIRED | FL_NONEMPTY,
	  .at_off = OFF(dist.suite_at), .hint = "e.g. 'suite: trixie'" },
	{ .key = "architecture", .type = F_WORD, .off = OFF(dist.architecture), .def = "amd64", .words = arches,
	  .what = "architecture" },
	{ .key = "components", .type = F_STRS, .off = OFF(dist.components), .def = "main", .flags = FL_ITEMS,
	  .check = check_component },
	{ .key = "mirror", .type = F_STR, .off = OFF(dist.mirror) },
	{ .key = "security-mirror", .type = F_STR, .off = OFF(dist.security_mirror) },
	{ .key = "updates", .type = F_BOOL, .off = OFF(dist.updates), .def = "default" },
	{ .key = "security", .type = F_BOOL, .off = OFF(dist.security), .def = "default" },
	{ .key = "keyring", .type = F_STR, .off = OFF(dist.keyring) },
	{ .key = "keys", .type = F_STRS, .off = OFF(dist.keys), .check = check_fingerprint },
	{ .key = "snapshot", .type = F_BOOL, .off = OFF(dist.snapshot), .def = "false" },
	{ .key = "repositories", .type = F_LIST, .off = OFF(dist.repos), .sub = &s_repository },
	END,
};
static const struct field f_packages[] = {
	{ .key = "variant", .type = F_ENUM, .off = OFF(pkgs.variant), .def = "minbase", .words = variants,
	  .what = "variant" },
	{ .key = "install", .type = F_PKGS, .off = OFF(pkgs.install), .flags = FL_PIN },
	{ .key = "exclude", .type = F_PKGS, .off = OFF(pkgs.exclude) },
	{ .key = "recommends", .type = F_BOOL, .off = OFF(pkgs.recommends), .def = "false" },
	{ .key = "local", .type = F_STR, .off = OFF(pkgs.local), .flags = FL_NONEMPTY, .at_off = OFF(pkgs.local_at),
	  .hint = "a directory of .deb files, relative to this manifest" },
	/* default: busybox-static and each firmware's loaders (boot_set()) */
	{ .key = "boot", .type = F_PKGS, .off = OFF(pkgs.boot), .flags = FL_PIN, .at_off = OFF(pkgs.boot_at) },
	END,
};

#define UOFF(member) offsetof(struct lv_user, member)
static const struct field f_user[] = {
	{ .key = "name", .type = F_STR, .off = UOFF(name), .flags = FL_REQUIRED, .check = check_word,
	  .hint = "e.g. 'name: live'" },
	{ .key = "uid", .type = F_INT, .off = UOFF(uid), .def = "1000", .lo = 1, .hi = 59999 },
	{ .key = "gid", .type = F_INT, .off = UOFF(gid), .lo = 1, .hi = 59999 }, /* default: uid */
	{ .key = "groups", .type = F_STRS, .off = UOFF(groups), .check = check_word },
	{ .key = "password", .type = F_STR, .off = UOFF(password) },
	{ .key = "shell", .type = F_STR, .off = UOFF(shell), .def = "/bin/bash", .check = check_word },
	{ .key = "sudo", .type = F_BOOL, .off = UOFF(sudo), .def = "false" },
	END,
};
static const struct schema s_user = { f_user, sizeof(struct lv_user), 1 };

#define SOFF(member) offsetof(struct lv_session, member)
static const struct field f_session[] = {
	{ .key = "user", .type = F_STR, .off = SOFF(user), .flags = FL_REQUIRED, .at_off = SOFF(user_at),
	  .hint = "e.g. 'user: live', one of system.users" },
	{ .key = "x", .type = F_BOOL, .off = SOFF(x), .def = "true" },
	{ .key = "window-manager", .type = F_STR, .off = SOFF(window_manager), .check = check_command,
	  .at_off = SOFF(window_manager_at) },
	{ .key = "autostart", .type = F_STRS, .off = SOFF(autostart), .flags = FL_NONEMPTY, .check = check_command },
	END,
};
static const struct schema s_session = { f_session, sizeof(struct lv_session), 1 };

static const struct field f_autologin[] = {
	{ .key = "user", .type = F_STR, .off = OFF(system.autologin), .check = check_word,
	  .at_off = OFF(system.autologin_at) },
	END,
};
static const struct field f_services[] = {
	{ .key = "enable", .type = F_STRS, .off = OFF(system.enable), .check = check_word },
	{ .key = "disable", .type = F_STRS, .off = OFF(system.disable), .check = check_word },
	{ .key = "keep", .type = F_STRS, .off = OFF(system.keep), .check = check_word },
	END,
};
static const struct schema s_autologin = { f_autologin, 0, 0 }, s_services = { f_services, 0, 0 };

static const struct field f_system[] = {
	{ .key = "hostname", .type = F_STR, .off = OFF(system.hostname), .def = "livec", .check = check_hostname },
	{ .key = "locale", .type = F_STR, .off = OFF(system.locale), .def = "C.UTF-8", .check = check_locale },
	{ .key = "timezone", .type = F_STR, .off = OFF(system.timezone), .def = "Etc/UTC",
	  .check = check_timezone },
	{ .key = "users", .type = F_LIST, .off = OFF(system.users), .sub = &s_user },
	{ .key = "autologin", .type = F_MAP, .off = 0, .sub = &s_autologin },
	{ .key = "services", .type = F_MAP, .off = 0, .sub = &s_services },
	{ .key = "debconf", .type = F_STRS, .off = OFF(system.debconf), .check = check_debconf },
	{ .key = "session", .type = F_MAP, .off = OFF(system.session), .sub = &s_session },
	{ .key = "reconfigure-at-boot", .type = F_PKGS, .off = OFF(system.reconfigure) },
	END,
};

#define FOFF(member) offsetof(struct lv_mfile, member)
static const struct field f_file[] = {
	{ .key = "source", .type = F_STR, .off = FOFF(source), .flags = FL_REQUIRED | FL_NONEMPTY,
	  .at_off = FOFF(source_at), .hint = "a file or directory, relative to this manifest" },
	{ .key = "target", .type = F_STR, .off = FOFF(target), .def = "/", .at_off = FOFF(target_at) },
	{ .key = "mode", .type = F_MODE, .off = FOFF(mode), .def = "-1" },
	{ .key = "license", .type = F_STR, .off = FOFF(license), .flags = FL_NONEMPTY },
	END,
};
static const struct schema s_file = { f_file, sizeof(struct lv_mfile), 1 };

#define HOFF(member) offsetof(struct lv_hook, member)
static const struct field f_hook[] = {
	{ .key = "name", .type = F_STR, .off = HOFF(name), .flags = FL_REQUIRED, .check = check_word,
	  .hint = "a word that names it in messages, e.g. 'name: motd'" },
	{ .key = "run", .type = F_STR, .off = HOFF(run), .flags = FL_REQUIRED | FL_NONEMPTY,
	  .hint = "the shell commands, run in the image as root" },
	END,
};
static const struct schema s_hook = { f_hook, sizeof(struct lv_hook), 1 };

#define WOFF(member) offsetof(struct lv_waiver, member)
static const struct field f_exception[] = {
	{ .key = "package", .type = F_STR, .off = WOFF(package), .flags = FL_REQUIRED },
	{ .key = "license", .type = F_STR, .off = WOFF(license) },
	{ .key = "reason", .type = F_STR, .off = WOFF(reason), .flags = FL_REQUIRED | FL_NONEMPTY,
	  .hint = "say why the waiver is acceptable" },
	END,
};
static const struct schema s_exception = { f_exception, sizeof(struct lv_waiver), 1 };

static const struct field f_licenses[] = {
	{ .key = "allow", .type = F_STRS, .off = OFF(licenses.allow), .at_off = OFF(licenses.allow_at) },
	{ .key = "deny", .type = F_STRS, .off = OFF(licenses.deny) },
	{ .key = "review", .type = F_STRS, .off = OFF(licenses.review) },
	{ .key = "exceptions", .type = F_LIST, .off = OFF(licenses.exceptions), .sub = &s_exception },
	{ .key = "noassertion", .type = F_WORD, .off = OFF(licenses.noassertion), .def = "review", .words = rules,
	  .what = "rule" },
	{ .key = "unowned", .type = F_WORD, .off = OFF(licenses.unowned), .def = "review", .words = rules,
	  .what = "rule" },
	END,
};

static const struct field f_cloop[] = {
	{ .key = "block-size", .type = F_INT, .off = OFF(image.cloop.block_size), .def = "131072", .lo = 0,
	  .hi = 1L << 30, .check = check_block_size },
	/* default: 9 for zlib, 6 for xz (image_defaults()) */
	{ .key = "level", .type = F_INT, .off = OFF(image.cloop.level), .def = "-1", .lo = 0, .hi = 99,
	  .at_off = OFF(image.cloop.level_at) },
	{ .key = "compression", .type = F_ENUM, .off = OFF(image.cloop.compression), .def = "zlib",
	  .words = compressions, .what = "cloop compression" },
	END,
};
static const struct field f_boot[] = {
	{ .key = "cmdline", .type = F_STR, .off = OFF(image.boot.cmdline), .def = "quiet", .check = check_cmdline },
	{ .key = "timeout", .type = F_INT, .off = OFF(image.boot.timeout), .def = "10", .lo = 0, .hi = 6000,
	  .hint = "tenths of a second, as ISOLINUX counts; 0 waits for a choice" },
	{ .key = "firmware", .type = F_STRS, .off = OFF(image.boot.firmware), .def = "bios uefi",
	  .words = firmwares, .what = "firmware", .at_off = OFF(image.boot.firmware_at) },
	END,
};
static const struct field f_persistence[] = {
	{ .key = "label", .type = F_STR, .off = OFF(image.persistence.label), .check = check_fslabel },
	{ .key = "mode", .type = F_ENUM, .off = OFF(image.persistence.mode), .def = "home", .words = persist_modes,
	  .what = "persistence mode" },
	END,
};
static const struct schema s_cloop = { f_cloop, 0, 0 }, s_boot = { f_boot, 0, 0 };
static const struct schema s_persistence = { f_persistence, 0, 0 };

static const struct field f_image[] = {
	{ .key = "label", .type = F_STR, .off = OFF(image.label), .def = "LIVEC", .check = check_label },
	{ .key = "inner", .type = F_ENUM, .off = OFF(image.inner), .def = "iso9660", .words = inners,
	  .what = "inner filesystem" },
	{ .key = "cloop", .type = F_MAP, .off = 0, .sub = &s_cloop },
	{ .key = "root", .type = F_ENUM, .off = OFF(image.root), .def = "tmpfs", .words = roots,
	  .what = "root mode" },
	{ .key = "read-only", .type = F_STRS, .off = OFF(image.read_only), .def = "usr opt",
	  .check = check_readonly },
	{ .key = "boot", .type = F_MAP, .off = 0, .sub = &s_boot },
	{ .key = "persistence", .type = F_MAP, .off = 0, .sub = &s_persistence },
	{ .key = "kernel", .type = F_STR, .off = OFF(image.kernel), .flags = FL_NONEMPTY,
	  .at_off = OFF(image.kernel_at) },
	END,
};

static const struct schema s_distribution = { f_distribution, 0, 0 }, s_packages = { f_packages, 0, 0 };
static const struct schema s_system = { f_system, 0, 0 }, s_licenses = { f_licenses, 0, 0 };
static const struct schema s_image = { f_image, 0, 0 };

static const struct field f_top[] = {
	{ .key = "name", .type = F_STR, .off = OFF(name), .flags = FL_REQUIRED, .check = check_name,
	  .hint = "add e.g. 'name: console' at the top" },
	{ .key = "distribution", .type = F_MAP, .off = 0, .sub = &s_distribution, .flags = FL_REQUIRED,
	  .hint = "add e.g. 'distribution: {suite: trixie, architecture: amd64}'" },
	{ .key = "packages", .type = F_MAP, .off = 0, .sub = &s_packages },
	{ .key = "system", .type = F_MAP, .off = 0, .sub = &s_system },
	{ .key = "files", .type = F_LIST, .off = OFF(files), .sub = &s_file },
	{ .key = "hooks", .type = F_LIST, .off = OFF(hooks), .sub = &s_hook },
	{ .key = "licenses", .type = F_MAP, .off = 0, .sub = &s_licenses },
	{ .key = "image", .type = F_MAP, .off = 0, .sub = &s_image },
	END,
};
static const struct schema s_top = { f_top, sizeof(struct lv_manifest), 0 };

/* ---- reading ---- */

struct reader {
	struct lv_diags *d;
	struct lv_manifest *m;
};

void lv_diag_pos(struct lv_diags *d, enum lv_severity sev, const struct lv_pos *at, const char *hint,
		 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lv_diag_vat(d, sev, at->line ? at->file : NULL, at->line, at->col, hint, fmt, ap);
	va_end(ap);
}

static void err_at(struct reader *r, const struct lv_ynode *n, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void err_at(struct reader *r, const struct lv_ynode *n, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lv_diag_vat(r->d, LV_ERROR, n->file, n->line, n->col, hint, fmt, ap);
	va_end(ap);
}

static struct lv_pos pos_of(const struct lv_ynode *n)
{
	return (struct lv_pos){ n->file, n->line, n->col };
}

static void suggest(char *hint, size_t size, const char *word, const char *const *names, const char *what)
{
	size_t n = 0;
	while (names[n])
		n++;
	const char *best = lv_closest(word, names, n);
	if (best) {
		snprintf(hint, size, "did you mean '%s'?", best);
		return;
	}
	size_t used = (size_t)snprintf(hint, size, "the %s is one of", what);
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(hint + used, size - used, "%s %s", i ? "," : "", names[i]);
}

static const char *type_name(enum ftype t)
{
	switch (t) {
	case F_STR: case F_WORD: case F_ENUM: return "a string";
	case F_BOOL: return "true or false";
	case F_INT: return "a number";
	case F_MODE: return "an octal mode in quotes, e.g. \"0644\"";
	case F_STRS: case F_PKGS: return "a list of strings";
	case F_MAP: return "a mapping";
	case F_LIST: return "a list of mappings";
	}
	return "?";
}

static int yaml_bool(const struct lv_ynode *n, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", "True" }, *const no[] = { "false", "no", "off", "False" };
	for (size_t i = 0; n->kind == LV_YSCALAR && !n->quoted && i < LV_ARRAY_SIZE(yes); i++) {
		if (!strcmp(n->value, yes[i]))
			return *out = 1, 1;
		if (!strcmp(n->value, no[i]))
			return *out = 0, 1;
	}
	return 0;
}

static int yaml_int(const struct lv_ynode *n, long *out)
{
	const char *s = n->value;
	if (n->kind != LV_YSCALAR || n->quoted || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 12)
		return 0;
	*out = strtol(s, NULL, 10);
	return 1;
}

static int word_index(const char *const *words, const char *w)
{
	for (int i = 0; words[i]; i++)
		if (!strcmp(words[i], w))
			return i;
	return -1;
}

static void push_str(struct lv_strs *s, const char *v, struct lv_pos at)
{
	s->v = realloc(s->v, (s->n + 2) * sizeof(*s->v));
	s->at = realloc(s->at, (s->n + 2) * sizeof(*s->at));
	if (!s->v || !s->at)
		abort();
	s->v[s->n] = strdup(v);
	s->at[s->n++] = at;
	s->v[s->n] = NULL;
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

/* One item of a package list: "name" or, with FL_PIN, "name=version" or
 * "name/suite". */
static void read_pkg(struct reader *r, const struct lv_ynode *it, const struct field *f, const char *where,
		     struct lv_mpkgs *out)
{
	const char *s = it->value, *eq = strchr(s, '='), *sl = eq ? NULL : strchr(s, '/');
	_cleanup_free_ char *name = eq ? strndup(s, (size_t)(eq - s)) : sl ? strndup(s, (size_t)(sl - s)) : strdup(s);
	if (!*s) {
		err_at(r, it, NULL, "empty package name in '%s'", where);
		return;
	}
	if (!lv_valid_pkgname(name)) {
		err_at(r, it, "package names use lowercase letters, digits, '+', '-' and '.'",
		       "invalid package name '%s' in '%s'", name, where);
		return;
	}
	if (eq && !(f->flags & FL_PIN)) {
		err_at(r, it, NULL, "'%s' takes package names without versions", where);
		return;
	}
	if (eq && !valid_version(eq + 1)) {
		err_at(r, it, "write a pin as name=version, e.g. bash=5.2.15-2+b2",
		       "invalid version '%s' for package '%s'", eq + 1, name);
		return;
	}
	if (sl && !(f->flags & FL_PIN)) {
		err_at(r, it, NULL, "'%s' takes package names without a suite", where);
		return;
	}
	if (sl && (!sl[1] || !only(sl + 1, ALNUM "-+._") || sl[1] == '.')) {
		err_at(r, it, "write name/suite, e.g. linux-image-amd64/bookworm-backports",
		       "invalid suite '%s' for package '%s'", sl + 1, name);
		return;
	}
	for (size_t j = 0; j < out->n; j++) {
		if (strcmp(out->v[j].name, name))
			continue;
		if (out->v[j].at.file != it->file) { /* a later file's word on it wins */
			free(out->v[j].name);
			free(out->v[j].version);
			free(out->v[j].suite);
			out->v[j] = (struct lv_mpkg){ .name = TAKE_PTR(name), .version = eq ? strdup(eq + 1) : NULL,
						      .suite = sl ? strdup(sl + 1) : NULL, .at = pos_of(it) };
			return;
		}
		char hint[HINT_MAX];
		snprintf(hint, sizeof(hint), "first listed at %s:%d", out->v[j].at.file, out->v[j].at.line);
		lv_diag_at(r->d, LV_WARNING, it->file, it->line, it->col, hint, "package '%s' is listed twice in '%s'",
			   name, where);
	}
	out->v = realloc(out->v, (out->n + 2) * sizeof(*out->v));
	if (!out->v)
		abort();
	out->v[out->n++] = (struct lv_mpkg){ .name = TAKE_PTR(name), .version = eq ? strdup(eq + 1) : NULL,
					     .suite = sl ? strdup(sl + 1) : NULL, .at = pos_of(it) };
}

static void *at(void *base, size_t off)
{
	return (char *)base + off;
}

static void read_map(struct reader *r, const struct lv_ynode *map, const struct schema *s, void *base,
		     const char *where);
static void apply_default(struct reader *r, const struct field *f, void *base);

/* A list of strings or packages: each item a scalar, checked. */
static void read_items(struct reader *r, const struct lv_ynode *seq, const struct field *f, void *value,
		       const char *where)
{
	for (size_t i = 0; i < seq->n; i++) {
		const struct lv_ynode *it = seq->kids[i];
		char hint[HINT_MAX];
		if (it->kind != LV_YSCALAR) {
			err_at(r, it, NULL, "items of '%s' must be strings, not %s", where, lv_ykind_name(it->kind));
		} else if (f->type == F_PKGS) {
			read_pkg(r, it, f, where, value);
		} else if (f->words && word_index(f->words, it->value) < 0) {
			suggest(hint, sizeof(hint), it->value, f->words, f->what);
			err_at(r, it, hint, "unknown %s '%s'", f->what, it->value);
		} else if ((f->flags & FL_NONEMPTY) && !*it->value) {
			err_at(r, it, NULL, "empty item in '%s'", where);
		} else {
			struct lv_strs *s = value;
			push_str(s, it->value, pos_of(it));
			if (f->check)
				f->check(r, it, &s->v[s->n - 1]);
		}
	}
}

/* A list of mappings, each read into a new item of f->sub->size bytes. */
static void read_list(struct reader *r, const struct lv_ynode *seq, const struct field *f, void *value,
		      const char *where)
{
	struct { void *v; size_t n; } *list = value;
	for (size_t i = 0; i < seq->n; i++) {
		const struct lv_ynode *it = seq->kids[i];
		if (it->kind != LV_YMAP) {
			err_at(r, it, NULL, "items of '%s' must be mappings, not %s", where, lv_ykind_name(it->kind));
			continue;
		}
		list->v = realloc(list->v, (list->n + 1) * f->sub->size);
		if (!list->v)
			abort();
		void *item = at(list->v, list->n++ * f->sub->size);
		memset(item, 0, f->sub->size);
		read_map(r, it, f->sub, item, where);
	}
}

static int scalar_ok(const struct field *f, const struct lv_ynode *n)
{
	int b;
	long l;
	switch (f->type) {
	case F_STR: case F_WORD: case F_ENUM: return n->kind == LV_YSCALAR;
	case F_BOOL: return yaml_bool(n, &b);
	case F_INT: return yaml_int(n, &l);
	case F_MODE: return n->kind == LV_YSCALAR && *n->value && strspn(n->value, "01234567") == strlen(n->value) &&
			    strtol(n->value, NULL, 8) <= 07777;
	case F_STRS: case F_PKGS: case F_LIST: return n->kind == LV_YSEQ;
	case F_MAP: return n->kind == LV_YMAP;
	}
	return 0;
}

/* A scalar value (also a default, given as a node without position). */
static void store_scalar(struct reader *r, const struct field *f, const struct lv_ynode *n, void *value,
			 const char *where)
{
	char hint[HINT_MAX];
	long l = 0;
	switch (f->type) {
	case F_STR:
		if (n->line && lv_ynull(n) && !(f->flags & (FL_REQUIRED | FL_NONEMPTY)))
			return; /* YAML's null: as if not written (`password:` is not "no password") */
		if ((f->flags & FL_NONEMPTY) && !*n->value) {
			err_at(r, n, f->hint, "'%s' is empty", where);
			return;
		}
		*(char **)value = strdup(n->value);
		break;
	case F_WORD:
	case F_ENUM:
		if (word_index(f->words, n->value) < 0) {
			suggest(hint, sizeof(hint), n->value, f->words, f->what);
			err_at(r, n, hint, "unknown %s '%s'", f->what, n->value);
			return;
		}
		if (f->type == F_WORD)
			*(char **)value = strdup(n->value);
		else
			*(int *)value = word_index(f->words, n->value);
		break;
	case F_BOOL:
		if (!yaml_bool(n, (int *)value))
			*(int *)value = -1; /* "default" */
		break;
	case F_INT:
		if (n->line && (!yaml_int(n, &l) || l < f->lo || l > f->hi)) {
			err_at(r, n, f->hint, "'%s' is %s: it must be %ld to %ld", where, n->value, f->lo, f->hi);
			return;
		}
		*(long *)value = n->line ? l : strtol(n->value, NULL, 10);
		break;
	case F_MODE:
		*(long *)value = n->line ? strtol(n->value, NULL, 8) : -1;
		break;
	default:
		abort();
	}
	if (f->check && n->line)
		f->check(r, n, value);
}

static void read_field(struct reader *r, const struct lv_ynode *n, const struct field *f, void *base,
		       const char *where)
{
	void *value = at(base, f->off);
	if (lv_ynull(n) && (f->type == F_MAP || f->type == F_LIST || f->type == F_STRS || f->type == F_PKGS)) {
		apply_default(r, f, base); /* `key:` with nothing: as if not written */
		return;
	}
	if (!scalar_ok(f, n)) {
		const char *found = n->kind != LV_YSCALAR ? lv_ykind_name(n->kind)
				    : n->quoted && f->type != F_MODE ? "a quoted string" : NULL;
		if (found)
			err_at(r, n, NULL, "'%s' must be %s, not %s", where, type_name(f->type), found);
		else
			err_at(r, n, NULL, "'%s' must be %s, not '%s'", where, type_name(f->type), n->value);
		return;
	}
	if (f->at_off)
		*(struct lv_pos *)at(base, f->at_off) = pos_of(n);
	if ((f->flags & FL_ITEMS) && !n->n)
		err_at(r, n, NULL, "'%s' is empty", where);
	switch (f->type) {
	case F_STRS: case F_PKGS: read_items(r, n, f, value, where); break;
	case F_LIST: read_list(r, n, f, value, where); break;
	case F_MAP: read_map(r, n, f->sub, value, where); break;
	default: store_scalar(r, f, n, value, where); break;
	}
}

/* What a key that was not written means. */
static void apply_default(struct reader *r, const struct field *f, void *base)
{
	void *value = at(base, f->off);
	if (f->type == F_MAP) {
		for (const struct field *s = f->sub->fields; s->key; s++)
			apply_default(r, s, value);
		return;
	}
	if (!f->def)
		return;
	if (f->type == F_STRS) {
		_cleanup_free_ char *words = strdup(f->def);
		char *save = NULL;
		for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
			push_str(value, w, (struct lv_pos){ 0 });
		return;
	}
	struct lv_ynode def = { .kind = LV_YSCALAR, .value = (char *)f->def };
	store_scalar(r, f, &def, value, f->key);
}

static void read_map(struct reader *r, const struct lv_ynode *map, const struct schema *s, void *base,
		     const char *where)
{
	unsigned long seen = 0;
	const char *names[32];
	size_t nn = 0;
	for (const struct field *f = s->fields; f->key; f++)
		names[nn++] = f->key;
	if (s->positioned)
		*(struct lv_pos *)base = pos_of(map);
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct lv_ynode *k = map->kids[i];
		char sub[256], hint[HINT_MAX];
		size_t fi;
		for (fi = 0; fi < nn && strcmp(names[fi], k->value); fi++)
			;
		if (fi < nn) {
			snprintf(sub, sizeof(sub), "%s%s%s", where, *where ? "." : "", k->value);
			read_field(r, map->kids[i + 1], &s->fields[fi], base, sub);
			seen |= 1ul << fi;
			continue;
		}
		const char *best = lv_closest(k->value, names, nn);
		snprintf(hint, sizeof(hint), "did you mean '%s'?", best ? best : "");
		err_at(r, k, best ? hint : NULL, "unknown key '%s'%s%s", k->value, *where ? " in " : "", where);
	}
	for (size_t fi = 0; fi < nn; fi++) {
		const struct field *f = &s->fields[fi];
		if (seen & (1ul << fi))
			continue;
		if (f->flags & FL_REQUIRED)
			err_at(r, map, f->hint, "missing required key '%s'%s%s%s", f->key, *where ? " in '" : "", where,
			       *where ? "'" : "");
		else
			apply_default(r, f, base);
	}
}

/* ---- checks of single values ---- */

static int only(const char *s, const char *chars)
{
	return *s && strspn(s, chars) == strlen(s);
}


static void check_name(struct reader *r, const struct lv_ynode *n, const void *v)
{
	(void)v;
	if (!isalnum((unsigned char)n->value[0]) || !only(n->value, ALNUM "._-"))
		err_at(r, n, "use letters, digits, '.', '_' and '-'", "invalid name '%s'", n->value);
}

/* a component names a directory of the archive (dists/SUITE/COMPONENT) */
static void check_component(struct reader *r, const struct lv_ynode *n, const void *v)
{
	static const char *const debian[] = { "main", "contrib", "non-free", "non-free-firmware", NULL };
	char hint[HINT_MAX];
	(void)v;
	if (only(n->value, "abcdefghijklmnopqrstuvwxyz0123456789-+._") && n->value[0] != '.')
		return;
	suggest(hint, sizeof(hint), n->value, debian, "Debian component");
	err_at(r, n, hint, "invalid component name '%s'", n->value);
}

/* a suite names a directory of the archive (dists/SUITE): plain words */
static void check_suite(struct reader *r, const struct lv_ynode *n, const void *v)
{
	(void)v;
	if (!only(n->value, ALNUM "-+._") || n->value[0] == '.' || strlen(n->value) > 100)
		err_at(r, n, "e.g. bookworm-backports, or stable", "invalid suite name '%s'", n->value);
}

/* where an extra repository is: http, https or file, and nothing a
 * shell or a URL could misread */
static void check_uri(struct reader *r, const struct lv_ynode *n, const void *v)
{
	const char *s = n->value;
	(void)v;
	int scheme = !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) || !strncmp(s, "file:///", 8);
	size_t l = strlen(s);
	if (!scheme || !only(s, ALNUM "-._~:/+@") || strstr(s, "/../") || (l >= 3 && !strcmp(s + l - 3, "/..")) ||
	    l > 500)
		err_at(r, n, "e.g. https://example.org/debian or file:///srv/repo",
		       "invalid repository uri '%s'", s);
}

static void check_fingerprint(struct reader *r, const struct lv_ynode *n, const void *v)
{
	(void)v;
	if (strlen(n->value) != 40 || !only(n->value, "0123456789ABCDEFabcdef"))
		err_at(r, n, "write the full 40-digit fingerprint of the primary key", "invalid key fingerprint '%s'",
		       n->value);
}

/* RFC 1123: dot-separated labels of letters, digits and '-', not at either end */
static void check_hostname(struct reader *r, const struct lv_ynode *n, const void *v)
{
	const char *s = n->value;
	int ok = only(s, ALNUM ".-") && strlen(s) <= 253;
	for (const char *l = s; ok && l; l = strchr(l, '.') ? strchr(l, '.') + 1 : NULL) {
		size_t len = strcspn(l, ".");
		ok = len > 0 && len <= 63 && l[0] != '-' && l[len - 1] != '-';
	}
	(void)v;
	if (!ok)
		err_at(r, n, "letters, digits and '-', in labels separated by '.'", "invalid hostname '%s'", s);
}

static void check_locale(struct reader *r, const struct lv_ynode *n, const void *v)
{
	(void)v;
	if (!only(n->value, ALNUM "._@-"))
		err_at(r, n, "e.g. C.UTF-8 or de_DE.UTF-8", "invalid locale '%s'", n->value);
}

/* a name under /usr/share/zoneinfo */
static void check_timezone(struct reader *r, const struct lv_ynode *n, const void *v)
{
	(void)v;
	if (!only(n->value, ALNUM "/_+-") || n->value[0] == '/' || strstr(n->value, "//"))
		err_at(r, n, "e.g. Etc/UTC or Europe/Berlin", "invalid timezone '%s'", n->value);
}

/* user, group, unit, shell and hook names reach shell commands unquoted */
static void check_word(struct reader *r, const struct lv_ynode *n, const void *v)
{
	(void)v;
	if (!only(n->value, ALNUM "._-+@/:"))
		err_at(r, n, "letters, digits and ._-+@/: only", "'%s' is not a plain word", n->value);
}

/* a command line of the session: its program a plain word, one line */
static void check_command(struct reader *r, const struct lv_ynode *n, const void *v)
{
	char prog[256];
	(void)v;
	snprintf(prog, sizeof(prog), "%.*s", (int)strcspn(n->value, " \t"), n->value);
	for (const unsigned char *p = (const unsigned char *)n->value; *p; p++)
		if (*p < 0x20 && *p != '\t') {
			err_at(r, n, "one command on one line", "a command must not contain control characters");
			return;
		}
	if (!only(prog, ALNUM "._-+@/:"))
		err_at(r, n, "a program name or path, then its arguments", "'%s' is not a program name", prog);
}

/* a debconf answer, as debconf-set-selections takes it */
static void check_debconf(struct reader *r, const struct lv_ynode *n, const void *v)
{
	char owner[128], question[256], type[64];
	(void)v;
	if (strpbrk(n->value, "\r\n") || sscanf(n->value, "%127s %255s %63s", owner, question, type) < 3)
		err_at(r, n, "write it as debconf-set-selections does: 'tzdata tzdata/Areas select Etc'",
		       "invalid debconf answer");
}

/* the label and the command line reach boot loader configurations
 * (ISOLINUX, GRUB) and the kernel: only characters that mean nothing to
 * either */
static void check_label(struct reader *r, const struct lv_ynode *n, const void *v)
{
	(void)v;
	if (strlen(n->value) > 32 || !only(n->value, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"))
		err_at(r, n, "an ISO 9660 volume label: up to 32 of A-Z, 0-9 and '_'", "invalid image.label '%s'",
		       n->value);
}

/* a file system label init looks for (findfs LABEL=...): ext2 keeps 16
 * bytes */
static void check_fslabel(struct reader *r, const struct lv_ynode *n, const void *v)
{
	(void)v;
	if (!*n->value || strlen(n->value) > 16 ||
	    !only(n->value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"))
		err_at(r, n, "a file system label: 1 to 16 of letters, digits, '_' and '-', e.g. LIVEDATA",
		       "invalid image.persistence.label '%s'", n->value);
}

static void check_cmdline(struct reader *r, const struct lv_ynode *n, const void *v)
{
	size_t ok = strspn(n->value, ALNUM " ._,:=/+@-");
	(void)v;
	if (ok != strlen(n->value))
		lv_diag_at(r->d, LV_ERROR, n->file, n->line, n->col + (n->quoted ? 1 : 0) + (int)ok,
			   "kernel options are words of letters, digits and ._,:=/+@-",
			   "image.boot.cmdline: '%c' is not allowed there", n->value[ok]);
}

static void check_block_size(struct reader *r, const struct lv_ynode *n, const void *v)
{
	long bs = *(const long *)v;
	if (bs == 0 || bs % 512 || bs > 1048576)
		err_at(r, n, "the cloop driver caches 1 MiB: use e.g. 65536 or 131072",
		       "cloop block size %ld must be a multiple of 512 and at most 1048576", bs);
}

/* 1 if the path, taken inside the image, stays there: no ".." component */
static int stays_inside(const char *p)
{
	for (const char *c = p; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
		if (!strncmp(c, "..", 2) && (c[2] == '/' || !c[2]))
			return 0;
	return 1;
}

static void check_readonly(struct reader *r, const struct lv_ynode *n, const void *v)
{
	(void)v;
	if (!only(n->value, ALNUM "/._-") || !stays_inside(n->value) || !n->value[strspn(n->value, "/")])
		err_at(r, n, "a directory of the image, e.g. usr", "invalid read-only directory '%s'", n->value);
}

/* ---- checks across keys ---- */

static void perr(struct reader *r, const struct lv_pos *at, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void perr(struct reader *r, const struct lv_pos *at, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lv_diag_vat(r->d, LV_ERROR, at->line ? at->file : NULL, at->line, at->col, hint, fmt, ap);
	va_end(ap);
}

/* The session names one of system.users and, for X, a window manager;
 * users and hooks have names of their own. */
static void check_names(struct reader *r)
{
	struct lv_manifest *m = r->m;
	const struct lv_session *s = &m->system.session;
	char hint[HINT_MAX];
	int found = 0;
	for (size_t i = 0; i < m->system.users.n; i++) {
		const struct lv_user *u = &m->system.users.v[i];
		found |= s->user && u->name && !strcmp(u->name, s->user);
		for (size_t k = 0; k < i; k++)
			if (u->name && m->system.users.v[k].name && !strcmp(u->name, m->system.users.v[k].name)) {
				snprintf(hint, sizeof(hint), "first given at %s:%d", m->system.users.v[k].at.file,
					 m->system.users.v[k].at.line);
				perr(r, &u->at, hint, "user '%s' is given twice in system.users", u->name);
			}
	}
	if (s->at.line && s->user && !found)
		perr(r, &s->user_at, "name one of system.users", "the session's user '%s' is not in system.users", s->user);
	if (s->at.line && s->x == 1 && !s->window_manager)
		perr(r, &s->at, "e.g. 'window-manager: jwm' (a command in the image)",
		     "an X session needs a 'window-manager'");
	for (size_t i = 0; i < m->hooks.n; i++)
		for (size_t k = 0; k < i; k++)
			if (m->hooks.v[i].name && m->hooks.v[k].name && !strcmp(m->hooks.v[i].name, m->hooks.v[k].name)) {
				snprintf(hint, sizeof(hint), "first given at %s:%d", m->hooks.v[k].at.file,
					 m->hooks.v[k].at.line);
				perr(r, &m->hooks.v[i].at, hint, "two hooks are named '%s'", m->hooks.v[i].name);
			}
	for (size_t i = 0; i < m->system.users.n; i++) {
		struct lv_user *u = &m->system.users.v[i];
		if (u->gid == 0)
			u->gid = u->uid;
		for (size_t k = 0; k < i; k++)
			if (u->uid == m->system.users.v[k].uid && u->name && m->system.users.v[k].name &&
			    strcmp(u->name, m->system.users.v[k].name))
				perr(r, &u->at, "give each user its own 'uid' (the default is 1000)",
				     "users '%s' and '%s' have the same uid %ld", m->system.users.v[k].name, u->name,
				     u->uid);
	}
}

/* packages.exclude wins over install: a package a fragment installs can be
 * excluded by the including file; in one file, both is a mistake. */
static void exclude_wins(struct reader *r)
{
	struct lv_mpkgs *in = &r->m->pkgs.install;
	for (size_t i = 0; i < r->m->pkgs.exclude.n; i++) {
		const struct lv_mpkg *x = &r->m->pkgs.exclude.v[i];
		for (size_t j = 0; j < in->n; j++) {
			if (strcmp(x->name, in->v[j].name))
				continue;
			if (x->at.file == in->v[j].at.file) {
				perr(r, &x->at, NULL, "package '%s' is both installed and excluded", x->name);
				continue;
			}
			free(in->v[j].name);
			free(in->v[j].version);
			free(in->v[j].suite);
			memmove(&in->v[j], &in->v[j + 1], (in->n - j - 1) * sizeof(*in->v));
			in->n--, j--;
		}
	}
}

/* image.boot.firmware, and what follows from it: the boot set (busybox for
 * the initramfs, each firmware's loaders) unless packages.boot is given */
static void boot_set(struct reader *r)
{
	struct lv_manifest *m = r->m;
	static const char *const bios[] = { "isolinux", "syslinux-common" };
	static const char *const uefi[] = { "shim-signed", "grub-efi-amd64-signed" };
	for (size_t i = 0; i < m->image.boot.firmware.n; i++) {
		m->image.bios |= !strcmp(m->image.boot.firmware.v[i], "bios");
		m->image.uefi |= !strcmp(m->image.boot.firmware.v[i], "uefi");
	}
	if (m->image.boot.firmware_at.line && !m->image.boot.firmware.n)
		perr(r, &m->image.boot.firmware_at, "list bios, uefi or both",
		     "image.boot.firmware is empty: the ISO would boot nowhere");
	m->pkgs.boot_given = m->pkgs.boot_at.line != 0;
	if (m->pkgs.boot_given)
		return;
	m->pkgs.boot.v = calloc(6, sizeof(*m->pkgs.boot.v));
	m->pkgs.boot.v[m->pkgs.boot.n++] = (struct lv_mpkg){ .name = strdup("busybox-static") };
	for (size_t i = 0; m->image.bios && i < LV_ARRAY_SIZE(bios); i++)
		m->pkgs.boot.v[m->pkgs.boot.n++] = (struct lv_mpkg){ .name = strdup(bios[i]) };
	for (size_t i = 0; m->image.uefi && i < LV_ARRAY_SIZE(uefi); i++)
		m->pkgs.boot.v[m->pkgs.boot.n++] = (struct lv_mpkg){ .name = strdup(uefi[i]) };
}

/* the cloop level's default and range follow the compression */
static void cloop_level(struct reader *r)
{
	int xz = r->m->image.cloop.compression == LV_CLOOPCOMP_XZ;
	long *level = &r->m->image.cloop.level;
	if (*level < 0)
		*level = xz ? 6 : 9;
	else if (*level > (xz ? 9 : 12))
		perr(r, &r->m->image.cloop.level_at, NULL, "%s compression level must be 0..%d", xz ? "xz" : "zlib", xz ? 9 : 12);
}

/* image.read-only without the slashes around its directories */
static void trim_readonly(struct lv_strs *ro)
{
	for (size_t i = 0; i < ro->n; i++) {
		char *v = ro->v[i];
		memmove(v, v + strspn(v, "/"), strlen(v + strspn(v, "/")) + 1);
		for (size_t len = strlen(v); len && v[len - 1] == '/'; len--)
			v[len - 1] = '\0';
	}
}

/* ---- files: on the host and in the image ---- */

/* Where a files: entry comes from and goes: the source relative to the
 * file that names it, and there; the target inside the image. */
static void resolve_file(struct reader *r, struct lv_mfile *f)
{
	if (!f->source || !f->target)
		return; /* reported */
	_cleanup_free_ char *dir = lv_dirname(f->source_at.file);
	f->from = f->source[0] == '/' ? strdup(f->source) : lv_path_join(dir, f->source);
	struct stat st;
	if (stat(f->from, &st) < 0) {
		char hint[HINT_MAX];
		snprintf(hint, sizeof(hint), "a path on this host, relative to %s", f->source_at.file);
		perr(r, &f->source_at, hint, "files: cannot read '%s': %s", f->source, strerror(errno));
		return;
	}
	f->is_dir = S_ISDIR(st.st_mode);
	const char *t = f->target + strspn(f->target, "/");
	if (!stays_inside(t)) {
		perr(r, f->target_at.line ? &f->target_at : &f->at, "a path inside the image, e.g. /etc/motd",
		     "files: target '%s' leaves the image's root", f->target);
		return;
	}
	if (f->is_dir && f->mode >= 0)
		perr(r, &f->at, "set modes of a tree's files on the host, or in a hook",
		     "files: 'mode' applies to a single file, and '%s' is a directory", f->source);
	size_t tl = strlen(t);
	_cleanup_free_ char *base = lv_basename(f->from);
	if (!f->is_dir && (!tl || t[tl - 1] == '/')) { /* a file into a directory */
		if (asprintf(&f->dest, "%s%s", t, base) < 0)
			abort();
	} else
		f->dest = strdup(t);
	while ((tl = strlen(f->dest)) && f->dest[tl - 1] == '/')
		f->dest[tl - 1] = '\0';
}

/* ---- repositories and local packages ---- */

/* A host path a manifest names, relative to the file that names it. */
static char *host_path(const struct lv_pos *at, const char *p)
{
	_cleanup_free_ char *dir = lv_dirname(at->file ? at->file : ".");
	return p[0] == '/' ? strdup(p) : lv_path_join(dir, p);
}

/* Each extra repository: a name of its own (not a suite livec plans
 * already), and an archive of another vendor says who signs it. */
static void check_repositories(struct reader *r)
{
	struct lv_manifest *m = r->m;
	const char *sfx[] = { "", "-updates", "-security" };
	char hint[HINT_MAX];
	for (size_t i = 0; i < m->dist.repos.n; i++) {
		struct lv_mrepo *rp = &m->dist.repos.v[i];
		if (!rp->suite)
			continue; /* reported */
		if (!rp->name)
			rp->name = strdup(rp->suite);
		for (size_t k = 0; m->dist.suite && k < LV_ARRAY_SIZE(sfx); k++) {
			char own[300];
			snprintf(own, sizeof(own), "%s%s", m->dist.suite, sfx[k]);
			if (!strcmp(rp->name, own))
				perr(r, &rp->at, "give it a 'name' of its own",
				     "repository '%s' has the name of a suite livec uses already", rp->name);
		}
		if (!strcmp(rp->name, "local"))
			perr(r, &rp->at, "'local' names packages.local; give it another 'name'",
			     "repository '%s': the name is reserved", rp->name);
		for (size_t k = 0; k < i; k++)
			if (m->dist.repos.v[k].name && !strcmp(m->dist.repos.v[k].name, rp->name)) {
				snprintf(hint, sizeof(hint), "first given at %s:%d; give each a 'name'",
					 m->dist.repos.v[k].at.file, m->dist.repos.v[k].at.line);
				perr(r, &rp->at, hint, "two repositories are named '%s'", rp->name);
			}
		if (rp->keyring && !rp->keys.n && !rp->uri)
			perr(r, &rp->keyring_at, "add 'keys: [FINGERPRINT]': the keys of the keyring allowed to sign it",
			     "repository '%s': a keyring without keys", rp->name);
		if (rp->uri && (!rp->keyring || !rp->keys.n))
			perr(r, rp->uri_at.line ? &rp->uri_at : &rp->at,
			     "add 'keyring: FILE' (next to the manifest) and 'keys: [FINGERPRINT]'",
			     "repository '%s' is not Debian's: say which keyring and which keys sign it", rp->name);
		if (rp->keyring) {
			struct stat st;
			rp->keyring_path = host_path(&rp->keyring_at, rp->keyring);
			if (stat(rp->keyring_path, &st) < 0 || !S_ISREG(st.st_mode))
				perr(r, &rp->keyring_at, "a keyring file (gpg --export), relative to this manifest",
				     "repository '%s': cannot read keyring '%s'", rp->name, rp->keyring);
		}
	}
}

/* packages.local: a directory on this host. */
static void resolve_local(struct reader *r)
{
	struct lv_manifest *m = r->m;
	struct stat st;
	if (!m->pkgs.local)
		return;
	m->pkgs.local_dir = host_path(&m->pkgs.local_at, m->pkgs.local);
	if (stat(m->pkgs.local_dir, &st) < 0 || !S_ISDIR(st.st_mode))
		perr(r, &m->pkgs.local_at, "a directory of .deb files, relative to this manifest",
		     "packages.local: '%s' is not a directory", m->pkgs.local);
}

/* ---- the canonical form ---- */

static void put_quoted(struct lv_buf *b, const char *s)
{
	lv_yaml_quote(b, s);
	lv_buf_puts(b, "\n");
}

static void emit_map(struct lv_buf *b, const struct field *fields, const void *base, int indent);

static void emit_field(struct lv_buf *b, const struct field *f, const void *base, int indent)
{
	const void *v = (const char *)base + f->off;
	/* what was not written and has no default is derived: leave it out */
	if (f->at_off && !f->def && !((const struct lv_pos *)((const char *)base + f->at_off))->line)
		return;
	const struct lv_strs *s = v;
	const struct lv_mpkgs *p = v;
	const struct { const char *v; size_t n; } *list = v;
	switch (f->type) {
	case F_STR: case F_WORD:
		if (*(char *const *)v)
			lv_buf_printf(b, "%*s%s: ", indent, "", f->key), put_quoted(b, *(char *const *)v);
		break;
	case F_ENUM: lv_buf_printf(b, "%*s%s: %s\n", indent, "", f->key, f->words[*(const int *)v]); break;
	case F_BOOL:
		if (*(const int *)v >= 0)
			lv_buf_printf(b, "%*s%s: %s\n", indent, "", f->key, *(const int *)v ? "true" : "false");
		break;
	case F_INT: lv_buf_printf(b, "%*s%s: %ld\n", indent, "", f->key, *(const long *)v); break;
	case F_MODE:
		if (*(const long *)v >= 0)
			lv_buf_printf(b, "%*s%s: \"%04lo\"\n", indent, "", f->key, *(const long *)v);
		break;
	case F_STRS:
		lv_buf_printf(b, "%*s%s:%s\n", indent, "", f->key, s->n ? "" : " []");
		for (size_t i = 0; i < s->n; i++)
			lv_buf_printf(b, "%*s- ", indent + 2, ""), put_quoted(b, s->v[i]);
		break;
	case F_PKGS:
		lv_buf_printf(b, "%*s%s:%s\n", indent, "", f->key, p->n ? "" : " []");
		for (size_t i = 0; i < p->n; i++)
			lv_buf_printf(b, "%*s- %s%s%s\n", indent + 2, "", p->v[i].name,
				      p->v[i].version ? "=" : p->v[i].suite ? "/" : "",
				      p->v[i].version ? p->v[i].version : p->v[i].suite ? p->v[i].suite : "");
		break;
	case F_MAP: {
		struct lv_buf sub = { 0 };
		if (f->sub->positioned && !((const struct lv_pos *)v)->line)
			break; /* not written */
		emit_map(&sub, f->sub->fields, v, indent + 2);
		lv_buf_printf(b, "%*s%s:%s\n", indent, "", f->key, sub.len ? "" : " {}");
		if (sub.len)
			lv_buf_append(b, sub.p, sub.len);
		lv_buf_release(&sub);
		break;
	}
	case F_LIST:
		lv_buf_printf(b, "%*s%s:%s\n", indent, "", f->key, list->n ? "" : " []");
		for (size_t i = 0; i < list->n; i++) {
			lv_buf_printf(b, "%*s-\n", indent + 2, "");
			emit_map(b, f->sub->fields, list->v + i * f->sub->size, indent + 4);
		}
		break;
	}
}

static void emit_map(struct lv_buf *b, const struct field *fields, const void *base, int indent)
{
	for (const struct field *f = fields; f->key; f++)
		emit_field(b, f, base, indent);
}

void lv_manifest_canonical(const struct lv_manifest *m, const char *const *sections, struct lv_buf *out)
{
	lv_buf_puts(out, "# livec manifest, canonical form: every key, defaults included\n");
	for (const struct field *f = s_top.fields; f->key; f++) {
		int wanted = !sections;
		for (size_t i = 0; sections && sections[i]; i++)
			wanted |= !strcmp(sections[i], f->key);
		if (wanted)
			emit_field(out, f, m, 0);
	}
}

/* ---- loading and freeing ---- */

static void free_map(const struct field *fields, void *base);

static void free_field(const struct field *f, void *base)
{
	void *v = at(base, f->off);
	struct lv_strs *s = v;
	struct lv_mpkgs *p = v;
	struct { char *v; size_t n; } *list = v;
	switch (f->type) {
	case F_STR: case F_WORD: free(*(char **)v); *(char **)v = NULL; break;
	case F_STRS:
		for (size_t i = 0; i < s->n; i++)
			free(s->v[i]);
		free(s->v);
		free(s->at);
		break;
	case F_PKGS:
		for (size_t i = 0; i < p->n; i++)
			free(p->v[i].name), free(p->v[i].version), free(p->v[i].suite);
		free(p->v);
		break;
	case F_MAP: free_map(f->sub->fields, v); break;
	case F_LIST:
		for (size_t i = 0; i < list->n; i++)
			free_map(f->sub->fields, list->v + i * f->sub->size);
		if (f->sub == &s_file)
			for (size_t i = 0; i < list->n; i++)
				free(((struct lv_mfile *)list->v)[i].from), free(((struct lv_mfile *)list->v)[i].dest);
		if (f->sub == &s_repository)
			for (size_t i = 0; i < list->n; i++)
				free(((struct lv_mrepo *)list->v)[i].keyring_path);
		free(list->v);
		break;
	default: break;
	}
}

static void free_map(const struct field *fields, void *base)
{
	for (const struct field *f = fields; f->key; f++)
		free_field(f, base);
}

void lv_manifest_release(struct lv_manifest *m)
{
	free_map(s_top.fields, m);
	free(m->path);
	free(m->pkgs.local_dir);
	for (size_t i = 0; i < m->sources.n; i++)
		free(m->sources.v[i]);
	free(m->sources.v);
	free(m->sources.at);
	memset(m, 0, sizeof(*m));
}

int lv_manifest_load(const char *path, struct lv_manifest *m, struct lv_diags *d)
{
	struct reader r = { .d = d, .m = m };
	size_t errors = d->errors;

	memset(m, 0, sizeof(*m));
	m->path = strdup(path);
	struct lv_ynode *root = lv_manifest_compose(path, &m->sources, d);
	if (!root)
		return -LVE_MANIFEST;
	read_map(&r, root, &s_top, m, "");
	lv_ynode_free(root);
	m->licenses.allow_given = m->licenses.allow_at.line != 0;
	check_names(&r);
	exclude_wins(&r);
	boot_set(&r);
	cloop_level(&r);
	trim_readonly(&m->image.read_only);
	for (size_t i = 0; i < m->files.n; i++)
		resolve_file(&r, &m->files.v[i]);
	check_repositories(&r);
	resolve_local(&r);
	return d->errors > errors ? -LVE_MANIFEST : 0;
}

static void walk_schema(const struct field *fields, const char *prefix, lv_schema_fn fn, void *ud)
{
	static const char *const kinds[] = { [F_STR] = "string", [F_WORD] = "word", [F_ENUM] = "word",
					     [F_BOOL] = "true/false", [F_INT] = "number", [F_MODE] = "octal mode",
					     [F_STRS] = "list of strings", [F_PKGS] = "list of packages",
					     [F_MAP] = "mapping", [F_LIST] = "list of mappings" };
	for (const struct field *f = fields; f->key; f++) {
		char path[256], words[256] = "";
		size_t used = 0;
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", f->key);
		for (size_t i = 0; f->words && f->words[i] && used < sizeof(words); i++)
			used += (size_t)snprintf(words + used, sizeof(words) - used, "%s%s", i ? " | " : "", f->words[i]);
		fn(path, kinds[f->type], f->def, *words ? words : NULL, (f->flags & FL_REQUIRED) != 0, ud);
		if (f->type == F_MAP || f->type == F_LIST)
			walk_schema(f->sub->fields, path, fn, ud);
	}
}

void lv_manifest_schema(lv_schema_fn fn, void *ud)
{
	walk_schema(s_top.fields, "", fn, ud);
}

const char *lv_variant_name(enum lv_variant v)
{
	return variants[v];
}
