/* The one clock.  Every timestamp livec writes into an output comes from
 * here: $SOURCE_DATE_EPOCH when set, else the lockfile's source-date-epoch
 * (the newest pinned Release Date).  time() never reaches an output. */
#ifndef LV_CLOCK_H
#define LV_CLOCK_H

long long lv_clock_epoch(long long lock_epoch);
/* "2025-05-10T09:43:39Z" into out (21 bytes). */
void lv_clock_iso8601(long long epoch, char out[21]);

#endif
