// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "acme/acmetypes.h"
#include "acme/challengestore.h"
#include "acme/jose.h"
#include "acme/renewal.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>

#include <functional>
#include <memory>

namespace ga::acme {

class Transport;
struct Reply;

// Gets a certificate from an ACME CA (RFC 8555) with HTTP-01 challenges, one order at a time. The answers to the
// challenges go into the ChallengeStore, which the listener on port 80 serves; see README.md for the flow.
class AcmeClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AcmeClient)

public:
    AcmeClient(Options options, ChallengeStore *challenges, QObject *parent = nullptr);
    ~AcmeClient() override;

    // Starts an order; ends in exactly one issued() or failed(). While one runs, another call fails at once.
    void issue();
    bool isRunning() const { return m_running; }

    // The account's URL at the CA once known, and whether the last issue() created it (false: the stored key's
    // existing account was used).
    QString accountUrl() const { return m_accountUrl; }
    bool accountCreated() const { return m_accountCreated; }

Q_SIGNALS:
    void issued(const ga::acme::Issued &result);
    void failed(const ga::acme::Failure &failure);

private:
    void fetchDirectory();
    void createAccount();
    void placeOrder();
    void nextAuthorization();
    void answerChallenge(const QJsonObject &authorization);
    void pollAuthorization();
    void finalizeOrder();
    void pollOrder();
    void handleOrder(const QJsonObject &order);
    void download(const QUrl &certificateUrl);

    void post(const QUrl &url, const QByteArray &payload, const QString &what,
        std::function<void(const Reply &)> onSuccess, const QByteArray &accept = {});
    void later(qint64 retryAfterMs, void (AcmeClient::*step)(), const QString &what);
    void fail(const QString &message);
    void fail(const Failure &failure);
    void finish();

    Options m_options;
    ChallengeStore *m_challenges;
    std::unique_ptr<Transport> m_transport;
    EcKey m_accountKey;
    EcKey m_certificateKey;
    bool m_running = false;

    QUrl m_newAccountUrl;
    QUrl m_newOrderUrl;
    QString m_accountUrl;
    bool m_accountCreated = false;
    QUrl m_orderUrl;
    QUrl m_finalizeUrl;
    QList<QUrl> m_authorizations;
    qsizetype m_authorizationIndex = 0;
    QString m_domain; // of the authorization in progress
    QByteArray m_token; // of its challenge
    QElapsedTimer m_pollTimer; // since the current wait began
    qint64 m_pollDelayMs = 0;
};

} // namespace ga::acme
