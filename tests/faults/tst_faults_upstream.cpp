// SPDX-License-Identifier: GPL-3.0-or-later
// The real daemon (`gemini-aggregatord run`) against an upstream that misbehaves on the wire — a reset in the
// middle of a stream, a truncated or malformed chunked body, 5 MB header blocks both ways, an upstream that hangs
// before or during its answer — and against a storm of 429s on every key (issue 16, fault suite).
// Each case checks what the client gets: a status with Gemini's error JSON, or a stream cut short without its
// terminating chunk, and never a wait beyond the configured bound. Then that the daemon still serves (200),
// `config check` passes, SIGTERM stops it with exit code 0 and keystate.json is valid JSON.
// Every case starts its own daemon (a few hundred ms), so the key state one case leaves cannot decide another.
#include "fakegemini.h"
#include "rawhttp.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QPair>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <functional>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using ga::test::CliResult;
using ga::test::runCli;

namespace {

const QByteArray kGenerate = "/v1beta/models/gemini-2.5-flash:generateContent";
const QByteArray kStream = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
const QByteArray kPrompt = R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})";
const QByteArray kGarbage = "GARBAGE-THAT-IS-NO-CHUNK";

constexpr int kKeys = 3;
// The daemon's timeouts in the cases that do not test them: long, so a cut seen sooner came from the fault itself.
constexpr int kLongTimeoutMs = 8000;
// What a cut caused by the fault may take (it is immediate; the machine is shared with builds).
constexpr int kPromptMs = 3000;
// On top of a configured bound: the proxy checks deadlines every 100 ms, and the machine is shared.
constexpr int kSlackMs = 1500;
constexpr qsizetype kHugeHeadBytes = 5 * 1024 * 1024;
constexpr qint64 kMaxRssGrowthKiB = 50 * 1024;
constexpr int kPollIntervalMs = 150;

// A reply as an upstream answers generateContent, and one event of a stream.
const QByteArray kReplyJson = R"({"candidates": [{"content": {"parts": [{"text": "fine"}],"role": "model"},)"
                              R"("finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 4,)"
                              R"("candidatesTokenCount": 1,"totalTokenCount": 5},"modelVersion": "gemini-2.5-flash",)"
                              R"("responseId": "faults"})";

QByteArray sseEvent(int n)
{
    return "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"part " + QByteArray::number(n)
        + "\"}],\"role\": \"model\"},\"index\": 0}],\"responseId\": \"faults\"}\r\n\r\n";
}

QByteArray chunk(const QByteArray &data)
{
    return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
}

const QByteArray kStreamHead
    = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Disposition: attachment\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
const QByteArray kChunkedJsonHead
    = "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n";

// Header lines of ~1 KB each ("X-Pad-N: aaa…"), `bytes` or a little more in all.
QByteArray paddingHeaders(qsizetype bytes)
{
    QByteArray out;
    out.reserve(bytes + 2048);
    const QByteArray value(1000, 'a');
    for (int i = 0; out.size() < bytes; ++i) {
        out += "X-Pad-" + QByteArray::number(i) + ": " + value + "\r\n";
    }
    return out;
}

// What a client saw of one response, however it ended.
struct Seen
{
    bool head = false; // the head arrived whole
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body; // de-chunked, as far as it came
    bool chunked = false;
    bool complete = false; // the framing ended properly (zero-size chunk, or Content-Length reached)
    bool malformed = false; // framing a client cannot read
    bool closed = false; // the connection was closed (at the time of the parse)
    QByteArray raw;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0) {
                return h.second;
            }
        }
        return {};
    }
    QString describe() const
    {
        return QStringLiteral("status %1, head %2, complete %3, closed %4, malformed %5, %6 raw bytes: %7")
            .arg(status)
            .arg(head)
            .arg(complete)
            .arg(closed)
            .arg(malformed)
            .arg(raw.size())
            .arg(QString::fromLatin1(raw.left(400)));
    }
};

// Parses whatever arrived, without needing it to be complete (ga::test::parseReply wants whole responses).
Seen parseSeen(const QByteArray &raw, bool closed)
{
    Seen s;
    s.raw = raw;
    s.closed = closed;
    const qsizetype end = raw.indexOf("\r\n\r\n");
    if (end < 0) {
        return s;
    }
    s.head = true;
    const QList<QByteArray> lines = raw.first(end).split('\n');
    s.status = lines.first().mid(9, 3).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0) {
            s.headers.append({ line.first(colon), line.sliced(colon + 1).trimmed() });
        }
    }
    qsizetype pos = end + 4;
    if (s.header("transfer-encoding").toLower() == "chunked") {
        s.chunked = true;
        for (;;) {
            const qsizetype nl = raw.indexOf("\r\n", pos);
            if (nl < 0) {
                return s;
            }
            bool ok = false;
            const qsizetype size = raw.mid(pos, nl - pos).toLongLong(&ok, 16);
            if (!ok || size < 0) {
                s.malformed = true;
                return s;
            }
            if (size == 0) {
                s.complete = raw.size() >= nl + 4;
                return s;
            }
            s.body += raw.mid(nl + 2, size);
            if (raw.size() < nl + 2 + size + 2) {
                return s;
            }
            pos = nl + 2 + size + 2;
        }
    }
    const QByteArray length = s.header("content-length");
    s.body = raw.mid(pos);
    s.complete = length.isEmpty() ? closed : s.body.size() >= length.toLongLong();
    return s;
}

