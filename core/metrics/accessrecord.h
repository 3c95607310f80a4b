// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace ga::metrics {

// One try of a request: which key, which way, and what came of it.
struct Attempt
{
    QString keyId;
    QString route; // "direct" or a relay instance id
    int status = 0; // upstream status, 0 when none came (network error, timeout)
    QString outcome; // "ok", "rate_limited", "invalid_key", "relay failed: …", "timeout: …"
    qint64 ms = 0;
};

// What the access log, the request history and the metrics know about one request. Never holds a
// secret: keys by id, clients by token name.
// A Live API session (WebSocket) as its access record tells it.
struct LiveFigures
{
    qint64 framesIn = 0; // data and control frames from the client
    qint64 framesOut = 0; // to the client
    qint64 bytesIn = 0; // payload bytes from the client
    qint64 bytesOut = 0;
    int closeCode = 0; // the close code that ended it (1006: no close frame, the connection dropped)
    QString closeReason; // as sent, cut to 123 bytes
    bool started = false; // Google confirmed the setup
};

// An optional value kept on the heap: a record that has none (every record but a Live session's) carries a pointer,
// not the value's room. Copies copy the value.
template<typename T>
class HeapOptional
{
public:
    HeapOptional() = default;
    HeapOptional(const T &value) // NOLINT(google-explicit-constructor): assigned like std::optional
        : m_value(std::make_unique<T>(value))
    { }
    HeapOptional(const HeapOptional &other)
        : m_value(other.m_value ? std::make_unique<T>(*other.m_value) : nullptr)
    { }
    HeapOptional(HeapOptional &&) noexcept = default;
    HeapOptional &operator=(const HeapOptional &other)
    {
        if (this != &other) {
            m_value = other.m_value ? std::make_unique<T>(*other.m_value) : nullptr;
        }
        return *this;
    }
    HeapOptional &operator=(HeapOptional &&) noexcept = default;
    ~HeapOptional() = default;

    explicit operator bool() const { return m_value != nullptr; }
    T &operator*() { return *m_value; }
    const T &operator*() const { return *m_value; }
    T *operator->() { return m_value.get(); }
    const T *operator->() const { return m_value.get(); }

private:
    std::unique_ptr<T> m_value;
};

struct AccessRecord
{
    quint64 id = 0; // request id, unique per process
    qint64 startedMs = 0; // wall clock, ms since the epoch
    QString client; // token name, "jwt:<sub>", "anonymous", or empty when refused before that
    QString peer; // client address
    QString method;
    QString path; // without the query (it may hold a key)
    QString kind; // native | openai | upload | local
    QString model;
    QString mode; // routing mode when it was served
    QString keyId; // the key of the last attempt
    QString route; // the route of the last attempt: "direct" or an instance id
    int status = 0; // what the client got (0: the connection was cut)
    int fallbacks = 0; // relay → another route
    bool stream = false;
    bool broken = false; // cut before its end (mid-stream failure, or the client went away)
    // The free-text fields (client, method, path, model, outcomes, close reason) are redacted already
    // (redactFreeText()): the writers below then use them as they are instead of redacting each again.
    bool redacted = false;
    qint64 bytesIn = 0; // request body
    qint64 bytesOut = 0; // response body
    qint64 ttfbMs = -1; // until the response head went to the client
    qint64 totalMs = 0;
    qint64 tokensIn = 0;
    qint64 tokensOut = 0;
    std::vector<Attempt> attempts;
    HeapOptional<LiveFigures> live; // a Live session (kind "live"): status 101, bytes are payload bytes

    int retries() const { return attempts.empty() ? 0 : int(attempts.size()) - 1; }
};

// Redacts the fields that carry text from outside (a client can put anything in its path, method or model; a token
// name and an attempt's outcome are free text) in place, once, for every writer of the record.
void redactFreeText(AccessRecord &r);
QJsonObject toJson(const AccessRecord &r);
// The same object as toJson(r), compact, written directly (about ten times cheaper than building a QJsonObject and
// serialising it: the request history on disk and the JSON access log write one per request).
QByteArray toJsonBytes(const AccessRecord &r);
// The same into `out`, whose storage is reused when it is large enough and not shared (the history's writer).
void toJsonBytes(const AccessRecord &r, QByteArray &out);
// `text` as UTF-8 in `buf`, whose storage is reused likewise (the history writer's key, model and route columns).
void toUtf8Into(const QString &text, QByteArray &buf);
// The record toJson() wrote; fields it lacks keep their defaults.
AccessRecord accessRecordFromJson(const QJsonObject &o);
// The form the request history keeps on disk: a JSON object with one- and two-letter names, without the fields it
// keeps in columns of its own (start time, status, key, model, route) and without fields at their defaults; an
// attempt made with the record's key and route that ended with its status is only its outcome and time. About a
// third of toJsonBytes()' bytes (the history's cost is mostly its bytes: pages, the WAL and its checkpoints).
void toStoredJsonBytes(const AccessRecord &r, QByteArray &out);
// What the history keeps in columns beside that object.
struct StoredColumns
{
    qint64 startedMs = 0;
    int status = 0;
    QString keyId;
    QString model;
    QString route;
};
// The record from toStoredJsonBytes()' object and its columns; an object toJsonBytes() wrote (rows written before
// the stored form) is read whole, as accessRecordFromJson() reads it.
AccessRecord accessRecordFromStored(const QJsonObject &o, const StoredColumns &columns);
// One line for the human-readable log: "#42 cline POST /v1beta/models/x:generateContent 200 gemini-2.5-flash
// key=k1 route=direct tries=1 …", with every text field redacted (the line is safe to write as it is).
QString toLogLine(const AccessRecord &r);
// The same line as UTF-8 (what the log writes).
QByteArray toLogLineUtf8(const AccessRecord &r);
// The same into `out`, whose storage is reused when it is large enough and not shared (the recorder's, a line a
// request: an allocation and a free each otherwise).
void toLogLineUtf8(const AccessRecord &r, QByteArray &out);
// native / openai / upload, from the request path.
QString routeKindOf(QByteArrayView path);

} // namespace ga::metrics
