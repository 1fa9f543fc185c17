/* Terminal progress line (progress.h).  Redraws at most ten times a second. */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>

#include "progress.h"

static int enabled;
static int drawn;
static struct timespec last;

void lv_progress_setup(int on)
{
	enabled = on;
}

void lv_progress_bytes(const char *what, uint64_t done, uint64_t total, unsigned files_done,
		       unsigned files_total)
{
	struct timespec now;

	if (!enabled)
		return;
	/* Progress display timing only; never reaches an output file. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000;
	if (drawn && ms < 100 && files_done < files_total)
		return;
	last = now;
	drawn = 1;
	if (total)
		fprintf(stderr, "\r\033[K%s: %u/%u files, %.1f/%.1f MiB (%d%%)", what, files_done,
			files_total, done / 1048576.0, total / 1048576.0, (int)(done * 100 / total));
	else
		fprintf(stderr, "\r\033[K%s: %u/%u files, %.1f MiB", what, files_done, files_total,
			done / 1048576.0);
	fflush(stderr);
}

void lv_progress_done(void)
{
	if (enabled && drawn)
		fprintf(stderr, "\r\033[K");
	drawn = 0;
}
