// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/upstreamcall.h"

#include "http/httperror.h"
#include "proxy/clock.h"
#include "proxy/proxyserver.h"
#include "proxy/upstreampool.h"

#include <QTimer>

namespace ga::proxy {

void UpstreamCall::run(ProxyServer *server, ForwardRequest request, std::function<void(Result)> done)
{
    if (!server || !server->settings()) {
        done({ 503, http::errorBody(503, QStringLiteral("The proxy is not running.")),
            QStringLiteral("The proxy is not running.") });
        return;
    }
    auto *call = new UpstreamCall(server, std::move(request), std::move(done));
    QMetaObject::invokeMethod(
        call, [call] { call->m_exchange->start(); }, Qt::QueuedConnection);
}

UpstreamCall::UpstreamCall(ProxyServer *server, ForwardRequest request, std::function<void(Result)> done)
    : m_done(std::move(done))
    , m_pool(new UpstreamPool(this))
{
    m_exchange = std::make_unique<Exchange>(static_cast<ExchangeSink *>(this), m_pool, server->keys(), server->router(),
        server->resources(), server->settings(), std::move(request));
    // No worker sweeper runs here: one timer drives the exchange's deadlines, and bounds the whole call.
    m_deadline = nowMs() + kTimeoutMs;
    auto *sweeper = new QTimer(this);
    connect(sweeper, &QTimer::timeout, this, [this] {
        const qint64 now = nowMs();
        if (now >= m_deadline) {
            exchangeFailed(504, QStringLiteral("The upstream did not answer within %1 s.").arg(kTimeoutMs / 1000), -1);
            return;
        }
        if (m_exchange) {
            m_exchange->checkTimeouts(now);
        }
    });
    sweeper->start(100);
}

void UpstreamCall::exchangeHead(int status, const QByteArray &, const http::HeaderList &, qint64, bool)
{
    m_result.status = status;
}

void UpstreamCall::exchangeData(QByteArrayView data)
{
    if (m_result.body.size() < 16 * 1024 * 1024) {
        m_result.body.append(data);
    }
}

void UpstreamCall::exchangeEnd()
{
    finish();
}

void UpstreamCall::exchangeFailed(int status, const QString &message, qint64)
{
    m_result.status = status;
    m_result.message = message;
    m_result.body = http::errorBody(status, message);
    finish();
}

void UpstreamCall::finish()
{
    if (m_finished) {
        return;
    }
    m_finished = true;
    if (m_exchange) {
        m_exchange->abort();
    }
    if (m_result.message.isEmpty() && m_result.status >= 300) {
        m_result.message = QString::fromUtf8(m_result.body.left(300)).simplified();
    }
    const std::function<void(Result)> done = std::move(m_done);
    const Result result = std::move(m_result);
    deleteLater(); // we may be inside the exchange's call
    done(result);
}

} // namespace ga::proxy
