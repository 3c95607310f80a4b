// SPDX-License-Identifier: GPL-3.0-or-later
// The platform headers come first and alone: winsock2.h must precede anything that pulls in windows.h.
#ifdef _WIN32
#include <winsock2.h>
#else
#include <cerrno>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#endif

#include "http/buffer.h"
#include "proxy/epolldispatcher.h"
#include "proxy/rawsyscalls.h"
#include "proxy/socketio.h"

#include <QEvent>
#include <QSocketNotifier>
#include <QSslSocket>
#include <QTcpSocket>

#include <algorithm>
#include <memory>
#include <utility>

namespace ga::proxy {

bool shutdownSending(qintptr descriptor)
{
#ifdef _WIN32
    return ::shutdown(SOCKET(descriptor), SD_SEND) == 0;
#else
    return ::shutdown(int(descriptor), SHUT_WR) == 0;
#endif
}

namespace {

#ifndef _WIN32
#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL | MSG_DONTWAIT; // Qt's sockets are non-blocking; DONTWAIT says it anyway
#else
constexpr int kSendFlags = MSG_DONTWAIT; // macOS: Qt sets SO_NOSIGPIPE on its sockets
#endif

// Bytes a send call took (retried when a signal interrupts it): 0 when the kernel's buffer is full or the send
// failed (Qt then meets the failure itself).
template<typename Send>
qsizetype sentBy(Send &&send)
{
    ssize_t n;
    do {
        n = send();
    } while (n < 0 && errno == EINTR);
    return n > 0 ? qsizetype(n) : 0;
}
#endif

// Bytes the kernel took: 0 when its buffer is full or the send failed (Qt then meets the failure itself).
qsizetype sendToKernel(qintptr descriptor, const char *data, qsizetype size)
{
#ifdef _WIN32
    const int n = ::send(SOCKET(descriptor), data, int(qMin<qsizetype>(size, 1 << 30)), 0);
    return n > 0 ? n : 0;
#else
    return sentBy([&] { return sys::send(int(descriptor), data, size_t(size), kSendFlags); });
#endif
}

// Whether `socket`'s bytes can go to its descriptor now: a plain, connected TCP socket with nothing queued (a TLS
// socket's descriptor carries ciphertext: its bytes must go through QSslSocket). The class is compared first and
// exactly (a QTcpSocket, not a QSslSocket or another subclass): qobject_cast walked the class chain on every
// write, ~50 instructions a streamed event.
bool sendsDirectly(QAbstractSocket *socket)
{
    return socket->metaObject() == &QTcpSocket::staticMetaObject && socket->socketDescriptor() != -1
        && socket->bytesToWrite() == 0 && socket->state() == QAbstractSocket::ConnectedState;
}

} // namespace

bool writeThrough(QAbstractSocket *socket, QByteArrayView data)
{
    if (data.isEmpty()) {
        return true;
    }
    qsizetype sent = 0;
    if (sendsDirectly(socket)) {
        sent = sendToKernel(socket->socketDescriptor(), data.data(), data.size());
    }
    if (sent == data.size()) {
        return true;
    }
    return socket->write(data.data() + sent, data.size() - sent) == data.size() - sent;
}

bool writeThrough(QAbstractSocket *socket, std::initializer_list<QByteArrayView> parts)
{
#ifdef _WIN32
    // No sendmsg: the pieces are put together (Windows is not where the proxy's throughput is measured).
    QByteArray joined;
    for (QByteArrayView part : parts) {
        joined.append(part);
    }
    return writeThrough(socket, joined);
#else
    constexpr size_t kMaxParts = 8;
    Q_ASSERT(parts.size() <= kMaxParts);
    iovec vec[kMaxParts];
    size_t count = 0;
    qsizetype total = 0;
    for (QByteArrayView part : parts) {
        if (!part.isEmpty() && count < kMaxParts) {
            vec[count].iov_base = const_cast<char *>(part.data());
            vec[count].iov_len = size_t(part.size());
            total += part.size();
            ++count;
        }
    }
    qsizetype sent = 0;
    if (count > 0 && sendsDirectly(socket)) {
        msghdr msg {};
        msg.msg_iov = vec;
        msg.msg_iovlen = decltype(msg.msg_iovlen)(count);
        sent = sentBy([&] { return sys::sendmsg(int(socket->socketDescriptor()), &msg, kSendFlags); });
    }
    if (sent == total) {
        return true;
    }
    // What the kernel did not take goes to Qt's buffer, piece by piece from where the send stopped.
    bool ok = true;
    for (size_t i = 0; i < count; ++i) {
        const auto size = qsizetype(vec[i].iov_len);
        if (sent >= size) {
            sent -= size;
            continue;
        }
        const char *from = static_cast<const char *>(vec[i].iov_base) + sent;
        ok = socket->write(from, size - sent) == size - sent && ok;
        sent = 0;
    }
    return ok;
#endif
}

namespace {
thread_local QByteArray t_spare;
} // namespace

QByteArray takeSpareBytes()
{
    QByteArray bytes = std::exchange(t_spare, QByteArray());
    if (!bytes.isNull()) {
        bytes.resize(0); // keeps the capacity (QByteArray::clear() would free it)
    }
    return bytes;
}

void keepSpareBytes(QByteArray &&bytes)
{
    constexpr qsizetype kMaxKept = 64 * 1024;
    if (bytes.capacity() > t_spare.capacity() && bytes.capacity() <= kMaxKept && bytes.isDetached()) {
        t_spare = std::move(bytes);
    }
}

namespace {

// Watches Qt's read notifier of one socket: a child of the notifier, so it goes with it.
class DirectReadFilter final : public QObject
{
public:
    DirectReadFilter(QSocketNotifier *notifier, DirectReadable *target)
        : QObject(notifier)
        , m_target(target)
    {
        notifier->installEventFilter(this);
    }

protected:
    bool eventFilter(QObject *, QEvent *event) override
    {
        return event->type() == QEvent::SockAct && m_target->readable();
    }

private:
    DirectReadable *m_target;
};

} // namespace

bool attachDirectReads(QAbstractSocket *socket, DirectReadable *target)
{
#ifdef _WIN32
    Q_UNUSED(socket)
    Q_UNUSED(target)
    return false;
#else
    const qintptr fd = socket->socketDescriptor();
    if (fd == -1 || socket->state() != QAbstractSocket::ConnectedState
        || socket->socketType() != QAbstractSocket::TcpSocket || qobject_cast<QSslSocket *>(socket)) {
        return false;
    }
    // The socket's own engine must be the native one, the notifier its own: a socket through a proxy has a proxy
    // engine (HTTP CONNECT, SOCKS5) whose bytes pass through another socket inside it.
    for (QObject *engine : socket->children()) {
        if (!engine->inherits("QNativeSocketEngine")) {
            continue;
        }
        for (QObject *child : engine->children()) {
            auto *n = qobject_cast<QSocketNotifier *>(child);
            if (n && n->type() == QSocketNotifier::Read && n->socket() == fd) {
                // The worker's epoll dispatcher hands the activations over itself; elsewhere an event filter (once).
                const QObjectList &filters = n->children();
                if (!routeReadActivations(n, target) && std::none_of(filters.begin(), filters.end(), [](QObject *o) {
                        return dynamic_cast<DirectReadFilter *>(o) != nullptr;
                    })) {
                    new DirectReadFilter(n, target);
                }
                return true;
            }
        }
    }
    return false;
#endif
}

namespace {

#ifndef _WIN32
// Reads land in a block of the thread's and are copied out at their size: a buffer sized for the largest read would
// keep that capacity for the connection's life (http/buffer.h). A DirectRead may lend the block out.
constexpr qsizetype kBlock = 16 * 1024;
struct ReadBlock
{
    std::unique_ptr<char[]> bytes;
    bool lent = false;
};
thread_local ReadBlock t_block;

qint64 readInto(QAbstractSocket *socket, QByteArray &buffer, bool mayLend, QByteArrayView *lent)
{
    static constexpr qint64 kMaxPerCall = 256 * 1024; // the rest on the next activation: others get their turn
    qint64 got = http::appendAvailable(socket, buffer);
    std::unique_ptr<char[]> own; // while the thread's block is lent out
    char *block = nullptr;
    if (!t_block.lent) {
        if (!t_block.bytes) {
            t_block.bytes = std::make_unique<char[]>(size_t(kBlock));
        }
        block = t_block.bytes.get();
    } else {
        own = std::make_unique<char[]>(size_t(kBlock));
        block = own.get();
        mayLend = false;
    }
    const int fd = int(socket->socketDescriptor());
    while (got < kMaxPerCall) {
        const ssize_t n = sys::recv(fd, block, size_t(kBlock), MSG_DONTWAIT);
        if (n > 0) {
            if (n < kBlock && got == 0 && mayLend && buffer.isEmpty()) {
                t_block.lent = true;
                *lent = QByteArrayView(block, qsizetype(n));
                return n;
            }
            if (buffer.isEmpty() && buffer.capacity() < n) {
                buffer = QByteArray(block, qsizetype(n)); // at its size (an append would round it up)
            } else {
                buffer.append(block, qsizetype(n));
            }
            got += n;
            if (n < kBlock) {
                break; // all there was: no second call to hear "nothing more"
            }
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        return got > 0 ? got : -1; // the end, or an error: Qt's read finds it again (at the next activation)
    }
    return got;
}
#endif

} // namespace

qint64 readDirect(QAbstractSocket *socket, QByteArray &buffer)
{
#ifdef _WIN32
    return http::appendAvailable(socket, buffer);
#else
    return readInto(socket, buffer, false, nullptr);
#endif
}

DirectRead::DirectRead(QAbstractSocket *socket, QByteArray &buffer)
{
#ifdef _WIN32
    m_got = http::appendAvailable(socket, buffer);
#else
    m_got = readInto(socket, buffer, true, &m_lent);
#endif
}

DirectRead::~DirectRead()
{
#ifndef _WIN32
    if (!m_lent.isEmpty()) {
        t_block.lent = false;
    }
#endif
}

} // namespace ga::proxy
