// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/listfanout.h"

#include "http/query.h"
#include "logging/logging.h"
#include "proxy/clock.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace ga::proxy {
namespace {

constexpr QByteArrayView kTokenPrefix = "ga1.";
constexpr qsizetype kMaxPartBytes = 16 * 1024 * 1024;

// The query with pageToken replaced by `token` (removed when empty); the rest kept as sent.
QByteArray withPageToken(QByteArrayView query, const QString &token)
{
    QByteArray out = http::withoutParameters(query, [](const QByteArray &name) { return name == "pageToken"; });
    if (!token.isEmpty()) {
        if (!out.isEmpty()) {
            out += '&';
        }
        out += "pageToken=" + QUrl::toPercentEncoding(token);
    }
    return out;
}

} // namespace

struct ListFanOut::Part
{
    keys::KeyScope scope;
    QString token; // the project's own page token
    std::unique_ptr<Exchange> exchange;
    int status = 0;
    QByteArray reason;
    http::HeaderList headers;
    QByteArray body;
    bool complete = false;
    bool failed = false;
    QString failMessage;
    qint64 retryAfter = -1;
    QString keyId;
    QString route;
    int fallbacks = 0;
    std::vector<metrics::Attempt> attempts;
};

ListFanOut::ListFanOut(ExchangeSink *sink, UpstreamPool *pool, keys::KeyPool *keys, routing::Router *router,
    affinity::ResourceMap *resources, SettingsPtr settings, ForwardRequest request, QObject *parent)
    : QObject(parent)
    , m_sink(sink)
    , m_pool(pool)
    , m_keys(keys)
    , m_router(router)
    , m_resources(resources)
    , m_settings(std::move(settings))
    , m_request(std::move(request))
{ }

ListFanOut::~ListFanOut()
{
    abort();
}

QString ListFanOut::scopeId(const keys::KeyScope &scope)
{
    return scope.group.isEmpty() ? QStringLiteral("k:") + scope.keyId : QStringLiteral("g:") + scope.group;
}

QByteArray ListFanOut::encodePageToken(const QList<QPair<QString, QString>> &tokens)
{
    QJsonObject o;
    for (const auto &t : tokens) {
        o.insert(t.first, t.second);
    }
    return kTokenPrefix.toByteArray()
        + QJsonDocument(o)
              .toJson(QJsonDocument::Compact)
              .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

bool ListFanOut::decodePageToken(QByteArrayView token, QList<QPair<QString, QString>> *tokens)
{
    if (!token.startsWith(kTokenPrefix) || token.size() > 64 * 1024) {
        return false;
    }
    const auto decoded = QByteArray::fromBase64Encoding(token.sliced(kTokenPrefix.size()).toByteArray(),
        QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded) {
        return false;
    }
    const QJsonDocument doc = QJsonDocument::fromJson(*decoded);
    if (!doc.isObject()) {
        return false;
    }
    const QJsonObject o = doc.object();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!it->isString()) {
            return false;
        }
        tokens->append({ it.key(), it->toString() });
    }
    return true;
}

void ListFanOut::start()
{
    const qsizetype q = m_request.target.indexOf('?');
    const QByteArray query = q < 0 ? QByteArray() : m_request.target.sliced(q + 1);
    const std::vector<keys::KeyScope> projects = m_keys->projects();
    const QByteArray clientToken = http::queryParameter(query, "pageToken").value_or(QByteArray());
    if (!clientToken.isEmpty()) {
        QList<QPair<QString, QString>> tokens;
        if (!decodePageToken(clientToken, &tokens)) {
            m_done = true;
            m_sink->exchangeFailed(400,
                QStringLiteral("The pageToken is not one this proxy issued: lists here merge every project's "
                               "answer, so a page token from Google itself does not work. Start without one."));
            return;
        }
        for (const auto &t : std::as_const(tokens)) {
            for (const keys::KeyScope &p : projects) {
                if (scopeId(p) == t.first) {
                    auto part = std::make_unique<Part>();
                    part->scope = p;
                    part->token = t.second;
                    m_parts.push_back(std::move(part));
                }
            }
        }
    } else {
        for (const keys::KeyScope &p : projects) {
            auto part = std::make_unique<Part>();
            part->scope = p;
            m_parts.push_back(std::move(part));
        }
    }
    if (m_parts.empty()) {
        m_done = true;
        if (projects.empty()) {
            m_sink->exchangeFailed(503,
                QStringLiteral("No usable API key: add one with: echo \"$GEMINI_API_KEY\" | gemini-aggregatord keys "
                               "add"));
            return;
        }
        const QByteArray body = "{}\n";
        m_sink->exchangeHead(200, "OK", { { "Content-Type", "application/json; charset=UTF-8" } }, body.size(), true);
        m_sink->exchangeData(body);
        m_sink->exchangeEnd();
        return;
    }
    m_request.resources.listed.reset();
    m_request.resources.captureAnswer = true; // every listed item teaches the map its owner
    if (const int budgetMs = m_settings->upstream.requestTimeoutMs; budgetMs > 0) {
        // One deadline for the client's request, whatever the number of projects asked.
        m_request.deadlineMs = nowMs() + budgetMs;
    }
    m_request.resources.names.clear();
    m_next = 0;
    runPart();
}

void ListFanOut::runPart()
{
    if (m_done) {
        return;
    }
    Part *p = current();
    const qsizetype q = m_request.target.indexOf('?');
    const QByteArray path = q < 0 ? m_request.target : m_request.target.first(q);
    const QByteArray query = withPageToken(q < 0 ? QByteArray() : m_request.target.sliced(q + 1), p->token);
    ForwardRequest r = m_request;
    r.target = path + (query.isEmpty() ? QByteArray() : '?' + query);
    r.scope = ForwardRequest::Scope { p->scope, QStringLiteral("the list of project %1").arg(scopeId(p->scope)) };
    p->exchange = std::make_unique<Exchange>(
        static_cast<ExchangeSink *>(this), m_pool, m_keys, m_router, m_resources, m_settings, std::move(r));
    p->exchange->start();
}

