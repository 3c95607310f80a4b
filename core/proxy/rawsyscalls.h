// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The socket calls of the proxy's hot path without the C library's cancellation bracket. recv(), send(),
// sendmsg() and epoll_wait() are POSIX cancellation points: in a process with more than one thread glibc wraps each
// in __pthread_enable_asynccancel()/__pthread_disable_asynccancel(), a compare-and-swap loop on the thread's
// cancellation word before and after the call (~90 instructions and four locked operations an SSE event: a read, a
// send and a wait; profile.sh). No thread of ours is ever cancelled with pthread_cancel(), so on Linux these go to
// the kernel through syscall(), which is not a cancellation point, with the same arguments, results and errno.
// Elsewhere (macOS, the BSDs) they are the C library's calls. Not for Windows (Winsock has its own calls).

#ifndef _WIN32

#include <cstddef>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __linux__
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace ga::proxy::sys {

inline ssize_t recv(int fd, void *buffer, size_t size, int flags)
{
#ifdef __linux__
    return ssize_t(::syscall(SYS_recvfrom, fd, buffer, size, flags, nullptr, nullptr));
#else
    return ::recv(fd, buffer, size, flags);
#endif
}

inline ssize_t send(int fd, const void *data, size_t size, int flags)
{
#ifdef __linux__
    return ssize_t(::syscall(SYS_sendto, fd, data, size, flags, nullptr, 0));
#else
    return ::send(fd, data, size, flags);
#endif
}

inline ssize_t sendmsg(int fd, const msghdr *message, int flags)
{
#ifdef __linux__
    return ssize_t(::syscall(SYS_sendmsg, fd, message, flags));
#else
    return ::sendmsg(fd, message, flags);
#endif
}

} // namespace ga::proxy::sys

#ifdef __linux__
#include <csignal>
#include <sys/epoll.h>

namespace ga::proxy::sys {

// epoll_pwait without a signal mask is epoll_wait (and the only form every Linux architecture has).
inline int epollWait(int epoll, epoll_event *events, int max, int timeoutMs)
{
    return int(::syscall(SYS_epoll_pwait, epoll, events, max, timeoutMs, nullptr, size_t(_NSIG / 8)));
}

} // namespace ga::proxy::sys
#endif

#endif // _WIN32
