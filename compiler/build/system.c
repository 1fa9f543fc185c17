/* System settings (system.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "build/idmap.h"
#include "build/runtime.h"
#include "base/inroot.h"
#include "build/system.h"

/* 1 when the image keeps its locale in /etc/locale.conf: locales made it,
 * or systemd's tmpfiles turn /etc/default/locale into a link to it. */
static int locale_conf(int rootfd)
{
	_cleanup_close_ int conf = lv_inroot_open(rootfd, "etc/locale.conf", O_PATH);
	if (conf >= 0)
		return 1;
	struct lv_buf b = { .max = 1 << 20 };
	int linked = 0;
	if (lv_inroot_read(rootfd, "usr/lib/tmpfiles.d/debian.conf", &b) == 0 && lv_buf_append(&b, "", 1) == 0) {
		char *save = NULL;
		for (char *line = strtok_r(b.p, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (line[0] == 'L' && strstr(line, " /etc/default/locale ") && strstr(line, "../locale.conf"))
				linked = 1;
	}
	lv_buf_release(&b);
	return linked;
}

static int write_file(int rootfd, const char *path, const char *text, struct lv_diags *d)
{
	_cleanup_free_ char *dir = lv_dirname(path);
	int r = strcmp(dir, ".") ? lv_inroot_mkdirs(rootfd, dir, 0755) : 0;
	if (r == 0)
		r = lv_inroot_write(rootfd, path, text, strlen(text), 0644);
	if (r < 0)
		lv_error(d, "cannot write '/%s' in the image: %s", path, lv_strerror(r));
	return r;
}

const char *lv_system_preseed(struct lv_assembly *a, struct lv_diags *d)
{
	const struct lv_strs *lines = &a->m->system.debconf;
	struct lv_buf b = { 0 };
	static const char path[] = "var/cache/livec/preseed.dat";

	if (!lines->n)
		return NULL;
	for (size_t i = 0; i < lines->n; i++) {
		char owner[128], question[256], type[64];
		int off = 0;
		sscanf(lines->v[i], "%127s %255s %63s %n", owner, question, type, &off); /* checked by the reader */
		lv_buf_printf(&b, "Name: %s\nTemplate: %s\nValue: %s\nOwners: %s\nFlags: seen\n\n", question,
			      question, off ? lines->v[i] + off : "", owner);
	}
	_cleanup_close_ int rootfd = open(a->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = write_file(rootfd, path, b.p, d);
	lv_buf_release(&b);
	return r < 0 ? NULL : "/var/cache/livec/preseed.dat";
}

/* What copy_in reads of one host entry: its status, and its names, link
 * target or contents. */
struct host_entry {
	struct stat st;
	struct dirent **names;
	int n;
	char target[4096];
	struct lv_buf data;
};

/* Reads a host entry with livec's own ids, as the user who ran it: the
 * image's ids own the tree only (idmap.h).  A FUSE or NFS source, such as
 * verify's disorderfs view, checks those ids itself, where capabilities
 * do not help. */
static int read_host(const char *src, int follow, struct host_entry *e)
{
	int was = lv_idmap_tree_owner(0), r = 0;
	if ((follow ? stat(src, &e->st) : lstat(src, &e->st)) < 0)
		r = -errno;
	else if (S_ISDIR(e->st.st_mode))
		r = (e->n = scandir(src, &e->names, NULL, alphasort)) < 0 ? -errno : 0;
	else if (S_ISLNK(e->st.st_mode)) {
		ssize_t n = readlink(src, e->target, sizeof(e->target) - 1);
		r = n < 0 ? -errno : 0;
		e->target[n < 0 ? 0 : n] = '\0';
	} else
		r = lv_read_file(src, &e->data);
	if (was > 0)
		lv_idmap_tree_owner(1);
	return r;
}

static void host_entry_release(struct host_entry *e)
{
	for (int i = 0; i < e->n; i++)
		free(e->names[i]);
	free(e->names);
	e->names = NULL;
	e->n = 0;
	lv_buf_release(&e->data);
}

/* Copies a host file or directory tree into the root (sorted, confined).
 * The entry's own source is followed if it is a symlink (`follow`, as the
 * reader saw it); links inside a tree are copied as links. */
static int copy_in(int rootfd, const char *src, const char *dst, long mode, int follow, struct lv_diags *d)
{
	struct host_entry e = { .data = { .max = 1u << 30 } };
	int r = read_host(src, follow, &e);
	if (r < 0) {
		lv_error(d, "files: cannot read '%s': %s", src, lv_strerror(r));
		return r;
	}
	if (S_ISDIR(e.st.st_mode)) {
		r = *dst ? lv_inroot_mkdirs(rootfd, dst, 0755) : 0;
		for (int i = 0; i < e.n; i++) {
			const char *nm = e.names[i]->d_name;
			if (r == 0 && strcmp(nm, ".") && strcmp(nm, "..")) {
				_cleanup_free_ char *s = lv_path_join(src, nm);
				_cleanup_free_ char *t = *dst ? lv_path_join(dst, nm) : strdup(nm);
				r = copy_in(rootfd, s, t, -1, 0, d);
			}
		}
		host_entry_release(&e);
		return r;
	}
	if (S_ISLNK(e.st.st_mode))
		return lv_inroot_symlink(rootfd, dst, e.target);
	mode_t m = mode >= 0 ? (mode_t)mode : (e.st.st_mode & 0111 ? 0755 : 0644);
	_cleanup_free_ char *dir = lv_dirname(dst);
	if (strcmp(dir, "."))
		r = lv_inroot_mkdirs(rootfd, dir, 0755);
	if (r == 0)
		r = lv_inroot_write(rootfd, dst, e.data.p ? e.data.p : "", e.data.len, m);
	host_entry_release(&e);
	if (r < 0)
		lv_error(d, "files: cannot install '%s' as '/%s': %s", src, dst, lv_strerror(r));
	return r;
}

const char *const lv_system_runtime[] = { "livec-session", "livec-session.service", "livec-reconfigure",
					  "livec-reconfigure.service", NULL };

/* One of livec's runtime files (runtime/session/) into the image. */
static int install_runtime(int rootfd, const char *name, const char *dest, mode_t mode, struct lv_diags *d)
{
	_cleanup_free_ char *from = lv_path_join(lv_runtime_dir(), name);
	_cleanup_free_ char *dir = lv_dirname(dest);
	struct host_entry e = { .data = { .max = 1u << 20 } };
	int r = read_host(from, 1, &e);
	if (r == 0 && !S_ISREG(e.st.st_mode))
		r = -EINVAL;
	if (r == 0)
		r = lv_inroot_mkdirs(rootfd, dir, 0755);
	if (r == 0)
		r = lv_inroot_write(rootfd, dest, e.data.p ? e.data.p : "", e.data.len, mode);
	host_entry_release(&e);
	if (r < 0)
		lv_error(d, "cannot install livec's runtime file '%s' as '/%s': %s (build livec first)", from, dest,
			 lv_strerror(r));
	return r;
}

/* A command's program is in the image: an absolute path, or a name in the
 * usual bin directories (looked up inside the root: a link on the way
 * leads into the image, never to the host; the last one is not followed). */
static int in_image(int rootfd, const char *cmd)
{
	static const char *const dirs[] = { "usr/local/bin", "usr/bin", "bin", "usr/local/sbin", "usr/sbin", "sbin" };
	char prog[256], path[512];
	size_t n = strcspn(cmd, " \t");
	snprintf(prog, sizeof(prog), "%.*s", (int)(n < sizeof(prog) ? n : sizeof(prog) - 1), cmd);
	if (prog[0] == '/')
		return lv_inroot_exists(rootfd, prog + 1);
	for (size_t i = 0; i < LV_ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], prog);
		if (lv_inroot_exists(rootfd, path))
			return 1;
	}
	return 0;
}

/* The X session's ~/.xsession: the boot options' screen and keyboard,
 * then system.session.autostart, then the window manager for as long as
 * the session lasts. */
static size_t xsession(const struct lv_session *s, struct lv_buf *x)
{
	size_t nstart = 0;
	lv_buf_printf(x, "#!/bin/sh\n"
			 "# The X session of %s: generated by livec from the manifest's\n"
			 "# system.session, started at boot by livec-session (xinit).\n"
			 ". /etc/default/locale 2>/dev/null && export LANG\n"
			 "# the boot option screen=WxH\n"
			 "[ -n \"${LIVEC_SCREEN:-}\" ] && xrandr -s \"$LIVEC_SCREEN\" 2>/dev/null\n"
			 "# the keyboard of /etc/default/keyboard (boot option keyboard=)\n"
			 "if [ -r /etc/default/keyboard ] && command -v setxkbmap >/dev/null; then\n"
			 "\t. /etc/default/keyboard\n"
			 "\tsetxkbmap -model \"${XKBMODEL:-pc105}\" -layout \"${XKBLAYOUT:-us}\" "
			 "-variant \"${XKBVARIANT:-}\" -option \"${XKBOPTIONS:-}\"\n"
			 "fi\n"
			 "command -v xsetroot >/dev/null && xsetroot -solid '#2e5a88'\n"
			 "# system.session.autostart\n", s->user);
	for (size_t i = 0; i < s->autostart.n; i++, nstart++)
		lv_buf_printf(x, "%s &\n", s->autostart.v[i]);
	lv_buf_printf(x, "# system.session.window-manager: the session lasts as long as it runs\nexec %s\n",
		      s->window_manager);
	return nstart;
}

/* system.session with x: the live user's X session, started at boot by
 * livec-session.service (runtime/session/) without a display manager.
 * What it runs is the user's ~/.xsession, generated here. */
static int session(struct lv_assembly *a, int rootfd, struct lv_diags *d)
{
	const struct lv_session *s = &a->m->system.session;
	if (!s->at.line || !s->x)
		return 0;
	/* the reader saw to it that both are given, and plain words */
	if (!in_image(rootfd, s->window_manager)) {
		lv_diag_pos(d, LV_ERROR, &s->window_manager_at, "install the package that has it",
			    "system.session: the window manager '%s' is not in the image", s->window_manager);
		return -LVE_MANIFEST;
	}
	struct lv_buf x = { 0 };
	size_t nstart = xsession(s, &x);
	char path[300], text[300], sh[600];
	snprintf(path, sizeof(path), "home/%s/.xsession", s->user); /* useradd -m's home */
	int r = lv_inroot_write(rootfd, path, x.p, x.len, 0755);
	lv_buf_release(&x);
	if (r < 0) {
		lv_error(d, "cannot write '/%s' in the image: %s", path, lv_strerror(r));
		return r;
	}
	snprintf(text, sizeof(text), "# system.session, read by /usr/lib/livec/livec-session\nuser=%s\nwindows=%zu\n",
		 s->user, nstart);
	if ((r = write_file(rootfd, "etc/livec/session", text, d)) < 0 ||
	    (r = install_runtime(rootfd, "livec-session", "usr/lib/livec/livec-session", 0755, d)) < 0 ||
	    (r = install_runtime(rootfd, "livec-session.service", "etc/systemd/system/livec-session.service",
				 0644, d)) < 0)
		return r;
	snprintf(sh, sizeof(sh), "chown %s: '/%s'\nsystemctl enable livec-session.service\n", s->user, path);
	return lv_assembly_sh(a, d, "the X session", sh);
}

static int in_lock(const struct lv_lock *l, const char *name)
{
	for (size_t k = 0; k < l->rootfs.n; k++)
		if (!strcmp(l->rootfs.v[k].name, name))
			return 1;
	return 0;
}

/* Units that make no sense on a live medium, masked unless the manifest
 * keeps them (system.services.keep) or enables them; only those the image
 * has.  The list and the reasons are in docs/live.md. */
static const char *const live_masked[] = {
	"apt-daily.timer",          /* downloads updates into RAM, lost at power-off */
	"apt-daily-upgrade.timer",  /* installs them, into RAM */
	"dpkg-db-backup.timer",     /* backs dpkg's database up, into RAM */
	"man-db.timer",             /* rebuilds the manual's index, in RAM */
	"plocate-updatedb.timer",   /* indexes the file tree, in RAM */
	"e2scrub_all.timer",        /* checks ext4 volumes on LVM: the host's */
	"e2scrub_reap.service",
	"fstrim.timer",             /* trims file systems: the root is RAM, the disks the host's */
	"systemd-pstore.service",   /* moves the firmware's crash records (the host's) into RAM
				     * and deletes them from the firmware */
};

static int listed_in(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

int lv_system_check(const struct lv_manifest *m, const struct lv_lock *l, struct lv_diags *d)
{
	const struct lv_session *s = &m->system.session;
	static const char *const x_needs[][2] = { { "xinit", "xinit" }, { "Xorg", "xserver-xorg-core" } };
	int r = 0;
	for (size_t i = 0; i < m->system.keep.n; i++) {
		if (listed_in(live_masked, LV_ARRAY_SIZE(live_masked), m->system.keep.v[i]))
			continue;
		lv_diag_pos(d, LV_ERROR, &m->system.keep.at[i], "name one of the units docs/live.md lists as masked",
			    "system.services.keep: '%s' is not a unit livec masks", m->system.keep.v[i]);
		r = -LVE_MANIFEST;
	}
	for (size_t i = 0; i < m->system.reconfigure.n; i++) {
		const struct lv_mpkg *p = &m->system.reconfigure.v[i];
		if (in_lock(l, p->name))
			continue;
		lv_diag_pos(d, LV_ERROR, &p->at, "add it to packages.install",
			    "system.reconfigure-at-boot: '%s' is not in the lock", p->name);
		r = -LVE_MANIFEST;
	}
	for (size_t i = 0; s->at.line && s->x && i < LV_ARRAY_SIZE(x_needs); i++) {
		if (in_lock(l, x_needs[i][1]))
			continue;
		lv_diag_pos(d, LV_ERROR, &s->at, "add it to packages.install",
			    "system.session: an X session needs %s (package %s), which is not in the lock",
			    x_needs[i][0], x_needs[i][1]);
		r = -LVE_MANIFEST;
	}
	return r;
}

/* system.reconfigure-at-boot: the packages whose configuration
 * livec-reconfigure.service re-runs on every boot, after the boot options
 * are applied and before the session starts. */
static int reconfigure_at_boot(struct lv_assembly *a, int rootfd, struct lv_diags *d)
{
	const struct lv_mpkgs *list = &a->m->system.reconfigure;
	if (!list->n)
		return 0;
	struct lv_buf b = { 0 }; /* lv_system_check has found each in the lock */
	for (size_t i = 0; i < list->n; i++)
		lv_buf_printf(&b, "%s\n", list->v[i].name);
	int r = write_file(rootfd, "etc/livec/reconfigure", b.p, d);
	lv_buf_release(&b);
	if (r == 0)
		r = install_runtime(rootfd, "livec-reconfigure", "usr/lib/livec/livec-reconfigure", 0755, d);
	if (r == 0)
		r = install_runtime(rootfd, "livec-reconfigure.service", "etc/systemd/system/livec-reconfigure.service",
				    0644, d);
	if (r == 0)
		r = lv_assembly_sh(a, d, "reconfigure-at-boot", "systemctl enable livec-reconfigure.service\n");
	return r;
}

/* hostname, hosts, locale and timezone */
static int identity(int rootfd, const struct lv_manifest *m, struct lv_diags *d)
{
	char text[512];
	int r;
	snprintf(text, sizeof(text), "%s\n", m->system.hostname);
	if ((r = write_file(rootfd, "etc/hostname", text, d)) < 0)
		return r;
	snprintf(text, sizeof(text), "127.0.0.1\tlocalhost\n127.0.1.1\t%s\n\n::1\tlocalhost ip6-localhost "
				     "ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n", m->system.hostname);
	if ((r = write_file(rootfd, "etc/hosts", text, d)) < 0)
		return r;
	/* trixie keeps the locale in /etc/locale.conf, with /etc/default/locale
	 * a link to it: systemd-tmpfiles makes that link at every boot, and
	 * locales' scripts write there */
	snprintf(text, sizeof(text), "LANG=%s\n", m->system.locale);
	int conf = locale_conf(rootfd);
	if ((r = write_file(rootfd, conf ? "etc/locale.conf" : "etc/default/locale", text, d)) < 0)
		return r;
	if (conf && (r = lv_inroot_symlink(rootfd, "etc/default/locale", "../locale.conf")) < 0) {
		lv_error(d, "cannot link /etc/default/locale to /etc/locale.conf: %s", lv_strerror(r));
		return r;
	}
	snprintf(text, sizeof(text), "%s\n", m->system.timezone);
	if ((r = write_file(rootfd, "etc/timezone", text, d)) < 0)
		return r;
	snprintf(text, sizeof(text), "/usr/share/zoneinfo/%s", m->system.timezone);
	if ((r = lv_inroot_symlink(rootfd, "etc/localtime", text)) < 0)
		lv_error(d, "cannot set the timezone: %s", lv_strerror(r));
	return r;
}

/* users and groups, with fixed ids so /etc/passwd is the same every time
 * (every name a plain word: the reader checked) */
static int users(struct lv_assembly *a, struct lv_diags *d)
{
	struct lv_buf sh = { 0 };
	for (size_t i = 0; i < a->m->system.users.n; i++) {
		const struct lv_user *u = &a->m->system.users.v[i];
		lv_buf_printf(&sh, "[ -x %s ] || shell=/bin/sh\n", u->shell);
		lv_buf_printf(&sh, "groupadd -g %ld %s\n", u->gid, u->name);
		lv_buf_printf(&sh, "useradd -m -u %ld -g %ld -s ${shell:-%s} -c '' %s\n", u->uid, u->gid, u->shell,
			      u->name);
		lv_buf_printf(&sh, "unset shell\n");
		for (size_t g = 0; g < u->groups.n; g++)
			lv_buf_printf(&sh, "if getent group %s >/dev/null; then usermod -a -G %s %s; "
					   "else echo 'livec: no group %s in the image'; fi\n",
				      u->groups.v[g], u->groups.v[g], u->name, u->groups.v[g]);
		if (u->sudo)
			lv_buf_printf(&sh, "getent group sudo >/dev/null && usermod -a -G sudo %s\n", u->name);
		if (u->password && !*u->password)
			lv_buf_printf(&sh, "passwd -d %s >/dev/null\n", u->name);
		else
			lv_buf_printf(&sh, "usermod -L %s\n", u->name);
	}
	int r = sh.len ? lv_assembly_sh(a, d, "create users", sh.p) : 0;
	lv_buf_release(&sh);
	return r;
}

/* console autologin: getty drop-ins (recorded for the runtime as well) */
static int autologin(int rootfd, const char *user, struct lv_diags *d)
{
	static const char *const gettys[][2] = { { "getty@tty1", "38400 %I" },
						 { "serial-getty@ttyS0", "--keep-baud 115200,57600,38400,9600 %I" } };
	char path[256], text[512];
	int r;
	if (!user)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "etc/systemd/system/%s.service.d/livec-autologin.conf", gettys[i][0]);
		snprintf(text, sizeof(text),
			 "# livec: log in %s without a password (system.autologin)\n[Service]\n"
			 "ExecStart=\nExecStart=-/sbin/agetty --autologin %s --noclear %s $TERM\n",
			 user, user, gettys[i][1]);
		if ((r = write_file(rootfd, path, text, d)) < 0)
			return r;
	}
	snprintf(text, sizeof(text), "%s\n", user);
	return write_file(rootfd, "etc/livec/autologin", text, d);
}

