/* Debian version comparison (Policy §5.6.12, dpkg's verrevcmp). */
#ifndef LV_DEBVER_H
#define LV_DEBVER_H

/* <0, 0, >0 as a is older than, equal to, newer than b. */
int lv_debver_cmp(const char *a, const char *b);

#endif
