/* Ctrl-C during a long verb (interrupt.h). */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>

#include "interrupt.h"

static volatile sig_atomic_t caught;
static volatile pid_t target;

static void on_signal(int sig)
{
	caught = sig;
	if (target > 0)
		kill(-target, SIGKILL);
}

void lv_interrupt_setup(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND; /* a second one: the default action */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int lv_interrupted(void)
{
	return caught;
}

void lv_interrupt_target(pid_t pgid)
{
	target = pgid;
	if (pgid > 0 && caught)
		kill(-pgid, SIGKILL);
}
