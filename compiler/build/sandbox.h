/* Running commands inside the staging root, isolated from the host.
 *
 * Each command runs chrooted into the root in its own mount, pid, uts, ipc
 * and network namespaces: no network (only a down loopback), a private
 * /proc, a minimal /dev on tmpfs (null zero full random urandom tty, fd
 * links), fresh tmpfs on /tmp and /run, hostname "livec", umask 022, and a
 * fixed environment (LC_ALL=C.UTF-8, TZ=UTC, SOURCE_DATE_EPOCH,
 * DEBIAN_FRONTEND=noninteractive).  Every mount lives in the command's own
 * mount namespace and disappears with it: nothing to clean up on the host.
 * Output goes to the build log.  The process is a base/child.h child. */
#ifndef LV_SANDBOX_H
#define LV_SANDBOX_H

struct lv_sandbox {
	const char *root;        /* the staging root */
	long long epoch;         /* SOURCE_DATE_EPOCH for the commands */
	int log_fd;              /* where stdout and stderr go */
	const char *const *extra_env;  /* NULL-terminated "K=V" list, or NULL */
};

/* Runs argv (argv[0] looked up in the root's PATH).  Returns the exit
 * status (0..255), 128+signal, or a negative error when it could not run. */
int lv_sandbox_run(const struct lv_sandbox *sb, const char *const *argv);

#endif