// Problems with an error answer: a whole response carrying Google's error JSON with the status's code.
QString errorShapeProblem(const Seen &s, int expectedStatus)
{
    if (s.status != expectedStatus) {
        return QStringLiteral("expected %1: %2").arg(expectedStatus).arg(s.describe());
    }
    if (!s.complete) {
        return QStringLiteral("incomplete error answer: %1").arg(s.describe());
    }
    if (!s.header("content-type").startsWith("application/json")) {
        return QStringLiteral("content-type '%1'").arg(QString::fromLatin1(s.header("content-type")));
    }
    QJsonParseError pe {};
    const QJsonObject error = QJsonDocument::fromJson(s.body, &pe).object().value(u"error").toObject();
    if (pe.error != QJsonParseError::NoError || error.isEmpty()) {
        return QStringLiteral("not Gemini error JSON: %1").arg(QString::fromUtf8(s.body.left(300)));
    }
    if (error.value(u"code").toInt() != s.status || error.value(u"message").toString().isEmpty()
        || error.value(u"status").toString().isEmpty()) {
        return QStringLiteral("error JSON without code/message/status: %1").arg(QString::fromUtf8(s.body.left(300)));
    }
    return {};
}

// One client connection to the daemon. Every byte is kept with the time it came; waits run the event loop, so
// the servers of this thread keep working.
class Probe
{
public:
    explicit Probe(quint16 port)
    {
        m_clock.start();
        QObject::connect(&m_socket, &QIODevice::readyRead, &m_socket, [this] { drain(); });
        QObject::connect(&m_socket, &QAbstractSocket::disconnected, &m_socket, [this] { markClosed(); });
        QObject::connect(&m_socket, &QAbstractSocket::errorOccurred, &m_socket, [this] {
            if (m_socket.state() != QAbstractSocket::ConnectedState) {
                markClosed();
            }
        });
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        m_connected = m_socket.waitForConnected(5000);
    }
    Q_DISABLE_COPY_MOVE(Probe)

    bool isConnected() const { return m_connected; }
    void send(const QByteArray &raw) { m_socket.write(raw); }
    qint64 now() const { return m_clock.elapsed(); }
    qint64 closedAtMs() const { return m_closedAtMs; }
    qint64 lastByteAtMs() const { return m_lastByteAtMs; }
    Seen seen() const { return parseSeen(m_raw, m_closedAtMs >= 0); }
    bool waitUntil(const std::function<bool()> &done, int timeoutMs)
    {
        return QTest::qWaitFor([&] { return done(); }, timeoutMs);
    }
    // Until the response is whole or the connection closed.
    Seen waitForEnd(int timeoutMs)
    {
        waitUntil([this] { return m_closedAtMs >= 0 || seen().complete; }, timeoutMs);
        return seen();
    }

private:
    void drain()
    {
        if (m_socket.bytesAvailable() <= 0) {
            return; // (also: a closed socket, which warns on readAll)
        }
        const QByteArray more = m_socket.readAll();
        if (!more.isEmpty()) {
            m_raw += more;
            m_lastByteAtMs = m_clock.elapsed();
        }
    }
    void markClosed()
    {
        drain();
        if (m_closedAtMs < 0) {
            m_closedAtMs = m_clock.elapsed();
        }
    }

    QTcpSocket m_socket;
    QElapsedTimer m_clock;
    QByteArray m_raw;
    bool m_connected = false;
    qint64 m_closedAtMs = -1;
    qint64 m_lastByteAtMs = -1;
};

// What the raw upstream does with the next requests.
enum class Fault
{
    None, // 200: a JSON reply, or a 2-event SSE stream
    ResetMidStream, // SSE head + 2 events, then held open until resetHeld() sends an RST
    TruncatedChunk, // chunked 200 declaring a 100-byte chunk, 20 bytes of it, then close
    BadChunkSize, // chunked 200 whose first chunk-size line is "zz", then silence (held open)
    HugeHead, // a 5 MB header block
    HangBeforeHead, // reads the request, never answers (held open)
    HangMidBody, // SSE head + 1 event, then silence (held open)
};

