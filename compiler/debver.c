/* Debian version comparison.
 *
 * [epoch:]upstream[-revision]; epochs compare numerically; upstream and
 * revision compare by alternating non-digit and digit runs, where in the
 * non-digit runs '~' sorts before everything (even the end of the string),
 * letters sort before non-letters, and digit runs compare as numbers. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "debver.h"

static int order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

/* Compares [a, ae) with [b, be). */
static int verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		int diff = 0;
		while ((a < ae && !isdigit((unsigned char)*a)) || (b < be && !isdigit((unsigned char)*b))) {
			int ac = a < ae ? order((unsigned char)*a) : 0;
			int bc = b < be ? order((unsigned char)*b) : 0;
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && isdigit((unsigned char)*a) && b < be && isdigit((unsigned char)*b)) {
			if (!diff)
				diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && isdigit((unsigned char)*a))
			return 1;
		if (b < be && isdigit((unsigned char)*b))
			return -1;
		if (diff)
			return diff;
	}
	return 0;
}

struct ver {
	unsigned long epoch;
	const char *up, *up_end, *rev, *rev_end;
};

static void split(const char *s, struct ver *v)
{
	const char *colon = strchr(s, ':');
	v->epoch = 0;
	if (colon) {
		v->epoch = strtoul(s, NULL, 10);
		s = colon + 1;
	}
	const char *end = s + strlen(s);
	const char *dash = strrchr(s, '-');
	v->up = s;
	if (dash) {
		v->up_end = dash;
		v->rev = dash + 1;
		v->rev_end = end;
	} else {
		v->up_end = end;
		v->rev = v->rev_end = end;
	}
}

int lv_debver_cmp(const char *a, const char *b)
{
	struct ver va, vb;
	split(a, &va);
	split(b, &vb);
	if (va.epoch != vb.epoch)
		return va.epoch < vb.epoch ? -1 : 1;
	int r = verrevcmp(va.up, va.up_end, vb.up, vb.up_end);
	if (r)
		return r;
	return verrevcmp(va.rev, va.rev_end, vb.rev, vb.rev_end);
}
