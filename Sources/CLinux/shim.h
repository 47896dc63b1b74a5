// Linux headers that the Swift Glibc module does not cover (epoll, eventfd), and the CPUs this
// process may run on.
#ifndef VOICE_BRIDGE_CLINUX_SHIM_H
#define VOICE_BRIDGE_CLINUX_SHIM_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <malloc.h>

// The CPUs this process's affinity mask allows (up to 4096), or -1 on failure. Through the
// system call itself: sched_getaffinity(3) and CPU_COUNT need _GNU_SOURCE, which would make
// this module's libc types differ from the Glibc module's.
static inline int vb_allowed_cpus(void) {
    unsigned long mask[4096 / (8 * sizeof(unsigned long))] = {0};
    long bytes = syscall(SYS_sched_getaffinity, 0, sizeof(mask), mask);
    if (bytes <= 0) return -1;
    int count = 0;
    for (long i = 0; i < bytes / (long)sizeof(unsigned long); i++) count += __builtin_popcountl(mask[i]);
    return count;
}

#endif
