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
#include "image/image.h"
#include "build/inroot.h"
#include "build/system.h"
#include "manifest/yamltree.h"

static const char *str(const struct lv_ynode *map, const char *key, const char *def)
{
	const char *v = lv_yscalar(lv_ymap_get(map, key));
	return v && *v ? v : def;
}

/* A word safe to put in a shell command unquoted. */
static int shell_word(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+@/:", *s))
			return 0;
	return 1;
}

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
	const struct lv_ynode *lines = lv_ymap_get(lv_ymap_get(a->m->root, "system"), "debconf");
	struct lv_buf b = { 0 };
	static const char path[] = "var/cache/livec/preseed.dat";

	if (!lines || lines->kind != LV_YSEQ || !lines->n)
		return NULL;
	for (size_t i = 0; i < lines->n; i++) {
		char owner[128], question[256], type[64];
		int off = 0;
		const char *l = lv_yscalar(lines->kids[i]);
		if (!l || sscanf(l, "%127s %255s %63s %n", owner, question, type, &off) < 3) {
			lv_diag_at(d, LV_ERROR, a->m->path, lines->kids[i]->line, lines->kids[i]->col,
				   "write it as debconf-set-selections does: 'tzdata tzdata/Areas select Etc'",
				   "invalid debconf answer");
			lv_buf_release(&b);
			return NULL;
		}
		lv_buf_printf(&b, "Name: %s\nTemplate: %s\nValue: %s\nOwners: %s\nFlags: seen\n\n", question,
			      question, off ? l + off : "", owner);
	}
	_cleanup_close_ int rootfd = open(a->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = write_file(rootfd, path, b.p, d);
	lv_buf_release(&b);
	return r < 0 ? NULL : "/var/cache/livec/preseed.dat";
}

/* Copies a host file or directory tree into the root (sorted, confined). */
static int copy_in(int rootfd, const char *src, const char *dst, const char *mode, struct lv_diags *d)
{
	struct stat st;
	if (lstat(src, &st) < 0) {
		lv_error(d, "files: cannot read '%s': %s", src, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode)) {
		int r = *dst ? lv_inroot_mkdirs(rootfd, dst, 0755) : 0;
		struct dirent **names;
		int n = scandir(src, &names, NULL, alphasort);
		for (int i = 0; i < n; i++) {
			const char *nm = names[i]->d_name;
			if (r == 0 && strcmp(nm, ".") && strcmp(nm, "..")) {
				_cleanup_free_ char *s = lv_path_join(src, nm);
				_cleanup_free_ char *t = *dst ? lv_path_join(dst, nm) : strdup(nm);
				r = copy_in(rootfd, s, t, NULL, d);
			}
			free(names[i]);
		}
		free(names);
		return r;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlink(src, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		return lv_inroot_symlink(rootfd, dst, target);
	}
	struct lv_buf b = { .max = 1u << 30 };
	int r = lv_read_file(src, &b);
	mode_t m = mode ? (mode_t)strtoul(mode, NULL, 8) : (st.st_mode & 0111 ? 0755 : 0644);
	_cleanup_free_ char *dir = lv_dirname(dst);
	if (r == 0 && strcmp(dir, "."))
		r = lv_inroot_mkdirs(rootfd, dir, 0755);
	if (r == 0)
		r = lv_inroot_write(rootfd, dst, b.p ? b.p : "", b.len, m);
	lv_buf_release(&b);
	if (r < 0)
		lv_error(d, "files: cannot install '%s' as '/%s': %s", src, dst, lv_strerror(r));
	return r;
}

static int yes(const char *v)
{
	return v && (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "True"));
}

const char *const lv_system_runtime[] = { "livec-session", "livec-session.service", "livec-reconfigure",
					  "livec-reconfigure.service", NULL };

/* One of livec's runtime files (runtime/session/) into the image. */
static int install_runtime(int rootfd, const char *name, const char *dest, mode_t mode, struct lv_diags *d)
{
	_cleanup_free_ char *from = lv_path_join(lv_runtime_dir(), name);
	_cleanup_free_ char *dir = lv_dirname(dest);
	struct lv_buf b = { .max = 1u << 20 };
	int r = lv_read_file(from, &b);
	if (r == 0)
		r = lv_inroot_mkdirs(rootfd, dir, 0755);
	if (r == 0)
		r = lv_inroot_write(rootfd, dest, b.p, b.len, mode);
	lv_buf_release(&b);
	if (r < 0)
		lv_error(d, "cannot install livec's runtime file '%s' as '/%s': %s (build livec first)", from, dest,
			 lv_strerror(r));
	return r;
}

