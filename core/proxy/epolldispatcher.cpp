// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/epolldispatcher.h"

#include "proxy/clock.h"
#include "proxy/rawsyscalls.h"
#include "time/clock.h"

#ifdef Q_OS_LINUX

#include <QCoreApplication>
#include <QMetaMethod>
#include <QSocketNotifier>
#include <QTimerEvent>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace ga::proxy {
namespace {

// Nanoseconds: a timer never fires before its interval has passed, not even by the part of a millisecond that
// millisecond clocks drop. The monotonic clock as clock.h reads it (two Qt calls were ~50 instructions a turn).
qint64 nowNs()
{
    using namespace std::chrono;
    return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

constexpr qint64 kNsPerMs = 1'000'000;

class EpollDispatcher final : public QAbstractEventDispatcher
{
public:
    EpollDispatcher()
        : m_epoll(epoll_create1(EPOLL_CLOEXEC))
        , m_wakeFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
    {
        epoll_event ev {};
        ev.events = EPOLLIN;
        ev.data.u64 = kWakeTag;
        epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &ev);
    }

    ~EpollDispatcher() override
    {
        if (t_current == this) {
            t_current = nullptr;
        }
        detail::turnMs = 0; // the thread's clocks are read again (proxy/clock.h, time/clock.h)
        time::detail::turnWallMs = 0;
        ::close(m_wakeFd);
        ::close(m_epoll);
    }

    bool valid() const { return m_epoll >= 0 && m_wakeFd >= 0; }

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override
    {
        m_interrupt.store(false, std::memory_order_relaxed);
        m_owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
        t_current = this;
        runTurnTasks();
        m_selfWoken = false; // what this thread posted so far is sent now
        // Only when something was posted since the last turn: Qt calls wakeUp() for every event it posts. An empty
        // pass took a lock and walked the thread's data: ~80 instructions a streamed event. Qt's GLib dispatcher also
        // sends them after a wake-up, and besides while events are left over: a deferred deletion Qt holds back for
        // an outer loop and puts back without a wake-up, which happens only under a nested loop (a worker runs none).
        if (m_postedSince.exchange(false, std::memory_order_acquire)) {
            QCoreApplication::sendPostedEvents();
        }
        const bool timersToo = !(flags & QEventLoop::X11ExcludeTimers);
        const bool socketsToo = !(flags & QEventLoop::ExcludeSocketNotifiers);
        int timeout = 0;
        if ((flags & QEventLoop::WaitForMoreEvents) && !m_interrupt.load(std::memory_order_relaxed) && !m_selfWoken
            && m_turnTasks.empty() && (!socketsToo || m_alwaysReady.empty())) {
            timeout = timersToo ? msUntilNextTimer() : -1;
        }
        // Announced only when someone listens: an emit without receivers still cost ~75 instructions, twice a turn.
        // Who listens is looked up again only after a connection changed (isSignalConnected costs as much).
        if (m_listenersChanged.exchange(false, std::memory_order_acquire)) {
            m_announce = isSignalConnected(m_aboutToBlock) || isSignalConnected(m_awake);
        }
        const bool announce = timeout != 0 && m_announce;
        if (announce) {
            Q_EMIT aboutToBlock();
        }
        int delivered = 0;
        if (socketsToo) {
            delivered += waitAndDeliver(timeout);
            delivered += deliverAlwaysReady();
        } else {
            delivered += waitForWakeUp(timeout);
        }
        if (announce) {
            Q_EMIT awake();
        }
        if (timersToo) {
            delivered += fireTimers();
        }
        return delivered > 0;
    }

    void registerSocketNotifier(QSocketNotifier *notifier) override
    {
        const int fd = int(notifier->socket());
        if (fd < 0) {
            return;
        }
        if (size_t(fd) >= m_watches.size()) {
            m_watches.resize(size_t(fd) + 1);
        }
        Watch &w = m_watches[size_t(fd)];
        w.notifiers[notifier->type()] = notifier;
        if (notifier->type() == QSocketNotifier::Read && notifier != w.directFor) {
            w.direct = nullptr; // another socket's notifier: never the route of the one before
        }
        update(fd, w);
    }

    void unregisterSocketNotifier(QSocketNotifier *notifier) override
    {
        const int fd = int(notifier->socket());
        if (fd < 0 || size_t(fd) >= m_watches.size()) {
            return;
        }
        Watch &w = m_watches[size_t(fd)];
        if (w.notifiers[notifier->type()] != notifier) {
            return;
        }
        w.notifiers[notifier->type()] = nullptr;
        const bool unused = !w.notifiers[0] && !w.notifiers[1] && !w.notifiers[2];
        if (unused) {
            w.direct = nullptr; // the socket closed (or paused): its descriptor may be another socket's next
            w.directFor = nullptr;
        }
        update(fd, w);
        if (unused && size_t(fd) + 1 == m_watches.size()) {
            trimWatches();
        }
    }

    size_t tableBytes() const { return m_watches.capacity() * sizeof(Watch); }

    // routeReadActivations(): nothing while the notifier is off (its socket may close before it is on again).
    void route(QSocketNotifier *notifier, DirectReadable *target)
    {
        const int fd = int(notifier->socket());
        if (fd >= 0 && size_t(fd) < m_watches.size()
            && m_watches[size_t(fd)].notifiers[QSocketNotifier::Read] == notifier) {
            m_watches[size_t(fd)].direct = target;
            m_watches[size_t(fd)].directFor = notifier;
        }
    }

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object) override
    {
        m_timers.push_back(Timer { timerId, interval, nowNs() + interval * kNsPerMs, timerType, object, false });
    }

