// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "proxy/proxysettings.h"

#include <QObject>
#include <QTcpSocket>

#include <vector>

namespace ga::proxy {

// A keep-alive connection pool to the upstream, one per worker thread (so no locking). Sockets are plain
// QTcpSocket or QSslSocket; nothing goes through QNetworkAccessManager (which caps a host at six
// connections and costs ~10× per request, see README).
class UpstreamPool final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpstreamPool)

public:
    explicit UpstreamPool(QObject *parent = nullptr);
    ~UpstreamPool() override;

    // An idle connected socket for these settings, or a new one already connecting. The caller owns it
    // until it gives it back with release(). *reused tells which.
    QTcpSocket *acquire(const UpstreamSettings &settings, bool *reused);
    // Returns a socket whose last response was read completely and may be reused.
    void release(QTcpSocket *socket, const UpstreamSettings &settings);
    // Closes idle connections, e.g. when the upstream settings change.
    void clear();
    qsizetype idleCount() const { return qsizetype(m_idle.size()); }
    quint64 connectionsOpened() const { return m_opened; }

private:
    static QByteArray poolKey(const UpstreamSettings &settings);

    struct Idle
    {
        QByteArray key;
        QTcpSocket *socket;
    };
    std::vector<Idle> m_idle;
    quint64 m_opened = 0;
};

} // namespace ga::proxy
