// SPDX-License-Identifier: GPL-3.0-or-later
#include "routing/relayprobe.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>

#include <memory>

namespace ga::routing {

void probeRelay(const QUrl &base, const QByteArray &secret, const upstream::UpstreamSettings &via, QObject *context,
    std::function<void(const RelayCheck &)> done)
{
    auto *nam = new QNetworkAccessManager(context);
    nam->setProxy(via.proxy);
    QUrl url = base;
    url.setPath(
        url.path().endsWith(u'/') ? url.path() + QStringLiteral("health") : url.path() + QStringLiteral("/health"));
    url.setQuery(QStringLiteral("upstream=1"));
    QNetworkRequest request(url);
    request.setRawHeader("x-relay-secret", secret);
    request.setTransferTimeout(20'000);
    if (url.scheme() == u"https") {
        request.setSslConfiguration(upstream::sslConfiguration(via));
    }
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    QNetworkReply *reply = nam->get(request);
    QObject::connect(reply, &QNetworkReply::finished, nam, [nam, reply, clock, done = std::move(done)] {
        RelayCheck c;
        c.latencyMs = clock->elapsed();
        c.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->readAll();
        const QByteArray relayError = reply->rawHeader("x-relay-error");
        if (c.status == 0) {
            c.verdict = QStringLiteral("unreachable");
            c.detail = reply->errorString();
        } else if (c.status == 401 || relayError == "auth") {
            c.verdict = QStringLiteral("bad-secret");
            c.detail = QStringLiteral("the relay refused the secret; set the same RELAY_SECRET on both sides");
        } else if (c.status != 200) {
            c.verdict = QStringLiteral("error");
            c.detail = QStringLiteral("unexpected HTTP %1 from /health (is this one of our relays?)").arg(c.status);
        } else {
            const QJsonObject doc = QJsonDocument::fromJson(body).object();
            const QJsonObject upstream = doc.value(u"upstream").toObject();
            if (!upstream.value(u"reachable").toBool()) {
                c.verdict = QStringLiteral("no-upstream");
                c.detail = QStringLiteral("the relay cannot reach the upstream: %1")
                               .arg(upstream.value(u"error").toString(QStringLiteral("unknown error")));
            } else {
                c.verdict = QStringLiteral("ok");
                c.detail
                    = QStringLiteral("relay %1, upstream answered %2 in %3 ms")
                          .arg(doc.value(u"version").toString(), QString::number(upstream.value(u"status").toInt()),
                              QString::number(upstream.value(u"latencyMs").toInt()));
            }
        }
        reply->deleteLater();
        nam->deleteLater();
        done(c);
    });
}

} // namespace ga::routing