    bool unregisterTimer(int timerId) override
    {
        for (auto it = m_timers.begin(); it != m_timers.end(); ++it) {
            if (it->id == timerId) {
                m_timers.erase(it);
                return true;
            }
        }
        return false;
    }

    bool unregisterTimers(QObject *object) override
    {
        const auto before = m_timers.size();
        std::erase_if(m_timers, [object](const Timer &t) { return t.object == object; });
        return m_timers.size() != before;
    }

    QList<TimerInfo> registeredTimers(QObject *object) const override
    {
        QList<TimerInfo> out;
        for (const Timer &t : m_timers) {
            if (t.object == object) {
                out.push_back(TimerInfo(t.id, int(t.interval), t.type));
            }
        }
        return out;
    }

    int remainingTime(int timerId) override
    {
        for (const Timer &t : m_timers) {
            if (t.id == timerId) {
                return int(std::clamp<qint64>((t.due - nowNs()) / kNsPerMs, 0, std::numeric_limits<int>::max()));
            }
        }
        return -1;
    }

    // runAtNextTurn(): on the loop's own thread only.
    void addTurnTask(TurnTask *task)
    {
        if (std::find(m_turnTasks.begin(), m_turnTasks.end(), task) == m_turnTasks.end()) {
            m_turnTasks.push_back(task);
        }
    }
    void removeTurnTask(TurnTask *task)
    {
        std::erase(m_turnTasks, task);
        std::replace(m_runningTasks.begin(), m_runningTasks.end(), task, static_cast<TurnTask *>(nullptr));
    }

    // The dispatcher of the calling thread when it runs one of these (set as each turn begins), else nullptr.
    static thread_local EpollDispatcher *t_current;

    void wakeUp() override
    {
        m_postedSince.store(true, std::memory_order_release);
        // From the loop's own thread (an event it posted: a worker retires each finished exchange that way), which is
        // running, not waiting: the next turn does not wait, and sends it first. The eventfd's write and read were
        // two system calls a request when one request came at a time.
        if (std::this_thread::get_id() == m_owner.load(std::memory_order_relaxed)) {
            m_selfWoken = true;
            return;
        }
        // One write per wake-up, however many events were posted before the loop read it.
        if (!m_wakePending.exchange(true, std::memory_order_acq_rel)) {
            const quint64 one = 1;
            while (::write(m_wakeFd, &one, sizeof one) < 0 && errno == EINTR) { }
        }
    }

    void interrupt() override
    {
        m_interrupt.store(true, std::memory_order_relaxed);
        wakeUp();
    }

protected:
    void connectNotify(const QMetaMethod &) override { m_listenersChanged.store(true, std::memory_order_release); }
    void disconnectNotify(const QMetaMethod &) override { m_listenersChanged.store(true, std::memory_order_release); }

private:
    static constexpr quint64 kWakeTag = std::numeric_limits<quint64>::max();
    static constexpr int kBatch = 128;

