// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "proxy/exchange.h"

#include <memory>

namespace ga::proxy {

// GET …/files (cachedContents, batches, fileSearchStores): Google lists only the caller's project, so the proxy
// asks one key of every project and merges the answers into one. The page token it hands out holds each
// project's own token, so the next page asks only the projects that have more. Projects whose keys are all
// cooling or failing are left out (logged); when every project fails, the first failure is passed on.
class ListFanOut final : public QObject, public Forwarder, private ExchangeSink
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ListFanOut)

public:
    ListFanOut(ExchangeSink *sink, UpstreamPool *pool, keys::KeyPool *keys, routing::Router *router,
        affinity::ResourceMap *resources, SettingsPtr settings, ForwardRequest request, QObject *parent = nullptr);
    ~ListFanOut() override;

    void start() override;
    void abort() override;
    void setPaused(bool) override { }
    bool isPaused() const override { return false; }
    void checkTimeouts(qint64 nowMs) override;
    QString keyId() const override;
    std::vector<metrics::Attempt> attemptLog() const override;
    QString routeName() const override;
    int fallbacks() const override;
    keys::Usage usage() const override { return {}; }

    // The proxy's page token ("ga1." + base64url JSON {scope: token}) ↔ the per-project tokens.
    static QByteArray encodePageToken(const QList<QPair<QString, QString>> &tokens);
    static bool decodePageToken(QByteArrayView token, QList<QPair<QString, QString>> *tokens);
    static QString scopeId(const keys::KeyScope &scope); // "g:<group>" or "k:<key id>"

private:
    struct Part;
    // The parts answer through this sink, one at a time (each knows which part it is by the sender).
    void exchangeHead(int status, const QByteArray &reason, const http::HeaderList &headers, qint64 contentLength,
        bool hasBody) override;
    void exchangeData(QByteArrayView data) override;
    void exchangeEnd() override;
    void exchangeFailed(int status, const QString &message, qint64 retryAfterSeconds) override;
    Part *current();
    void runPart();
    void partDone();
    void finish();

    ExchangeSink *m_sink;
    UpstreamPool *m_pool;
    keys::KeyPool *m_keys;
    routing::Router *m_router;
    affinity::ResourceMap *m_resources;
    SettingsPtr m_settings;
    ForwardRequest m_request;
    std::vector<std::unique_ptr<Part>> m_parts;
    size_t m_next = 0; // parts run one after another: a list is small, and it keeps one upstream socket busy
    bool m_done = false;
};

} // namespace ga::proxy
