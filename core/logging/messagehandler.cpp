// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging/messagehandler.h"

#include "logging/redact.h"
#include "time/clock.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMutex>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

namespace ga::logging {
namespace {

const char *levelTag(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "error";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

std::atomic<LogFormat> g_format { LogFormat::Text };

// The log file with its size-based rotation. Guarded by the handler's mutex.
struct LogFile
{
    QString path;
    qint64 maxBytes = 0;
    int keep = 0;
    std::unique_ptr<QFile> file;
    qint64 size = 0;

    void rotate()
    {
        file.reset();
        QFile::remove(path + u'.' + QString::number(keep));
        for (int i = keep - 1; i >= 1; --i) {
            QFile::rename(path + u'.' + QString::number(i), path + u'.' + QString::number(i + 1));
        }
        if (keep > 0) {
            QFile::rename(path, path + QStringLiteral(".1"));
        } else {
            QFile::remove(path);
        }
        open();
    }

    bool open(QString *error = nullptr)
    {
        file = std::make_unique<QFile>(path);
        if (!file->open(QIODevice::WriteOnly | QIODevice::Append)) {
            if (error) {
                *error = QStringLiteral("cannot open the log file %1: %2").arg(path, file->errorString());
            }
            file.reset();
            return false;
        }
        file->setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        size = file->size();
        return true;
    }

    // Whole lines, each ending in '\n' (a batch of them from the writer thread, or one). Rotation happens between
    // lines, never inside one.
    void writeLines(QByteArrayView lines)
    {
        while (file && !lines.isEmpty()) {
            qsizetype end = lines.size();
            if (size + end > maxBytes) {
                // As many whole lines as fit; at least one (a file always takes the line it starts with).
                const qsizetype room = std::max<qsizetype>(maxBytes - size, 0);
                const qsizetype cut = room > 0 ? lines.first(std::min(room, lines.size())).lastIndexOf('\n') : -1;
                if (cut >= 0) {
                    end = cut + 1;
                } else if (size > 0) {
                    rotate();
                    continue;
                } else {
                    const qsizetype newline = lines.indexOf('\n');
                    end = newline >= 0 ? newline + 1 : lines.size();
                }
            }
            QByteArrayView part = lines.first(end);
            lines = lines.sliced(end);
            if (part.size() > maxBytes) {
                // A record longer than a whole file keeps its start.
                file->write(part.first(maxBytes - 1).data(), maxBytes - 1);
                file->write("\n", 1);
                size += maxBytes;
            } else {
                file->write(part.data(), part.size());
                size += part.size();
            }
        }
        if (file) {
            file->flush();
        }
    }
};

QMutex &handlerMutex()
{
    static QMutex mutex;
    return mutex;
}

LogFile &logFile()
{
    static LogFile f;
    return f;
}

constexpr qsizetype kTimestampBytes = 32; // room for the time timestampInto() writes

// The local time as Qt::ISODateWithMs writes it ("2026-12-05T14:20:01.123"), written into `buf`; its bytes.
// Formatting a date is costly next to a log line, so each thread formats the current second once and writes in the
// milliseconds. Into a buffer of the caller's, not appended: the line is then sized once (an append to a QByteArray
// is an insert with its checks; writing an access line took 551 instructions with it, 448 without).
QByteArrayView timestampInto(char (&buf)[kTimestampBytes])
{
    thread_local qint64 cachedSecond = std::numeric_limits<qint64>::min();
    thread_local QByteArray cached;
    thread_local qsizetype millisAt = -1;
    const qint64 nowMs = time::wallMs(); // a proxy worker's lines take its turn's time
    const qint64 second = nowMs >= 0 ? nowMs / 1000 : (nowMs - 999) / 1000;
    if (second != cachedSecond) {
        cached = QDateTime::fromMSecsSinceEpoch(second * 1000, Qt::LocalTime).toString(Qt::ISODateWithMs).toLatin1();
        cached.truncate(kTimestampBytes); // a year past 9999 at most adds digits
        const qsizetype dot = cached.indexOf('.', cached.indexOf('T'));
        millisAt = dot >= 0 && dot + 3 < cached.size() ? dot + 1 : -1;
        cachedSecond = second;
    }
    std::copy_n(cached.constData(), cached.size(), buf);
    if (millisAt >= 0) {
        const int ms = int(nowMs - second * 1000);
        buf[millisAt] = char('0' + ms / 100);
        buf[millisAt + 1] = char('0' + ms / 10 % 10);
        buf[millisAt + 2] = char('0' + ms % 10);
    }
    return QByteArrayView(buf, cached.size());
}

void appendTimestamp(QByteArray &line)
{
    char buf[kTimestampBytes];
    line.append(timestampInto(buf));
}

// Appends the line for a message to `out`. `redacted`: the message, UTF-8, with nothing secret left in it.
void appendSafeLine(QByteArray &out, QtMsgType type, const char *category, const QByteArray &redacted)
{
    const char *level = levelTag(type);
    if (g_format.load(std::memory_order_relaxed) == LogFormat::Json) {
        // Access records arrive as compact JSON (metrics::Recorder, the only writer of "ga.access"): embedded as an
        // object, not as a string. Keys in the order QJsonObject writes them.
        if (qstrcmp(category, "ga.access") == 0 && redacted.startsWith('{') && redacted.endsWith('}')) {
            out.append("{\"access\":").append(redacted).append(",\"category\":\"ga.access\",\"level\":\"");
            out.append(level).append("\",\"time\":\"");
            appendTimestamp(out);
            out.append("\"}\n");
            return;
        }
        QByteArray time;
        appendTimestamp(time);
        const QJsonObject o { { QStringLiteral("time"), QString::fromLatin1(time) },
            { QStringLiteral("level"), QLatin1String(level) }, { QStringLiteral("category"), QLatin1String(category) },
            { QStringLiteral("message"), QString::fromUtf8(redacted) } };
        out.append(QJsonDocument(o).toJson(QJsonDocument::Compact)).append('\n');
        return;
    }
    // In one resize: seven appends were a call and a size check each.
    char timeBuf[kTimestampBytes];
    const QByteArrayView time = timestampInto(timeBuf);
    const auto levelSize = qsizetype(qstrlen(level));
    const auto categorySize = qsizetype(qstrlen(category));
    const qsizetype at = out.size();
    out.resize(at + time.size() + 1 + levelSize + 1 + categorySize + 2 + redacted.size() + 1);
    char *p = std::copy_n(time.data(), time.size(), out.data() + at);
    *p++ = ' ';
    p = std::copy_n(level, levelSize, p);
    *p++ = ' ';
    p = std::copy_n(category, categorySize, p);
    *p++ = ':';
    *p++ = ' ';
    p = std::copy_n(redacted.constData(), redacted.size(), p);
    *p = '\n';
}

QByteArray formatSafeLine(QtMsgType type, const char *category, const QByteArray &redacted)
{
    QByteArray line;
    line.reserve(kTimestampBytes + redacted.size() + qsizetype(qstrlen(category)) + 64);
    appendSafeLine(line, type, category, redacted);
    return line;
}

QByteArray formatLine(QtMsgType type, const char *category, const QString &message)
{
    return formatSafeLine(type, category, Redactor::redact(message).toUtf8());
}

// Lines to stderr and the log file, in one write each.
void writeToSinks(QByteArrayView lines)
{
    QMutexLocker locker(&handlerMutex());
    std::fwrite(lines.data(), 1, size_t(lines.size()), stderr);
    std::fflush(stderr);
    logFile().writeLines(lines);
}

// The writer thread (startLogWriter): threads that log append to `queue` and go on; the writer takes all of it at
// once. It sleeps on a condition variable while nothing is queued (no timer, no wake-ups when idle).
class AsyncWriter
{
public:
    static AsyncWriter &instance()
    {
        static AsyncWriter writer;
        return writer;
    }

    ~AsyncWriter() { stop(); }

    void start()
    {
        std::lock_guard lock(m_mutex);
        if (m_running) {
            return;
        }
        m_running = true;
        m_stopping = false;
        m_thread = std::thread([this] { run(); });
    }

    void stop()
    {
        {
            std::lock_guard lock(m_mutex);
            if (!m_running) {
                return;
            }
            m_stopping = true;
        }
        m_wake.notify_one();
        m_thread.join();
        std::lock_guard lock(m_mutex);
        m_running = false;
        m_done.notify_all();
    }

    // False when the writer does not run (the caller writes itself). With `wait`, returns once the line (and all
    // before it) is written.
    bool post(const QByteArray &line, bool wait)
    {
        return postWith([&line](QByteArray &queue) { queue.append(line); }, wait);
    }

    // The same, the line written straight into the queue by `append(queue)`: no line of its own to allocate, copy and
    // free (the access log writes one a request).
    template<typename Append>
    bool postWith(Append &&append, bool wait)
    {
        std::unique_lock lock(m_mutex);
        if (!m_running || m_stopping || std::this_thread::get_id() == m_thread.get_id()) {
            return false;
        }
        // Bounded: when the sinks cannot keep up (a stderr whose reader stalls: journald, a paused pipe), a line
        // nobody waits for (info, debug: the access log) is left out and counted, so the proxy's threads never wait
        // on the log's reader; warnings and worse wait for room as they would writing themselves.
        if (m_queue.size() >= kMaxQueued && !wait) {
            ++m_dropped;
            return true;
        }
        m_done.wait(lock, [this] { return m_queue.size() < kMaxQueued || !m_running; });
        if (!m_running) {
            return false;
        }
        append(m_queue);
        const quint64 seq = ++m_posted;
        m_urgent = m_urgent || wait;
        // The writer is told only when it sleeps with nothing to do, when the batch is full, or when someone waits:
        // otherwise it is already gathering and takes this line with the rest (no wake-up per line under load).
        if (m_writerIdle || wait || m_queue.size() >= kBatchBytes) {
            m_writerIdle = false;
            m_wake.notify_one();
        }
        if (wait) {
            m_done.wait(lock, [this, seq] { return m_written >= seq || !m_running; });
        }
        return true;
    }

    void flush()
    {
        std::unique_lock lock(m_mutex);
        const quint64 seq = m_posted;
        if (m_written >= seq) {
            return;
        }
        m_urgent = true;
        m_wake.notify_one();
        m_done.wait(lock, [this, seq] { return m_written >= seq || !m_running; });
    }

private:
    static constexpr qsizetype kMaxQueued = 4 << 20;
    static constexpr qsizetype kBatchBytes = 64 * 1024; // written at once when this much is queued
    static constexpr auto kGatherTime = std::chrono::milliseconds(5); // a line waits at most this long (+ the write)

    void run()
    {
        QByteArray batch;
        std::unique_lock lock(m_mutex);
        for (;;) {
            if (m_queue.isEmpty() && !m_stopping) {
                m_writerIdle = true; // nothing to do: sleep until a line comes (no timer, no idle wake-ups)
                m_wake.wait(lock, [this] { return !m_queue.isEmpty() || m_stopping; });
                m_writerIdle = false;
            }
            // Gather what more comes within a few milliseconds, unless someone waits or the batch is full.
            m_wake.wait_for(
                lock, kGatherTime, [this] { return m_urgent || m_stopping || m_queue.size() >= kBatchBytes; });
            if (m_queue.isEmpty()) {
                if (m_stopping) {
                    return; // everything is written
                }
                continue;
            }
            m_urgent = false;
            batch.swap(m_queue);
            const quint64 seq = m_posted;
            const quint64 dropped = std::exchange(m_dropped, 0);
            lock.unlock();
            if (dropped > 0) {
                // After the lines queued before them: where they were left out.
                appendSafeLine(batch, QtWarningMsg, "ga.logging",
                    QByteArray::number(dropped)
                        + " log lines were left out: the log's reader (stderr, the log file) did not keep up");
            }
            writeToSinks(batch);
            batch.resize(0); // keeps its capacity for the next swap
            lock.lock();
            m_written = seq;
            m_done.notify_all();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake; // the writer: something is queued, or stop
    std::condition_variable m_done; // loggers: written up to m_written, or room in the queue
    QByteArray m_queue;
    quint64 m_posted = 0;
    quint64 m_written = 0;
    quint64 m_dropped = 0; // lines left out since the last batch (the queue was full)
    bool m_running = false;
    bool m_stopping = false;
    bool m_writerIdle = false; // the writer sleeps until told
    bool m_urgent = false; // a logger waits for its line (a warning, flushLog())
    std::thread m_thread;
};

std::atomic<bool> g_handlerInstalled { false };

// Warnings and worse return only once written: a crash right after one still leaves it in the log.
bool waitsForWrite(QtMsgType type)
{
    return type == QtWarningMsg || type == QtCriticalMsg || type == QtFatalMsg;
}

void writeLine(QtMsgType type, const QByteArray &line)
{
    if (!AsyncWriter::instance().post(line, waitsForWrite(type))) {
        writeToSinks(line);
    }
}

void handleMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    writeLine(type, formatLine(type, context.category ? context.category : "default", message));
}

} // namespace

std::optional<LogLevel> parseLogLevel(const QString &text)
{
    const QString t = text.trimmed().toLower();
    if (t == u"debug") {
        return LogLevel::Debug;
    }
    if (t == u"info") {
        return LogLevel::Info;
    }
    if (t == u"warning" || t == u"warn") {
        return LogLevel::Warning;
    }
    if (t == u"error") {
        return LogLevel::Error;
    }
    return std::nullopt;
}

QString logLevelName(LogLevel level)
{
    switch (level) {
    case LogLevel::Debug:
        return QStringLiteral("debug");
    case LogLevel::Info:
        return QStringLiteral("info");
    case LogLevel::Warning:
        return QStringLiteral("warning");
    case LogLevel::Error:
        return QStringLiteral("error");
    }
    return QStringLiteral("info");
}

QtMessageHandler installMessageHandler()
{
    const QtMessageHandler previous = qInstallMessageHandler(handleMessage);
    g_handlerInstalled.store(true, std::memory_order_relaxed);
    return previous;
}

void restoreMessageHandler(QtMessageHandler previous)
{
    g_handlerInstalled.store(false, std::memory_order_relaxed);
    qInstallMessageHandler(previous);
}

bool writeSafeMessage(QtMsgType type, const char *category, const QByteArray &utf8)
{
    if (!g_handlerInstalled.load(std::memory_order_relaxed)) {
        return false;
    }
    const auto append = [&](QByteArray &queue) { appendSafeLine(queue, type, category, utf8); };
    if (!AsyncWriter::instance().postWith(append, waitsForWrite(type))) {
        writeToSinks(formatSafeLine(type, category, utf8));
    }
    return true;
}

void startLogWriter()
{
    static std::once_flag atExit;
    AsyncWriter::instance().start();
    std::call_once(atExit, [] { std::atexit([] { AsyncWriter::instance().stop(); }); });
}

void stopLogWriter()
{
    AsyncWriter::instance().stop();
}

void flushLog()
{
    AsyncWriter::instance().flush();
}

std::optional<LogFormat> parseLogFormat(const QString &text)
{
    const QString t = text.trimmed().toLower();
    if (t == u"text") {
        return LogFormat::Text;
    }
    if (t == u"json") {
        return LogFormat::Json;
    }
    return std::nullopt;
}

namespace {
QString levelRules(const QString &pattern, LogLevel level)
{
    return QStringLiteral("%1.debug=%2\n%1.info=%3\n%1.warning=%4\n")
        .arg(pattern)
        .arg(level <= LogLevel::Debug ? u"true" : u"false")
        .arg(level <= LogLevel::Info ? u"true" : u"false")
        .arg(level <= LogLevel::Warning ? u"true" : u"false");
}
} // namespace

bool setLogLevel(LogLevel level, const QString &perCategory, QString *error)
{
    QString rules = levelRules(QStringLiteral("ga.*"), level);
    for (const QString &item : perCategory.split(u',', Qt::SkipEmptyParts)) {
        const QString name = item.section(u'=', 0, 0).trimmed().toLower();
        const std::optional<LogLevel> l = parseLogLevel(item.section(u'=', 1));
        static const QStringList known = { QStringLiteral("config"), QStringLiteral("secrets"), QStringLiteral("keys"),
            QStringLiteral("daemon"), QStringLiteral("cli"), QStringLiteral("proxy"), QStringLiteral("http"),
            QStringLiteral("routing"), QStringLiteral("security"), QStringLiteral("ui"), QStringLiteral("access") };
        if (!item.contains(u'=') || !l || !known.contains(name)) {
            if (error) {
                *error = QStringLiteral("'%1' is not CATEGORY=LEVEL (categories: %2; levels: debug, info, warning, "
                                        "error)")
                             .arg(item.trimmed(), known.join(QStringLiteral(", ")));
            }
            return false;
        }
        rules += levelRules(QStringLiteral("ga.") + name, *l);
    }
    QLoggingCategory::setFilterRules(rules);
    return true;
}

void setLogFormat(LogFormat format)
{
    g_format.store(format, std::memory_order_relaxed);
}

LogFormat logFormat()
{
    return g_format.load(std::memory_order_relaxed);
}

bool setLogFile(const QString &path, qint64 maxBytes, int keep, QString *error)
{
    flushLog(); // what was logged before goes where it would have gone
    QMutexLocker locker(&handlerMutex());
    LogFile &f = logFile();
    if (f.file && f.path == path) {
        f.maxBytes = std::max<qint64>(maxBytes, 1024);
        f.keep = std::max(0, keep);
        return true;
    }
    if (!QDir().mkpath(QFileInfo(path).absolutePath())) {
        if (error) {
            *error = QStringLiteral("cannot create the folder of the log file %1").arg(path);
        }
        return false;
    }
    LogFile next;
    next.path = path;
    next.maxBytes = std::max<qint64>(maxBytes, 1024);
    next.keep = std::max(0, keep);
    if (!next.open(error)) {
        return false;
    }
    f = std::move(next);
    return true;
}

void closeLogFile()
{
    flushLog();
    QMutexLocker locker(&handlerMutex());
    logFile().file.reset();
    logFile().path.clear();
}

QString logFilePath()
{
    QMutexLocker locker(&handlerMutex());
    return logFile().file ? logFile().path : QString();
}

} // namespace ga::logging