    struct Watch
    {
        QSocketNotifier *notifiers[3] = { nullptr, nullptr, nullptr }; // by QSocketNotifier::Type
        quint32 generation = 0; // tells a stale epoll answer from the fd's next registration
        quint32 events = 0; // what epoll watches, 0: not in the set
        bool alwaysReady = false; // not pollable by epoll (a regular file): delivered at every turn
        DirectReadable *direct = nullptr; // takes the read notifier's activations first (routeReadActivations)
        QSocketNotifier *directFor = nullptr; // the read notifier it was given for
    };

    struct Timer
    {
        int id;
        qint64 interval;
        qint64 due; // nowNs()
        Qt::TimerType type;
        QObject *object;
        bool firing; // its event is being delivered: not sent again from a nested loop
    };

    // The table is as long as the highest descriptor watched: after a burst of 10,000 connections it held 1.1 MB
    // per worker for good. The kernel hands out the lowest free descriptor, so once the burst is over the top of the
    // table is unused: dropped, and the storage made smaller when it is mostly unused (amortized: at most a quarter
    // of it is in use then). Entries are looked up by index and checked against the size at every use.
    void trimWatches()
    {
        while (!m_watches.empty()) {
            const Watch &last = m_watches.back();
            if (last.events != 0 || last.alwaysReady || last.notifiers[0] || last.notifiers[1] || last.notifiers[2]) {
                break;
            }
            m_watches.pop_back();
        }
        if (m_watches.capacity() > 256 && m_watches.size() < m_watches.capacity() / 4) {
            m_watches.shrink_to_fit();
        }
    }

