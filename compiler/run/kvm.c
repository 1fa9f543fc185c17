/* The KVM probe (kvm.h).  KVM "works" when it runs guest code: a one-page
 * real-mode guest that executes `hlt` must come back with KVM_EXIT_HLT.
 * (An openable /dev/kvm is not enough: nested setups fail later, at the
 * first vCPU register write.)  Then QEMU itself must get that far: a
 * paused QEMU still alive after a second, rather than aborting at once. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/child.h"
#include "run/kvm.h"

/* Runs `hlt` in a vCPU of the VM vm on the page mem; 1 if it came back so. */
static int runs_hlt(int kvm, int vm, unsigned char *mem)
{
	mem[0] = 0xf4; /* hlt */
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0x1000, .memory_size = 0x1000, .userspace_addr = (unsigned long)mem };
	int vcpu = ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0 ? -1 : ioctl(vm, KVM_CREATE_VCPU, 0UL);
	int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL), ok = 0;
	struct kvm_run *run = vcpu >= 0 && size > 0
		? mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0) : MAP_FAILED;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0x1000, .rflags = 2 };
	if (run != MAP_FAILED && ioctl(vcpu, KVM_GET_SREGS, &sregs) == 0) {
		sregs.cs.base = 0;
		sregs.cs.selector = 0;
		ok = ioctl(vcpu, KVM_SET_SREGS, &sregs) == 0 && ioctl(vcpu, KVM_SET_REGS, &regs) == 0 &&
		     ioctl(vcpu, KVM_RUN, NULL) == 0 && run->exit_reason == KVM_EXIT_HLT;
	}
	if (run != MAP_FAILED)
		munmap(run, (size_t)size);
	if (vcpu >= 0)
		close(vcpu);
	return ok;
}

static int kernel_runs_guests(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), ok = 0;
	if (kvm < 0)
		return 0;
	int vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	unsigned char *mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (vm >= 0 && mem != MAP_FAILED)
		ok = runs_hlt(kvm, vm, mem);
	if (mem != MAP_FAILED)
		munmap(mem, 0x1000);
	if (vm >= 0)
		close(vm);
	close(kvm);
	return ok;
}

static int qemu_gets_a_vcpu(void)
{
	const char *argv[] = { "qemu-system-x86_64", "-accel", "kvm", "-cpu", "host", "-display", "none",
			       "-nodefaults", "-S", "-monitor", "none", "-m", "64", NULL };
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_NULL }, .out = { LV_CHILD_NULL },
			      .err = { LV_CHILD_NULL }, .timeout_s = 1 };
	int r = lv_child_run(&c);
	lv_child_release(&c);
	return r == -ETIMEDOUT; /* still running, paused, when the second was up */
}

int lv_kvm_usable(void)
{
	static int cached = -1;
	if (cached >= 0)
		return cached;
	const char *force = getenv("LIVEC_QEMU_ACCEL");
	if (force && *force)
		return cached = !strcmp(force, "kvm");
	return cached = kernel_runs_guests() && qemu_gets_a_vcpu();
}
