// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "proxy/exchange.h"

#include <QTimer>

namespace ga::metrics {
class Recorder;
struct AccessRecord;
} // namespace ga::metrics

namespace ga::proxy {

// GET /admin/api/v1/history/tail: the request history as it happens, as server-sent events (one `data:` line of
// the record's JSON, as /history gives it, per finished request). The console's live log. It never ends on its
// own; a comment every 15 s keeps proxies and browsers from closing it. Records of admin calls are left out unless
// asked for (the console's own polling would fill it). While the client does not read, records are dropped and the
// next event says how many (`event: dropped`), so a stalled tab holds no memory.
class HistoryTail final : public QObject, public Forwarder
{
    Q_OBJECT

public:
    HistoryTail(ExchangeSink *sink, metrics::Recorder *recorder, bool withAdmin, QObject *parent);
    void start() override;
    void abort() override;
    void setPaused(bool paused) override { m_paused = paused; }
    bool isPaused() const override { return m_paused; }
    void checkTimeouts(qint64) override { }
    QString keyId() const override { return {}; }
    std::vector<metrics::Attempt> attemptLog() const override { return {}; }
    QString routeName() const override { return {}; }
    int fallbacks() const override { return 0; }
    keys::Usage usage() const override { return {}; }

    static constexpr int kKeepAliveMs = 15000;

private:
    void onRecorded(const ga::metrics::AccessRecord &record);

    ExchangeSink *m_sink;
    metrics::Recorder *m_recorder;
    bool m_withAdmin;
    bool m_paused = false;
    bool m_aborted = false;
    qint64 m_dropped = 0;
    QTimer m_keepAlive;
};

} // namespace ga::proxy
