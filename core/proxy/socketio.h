// SPDX-License-Identifier: GPL-3.0-or-later
// What the proxy does with a connected socket's descriptor that Qt's socket classes do not offer.
#pragma once

#include <QByteArrayView>
#include <QtGlobal>

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

} // namespace ga::proxy
