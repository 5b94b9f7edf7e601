/* ctl-kvm: the KVM probe behind `host check`'s kvm line. */
#include "ctl-kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ctl-util.h"

#define GUEST_ADDR 0x1000
#define GUEST_SIZE 0x1000
#define GUEST_PORT 0x10
#define GUEST_VALUE 0x2a
/* A broken KVM may never come back from KVM_RUN; a timer signal makes it
 * return EINTR instead of hanging the operator's check. */
#define RUN_TIMEOUT_S 5

typedef struct {
    int kvm, vm, vcpu;
    void *mem;
    struct kvm_run *run;
    size_t run_size;
    timer_t timer;
    gboolean have_timer;
    struct sigaction old_action;
} Probe;

static void
kvm_probe_clear(Probe *p)
{
    if (p->have_timer) {
        timer_delete(p->timer);
        sigaction(SIGALRM, &p->old_action, NULL);
    }
    if (p->run != NULL)
        munmap(p->run, p->run_size);
    if (p->mem != NULL)
        munmap(p->mem, GUEST_SIZE);
    if (p->vcpu >= 0)
        close(p->vcpu);
    if (p->vm >= 0)
        close(p->vm);
    if (p->kvm >= 0)
        close(p->kvm);
}

static gboolean
kvm_fail_errno(GError **error, int err, const char *what)
{
    g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "%s: %s", what, g_strerror(err));
    return FALSE;
}

static void
kvm_on_alarm(G_GNUC_UNUSED int sig)
{
}

static gboolean
kvm_arm_timer(Probe *p, GError **error)
{
    struct sigaction sa = { .sa_handler = kvm_on_alarm };
    struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
    struct itimerspec when = { .it_value = { .tv_sec = RUN_TIMEOUT_S } };

    sigemptyset(&sa.sa_mask);   /* no SA_RESTART: KVM_RUN must return */
    if (sigaction(SIGALRM, &sa, &p->old_action) < 0)
        return kvm_fail_errno(error, errno, "cannot install a SIGALRM handler");
    if (timer_create(CLOCK_MONOTONIC, &ev, &p->timer) < 0) {
        int err = errno;
        sigaction(SIGALRM, &p->old_action, NULL);
        return kvm_fail_errno(error, err, "cannot create a timer");
    }
    p->have_timer = TRUE;
    if (timer_settime(p->timer, 0, &when, NULL) < 0)
        return kvm_fail_errno(error, errno, "cannot arm a timer");
    return TRUE;
}

