// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/recorder.h"

#include "logging/logging.h"
#include "logging/messagehandler.h"
#include "metrics/historystore.h"

#include <QJsonDocument>
#include <QLocale>
#include <QMutexLocker>

#include <algorithm>
#include <map>
#include <tuple>

namespace ga::metrics {
namespace {

constexpr int kMaxModels = 64; // label cardinality bound: more distinct models are counted as "other"
constexpr qsizetype kMaxModelLabel = 64;

QString statusClassName(int statusClass)
{
    return statusClass <= 0 ? QStringLiteral("none") : QStringLiteral("%1xx").arg(statusClass);
}

bool isLabelChar(QChar c)
{
    return (c.isLetterOrNumber() && c.unicode() < 128) || c == u'.' || c == u'-' || c == u'_';
}

// Label values are escaped as the exposition format requires (backslash, quote, newline).
QByteArray escaped(const QString &value)
{
    QByteArray out;
    for (const QChar c : value) {
        if (c == u'\\') {
            out += "\\\\";
        } else if (c == u'"') {
            out += "\\\"";
        } else if (c == u'\n') {
            out += "\\n";
        } else {
            out += QString(c).toUtf8();
        }
    }
    return out;
}

QByteArray labels(const std::vector<std::pair<const char *, QString>> &pairs)
{
    QByteArray out = "{";
    bool first = true;
    for (const auto &[name, value] : pairs) {
        if (!first) {
            out += ',';
        }
        first = false;
        out += name;
        out += "=\"";
        out += escaped(value);
        out += '"';
    }
    out += '}';
    return out;
}

void family(QByteArray &out, const char *name, const char *type, const char *help)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void sample(QByteArray &out, const char *name, const QByteArray &labelText, double value)
{
    out += name;
    out += labelText;
    out += ' ';
    out += QString::number(value, 'g', QLocale::FloatingPointShortest).toLatin1();
    out += '\n';
}

// Samples in a stable order (label sets sorted), so scrapes diff cleanly.
template<typename T>
std::map<QString, T> sortedCopy(const QHash<QString, T> &hash)
{
    std::map<QString, T> out;
    for (auto it = hash.cbegin(); it != hash.cend(); ++it) {
        out.emplace(it.key(), it.value());
    }
    return out;
}

void histogram(QByteArray &out, const char *name, const QHash<QString, Histogram> &byTarget)
{
    const std::map<QString, Histogram> sorted = sortedCopy(byTarget);
    const QByteArray bucket = QByteArray(name) + "_bucket";
    const QByteArray sum = QByteArray(name) + "_sum";
    const QByteArray count = QByteArray(name) + "_count";
    for (const auto &[target, h] : sorted) {
        quint64 cumulative = 0;
        for (size_t i = 0; i < Histogram::kBounds.size(); ++i) {
            cumulative += h.counts[i];
            sample(out, bucket.constData(),
                labels({ { "target", target }, { "le", QString::number(Histogram::kBounds[i]) } }), double(cumulative));
        }
        cumulative += h.counts.back();
        sample(out, bucket.constData(), labels({ { "target", target }, { "le", QStringLiteral("+Inf") } }),
            double(cumulative));
        sample(out, sum.constData(), labels({ { "target", target } }), h.sum);
        sample(out, count.constData(), labels({ { "target", target } }), double(h.count));
    }
}

} // namespace

void Histogram::observe(double seconds)
{
    size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) {
        ++i;
    }
    ++counts[i];
    sum += seconds;
    ++count;
}

Recorder::Recorder(int historySize, QObject *parent)
    : QObject(parent)
    , m_historySize(std::max(0, historySize))
{
    qRegisterMetaType<AccessRecord>();
    m_history.reserve(size_t(m_historySize)); // one block
    makeSlotsLocked(); // (nothing else can reach the recorder yet)
}

