// SPDX-License-Identifier: GPL-3.0-or-later
// The platform headers come first and alone: winsock2.h must precede anything that pulls in windows.h.
#ifdef _WIN32
#include <winsock2.h>
#else
#include <cerrno>
#include <sys/socket.h>
#include <sys/types.h>
#endif

#include "proxy/socketio.h"

#include <QSslSocket>
#include <QTcpSocket>

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

// Bytes the kernel took: 0 when its buffer is full or the send failed (Qt then meets the failure itself).
qsizetype sendToKernel(qintptr descriptor, const char *data, qsizetype size)
{
#ifdef _WIN32
    const int n = ::send(SOCKET(descriptor), data, int(qMin<qsizetype>(size, 1 << 30)), 0);
    return n > 0 ? n : 0;
#else
#ifdef MSG_NOSIGNAL
    constexpr int flags = MSG_NOSIGNAL | MSG_DONTWAIT; // Qt's sockets are non-blocking; DONTWAIT says it anyway
#else
    constexpr int flags = MSG_DONTWAIT; // macOS: Qt sets SO_NOSIGPIPE on its sockets
#endif
    ssize_t n;
    do {
        n = ::send(int(descriptor), data, size_t(size), flags);
    } while (n < 0 && errno == EINTR);
    return n > 0 ? qsizetype(n) : 0;
#endif
}

} // namespace

bool writeThrough(QAbstractSocket *socket, QByteArrayView data)
{
    if (data.isEmpty()) {
        return true;
    }
    qsizetype sent = 0;
    const qintptr fd = socket->socketDescriptor();
    // A TLS socket's descriptor carries ciphertext: its bytes must go through QSslSocket.
    if (fd != -1 && socket->bytesToWrite() == 0 && socket->state() == QAbstractSocket::ConnectedState
        && socket->socketType() == QAbstractSocket::TcpSocket && !qobject_cast<QSslSocket *>(socket)) {
        sent = sendToKernel(fd, data.data(), data.size());
    }
    if (sent == data.size()) {
        return true;
    }
    return socket->write(data.data() + sent, data.size() - sent) == data.size() - sent;
}

} // namespace ga::proxy