static gboolean
kvm_setup_vm(Probe *p, const char *device, int *api, GError **error)
{
    static const guint8 code[] = { 0xb0, GUEST_VALUE, 0xe6, GUEST_PORT, 0xf4 };
    struct kvm_userspace_memory_region region = { 0 };
    int mmap_size;

    p->kvm = open(device, O_RDWR | O_CLOEXEC);
    if (p->kvm < 0) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "cannot open %s: %s", device, g_strerror(errno));
        return FALSE;
    }
    *api = ioctl(p->kvm, KVM_GET_API_VERSION, 0);
    if (*api < 0)
        return kvm_fail_errno(error, errno, "KVM_GET_API_VERSION failed");
    if (*api != GH_CTL_KVM_API_VERSION) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "KVM API version %d, expected %d", *api,
                    GH_CTL_KVM_API_VERSION);
        return FALSE;
    }
    p->vm = ioctl(p->kvm, KVM_CREATE_VM, 0);
    if (p->vm < 0)
        return kvm_fail_errno(error, errno, "KVM_CREATE_VM failed");
    p->mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p->mem == MAP_FAILED) {
        p->mem = NULL;
        return kvm_fail_errno(error, errno, "cannot map guest memory");
    }
    memcpy(p->mem, code, sizeof code);
    region.slot = 0;
    region.guest_phys_addr = GUEST_ADDR;
    region.memory_size = GUEST_SIZE;
    region.userspace_addr = (guint64) (guintptr) p->mem;
    if (ioctl(p->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return kvm_fail_errno(error, errno, "KVM_SET_USER_MEMORY_REGION failed");
    p->vcpu = ioctl(p->vm, KVM_CREATE_VCPU, 0);
    if (p->vcpu < 0)
        return kvm_fail_errno(error, errno, "KVM_CREATE_VCPU failed");
    mmap_size = ioctl(p->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (mmap_size < (int) sizeof *p->run)
        return kvm_fail_errno(error, mmap_size < 0 ? errno : EINVAL, "KVM_GET_VCPU_MMAP_SIZE failed");
    p->run = mmap(NULL, (size_t) mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->vcpu, 0);
    if (p->run == MAP_FAILED) {
        p->run = NULL;
        return kvm_fail_errno(error, errno, "cannot map the vCPU's kvm_run");
    }
    p->run_size = (size_t) mmap_size;
    return TRUE;
}

static gboolean
kvm_setup_vcpu(Probe *p, GError **error)
{
    struct kvm_sregs sregs;
    struct kvm_regs regs = { 0 };

    if (ioctl(p->vcpu, KVM_GET_SREGS, &sregs) < 0)
        return kvm_fail_errno(error, errno, "KVM_GET_SREGS failed");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(p->vcpu, KVM_SET_SREGS, &sregs) < 0)
        return kvm_fail_errno(error, errno, "KVM_SET_SREGS failed");
    regs.rip = GUEST_ADDR;
    regs.rflags = 0x2;   /* bit 1 is reserved and must be set */
    if (ioctl(p->vcpu, KVM_SET_REGS, &regs) < 0)
        return kvm_fail_errno(error, errno, "KVM_SET_REGS failed");
    return TRUE;
}

static const char *
kvm_exit_name(guint32 reason)
{
    switch (reason) {
    case KVM_EXIT_UNKNOWN: return "KVM_EXIT_UNKNOWN";
    case KVM_EXIT_EXCEPTION: return "KVM_EXIT_EXCEPTION";
    case KVM_EXIT_IO: return "KVM_EXIT_IO";
    case KVM_EXIT_HLT: return "KVM_EXIT_HLT";
    case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
    case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN (triple fault)";
    case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
    case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
    default: return NULL;
    }
}

static gboolean
kvm_run_once(Probe *p, guint32 expected, GError **error)
{
    const char *name;

    if (ioctl(p->vcpu, KVM_RUN, 0) < 0) {
        if (errno == EINTR) {
            g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                        "KVM_RUN did not return within %d s", RUN_TIMEOUT_S);
            return FALSE;
        }
        return kvm_fail_errno(error, errno, "KVM_RUN failed");
    }
    if (p->run->exit_reason == expected)
        return TRUE;
    name = kvm_exit_name(p->run->exit_reason);
    if (p->run->exit_reason == KVM_EXIT_FAIL_ENTRY)
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                    "KVM_RUN: the test guest exited with KVM_EXIT_FAIL_ENTRY (hardware reason 0x%llx), expected %s",
                    (unsigned long long) p->run->fail_entry.hardware_entry_failure_reason, kvm_exit_name(expected));
    else if (name != NULL)
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "KVM_RUN: the test guest exited with %s, expected %s",
                    name, kvm_exit_name(expected));
    else
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                    "KVM_RUN: the test guest exited with reason %u, expected %s", p->run->exit_reason,
                    kvm_exit_name(expected));
    return FALSE;
}

static gboolean
kvm_run_guest(Probe *p, GError **error)
{
    const guint8 *data;

    if (!kvm_arm_timer(p, error) || !kvm_run_once(p, KVM_EXIT_IO, error))
        return FALSE;
    data = (const guint8 *) p->run + p->run->io.data_offset;
    if (p->run->io.direction != KVM_EXIT_IO_OUT || p->run->io.port != GUEST_PORT || p->run->io.size != 1 ||
        p->run->io.count != 1 || data[0] != GUEST_VALUE) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                    "KVM_RUN: the test guest's I/O exit was %s port 0x%x size %u value 0x%x, expected out port 0x%x "
                    "size 1 value 0x%x",
                    p->run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", p->run->io.port, p->run->io.size,
                    data[0], GUEST_PORT, GUEST_VALUE);
        return FALSE;
    }
    return kvm_run_once(p, KVM_EXIT_HLT, error);
}

gboolean
gh_ctl_kvm_probe(const char *device, int *api, GError **error)
{
    Probe p = { .kvm = -1, .vm = -1, .vcpu = -1 };
    gboolean ok;

    *api = -1;
    ok = kvm_setup_vm(&p, device, api, error) && kvm_setup_vcpu(&p, error) && kvm_run_guest(&p, error);
    kvm_probe_clear(&p);
    return ok;
}