namespace {

// `to = from`, skipped when both hold the same text block already. QString's assignment takes a reference and drops
// one even then: two atomic operations on a count the workers and the history's thread all change, so its cache line
// travels between cores (the kept records' assignments were 2.6 % of a worker's samples under wrk, perf).
void assignText(QString &to, const QString &from)
{
    // The block, the text's place in it and its size: the same state, so nothing changes when it is not assigned
    // (QString has no const access to its block; it is only read here).
    if (to.data_ptr().d_ptr() != const_cast<QString &>(from).data_ptr().d_ptr() || to.constData() != from.constData()
        || to.size() != from.size()) {
        to = from;
    }
}

// `to = from` for a kept record, each text by assignText(): a slot reused for a new record nearly always holds the
// same shared texts already (the model, path, key and route of the record a thousand before).
void copyInto(AccessRecord &to, const AccessRecord &from)
{
#if defined(__GLIBCXX__) && defined(__x86_64__)
    static_assert(sizeof(AccessRecord) == 328, "AccessRecord changed: copy the new field here");
    static_assert(sizeof(Attempt) == 88, "Attempt changed: copy the new field here");
#endif
    to.id = from.id;
    to.startedMs = from.startedMs;
    for (auto [dst, src] : { std::pair { &to.client, &from.client }, std::pair { &to.peer, &from.peer },
             std::pair { &to.method, &from.method }, std::pair { &to.path, &from.path },
             std::pair { &to.kind, &from.kind }, std::pair { &to.model, &from.model },
             std::pair { &to.mode, &from.mode }, std::pair { &to.keyId, &from.keyId },
             std::pair { &to.route, &from.route } }) {
        assignText(*dst, *src);
    }
    to.status = from.status;
    to.fallbacks = from.fallbacks;
    to.stream = from.stream;
    to.broken = from.broken;
    to.redacted = from.redacted;
    to.bytesIn = from.bytesIn;
    to.bytesOut = from.bytesOut;
    to.ttfbMs = from.ttfbMs;
    to.totalMs = from.totalMs;
    to.tokensIn = from.tokensIn;
    to.tokensOut = from.tokensOut;
    to.attempts.resize(from.attempts.size()); // the slot's storage, when it has room (makeSlotsLocked)
    for (size_t i = 0; i < from.attempts.size(); ++i) {
        Attempt &a = to.attempts[i];
        const Attempt &b = from.attempts[i];
        assignText(a.keyId, b.keyId);
        assignText(a.route, b.route);
        a.status = b.status;
        assignText(a.outcome, b.outcome);
        a.ms = b.ms;
    }
    to.live = from.live;
}

} // namespace

// Kept records take their text from earlier ones where it is the same (a model, a key id, a path): one allocation per
// value instead of one per record. Records are made on the worker thread that served them, among its connections'
// buffers; each string a kept record held there pinned a page of that thread's heap after a burst of streams ended
// (1,000 streams left 13 MB resident that malloc_trim could not return, with 1.7 MB in use).
void Recorder::internLocked(QString &text, QString &last)
{
    constexpr qsizetype kMaxInterned = 4096; // beyond that (ids in paths, many clients) records keep their own
    if (text.isEmpty()) {
        return;
    }
    // Most records repeat the one before (one client, one model, the same few paths): comparing with the value the
    // field took last time is a few instructions, where hashing the text for the set cost ~200.
    if (text.size() == last.size() && (text.constData() == last.constData() || text == last)) {
        assignText(text, last);
        return;
    }
    if (const auto seen = m_interned.constFind(text); seen != m_interned.constEnd()) {
        text = *seen;
    } else if (m_interned.size() < kMaxInterned) {
        m_interned.insert(text);
    } else {
        return; // not kept in the set: not remembered either (it would pin its allocation)
    }
    last = text;
}

// Slots are made kSlotBatch at a time with room for two attempts each, so that a record's attempts are copied into
// storage made together. The first batch (all of the default 1,000) is made when the history is sized, on the
// thread configuring it: made on a worker in the middle of a burst of streams, among the streams' buffers, the
// slots' attempts kept 2.4 MB of that worker's heap resident after the burst (bench-rss.sh, 1,000 streams).
void Recorder::makeSlotsLocked()
{
    constexpr size_t kSlotBatch = 1024;
    const size_t more = std::min(kSlotBatch, size_t(m_historySize) - m_history.size());
    for (size_t i = 0; i < more; ++i) {
        m_history.emplace_back().attempts.reserve(2);
    }
}

