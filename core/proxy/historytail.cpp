// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/historytail.h"

#include "metrics/accessrecord.h"
#include "metrics/recorder.h"

namespace ga::proxy {

HistoryTail::HistoryTail(ExchangeSink *sink, metrics::Recorder *recorder, bool withAdmin, QObject *parent)
    : QObject(parent)
    , m_sink(sink)
    , m_recorder(recorder)
    , m_withAdmin(withAdmin)
{
    m_keepAlive.setInterval(kKeepAliveMs);
    connect(&m_keepAlive, &QTimer::timeout, this, [this] {
        if (!m_aborted && !m_paused) {
            m_sink->exchangeData(": keep-alive\n\n");
        }
    });
}

void HistoryTail::start()
{
    const http::HeaderList headers {
        { QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/event-stream; charset=utf-8") },
        { QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store") },
        { QByteArrayLiteral("X-Accel-Buffering"), QByteArrayLiteral("no") },
    };
    // Records reach this thread through the event loop (the recorder emits on the worker that finished each one).
    connect(m_recorder, &metrics::Recorder::recorded, this, &HistoryTail::onRecorded, Qt::QueuedConnection);
    m_sink->exchangeHead(200, "OK", headers, -1, true);
    m_sink->exchangeData(": the request history as it happens\n\n"); // the head leaves now, with this
    m_keepAlive.start();
}

void HistoryTail::abort()
{
    m_aborted = true;
    m_keepAlive.stop();
    disconnect(m_recorder, nullptr, this, nullptr);
}

void HistoryTail::onRecorded(const metrics::AccessRecord &record)
{
    if (m_aborted || (!m_withAdmin && record.kind == u"admin")) {
        return;
    }
    if (m_paused) {
        ++m_dropped;
        return;
    }
    QByteArray event;
    if (m_dropped > 0) {
        event += "event: dropped\ndata: " + QByteArray::number(m_dropped) + "\n\n";
        m_dropped = 0;
    }
    event += "data: ";
    event += metrics::toJsonBytes(record); // one line: the same object as /history gives
    event += "\n\n";
    m_sink->exchangeData(event);
}

} // namespace ga::proxy
