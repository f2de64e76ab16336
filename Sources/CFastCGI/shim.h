#pragma once
#include <fcgiapp.h>
#include <sys/epoll.h>
#include <unistd.h>

// Worker threads wait for the shared listen socket with epoll (EPOLLEXCLUSIVE: one connection
// wakes one thread). struct epoll_event is packed on x86_64, so it stays on the C side.

/// A new epoll instance watching `fd` for readability, exclusively; -1 on failure.
static inline int cfcgi_exclusive_readiness(int fd) {
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) return -1;
    struct epoll_event event = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data = { .fd = fd } };
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) != 0) { close(epfd); return -1; }
    return epfd;
}

/// 1 when the watched socket is readable, 0 on timeout or signal.
static inline int cfcgi_wait_readable(int epfd, int timeout_ms) {
    struct epoll_event event;
    return epoll_wait(epfd, &event, 1, timeout_ms) > 0 ? 1 : 0;
}
