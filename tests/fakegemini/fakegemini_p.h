// SPDX-License-Identifier: GPL-3.0-or-later
// Internals of the fake Gemini upstream: shared state, the HTTP/1.1 connection and the request router.
#pragma once

#include "fakegemini.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QTcpServer>
#include <QVarLengthArray>

#include <atomic>
#include <memory>

class QJsonArray;
class QJsonObject;
class QTcpSocket;
class QTimer;
class QWebSocket;
class QWebSocketServer;

namespace ga::test::fake {

// A script with its text already in UTF-8 (the hot path never converts).
struct Resolved
{
    Script script;
    QByteArray text;

    static Resolved from(const Script &s) { return Resolved { s, s.text.toUtf8() }; }
};

struct KeyEntry
{
    QString project;
    bool hasScript = false;
    Resolved resolved;
};

// Times are microseconds since the epoch on the fake's clock (real time + Shared::offsetMs).
constexpr qint64 kUsPerSecond = 1000000;
constexpr qint64 kFileLifetimeUs = 48LL * 3600 * kUsPerSecond; // files live 48 h (gemini-api.md §9)
constexpr qint64 kUploadLifetimeUs = 7LL * 24 * 3600 * kUsPerSecond; // upload sessions: one week [inference]
constexpr qint64 kKeepFileBytes = 64LL * 1024 * 1024; // files up to this size keep their bytes (download)

// A resumable upload session; the upload_id in its URL is the only credential its chunks need.
struct Upload
{
    QByteArray displayName;
    QByteArray mimeType;
    QByteArray version; // of the start URL ("v1beta"): the file's uri uses it
    QString owner; // project of the key that started it
    qint64 createUs = 0;
    quint64 seq = 0;
    qint64 received = 0;
    QByteArray data; // the bytes so far while received <= kKeepFileBytes
    std::shared_ptr<QCryptographicHash> sha256;
};

struct FileRes
{
    QByteArray id; // "abc123def456" (the name is "files/" + id)
    QString owner;
    QByteArray version;
    QByteArray displayName;
    QByteArray mimeType;
    QByteArray source = "UPLOADED";
    qint64 size = 0;
    QByteArray sha256Hex;
    qint64 createUs = 0;
    qint64 expireUs = 0;
    quint64 seq = 0;
    QByteArray data;
    bool hasData = false;
};

struct CacheRes
{
    QByteArray id;
    QString owner;
    QByteArray model; // "models/gemini-2.5-flash"
    QByteArray displayName;
    int tokens = 0;
    qint64 createUs = 0;
    qint64 updateUs = 0;
    qint64 expireUs = 0;
    quint64 seq = 0;
};

struct BatchRes
{
    enum class State
    {
        Pending,
        Running,
        Succeeded,
        Cancelled,
    };
    QByteArray id;
    QString owner;
    QByteArray version;
    QByteArray model; // "models/gemini-2.5-flash"
    QByteArray displayName;
    QByteArray inputFile; // "files/…" when the input is a JSONL file
    QByteArray inputData; // that file's bytes at creation
    QList<QByteArray> requests; // inline requests: each {"request": …, "metadata": …} as compact JSON
    int requestCount = 0;
    QByteArray text; // the reply text of the creating key's script
    State state = State::Pending;
    int polls = 0;
    qint64 createUs = 0;
    qint64 updateUs = 0;
    qint64 endUs = 0;
    quint64 seq = 0;
    QByteArray outputFile; // "files/batch-…" once a file-input batch succeeded
    QList<QByteArray> responseIds; // once succeeded: one per request
};

constexpr qint64 kLiveHandleLifetimeUs = 2LL * 3600 * kUsPerSecond; // resumption handles: about 2 h (§10)

// An ephemeral token (POST /v1alpha/auth_tokens); its name "auth_tokens/…" is the credential.
struct AuthTokenRes
{
    QString owner; // project of the creating key
    QByteArray creatorKey; // whose script (behaviour) the token's sessions follow
    int uses = 1; // 0: unlimited
    int used = 0; // new sessions started with it (resumptions do not count)
    qint64 createUs = 0;
    qint64 expireUs = 0; // no session may use it after this
    qint64 newSessionExpireUs = 0; // no new session may start after this
    quint64 seq = 0;
};

// A Live session resumption handle (sessionResumptionUpdate.newHandle).
struct LiveHandleRes
{
    QString owner;
    qint64 createUs = 0;
    qint64 expireUs = 0;
    quint64 seq = 0;
};

struct Shared
{
    FakeGemini *owner = nullptr;

