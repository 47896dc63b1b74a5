// Linux headers that the Swift Glibc module does not cover (epoll, eventfd, timerfd, ppoll).
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

#endif