void Recorder::keepLocked(const AccessRecord &r)
{
    if (m_historySize <= 0) {
        return;
    }
    AccessRecord *slot = nullptr;
    if (m_kept < size_t(m_historySize)) {
        if (m_kept == m_history.size()) {
            makeSlotsLocked();
        }
        slot = &m_history[m_kept++];
    } else {
        slot = &m_history[m_oldest];
        m_oldest = (m_oldest + 1) % m_kept;
    }
    copyInto(*slot, r); // the attempts into the slot's storage when they fit
    // Only the texts made for each request or connection: the others are shared already with whoever keeps them for
    // longer (the key pool's ids, the router's route names, literals), and a lookup costs ~200 instructions under the
    // lock. A connection's own strings (its address, its client) must be interned too: a kept record holding one
    // after the connection closed pins that allocation's page of a worker's heap (bench-rss.sh: 4 MB more after
    // 1,000 streams closed).
    size_t field = 0;
    for (QString *text : { &slot->client, &slot->peer, &slot->method, &slot->path, &slot->model }) {
        internLocked(*text, m_lastInterned[field++]);
    }
    for (Attempt &a : slot->attempts) {
        internLocked(a.outcome, m_lastInterned[field]);
    }
}

std::vector<AccessRecord> Recorder::historyInOrderLocked() const
{
    std::vector<AccessRecord> out;
    out.reserve(m_kept);
    for (size_t i = 0; i < m_kept; ++i) {
        out.push_back(m_history[(m_oldest + i) % m_kept]);
    }
    return out;
}

void Recorder::setHistoryLocked(std::vector<AccessRecord> ordered)
{
    const size_t keep = std::min(ordered.size(), size_t(m_historySize));
    m_history.clear();
    m_history.shrink_to_fit();
    m_history.reserve(size_t(m_historySize));
    m_kept = 0;
    m_oldest = 0;
    makeSlotsLocked();
    for (size_t i = ordered.size() - keep; i < ordered.size(); ++i) {
        keepLocked(ordered[i]);
    }
}

quint64 Recorder::nextId()
{
    QMutexLocker lock(&m_mutex);
    return ++m_lastId;
}

void Recorder::streamStarted()
{
    QMutexLocker lock(&m_mutex);
    ++m_activeStreams;
}

void Recorder::streamEnded()
{
    QMutexLocker lock(&m_mutex);
    m_activeStreams = std::max(0, m_activeStreams - 1);
}

void Recorder::liveStarted()
{
    QMutexLocker lock(&m_mutex);
    ++m_activeLive;
}

void Recorder::liveEnded(int closeCode)
{
    QMutexLocker lock(&m_mutex);
    m_activeLive = std::max(0, m_activeLive - 1);
    ++m_liveByClose[closeCode];
}

int Recorder::activeLiveSessions() const
{
    QMutexLocker lock(&m_mutex);
    return m_activeLive;
}

QString Recorder::modelLabel(const QString &model)
{
    if (model.isEmpty()) {
        return QStringLiteral("none");
    }
    // Nearly every model name is a label as it is: then no copy is made.
    QString clean = model;
    if (model.size() > kMaxModelLabel || !std::all_of(model.cbegin(), model.cend(), isLabelChar)) {
        clean = model.left(kMaxModelLabel);
        for (QChar &c : clean) {
            c = isLabelChar(c) ? c : QChar(u'_');
        }
    }
    if (m_models.contains(clean)) {
        return clean;
    }
    if (m_models.size() >= kMaxModels) {
        return QStringLiteral("other");
    }
    m_models.append(clean);
    return clean;
}

