// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/accessrecord.h"

#include <QDateTime>
#include <QJsonArray>

namespace ga::metrics {

QJsonObject toJson(const AccessRecord &r)
{
    QJsonArray attempts;
    for (const Attempt &a : r.attempts) {
        attempts.append(QJsonObject { { QStringLiteral("key"), a.keyId }, { QStringLiteral("route"), a.route },
            { QStringLiteral("status"), a.status }, { QStringLiteral("outcome"), a.outcome },
            { QStringLiteral("ms"), double(a.ms) } });
    }
    return QJsonObject {
        { QStringLiteral("id"), double(r.id) },
        { QStringLiteral("time"), QDateTime::fromMSecsSinceEpoch(r.startedMs, Qt::UTC).toString(Qt::ISODateWithMs) },
        { QStringLiteral("client"), r.client },
        { QStringLiteral("peer"), r.peer },
        { QStringLiteral("method"), r.method },
        { QStringLiteral("path"), r.path },
        { QStringLiteral("kind"), r.kind },
        { QStringLiteral("model"), r.model },
        { QStringLiteral("mode"), r.mode },
        { QStringLiteral("key"), r.keyId },
        { QStringLiteral("route"), r.route },
        { QStringLiteral("status"), r.status },
        { QStringLiteral("stream"), r.stream },
        { QStringLiteral("broken"), r.broken },
        { QStringLiteral("bytesIn"), double(r.bytesIn) },
        { QStringLiteral("bytesOut"), double(r.bytesOut) },
        { QStringLiteral("ttfbMs"), double(r.ttfbMs) },
        { QStringLiteral("totalMs"), double(r.totalMs) },
        { QStringLiteral("tokensIn"), double(r.tokensIn) },
        { QStringLiteral("tokensOut"), double(r.tokensOut) },
        { QStringLiteral("retries"), r.retries() },
        { QStringLiteral("fallbacks"), r.fallbacks },
        { QStringLiteral("attempts"), attempts },
    };
}

QString toLogLine(const AccessRecord &r)
{
    auto orDash = [](const QString &s) { return s.isEmpty() ? QStringLiteral("-") : s; };
    QString line = QStringLiteral("#%1 %2 %3 %4 %5 %6 key=%7 route=%8 tries=%9")
                       .arg(r.id)
                       .arg(orDash(r.client), r.method, r.path)
                       .arg(r.status)
                       .arg(orDash(r.model), orDash(r.keyId), orDash(r.route))
                       .arg(r.attempts.size());
    line += QStringLiteral(" ttfb=%1ms total=%2ms out=%3B")
                .arg(r.ttfbMs >= 0 ? QString::number(r.ttfbMs) : QStringLiteral("-"))
                .arg(r.totalMs)
                .arg(r.bytesOut);
    if (r.tokensIn || r.tokensOut) {
        line += QStringLiteral(" tokens=%1/%2").arg(r.tokensIn).arg(r.tokensOut);
    }
    if (r.attempts.size() > 1 || r.fallbacks) {
        QStringList why;
        for (const Attempt &a : r.attempts) {
            why.append(QStringLiteral("%1@%2:%3").arg(orDash(a.keyId), orDash(a.route), a.outcome));
        }
        line += QStringLiteral(" [%1]").arg(why.join(QStringLiteral(", ")));
    }
    return line;
}

QString routeKindOf(QByteArrayView path)
{
    if (path.startsWith("/upload/")) {
        return QStringLiteral("upload");
    }
    if (path.contains("/openai/")) {
        return QStringLiteral("openai");
    }
    return QStringLiteral("native");
}

} // namespace ga::metrics