    void update(int fd, Watch &w)
    {
        quint32 want = 0;
        if (w.notifiers[QSocketNotifier::Read]) {
            want |= EPOLLIN;
        }
        if (w.notifiers[QSocketNotifier::Write]) {
            want |= EPOLLOUT;
        }
        if (w.notifiers[QSocketNotifier::Exception]) {
            want |= EPOLLPRI;
        }
        if (want == w.events) {
            return;
        }
        if (want == 0) {
            if (w.alwaysReady) {
                w.alwaysReady = false;
                std::erase(m_alwaysReady, fd);
            } else {
                epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr); // fails harmlessly if the fd was closed already
            }
            w.events = 0;
            return;
        }
        if (w.alwaysReady) {
            w.events = want;
            return;
        }
        epoll_event ev {};
        ev.events = want;
        if (w.events == 0) {
            w.generation = ++m_generation;
        }
        ev.data.u64 = (quint64(w.generation) << 32) | quint32(fd);
        int op = w.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
        if (epoll_ctl(m_epoll, op, fd, &ev) < 0) {
            // The fd was closed and its number reused while we still watched it (epoll dropped it: MOD fails), or a
            // registration we dropped is still there (ADD fails): try the other way.
            op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
            if (epoll_ctl(m_epoll, op, fd, &ev) < 0) {
                if (errno == EPERM) {
                    // A regular file or a directory: epoll cannot watch it, poll() calls it always ready, so do we.
                    w.alwaysReady = true;
                    w.events = want;
                    m_alwaysReady.push_back(fd);
                    return;
                }
                qWarning("QSocketNotifier: cannot watch socket %d (%s)", fd, strerror(errno));
                w.events = 0;
                return;
            }
        }
        w.events = want;
    }

    int waitAndDeliver(int timeout)
    {
        epoll_event events[kBatch];
        int n;
        do {
            n = sys::epollWait(m_epoll, events, kBatch, timeout);
        } while (n < 0 && errno == EINTR);
        startTurn();
        int delivered = 0;
        for (int i = 0; i < n; ++i) {
            const quint64 tag = events[i].data.u64;
            if (tag == kWakeTag) {
                drainWakeUps();
                continue;
            }
            const int fd = int(quint32(tag));
            const auto generation = quint32(tag >> 32);
            const quint32 got = events[i].events;
            // As Qt's dispatcher: a hang-up or an error goes to every notifier of the socket.
            static constexpr struct
            {
                QSocketNotifier::Type type;
                quint32 flags;
            } kinds[] = { { QSocketNotifier::Read, EPOLLIN | EPOLLHUP | EPOLLERR },
                { QSocketNotifier::Write, EPOLLOUT | EPOLLHUP | EPOLLERR },
                { QSocketNotifier::Exception, EPOLLPRI | EPOLLHUP | EPOLLERR } };
            for (const auto &kind : kinds) {
                if (!(got & kind.flags)) {
                    continue;
                }
                // Looked up again for each: an earlier delivery may have removed or replaced the notifier.
                if (size_t(fd) >= m_watches.size()) {
                    break;
                }
                const Watch *w = &m_watches[size_t(fd)];
                if (w->generation != generation || w->events == 0) {
                    break;
                }
                if (kind.type == QSocketNotifier::Read && w->direct && w->notifiers[QSocketNotifier::Read]) {
                    if (w->direct->readable()) {
                        ++delivered;
                        continue;
                    }
                    // Declined: Qt reads. Looked up again (the call may have changed the watches).
                    if (size_t(fd) >= m_watches.size()) {
                        break;
                    }
                    w = &m_watches[size_t(fd)];
                    if (w->generation != generation || w->events == 0) {
                        break;
                    }
                }
                if (QSocketNotifier *notifier = w->notifiers[kind.type]) {
                    QEvent event(QEvent::SockAct);
                    QCoreApplication::sendEvent(notifier, &event);
                    ++delivered;
                }
            }
        }
        return delivered;
    }

    int deliverAlwaysReady()
    {
        if (m_alwaysReady.empty()) {
            return 0;
        }
        int delivered = 0;
        const std::vector<int> fds = m_alwaysReady; // a delivery may change the list
        for (int fd : fds) {
            for (auto type : { QSocketNotifier::Read, QSocketNotifier::Write }) {
                const Watch &w = m_watches[size_t(fd)];
                if (!w.alwaysReady) {
                    break;
                }
                if (QSocketNotifier *notifier = w.notifiers[type]) {
                    QEvent event(QEvent::SockAct);
                    QCoreApplication::sendEvent(notifier, &event);
                    ++delivered;
                }
            }
        }
        return delivered;
    }

    // Socket notifiers excluded: only a wake-up (or the timeout) ends the wait.
    int waitForWakeUp(int timeout)
    {
        pollfd p { m_wakeFd, POLLIN, 0 };
        int n;
        do {
            n = ::poll(&p, 1, timeout);
        } while (n < 0 && errno == EINTR);
        startTurn();
        if (n > 0) {
            drainWakeUps();
        }
        return 0;
    }

    void drainWakeUps()
    {
        quint64 count = 0;
        while (::read(m_wakeFd, &count, sizeof count) < 0 && errno == EINTR) { }
        // Cleared after the read: an event posted from here on writes again; the next turn sends what came before.
        m_wakePending.store(false, std::memory_order_release);
    }

    int msUntilNextTimer() const
    {
        qint64 next = -1;
        const qint64 now = nowNs();
        for (const Timer &t : m_timers) {
            if (t.firing) {
                continue;
            }
            const qint64 wait = std::max<qint64>(0, (t.due - now + kNsPerMs - 1) / kNsPerMs); // rounded up
            if (next < 0 || wait < next) {
                next = wait;
            }
        }
        return int(std::min<qint64>(next, std::numeric_limits<int>::max()));
    }

    // The clock read once as a turn begins (after the wait): its timers and everything its events do take their
    // time from here (proxy/clock.h's nowMs()).
    void startTurn()
    {
        m_turnNs = nowNs();
        detail::turnMs = m_turnNs / kNsPerMs;
        time::detail::turnWallMs = -1; // read when the turn first asks (time::wallMs())
    }

    int fireTimers()
    {
        if (m_timers.empty()) {
            return 0;
        }
        // The turn's time: a timer fires no earlier than it is due, as the turn began before now.
        const qint64 now = m_turnNs;
        // The ids due now, then each looked up again: a timer event may stop, start or move any timer.
        std::vector<int> due;
        for (const Timer &t : m_timers) {
            if (!t.firing && t.due <= now) {
                due.push_back(t.id);
            }
        }
        int fired = 0;
        for (int id : due) {
            Timer *t = find(id);
            if (!t || t->firing || t->due > now) {
                continue;
            }
            // The next time from the one it was due at (no drift), or from now if the loop fell behind by more than
            // an interval.
            t->due += t->interval * kNsPerMs;
            if (t->due <= now) {
                t->due = now + t->interval * kNsPerMs;
            }
            t->firing = true;
            QObject *object = t->object;
            QTimerEvent event(id);
            QCoreApplication::sendEvent(object, &event);
            if (Timer *still = find(id)) {
                still->firing = false;
            }
            ++fired;
        }
        return fired;
    }

    Timer *find(int id)
    {
        for (Timer &t : m_timers) {
            if (t.id == id) {
                return &t;
            }
        }
        return nullptr;
    }

    // The tasks that asked for the next turn, run first in it (a task that asks again while running goes to the one
    // after). The storage is kept from turn to turn. A task must not run a nested event loop (a worker's retired
    // exchanges only go away): the running list is the dispatcher's, not the call's.
    void runTurnTasks()
    {
        if (m_turnTasks.empty()) {
            return;
        }
        m_runningTasks.swap(m_turnTasks);
        for (size_t i = 0; i < m_runningTasks.size(); ++i) {
            if (TurnTask *task = m_runningTasks[i]) {
                task->nextTurn();
            }
        }
        m_runningTasks.clear();
    }

    const QMetaMethod m_aboutToBlock = QMetaMethod::fromSignal(&QAbstractEventDispatcher::aboutToBlock);
    const QMetaMethod m_awake = QMetaMethod::fromSignal(&QAbstractEventDispatcher::awake);
    std::atomic<bool> m_listenersChanged { true };
    bool m_announce = false;
    int m_epoll;
    int m_wakeFd;
    std::atomic<bool> m_wakePending { false };
    // wakeUp() was called since the last sendPostedEvents() (true at first: events posted before the loop began).
    std::atomic<bool> m_postedSince { true };
    std::atomic<std::thread::id> m_owner {}; // the thread that runs the loop (set as each turn begins)
    bool m_selfWoken = false; // the loop's own thread posted an event since the turn began (wakeUp())
    std::atomic<bool> m_interrupt { false };
    qint64 m_turnNs = 0; // nowNs() as the turn began (startTurn())
    quint32 m_generation = 0;
    std::vector<Watch> m_watches; // by fd
    std::vector<Timer> m_timers;
    std::vector<int> m_alwaysReady; // fds of always-ready watches
    std::vector<TurnTask *> m_turnTasks; // for the next turn (runAtNextTurn())
    std::vector<TurnTask *> m_runningTasks; // being run; a cancelled one is set to nullptr
};

