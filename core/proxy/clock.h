// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

#include <chrono>

namespace ga::proxy {

// The monotonic clock in milliseconds, read now.
inline qint64 readClockMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

namespace detail {
// The time of this thread's event-loop turn, kept by the proxy's dispatcher (epolldispatcher.cpp) each time it
// returns from waiting; 0 on a thread it does not run.
inline thread_local qint64 turnMs = 0;
} // namespace detail

// Milliseconds on the monotonic clock: every deadline and duration of the proxy (a deadline set in one file is
// compared in another, so there is one clock). On a worker, the time its event loop's turn began, as nginx keeps
// its time per turn: a request read the clock 20 times (a vDSO call, ~22 ns here each, ~2 % of a request's CPU;
// callgrind does not see it) and every one of those falls in a turn that began microseconds before. It runs behind
// by what the turn has done so far, so nothing measures time inside one turn with it, and a deadline set from it is
// that much early (a turn is microseconds, a deadline seconds). Elsewhere the clock is read.
inline qint64 nowMs()
{
    const qint64 turn = detail::turnMs;
    return turn != 0 ? turn : readClockMs();
}

} // namespace ga::proxy
