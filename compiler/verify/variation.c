/* Build variations and the build's record of them (variation.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "verify/variation.h"

const char *const lv_vary_names[LV_VARY_N] = {
	[LV_VARY_PATH] = "path",       [LV_VARY_TIME] = "time",         [LV_VARY_TZ] = "tz",
	[LV_VARY_LOCALE] = "locale",   [LV_VARY_UMASK] = "umask",       [LV_VARY_HOSTNAME] = "hostname",
	[LV_VARY_HOME] = "home",       [LV_VARY_CPUS] = "cpus",         [LV_VARY_DIRORDER] = "dir-order",
};

int lv_vary_parse(const char *list, unsigned *mask, struct lv_diags *d)
{
	_cleanup_free_ char *copy = strdup(list);
	char *save = NULL;
	int r = 0;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t k = 0;
		while (k < LV_VARY_N && strcmp(w, lv_vary_names[k]))
			k++;
		if (k == LV_VARY_N) {
			const char *best = lv_closest(w, lv_vary_names, LV_VARY_N);
			lv_error(d, "unknown variation '%s'%s%s%s (known: path, time, tz, locale, umask, "
				    "hostname, home, cpus, dir-order)", w, best ? "; did you mean '" : "",
				 best ? best : "", best ? "'?" : "");
			r = -LVE_USAGE;
			continue;
		}
		*mask |= 1u << k;
	}
	return r;
}

const char *lv_faketime_lib(void)
{
	static const char *const candidates[] = {
		"/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
		"/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
		"/usr/lib/faketime/libfaketime.so.1",
	};
	for (size_t i = 0; i < LV_ARRAY_SIZE(candidates); i++)
		if (access(candidates[i], R_OK) == 0)
			return candidates[i];
	return NULL;
}

static void set_or_unset(const char *name, const char *value)
{
	if (value)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

void lv_build_env_apply(void *arg)
{
	const struct lv_build_env *e = arg;
	if (e->hostname || e->domainname) {
		if (unshare(CLONE_NEWUTS) < 0 ||
		    (e->hostname && sethostname(e->hostname, strlen(e->hostname)) < 0) ||
		    (e->domainname && setdomainname(e->domainname, strlen(e->domainname)) < 0)) {
			fprintf(stderr, "livec verify: cannot set the host name: %s\n", strerror(errno));
			_exit(127);
		}
	}
	if (e->one_cpu) {
		cpu_set_t set;
		if (sched_getaffinity(0, sizeof(set), &set) == 0) {
			int first = 0;
			while (first < CPU_SETSIZE && !CPU_ISSET(first, &set))
				first++;
			CPU_ZERO(&set);
			CPU_SET(first, &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
	}
	if (e->cwd && chdir(e->cwd) < 0) {
		fprintf(stderr, "livec verify: cannot enter '%s': %s\n", e->cwd, strerror(errno));
		_exit(127);
	}
	set_or_unset("HOME", e->home);
	set_or_unset("TZ", e->tz);
	set_or_unset("LC_ALL", e->lc_all);
	set_or_unset("LANG", e->lang);
	const char *lib = e->faketime ? lv_faketime_lib() : NULL;
	set_or_unset("LD_PRELOAD", lib);
	set_or_unset("FAKETIME", lib ? e->faketime : NULL);
	umask(e->umask);
}

int lv_variation_record(const char *path, const char *manifest, unsigned jobs, struct lv_diags *d)
{
	struct lv_buf b = { 0 };
	struct utsname u;
	char cwd[4096] = "", domain[256] = "";
	cpu_set_t set;
	mode_t um = umask(0);
	umask(um);
	uname(&u);
	if (getdomainname(domain, sizeof(domain) - 1) < 0)
		domain[0] = '\0';
	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	int cpus = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 0;
	const char *tz = getenv("TZ"), *lc = getenv("LC_ALL"), *lang = getenv("LANG"), *home = getenv("HOME");

	lv_buf_printf(&b, "time %lld\n", (long long)time(NULL));
	lv_buf_printf(&b, "tz %s\n", tz ? tz : "(unset)");
	lv_buf_printf(&b, "locale LC_ALL=%s LANG=%s\n", lc ? lc : "", lang ? lang : "");
	lv_buf_printf(&b, "umask %04o\n", (unsigned)um);
	lv_buf_printf(&b, "hostname %s %s\n", u.nodename, domain);
	lv_buf_printf(&b, "home %s\n", home ? home : "(unset)");
	lv_buf_printf(&b, "cwd %s\n", cwd);
	lv_buf_printf(&b, "cpus %d\n", cpus);
	lv_buf_printf(&b, "jobs %u\n", jobs);
	/* the order the manifest's directory lists in, as readdir gives it */
	_cleanup_free_ char *dir = lv_dirname(manifest ? manifest : ".");
	DIR *dh = opendir(dir);
	lv_buf_printf(&b, "dir-order");
	for (struct dirent *e; dh && (e = readdir(dh));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			lv_buf_printf(&b, " %s", e->d_name);
	lv_buf_printf(&b, "\n");
	if (dh)
		closedir(dh);
	int r = lv_write_atomic(path, b.p, b.len);
	if (r < 0)
		lv_error(d, "cannot write the build record '%s': %s", path, lv_strerror(r));
	lv_buf_release(&b);
	return r;
}