// An upstream on loopback that reads each request (head + Content-Length body) and answers as the current fault
// says. Keep-alive: a connection that was answered normally takes the next request.
class FaultServer
{
public:
    FaultServer()
    {
        QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] { accept(); });
    }
    Q_DISABLE_COPY_MOVE(FaultServer)

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QString baseUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()); }
    void setFault(Fault f) { m_fault = f; }
    int faulted() const { return m_faulted; } // requests answered with a fault
    int answered() const { return m_answered; } // requests answered normally
    int held() const { return int(m_held.size()); } // connections left hanging that are still open
    int closedByPeer() const { return m_closedByPeer; } // connections left hanging that the proxy closed

    // Resets every connection held open: SO_LINGER 0 and close, so the kernel sends an RST instead of a FIN.
    void resetHeld()
    {
        for (QTcpSocket *s : std::as_const(m_held)) {
            const linger hard { 1, 0 };
            ::setsockopt(int(s->socketDescriptor()), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
            QObject::disconnect(s, nullptr, &m_server, nullptr);
            m_conns.remove(s);
            s->abort();
            s->deleteLater();
        }
        m_held.clear();
    }
    void reset()
    {
        resetHeld();
        m_fault = Fault::None;
        m_faulted = m_answered = m_closedByPeer = 0;
    }

private:
    struct Conn
    {
        QByteArray in;
        bool takenOver = false; // a fault owns it: no more requests are read
    };

    void accept()
    {
        while (QTcpSocket *s = m_server.nextPendingConnection()) {
            m_conns.insert(s, Conn());
            QObject::connect(s, &QIODevice::readyRead, &m_server, [this, s] { read(s); });
            QObject::connect(s, &QAbstractSocket::disconnected, &m_server, [this, s] {
                if (m_held.removeOne(s)) {
                    ++m_closedByPeer;
                }
                m_conns.remove(s);
                s->deleteLater();
            });
        }
    }

    void read(QTcpSocket *s)
    {
        const QByteArray more = s->readAll();
        if (const auto it = m_conns.find(s); it != m_conns.end() && !it->takenOver) {
            it->in += more;
        }
        for (;;) {
            const auto it = m_conns.find(s);
            if (it == m_conns.end() || it->takenOver) {
                return;
            }
            const qsizetype end = it->in.indexOf("\r\n\r\n");
            if (end < 0) {
                return;
            }
            qint64 length = 0;
            const QList<QByteArray> lines = it->in.first(end).split('\n');
            for (const QByteArray &line : lines) {
                if (line.toLower().startsWith("content-length:")) {
                    length = line.mid(15).trimmed().toLongLong();
                }
            }
            if (it->in.size() < end + 4 + length) {
                return;
            }
            const QByteArray target = lines.first().split(' ').value(1);
            it->in.remove(0, end + 4 + length);
            answer(s, target);
        }
    }

    void takeOver(QTcpSocket *s, bool hold)
    {
        m_conns[s].takenOver = true;
        ++m_faulted;
        if (hold) {
            m_held.append(s);
        }
    }

    void answer(QTcpSocket *s, const QByteArray &target)
    {
        switch (m_fault) {
        case Fault::None:
            ++m_answered;
            if (target.contains(":streamGenerateContent")) {
                s->write(kStreamHead + chunk(sseEvent(1)) + chunk(sseEvent(2)) + "0\r\n\r\n");
            } else {
                s->write("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: "
                    + QByteArray::number(kReplyJson.size()) + "\r\n\r\n" + kReplyJson);
            }
            return;
        case Fault::ResetMidStream:
            takeOver(s, true);
            s->write(kStreamHead + chunk(sseEvent(1)) + chunk(sseEvent(2)));
            return;
        case Fault::TruncatedChunk:
            takeOver(s, false);
            s->write(kChunkedJsonHead + "64\r\n" + kReplyJson.left(20));
            s->disconnectFromHost(); // after the bytes are out: a FIN, not a reset
            return;
        case Fault::BadChunkSize:
            takeOver(s, true);
            s->write(kChunkedJsonHead + "zz\r\n" + kGarbage + "\r\n");
            return;
        case Fault::HugeHead: {
            takeOver(s, false);
            static const QByteArray huge = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + paddingHeaders(kHugeHeadBytes) + "Content-Length: 2\r\n\r\n{}";
            s->write(huge);
            return;
        }
        case Fault::HangBeforeHead:
            takeOver(s, true);
            return;
        case Fault::HangMidBody:
            takeOver(s, true);
            s->write(kStreamHead + chunk(sseEvent(1)));
            return;
        }
    }

    QTcpServer m_server;
    Fault m_fault = Fault::None;
    QHash<QTcpSocket *, Conn> m_conns;
    QList<QTcpSocket *> m_held;
    int m_faulted = 0;
    int m_answered = 0;
    int m_closedByPeer = 0;
};

// A client that sends `raw` (a request with a huge head) over a plain non-blocking socket while reading what
// comes back, until the server closes or `timeoutMs`. Not QTcpSocket: when its write fails after the server
// closed, it aborts and drops an answer it had not handed out yet.
struct FloodResult
{
    QByteArray response;
    qint64 sentBytes = 0;
    qint64 firstByteMs = -1;
    qint64 endMs = -1; // EOF or reset seen
    QByteArray how; // "eof", "reset", "timeout"
};

