/* The kernel, its initramfs modules and their firmware (kernel.h).
 *
 * The modules are chosen the way the hardware asks for them: a device
 * announces itself by an alias (PCI class 01.08 for an NVMe controller,
 * USB interface class 08 for a stick), and the kernel's modules.alias says
 * which module serves it.  So a rule here names a device class, and the
 * modules come from the kernel that boots, whatever its version calls
 * them.  Names are used only for what no device announces (file systems,
 * nbd, the generic HID driver). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "repo/deb822.h"
#include "repo/decompress.h"
#include "base/err.h"
#include "base/inroot.h"
#include "image/kernel.h"
#include "manifest/manifest.h"

#define MODDIR "usr/lib/modules"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strs_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The kernel versions installed: directories of usr/lib/modules that have
 * a modules.dep, sorted. */
static size_t installed_versions(int rootfd, char ***out)
{
	char **v = NULL;
	size_t n = 0;
	int fd = lv_inroot_open(rootfd, MODDIR, O_RDONLY | O_DIRECTORY);
	DIR *dd = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	if (!dd) {
		if (fd >= 0)
			close(fd);
		*out = NULL;
		return 0;
	}
	while ((e = readdir(dd))) {
		char dep[512];
		if (e->d_name[0] == '.' || strlen(e->d_name) > 200)
			continue;
		snprintf(dep, sizeof(dep), MODDIR "/%s/modules.dep", e->d_name);
		_cleanup_close_ int f = lv_inroot_open(rootfd, dep, O_RDONLY);
		if (f < 0)
			continue;
		v = realloc(v, (n + 1) * sizeof(char *));
		v[n++] = strdup(e->d_name);
	}
	closedir(dd);
	qsort(v, n, sizeof(char *), cmp_str);
	*out = v;
	return n;
}

static int has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

/* The kernel an installed package stands for: linux-image-VERSION itself,
 * or the linux-image-VERSION a metapackage (linux-image-amd64) depends on;
 * NULL when neither names an installed version. */
static char *version_of_package(const char *status, size_t len, const char *pkg, char *const *versions,
				size_t nv)
{
	static const char prefix[] = "linux-image-";
	const size_t pl = sizeof(prefix) - 1;
	if (!strncmp(pkg, prefix, pl) && has(versions, nv, pkg + pl))
		return strdup(pkg + pl);
	struct lv_deb822 rd;
	struct lv_para para;
	lv_deb822_init(&rd, status, len);
	while (lv_deb822_next(&rd, &para) == 1) {
		_cleanup_free_ char *name = lv_para_dup(&para, "Package");
		_cleanup_free_ char *deps = lv_para_dup(&para, "Depends");
		if (!name || strcmp(name, pkg) || !deps)
			continue;
		char *save = NULL;
		for (char *w = strtok_r(deps, ",| \t\n", &save); w; w = strtok_r(NULL, ",| \t\n", &save)) {
			char *colon = strchr(w, ':');
			if (colon)
				*colon = '\0';
			if (!strncmp(w, prefix, pl) && has(versions, nv, w + pl))
				return strdup(w + pl);
		}
	}
	return NULL;
}

