// SPDX-License-Identifier: GPL-3.0-or-later
// What the proxy does with a connected socket's descriptor that Qt's socket classes do not offer.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QtGlobal>

#include <initializer_list>

QT_BEGIN_NAMESPACE
class QAbstractSocket;
QT_END_NAMESPACE

namespace ga::proxy {

// Ends the sending direction of a connected socket (shutdown SHUT_WR / SD_SEND): the peer reads everything sent,
// then end-of-file, while this side can still read. Qt has no half-close for TCP sockets. False on failure.
bool shutdownSending(qintptr descriptor);

// Writes `data` to `socket` as QIODevice::write() would, but sends it to the kernel at once when the socket has
// nothing queued: a plain TCP socket (not TLS) with an empty write buffer gets one send() on its descriptor, and
// only what the kernel does not take goes into Qt's buffer (drained by Qt's write notifier as before). Qt copies
// every write into a 16 KiB block of its own and keeps that block for the socket's life once used; a proxy holding
// thousands of streams kept one per socket. Failures are Qt's to find: the bytes go to its buffer and its next
// write reports the error (errorOccurred, disconnected), from the event loop, never from inside this call.
// Returns false only if the socket refused the bytes (not connected).
bool writeThrough(QAbstractSocket *socket, QByteArrayView data);
// The same for pieces that go out one after the other (a chunk's size line, its data, its end), sent with one
// sendmsg() where the platform has it: no buffer to put them together in.
bool writeThrough(QAbstractSocket *socket, std::initializer_list<QByteArrayView> parts);

// A thread's spare buffer for bytes about to be written (a request or an answer's head, the body behind it), so that
// one allocation serves message after message: takeSpareBytes() lends it out, empty with the capacity it had (a null
// QByteArray when the thread has none, or has lent it), and keepSpareBytes() takes a buffer back once its bytes were
// written. Kept only when nothing else shares it (Qt's write buffer may) and it holds at most 64 KiB.
QByteArray takeSpareBytes();
void keepSpareBytes(QByteArray &&bytes);

// Reads of a plain TCP socket made here with recv(), not by Qt. Each time the socket becomes readable Qt asks the
// kernel how much there is (an ioctl), reads it into a ring buffer of its own, emits readyRead, and the bytes are
// read out of that buffer again: on a proxied request that was a tenth of its instructions and two of its six
// system calls. Qt offers no switch for it, so this watches the read notifier Qt's socket engine made (a QObject
// inside the socket) and takes its activations first: what the kernel has goes straight into the owner's buffer.
// Anything out of the ordinary is left to Qt by returning false from `readable()`: the end of the stream and
// errors (Qt finds them on its read and emits disconnected/errorOccurred as always), a paused reader (Qt's
// bounded buffer fills, then TCP pushes back), a closing connection.
class DirectReadable
{
public:
    // The socket has something to read (data, or its end). True: taken care of here (readDirect()); false: Qt
    // reads it and emits readyRead, as without direct reads.
    virtual bool readable() = 0;

protected:
    ~DirectReadable() = default;
};

// Whether attachDirectReads() can route reads on this platform (everywhere but Windows).
constexpr bool directReadsAvailable()
{
#ifdef _WIN32
    return false;
#else
    return true;
#endif
}

// Sends `socket`'s read activations to `target` first. Only a connected plain TCP socket through no proxy, and only
// where the platform's recv() is used (not Windows); false when not attached (Qt reads as before). `target` must
// outlive the socket or be detached by deleting the socket. On a worker's epoll dispatcher the route lasts while Qt
// keeps the socket's notifiers on (epolldispatcher.h): an owner that paused reading attaches again when it resumes;
// calling it again is harmless.
bool attachDirectReads(QAbstractSocket *socket, DirectReadable *target);

// Appends to `buffer` what Qt has buffered for `socket` (it was read first), then what the kernel has (recv() until
// it has no more, at most a few hundred KiB per call). The number of bytes appended; 0 when there was nothing;
// -1 when nothing was appended and the kernel reports the end of the stream or an error (for Qt to find).
qint64 readDirect(QAbstractSocket *socket, QByteArray &buffer);

// readDirect() for a reader that can use the bytes where they landed: when `buffer` is empty and one recv() took all
// there was, they stay in the thread's read block and lent() is a view of them, valid while this object lives (a
// stream's event is then neither allocated nor copied; that was ~5 % of an event's instructions). Otherwise they are
// appended to `buffer` and lent() is empty. A read on the same thread while a block is lent (a nested one) uses
// another block.
class DirectRead
{
    Q_DISABLE_COPY_MOVE(DirectRead)

public:
    DirectRead(QAbstractSocket *socket, QByteArray &buffer);
    ~DirectRead();
    qint64 got() const { return m_got; } // as readDirect() returns
    QByteArrayView lent() const { return m_lent; }

private:
    qint64 m_got = 0;
    QByteArrayView m_lent;
};

} // namespace ga::proxy