/* A command's program is in the image: an absolute path, or a name in the
 * usual bin directories (symlinks are not followed: they point into the
 * image, not the host). */
static int in_image(int rootfd, const char *cmd)
{
	static const char *const dirs[] = { "usr/local/bin", "usr/bin", "bin", "usr/local/sbin", "usr/sbin", "sbin" };
	char prog[256], path[512];
	struct stat st;
	size_t n = strcspn(cmd, " \t");
	snprintf(prog, sizeof(prog), "%.*s", (int)(n < sizeof(prog) ? n : sizeof(prog) - 1), cmd);
	if (prog[0] == '/')
		return fstatat(rootfd, prog + 1, &st, AT_SYMLINK_NOFOLLOW) == 0;
	for (size_t i = 0; i < LV_ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], prog);
		if (fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return 1;
	}
	return 0;
}

/* system.session with x: the live user's X session, started at boot by
 * livec-session.service (runtime/session/) without a display manager.
 * What it runs is the user's ~/.xsession, generated here. */
static int session(struct lv_assembly *a, int rootfd, const struct lv_ynode *sys, struct lv_diags *d)
{
	const struct lv_ynode *s = lv_ymap_get(sys, "session");
	const struct lv_ynode *xn = lv_ymap_get(s, "x");
	if (!s || (xn && !yes(lv_yscalar(xn))))
		return 0;
	/* the manifest checker saw to it that both are given */
	const char *user = str(s, "user", NULL), *wm = str(s, "window-manager", NULL);
	if (!user || !wm || !shell_word(user))
		return -LVE_MANIFEST;
	static const char *const needed[][2] = { { "xinit", "xinit" }, { "Xorg", "xserver-xorg-core" } };
	for (size_t i = 0; i < LV_ARRAY_SIZE(needed); i++)
		if (!in_image(rootfd, needed[i][0])) {
			lv_diag_at(d, LV_ERROR, a->m->path, s->line, s->col, "add it to packages.install",
				   "system.session: an X session needs %s (package %s), which is not in the image",
				   needed[i][0], needed[i][1]);
			return -LVE_MANIFEST;
		}
	if (!in_image(rootfd, wm)) {
		const struct lv_ynode *n = lv_ymap_get(s, "window-manager");
		lv_diag_at(d, LV_ERROR, a->m->path, n->line, n->col, "install the package that has it",
			   "system.session: the window manager '%s' is not in the image", wm);
		return -LVE_MANIFEST;
	}

	struct lv_buf x = { 0 };
	lv_buf_printf(&x, "#!/bin/sh\n"
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
			  "# system.session.autostart\n", user);
	const struct lv_ynode *list = lv_ymap_get(s, "autostart");
	size_t nstart = 0;
	for (size_t i = 0; list && list->kind == LV_YSEQ && i < list->n; i++) {
		const char *cmd = lv_yscalar(list->kids[i]);
		if (cmd && *cmd) {
			lv_buf_printf(&x, "%s &\n", cmd);
			nstart++;
		}
	}
	lv_buf_printf(&x, "# system.session.window-manager: the session lasts as long as it runs\nexec %s\n", wm);

	char path[300], text[300], sh[600];
	snprintf(path, sizeof(path), "home/%s/.xsession", user); /* useradd -m's home */
	int r = lv_inroot_write(rootfd, path, x.p, x.len, 0755);
	lv_buf_release(&x);
	if (r < 0) {
		lv_error(d, "cannot write '/%s' in the image: %s", path, lv_strerror(r));
		return r;
	}
	snprintf(text, sizeof(text), "# system.session, read by /usr/lib/livec/livec-session\nuser=%s\nwindows=%zu\n",
		 user, nstart);
	if ((r = write_file(rootfd, "etc/livec/session", text, d)) < 0 ||
	    (r = install_runtime(rootfd, "livec-session", "usr/lib/livec/livec-session", 0755, d)) < 0 ||
	    (r = install_runtime(rootfd, "livec-session.service", "etc/systemd/system/livec-session.service",
				 0644, d)) < 0)
		return r;
	snprintf(sh, sizeof(sh), "chown %s: '/%s'\nsystemctl enable livec-session.service\n", user, path);
	return lv_assembly_sh(a, d, "the X session", sh);
}

