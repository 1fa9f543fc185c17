/* For the unit tests (include after cmocka.h): asserts that two files
 * hold the same bytes; names files in a test's scratch directory. */
#ifndef LV_TEST_FILES_EQUAL_H
#define LV_TEST_FILES_EQUAL_H

#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/fsutil.h"

static inline void assert_files_equal(const char *x, const char *y)
{
	struct lv_buf a = { .max = 1u << 30 }, b = { .max = 1u << 30 };
	assert_int_equal(lv_read_file(x, &a), 0);
	assert_int_equal(lv_read_file(y, &b), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.p, b.p, a.len);
	lv_buf_release(&a);
	lv_buf_release(&b);
}

/* The scratch directory (a mkdtemp template), made and removed. */
static inline int scratch_make(char *dir)
{
	return mkdtemp(dir) ? 0 : -1;
}

static inline int scratch_remove(const char *dir)
{
	lv_remove_tree(dir);
	return 0;
}

/* DIR/NAME, from a ring of four buffers: one call may take several. */
static inline char *scratch_path(const char *dir, const char *name)
{
	static char p[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

#endif