void Recorder::record(AccessRecord r)
{
    redactFreeText(r); // once, for the log line, the history, the database and whoever listens
    {
        QMutexLocker lock(&m_mutex);
        if (r.id == 0) {
            r.id = ++m_lastId;
        }
        ++m_total;
        const int statusClass = r.status <= 0 ? 0 : r.status / 100;
        const QString route = r.route.isEmpty() ? QStringLiteral("none") : r.route;
        LabelMemo &memo = m_memo;
        const auto same = [](const QString &a, const QString &b) {
            return a.size() == b.size() && (a.constData() == b.constData() || a == b);
        };
        if (!memo.valid || memo.statusClass != statusClass || !same(memo.kind, r.kind) || !same(memo.model, r.model)
            || !same(memo.mode, r.mode) || !same(memo.route, route)) {
            memo = LabelMemo {};
            memo.kind = r.kind;
            memo.model = r.model;
            memo.mode = r.mode;
            memo.route = route;
            memo.statusClass = statusClass;
            memo.label = modelLabel(r.model);
            memo.requests = &m_requests[RequestLabels { r.kind, memo.label, statusClass, r.mode, route }];
            memo.valid = true;
        }
        ++*memo.requests;
        m_retries += quint64(r.retries());
        m_fallbacks += quint64(r.fallbacks);
        if (r.tokensIn) {
            if (!memo.tokensIn) {
                memo.tokensIn = &m_tokensIn[memo.label];
            }
            *memo.tokensIn += quint64(r.tokensIn);
        }
        if (r.tokensOut) {
            if (!memo.tokensOut) {
                memo.tokensOut = &m_tokensOut[memo.label];
            }
            *memo.tokensOut += quint64(r.tokensOut);
        }
        if (!r.attempts.empty()) {
            const auto targetKind
                = [&r] { return r.route == u"direct" ? QStringLiteral("direct") : QStringLiteral("relay"); };
            if (!memo.latency) {
                memo.latency = &m_latency[targetKind()];
            }
            memo.latency->observe(double(r.totalMs) / 1000.0);
            if (r.ttfbMs >= 0) {
                if (!memo.ttfb) {
                    memo.ttfb = &m_ttfb[targetKind()];
                }
                memo.ttfb->observe(double(r.ttfbMs) / 1000.0);
            }
        }
        if (r.broken) {
            ++m_brokenStreams;
        }
        keepLocked(r);
    }
    if (lcAccess().isInfoEnabled()) {
        if (logging::logFormat() == logging::LogFormat::Json) {
            qCInfo(lcAccess).noquote() << toJsonBytes(r);
        } else {
            thread_local QByteArray line; // the line's storage, kept (the log copies the bytes into its queue)
            toLogLineUtf8(r, line);
            if (!logging::writeSafeMessage(QtInfoMsg, lcAccess().categoryName(), line)) {
                // another message handler (a test's) gets it the usual way
                qCInfo(lcAccess).noquote() << QString::fromUtf8(line);
            }
        }
    }
    Q_EMIT recorded(r);
    if (HistoryStore *store = m_store.load(std::memory_order_acquire)) {
        store->append(std::move(r)); // last: the record is not copied for the store
    }
}

void Recorder::setStore(HistoryStore *store)
{
    m_store.store(store, std::memory_order_release);
}

void Recorder::restoreHistory(std::vector<AccessRecord> records)
{
    QMutexLocker lock(&m_mutex);
    quint64 highest = 0;
    for (const AccessRecord &r : records) {
        highest = std::max(highest, r.id);
    }
    m_lastId = std::max(m_lastId, highest); // raised, never lowered: ids handed out meanwhile stay below the next one
    for (AccessRecord &r : historyInOrderLocked()) {
        records.push_back(std::move(r)); // anything recorded meanwhile is newer
    }
    setHistoryLocked(std::move(records));
}

void Recorder::setHistorySize(int size)
{
    QMutexLocker lock(&m_mutex);
    std::vector<AccessRecord> ordered = historyInOrderLocked();
    m_historySize = std::max(0, size);
    setHistoryLocked(std::move(ordered));
}

