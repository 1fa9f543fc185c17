/* Ctrl-C and friends during a long verb.
 *
 * The first SIGINT, SIGTERM or SIGHUP is noted and kills the child that
 * was registered as the one to stop (the build's sandbox); the verb sees
 * lv_interrupted() between its steps, stops there and cleans up what it
 * made, as on any error.  A second signal ends livec at once (the default
 * action); what it leaves, a later run removes. */
#ifndef LV_INTERRUPT_H
#define LV_INTERRUPT_H

#include <sys/types.h>

void lv_interrupt_setup(void);
/* The signal that asked livec to stop, or 0. */
int lv_interrupted(void);
/* The process group to kill (SIGKILL) on an interrupt, or 0 for none. */
void lv_interrupt_target(pid_t pgid);

#endif
