/* A small client of QEMU's machine protocol (QMP) on a unix socket: one
 * command at a time, the reply awaited, events skipped. */
#ifndef LV_QMP_H
#define LV_QMP_H

#include <stddef.h>
#include <stdio.h>

#include "base/diag.h"

struct lv_qmp {
	FILE *f;
	char why[512];   /* what went wrong with the last exchange */
};

/* Connects to the socket, reads QEMU's greeting and enters command mode.
 * 0, or -1 with the reason in q->why. */
int lv_qmp_open(struct lv_qmp *q, const char *sock);

/* Sends one command (a JSON object) and waits for its reply.  0 on a
 * "return", -1 on an "error" (its text in q->why) or a closed socket. */
int lv_qmp_execute(struct lv_qmp *q, const char *json);

void lv_qmp_close(struct lv_qmp *q);

/* Saves the screen of the QEMU behind sock as the PNG png (atomically),
 * then tells QEMU to quit.  0, or -LVE_BUILD (diagnosed). */
int lv_qmp_screendump(const char *sock, const char *png, struct lv_diags *d);

#endif
