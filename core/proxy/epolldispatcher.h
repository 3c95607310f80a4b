// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "proxy/socketio.h"

#include <QAbstractEventDispatcher>

#include <memory>

namespace ga::proxy {

// The event dispatcher of the proxy's worker threads on Linux: epoll instead of poll(). Qt's own dispatcher hands
// the kernel every socket of the thread at each turn of the loop (with 50 connections the kernel's poll callbacks
// were a tenth of the daemon's system time, bench-proxy.sh) and walks them again afterwards; epoll is told once
// what to watch and answers only with what is ready. Timers, posted events, wake-ups and interrupts behave as in
// Qt's dispatcher (README.md). nullptr where there is no epoll: the thread keeps Qt's.
std::unique_ptr<QAbstractEventDispatcher> makeWorkerDispatcher();

// Hands the read activations of `notifier` (the read notifier of a socket on the calling thread) to `target`
// before Qt sees them (socketio.h, DirectReadable), when this thread runs the dispatcher above: no object per
// socket, no event filter. Only while the notifier is on, and until every notifier of the socket is off (it closed,
// or Qt stopped reading it for a while): then Qt reads, until the owner attaches again. False where the thread runs
// another dispatcher.
bool routeReadActivations(QSocketNotifier *notifier, DirectReadable *target);

// Bytes the calling thread's dispatcher above keeps for its table of descriptors (0 with another dispatcher), for
// tests and diagnostics: it grows with the highest descriptor watched and shrinks again when the top of it is unused.
size_t descriptorTableBytes();

} // namespace ga::proxy
