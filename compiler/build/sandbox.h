/* Running commands inside the staging root, isolated from the host.
 *
 * Each command runs in its own mount, pid, uts, ipc and network namespaces,
 * and as root of a user namespace of the image's ids (build/idmap.h: an
 * unprivileged range on the host), with the root as the root of its mount
 * namespace (pivot_root, the host's tree detached): no network (only a down loopback), a /proc of its own,
 * a minimal /dev on tmpfs (null zero full random urandom tty, fd links),
 * fresh tmpfs on /tmp and /run, hostname "livec", umask 022, without the
 * capabilities that reach the host, with no_new_privs, and a fixed
 * environment (LC_ALL=C.UTF-8, TZ=UTC, SOURCE_DATE_EPOCH,
 * DEBIAN_FRONTEND=noninteractive).  Every mount lives in the command's own
 * mount namespace and disappears with it: nothing to clean up on the host.
 * Output goes to the build log.  The process is a base/child.h child.
 *
 * livec shell uses the same sandbox on a copy-on-write view of a cached
 * tree (`lower`: an overlay whose changes go to `changes`), at the
 * terminal, with the host's network only when asked. */
#ifndef LV_SANDBOX_H
#define LV_SANDBOX_H

struct lv_sandbox {
	const char *root;        /* the staging root */
	long long epoch;         /* SOURCE_DATE_EPOCH for the commands */
	int log_fd;              /* where stdout and stderr go */
	const char *const *extra_env;  /* NULL-terminated "K=V" list, or NULL */
	const char *lower;       /* if set, `root` (an empty directory) gets an overlay of this
				    tree, read-only, with its changes in `changes` */
	const char *changes;     /* the overlay's upper/ and work/ are made here */
	int network;             /* the host's network namespace (livec shell --network) */
	int interactive;         /* at the terminal: stdio inherited, livec ignores ^C meanwhile */
};

/* Runs argv (argv[0] looked up in the root's PATH).  Returns the exit
 * status (0..255), 128+signal, or a negative error when it could not run. */
int lv_sandbox_run(const struct lv_sandbox *sb, const char *const *argv);

#endif
