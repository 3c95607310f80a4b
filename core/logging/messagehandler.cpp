// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging/messagehandler.h"

#include "logging/redact.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QMutex>

#include <cstdio>

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

void handleMessage(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    static QMutex mutex;
    const QByteArray line
        = QStringLiteral("%1 %2 %3: %4\n")
              .arg(QDateTime::currentDateTime().toString(Qt::ISODateWithMs), QString::fromLatin1(levelTag(type)),
                  QString::fromLatin1(context.category ? context.category : "default"), Redactor::redact(message))
              .toUtf8();
    QMutexLocker locker(&mutex);
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
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

void setLogLevel(LogLevel level)
{
    QString rules = QStringLiteral("ga.*.debug=%1\nga.*.info=%2\nga.*.warning=%3\n")
                        .arg(level <= LogLevel::Debug ? u"true" : u"false")
                        .arg(level <= LogLevel::Info ? u"true" : u"false")
                        .arg(level <= LogLevel::Warning ? u"true" : u"false");
    QLoggingCategory::setFilterRules(rules);
}

} // namespace ga::logging
