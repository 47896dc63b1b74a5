// Linux headers that the Swift Glibc module does not cover (epoll, eventfd, CPU affinity).
#ifndef VOICE_BRIDGE_CLINUX_SHIM_H
#define VOICE_BRIDGE_CLINUX_SHIM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <malloc.h>

// The CPUs this process's affinity mask allows (CPU_COUNT is a macro), or -1 on failure.
static inline int vb_allowed_cpus(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
    return CPU_COUNT(&set);
}

#endif
