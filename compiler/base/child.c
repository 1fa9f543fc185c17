/* Running a program on the host (child.h).
 *
 * lv_child_start: the environment and the three streams are prepared in
 * the caller (files opened, pipes made, every descriptor above 2 and
 * close-on-exec), then one fork (or clone, for new namespaces).  The child
 * moves the streams into place, enters the directory, runs setup and execs;
 * an exec that fails sends its errno back on a close-on-exec pipe, so the
 * caller learns "cannot run" from lv_child_start, as git's start_command
 * does.  lv_child_finish: one poll loop feeds stdin, reads the output pipes,
 * watches the child through a pidfd and the clock, and stops the process
 * group when the time is up. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "cleanup.h"

extern char **environ;

#define GRACE_MS 2000          /* from SIGTERM to SIGKILL when the time is up */
#define TAIL_BYTES (64 << 10)  /* the tail is looked for in this much of the end */

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- the environment ---- */

static size_t key_len(const char *kv)
{
	return strcspn(kv, "=");
}

/* The caller's environment (or none) with c->env's changes applied; the
 * strings stay borrowed, only the array is ours. */
static int build_env(struct lv_child *c)
{
	size_t n = 0, k = 0;
	free(c->envp);
	c->envp = NULL;
	if (!c->env && !c->clear_env)
		return 0;
	for (char **e = environ; !c->clear_env && *e; e++)
		n++;
	for (const char *const *e = c->env; e && *e; e++)
		n++;
	c->envp = calloc(n + 1, sizeof(*c->envp));
	if (!c->envp)
		return -ENOMEM;
	for (char **e = environ; !c->clear_env && *e; e++)
		c->envp[k++] = *e;
	for (const char *const *e = c->env; e && *e; e++) {
		size_t kl = key_len(*e), j = 0;
		while (j < k && !(key_len(c->envp[j]) == kl && !strncmp(c->envp[j], *e, kl)))
			j++;
		if (j < k) /* drop the old value */
			memmove(&c->envp[j], &c->envp[j + 1], (k-- - j) * sizeof(*c->envp));
		if ((*e)[kl] == '=')
			c->envp[k++] = (char *)*e;
	}
	c->envp[k] = NULL;
	return 0;
}

/* ---- the streams ---- */

/* fd moved above 2, so that placing one stream never overwrites another. */
static int above_stdio(int fd)
{
	if (fd < 0 || fd > 2)
		return fd;
	int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return high;
}