    mutable QMutex mutex; // guards everything below that is not atomic
    QHash<QByteArray, KeyEntry> keys;
    Resolved defaults = Resolved::from(Script {});
    QHash<QString, int> quota;
    QHash<QString, int> usage;
    QList<RecordedRequest> records;
    QHash<QByteArray, Upload> uploads; // by upload_id
    QHash<QByteArray, FileRes> files; // by id
    QHash<QByteArray, CacheRes> caches;
    QHash<QByteArray, BatchRes> batches;
    QHash<QByteArray, AuthTokenRes> authTokens; // by name ("auth_tokens/…")
    QHash<QByteArray, LiveHandleRes> liveHandles; // by handle
    QList<LiveSession> liveSessions;
    qint64 liveMaxSessionMs = 0;
    quint64 resourceSeq = 0;
    qint64 offsetMs = 0; // the fake's clock runs this far ahead of real time
    int batchPollsUntilDone = 2;
    qint64 batchDoneAfterMs = 2000;
    bool acceptAny = false;
    bool uploadUrlIncludesKey = false;
    QByteArray baseUrl; // set by listen(), read-only while serving

    std::atomic<bool> recording { true };
    std::atomic<int> open { 0 };
    std::atomic<int> total { 0 };
    std::atomic<int> aborted { 0 };
    std::atomic<int> handled { 0 };
    std::atomic<quint64> requestSeq { 0 };
    std::atomic<quint64> connectionSeq { 0 };
    std::atomic<quint64> liveSeq { 0 };
    std::atomic<int> liveOpen { 0 };
};

struct HeaderRef
{
    int nameOffset;
    int nameLength;
    int valueOffset;
    int valueLength;
};

// One parsed request; views point into `head` (or `decodedPath`).
struct Request
{
    QByteArray head; // request line and header lines, CRLF-separated, without the blank line
    QByteArrayView method;
    QByteArrayView target;
    QByteArrayView path;
    QByteArrayView query;
    QByteArrayView version;
    QByteArray decodedPath;
    QVarLengthArray<HeaderRef, 24> headers;
    QByteArray body;
    bool chunked = false;
    quint64 connectionId = 0;

