/* One error space for livec.
 *
 * Functions that can fail return 0 on success or a negative code: either a
 * negative errno or a negative LVE_* value below.  Codes are never renumbered;
 * new ones are appended.  lv_strerror() gives every code its message. */
#ifndef LV_ERR_H
#define LV_ERR_H

enum lv_err {
	LVE_BASE = 1000,
	LVE_MANIFEST,     /* the manifest has errors (diagnostics recorded) */
	LVE_USAGE,        /* bad command line */
	LVE_NET,          /* download failed */
	LVE_SIGNATURE,    /* InRelease signature not valid or not from an allowed key */
	LVE_HASH,         /* content does not match its expected hash or size */
	LVE_PARSE,        /* malformed repository metadata or lockfile */
	LVE_UNKNOWN_PKG,  /* a requested package does not exist */
	LVE_UNSAT,        /* the request cannot be satisfied */
	LVE_SOLV,         /* libsolv failed */
	LVE_STALE,        /* lockfile does not match the manifest */
	LVE_NOLOCK,       /* there is no lockfile */
	LVE_MISSING,      /* a locked file is gone from the mirror */
	LVE_TOOBIG,       /* input exceeds its hard limit */
	LVE_GPGV,         /* gpgv could not be run */
	LVE_ARCHIVE,      /* libarchive failed */
	LVE_NOMIRROR,     /* no mirror configured anywhere */
	LVE_POLICY,       /* the license policy is violated */
	LVE_BUILD,        /* a build step failed (diagnosed) */
	LVE_DIFFERS,      /* builds or checksums differ (verify, --check-against) */
	LVE_DEVICE,       /* a package's device node: never made on the build host */
	LVE_LAST
};

const char *lv_strerror(int code);

#endif
