/* Progress for long work.  On a terminal: one line redrawn in place; not on a
 * terminal: nothing but the stage lines main.c prints.  main.c configures it
 * once; stages report counts, never text of their own. */
#ifndef LV_PROGRESS_H
#define LV_PROGRESS_H

#include <stdint.h>

void lv_progress_setup(int enabled);
/* Reports `done` of `total` (bytes, or items when total_items is set). */
void lv_progress_bytes(const char *what, uint64_t done, uint64_t total, unsigned files_done,
		       unsigned files_total);
void lv_progress_done(void);

#endif
