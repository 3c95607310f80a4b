// SPDX-License-Identifier: GPL-3.0-or-later
// writeThrough(), direct reads and the receive buffers of http/buffer.h on real loopback sockets.
#include "http/buffer.h"
#include "proxy/socketio.h"

#include <QSignalSpy>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <limits>
#include <memory>
#include <thread>

#ifndef _WIN32
#include <poll.h>
#endif

using ga::proxy::writeThrough;

namespace {

// A connected pair on loopback: `near` is ours (made by the test), `far` the accepted end.
struct Pair
{
    QTcpServer server;
    std::unique_ptr<QTcpSocket> near;
    QTcpSocket *far = nullptr;

    bool open(QTcpSocket *socket)
    {
        near.reset(socket);
        if (!server.listen(QHostAddress::LocalHost)) {
            return false;
        }
        near->connectToHost(QHostAddress::LocalHost, server.serverPort());
        if (!near->waitForConnected(5000) || !server.waitForNewConnection(5000)) {
            return false;
        }
        far = server.nextPendingConnection();
        return far != nullptr;
    }
};

// Reads from `socket` until `n` bytes arrived (or 10 s passed).
QByteArray readExactly(QTcpSocket *socket, qsizetype n)
{
    QByteArray got;
    QDeadlineTimer deadline(10000);
    while (got.size() < n && !deadline.hasExpired()) {
        if (socket->bytesAvailable() == 0) {
            socket->waitForReadyRead(100);
        }
        got += socket->readAll();
    }
    return got;
}

// Lets Qt drain what `p.near` queued while the far end reads, until `n` bytes arrived (or 20 s passed).
QByteArray drain(Pair &p, qsizetype n)
{
    QByteArray got;
    QDeadlineTimer deadline(20000);
    while (got.size() < n && !deadline.hasExpired()) {
        p.near->waitForBytesWritten(10);
        p.far->waitForReadyRead(10);
        got += p.far->readAll();
    }
    return got;
}

// Bytes numbered so that a lost, doubled or reordered piece shows.
QByteArray pattern(qsizetype offset, qsizetype n)
{
    QByteArray b(n, Qt::Uninitialized);
    for (qsizetype i = 0; i < n; ++i) {
        b[i] = char((offset + i) * 7 % 251);
    }
    return b;
}

// Reads a socket directly (attachDirectReads()) while `take` is set, as the proxy's connections do.
struct DirectTarget final : ga::proxy::DirectReadable
{
    QAbstractSocket *socket = nullptr;
    QByteArray got;
    bool take = true;
    int calls = 0;
    int ends = 0;

    bool readable() override
    {
        ++calls;
        if (!take) {
            return false;
        }
        const qint64 n = ga::proxy::readDirect(socket, got);
        if (n < 0) {
            ++ends;
            return false;
        }
        return true;
    }
};

} // namespace

