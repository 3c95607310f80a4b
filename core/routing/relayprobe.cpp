// SPDX-License-Identifier: GPL-3.0-or-later
#include "routing/relayprobe.h"

#include "logging/usertext.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>

#include <memory>

namespace ga::routing {
namespace {

// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kTheRelayRefusedTheSecret("ga::routing",
    QT_TRANSLATE_NOOP("ga::routing", "the relay refused the secret; set the same RELAY_SECRET on both sides"));
const logging::UserText kUnexpectedHttpFromHealthIs(
    "ga::routing", QT_TRANSLATE_NOOP("ga::routing", "unexpected HTTP %1 from /health (is this one of our relays?)"));
const logging::UserText kTheRelayCannotReachThe(
    "ga::routing", QT_TRANSLATE_NOOP("ga::routing", "the relay cannot reach the upstream: %1"));
const logging::UserText kUnknownError("ga::routing", QT_TRANSLATE_NOOP("ga::routing", "unknown error"));
const logging::UserText kRelayUpstreamAnsweredInMs(
    "ga::routing", QT_TRANSLATE_NOOP("ga::routing", "relay %1, upstream answered %2 in %3 ms"));

} // namespace

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
            c.detail = kTheRelayRefusedTheSecret.text();
        } else if (c.status != 200) {
            c.verdict = QStringLiteral("error");
            c.detail = kUnexpectedHttpFromHealthIs.text().arg(c.status);
        } else {
            const QJsonObject doc = QJsonDocument::fromJson(body).object();
            const QJsonObject upstream = doc.value(u"upstream").toObject();
            if (!upstream.value(u"reachable").toBool()) {
                c.verdict = QStringLiteral("no-upstream");
                c.detail = kTheRelayCannotReachThe.text().arg(upstream.value(u"error").toString(kUnknownError.text()));
            } else {
                c.verdict = QStringLiteral("ok");
                c.detail = kRelayUpstreamAnsweredInMs.text().arg(doc.value(u"version").toString(),
                    QString::number(upstream.value(u"status").toInt()),
                    QString::number(upstream.value(u"latencyMs").toInt()));
            }
        }
        reply->deleteLater();
        nam->deleteLater();
        done(c);
    });
}

} // namespace ga::routing