thread_local EpollDispatcher *EpollDispatcher::t_current = nullptr;

} // namespace

std::unique_ptr<QAbstractEventDispatcher> makeWorkerDispatcher()
{
    auto d = std::make_unique<EpollDispatcher>();
    if (!d->valid()) {
        return nullptr;
    }
    return d;
}

bool routeReadActivations(QSocketNotifier *notifier, DirectReadable *target)
{
    auto *d = dynamic_cast<EpollDispatcher *>(QAbstractEventDispatcher::instance(notifier->thread()));
    if (!d) {
        return false;
    }
    d->route(notifier, target);
    return true;
}

bool runAtNextTurn(TurnTask *task)
{
    EpollDispatcher *d = EpollDispatcher::t_current;
    if (!d) {
        return false;
    }
    d->addTurnTask(task);
    return true;
}

void cancelNextTurn(TurnTask *task)
{
    if (EpollDispatcher *d = EpollDispatcher::t_current) {
        d->removeTurnTask(task);
    }
}

size_t descriptorTableBytes()
{
    const auto *d = dynamic_cast<const EpollDispatcher *>(QAbstractEventDispatcher::instance());
    return d ? d->tableBytes() : 0;
}

} // namespace ga::proxy

#else

namespace ga::proxy {

std::unique_ptr<QAbstractEventDispatcher> makeWorkerDispatcher()
{
    return nullptr;
}

bool routeReadActivations(QSocketNotifier *, DirectReadable *)
{
    return false;
}

bool runAtNextTurn(TurnTask *)
{
    return false;
}

void cancelNextTurn(TurnTask *) { }

size_t descriptorTableBytes()
{
    return 0;
}

} // namespace ga::proxy

#endif