class TestSocketIo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sendsAtOnceWithoutQtsBuffer()
    {
        Pair p;
        QVERIFY(p.open(new QTcpSocket));
        QSignalSpy written(p.near.get(), &QTcpSocket::bytesWritten);
        QVERIFY(writeThrough(p.near.get(), "hello, "));
        QCOMPARE(p.near->bytesToWrite(), 0); // in the kernel already: no event loop turn needed
        QVERIFY(writeThrough(p.near.get(), "world"));
        QCOMPARE(p.near->bytesToWrite(), 0);
        QCOMPARE(readExactly(p.far, 12), QByteArray("hello, world"));
        QVERIFY(writeThrough(p.near.get(), {})); // nothing to send is not a failure
    }

    void queuesWhatTheKernelRefusesInOrder()
    {
        Pair p;
        QVERIFY(p.open(new QTcpSocket));
        p.near->setSocketOption(QAbstractSocket::SendBufferSizeSocketOption, 4096);
        p.far->setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
        // The far end does not read: the kernel's buffers fill, then Qt's buffer takes the rest.
        qsizetype offset = 0;
        const qsizetype piece = 16 * 1024;
        while (p.near->bytesToWrite() == 0 && offset < 64 * 1024 * 1024) {
            QVERIFY(writeThrough(p.near.get(), pattern(offset, piece)));
            offset += piece;
        }
        QVERIFY2(p.near->bytesToWrite() > 0, "the kernel never refused a byte");
        // Once something is queued, later bytes queue behind it (never overtake it through the descriptor).
        const qint64 queued = p.near->bytesToWrite();
        QVERIFY(writeThrough(p.near.get(), pattern(offset, 100)));
        offset += 100;
        QCOMPARE(p.near->bytesToWrite(), queued + 100);
        // Qt drains its buffer while the far end reads: every byte arrives once, in order.
        const QByteArray got = drain(p, offset);
        QCOMPARE(got.size(), offset);
        QVERIFY(got == pattern(0, offset));
        QCOMPARE(p.near->bytesToWrite(), 0);
    }

    // Pieces sent with one sendmsg(): when the kernel takes only part of them, the rest (from inside whichever piece
    // it stopped in) is queued in order, and later pieces queue behind it.
    void piecesGoOutInOrderWhateverTheKernelTakes()
    {
        Pair p;
        QVERIFY(p.open(new QTcpSocket));
        QVERIFY(writeThrough(p.near.get(), { QByteArrayView("ab"), QByteArrayView(), QByteArrayView("cd") }));
        QCOMPARE(p.near->bytesToWrite(), 0);
        QCOMPARE(readExactly(p.far, 4), QByteArray("abcd"));
        p.near->setSocketOption(QAbstractSocket::SendBufferSizeSocketOption, 4096);
        p.far->setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
        qsizetype offset = 0;
        // More than the kernel's buffers hold, in odd sizes: the kernel stops inside a piece.
        const auto send = [&] {
            const QByteArray all = pattern(offset, 20'001 + 3 + 30'013);
            offset += all.size();
            return writeThrough(p.near.get(),
                { QByteArrayView(all).first(7001), QByteArrayView(all).sliced(7001, 3),
                    QByteArrayView(all).sliced(7004) });
        };
        while (p.near->bytesToWrite() == 0 && offset < 64 * 1024 * 1024) {
            QVERIFY(send());
        }
        QVERIFY2(p.near->bytesToWrite() > 0, "the kernel never refused a byte");
        const qint64 queued = p.near->bytesToWrite();
        QVERIFY(send());
        QCOMPARE(p.near->bytesToWrite(), queued + 20'001 + 3 + 30'013);
        const QByteArray got = drain(p, offset);
        QCOMPARE(got.size(), offset);
        QVERIFY(got == pattern(0, offset));
    }

    void neverBypassesTls()
    {
        // A QSslSocket's descriptor carries ciphertext once encrypted: writeThrough() always leaves its bytes to it.
        Pair p;
        QVERIFY(p.open(new QSslSocket));
        QVERIFY(writeThrough(p.near.get(), "through QSslSocket"));
        QCOMPARE(p.near->bytesToWrite(), qint64(18)); // queued, not sent past it
        QVERIFY(p.near->waitForBytesWritten(5000));
        QCOMPARE(readExactly(p.far, 18), QByteArray("through QSslSocket"));
    }

    void refusesAClosedSocket()
    {
        QTcpSocket unconnected;
        QTest::ignoreMessage(QtWarningMsg, "QIODevice::write (QTcpSocket): device not open");
        QVERIFY(!writeThrough(&unconnected, "nobody listens"));
    }

    void receiveBuffersTakeQtsBlock()
    {
        Pair p;
        QVERIFY(p.open(new QTcpSocket));
        QVERIFY(writeThrough(p.near.get(), "first"));
        QTRY_COMPARE(p.far->bytesAvailable(), qint64(5));
        QByteArray buffer;
        QCOMPARE(ga::http::appendAvailable(p.far, buffer), qint64(5));
        QCOMPARE(buffer, QByteArray("first"));
        QCOMPARE(p.far->bytesAvailable(), qint64(0));
        // Appended behind what the buffer holds.
        QVERIFY(writeThrough(p.near.get(), " second"));
        QTRY_COMPARE(p.far->bytesAvailable(), qint64(7));
        QCOMPARE(ga::http::appendAvailable(p.far, buffer), qint64(7));
        QCOMPARE(buffer, QByteArray("first second"));
        QCOMPARE(ga::http::appendAvailable(p.far, buffer), qint64(0));
    }

    // Both kinds of socket the proxy has: one it connected (upstream) and one it adopted from accept() (a client).
    void directReadsTakeTheBytesFromTheKernel_data()
    {
        QTest::addColumn<bool>("adopted");
        QTest::newRow("connected") << false;
        QTest::newRow("adopted") << true;
    }
    void directReadsTakeTheBytesFromTheKernel()
    {
        QFETCH(bool, adopted);
        Pair p;
        QVERIFY(p.open(new QTcpSocket));
        QTcpSocket *reader = adopted ? p.far : p.near.get();
        QTcpSocket *writer = adopted ? p.near.get() : p.far;
        DirectTarget target;
        target.socket = reader;
        QVERIFY(ga::proxy::attachDirectReads(reader, &target));
        QSignalSpy readyRead(reader, &QIODevice::readyRead);
        QVERIFY(writeThrough(writer, "hello"));
        QTRY_COMPARE(target.got, QByteArray("hello"));
        QCOMPARE(readyRead.count(), 0); // Qt never read them
        QCOMPARE(reader->bytesAvailable(), qint64(0));

        // Much more than one read's block and one call's share: all of it, once, in order.
        const qsizetype n = 3 * 1024 * 1024;
        target.got.clear();
        qsizetype offset = 0;
        while (offset < n) {
            QVERIFY(writeThrough(writer, pattern(offset, 64 * 1024)));
            offset += 64 * 1024;
        }
        QTRY_COMPARE_WITH_TIMEOUT(target.got.size(), n, 20000);
        QVERIFY(target.got == pattern(0, n));
        QCOMPARE(readyRead.count(), 0);
    }

    // DirectRead leaves the bytes in the thread's block when there is nothing before them; a read nested inside
    // uses another block, so the lent bytes stay as they were.
    void directReadLendsTheThreadsBlock()
    {
#ifdef _WIN32
        QSKIP("Qt reads sockets on Windows");
#else
        Pair a, b;
        QVERIFY(a.open(new QTcpSocket));
        QVERIFY(b.open(new QTcpSocket));
        // Waited for without the event loop, which would let Qt read them.
        auto arrive = [](QTcpSocket *writer, QTcpSocket *reader, const QByteArray &bytes) {
            if (!writeThrough(writer, bytes)) {
                return false;
            }
            pollfd p { int(reader->socketDescriptor()), POLLIN, 0 };
            return ::poll(&p, 1, 5000) == 1;
        };
        QVERIFY(arrive(a.near.get(), a.far, "alpha"));
        QVERIFY(arrive(b.near.get(), b.far, "beta"));
        QByteArray bufferA, bufferB;
        {
            const ga::proxy::DirectRead readA(a.far, bufferA);
            QCOMPARE(readA.got(), qint64(5));
            QCOMPARE(readA.lent(), QByteArrayView("alpha"));
            QVERIFY(bufferA.isEmpty());
            {
                const ga::proxy::DirectRead readB(b.far, bufferB);
                QCOMPARE(readB.got(), qint64(4));
                QVERIFY(readB.lent().isEmpty()); // the block is out: copied
                QCOMPARE(bufferB, QByteArray("beta"));
            }
            QCOMPARE(readA.lent(), QByteArrayView("alpha"));
        }
        // Something before them: appended, not lent.
        QVERIFY(arrive(a.near.get(), a.far, "gamma"));
        QByteArray held("x");
        {
            const ga::proxy::DirectRead read(a.far, held);
            QVERIFY(read.lent().isEmpty());
            QCOMPARE(held, QByteArray("xgamma"));
        }
        // Given back: lent again.
        QVERIFY(arrive(a.near.get(), a.far, "delta"));
        const ga::proxy::DirectRead again(a.far, bufferA);
        QCOMPARE(again.lent(), QByteArrayView("delta"));
#endif
    }

    void directReadsLeaveToQtWhatTheyDecline()
    {
        Pair p;
        QVERIFY(p.open(new QTcpSocket));
        DirectTarget target;
        target.socket = p.far;
        QVERIFY(ga::proxy::attachDirectReads(p.far, &target));
        // Declined (a paused reader): Qt reads into its buffer and says so, as without direct reads.
        target.take = false;
        QSignalSpy readyRead(p.far, &QIODevice::readyRead);
        QVERIFY(writeThrough(p.near.get(), "first "));
        QTRY_COMPARE(p.far->bytesAvailable(), qint64(6));
        QVERIFY(readyRead.count() > 0);
        // Taken again: what Qt holds comes first, then what the kernel has.
        target.take = true;
        QVERIFY(writeThrough(p.near.get(), "second"));
        QTRY_COMPARE(target.got, QByteArray("first second"));
        QCOMPARE(p.far->bytesAvailable(), qint64(0));

        // The end of the stream is Qt's to find: it reports the close as always.
        QSignalSpy disconnected(p.far, &QAbstractSocket::disconnected);
        p.near->disconnectFromHost();
        QTRY_COMPARE(disconnected.count(), 1);
        QVERIFY(target.ends > 0);
        QCOMPARE(target.got, QByteArray("first second"));
    }

    void directReadsOnlyOnPlainConnectedSockets()
    {
        DirectTarget target;
        QTcpSocket unconnected;
        QVERIFY(!ga::proxy::attachDirectReads(&unconnected, &target));
        Pair tls;
        QVERIFY(tls.open(new QSslSocket));
        QVERIFY(!ga::proxy::attachDirectReads(tls.near.get(), &target)); // ciphertext: QSslSocket reads it
        QCOMPARE(target.calls, 0);
    }

    // A head is written through a pointer into storage sized once; writing past the room asked for grows it, and
    // finish() (or the end of the writer) leaves exactly what was written, behind what the array held.
    void byteWriterKeepsExactlyWhatWasWritten()
    {
        QByteArray out = "held:";
        {
            ga::http::ByteWriter w(out, 4);
            w.put("HTTP/1.1 ");
            w.number(200);
            w.put("");
            w.put(" OK\r\n");
            w.number(std::numeric_limits<qint64>::min());
            w.put(QByteArray(5000, 'x'));
            w.number(-1);
        }
        QCOMPARE(out, "held:HTTP/1.1 200 OK\r\n-9223372036854775808" + QByteArray(5000, 'x') + "-1");
        QByteArray exact;
        ga::http::ByteWriter w(exact, 3);
        w.put("abc");
        w.headers({ { "Host", "h" }, { "x-a", "" } });
        w.finish();
        QCOMPARE(exact, QByteArray("abcHost: h\r\nx-a: \r\n"));
        QByteArray roomy;
        ga::http::ByteWriter r(roomy, 1000);
        r.number(7);
        r.finish();
        QCOMPARE(roomy, QByteArray("7"));
    }

    // A thread's spare buffer comes back empty with its storage; one still shared (with Qt's write buffer) or
    // larger than 64 KiB is not kept, a take while it is lent out gets none, and each thread has its own.
    void spareBytesServeOneMessageAfterAnother()
    {
        QByteArray first = ga::proxy::takeSpareBytes();
        first.append(QByteArray(3000, 'h'));
        const char *storage = first.constData();
        ga::proxy::keepSpareBytes(std::move(first));
        QByteArray again = ga::proxy::takeSpareBytes();
        QVERIFY(again.isEmpty());
        QCOMPARE(static_cast<const void *>(again.constData()), static_cast<const void *>(storage));
        QVERIFY(again.capacity() >= 3000);
        QVERIFY(ga::proxy::takeSpareBytes().isNull()); // lent out: a nested take gets none
        {
            QByteArray other;
            std::thread([&other] { other = ga::proxy::takeSpareBytes(); }).join();
            QVERIFY(other.isNull()); // another thread's own, never given one
        }
        const QByteArray sharer = again; // as Qt's write buffer holds what write() was given
        ga::proxy::keepSpareBytes(std::move(again));
        QVERIFY(ga::proxy::takeSpareBytes().isNull());
        ga::proxy::keepSpareBytes(QByteArray(65 * 1024, 'x'));
        QVERIFY(ga::proxy::takeSpareBytes().isNull());
        QByteArray small(100, 's'), large(5000, 'l');
        ga::proxy::keepSpareBytes(std::move(small));
        ga::proxy::keepSpareBytes(std::move(large)); // the larger of two given back is kept
        QVERIFY(ga::proxy::takeSpareBytes().capacity() >= 5000);
        ga::proxy::keepSpareBytes(QByteArray(10, 't')); // and not replaced by a smaller one
        ga::proxy::keepSpareBytes(QByteArray(4000, 'u'));
        ga::proxy::keepSpareBytes(QByteArray(20, 'v'));
        QVERIFY(ga::proxy::takeSpareBytes().capacity() >= 4000);
    }

    void consumedBuffersGiveBackLargeBlocks()
    {
        QByteArray buffer(16 * 1024, 'x');
        buffer += "tail";
        ga::http::consumeFront(buffer, 16 * 1024);
        QCOMPARE(buffer, QByteArray("tail"));
        QVERIFY(buffer.capacity() <= ga::http::kKeptBufferCapacity); // a few bytes left: not in a 16 KiB block
        QByteArray large(64 * 1024, 'y');
        ga::http::consumeFront(large, 100);
        QCOMPARE(large.size(), 64 * 1024 - 100); // much left: cut in place
        ga::http::consumeFront(large, large.size());
        QVERIFY(large.isEmpty());
        QVERIFY(large.capacity() <= ga::http::kKeptBufferCapacity);
    }
};

QTEST_GUILESS_MAIN(TestSocketIo)
#include "tst_socketio.moc"
