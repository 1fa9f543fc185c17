/* Whether QEMU can use KVM here. */
#ifndef LV_KVM_H
#define LV_KVM_H

/* 1 when KVM runs guest code on this host and QEMU can set up a vCPU with
 * it, else 0 (software emulation).  LIVEC_QEMU_ACCEL=kvm|tcg overrides the
 * check.  Probed once; later calls return the first answer. */
int lv_kvm_usable(void);

#endif