FloodResult floodRequest(quint16 port, const QByteArray &raw, int timeoutMs)
{
    FloodResult r;
    QElapsedTimer clock;
    clock.start();
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        r.how = "socket() failed";
        return r;
    }
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) < 0 && errno != EINPROGRESS) {
        ::close(fd);
        r.how = "connect() failed";
        return r;
    }
    bool writing = true;
    while (clock.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(); // the daemon's stderr keeps being read
        pollfd p { fd, short(POLLIN | (writing ? POLLOUT : 0)), 0 };
        if (::poll(&p, 1, 20) < 0 && errno != EINTR) {
            r.how = "poll() failed";
            break;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[65536];
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n > 0) {
                if (r.firstByteMs < 0) {
                    r.firstByteMs = clock.elapsed();
                }
                r.response.append(buf, n);
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                r.how = n == 0 ? "eof" : "reset";
                r.endMs = clock.elapsed();
                break;
            }
        }
        if (writing && (p.revents & POLLOUT)) {
            const qsizetype left = raw.size() - r.sentBytes;
            const ssize_t n
                = ::send(fd, raw.constData() + r.sentBytes, size_t(std::min<qsizetype>(left, 65536)), MSG_NOSIGNAL);
            if (n > 0) {
                r.sentBytes += n;
                writing = r.sentBytes < raw.size();
            } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                writing = false; // the server closed; what it answered may still be readable
            }
        }
    }
    if (r.how.isEmpty()) {
        r.how = "timeout";
    }
    ::close(fd);
    return r;
}

} // namespace