char *lv_kernel_pick(int rootfd, const struct lv_manifest *m, struct lv_diags *d)
{
	char **versions, *chosen = NULL;
	size_t nv = installed_versions(rootfd, &versions);
	struct lv_buf status = { .max = 256u << 20 }, list = { 0 };
	const char *want = m->image.kernel;

	if (!nv) {
		lv_error(d, "the image has no kernel (no " MODDIR "/VERSION/modules.dep): add linux-image-amd64 "
			    "to packages.install");
		return NULL;
	}
	lv_inroot_read(rootfd, "var/lib/dpkg/status", &status);
	for (size_t i = 0; i < nv; i++)
		lv_buf_printf(&list, "%s%s", i ? ", " : "", versions[i]);

	if (want) {
		chosen = has(versions, nv, want) ? strdup(want)
			 : status.p ? version_of_package(status.p, status.len, want, versions, nv) : NULL;
		if (!chosen) {
			char hint[512];
			snprintf(hint, sizeof(hint), "installed kernels: %s", list.p);
			lv_diag_pos(d, LV_ERROR, &m->image.kernel_at, hint,
				    "image.kernel '%s' is neither an installed kernel version nor an installed "
				    "linux-image package", want);
		}
		goto out;
	}
	/* the version the installed linux-image-* metapackages depend on */
	struct lv_deb822 rd;
	struct lv_para para;
	lv_deb822_init(&rd, status.p ? status.p : "", status.len);
	while (lv_deb822_next(&rd, &para) == 1) {
		_cleanup_free_ char *name = lv_para_dup(&para, "Package");
		if (!name || strncmp(name, "linux-image-", 12) || has(versions, nv, name + 12))
			continue;
		_cleanup_free_ char *v = version_of_package(status.p, status.len, name, versions, nv);
		if (v && chosen && strcmp(v, chosen)) {
			lv_error(d, "the image's linux-image metapackages depend on different kernels (%s, %s): "
				    "set image.kernel", chosen, v);
			free(chosen);
			chosen = NULL;
			goto out;
		}
		if (v && !chosen)
			chosen = strdup(v);
	}
	if (!chosen && nv == 1)
		chosen = strdup(versions[0]);
	else if (!chosen)
		lv_error(d, "the image has %zu kernels (%s) and no linux-image metapackage says which boots: "
			    "set image.kernel to one of them", nv, list.p);
out:
	strs_free(versions, nv);
	lv_buf_release(&status);
	lv_buf_release(&list);
	return chosen;
}

/* ---- modules ---- */

enum by { BY_NAME, BY_ALIAS };

/* What a live medium may sit on or be reached through, and what init needs.
 * Alias rules match the class-wide aliases only (any vendor, "v*d*..."),
 * so a vendor's special driver is not pulled in for its one device. */
static const struct want {
	enum by by;
	const char *what, *why;
} wants[] = {
	{ BY_ALIAS, "pci:v\\*d\\*sv\\*sd\\*bc01sc01*", "IDE controllers (PCI class 01.01)" },
	{ BY_ALIAS, "pci:v\\*d\\*sv\\*sd\\*bc01sc06*", "SATA controllers, AHCI (PCI class 01.06)" },
	{ BY_ALIAS, "pci:v\\*d\\*sv\\*sd\\*bc01sc08*", "NVMe controllers (PCI class 01.08)" },
	{ BY_ALIAS, "pci:v\\*d\\*sv\\*sd\\*bc0csc03*", "USB host controllers: UHCI, OHCI, EHCI, xHCI, USB4 (PCI class 0c.03)" },
	{ BY_ALIAS, "pci:v\\*d\\*sv\\*sd\\*bc08sc05*", "SD host controllers (PCI class 08.05)" },
	{ BY_ALIAS, "usb:v\\*p\\*d\\*dc\\*dsc\\*dp\\*ic08*", "USB mass storage: usb-storage, UAS (interface class 08)" },
	{ BY_ALIAS, "usb:v\\*p\\*d\\*dc\\*dsc\\*dp\\*ic03*", "USB keyboards for the rescue shell (HID, interface class 03)" },
	{ BY_ALIAS, "virtio:d00000002v\\**", "virtio block devices" },
	{ BY_ALIAS, "virtio:d00000008v\\**", "virtio SCSI" },
	{ BY_NAME, "virtio_pci", "virtio devices on PCI (virtual machines)" },
	{ BY_NAME, "ata_piix", "Intel PIIX/ICH IDE and SATA (and QEMU's CD drive)" },
	{ BY_NAME, "sdhci_acpi", "SD host controllers described by ACPI" },
	{ BY_NAME, "mmc_block", "SD and MMC cards" },
	{ BY_NAME, "sd_mod", "disks: SATA, USB sticks, SCSI" },
	{ BY_NAME, "sr_mod", "CD and DVD drives" },
	{ BY_NAME, "cdrom", "CD and DVD drives" },
	{ BY_NAME, "hid_generic", "USB keyboards for the rescue shell" },
	{ BY_NAME, "i2c_hid_acpi", "laptop keyboards on I2C" },
	{ BY_NAME, "isofs", "the medium's file system (ISO 9660)" },
	{ BY_NAME, "nbd", "the cloop image, served by livec-cloopd" },
	{ BY_NAME, "loop", "image files (LIVEDATA.img)" },
	{ BY_NAME, "ext4", "an ext2 inner file system and persistence stores" },
	{ BY_NAME, "overlay", "image.root: overlay" },
	{ BY_NAME, "vfat", "persistence files on FAT sticks" },
	{ BY_NAME, "nls_cp437", "FAT file names (code page 437)" },
	{ BY_NAME, "nls_iso8859_1", "FAT file names (iso8859-1)" },
	{ BY_NAME, "nls_utf8", "FAT file names (UTF-8)" },
	{ BY_NAME, "nls_ascii", "FAT file names (ASCII)" },
};

