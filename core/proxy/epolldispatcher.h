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

// Work to do once at the start of the next turn of a thread's event loop, before it waits again.
class TurnTask
{
public:
    virtual void nextTurn() = 0;

protected:
    ~TurnTask() = default;
};

// Has `task->nextTurn()` called at the start of the calling thread's next turn, when that thread runs the dispatcher
// above (then true; false with another dispatcher: post an event instead). Once however often it is asked before
// then; the loop does not wait until it ran. A task ends its own with cancelNextTurn() when it goes first. Cheaper
// than a posted event (an allocation, a lock, the posted-event list's walk and a delivery through Qt: ~600
// instructions a proxied request, for the exchange each request retires).
bool runAtNextTurn(TurnTask *task);
void cancelNextTurn(TurnTask *task);

// Bytes the calling thread's dispatcher above keeps for its table of descriptors (0 with another dispatcher), for
// tests and diagnostics: it grows with the highest descriptor watched and shrinks again when the top of it is unused.
size_t descriptorTableBytes();

} // namespace ga::proxy
