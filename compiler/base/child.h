/* Running a program on the host: the one way livec does it (git's struct
 * child_process, in livec's words).
 *
 * A struct lv_child describes the program: its argv, its environment (the
 * caller's with changes, or only the given one), its working directory,
 * where each of its three standard streams comes from or goes to, a
 * timeout, and how many lines of its output to keep for an error message.
 * lv_child_start() starts it, lv_child_finish() feeds its stdin, collects
 * its output, enforces the timeout and waits; lv_child_run() does both.
 *
 *   struct lv_child c = { .argv = argv, .in = { LV_CHILD_NULL },
 *                         .out = { LV_CHILD_FILE, .path = log }, .err = { LV_CHILD_STDOUT },
 *                         .timeout_s = 60, .tail_lines = 10 };
 *   int st = lv_child_run(&c);
 *   if (st != 0)
 *           lv_error(d, "tool failed (%s):\n%s", lv_child_explain(&c), c.tail);
 *   lv_child_release(&c);
 *
 * The child runs in its own process group (a timeout kills the whole
 * group: SIGTERM, then SIGKILL two seconds later), unless .foreground keeps
 * it in the caller's (a program on the terminal, such as QEMU's console).
 * Nothing here prints: the results are the return value, c->status and
 * c->tail. */
#ifndef LV_CHILD_H
#define LV_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* Where one standard stream of the child comes from or goes to. */
enum lv_child_how {
	LV_CHILD_INHERIT = 0, /* the caller's own stream (the default) */
	LV_CHILD_NULL,        /* /dev/null */
	LV_CHILD_FD,          /* .fd, a descriptor of the caller's (left open) */
	LV_CHILD_FILE,        /* .path: read (stdin), or created and truncated (output) */
	LV_CHILD_BUFFER,      /* stdin: .data/.len; output: captured (.buf and/or .feed) */
	LV_CHILD_STDOUT,      /* stderr only: wherever stdout goes (2>&1) */
};

struct lv_child_stream {
	enum lv_child_how how;
	int fd;                     /* LV_CHILD_FD */
	const char *path;           /* LV_CHILD_FILE */
	const char *data;           /* LV_CHILD_BUFFER, stdin: the bytes fed to it */
	size_t len;
	struct lv_buf *buf;         /* LV_CHILD_BUFFER, output: appended to (its max bounds
				     * it; what does not fit is read and dropped), or NULL */
	void (*feed)(void *arg, const char *p, size_t n); /* LV_CHILD_BUFFER, output: called
				     * with each piece as it arrives, or NULL */
	void *arg;
};

struct lv_child {
	/* the description, set by the caller */
	const char *const *argv;    /* argv[0] a path, or a name looked up in the PATH
				     * of the child's environment */
	const char *const *env;     /* NULL-terminated changes: "K=V" sets K, "K" unsets it */
	int clear_env;              /* start from an empty environment, not the caller's */
	const char *dir;            /* working directory, or NULL for the caller's */
	struct lv_child_stream in, out, err;
	unsigned timeout_s;         /* 0: no limit; else stopped and reported as a timeout */
	int foreground;             /* stay in the caller's process group (the terminal) */
	int kill_with_parent;       /* a signal when the caller dies (PR_SET_PDEATHSIG) */
	int death_signal;           /* that signal: 0 is SIGTERM (a pid namespace's pid 1
				     * ignores it: SIGKILL there) */
	int namespaces;             /* CLONE_NEW* flags: the child starts in new namespaces
				     * (CLONE_NEWPID: it is pid 1 there) */
	void (*setup)(void *arg);   /* run in the child after the streams and directory are
				     * set, before the exec (e.g. chroot); may _exit(127) */
	void *setup_arg;
	int (*spawned)(void *arg, pid_t pid); /* run in the caller as soon as the child
				     * exists, before it can exec (e.g. writing the id maps
				     * of its user namespace, which setup waits for); an
				     * error kills the child and is lv_child_start's */
	unsigned tail_lines;        /* keep this many last lines of output in .tail */

	/* results */
	pid_t pid;                  /* set by lv_child_start */
	int status;                 /* the wait status, once finished */
	int timed_out;
	int result;                 /* what lv_child_finish returned */
	char tail[4096];            /* the last tail_lines lines the child wrote to stdout
				     * (or, when stdout is not kept, stderr), read from
				     * the file or buffer it went to: at most the last
				     * 4095 bytes of them; "" when none */

	/* private */
	int fds[3];                 /* what the child's 0, 1, 2 become; -1: inherited */
	int pipes[3];               /* our ends of the stdin/stdout/stderr pipes, or -1 */
	int errpipe[2];             /* the exec's errno comes back on it */
	int pidfd;                  /* readable when the child exits, or -1 */
	long long t0;               /* when it started (CLOCK_MONOTONIC, ms) */
	pid_t parent;               /* the caller's pid */
	long long tail_from;        /* where the child's output starts in its file or buffer */
	char **envp;                /* the child's environment when changed (owned) */
	size_t fed;                 /* bytes of in.data written so far */
	char why[96];
};

/* Starts the program.  0, or a negative errno when it cannot run (not
 * found, not executable, the directory cannot be entered, a file cannot be
 * opened); nothing is left running then. */
int lv_child_start(struct lv_child *c);

/* Feeds stdin, captures output, enforces the timeout, waits.  Returns the
 * exit status (0..255), 128 + the signal when a signal killed it,
 * -ETIMEDOUT when it outlived the timeout (its process group was killed),
 * or a negative errno. */
int lv_child_finish(struct lv_child *c);

/* lv_child_start, then lv_child_finish: the same returns. */
int lv_child_run(struct lv_child *c);

/* What happened, for a message: "exit status 2", "killed by signal 9
 * (Killed)", "stopped after 60 s (timeout)", "cannot run: No such file or
 * directory".  Borrowed from c. */
const char *lv_child_explain(struct lv_child *c);

/* Frees what c owns (its copy of the environment); the results (status,
 * tail, lv_child_explain) stay readable.  A started child is finished
 * first. */
void lv_child_release(struct lv_child *c);

/* The program `name` in the usual bin directories, into out; 1 if found. */
int lv_find_tool(const char *name, char *out, size_t n);

/* The last `lines` lines of p[0..n) (malloc'd, NUL-terminated). */
char *lv_tail_lines(const char *p, size_t n, unsigned lines);

/* An argument list (git's strvec): NULL-terminated, every string owned.
 * A failed allocation is remembered in err and later pushes do nothing. */
struct lv_args {
	char **v;
	size_t n, cap;
	int err;                    /* 0, or -ENOMEM */
};
void lv_args_push(struct lv_args *a, const char *s);
void lv_args_pushf(struct lv_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lv_args_release(struct lv_args *a);

#endif