    QByteArrayView headerName(const HeaderRef &h) const
    {
        return QByteArrayView(head).sliced(h.nameOffset, h.nameLength);
    }
    QByteArrayView headerValue(const HeaderRef &h) const
    {
        return QByteArrayView(head).sliced(h.valueOffset, h.valueLength);
    }
    // First value of a header (case-insensitive name); null view if absent.
    QByteArrayView header(QByteArrayView name) const
    {
        for (const HeaderRef &h : headers) {
            if (h.nameLength == name.size() && headerName(h).compare(name, Qt::CaseInsensitive) == 0) {
                return headerValue(h);
            }
        }
        return {};
    }
    bool hasHeader(QByteArrayView name) const { return !header(name).isNull(); }
};

// An accepted Live API upgrade: who is calling and how the session is to behave.
struct LiveStart
{
    QByteArray version; // "v1beta", "v1alpha", "v1"
    bool constrained = false; // …BidiGenerateContentConstrained
    QByteArray key; // the API key, or the token name
    KeySource source = KeySource::None;
    bool token = false; // an ephemeral token ("auth_tokens/…" on …Constrained)
    bool known = false; // a registered key (or any key with acceptAnyKey); a token that exists
    QString project; // the key's project ("" when it has none); a token's owner
    Resolved resolved; // the key's script (a token: the script of the key that created it)
};

// What to send back.
struct Plan
{
    enum class Kind
    {
        Respond, // status + headers + body (Content-Length)
        Stream, // status + headers, then `pieces` spaced by intervalMs
        Hang,
        Close,
        Upgrade, // a Live API WebSocket: the socket goes to a LiveConnection (status 101 in the record)
    };
    Kind kind = Kind::Respond;
    int status = 200;
    QByteArrayView contentType = "application/json; charset=UTF-8";
    QByteArray ownedContentType; // used instead of contentType when not empty
    bool attachment = false; // Content-Disposition: attachment (SSE)
    QList<QPair<QByteArray, QByteArray>> extraHeaders;
    QByteArray body;
    QList<QByteArray> pieces; // stream payloads, one write (one HTTP chunk) each
    QByteArray errorPiece; // non-empty: sent in place of the next piece, then an abrupt end
    int intervalMs = 0;
    int latencyMs = 0;
    bool closeDelimited = false;
    bool record = true; // false for /__fake/ control calls
    std::shared_ptr<LiveStart> live; // Kind::Upgrade
};

// Who asked, for the record.
struct Outcome
{
    QByteArray key;
    KeySource source = KeySource::None;
    QString project;
};

// Helpers shared by the REST routes (responses.cpp) and the Live sessions (live.cpp).
QByteArray randomId(int length); // [A-Za-z0-9]
QByteArray queryValue(QByteArrayView query, QByteArrayView name); // percent-decoded; null when absent
int textTokens(qsizetype textBytes); // ceil(bytes / 4), at least 1
QList<QByteArrayView> splitText(QByteArrayView text, int n); // n pieces of about equal size (UTF-8 safe)
QString ownerOfKey(const QByteArray &key, const QString &project); // "key-<12 hex>" for a key without a project
QJsonArray liveSessionsJson(const QList<LiveSession> &sessions); // GET /__fake/live (keys only as sha256)

// Scripts as JSON objects (control endpoint): fields present in `o` override those of `s`.
bool scriptFromJson(const QJsonObject &o, Script &s, QString *error);
QJsonObject scriptToJson(const Script &s);

// The fake's clock (microseconds since the epoch); call with shared.mutex held.
qint64 nowUs(const Shared &shared);
// Drops expired files, cached contents and upload sessions; call with shared.mutex held.
void purgeExpired(Shared &shared, qint64 now);
QByteArray rfc3339(qint64 us); // "2026-03-01T12:00:00.123456Z"
// A new resource id: lowercase letters and digits.
QByteArray lowerId(int length);
// Registers a file (shared.mutex held); returns its id.
QByteArray insertFile(Shared &shared, FileRes file);
// Every resource that has not expired, oldest first (shared.mutex held).
QList<Resource> listResources(Shared &shared);
void clearResources(Shared &shared);

// Routes a complete request. Thread-safe (takes shared.mutex as needed).
void handleRequest(Shared &shared, const Request &request, Plan &plan, Outcome &outcome);

// Appends the status line and the realistic Google front-end headers (ends with the blank line).
enum class Framing
{
    Length,
    Chunked,
    Close
};
void appendResponseHead(
    QByteArray &out, const Plan &plan, Framing framing, qint64 contentLength, qint64 durationMs, bool connectionClose);

// One HTTP/1.1 client connection, living in the thread of its Host.
class HttpConnection : public QObject
{
public:
    HttpConnection(std::shared_ptr<Shared> shared, qintptr descriptor, QObject *parent);
    ~HttpConnection() override;
    bool isValid() const { return m_socket != nullptr; }

private:
    enum class Phase
    {
        Head,
        FixedBody,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        Closed
    };
    enum class Wait
    {
        None,
        Latency,
        Interval
    };

    void onReadyRead();
    void onDisconnected();
    void onTimer();
    void process();
    bool step();
    bool parseHead(qsizetype end);
    bool takeBody();
    void failAndClose(int status, QByteArrayView message);
    bool peekUpgrade();
    void dispatch();
    void handOver(std::shared_ptr<LiveStart> start, quint64 requestId);
    quint64 record(const Plan &plan, const Outcome &outcome);
    void startPlan();
    void sendPieces();
    void appendPiece(QByteArrayView data);
    void flushOut();
    void finishResponse();
    void closeGracefully();

