/* What `livec verify` varies between its two builds, in the spirit of
 * reprotest: how each variation is applied to a build process, and how a
 * build records what it saw of its host (so a test can show that every
 * variation really reached the build). */
#ifndef LV_VARIATION_H
#define LV_VARIATION_H

#include <sys/types.h>

#include "base/diag.h"

enum lv_vary {
	LV_VARY_PATH,      /* build directory, and the length of its path */
	LV_VARY_TIME,      /* the wall clock, a day and more apart (libfaketime) */
	LV_VARY_TZ,
	LV_VARY_LOCALE,    /* LC_ALL, LANG */
	LV_VARY_UMASK,
	LV_VARY_HOSTNAME,  /* host and domain name (UTS namespace) */
	LV_VARY_HOME,
	LV_VARY_CPUS,      /* CPUs the build may use (affinity and -j) */
	LV_VARY_DIRORDER,  /* readdir order of the manifest's directory (disorderfs) */
	LV_VARY_N
};

extern const char *const lv_vary_names[LV_VARY_N];

/* Parses a comma-separated list of variation names into a bit mask. */
int lv_vary_parse(const char *list, unsigned *mask, struct lv_diags *d);

/* The environment one build runs in. */
struct lv_build_env {
	const char *cwd, *home, *tz, *lc_all, *lang;
	mode_t umask;
	const char *hostname, *domainname; /* NULL: the host's (no UTS namespace) */
	const char *faketime;              /* libfaketime offset ("+1d"), or NULL */
	int one_cpu;                       /* pin the build to one CPU */
};

/* The libfaketime library, or NULL when it is not installed. */
const char *lv_faketime_lib(void);

/* Makes the calling process (a child about to exec a build) run in the
 * lv_build_env `arg`: a setup function for lv_child (base/child.h).  Exits the
 * process when the host name cannot be set or the directory entered. */
void lv_build_env_apply(void *arg);

/* Writes what this process sees of its host to path ("key value" lines):
 * time, tz, locale, umask, hostname (and domain name), home, cwd, cpus, jobs and
 * the readdir order of the manifest's directory. */
int lv_variation_record(const char *path, const char *manifest, unsigned jobs, struct lv_diags *d);

#endif