static int services(struct lv_assembly *a, struct lv_diags *d)
{
	const struct lv_strs *lists[] = { &a->m->system.enable, &a->m->system.disable };
	static const char *const verbs[] = { "enable", "disable" };
	struct lv_buf sh = { 0 };
	for (size_t v = 0; v < 2; v++)
		for (size_t i = 0; i < lists[v]->n; i++)
			lv_buf_printf(&sh, "systemctl %s %s\n", verbs[v], lists[v]->v[i]);
	int r = sh.len ? lv_assembly_sh(a, d, "services", sh.p) : 0;
	lv_buf_release(&sh);
	return r;
}


static int listed(const struct lv_strs *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

/* The image is as up to date as its build made it: the stamps that
 * systemd's ConditionNeedsUpdate= compares with /usr's time (docs/live.md;
 * without them ldconfig, systemd-hwdb-update, the journal catalog and
 * sysusers run again at every boot, into RAM), and the units above
 * masked. */
static int live_units(struct lv_assembly *a, int rootfd, struct lv_diags *d)
{
	char text[128];
	int r = 0;
	snprintf(text, sizeof(text), "# livec: the image was updated when it was built\nTIMESTAMP_NSEC=%lld000000000\n",
		 a->sb.epoch);
	/* dpkg's triggers did that work for the packages; a library that
	 * files: or a hook adds gets ldconfig after them
	 * (lv_system_files_hooks) */
	if ((r = write_file(rootfd, "etc/.updated", text, d)) < 0 || (r = write_file(rootfd, "var/.updated", text, d)) < 0)
		return r;
	/* without systemd (no systemctl) no unit ever runs: nothing to mask */
	_cleanup_close_ int sysctl = lv_inroot_open(rootfd, "usr/bin/systemctl", O_PATH);
	if (sysctl < 0)
		return 0;
	struct lv_buf sh = { 0 };
	for (size_t i = 0; i < sizeof(live_masked) / sizeof(live_masked[0]); i++) {
		const char *u = live_masked[i];
		char path[256];
		snprintf(path, sizeof(path), "usr/lib/systemd/system/%s", u);
		_cleanup_close_ int fd = lv_inroot_open(rootfd, path, O_PATH);
		if (fd < 0 || listed(&a->m->system.keep, u) || listed(&a->m->system.enable, u))
			continue;
		lv_buf_printf(&sh, "systemctl --quiet disable %s\nsystemctl --quiet mask %s\n", u, u);
	}
	r = sh.len ? lv_assembly_sh(a, d, "units a live medium does without", sh.p) : 0;
	lv_buf_release(&sh);
	return r;
}

int lv_system_apply(struct lv_assembly *a, struct lv_diags *d)
{
	_cleanup_close_ int rootfd = open(a->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r;
	if ((r = identity(rootfd, a->m, d)) < 0 || (r = users(a, d)) < 0 ||
	    (r = autologin(rootfd, a->m->system.autologin, d)) < 0 || (r = session(a, rootfd, d)) < 0 ||
	    (r = reconfigure_at_boot(a, rootfd, d)) < 0 || (r = live_units(a, rootfd, d)) < 0)
		return r;
	return services(a, d);
}

int lv_system_files_hooks(struct lv_assembly *a, struct lv_diags *d)
{
	_cleanup_close_ int rootfd = open(a->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	/* files: overlay trees and single files, in manifest order */
	for (size_t i = 0; i < a->m->files.n && r >= 0; i++)
		r = copy_in(rootfd, a->m->files.v[i].from, a->m->files.v[i].dest, a->m->files.v[i].mode, 1, d);
	if (r < 0)
		return r;
	/* hooks, in manifest order */
	for (size_t i = 0; i < a->m->hooks.n; i++) {
		char what[300];
		snprintf(what, sizeof(what), "hook '%s'", a->m->hooks.v[i].name);
		if ((r = lv_assembly_sh(a, d, what, a->m->hooks.v[i].run)) < 0)
			return r;
	}
	/* the image boots with the stamps that skip ldconfig (live_units):
	 * the libraries files: and hooks added get into ld.so.cache here */
	if (a->m->files.n || a->m->hooks.n)
		r = lv_assembly_sh(a, d, "ldconfig after files and hooks", "ldconfig\n");
	return r;
}
