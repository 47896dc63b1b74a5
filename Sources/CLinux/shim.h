// Linux headers that the Swift Glibc module does not cover (epoll, eventfd, timerfd, ppoll), and
// the CPUs this process may run on. No _GNU_SOURCE: it would make this module's libc types differ
// from the Glibc module's; what needs it is reached through the system call itself.
#ifndef VOICE_BRIDGE_CLINUX_SHIM_H
#define VOICE_BRIDGE_CLINUX_SHIM_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/syscall.h>
#include <poll.h>
#include <unistd.h>
#include <malloc.h>

// ppoll(2) is declared by glibc only under _GNU_SOURCE: the system call itself, with no signal
// mask, so a sleep of microseconds can still be cut short by a watched descriptor.
static inline int clinux_ppoll(struct pollfd *fds, nfds_t count, const struct timespec *timeout) {
    return (int)syscall(SYS_ppoll, fds, count, timeout, (void *)0, (size_t)8);
}

// The CPUs this process's affinity mask allows (up to 4096), or -1 on failure (sched_getaffinity(3)
// and CPU_COUNT need _GNU_SOURCE).
static inline int vb_allowed_cpus(void) {
    unsigned long mask[4096 / (8 * sizeof(unsigned long))] = {0};
    long bytes = syscall(SYS_sched_getaffinity, 0, sizeof(mask), mask);
    if (bytes <= 0) return -1;
    int count = 0;
    for (long i = 0; i < bytes / (long)sizeof(unsigned long); i++) count += __builtin_popcountl(mask[i]);
    return count;
}

#endif