ListFanOut::Part *ListFanOut::current()
{
    return m_next < m_parts.size() ? m_parts[m_next].get() : nullptr;
}

void ListFanOut::exchangeHead(int status, const QByteArray &reason, const http::HeaderList &headers, qint64, bool)
{
    if (Part *p = current()) {
        p->status = status;
        p->reason = reason;
        p->headers = headers;
    }
}

void ListFanOut::exchangeData(QByteArrayView data)
{
    Part *p = current();
    if (!p) {
        return;
    }
    if (p->body.size() + data.size() > kMaxPartBytes) {
        p->failed = true;
        p->failMessage = QStringLiteral("The list answer of project %1 is too large.").arg(scopeId(p->scope));
        return;
    }
    p->body.append(data);
}

void ListFanOut::exchangeEnd()
{
    if (Part *p = current()) {
        p->complete = !p->failed;
        partDone();
    }
}

void ListFanOut::exchangeFailed(int status, const QString &message, qint64 retryAfterSeconds)
{
    if (Part *p = current()) {
        p->failed = true;
        p->status = status;
        p->failMessage = message;
        p->retryAfter = retryAfterSeconds;
        partDone();
    }
}

void ListFanOut::partDone()
{
    Part *p = current();
    if (p->exchange) {
        p->keyId = p->exchange->keyId();
        p->route = p->exchange->routeName();
        p->fallbacks = p->exchange->fallbacks();
        p->attempts = p->exchange->attemptLog();
        // Not deleted: we are inside its call. It goes with the fan-out (a list asks a handful of projects).
    }
    ++m_next;
    if (m_next >= m_parts.size()) {
        QMetaObject::invokeMethod(this, &ListFanOut::finish, Qt::QueuedConnection);
        return;
    }
    QMetaObject::invokeMethod(this, &ListFanOut::runPart, Qt::QueuedConnection);
}

void ListFanOut::finish()
{
    if (m_done) {
        return;
    }
    m_done = true;
    QJsonObject merged;
    QList<QPair<QString, QString>> tokens;
    int ok = 0;
    Part *firstFailure = nullptr;
    for (const auto &p : m_parts) {
        const QJsonDocument doc
            = p->complete && p->status >= 200 && p->status < 300 ? QJsonDocument::fromJson(p->body) : QJsonDocument();
        if (!doc.isObject()) {
            if (!firstFailure) {
                firstFailure = p.get();
            }
            qCInfo(lcProxy).noquote() << "list of project" << scopeId(p->scope) << "left out:"
                                      << (p->failed ? p->failMessage : QStringLiteral("status %1").arg(p->status));
            continue;
        }
        ++ok;
        const QJsonObject o = doc.object();
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (it->isArray()) {
                QJsonArray all = merged.value(it.key()).toArray();
                for (const QJsonValue &v : it->toArray()) {
                    all.append(v);
                }
                merged.insert(it.key(), all);
            }
        }
        if (const QString next = o.value(u"nextPageToken").toString(); !next.isEmpty()) {
            tokens.append({ scopeId(p->scope), next });
        }
    }
    if (ok == 0 && firstFailure) {
        Part *f = firstFailure;
        if (f->complete) {
            m_sink->exchangeHead(f->status, f->reason, f->headers, f->body.size(), true);
            m_sink->exchangeData(f->body);
            m_sink->exchangeEnd();
        } else {
            m_sink->exchangeFailed(f->status ? f->status : 502, f->failMessage, f->retryAfter);
        }
        return;
    }
    if (!tokens.isEmpty()) {
        merged.insert(QStringLiteral("nextPageToken"), QString::fromLatin1(encodePageToken(tokens)));
    }
    const QByteArray body = QJsonDocument(merged).toJson(QJsonDocument::Indented);
    const http::HeaderList headers { { "Content-Type", "application/json; charset=UTF-8" },
        { "X-Aggregator-Projects", QByteArray::number(ok) + '/' + QByteArray::number(qsizetype(m_parts.size())) } };
    m_sink->exchangeHead(200, "OK", headers, body.size(), true);
    m_sink->exchangeData(body);
    m_sink->exchangeEnd();
}

void ListFanOut::abort()
{
    m_done = true;
    for (auto &p : m_parts) {
        if (p->exchange) {
            p->exchange->abort();
        }
    }
}

void ListFanOut::checkTimeouts(qint64 nowMs)
{
    if (Part *p = current(); p && p->exchange) {
        p->exchange->checkTimeouts(nowMs);
    }
}

QString ListFanOut::keyId() const
{
    return m_parts.empty() ? QString() : m_parts.front()->keyId;
}

std::vector<metrics::Attempt> ListFanOut::attemptLog() const
{
    std::vector<metrics::Attempt> all;
    for (const auto &p : m_parts) {
        all.insert(all.end(), p->attempts.begin(), p->attempts.end());
        if (p->exchange) {
            const std::vector<metrics::Attempt> running = p->exchange->attemptLog();
            all.insert(all.end(), running.begin(), running.end());
        }
    }
    return all;
}

QString ListFanOut::routeName() const
{
    return m_parts.empty() ? QString() : m_parts.front()->route;
}

int ListFanOut::fallbacks() const
{
    int n = 0;
    for (const auto &p : m_parts) {
        n += p->fallbacks;
    }
    return n;
}

} // namespace ga::proxy
