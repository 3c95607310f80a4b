// SPDX-License-Identifier: GPL-3.0-or-later
// A fake Gemini API upstream for tests and benchmarks. It reproduces the wire formats of
// generativelanguage.googleapis.com (see /work/shared/gemini-api.md) over plain HTTP/1.1 on loopback.
// Independent of core/ on purpose: it must not share the proxy's bugs.
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QStringList>

#include <memory>

class QThread;

namespace ga::test {

// What the fake does with a request authenticated by a given key.
enum class Behaviour
{
    Normal, // 200 with a model reply
    RateLimited, // 429 RESOURCE_EXHAUSTED with Help + QuotaFailure + RetryInfo(retryDelay)
    Invalid, // 400 INVALID_ARGUMENT, ErrorInfo reason API_KEY_INVALID
    Overloaded, // 503 UNAVAILABLE "The model is overloaded. Please try again later."
    Internal, // 500 INTERNAL
    RegionBlocked, // 400 FAILED_PRECONDITION "User location is not supported for the API use." (egress region)
    MidStreamError, // streams: 200, failAfterChunks events, a raw {"error": ...}, abrupt end (non-stream: Normal)
    Hang, // read the request, never answer
    CloseBeforeResponse, // read the request, close the connection without a byte
    Suspended, // 403 PERMISSION_DENIED "Permission denied: Consumer 'api_key:<the key>' has been suspended."
    RateLimitedNoQuota, // 429 RESOURCE_EXHAUSTED "Resource has been exhausted (e.g. check quota).", no details
    Forbidden, // 403 PERMISSION_DENIED "The caller does not have permission", no details
    NoContent, // 204 No Content, no body and no Content-Length (to test bodiless answers; Google sends none)
};

// "normal", "rateLimited", ... (the names the control endpoint accepts, case-insensitively).
QString behaviourName(Behaviour b);
bool behaviourFromName(QStringView name, Behaviour *out);

enum class KeySource
{
    None,
    Header, // x-goog-api-key
    Query, // ?key=
    Bearer, // Authorization: Bearer
    AccessToken, // ?access_token=auth_tokens/… (Live, BidiGenerateContentConstrained)
    Token, // Authorization: Token auth_tokens/… (Live, BidiGenerateContentConstrained)
};
QString keySourceName(KeySource s); // "none", "header", "query", "bearer", "accessToken", "token"

// How a key (or every key, as the default) is answered.
struct Script
{
    int chunks = 3; // events in a streamed reply (>= 1)
    int intervalMs = 0; // delay between two events (QTimer)
    Behaviour behaviour = Behaviour::Normal;
    QByteArray retryDelay = "37s"; // RetryInfo.retryDelay of a 429; empty: no RetryInfo detail
    bool dailyQuota = false; // a 429 names the per-day quota (…PerDay…) instead of the per-minute one
    int failAfterChunks = 1; // MidStreamError: good events before the error
    bool closeDelimited = false; // streams end by closing the connection instead of chunked encoding
    int latencyMs = 0; // delay before the response headers (every endpoint)
    QString text = QStringLiteral("Hello from the fake Gemini upstream. This reply is split into chunks.");
    // The reply text; a stream splits it evenly over `chunks` events (concatenated, they give `text`).
};

struct RecordedRequest
{
    quint64 id = 0; // 1, 2, ... in arrival order
    quint64 connectionId = 0; // 1, 2, ... per accepted connection
    QByteArray method;
    QByteArray target; // as sent: path + "?" + query
    QByteArray path; // without the query
    QByteArray query; // without the "?"
    QByteArray httpVersion; // "HTTP/1.1"
    QList<QPair<QByteArray, QByteArray>> headers; // all of them, in order, original case
    QByteArray body; // decoded (chunked request bodies are de-chunked)
    QString key; // the key it authenticated with (also when unknown/invalid); empty when none
    KeySource keySource = KeySource::None;
    QString project; // project of the key, if registered with one
    int status = 0; // status the fake answered; 0 when it hung or closed without answering
    bool chunkedBody = false; // the request body came with Transfer-Encoding: chunked
    qint64 receivedAtMs = 0; // ms since the epoch

    QByteArray header(QByteArrayView name) const; // first value, case-insensitive; empty if absent
    QList<QByteArray> headerValues(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;
};

// A resource owned by a Google project (what GET /__fake/resources lists).
struct Resource
{
    QString name; // "files/abc123def456", "cachedContents/…", "batches/…", "auth_tokens/…"; an upload session: its
                  // upload_id; a Live resumption handle: the handle
    QString kind; // "file", "cachedContent", "batch", "upload", "authToken", "liveHandle"
    QString project; // the owner: the creating key's project ("key-<12 hex>" for a key without a project)
    QDateTime createTime; // UTC, on the fake's clock (real time + timeOffsetMs)
    QDateTime expireTime; // invalid: does not expire (batches)
};

// One Live API (WebSocket) session: what liveSessions() and GET /__fake/live report.
struct LiveSession
{
    quint64 id = 0; // 1, 2, ... per accepted upgrade
    quint64 requestId = 0; // id of the upgrade GET in requests() (0 when not recording)
    quint64 connectionId = 0;
    QByteArray path; // as received (also "//ws/…")
    QByteArray query;
    QList<QPair<QByteArray, QByteArray>> headers; // of the upgrade request, in order, original case
    QString key; // the API key, or the token name "auth_tokens/…"
    KeySource keySource = KeySource::None;
    QString project; // the key's project; for a token the project that created it
    QString model; // setup.model as sent ("models/…")
    QString resumedHandle; // setup.sessionResumption.handle, if any
    int framesIn = 0; // WebSocket messages (a fragmented message counts once)
    int framesOut = 0;
    qint64 bytesIn = 0; // message payload bytes
    qint64 bytesOut = 0;
    int closeCode = 0; // of the first close frame (either side); 1006 when the TCP connection ended without one
    QString closeReason;
    bool closedByClient = false; // the client sent the first close frame
    bool setupCompleted = false; // setupComplete was sent
    bool open = true;
};

namespace fake {
struct Shared;
class Host;
class Acceptor;
class HttpConnection;
class LiveConnection;
} // namespace fake

class FakeGemini : public QObject
{
    Q_OBJECT

public:
    using Behaviour = ga::test::Behaviour;