int lv_system_check(const struct lv_manifest *m, const struct lv_lock *l, struct lv_diags *d)
{
	const struct lv_ynode *list = lv_ymap_get(lv_ymap_get(m->root, "system"), "reconfigure-at-boot");
	int r = 0;
	for (size_t i = 0; list && list->kind == LV_YSEQ && i < list->n; i++) {
		const char *pkg = lv_yscalar(list->kids[i]);
		int found = 0;
		for (size_t k = 0; pkg && k < l->rootfs.n && !found; k++)
			found = !strcmp(l->rootfs.v[k].name, pkg);
		if (!found) {
			lv_diag_at(d, LV_ERROR, m->path, list->kids[i]->line, list->kids[i]->col,
				   "add it to packages.install", "system.reconfigure-at-boot: '%s' is not in the lock",
				   pkg ? pkg : "");
			r = -LVE_MANIFEST;
		}
	}
	return r;
}

/* system.reconfigure-at-boot: the packages whose configuration
 * livec-reconfigure.service re-runs on every boot, after the boot options
 * are applied and before the session starts. */
static int reconfigure_at_boot(struct lv_assembly *a, int rootfd, const struct lv_ynode *sys, struct lv_diags *d)
{
	const struct lv_ynode *list = lv_ymap_get(sys, "reconfigure-at-boot");
	if (!list || list->kind != LV_YSEQ || !list->n)
		return 0;
	struct lv_buf b = { 0 }; /* lv_system_check has found each in the lock */
	for (size_t i = 0; i < list->n; i++)
		lv_buf_printf(&b, "%s\n", lv_yscalar(list->kids[i]));
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

int lv_system_apply(struct lv_assembly *a, struct lv_diags *d)
{
	const struct lv_ynode *sys = lv_ymap_get(a->m->root, "system");
	_cleanup_close_ int rootfd = open(a->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct lv_buf sh = { 0 };
	char text[512];
	int r;

	const char *host = str(sys, "hostname", "livec");
	snprintf(text, sizeof(text), "%s\n", host);
	if ((r = write_file(rootfd, "etc/hostname", text, d)) < 0)
		return r;
	snprintf(text, sizeof(text), "127.0.0.1\tlocalhost\n127.0.1.1\t%s\n\n::1\tlocalhost ip6-localhost "
				     "ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n", host);
	if ((r = write_file(rootfd, "etc/hosts", text, d)) < 0)
		return r;
	/* trixie keeps the locale in /etc/locale.conf, with /etc/default/locale
	 * a link to it: systemd-tmpfiles makes that link at every boot, and
	 * locales' scripts write there */
	snprintf(text, sizeof(text), "LANG=%s\n", str(sys, "locale", "C.UTF-8"));
	int conf = locale_conf(rootfd);
	if ((r = write_file(rootfd, conf ? "etc/locale.conf" : "etc/default/locale", text, d)) < 0)
		return r;
	if (conf && (r = lv_inroot_symlink(rootfd, "etc/default/locale", "../locale.conf")) < 0) {
		lv_error(d, "cannot link /etc/default/locale to /etc/locale.conf: %s", lv_strerror(r));
		return r;
	}
	const char *tz = str(sys, "timezone", "Etc/UTC");
	snprintf(text, sizeof(text), "%s\n", tz);
	if ((r = write_file(rootfd, "etc/timezone", text, d)) < 0)
		return r;
	snprintf(text, sizeof(text), "/usr/share/zoneinfo/%s", tz);
	if ((r = lv_inroot_symlink(rootfd, "etc/localtime", text)) < 0) {
		lv_error(d, "cannot set the timezone: %s", lv_strerror(r));
		return r;
	}

	/* users and groups, with fixed ids so /etc/passwd is the same every time */
	const struct lv_ynode *users = lv_ymap_get(sys, "users");
	for (size_t i = 0; users && users->kind == LV_YSEQ && i < users->n; i++) {
		const struct lv_ynode *u = users->kids[i];
		const char *name = str(u, "name", NULL), *uid = str(u, "uid", "1000");
		const char *gid = str(u, "gid", uid), *shell = str(u, "shell", "/bin/bash");
		const char *pw = lv_yscalar(lv_ymap_get(u, "password"));
		if (!name || !shell_word(name) || !shell_word(uid) || !shell_word(gid) || !shell_word(shell)) {
			lv_diag_at(d, LV_ERROR, a->m->path, u->line, u->col, NULL,
				   "system.users: name, uid, gid and shell must be plain words");
			lv_buf_release(&sh);
			return -LVE_MANIFEST;
		}
		lv_buf_printf(&sh, "[ -x %s ] || shell=/bin/sh\n", shell);
		lv_buf_printf(&sh, "groupadd -g %s %s\n", gid, name);
		lv_buf_printf(&sh, "useradd -m -u %s -g %s -s ${shell:-%s} -c '' %s\n", uid, gid, shell, name);
		lv_buf_printf(&sh, "unset shell\n");
		const struct lv_ynode *groups = lv_ymap_get(u, "groups");
		for (size_t g = 0; groups && groups->kind == LV_YSEQ && g < groups->n; g++) {
			const char *grp = lv_yscalar(groups->kids[g]);
			if (grp && shell_word(grp))
				lv_buf_printf(&sh, "if getent group %s >/dev/null; then usermod -a -G %s %s; "
						   "else echo 'livec: no group %s in the image'; fi\n",
					      grp, grp, name, grp);
		}
		if (yes(lv_yscalar(lv_ymap_get(u, "sudo"))))
			lv_buf_printf(&sh, "getent group sudo >/dev/null && usermod -a -G sudo %s\n", name);
		if (pw && !*pw)
			lv_buf_printf(&sh, "passwd -d %s >/dev/null\n", name);
		else
			lv_buf_printf(&sh, "usermod -L %s\n", name);
	}
	if (sh.len && (r = lv_assembly_sh(a, d, "create users", sh.p)) < 0) {
		lv_buf_release(&sh);
		return r;
	}
	sh.len = 0;

	/* console autologin: getty drop-ins (recorded for the runtime as well) */
	const char *auto_user = str(lv_ymap_get(sys, "autologin"), "user", NULL);
	if (auto_user && shell_word(auto_user)) {
		static const char *const gettys[][2] = { { "getty@tty1", "38400 %I" },
							 { "serial-getty@ttyS0", "--keep-baud 115200,57600,38400,9600 %I" } };
		for (size_t i = 0; i < 2; i++) {
			char path[256];
			snprintf(path, sizeof(path), "etc/systemd/system/%s.service.d/livec-autologin.conf",
				 gettys[i][0]);
			snprintf(text, sizeof(text),
				 "# livec: log in %s without a password (system.autologin)\n[Service]\n"
				 "ExecStart=\nExecStart=-/sbin/agetty --autologin %s --noclear %s $TERM\n",
				 auto_user, auto_user, gettys[i][1]);
			if ((r = write_file(rootfd, path, text, d)) < 0)
				return r;
		}
		snprintf(text, sizeof(text), "%s\n", auto_user);
		if ((r = write_file(rootfd, "etc/livec/autologin", text, d)) < 0)
			return r;
	}

	if ((r = session(a, rootfd, sys, d)) < 0 || (r = reconfigure_at_boot(a, rootfd, sys, d)) < 0) {
		lv_buf_release(&sh);
		return r;
	}

	/* services */
	const struct lv_ynode *svc = lv_ymap_get(sys, "services");
	static const char *const verbs[] = { "enable", "disable" };
	for (size_t v = 0; v < 2; v++) {
		const struct lv_ynode *list = lv_ymap_get(svc, verbs[v]);
		for (size_t i = 0; list && list->kind == LV_YSEQ && i < list->n; i++) {
			const char *unit = lv_yscalar(list->kids[i]);
			if (unit && shell_word(unit))
				lv_buf_printf(&sh, "systemctl %s %s\n", verbs[v], unit);
		}
	}
	if (sh.len && (r = lv_assembly_sh(a, d, "services", sh.p)) < 0) {
		lv_buf_release(&sh);
		return r;
	}
	lv_buf_release(&sh);
	return 0;
}

int lv_system_files_hooks(struct lv_assembly *a, struct lv_diags *d)
{
	_cleanup_close_ int rootfd = open(a->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	/* files: overlay trees and single files, relative to the manifest */
	struct lv_file_src *fs;
	size_t nfs = lv_manifest_file_srcs(a->m, &fs);
	for (size_t i = 0; i < nfs && r >= 0; i++)
		r = copy_in(rootfd, fs[i].from, fs[i].target, fs[i].mode, d);
	lv_file_srcs_free(fs, nfs);
	if (r < 0)
		return r;

	/* hooks, in manifest order */
	const struct lv_ynode *hooks = lv_ymap_get(a->m->root, "hooks");
	for (size_t i = 0; hooks && hooks->kind == LV_YSEQ && i < hooks->n; i++) {
		const char *name = str(hooks->kids[i], "name", "unnamed"), *cmd = str(hooks->kids[i], "run", NULL);
		char what[300];
		if (!cmd)
			continue;
		snprintf(what, sizeof(what), "hook '%s'", name);
		if ((r = lv_assembly_sh(a, d, what, cmd)) < 0)
			return r;
	}
	return 0;
}
