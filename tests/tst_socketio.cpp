// SPDX-License-Identifier: GPL-3.0-or-later
// writeThrough() and the receive buffers of http/buffer.h on real loopback sockets.
#include "http/buffer.h"
#include "proxy/socketio.h"

#include <QSignalSpy>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

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

// Bytes numbered so that a lost, doubled or reordered piece shows.
QByteArray pattern(qsizetype offset, qsizetype n)
{
    QByteArray b(n, Qt::Uninitialized);
    for (qsizetype i = 0; i < n; ++i) {
        b[i] = char((offset + i) * 7 % 251);
    }
    return b;
}

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
        QByteArray got;
        QDeadlineTimer deadline(20000);
        while (got.size() < offset && !deadline.hasExpired()) {
            p.near->waitForBytesWritten(10);
            p.far->waitForReadyRead(10);
            got += p.far->readAll();
        }
        QCOMPARE(got.size(), offset);
        QVERIFY(got == pattern(0, offset));
        QCOMPARE(p.near->bytesToWrite(), 0);
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