    std::shared_ptr<Shared> m_shared;
    QTcpSocket *m_socket = nullptr;
    QTimer *m_timer = nullptr;
    quint64 m_id = 0;
    QByteArray m_in;
    qsizetype m_pos = 0;
    qsizetype m_scan = 0;
    Phase m_phase = Phase::Head;
    Wait m_wait = Wait::None;
    qint64 m_remaining = 0;
    bool m_keepAlive = true;
    bool m_http10 = false; // HTTP/1.0 client: streams end by closing (no chunked encoding)
    bool m_headRequest = false; // answering HEAD: the head only
    bool m_busy = false; // a response is in progress: input waits
    bool m_processing = false;
    bool m_finished = false;
    Request m_request;
    Plan m_plan;
    Framing m_framing = Framing::Length;
    qsizetype m_nextPiece = 0;
    qsizetype m_peekedHead = 0; // > 0: the head of a WebSocket upgrade, parsed from peeked (unread) bytes
    QElapsedTimer m_clock;
    QByteArray m_out;
};

// One Live API session, on a socket an HttpConnection handed over with the upgrade request still unread; lives in
// that connection's thread. A QWebSocketServer of its own (same thread) does the handshake via handleConnection().
class LiveConnection : public QObject
{
public:
    LiveConnection(std::shared_ptr<Shared> shared, QTcpSocket *socket, const Request &request,
        std::shared_ptr<LiveStart> start, quint64 requestId, QObject *parent);
    ~LiveConnection() override;

private:
    struct Out
    {
        enum class Kind
        {
            Message, // a binary frame
            Delay, // wait `code` ms
            Close, // close frame `code` + `reason`
            Abort, // drop the TCP connection
        };
        Kind kind = Kind::Message;
        QByteArray data; // a message, or the close reason
        int code = 0; // close code, or delay in ms
        bool setupComplete = false; // this message completes the setup
    };
    enum class State
    {
        Handshake,
        AwaitSetup,
        Hanging, // setup never answered
        Ready,
        Closing,
    };

    void onUpgraded();
    void onMessage(const QByteArray &data);
    void onDisconnected();
    void onMaxSessionTimer();
    void handleSetup(const QJsonObject &setup);
    bool admit(); // false: the session was refused (a close is queued)
    void handleClientContent(const QJsonObject &content);
    void handleRealtimeInput(const QJsonObject &input);
    void handleToolResponse(const QJsonObject &response);
    void answerTurn(const QByteArray &text, int promptTokens);
    void completeTurn(int promptTokens, int responseTokens);
    void offerResumption();
    void send(const QByteArray &json);
    void closeWith(int code, QByteArrayView reason);
    void pump();
    void publish();
    void end(bool notify);

    std::shared_ptr<Shared> m_shared;
    std::shared_ptr<LiveStart> m_start;
    QTcpSocket *m_socket = nullptr;
    QWebSocketServer *m_server = nullptr;
    QWebSocket *m_ws = nullptr;
    QTimer *m_pumpTimer = nullptr;
    QTimer *m_maxTimer = nullptr;
    LiveSession m_rec;
    QList<Out> m_queue;
    State m_state = State::Handshake;
    QByteArray m_function; // the first declared function (setup.tools); empty: no tools
    QHash<QByteArray, QByteArray> m_pendingCalls; // toolCall id → function name
    QByteArray m_turnText; // clientContent text of a turn not complete yet
    qint64 m_audioBytes = 0; // decoded audio bytes since the last turnComplete
    int m_callSeq = 0;
    bool m_resumable = false; // setup.sessionResumption was present
    bool m_closeSeen = false; // a close handshake happened (aboutToClose)
    bool m_listed = false; // m_rec is in shared.liveSessions
    bool m_goAwaySent = false; // the max session time is up
    bool m_ended = false;
};

// Owns the connections of one thread.
class Host : public QObject
{
public:
    Host(std::shared_ptr<Shared> shared)
        : m_shared(std::move(shared))
    { }
    void adopt(qintptr descriptor);

private:
    std::shared_ptr<Shared> m_shared;
};

class Acceptor : public QTcpServer
{
public:
    explicit Acceptor(FakeGemini *owner)
        : QTcpServer(owner)
        , m_owner(owner)
    { }

protected:
    void incomingConnection(qintptr descriptor) override { m_owner->adoptSocket(descriptor); }

private:
    FakeGemini *m_owner;
};

} // namespace ga::test::fake
