// SPDX-License-Identifier: GPL-3.0-or-later
// The proxy workers' epoll event dispatcher, on a thread of its own, against what Qt's dispatcher promises.
#include "proxy/clock.h"
#include "proxy/epolldispatcher.h"
#include "proxy/socketio.h"
#include "time/clock.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <fcntl.h>
#include <functional>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using ga::proxy::makeWorkerDispatcher;

namespace {

// A thread running the dispatcher; run() executes a function on it and waits for the answer.
class DispatcherThread
{
public:
    DispatcherThread()
    {
        m_thread.setEventDispatcher(makeWorkerDispatcher().release());
        m_thread.start();
        m_context.moveToThread(&m_thread);
    }
    ~DispatcherThread()
    {
        m_thread.quit();
        m_thread.wait();
    }
    void run(const std::function<void()> &f) { QMetaObject::invokeMethod(&m_context, f, Qt::BlockingQueuedConnection); }
    QObject *context() { return &m_context; }
    QThread *thread() { return &m_thread; }

private:
    QThread m_thread;
    QObject m_context;
};

struct Pair
{
    int fds[2] = { -1, -1 };
    Pair() { QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0); }
    ~Pair() { closeBoth(); }
    void closeBoth()
    {
        for (int &fd : fds) {
            if (fd >= 0) {
                ::close(fd);
                fd = -1;
            }
        }
    }
};

} // namespace

class TestEpollDispatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The proxy's clock (proxy/clock.h) is read once a turn on a worker: what one turn does sees one time, the next
    // turn a later one; a thread without the dispatcher reads the clock each time.
    void clockIsReadOnceATurn()
    {
        DispatcherThread t;
        const auto busy = [](qint64 ms) {
            QElapsedTimer spin;
            spin.start();
            while (spin.elapsed() < ms) { }
        };
        qint64 first = 0, second = 0, nextTurn = 0;
        // The wall clock (time/clock.h) likewise, read when the turn first asks: through time::wallMs() and the
        // system Clock the key pool and the router use.
        qint64 wallBefore = 0, wallFirst = 0, wallSecond = 0, wallSystem = 0, wallNextTurn = 0;
        t.run([] {}); // the loop has waited once (a call posted before it first waits runs before any turn began)
        t.run([&] {
            first = ga::proxy::nowMs();
            busy(30);
            second = ga::proxy::nowMs();
            wallBefore = ga::time::readWallMs();
            wallFirst = ga::time::wallMs();
            busy(30);
            wallSecond = ga::time::wallMs();
            wallSystem = ga::time::Clock::system().nowMs();
        });
        t.run([&] {
            wallNextTurn = ga::time::wallMs();
            nextTurn = ga::proxy::nowMs();
        });
        QCOMPARE(second, first);
        QVERIFY2(nextTurn >= first + 30, qPrintable(QStringLiteral("%1 then %2").arg(first).arg(nextTurn)));
        QVERIFY(nextTurn <= ga::proxy::readClockMs());
        QVERIFY2(wallFirst >= wallBefore && wallFirst < wallBefore + 30,
            qPrintable(QStringLiteral("read %1, the turn's %2").arg(wallBefore).arg(wallFirst)));
        QCOMPARE(wallSecond, wallFirst);
        QCOMPARE(wallSystem, wallFirst);
        QVERIFY2(
            wallNextTurn >= wallFirst + 30, qPrintable(QStringLiteral("%1 then %2").arg(wallFirst).arg(wallNextTurn)));
        const qint64 here = ga::proxy::nowMs();
        const qint64 wallHere = ga::time::wallMs();
        busy(30);
        QVERIFY(ga::proxy::nowMs() >= here + 30);
        QVERIFY(ga::time::wallMs() >= wallHere + 30);
        QVERIFY(ga::time::Clock::system().nowMs() >= wallHere + 30);
    }

    void isTheThreadsDispatcher()
    {
        DispatcherThread t;
        QByteArray name;
        t.run([&] { name = QAbstractEventDispatcher::instance()->metaObject()->className(); });
        QVERIFY2(!name.contains("QEventDispatcherUNIX") && !name.contains("Glib"), name.constData());
    }

    void timersFireOnTimeRepeatAndStop()
    {
        DispatcherThread t;
        std::atomic<int> single { 0 }, repeating { 0 };
        std::atomic<qint64> singleAtMs { 0 };
        QElapsedTimer clock;
        QTimer *rep = nullptr;
        t.run([&] {
            clock.start();
            QTimer::singleShot(60, t.context(), [&] {
                singleAtMs = clock.elapsed();
                ++single;
            });
            rep = new QTimer(t.context());
            rep->setInterval(10);
            QObject::connect(rep, &QTimer::timeout, rep, [&] {
                if (++repeating == 5) {
                    rep->stop(); // stopped from its own timeout
                }
            });
            rep->start();
        });
        QTRY_COMPARE_WITH_TIMEOUT(single.load(), 1, 2000);
        QVERIFY2(singleAtMs >= 60 && singleAtMs < 500, qPrintable(QString::number(singleAtMs)));
        QTRY_COMPARE(repeating.load(), 5);
        QTest::qWait(60);
        QCOMPARE(repeating.load(), 5);
        QCOMPARE(single.load(), 1);
        int remaining = -2;
        t.run([&] {
            rep->start(1000);
            remaining = rep->remainingTime();
        });
        QVERIFY2(remaining > 900 && remaining <= 1000, qPrintable(QString::number(remaining)));
        t.run([&] { delete rep; });
    }

    void zeroTimerRunsEachTurnWithoutStarvingOthers()
    {
        DispatcherThread t;
        std::atomic<int> zero { 0 }, later { 0 };
        QTimer *z = nullptr;
        t.run([&] {
            z = new QTimer(t.context());
            z->setInterval(0);
            QObject::connect(z, &QTimer::timeout, z, [&] { ++zero; });
            z->start();
            QTimer::singleShot(30, t.context(), [&] { ++later; });
        });
        QTRY_COMPARE(later.load(), 1);
        QVERIFY(zero.load() > 10);
        t.run([&] { delete z; });
    }

    void postedEventsFromAnotherThreadWakeTheLoop()
    {
        DispatcherThread t;
        t.run([] {}); // the loop is running; it blocks with nothing to wait for as soon as this returns
        for (int i = 0; i < 20; ++i) {
            std::atomic<bool> done { false };
            QElapsedTimer clock;
            clock.start();
            QMetaObject::invokeMethod(
                t.context(), [&] { done = true; }, Qt::QueuedConnection);
            while (!done && clock.elapsed() < 2000) {
                QThread::yieldCurrentThread();
            }
            QVERIFY(done);
            QVERIFY2(clock.elapsed() < 100, qPrintable(QString::number(clock.elapsed())));
        }
    }

    // Posted events are sent only after a wake-up: events two other threads post while the loop turns (and posts
    // to itself) all arrive, none left waiting for a later post.
    void postsRacingTheLoopAreAllSent()
    {
        DispatcherThread t;
        t.run([] {});
        constexpr int kEach = 20'000;
        std::atomic<int> delivered { 0 };
        std::atomic<int> selfPosted { 0 };
        std::function<void()> spin = [&] { // the loop's own thread keeps posting too, for a while
            if (++selfPosted < 2000) {
                QMetaObject::invokeMethod(t.context(), spin, Qt::QueuedConnection);
            }
        };
        t.run([&] { spin(); });
        const auto poster = [&] {
            for (int i = 0; i < kEach; ++i) {
                QMetaObject::invokeMethod(
                    t.context(), [&] { ++delivered; }, Qt::QueuedConnection);
                if (i % 64 == 0) {
                    QThread::yieldCurrentThread(); // let the loop empty the queue and wait again, now and then
                }
            }
        };
        std::thread a(poster), b(poster);
        a.join();
        b.join();
        QTRY_COMPARE_WITH_TIMEOUT(delivered.load(), 2 * kEach, 5000);
        // One more after the loop went idle arrives at once.
        std::atomic<bool> last { false };
        QElapsedTimer clock;
        clock.start();
        QMetaObject::invokeMethod(
            t.context(), [&] { last = true; }, Qt::QueuedConnection);
        QTRY_VERIFY_WITH_TIMEOUT(last.load(), 2000);
        QVERIFY2(clock.elapsed() < 100, qPrintable(QString::number(clock.elapsed())));
    }

    // An event the loop's own thread posts (as a worker retires each finished exchange) is sent at the next turn
    // without the eventfd: no write() by that thread (counted by the kernel, /proc/thread-self/io), and the turn does
    // not wait for anything else first.
    void eventsPostedOnTheLoopsThreadNeedNoWakeUpWrite()
    {
        DispatcherThread t;
        t.run([] {});
        const auto writes = [] {
            QFile io(QStringLiteral("/proc/thread-self/io"));
            if (!io.open(QIODevice::ReadOnly)) {
                return qint64(-1);
            }
            for (const QByteArray &line : io.readAll().split('\n')) {
                if (line.startsWith("syscw:")) {
                    return line.mid(6).trimmed().toLongLong();
                }
            }
            return qint64(-1);
        };
        std::atomic<int> delivered { 0 };
        std::atomic<qint64> before { -1 }, after { -1 };
        // A chain: each call posts the next from the loop's thread; the last reads the count again.
        std::function<void(int)> post = [&](int left) {
            QMetaObject::invokeMethod(
                t.context(),
                [&, left] {
                    ++delivered;
                    if (left > 1) {
                        post(left - 1);
                    } else {
                        after = writes();
                    }
                },
                Qt::QueuedConnection);
        };
        QElapsedTimer clock;
        clock.start();
        t.run([&] {
            before = writes();
            post(100);
        });
        while (delivered < 100 && clock.elapsed() < 5000) {
            QThread::yieldCurrentThread();
        }
        QCOMPARE(delivered.load(), 100);
        QTRY_VERIFY(after >= 0);
        QVERIFY2(before >= 0, "no /proc/thread-self/io");
        QCOMPARE(after.load(), before.load());
        QVERIFY2(clock.elapsed() < 1000, qPrintable(QString::number(clock.elapsed())));
    }

    // A turn task runs once at the start of the next turn however often it was asked for, the loop does not wait
    // for anything else before it (here it would wait forever: nothing else happens), one asked for again while it
    // runs runs at the turn after, and a cancelled one does not run. Off the dispatcher's threads there are none.
    void turnTasksRunOnceAtTheNextTurn()
    {
        struct Task final : ga::proxy::TurnTask
        {
            std::atomic<int> runs { 0 };
            int again = 0; // asks again from its own run, this many times
            void nextTurn() override
            {
                ++runs;
                if (again > 0) {
                    --again;
                    QVERIFY(ga::proxy::runAtNextTurn(this));
                }
            }
        };
        QVERIFY(!ga::proxy::runAtNextTurn(nullptr)); // this thread runs Qt's dispatcher
        DispatcherThread t;
        t.run([] {});
        Task once, twice, cancelled;
        twice.again = 1;
        t.run([&] {
            QVERIFY(ga::proxy::runAtNextTurn(&once));
            QVERIFY(ga::proxy::runAtNextTurn(&once));
            QVERIFY(ga::proxy::runAtNextTurn(&twice));
            QVERIFY(ga::proxy::runAtNextTurn(&cancelled));
            ga::proxy::cancelNextTurn(&cancelled);
            QCOMPARE(once.runs.load(), 0); // not inside the turn that asked
        });
        QTRY_COMPARE_WITH_TIMEOUT(twice.runs.load(), 2, 2000);
        QCOMPARE(once.runs.load(), 1);
        QCOMPARE(cancelled.runs.load(), 0);
        t.run([] {}); // more turns: none runs again
        t.run([] {});
        QCOMPARE(once.runs.load(), 1);
        QCOMPARE(twice.runs.load(), 2);
    }

    void readWriteAndHangUpReachTheirNotifiers()
    {
        DispatcherThread t;
        Pair p;
        std::atomic<int> reads { 0 }, writes { 0 };
        QSocketNotifier *rn = nullptr, *wn = nullptr;
        QByteArray got;
        t.run([&] {
            rn = new QSocketNotifier(p.fds[0], QSocketNotifier::Read, t.context());
            QObject::connect(rn, &QSocketNotifier::activated, rn, [&] {
                char buf[64];
                const ssize_t n = ::read(p.fds[0], buf, sizeof buf);
                if (n > 0) {
                    got.append(buf, n);
                } else {
                    rn->setEnabled(false); // end of stream: level-triggered, it would fire forever
                }
                ++reads;
            });
            wn = new QSocketNotifier(p.fds[0], QSocketNotifier::Write, t.context());
            QObject::connect(wn, &QSocketNotifier::activated, wn, [&] {
                ++writes;
                wn->setEnabled(false); // writable once is enough
            });
        });
        QTRY_COMPARE(writes.load(), 1);
        QCOMPARE(reads.load(), 0);
        QCOMPARE(::write(p.fds[1], "hello", 5), ssize_t(5));
        QTRY_COMPARE(got, QByteArray("hello"));
        ::close(p.fds[1]);
        p.fds[1] = -1;
        QTRY_VERIFY(reads.load() >= 2); // the hang-up reads 0
        t.run([&] {
            QVERIFY(!rn->isEnabled());
            delete rn;
            delete wn;
        });
    }

    // Two sockets ready in one batch; the first one's handler deletes the second's notifier. Qt says a deleted
    // notifier gets nothing (ASan would see a use after free).
    void notifierDeletedByAnEarlierOneInTheSameBatch()
    {
        DispatcherThread t;
        Pair a, b;
        std::atomic<int> firstCalls { 0 }, secondCalls { 0 };
        QSocketNotifier *first = nullptr, *second = nullptr;
        t.run([&] {
            first = new QSocketNotifier(a.fds[0], QSocketNotifier::Read, t.context());
            second = new QSocketNotifier(b.fds[0], QSocketNotifier::Read, t.context());
            const auto handler = [&](bool isFirst) {
                ++(isFirst ? firstCalls : secondCalls);
                char buf[8];
                (void)::read(isFirst ? a.fds[0] : b.fds[0], buf, sizeof buf);
                delete (isFirst ? second : first); // whichever came first removes the other
                (isFirst ? second : first) = nullptr;
            };
            QObject::connect(first, &QSocketNotifier::activated, first, [handler] { handler(true); });
            QObject::connect(second, &QSocketNotifier::activated, second, [handler] { handler(false); });
        });
        // Both readable before the loop looks: one epoll answer holds both.
        t.run([&] {
            QCOMPARE(::write(a.fds[1], "x", 1), ssize_t(1));
            QCOMPARE(::write(b.fds[1], "y", 1), ssize_t(1));
        });
        QTRY_COMPARE(firstCalls.load() + secondCalls.load(), 1);
        // Two more turns of the loop (each runs posted events before it waits): a delivery to the deleted notifier
        // would have come in the batch that held the first.
        t.run([] {});
        t.run([] {});
        QCOMPARE(firstCalls.load() + secondCalls.load(), 1);
        t.run([&] {
            delete first;
            delete second;
        });
    }

    // A socket closed while watched and its number given to a new one: the new registration is watched, the old
    // one's answers are not delivered to it.
    void descriptorNumberReused()
    {
        DispatcherThread t;
        auto *old = new Pair;
        const int number = old->fds[0];
        QSocketNotifier *n = nullptr;
        std::atomic<int> calls { 0 };
        t.run([&] { n = new QSocketNotifier(number, QSocketNotifier::Read, t.context()); });
        // Closed under the notifier (epoll forgets it with the file), then the number is reused.
        t.run([&] {
            old->closeBoth();
            delete old;
            delete n;
            n = nullptr;
        });
        Pair fresh;
        QCOMPARE(fresh.fds[0], number);
        t.run([&] {
            n = new QSocketNotifier(fresh.fds[0], QSocketNotifier::Read, t.context());
            QObject::connect(n, &QSocketNotifier::activated, n, [&] {
                char buf[8];
                (void)::read(fresh.fds[0], buf, sizeof buf);
                ++calls;
            });
        });
        QCOMPARE(::write(fresh.fds[1], "z", 1), ssize_t(1));
        QTRY_COMPARE(calls.load(), 1);
        t.run([&] { delete n; });
    }

    // The table by descriptor grows to the highest one watched and shrinks once the top of it is unused again (after
    // a burst of connections it kept ~1 MB per worker for good).
    void descriptorTableShrinksAfterABurst()
    {
        DispatcherThread t;
        Pair p;
        constexpr int kHigh = 900; // under the usual 1,024 descriptors a process may open
        const int high = ::fcntl(p.fds[0], F_DUPFD_CLOEXEC, kHigh);
        QVERIFY2(high >= kHigh, "no free descriptor above 900");
        size_t before = 0, during = 0, after = 0;
        t.run([&] {
            before = ga::proxy::descriptorTableBytes();
            auto *low = new QSocketNotifier(p.fds[1], QSocketNotifier::Read, t.context());
            auto *n = new QSocketNotifier(high, QSocketNotifier::Read, t.context());
            during = ga::proxy::descriptorTableBytes();
            delete n; // the top entry unused: the table shrinks down to the next one in use
            after = ga::proxy::descriptorTableBytes();
            delete low;
        });
        ::close(high);
        QVERIFY2(during >= size_t(kHigh) * 16, qPrintable(QString::number(during)));
        QVERIFY2(
            after < during / 4, qPrintable(QStringLiteral("%1 → %2 → %3 bytes").arg(before).arg(during).arg(after)));
        // Watching a high descriptor again still works after the shrink.
        std::atomic<int> calls { 0 };
        QSocketNotifier *n = nullptr;
        const int again = ::fcntl(p.fds[0], F_DUPFD_CLOEXEC, kHigh);
        t.run([&] {
            n = new QSocketNotifier(again, QSocketNotifier::Read, t.context());
            QObject::connect(n, &QSocketNotifier::activated, n, [&] {
                n->setEnabled(false);
                ++calls;
            });
        });
        QCOMPARE(::write(p.fds[1], "x", 1), ssize_t(1));
        QTRY_COMPARE(calls.load(), 1);
        t.run([&] { delete n; });
        ::close(again);
    }

    // epoll cannot watch a regular file; poll() calls one always ready, and so does this dispatcher.
    void regularFileIsAlwaysReady()
    {
        DispatcherThread t;
        QTemporaryFile file;
        QVERIFY(file.open());
        std::atomic<int> calls { 0 };
        QSocketNotifier *n = nullptr;
        t.run([&] {
            n = new QSocketNotifier(file.handle(), QSocketNotifier::Read, t.context());
            QObject::connect(n, &QSocketNotifier::activated, n, [&] {
                if (++calls == 3) {
                    n->setEnabled(false);
                }
            });
        });
        QTRY_COMPARE(calls.load(), 3);
        t.run([&] { delete n; });
    }

    void tcpRoundTripAndDisconnect()
    {
        DispatcherThread t;
        QTcpServer *server = nullptr;
        QTcpSocket *client = nullptr;
        std::atomic<bool> echoed { false }, disconnected { false };
        t.run([&] {
            server = new QTcpServer(t.context());
            QVERIFY(server->listen(QHostAddress::LocalHost));
            QObject::connect(server, &QTcpServer::newConnection, server, [&] {
                QTcpSocket *s = server->nextPendingConnection();
                QObject::connect(s, &QTcpSocket::readyRead, s, [s] {
                    s->write(s->readAll().toUpper());
                    s->disconnectFromHost();
                });
            });
            client = new QTcpSocket(t.context());
            QObject::connect(client, &QTcpSocket::connected, client, [&] { client->write(QByteArray(100'000, 'a')); });
            QObject::connect(client, &QTcpSocket::readyRead, client, [&] {
                if (client->bytesAvailable() >= 100'000) {
                    echoed = client->readAll() == QByteArray(100'000, 'A');
                }
            });
            QObject::connect(client, &QTcpSocket::disconnected, client, [&] { disconnected = true; });
            client->connectToHost(QHostAddress::LocalHost, server->serverPort());
        });
        QTRY_VERIFY_WITH_TIMEOUT(disconnected.load(), 5000);
        QVERIFY(echoed.load());
        t.run([&] {
            delete client;
            delete server;
        });
    }

    // Direct reads (socketio.h) routed by the dispatcher itself: the owner reads, Qt never does; declined reads and
    // the end of the stream go to Qt; a pause that turns the socket's notifiers off ends the route until the owner
    // attaches again; a socket that reuses a closed one's descriptor is never routed to the old owner.
    void routesReadActivationsToTheOwner()
    {
        struct Owner final : ga::proxy::DirectReadable
        {
            QTcpSocket *socket = nullptr;
            std::atomic<int> take { 1 };
            QByteArray got;
            std::atomic<int> gotSize { 0 }, calls { 0 }, ends { 0 };
            bool readable() override
            {
                ++calls;
                if (!take) {
                    return false;
                }
                const qint64 n = ga::proxy::readDirect(socket, got);
                gotSize = int(got.size());
                ends += n < 0 ? 1 : 0;
                return n >= 0;
            }
        };
        DispatcherThread t;
        QTcpServer *server = nullptr;
        QTcpSocket *client = nullptr;
        std::vector<QTcpSocket *> accepted;
        std::atomic<int> readyReads { 0 }, disconnects { 0 }, qtHolds { 0 };
        std::atomic<bool> drain { true }; // the client's readyRead handler reads what Qt read (into qtGot)
        QByteArray qtGot;
        Owner owner;
        auto connectPair = [&] {
            t.run([&] {
                client = new QTcpSocket(t.context());
                QObject::connect(client, &QTcpSocket::readyRead, client, [&] {
                    ++readyReads;
                    if (drain) {
                        qtGot += client->readAll();
                    }
                    qtHolds = int(client->bytesAvailable());
                });
                QObject::connect(client, &QTcpSocket::disconnected, client, [&] { ++disconnects; });
                client->connectToHost(QHostAddress::LocalHost, server->serverPort());
            });
            QTRY_VERIFY_WITH_TIMEOUT(accepted.size() == 1 && client->state() == QAbstractSocket::ConnectedState, 5000);
        };
        auto send = [&](const QByteArray &bytes) { t.run([&] { accepted.front()->write(bytes); }); };
        t.run([&] {
            server = new QTcpServer(t.context());
            server->listen(QHostAddress::LocalHost);
            QObject::connect(server, &QTcpServer::newConnection, server,
                [&] { accepted.push_back(server->nextPendingConnection()); });
        });
        QVERIFY(server->isListening());
        connectPair();
        bool attached = false;
        t.run([&] {
            owner.socket = client;
            attached = ga::proxy::attachDirectReads(client, &owner);
        });
        QVERIFY(attached);
        send("first ");
        QTRY_COMPARE_WITH_TIMEOUT(owner.gotSize.load(), 6, 5000);
        QCOMPARE(readyReads.load(), 0); // Qt never read

        // Declined: Qt reads it.
        owner.take = 0;
        send("second ");
        QTRY_COMPARE_WITH_TIMEOUT(readyReads.load(), 1, 5000);
        owner.take = 1;
        send("third ");
        QTRY_COMPARE_WITH_TIMEOUT(owner.gotSize.load(), 12, 5000);

        // A pause turns the notifiers off (declined, Qt reads one byte into its 1-byte buffer and stops): the route
        // ends, and after the pause Qt reads, until the owner attaches again.
        owner.take = 0;
        drain = false;
        t.run([&] { client->setReadBufferSize(1); });
        const int callsAtSend = owner.calls.load();
        send("xy");
        QTRY_COMPARE_WITH_TIMEOUT(qtHolds.load(), 1, 5000);
        // Qt turns its notifier off at the next activation (its buffer is full), which the owner declines too; until
        // that delivery has ended the route is still there.
        QTRY_VERIFY_WITH_TIMEOUT(owner.calls.load() >= callsAtSend + 2, 5000);
        t.run([] {});
        owner.take = 1;
        drain = true;
        const int callsBefore = owner.calls.load();
        t.run([&] { client->setReadBufferSize(0); });
        send("z");
        auto qtRead = [&] {
            QByteArray held;
            t.run([&] { held = qtGot; });
            return held;
        };
        QTRY_COMPARE_WITH_TIMEOUT(qtRead(), QByteArray("second xyz"), 5000);
        QCOMPARE(owner.calls.load(), callsBefore);
        t.run([&] {
            attached = ga::proxy::attachDirectReads(client, &owner);
            owner.got.clear();
        });
        QVERIFY(attached);
        const int readyReadsBefore = readyReads.load();
        send("routed again");
        QTRY_COMPARE_WITH_TIMEOUT(owner.gotSize.load(), 12, 5000);
        QCOMPARE(readyReads.load(), readyReadsBefore);

        // The end of the stream: Qt reports it.
        t.run([&] { accepted.front()->disconnectFromHost(); });
        QTRY_COMPARE_WITH_TIMEOUT(disconnects.load(), 1, 5000);
        QVERIFY(owner.ends.load() > 0);

        // The next socket may get the same descriptor: it is Qt's to read, never the old owner's.
        const int ownerCalls = owner.calls.load();
        t.run([&] {
            delete client;
            client = nullptr;
            qDeleteAll(accepted);
            accepted.clear();
        });
        readyReads = 0;
        connectPair();
        send("new socket");
        QTRY_VERIFY_WITH_TIMEOUT(readyReads.load() > 0, 5000);
        QCOMPARE(owner.calls.load(), ownerCalls);
        t.run([&] {
            delete client;
            qDeleteAll(accepted);
            delete server;
        });
    }

    // aboutToBlock/awake are emitted only while connected (an emit costs even with no receiver), and then each time
    // the loop waits.
    void announcesBlockingWhenListenedTo()
    {
        DispatcherThread t;
        std::atomic<int> blocks { 0 }, wakes { 0 };
        t.run([&] {
            QAbstractEventDispatcher *d = QAbstractEventDispatcher::instance();
            QObject::connect(d, &QAbstractEventDispatcher::aboutToBlock, t.context(), [&] { ++blocks; });
            QObject::connect(d, &QAbstractEventDispatcher::awake, t.context(), [&] { ++wakes; });
        });
        // Each time the loop has announced that it blocks (and not yet that it woke), a call from here wakes it. (A
        // call that arrives before the loop waits is sent without a wait: counting calls would count races.)
        for (int i = 0; i < 3; ++i) {
            QTRY_VERIFY(blocks.load() > wakes.load());
            t.run([] {});
        }
        QTRY_VERIFY(blocks.load() >= 3);
        QTRY_VERIFY(wakes.load() >= 3);
    }

    void quitEndsABlockedLoopAtOnce()
    {
        auto t = std::make_unique<DispatcherThread>();
        t->run([] {}); // blocks in epoll_wait as soon as this returns
        QElapsedTimer clock;
        clock.start();
        t->thread()->quit();
        QVERIFY(t->thread()->wait(2000));
        QVERIFY2(clock.elapsed() < 200, qPrintable(QString::number(clock.elapsed())));
    }

    // An object with a running timer moved off the dispatcher's thread: the timer goes with it (registeredTimers,
    // unregisterTimers) and keeps firing on the new thread.
    void timersMoveWithTheirObject()
    {
        DispatcherThread t;
        QTimer *timer = nullptr;
        std::atomic<int> fired { 0 };
        std::atomic<QThread *> firedOn { nullptr };
        t.run([&] {
            timer = new QTimer;
            timer->setInterval(20);
            QObject::connect(timer, &QTimer::timeout, timer, [&] {
                ++fired;
                firedOn = QThread::currentThread();
            });
            timer->start();
            timer->moveToThread(QCoreApplication::instance()->thread());
        });
        QTRY_VERIFY(fired.load() >= 2);
        QCOMPARE(firedOn.load(), QThread::currentThread());
        delete timer;
    }
};

QTEST_GUILESS_MAIN(TestEpollDispatcher)
#include "tst_epolldispatcher.moc"
