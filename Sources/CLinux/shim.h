// Linux headers that the Swift Glibc module does not cover (epoll, eventfd).
#ifndef VOICE_BRIDGE_CLINUX_SHIM_H
#define VOICE_BRIDGE_CLINUX_SHIM_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <malloc.h>

#endif
