/* Where livec's runtime files are: what `livec build` puts into the image
 * and its initramfs from runtime/ (init, livec-cloopd, the media and
 * session services).  docs/runtime-contract.md lists what they read. */
#ifndef LV_RUNTIME_H
#define LV_RUNTIME_H

/* $LIVEC_RUNTIME_DIR, else the build tree's runtime/ (set by meson). */
const char *lv_runtime_dir(void);

#endif