struct mod {
	char *path;      /* borrowed from the modules.dep text */
	char name[64];
	char *deps;      /* borrowed: the rest of its modules.dep line */
	int state;       /* 0 not taken, 1 being taken, 2 taken */
};

struct modset {
	struct mod *v;
	size_t n;
	char **alias, **alias_mod;   /* borrowed from the modules.alias text */
	size_t nalias;
	char **soft_mod, **soft_deps;/* borrowed from modules.softdep */
	size_t nsoft;
	struct lv_kmods *out;
};

/* A module's name from its path: the base name up to ".ko", with '-'
 * written '_' (as the kernel does). */
static void name_of(const char *path, char *name, size_t size)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t i = 0;
	for (; base[i] && i + 1 < size && strncmp(base + i, ".ko", 3); i++)
		name[i] = base[i] == '-' ? '_' : base[i];
	name[i] = '\0';
}

static struct mod *find(struct modset *s, const char *name)
{
	char n[64];
	size_t i = 0;
	for (; name[i] && i + 1 < sizeof(n); i++)
		n[i] = name[i] == '-' ? '_' : name[i];
	n[i] = '\0';
	for (size_t k = 0; k < s->n; k++)
		if (!strcmp(s->v[k].name, n))
			return &s->v[k];
	return NULL;
}

static struct mod *find_path(struct modset *s, const char *path)
{
	for (size_t k = 0; k < s->n; k++)
		if (!strcmp(s->v[k].path, path))
			return &s->v[k];
	return NULL;
}

/* A hostile modules.dep cannot exhaust the stack or the clock: chains stop
 * at this depth, and long or star-heavy alias patterns are not matched. */
#define MAX_DEPTH 64
#define MAX_PATTERN 256

static void take(struct modset *s, struct mod *m, const char *why, int depth);

/* A name as modules.softdep writes it: a module, or an alias of one or
 * more ("crc32c" is served by crc32c_generic and crc32c_intel). */
static int tame(const char *pattern)
{
	size_t stars = 0, len = strlen(pattern);
	for (const char *p = pattern; *p; p++)
		stars += *p == '*';
	return len <= MAX_PATTERN && stars <= 16;
}

static void take_named(struct modset *s, const char *name, const char *why, int depth)
{
	struct mod *m = find(s, name);
	if (m) {
		take(s, m, why, depth);
		return;
	}
	for (size_t i = 0; i < s->nalias; i++)
		if (tame(s->alias[i]) && !fnmatch(s->alias[i], name, 0) && (m = find(s, s->alias_mod[i])))
			take(s, m, why, depth);
}

