/* The one clock (clock.h). */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

long long lv_clock_epoch(long long lock_epoch)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	if (s && *s) {
		char *end;
		long long v = strtoll(s, &end, 10);
		if (!*end && v >= 0)
			return v;
	}
	return lock_epoch;
}

void lv_clock_iso8601(long long epoch, char out[21])
{
	time_t t = (time_t)epoch;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
