/* Scope-bound ownership (systemd's cleanup-fundamental idea): a variable
 * declared with one of these attributes is released when it goes out of
 * scope; TAKE_PTR hands ownership out.  Every destructor accepts NULL. */
#ifndef LV_CLEANUP_H
#define LV_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void lv_freep(void *p) { free(*(void **)p); }
static inline void lv_closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void lv_fclosep(FILE **f) { if (*f) fclose(*f); }
static inline void lv_closedirp(DIR **d) { if (*d) closedir(*d); }

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(lv_freep)
#define _cleanup_close_ _cleanup_(lv_closep)
#define _cleanup_fclose_ _cleanup_(lv_fclosep)
#define _cleanup_closedir_ _cleanup_(lv_closedirp)

#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })

#define LV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