/* Adds m after what it needs (modules.dep, then soft dependencies). */
static void take(struct modset *s, struct mod *m, const char *why, int depth)
{
	char because[128];
	if (m->state || depth > MAX_DEPTH)
		return;
	m->state = 1;
	snprintf(because, sizeof(because), "needed by %s", m->name);
	_cleanup_free_ char *deps = strdup(m->deps);
	char *save = NULL;
	for (char *w = strtok_r(deps, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		struct mod *q = find_path(s, w);
		if (q)
			take(s, q, because, depth + 1);
	}
	snprintf(because, sizeof(because), "soft dependency of %s", m->name);
	for (size_t i = 0; i < s->nsoft; i++) {
		if (strcmp(s->soft_mod[i], m->name))
			continue;
		_cleanup_free_ char *soft = strdup(s->soft_deps[i]);
		for (char *w = strtok_r(soft, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
			if (strcmp(w, "pre:") && strcmp(w, "post:"))
				take_named(s, w, because, depth + 1);
	}
	m->state = 2;
	struct lv_kmods *o = s->out;
	o->v = realloc(o->v, (o->n + 1) * sizeof(*o->v));
	o->v[o->n++] = (struct lv_kmod){ .path = strdup(m->path), .name = strdup(m->name), .why = strdup(why) };
}

/* The next line of the text at *cur, cut in place; NULL at the end. */
static char *next_line(char **cur)
{
	char *line = *cur, *nl;
	if (!line || !*line)
		return NULL;
	if ((nl = strchr(line, '\n'))) {
		*nl = '\0';
		*cur = nl + 1;
	} else {
		*cur = line + strlen(line);
	}
	return line;
}

static int read_moddir_file(int rootfd, const char *version, const char *name, struct lv_buf *b, int optional,
			    struct lv_diags *d)
{
	char path[512];
	snprintf(path, sizeof(path), MODDIR "/%s/%s", version, name);
	b->max = 64u << 20;
	int r = lv_inroot_read(rootfd, path, b);
	if (r == 0)
		r = lv_buf_append(b, "", 1);
	if (r < 0 && !(optional && r == -ENOENT))
		lv_error(d, "cannot read the kernel's '/%s': %s", path, lv_strerror(r));
	return r == -ENOENT && optional ? 0 : r;
}

static uint64_t le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The firmware= entries of an ELF64 module's .modinfo section. */
static void modinfo_firmware(const unsigned char *p, size_t len, char ***fw, size_t *n)
{
	if (len < 64 || memcmp(p, "\x7f" "ELF", 4) || p[4] != 2 || p[5] != 1)
		return;
	uint64_t shoff = le(p + 0x28, 8), shentsize = le(p + 0x3a, 2), shnum = le(p + 0x3c, 2),
		 shstrndx = le(p + 0x3e, 2);
	if (shentsize < 64 || shstrndx >= shnum || shoff > len || shnum > (len - shoff) / shentsize)
		return;
	const unsigned char *strtab_sh = p + shoff + shstrndx * shentsize;
	uint64_t stroff = le(strtab_sh + 24, 8), strsize = le(strtab_sh + 32, 8);
	if (stroff > len || strsize > len - stroff)
		return;
	for (uint64_t i = 0; i < shnum; i++) {
		const unsigned char *sh = p + shoff + i * shentsize;
		uint64_t nameoff = le(sh, 4), off = le(sh + 24, 8), size = le(sh + 32, 8);
		if (nameoff >= strsize || off > len || size > len - off ||
		    strncmp((const char *)p + stroff + nameoff, ".modinfo", strsize - nameoff) ||
		    memchr(p + stroff + nameoff, '\0', strsize - nameoff) == NULL)
			continue;
		for (uint64_t k = 0; k < size;) {
			const char *s = (const char *)p + off + k;
			size_t l = strnlen(s, (size_t)(size - k));
			if (l > 9 && !strncmp(s, "firmware=", 9)) {
				*fw = realloc(*fw, (*n + 1) * sizeof(char *));
				(*fw)[(*n)++] = strndup(s + 9, l - 9);
			}
			k += l + 1;
		}
	}
}

/* The firmware the chosen modules declare that the image ships (under
 * usr/lib/firmware, as it is or compressed). */
static void firmware_of(int rootfd, const char *version, struct lv_kmods *o)
{
	static const char *const suffixes[] = { "", ".xz", ".zst" };
	for (size_t i = 0; i < o->n; i++) {
		char path[1024];
		struct lv_buf raw = { .max = 256u << 20 }, elf = { .max = 256u << 20 };
		char **fw = NULL;
		size_t nfw = 0;
		snprintf(path, sizeof(path), MODDIR "/%s/%s", version, o->v[i].path);
		if (lv_inroot_read(rootfd, path, &raw) == 0) {
			if (raw.len >= 4 && !memcmp(raw.p, "\x7f" "ELF", 4))
				modinfo_firmware((unsigned char *)raw.p, raw.len, &fw, &nfw);
			else if (lv_decompress_buf(raw.p, raw.len, &elf) == 0)
				modinfo_firmware((unsigned char *)elf.p, elf.len, &fw, &nfw);
		}
		for (size_t k = 0; k < nfw; k++) {
			for (size_t x = 0; x < LV_ARRAY_SIZE(suffixes) && lv_inroot_check(fw[k]) == 0; x++) {
				snprintf(path, sizeof(path), "usr/lib/firmware/%s%s", fw[k], suffixes[x]);
				_cleanup_close_ int fd = lv_inroot_open(rootfd, path, O_RDONLY | O_NONBLOCK);
				struct stat st;
				if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
				    !has(o->firmware, o->nfirmware, path + 17)) {
					o->firmware = realloc(o->firmware, (o->nfirmware + 1) * sizeof(char *));
					o->firmware[o->nfirmware++] = strdup(path + 17);
				}
			}
			free(fw[k]);
		}
		free(fw);
		lv_buf_release(&raw);
		lv_buf_release(&elf);
	}
	qsort(o->firmware, o->nfirmware, sizeof(char *), cmp_str);
}

int lv_kernel_modules(int rootfd, const char *version, struct lv_kmods *out, struct lv_diags *d)
{
	struct lv_buf dep = { 0 }, alias = { 0 }, soft = { 0 };
	struct modset s = { .out = out };
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = read_moddir_file(rootfd, version, "modules.dep", &dep, 0, d)) < 0 ||
	    (r = read_moddir_file(rootfd, version, "modules.alias", &alias, 1, d)) < 0 ||
	    (r = read_moddir_file(rootfd, version, "modules.softdep", &soft, 1, d)) < 0)
		goto out;

	char *cur = dep.p, *line;
	while ((line = next_line(&cur))) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (lv_inroot_check(line) < 0) {
			lv_error(d, "the kernel's modules.dep names an unsafe path '%s': refused", line);
			r = -LVE_BUILD;
			goto out;
		}
		if (s.n >= 100000) {
			lv_error(d, "the kernel's modules.dep lists more than 100000 modules: refused");
			r = -LVE_TOOBIG;
			goto out;
		}
		s.v = realloc(s.v, (s.n + 1) * sizeof(*s.v));
		s.v[s.n] = (struct mod){ .path = line, .deps = colon + 1 };
		name_of(line, s.v[s.n].name, sizeof(s.v[s.n].name));
		s.n++;
	}
	for (cur = alias.p; (line = next_line(&cur));) {
		char *save = NULL, *kw = strtok_r(line, " \t", &save);
		char *pat = kw ? strtok_r(NULL, " \t", &save) : NULL;
		char *mod = pat ? strtok_r(NULL, " \t", &save) : NULL;
		if (!mod || strcmp(kw, "alias"))
			continue;
		s.alias = realloc(s.alias, (s.nalias + 1) * sizeof(char *));
		s.alias_mod = realloc(s.alias_mod, (s.nalias + 1) * sizeof(char *));
		s.alias[s.nalias] = pat;
		s.alias_mod[s.nalias++] = mod;
	}
	for (cur = soft.p; (line = next_line(&cur));) {
		char *save = NULL, *kw = strtok_r(line, " \t", &save);
		char *mod = kw ? strtok_r(NULL, " \t", &save) : NULL;
		if (!mod || strcmp(kw, "softdep") || !save)
			continue;
		s.soft_mod = realloc(s.soft_mod, (s.nsoft + 1) * sizeof(char *));
		s.soft_deps = realloc(s.soft_deps, (s.nsoft + 1) * sizeof(char *));
		s.soft_mod[s.nsoft] = mod;
		s.soft_deps[s.nsoft++] = save;
	}

	for (size_t w = 0; w < LV_ARRAY_SIZE(wants); w++) {
		if (wants[w].by == BY_NAME) {
			struct mod *m = find(&s, wants[w].what);
			if (m) /* absent: built into the kernel */
				take(&s, m, wants[w].why, 0);
			continue;
		}
		for (size_t i = 0; i < s.nalias; i++) {
			struct mod *m;
			if (!fnmatch(wants[w].what, s.alias[i], FNM_CASEFOLD) && (m = find(&s, s.alias_mod[i])))
				take(&s, m, wants[w].why, 0);
		}
	}
	firmware_of(rootfd, version, out);
out:
	free(s.v);
	free(s.alias);
	free(s.alias_mod);
	free(s.soft_mod);
	free(s.soft_deps);
	lv_buf_release(&dep);
	lv_buf_release(&alias);
	lv_buf_release(&soft);
	if (r < 0)
		lv_kmods_release(out);
	return r;
}

void lv_kmods_release(struct lv_kmods *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].path);
		free(k->v[i].name);
		free(k->v[i].why);
	}
	free(k->v);
	strs_free(k->firmware, k->nfirmware);
	memset(k, 0, sizeof(*k));
}
