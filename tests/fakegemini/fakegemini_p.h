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

class QJsonObject;
class QTcpSocket;
class QTimer;

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

// What to send back.
struct Plan
{
    enum class Kind
    {
        Respond, // status + headers + body (Content-Length)
        Stream, // status + headers, then `pieces` spaced by intervalMs
        Hang,
        Close,
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
};

// Who asked, for the record.
struct Outcome
{
    QByteArray key;
    KeySource source = KeySource::None;
    QString project;
};

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
    void dispatch();
    void record(const Plan &plan, const Outcome &outcome);
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
    QElapsedTimer m_clock;
    QByteArray m_out;
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