/* What stream i of the child becomes (c->fds[i]) and our end of its pipe. */
static int prepare_stream(struct lv_child *c, int i)
{
	const struct lv_child_stream *s = i == 0 ? &c->in : i == 1 ? &c->out : &c->err;
	int p[2], fd = -1;
	switch (s->how) {
	case LV_CHILD_INHERIT:
	case LV_CHILD_STDOUT:
		return 0;
	case LV_CHILD_NULL:
		fd = open("/dev/null", (i ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
		break;
	case LV_CHILD_FD:
		fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 3);
		break;
	case LV_CHILD_FILE:
		fd = i ? open(s->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
		       : open(s->path, O_RDONLY | O_CLOEXEC);
		break;
	case LV_CHILD_BUFFER:
		if (pipe2(p, O_CLOEXEC) < 0)
			return -errno;
		fd = above_stdio(p[i ? 1 : 0]);
		c->pipes[i] = above_stdio(p[i ? 0 : 1]);
		if (c->pipes[i] >= 0)
			fcntl(c->pipes[i], F_SETFL, O_NONBLOCK);
		break;
	}
	c->fds[i] = above_stdio(fd);
	return c->fds[i] < 0 || (s->how == LV_CHILD_BUFFER && c->pipes[i] < 0) ? -errno : 0;
}

/* The stream whose last lines become the tail: stdout, else stderr. */
static const struct lv_child_stream *tail_stream(const struct lv_child *c, int *i)
{
	enum lv_child_how h = c->out.how;
	*i = h == LV_CHILD_FD || h == LV_CHILD_FILE || h == LV_CHILD_BUFFER ? 1 : 2;
	const struct lv_child_stream *s = *i == 1 ? &c->out : &c->err;
	return s->how == LV_CHILD_FD || s->how == LV_CHILD_FILE || s->how == LV_CHILD_BUFFER ? s : NULL;
}

/* ---- in the child ---- */

/* execvpe, but with the PATH of the environment the program gets. */
static void exec_program(const char *const *argv, char *const *envp)
{
	const char *name = argv[0], *path = NULL;
	if (strchr(name, '/')) {
		execve(name, (char *const *)argv, envp);
		return;
	}
	for (char *const *e = envp; *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			path = *e + 5;
	int err = ENOENT;
	for (const char *p = path ? path : "/usr/bin:/bin";; p++) {
		const char *end = strchrnul(p, ':');
		char file[4096];
		if (snprintf(file, sizeof(file), "%.*s%s%s", (int)(end - p), p, end > p ? "/" : "", name) <
		    (int)sizeof(file)) {
			execve(file, (char *const *)argv, envp);
			if (errno == EACCES)
				err = EACCES;
			else if (errno != ENOENT && errno != ENOTDIR)
				return;
		}
		if (!*(p = end))
			break;
	}
	errno = err;
}

static _Noreturn void child_fail(const struct lv_child *c)
{
	int e = errno;
	if (write(c->errpipe[1], &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

static int child_main(void *arg)
{
	struct lv_child *c = arg;
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (c->kill_with_parent && prctl(PR_SET_PDEATHSIG, c->death_signal ? c->death_signal : SIGTERM) < 0)
		child_fail(c);
	if (c->kill_with_parent && !c->namespaces && getppid() != c->parent)
		_exit(127); /* the caller died before the line above */
	if (!c->foreground)
		setpgid(0, 0);
	for (int i = 0; i < 3; i++)
		if (c->fds[i] >= 0 && dup2(c->fds[i], i) < 0)
			child_fail(c);
	if (c->err.how == LV_CHILD_STDOUT && dup2(1, 2) < 0)
		child_fail(c);
	if (c->dir && chdir(c->dir) < 0)
		child_fail(c);
	if (c->setup)
		c->setup(c->setup_arg);
	/* after setup: it may have changed the environment with setenv */
	exec_program(c->argv, c->envp ? c->envp : environ);
	child_fail(c);
}

/* fork, or clone into new namespaces (a stack of its own until the exec) */
static pid_t spawn(struct lv_child *c)
{
	if (!c->namespaces) {
		pid_t pid = fork();
		if (pid == 0)
			child_main(c);
		return pid;
	}
	size_t size = 1 << 20;
	char *stack = malloc(size);
	if (!stack) {
		errno = ENOMEM;
		return -1;
	}
	pid_t pid = clone(child_main, stack + size, c->namespaces | SIGCHLD, c);
	int e = errno;
	free(stack);
	errno = e;
	return pid;
}

/* ---- in the caller ---- */

static void close_all(struct lv_child *c)
{
	for (int i = 0; i < 3; i++) {
		close_fd(&c->fds[i]);
		close_fd(&c->pipes[i]);
	}
	close_fd(&c->errpipe[0]);
	close_fd(&c->errpipe[1]);
	close_fd(&c->pidfd);
}

static int prepare(struct lv_child *c)
{
	int r = build_env(c);
	for (int i = 0; i < 3 && r == 0; i++)
		r = prepare_stream(c, i);
	if (r == 0 && pipe2(c->errpipe, O_CLOEXEC) < 0)
		r = -errno;
	/* the tail is what the child adds after what is there now */
	int i;
	struct stat st;
	const struct lv_child_stream *t = tail_stream(c, &i);
	c->tail_from = 0;
	if (r == 0 && t && t->how == LV_CHILD_BUFFER && t->buf)
		c->tail_from = (long long)t->buf->len;
	else if (r == 0 && t && t->how == LV_CHILD_FD && fstat(c->fds[i], &st) == 0 && S_ISREG(st.st_mode))
		c->tail_from = st.st_size;
	return r;
}

/* After the fork: the child's ends closed (except a file whose tail we
 * read later), and the exec's outcome. */
static int after_spawn(struct lv_child *c)
{
	int tail_i, e = 0;
	const struct lv_child_stream *t = tail_stream(c, &tail_i);
	if (!c->foreground)
		setpgid(c->pid, c->pid); /* also here: a timeout may come before the child's */
	for (int i = 0; i < 3; i++)
		if (!(t && i == tail_i && t->how != LV_CHILD_BUFFER))
			close_fd(&c->fds[i]);
	close_fd(&c->errpipe[1]);
	if (c->spawned && (e = c->spawned(c->setup_arg, c->pid)) < 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
			;
		return e;
	}
	ssize_t n;
	while ((n = read(c->errpipe[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close_fd(&c->errpipe[0]);
	if (n == sizeof(e)) {
		while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
			;
		return -e;
	}
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	return 0;
}

int lv_child_start(struct lv_child *c)
{
	for (int i = 0; i < 3; i++)
		c->fds[i] = c->pipes[i] = -1;
	c->errpipe[0] = c->errpipe[1] = c->pidfd = -1;
	c->pid = 0;
	c->status = c->timed_out = c->result = 0;
	c->fed = 0;
	c->tail[0] = '\0';
	int r = prepare(c);
	if (r == 0) {
		fflush(NULL); /* nothing buffered is written twice, or late */
		c->t0 = now_ms();
		c->parent = getpid();
		c->pid = spawn(c);
		r = c->pid < 0 ? -errno : after_spawn(c);
	}
	if (r < 0) {
		close_all(c);
		c->pid = 0;
		c->result = r;
	}
	return r;
}

/* Writes what stdin can take now; closes it when all is written or the
 * child stopped reading. */
static void feed_stdin(struct lv_child *c)
{
	while (c->fed < c->in.len) {
		ssize_t n = write(c->pipes[0], c->in.data + c->fed, c->in.len - c->fed);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		c->fed += (size_t)n;
	}
	close_fd(&c->pipes[0]);
}

/* Reads what output pipe i has now; closes it at its end. */
static void drain(struct lv_child *c, int i)
{
	const struct lv_child_stream *s = i == 1 ? &c->out : &c->err;
	char buf[65536];
	for (;;) {
		ssize_t n = read(c->pipes[i], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		size_t max = s->buf && s->buf->max ? s->buf->max : (size_t)1 << 30;
		if (s->buf && s->buf->len < max) /* what fits; the rest is dropped */
			lv_buf_append(s->buf, buf, (size_t)n < max - s->buf->len ? (size_t)n : max - s->buf->len);
		if (s->feed)
			s->feed(s->arg, buf, (size_t)n);
	}
	close_fd(&c->pipes[i]);
}

static void stop(const struct lv_child *c, int sig)
{
	kill(c->foreground ? c->pid : -c->pid, sig);
}

/* Has the child exited?  Reaps it then. */
static int reaped(struct lv_child *c, int pidfd_ready)
{
	if (c->pidfd >= 0 && !pidfd_ready)
		return 0;
	pid_t w;
	while ((w = waitpid(c->pid, &c->status, c->pidfd >= 0 ? 0 : WNOHANG)) < 0 && errno == EINTR)
		;
	return w == c->pid || (w < 0 && errno == ECHILD);
}

/* One poll over stdin, stdout, stderr and the pidfd, until the child is
 * reaped; the clock stops it.  The output pipes are drained at the end. */
static void wait_loop(struct lv_child *c)
{
	long long deadline = c->timeout_s ? c->t0 + (long long)c->timeout_s * 1000 : -1;
	int killed = 0;
	for (;;) {
		struct pollfd p[4];
		int n = 0, pi[4];
		for (int i = 0; i < 3; i++)
			if (c->pipes[i] >= 0) {
				p[n] = (struct pollfd){ .fd = c->pipes[i], .events = i ? POLLIN : POLLOUT };
				pi[n++] = i;
			}
		if (c->pidfd >= 0) {
			p[n] = (struct pollfd){ .fd = c->pidfd, .events = POLLIN };
			pi[n++] = 3;
		}
		long long left = deadline < 0 ? -1 : deadline - now_ms();
		int wait_ms = deadline < 0 ? -1 : left < 0 ? 0 : left > 1 << 30 ? 1 << 30 : (int)left;
		if (c->pidfd < 0 && (wait_ms < 0 || wait_ms > 100))
			wait_ms = 100;
		if (poll(p, (nfds_t)n, wait_ms) < 0 && errno != EINTR) {
			while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		int exited = 0;
		for (int k = 0; k < n; k++) {
			if (!p[k].revents)
				continue;
			if (pi[k] == 0)
				feed_stdin(c);
			else if (pi[k] < 3)
				drain(c, pi[k]);
			else
				exited = 1;
		}
		if (reaped(c, exited))
			break;
		if (deadline >= 0 && now_ms() >= deadline) {
			c->timed_out = 1;
			stop(c, killed ? SIGKILL : SIGTERM);
			deadline = killed ? -1 : now_ms() + GRACE_MS;
			killed = 1;
		}
	}
	for (int i = 1; i < 3; i++)
		if (c->pipes[i] >= 0)
			drain(c, i);
	if (c->timed_out && !c->foreground)
		kill(-c->pid, SIGKILL); /* what is left of the group */
}

/* The end of what fd (a regular file) holds from offset `from` on,
 * appended to b.  The file is opened again for reading: the child's end
 * may be write-only. */
static void file_end(int fd, long long from, struct lv_buf *b)
{
	char self[64];
	struct stat st;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	_cleanup_close_ int rd = open(self, O_RDONLY | O_CLOEXEC);
	if (rd < 0 || fstat(rd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= from)
		return;
	if (st.st_size - from > TAIL_BYTES)
		from = st.st_size - TAIL_BYTES;
	_cleanup_free_ char *p = malloc((size_t)(st.st_size - from));
	ssize_t got = p ? pread(rd, p, (size_t)(st.st_size - from), from) : -1;
	if (got > 0)
		lv_buf_append(b, p, (size_t)got);
}

/* The last lines of the output, from the end of the buffer or file it
 * went to (only what this child added). */
static void keep_tail(struct lv_child *c)
{
	int i;
	const struct lv_child_stream *s = tail_stream(c, &i);
	struct lv_buf end = { .max = TAIL_BYTES };
	if (!c->tail_lines || !s)
		;
	else if (s->how == LV_CHILD_BUFFER && s->buf && s->buf->len > (size_t)c->tail_from) {
		size_t n = s->buf->len - (size_t)c->tail_from;
		n = n > TAIL_BYTES ? TAIL_BYTES : n;
		lv_buf_append(&end, s->buf->p + s->buf->len - n, n);
	} else if (c->fds[i] >= 0)
		file_end(c->fds[i], c->tail_from, &end);
	_cleanup_free_ char *t = lv_tail_lines(end.p ? end.p : "", end.len, c->tail_lines);
	lv_buf_release(&end);
	size_t tl = t ? strlen(t) : 0, keep = sizeof(c->tail) - 1;
	snprintf(c->tail, sizeof(c->tail), "%s", t ? t + (tl > keep ? tl - keep : 0) : "");
}

int lv_child_finish(struct lv_child *c)
{
	if (c->pid <= 0)
		return c->result;
	sigset_t pipe_sig, old;
	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	/* a child that stops reading its stdin must not kill us with SIGPIPE */
	pthread_sigmask(SIG_BLOCK, &pipe_sig, &old);
	wait_loop(c);
	struct timespec zero = { 0 };
	sigset_t pending;
	if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) && !sigismember(&old, SIGPIPE))
		sigtimedwait(&pipe_sig, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	keep_tail(c);
	close_all(c);
	c->pid = 0;
	if (c->timed_out)
		c->result = -ETIMEDOUT;
	else if (WIFSIGNALED(c->status))
		c->result = 128 + WTERMSIG(c->status);
	else
		c->result = WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -ECHILD;
	return c->result;
}

int lv_child_run(struct lv_child *c)
{
	int r = lv_child_start(c);
	return r < 0 ? r : lv_child_finish(c);
}

const char *lv_child_explain(struct lv_child *c)
{
	if (c->timed_out)
		snprintf(c->why, sizeof(c->why), "stopped after %u s (timeout)", c->timeout_s);
	else if (c->result < 0)
		snprintf(c->why, sizeof(c->why), "cannot run: %s", strerror(-c->result));
	else if (WIFSIGNALED(c->status))
		snprintf(c->why, sizeof(c->why), "killed by signal %d (%s)", WTERMSIG(c->status),
			 strsignal(WTERMSIG(c->status)));
	else
		snprintf(c->why, sizeof(c->why), "exit status %d", c->result);
	return c->why;
}

void lv_child_release(struct lv_child *c)
{
	free(c->envp);
	c->envp = NULL;
}

int lv_find_tool(const char *name, char *out, size_t n)
{
	static const char *const dirs[] = { "/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin" };
	for (size_t i = 0; i < LV_ARRAY_SIZE(dirs); i++) {
		snprintf(out, n, "%s/%s", dirs[i], name);
		if (access(out, X_OK) == 0)
			return 1;
	}
	return 0;
}

char *lv_tail_lines(const char *p, size_t n, unsigned lines)
{
	const char *q = p + n;
	unsigned seen = 0;
	while (q > p && seen <= lines)
		if (*--q == '\n')
			seen++;
	return strndup(seen > lines ? q + 1 : q, (size_t)(p + n - q) - (seen > lines));
}

/* ---- argument lists ---- */

void lv_args_push(struct lv_args *a, const char *s)
{
	if (a->err)
		return;
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		char **v = realloc(a->v, cap * sizeof(*v));
		if (!v) {
			a->err = -ENOMEM;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	if (!(a->v[a->n] = strdup(s))) {
		a->err = -ENOMEM;
		return;
	}
	a->v[++a->n] = NULL;
}

void lv_args_pushf(struct lv_args *a, const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		a->err = -ENOMEM;
		return;
	}
	lv_args_push(a, s);
	free(s);
}

void lv_args_release(struct lv_args *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	*a = (struct lv_args){ 0 };
}
