// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging/messagehandler.h"

#include "logging/redact.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMutex>

#include <atomic>
#include <cstdio>
#include <limits>
#include <memory>

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

    void write(QByteArray line)
    {
        if (!file) {
            return;
        }
        if (line.size() > maxBytes) {
            line.truncate(maxBytes - 1); // a record longer than a whole file keeps its start
            line += '\n';
        }
        if (size + line.size() > maxBytes && size > 0) {
            rotate();
            if (!file) {
                return;
            }
        }
        file->write(line);
        file->flush();
        size += line.size();
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

// The local time as Qt::ISODateWithMs writes it. Formatting a date is costly next to a log line, so each thread
// formats the current second once and patches in the milliseconds.
QByteArray timestamp()
{
    thread_local qint64 cachedSecond = std::numeric_limits<qint64>::min();
    thread_local QByteArray cached;
    thread_local qsizetype millisAt = -1;
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    const qint64 second = nowMs >= 0 ? nowMs / 1000 : (nowMs - 999) / 1000;
    if (second != cachedSecond) {
        cached = QDateTime::fromMSecsSinceEpoch(second * 1000, Qt::LocalTime).toString(Qt::ISODateWithMs).toLatin1();
        const qsizetype dot = cached.indexOf('.', cached.indexOf('T'));
        millisAt = dot >= 0 && dot + 3 < cached.size() ? dot + 1 : -1;
        cachedSecond = second;
    }
    QByteArray out = cached;
    if (millisAt >= 0) {
        const int ms = int(nowMs - second * 1000);
        char *digits = out.data() + millisAt; // detaches: `cached` stays as it is
        digits[0] = char('0' + ms / 100);
        digits[1] = char('0' + ms / 10 % 10);
        digits[2] = char('0' + ms % 10);
    }
    return out;
}

QByteArray formatLine(QtMsgType type, const char *category, const QString &message)
{
    const QByteArray time = timestamp();
    const QByteArray redacted = Redactor::redact(message).toUtf8();
    const char *level = levelTag(type);
    QByteArray line;
    if (g_format.load(std::memory_order_relaxed) == LogFormat::Json) {
        // Access records arrive as compact JSON (metrics::Recorder, the only writer of "ga.access"): embedded as an
        // object, not as a string. Keys in the order QJsonObject writes them.
        if (qstrcmp(category, "ga.access") == 0 && redacted.startsWith('{') && redacted.endsWith('}')) {
            line.reserve(redacted.size() + time.size() + 64);
            line.append("{\"access\":").append(redacted).append(",\"category\":\"ga.access\",\"level\":\"");
            line.append(level).append("\",\"time\":\"").append(time).append("\"}\n");
            return line;
        }
        const QJsonObject o { { QStringLiteral("time"), QString::fromLatin1(time) },
            { QStringLiteral("level"), QLatin1String(level) }, { QStringLiteral("category"), QLatin1String(category) },
            { QStringLiteral("message"), QString::fromUtf8(redacted) } };
        return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    }
    line.reserve(time.size() + redacted.size() + qsizetype(qstrlen(category)) + 16);
    line.append(time).append(' ').append(level).append(' ').append(category).append(": ").append(redacted).append('\n');
    return line;
}

void handleMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QByteArray line = formatLine(type, context.category ? context.category : "default", message);
    QMutexLocker locker(&handlerMutex());
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
    logFile().write(line);
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

void installMessageHandler()
{
    qInstallMessageHandler(handleMessage);
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