class TestFaultsUpstream : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<ga::test::Sandbox> m_sandbox;
    std::unique_ptr<ga::test::DaemonProcess> m_daemon;
    FaultServer m_faults;
    quint16 m_port = 0;
    QByteArray m_token;
    QStringList m_keys;

    QString daemonLog() { return m_daemon ? m_daemon->log() : QString(); }

    // A fresh sandbox with kKeys keys, the daemon pointed at `baseUrl` with `settings` on top, started and ready.
    void startDaemon(const QString &baseUrl, const QList<QPair<QString, QString>> &settings)
    {
        m_sandbox = std::make_unique<ga::test::Sandbox>();
        QVERIFY(m_sandbox->isValid());
        m_keys.clear();
        QByteArray lines;
        for (int i = 0; i < kKeys; ++i) {
            m_keys << ga::test::fakeKey(1600 + i);
            lines += m_keys.last().toLatin1() + '\n';
        }
        const CliResult added = runCli(*m_sandbox, { QStringLiteral("keys"), QStringLiteral("add") }, lines);
        QVERIFY2(added.exitCode == 0, qPrintable(added.errText()));
        m_port = ga::test::freePort();
        QVERIFY(m_port != 0);
        QList<QPair<QString, QString>> all { { QStringLiteral("listen.port"), QString::number(m_port) },
            { QStringLiteral("upstream.baseUrl"), baseUrl } };
        all += settings;
        for (const auto &[path, value] : std::as_const(all)) {
            const CliResult set = runCli(*m_sandbox, { QStringLiteral("config"), QStringLiteral("set"), path, value });
            QVERIFY2(set.exitCode == 0, qPrintable(path + QStringLiteral(": ") + set.errText()));
        }
        const CliResult token = runCli(*m_sandbox, { QStringLiteral("token"), QStringLiteral("show") });
        QVERIFY2(token.exitCode == 0, qPrintable(token.errText()));
        m_token = token.out.trimmed();
        QVERIFY(m_token.startsWith("gat_"));
        m_daemon = std::make_unique<ga::test::DaemonProcess>(*m_sandbox);
        QVERIFY2(m_daemon->waitFor(QStringLiteral("ready"), 20'000) >= 0, qPrintable(daemonLog()));
    }

    // Settings for the cases that do not test the timeouts.
    static QList<QPair<QString, QString>> longTimeouts()
    {
        const QString t = QString::number(kLongTimeoutMs);
        return { { QStringLiteral("upstream.connectTimeoutMs"), QStringLiteral("2000") },
            { QStringLiteral("upstream.firstByteTimeoutMs"), t }, { QStringLiteral("upstream.streamIdleTimeoutMs"), t },
            { QStringLiteral("upstream.requestTimeoutMs"), QString::number(2 * kLongTimeoutMs) } };
    }

    std::unique_ptr<Probe> sendRequest(const QByteArray &target)
    {
        auto probe = std::make_unique<Probe>(m_port);
        probe->send(ga::test::post(target, kPrompt, "x-goog-api-key: " + m_token + "\r\n"));
        return probe;
    }

    // A normal request works; `config check` passes; SIGTERM stops the daemon (exit 0, no crash); keystate.json is
    // valid JSON naming every key.
    void expectServesAndStopsCleanly()
    {
        QVERIFY2(m_daemon && m_daemon->isRunning(), qPrintable(daemonLog()));
        const Seen ok = sendRequest(kGenerate)->waitForEnd(10'000);
        QVERIFY2(ok.status == 200 && ok.complete, qPrintable(ok.describe() + u'\n' + daemonLog()));
        QVERIFY2(QJsonDocument::fromJson(ok.body).object().contains(u"candidates"), ok.body.constData());

        const CliResult check = runCli(*m_sandbox, { QStringLiteral("config"), QStringLiteral("check") });
        QVERIFY2(check.exitCode == 0, qPrintable(check.outText() + check.errText()));

        QVERIFY2(m_daemon->isRunning(), qPrintable(daemonLog()));
        QCOMPARE(m_daemon->stop(SIGTERM), 0);
        QVERIFY2(daemonLog().contains(QStringLiteral("stopped")), qPrintable(daemonLog()));

        const QString statePath
            = QFileInfo(m_sandbox->configPath()).absoluteDir().filePath(QStringLiteral("keystate.json"));
        QJsonParseError pe {};
        const QJsonDocument state = QJsonDocument::fromJson(ga::test::readAll(statePath), &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError && state.isObject(), qPrintable(pe.errorString()));
        QCOMPARE(state.object().value(u"keys").toObject().size(), kKeys);
    }

    // The answer to a request whose upstream broke after answering 200: either an error with Gemini's JSON (the
    // proxy held the head back) or the 200 cut short — closed without its terminating chunk.
    static QString cutOrErrorProblem(const Seen &s)
    {
        if (s.status >= 500) {
            return errorShapeProblem(s, 502);
        }
        if (s.status != 200) {
            return QStringLiteral("neither 200 cut short nor 502: %1").arg(s.describe());
        }
        if (s.complete || !s.closed) {
            return QStringLiteral("a broken answer must not look complete, and must end: %1").arg(s.describe());
        }
        if (s.malformed) {
            return QStringLiteral("framing the client cannot read: %1").arg(s.describe());
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_faults.listen()); }

    void cleanup()
    {
        m_daemon.reset();
        m_sandbox.reset();
        m_faults.reset();
    }

    // Case 1: the upstream sends the head and 2 events of a stream, then resets the connection (RST).
    void resetMidStreamCutsTheClientStream()
    {
        startDaemon(m_faults.baseUrl(), longTimeouts());
        if (QTest::currentTestFailed()) {
            return;
        }
        QCOMPARE(sendRequest(kGenerate)->waitForEnd(10'000).status, 200); // warm-up: the setup works

        m_faults.setFault(Fault::ResetMidStream);
        const std::unique_ptr<Probe> p = sendRequest(kStream);
        QVERIFY2(p->waitUntil([&] { return p->seen().body.count("data: ") >= 2; }, 10'000),
            qPrintable(p->seen().describe()));
        QCOMPARE(m_faults.held(), 1);
        const qint64 resetAt = p->now();
        m_faults.resetHeld();
        const Seen s = p->waitForEnd(kLongTimeoutMs + kSlackMs);
        QVERIFY2(s.closed, qPrintable(s.describe()));
        const qint64 cutMs = p->closedAtMs() - resetAt;
        qInfo("RST mid-stream: client connection closed %lld ms after the reset", cutMs);
        QVERIFY2(cutMs <= kPromptMs, qPrintable(QString::number(cutMs)));
        QCOMPARE(s.status, 200);
        QCOMPARE(s.header("content-type"), QByteArray("text/event-stream"));
        QVERIFY2(s.chunked && !s.complete && !s.malformed, qPrintable(s.describe()));
        QCOMPARE(s.body, sseEvent(1) + sseEvent(2)); // what came is intact; nothing was made up

        m_faults.setFault(Fault::None);
        expectServesAndStopsCleanly();
    }

    // Case 2: a chunked 200 declares a 100-byte chunk, sends 20 bytes of it and closes.
    void truncatedChunkedBodyIsCutNotCompleted()
    {
        startDaemon(m_faults.baseUrl(), longTimeouts());
        if (QTest::currentTestFailed()) {
            return;
        }
        m_faults.setFault(Fault::TruncatedChunk);
        const std::unique_ptr<Probe> p = sendRequest(kGenerate);
        const Seen s = p->waitForEnd(kLongTimeoutMs + kSlackMs);
        qInfo("truncated chunk: status %d, %lld body bytes, connection closed after %lld ms", s.status,
            qint64(s.body.size()), p->closedAtMs());
        const QString problem = cutOrErrorProblem(s);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY2(p->closedAtMs() >= 0 && p->closedAtMs() <= kPromptMs, qPrintable(s.describe()));
        if (s.status == 200) {
            QVERIFY2(s.body.size() <= 20 && kReplyJson.startsWith(s.body), qPrintable(s.describe()));
        }
        QCOMPARE(m_faults.faulted(), 1); // not retried: the answer had started

        m_faults.setFault(Fault::None);
        expectServesAndStopsCleanly();
    }

    // Case 3: a chunked 200 whose chunk-size line is "zz": the garbage must not reach the client as a success.
    void invalidChunkSizeIsNotForwardedAsSuccess()
    {
        startDaemon(m_faults.baseUrl(), longTimeouts());
        if (QTest::currentTestFailed()) {
            return;
        }
        m_faults.setFault(Fault::BadChunkSize);
        const std::unique_ptr<Probe> p = sendRequest(kGenerate);
        const Seen s = p->waitForEnd(kLongTimeoutMs + kSlackMs);
        qInfo("chunk size 'zz': status %d, %lld body bytes, connection closed after %lld ms", s.status,
            qint64(s.body.size()), p->closedAtMs());
        const QString problem = cutOrErrorProblem(s);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY2(!s.raw.contains(kGarbage) && !s.raw.contains("zz\r\n"), qPrintable(s.describe()));
        // Acted on the bad line itself, not on a timeout or the upstream closing (it holds the connection open).
        QVERIFY2(p->closedAtMs() >= 0 && p->closedAtMs() <= kPromptMs, qPrintable(s.describe()));
        QVERIFY2(QTest::qWaitFor([this] { return m_faults.closedByPeer() == 1; }, kPromptMs),
            "the proxy kept the broken upstream connection open");

        m_faults.setFault(Fault::None);
        expectServesAndStopsCleanly();
    }

    // Case 4a: a client sends 5 MB of request headers: 431 (or 400) at once, the connection closed, and the daemon
    // does not swallow the 5 MB into memory.
    void hugeClientHeaderBlockIsRefusedPromptly()
    {
        startDaemon(m_faults.baseUrl(), longTimeouts());
        if (QTest::currentTestFailed()) {
            return;
        }
        QCOMPARE(sendRequest(kGenerate)->waitForEnd(10'000).status, 200); // warm-up: steady-state memory
        const qint64 rssBefore = ga::test::residentKiB(m_daemon->pid());
        QVERIFY(rssBefore > 0);

        const QByteArray raw = "POST " + kGenerate + " HTTP/1.1\r\nHost: 127.0.0.1\r\nx-goog-api-key: " + m_token
            + "\r\nContent-Type: application/json\r\n" + paddingHeaders(kHugeHeadBytes)
            + "Content-Length: " + QByteArray::number(kPrompt.size()) + "\r\n\r\n" + kPrompt;
        const FloodResult r = floodRequest(m_port, raw, 15'000);
        const qint64 rssAfter = ga::test::residentKiB(m_daemon->pid());
        const Seen s = parseSeen(r.response, true);
        qInfo("5 MB request head: %d after %lld ms (%lld of %lld bytes sent), connection ended (%s) after %lld ms; "
              "daemon VmRSS %lld -> %lld KiB",
            s.status, r.firstByteMs, r.sentBytes, qint64(raw.size()), r.how.constData(), r.endMs, rssBefore, rssAfter);
        QVERIFY2(s.status == 431 || s.status == 400, qPrintable(s.describe()));
        const QString problem = errorShapeProblem(s, s.status);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY2(r.firstByteMs >= 0 && r.firstByteMs <= kPromptMs, qPrintable(QString::number(r.firstByteMs)));
        QVERIFY2(r.how == "eof" || r.how == "reset", r.how.constData()); // the daemon closed the connection
        QVERIFY2(r.endMs <= kPromptMs, qPrintable(QString::number(r.endMs)));
        QVERIFY(s.header("connection").toLower() == "close");
        QVERIFY2(rssAfter > 0 && rssAfter - rssBefore < kMaxRssGrowthKiB,
            qPrintable(QStringLiteral("VmRSS %1 -> %2 KiB").arg(rssBefore).arg(rssAfter)));
        QCOMPARE(m_faults.faulted() + m_faults.answered(), 1); // only the warm-up went upstream

        expectServesAndStopsCleanly();
    }

    // Case 4b: the upstream answers with a 5 MB header block: 502 with Gemini's error JSON.
    void hugeUpstreamHeaderBlockGives502()
    {
        startDaemon(m_faults.baseUrl(), longTimeouts());
        if (QTest::currentTestFailed()) {
            return;
        }
        QCOMPARE(sendRequest(kGenerate)->waitForEnd(10'000).status, 200);
        const qint64 rssBefore = ga::test::residentKiB(m_daemon->pid());
        m_faults.setFault(Fault::HugeHead);
        const std::unique_ptr<Probe> p = sendRequest(kGenerate);
        const Seen s = p->waitForEnd(kLongTimeoutMs + kSlackMs);
        const qint64 rssAfter = ga::test::residentKiB(m_daemon->pid());
        qInfo("5 MB upstream head: %d after %lld ms, %d upstream attempt(s); daemon VmRSS %lld -> %lld KiB", s.status,
            p->lastByteAtMs(), m_faults.faulted(), rssBefore, rssAfter);
        const QString problem = errorShapeProblem(s, 502);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY2(p->lastByteAtMs() <= kPromptMs, qPrintable(QString::number(p->lastByteAtMs())));
        QVERIFY(m_faults.faulted() >= 1 && m_faults.faulted() <= kKeys); // keys.maxAttempts (3) at most
        QVERIFY2(rssAfter > 0 && rssAfter - rssBefore < kMaxRssGrowthKiB,
            qPrintable(QStringLiteral("VmRSS %1 -> %2 KiB").arg(rssBefore).arg(rssAfter)));

        m_faults.setFault(Fault::None);
        expectServesAndStopsCleanly();
    }

    // Case 5a: the upstream reads the request and never answers: 504 within the configured bound.
    void hangBeforeHeadGives504InTime()
    {
        constexpr int firstByteMs = 1000; // the schema's minimum
        constexpr int requestMs = 3000;
        startDaemon(m_faults.baseUrl(),
            { { QStringLiteral("upstream.firstByteTimeoutMs"), QString::number(firstByteMs) },
                { QStringLiteral("upstream.requestTimeoutMs"), QString::number(requestMs) },
                { QStringLiteral("upstream.streamIdleTimeoutMs"), QString::number(kLongTimeoutMs) } });
        if (QTest::currentTestFailed()) {
            return;
        }
        m_faults.setFault(Fault::HangBeforeHead);
        const std::unique_ptr<Probe> p = sendRequest(kGenerate);
        const Seen s = p->waitForEnd(requestMs + 3 * kSlackMs);
        const qint64 ms = p->lastByteAtMs();
        qInfo("hang before the head: %d after %lld ms (firstByteTimeoutMs %d, requestTimeoutMs %d), %d upstream "
              "attempt(s)",
            s.status, ms, firstByteMs, requestMs, m_faults.faulted());
        const QString problem = errorShapeProblem(s, 504);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(QJsonDocument::fromJson(s.body).object().value(u"error").toObject().value(u"status").toString(),
            QStringLiteral("DEADLINE_EXCEEDED"));
        QVERIFY2(ms >= firstByteMs - 100 && ms <= requestMs + kSlackMs, qPrintable(QString::number(ms)));
        QVERIFY(m_faults.faulted() >= 1 && m_faults.faulted() <= kKeys);
        // The hung upstream connections are closed, not leaked.
        QVERIFY2(QTest::qWaitFor([this] { return m_faults.held() == 0; }, kPromptMs),
            qPrintable(QStringLiteral("%1 hung upstream connection(s) still open").arg(m_faults.held())));

        m_faults.setFault(Fault::None);
        expectServesAndStopsCleanly();
    }

    // Case 5b: the upstream sends the head and one event, then nothing: the stream is cut after
    // upstream.streamIdleTimeoutMs.
    void hangMidBodyIsCutAfterIdleTimeout()
    {
        constexpr int idleMs = 1000; // the schema's minimum
        startDaemon(m_faults.baseUrl(),
            { { QStringLiteral("upstream.firstByteTimeoutMs"), QString::number(kLongTimeoutMs) },
                { QStringLiteral("upstream.requestTimeoutMs"), QString::number(kLongTimeoutMs) },
                { QStringLiteral("upstream.streamIdleTimeoutMs"), QString::number(idleMs) } });
        if (QTest::currentTestFailed()) {
            return;
        }
        m_faults.setFault(Fault::HangMidBody);
        const std::unique_ptr<Probe> p = sendRequest(kStream);
        QVERIFY2(
            p->waitUntil([&] { return p->seen().body.contains("data: "); }, 10'000), qPrintable(p->seen().describe()));
        const qint64 eventAt = p->lastByteAtMs();
        const Seen s = p->waitForEnd(idleMs + 3 * kSlackMs);
        QVERIFY2(s.closed, qPrintable(s.describe()));
        const qint64 silentMs = p->closedAtMs() - eventAt;
        qInfo("hang mid-body: stream cut %lld ms after its last event (streamIdleTimeoutMs %d)", silentMs, idleMs);
        QVERIFY2(silentMs >= idleMs - 200 && silentMs <= idleMs + kSlackMs, qPrintable(QString::number(silentMs)));
        QCOMPARE(s.status, 200);
        QVERIFY2(s.chunked && !s.complete && !s.malformed, qPrintable(s.describe()));
        QCOMPARE(s.body, sseEvent(1));
        QVERIFY2(QTest::qWaitFor([this] { return m_faults.held() == 0; }, kPromptMs),
            "the proxy kept the silent upstream connection open");

        m_faults.setFault(Fault::None);
        expectServesAndStopsCleanly();
    }

    // Case 6: every key gets 429 RESOURCE_EXHAUSTED with RetryInfo for GA_FAULTS_STORM_SECONDS (40) while a client
    // polls every 150 ms: only 429s with Retry-After, no 5xx. Then the upstream recovers, and the first 200 must
    // come within 2 s. The fake's default retryDelay is "37s"; the storm sends "1s" (the current form Google
    // sends, gemini-api.md §4.3; GA_FAULTS_STORM_RETRY_DELAY changes it): a proxy that honours a 37 s RetryInfo
    // cannot be back within 2 s, and should not be.
    void rateLimitStormThenRecovery()
    {
        bool ok = false;
        const int stormSeconds = qEnvironmentVariableIntValue("GA_FAULTS_STORM_SECONDS", &ok);
        const qint64 stormMs = qint64(ok && stormSeconds > 0 ? stormSeconds : 40) * 1000;
        const QByteArray retryDelay = qEnvironmentVariableIsSet("GA_FAULTS_STORM_RETRY_DELAY")
            ? qgetenv("GA_FAULTS_STORM_RETRY_DELAY")
            : QByteArray("1s");
        constexpr int recoveryMs = 2000;

        ga::test::FakeGemini fake;
        QVERIFY(fake.listen());
        startDaemon(fake.baseUrl(), longTimeouts());
        if (QTest::currentTestFailed()) {
            return;
        }
        for (const QString &key : std::as_const(m_keys)) {
            fake.addKey(key); // a project of its own each
        }
        QCOMPARE(sendRequest(kGenerate)->waitForEnd(10'000).status, 200);

        ga::test::Script storm;
        storm.behaviour = ga::test::Behaviour::RateLimited;
        storm.retryDelay = retryDelay;
        for (const QString &key : std::as_const(m_keys)) {
            fake.setScript(key, storm);
        }
        const int upstreamBefore = fake.requestCount();
        QElapsedTimer clock;
        clock.start();
        int polls = 0;
        QMap<QByteArray, int> retryAfters;
        qint64 recoveredAt = -1;
        qint64 first200 = -1;
        qint64 lastStorm429 = -1;
        for (;;) {
            const qint64 sentAt = clock.elapsed();
            if (recoveredAt < 0 && sentAt >= stormMs) {
                for (const QString &key : std::as_const(m_keys)) {
                    fake.clearScript(key); // back to Normal
                }
                recoveredAt = clock.elapsed();
            }
            if (recoveredAt >= 0 && sentAt > recoveredAt + recoveryMs + 3000) {
                break; // give up measuring; reported below
            }
            const std::unique_ptr<Probe> p = sendRequest(kGenerate);
            const Seen s = p->waitForEnd(10'000);
            ++polls;
            QVERIFY2(s.status != 0 && s.status < 500,
                qPrintable(
                    QStringLiteral("poll %1 at %2 ms: %3\n%4").arg(polls).arg(sentAt).arg(s.describe(), daemonLog())));
            if (recoveredAt < 0) {
                QVERIFY2(s.status == 429, qPrintable(QStringLiteral("during the storm: %1").arg(s.describe())));
                const QString problem = errorShapeProblem(s, 429);
                QVERIFY2(problem.isEmpty(), qPrintable(problem));
                QCOMPARE(
                    QJsonDocument::fromJson(s.body).object().value(u"error").toObject().value(u"status").toString(),
                    QStringLiteral("RESOURCE_EXHAUSTED"));
                QVERIFY2(!s.header("retry-after").isEmpty(), qPrintable(s.describe()));
                ++retryAfters[s.header("retry-after")];
                lastStorm429 = clock.elapsed();
            } else if (s.status == 200) {
                first200 = clock.elapsed() - recoveredAt;
                break;
            }
            QVERIFY2(m_daemon->isRunning(), qPrintable(daemonLog()));
            const qint64 wait = sentAt + kPollIntervalMs - clock.elapsed();
            QTest::qWait(int(std::max<qint64>(1, wait)));
        }
        QStringList afters;
        for (auto it = retryAfters.cbegin(); it != retryAfters.cend(); ++it) {
            afters << QStringLiteral("%1 s ×%2").arg(QString::fromLatin1(it.key())).arg(it.value());
        }
        QStringList cooling;
        for (const QString &line : daemonLog().split(u'\n')) {
            if (line.contains(u"cooling") || line.contains(u"cooldown")) {
                cooling << line;
            }
        }
        qInfo("429 storm of %lld ms (retryDelay %s): %d polls, %d upstream calls, Retry-After %s; last 429 at %lld "
              "ms; first 200 %lld ms after the upstream recovered",
            stormMs, retryDelay.constData(), polls, fake.requestCount() - upstreamBefore,
            qPrintable(afters.join(u", ")), lastStorm429, first200);
        QVERIFY2(first200 >= 0 && first200 <= recoveryMs,
            qPrintable(QStringLiteral("first 200 %1 ms after the storm (-1: none within %2 ms); cooldown log:\n%3")
                           .arg(first200)
                           .arg(recoveryMs + 3000)
                           .arg(cooling.mid(std::max<qsizetype>(0, cooling.size() - 12)).join(u'\n'))));

        expectServesAndStopsCleanly();
    }
};

QTEST_GUILESS_MAIN(TestFaultsUpstream)
#include "tst_faults_upstream.moc"