    explicit FakeGemini(QObject *parent = nullptr);
    ~FakeGemini() override;

    // Worker threads that own the connections (each thread its own sockets). 0 or 1: everything runs in the
    // thread of this object. Call before listen().
    void setThreads(int n);
    int threads() const;

    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    void close(); // stops listening and drops every connection
    bool isListening() const;
    quint16 port() const;
    QString baseUrl() const; // "http://127.0.0.1:PORT"
    QString errorString() const;

    // Keys and behaviour.
    void addKey(const QString &key, const QString &project = {});
    void removeKey(const QString &key);
    bool hasKey(const QString &key) const;
    QStringList keys() const;
    void setAcceptAnyKey(bool accept); // unknown keys are answered like registered ones (benchmarks)
    bool acceptAnyKey() const;
    void setDefaultScript(const Script &script); // for keys without a script of their own
    Script defaultScript() const;
    void setScript(const QString &key, const Script &script); // registers the key if needed
    void clearScript(const QString &key); // back to the default script
    Script script(const QString &key) const; // effective script
    // Shortcut: the key's script (a copy of the default one if it had none) with another behaviour.
    void setBehaviour(const QString &key, Behaviour behaviour);

    // Shared quota: after `requests` model calls by the keys of `project`, every key of it gets 429.
    // A negative value removes the quota. Usage counts model calls (generate/stream/countTokens/embed/compat).
    void setProjectQuota(const QString &project, int requests);
    int projectUsage(const QString &project) const;
    void resetProjectUsage(const QString &project);

    // The x-goog-upload-url returned by an upload start carries the caller's key as ?key= (some real servers
    // do, a proxy must scrub it). Off by default.
    void setUploadUrlIncludesKey(bool include);

    // Project-owned resources (files, cached contents, batches, upload sessions). Expired ones are dropped.
    QList<Resource> resources() const;
    void clearResources();
    // Creates a file owned by `project` as if uploaded by one of its keys; returns its name ("files/<id>").
    QString addFile(const QString &project, const QByteArray &data,
        const QString &mimeType = QStringLiteral("text/plain"), const QString &displayName = {});
    // The fake's clock runs `ms` ahead of real time (expiry, createTime, batch completion). Not additive.
    void setTimeOffsetMs(qint64 ms);
    qint64 timeOffsetMs() const;
    QDateTime now() const; // the fake's clock, UTC
    // A batch is done from its `pollsUntilDone`-th GET on (default 2; <= 0: never by polls), or once it is
    // `doneAfterMs` old on the fake's clock (default 2000; negative: never by age).
    void setBatchCompletion(int pollsUntilDone, qint64 doneAfterMs);

    // Recording (on by default; turn off for long benchmarks).
    void setRecording(bool on);
    bool isRecording() const;
    QList<RecordedRequest> requests() const;
    void clearRequests();

    // Live API (WebSocket) sessions, oldest first; recorded while recording is on.
    QList<LiveSession> liveSessions() const;
    void clearLiveSessions();
    int openLiveSessions() const;
    // After `ms` (0: never) a session gets {"goAway": {"timeLeft": "1s"}} and is closed (1000) one second later.
    void setLiveMaxSessionMs(qint64 ms);
    qint64 liveMaxSessionMs() const;

    // Counters.
    int requestCount() const; // requests answered or taken (excluding /__fake/ control calls)
    int openConnections() const;
    int totalConnections() const; // accepted since construction
    int abortedStreams() const; // responses in progress (stream, hang, latency) whose client went away

Q_SIGNALS:
    void requestReceived(const ga::test::RecordedRequest &request); // only while recording
    void streamAborted(); // a client closed its connection while its response was in progress
    void connectionClosed(); // any client connection ended
    void liveSessionEnded(const ga::test::LiveSession &session); // a Live session's connection ended

private:
    friend class fake::Host;
    friend class fake::Acceptor;
    friend class fake::HttpConnection;
    friend class fake::LiveConnection;
    void adoptSocket(qintptr descriptor);
    void notifyRequest(const RecordedRequest &request);
    void notifyAborted();
    void notifyClosed();
    void notifyLiveEnded(const LiveSession &session);

    std::shared_ptr<fake::Shared> m_shared;
    fake::Acceptor *m_acceptor = nullptr;
    fake::Host *m_localHost = nullptr;
    QList<QPair<QThread *, fake::Host *>> m_workers;
    int m_threads = 0;
    int m_nextWorker = 0;
    QString m_error;
};

} // namespace ga::test
