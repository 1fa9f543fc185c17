/* Running helper programs (subprocess.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "subprocess.h"

int lv_spawn(char *const argv[], void (*setup)(void *arg), void *arg, int log_fd, unsigned timeout_s)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setpgid(0, 0); /* a timeout kills the whole group */
		dup2(log_fd, 1);
		dup2(log_fd, 2);
		if (setup)
			setup(arg);
		execv(argv[0], argv);
		dprintf(log_fd, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int status;
	time_t until = timeout_s ? time(NULL) + timeout_s : 0;
	for (;;) {
		pid_t w = waitpid(pid, &status, timeout_s ? WNOHANG : 0);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (timeout_s && time(NULL) >= until) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		if (timeout_s)
			usleep(200 * 1000);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

int lv_find_tool(const char *name, char *out, unsigned long n)
{
	static const char *const dirs[] = { "/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin" };
	for (size_t i = 0; i < LV_ARRAY_SIZE(dirs); i++) {
		snprintf(out, n, "%s/%s", dirs[i], name);
		if (access(out, X_OK) == 0)
			return 1;
	}
	return 0;
}
