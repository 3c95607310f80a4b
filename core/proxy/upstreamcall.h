// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "proxy/exchange.h"

#include <functional>
#include <memory>

namespace ga::proxy {

class ProxyServer;

// One request to the Gemini API made by the proxy itself, through the same machinery as a client's (key choice,
// resource owners, relays, retries): for the admin API's file and cache actions. Runs on the calling thread's
// event loop; `done` is called once, on that thread.
class UpstreamCall final : public QObject, private ExchangeSink
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpstreamCall)

public:
    struct Result
    {
        int status = 0;
        QByteArray body; // Google's answer, or our error in Gemini's shape
        QString message; // for an error: the sentence to show
    };
    static constexpr int kTimeoutMs = 120'000;

    static void run(ProxyServer *server, ForwardRequest request, std::function<void(Result)> done);

private:
    UpstreamCall(ProxyServer *server, ForwardRequest request, std::function<void(Result)> done);
    void exchangeHead(int status, const QByteArray &reason, const http::HeaderList &headers, qint64 contentLength,
        bool hasBody) override;
    void exchangeData(QByteArrayView data) override;
    void exchangeEnd() override;
    void exchangeFailed(int status, const QString &message, qint64 retryAfterSeconds) override;
    void finish();

    std::function<void(Result)> m_done;
    Result m_result;
    UpstreamPool *m_pool;
    std::unique_ptr<Exchange> m_exchange; // deleted with the call (finish() defers that)
    qint64 m_deadline = 0;
    bool m_finished = false;
};

} // namespace ga::proxy
