/* Where livec's runtime files are (runtime.h). */
#include <stdlib.h>

#include "build/runtime.h"

const char *lv_runtime_dir(void)
{
	const char *e = getenv("LIVEC_RUNTIME_DIR");
	return e && *e ? e : LIVEC_RUNTIME_DIR;
}