std::vector<AccessRecord> Recorder::history(int max) const
{
    QMutexLocker lock(&m_mutex);
    const size_t n = max < 0 ? m_kept : std::min(m_kept, size_t(max));
    std::vector<AccessRecord> out;
    out.reserve(n);
    for (size_t i = m_kept - n; i < m_kept; ++i) {
        out.push_back(m_history[(m_oldest + i) % m_kept]);
    }
    return out;
}

quint64 Recorder::requestsTotal() const
{
    QMutexLocker lock(&m_mutex);
    return m_total;
}

int Recorder::activeStreams() const
{
    QMutexLocker lock(&m_mutex);
    return m_activeStreams;
}

QByteArray Recorder::renderPrometheus(const ScrapeState &state) const
{
    QByteArray out;
    out.reserve(8192);
    QMutexLocker lock(&m_mutex);

    family(out, "ga_requests_total", "counter",
        "Requests answered, by route kind, model, status class, routing mode and target (direct or relay id).");
    std::vector<std::pair<RequestLabels, quint64>> requests;
    requests.reserve(size_t(m_requests.size()));
    for (auto it = m_requests.cbegin(); it != m_requests.cend(); ++it) {
        requests.emplace_back(it.key(), it.value());
    }
    std::sort(requests.begin(), requests.end(), [](const auto &a, const auto &b) {
        const RequestLabels &x = a.first;
        const RequestLabels &y = b.first;
        return std::tie(x.kind, x.model, x.statusClass, x.mode, x.target)
            < std::tie(y.kind, y.model, y.statusClass, y.mode, y.target);
    });
    for (const auto &[l, count] : requests) {
        sample(out, "ga_requests_total",
            labels({ { "kind", l.kind }, { "model", l.model }, { "status_class", statusClassName(l.statusClass) },
                { "mode", l.mode }, { "target", l.target } }),
            double(count));
    }
    family(out, "ga_retries_total", "counter", "Extra upstream attempts made after a failed one.");
    sample(out, "ga_retries_total", QByteArray(), double(m_retries));
    family(out, "ga_fallbacks_total", "counter", "Times a failed relay was replaced by another route.");
    sample(out, "ga_fallbacks_total", QByteArray(), double(m_fallbacks));
    family(out, "ga_broken_streams_total", "counter", "Streams cut before their end.");
    sample(out, "ga_broken_streams_total", QByteArray(), double(m_brokenStreams));
    family(out, "ga_tokens_total", "counter", "Model tokens by model and direction (in: prompt, out: output).");
    std::map<std::pair<QString, QString>, quint64> tokens; // (model, direction), sorted
    for (auto it = m_tokensIn.cbegin(); it != m_tokensIn.cend(); ++it) {
        tokens.emplace(std::pair { it.key(), QStringLiteral("in") }, it.value());
    }
    for (auto it = m_tokensOut.cbegin(); it != m_tokensOut.cend(); ++it) {
        tokens.emplace(std::pair { it.key(), QStringLiteral("out") }, it.value());
    }
    for (const auto &[key, count] : tokens) {
        sample(out, "ga_tokens_total", labels({ { "model", key.first }, { "direction", key.second } }), double(count));
    }
    family(out, "ga_upstream_latency_seconds", "histogram", "Time from request to the end of the response.");
    histogram(out, "ga_upstream_latency_seconds", m_latency);
    family(out, "ga_upstream_ttfb_seconds", "histogram", "Time until the response head reached the client.");
    histogram(out, "ga_upstream_ttfb_seconds", m_ttfb);
    family(out, "ga_active_streams", "gauge", "Streaming responses in progress.");
    sample(out, "ga_active_streams", QByteArray(), m_activeStreams);
    family(out, "ga_live_sessions_open", "gauge", "Live API sessions (WebSocket) in progress.");
    sample(out, "ga_live_sessions_open", QByteArray(), m_activeLive);
    family(out, "ga_live_sessions_total", "counter",
        "Live API sessions ended, by the close code that ended them (1006: the connection dropped).");
    for (const auto &[code, count] : m_liveByClose) {
        sample(out, "ga_live_sessions_total", labels({ { "close_code", QString::number(code) } }), double(count));
    }
    lock.unlock();

    if (HistoryStore *store = m_store.load(std::memory_order_acquire)) {
        family(out, "ga_history_dropped_total", "counter",
            "Requests not written to the request history on disk: its writer fell behind or a write failed (a slow, "
            "full or locked disk).");
        sample(out, "ga_history_dropped_total", QByteArray(), double(store->dropped()));
    }
    family(out, "ga_active_connections", "gauge", "Open client connections.");
    sample(out, "ga_active_connections", QByteArray(), state.activeConnections);
    if (state.tlsNotAfterSecs > 0) {
        family(out, "ga_tls_certificate_expiry_days", "gauge",
            "Days until the HTTPS listener's certificate expires (negative: expired).");
        sample(out, "ga_tls_certificate_expiry_days", QByteArray(),
            double(state.tlsNotAfterSecs - QDateTime::currentSecsSinceEpoch()) / 86400.0);
    }
    if (state.clusterState != 0) {
        family(out, "ga_cluster_redis_up", "gauge",
            "Cluster mode: 1 while this node is connected to the shared Redis, 0 while it runs on its own state.");
        sample(out, "ga_cluster_redis_up", QByteArray(), state.clusterState == 2 ? 1 : 0);
        family(out, "ga_cluster_events_published_total", "counter", "Cluster mode: events sent to the other nodes.");
        sample(out, "ga_cluster_events_published_total", QByteArray(), double(state.clusterPublished));
        family(out, "ga_cluster_events_received_total", "counter",
            "Cluster mode: events from the other nodes applied here.");
        sample(out, "ga_cluster_events_received_total", QByteArray(), double(state.clusterReceived));
        family(out, "ga_cluster_reconnects_total", "counter", "Cluster mode: times Redis came back after an outage.");
        sample(out, "ga_cluster_reconnects_total", QByteArray(), double(state.clusterReconnects));
    }
    family(out, "ga_keys", "gauge", "API keys by state.");
    for (const char *s : { "active", "cooling", "invalid", "disabled" }) {
        sample(out, "ga_keys", labels({ { "state", QString::fromLatin1(s) } }),
            state.keysByState.value(QString::fromLatin1(s)));
    }
    family(out, "ga_relay_healthy", "gauge", "1 when a relay instance is usable, 0 when it is not.");
    const std::map<QString, bool> relays = sortedCopy(state.relayHealthy);
    for (const auto &[id, healthy] : relays) {
        sample(out, "ga_relay_healthy", labels({ { "instance", id } }), healthy ? 1 : 0);
    }
    family(out, "ga_rate_limited_total", "counter", "Requests refused by the proxy's own rate limits (429).");
    sample(out, "ga_rate_limited_total", QByteArray(), double(state.rateLimited));
    family(out, "ga_unauthenticated_total", "counter", "Requests refused for a missing or invalid access token.");
    sample(out, "ga_unauthenticated_total", QByteArray(), double(state.unauthenticated));
    family(out, "ga_denied_connections_total", "counter", "Connections closed by the IP rules.");
    sample(out, "ga_denied_connections_total", QByteArray(), double(state.deniedConnections));
    family(out, "ga_evicted_connections_total", "counter",
        "Idle or slow-header connections closed to make room at listen.maxConnections.");
    sample(out, "ga_evicted_connections_total", QByteArray(), double(state.evictedConnections));
    family(out, "ga_refused_connections_total", "counter",
        "Connections refused with 503 at listen.maxConnections (nothing could be closed).");
    sample(out, "ga_refused_connections_total", QByteArray(), double(state.refusedConnections));
    family(out, "ga_accept_errors_total", "counter", "Failed accepts (out of file descriptors, say); retried.");
    sample(out, "ga_accept_errors_total", QByteArray(), double(state.acceptErrors));
    family(out, "ga_build_info", "gauge", "Version of the running proxy.");
    sample(out, "ga_build_info", labels({ { "version", state.version } }), 1);
    return out;
}

} // namespace ga::metrics
