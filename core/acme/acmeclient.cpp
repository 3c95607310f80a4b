// SPDX-License-Identifier: GPL-3.0-or-later
#include "acme/acmeclient.h"

#include "acme/accountkey.h"
#include "acme/acmelogging.h"
#include "acme/certrequest.h"
#include "acme/problem.h"
#include "acme/transport.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

namespace ga::acme {

namespace {

constexpr qint64 kFirstPollMs = 250;
constexpr qint64 kMaxPollMs = 2000;
constexpr qint64 kPollBudgetMs = 5 * 60 * 1000; // per wait (one authorization, the order)

QJsonObject jsonObject(const QByteArray &body)
{
    return QJsonDocument::fromJson(body).object();
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QString statusOf(const QJsonObject &object)
{
    return object.value(QLatin1String("status")).toString();
}

} // namespace

AcmeClient::AcmeClient(Options options, ChallengeStore *challenges, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_challenges(challenges)
    , m_transport(std::make_unique<Transport>(m_options.extraCaCertificates, m_options.timeoutMs))
{
    for (QString &domain : m_options.domains)
        domain = domain.trimmed().toLower();
}

AcmeClient::~AcmeClient()
{
    if (m_challenges != nullptr && !m_token.isEmpty())
        m_challenges->remove(m_token);
}

void AcmeClient::issue()
{
    if (m_running) {
        const Failure busy { QStringLiteral("a certificate order is already running: wait for it to finish") };
        QMetaObject::invokeMethod(
            this, [this, busy] { Q_EMIT failed(busy); }, Qt::QueuedConnection);
        return;
    }
    m_running = true;
    m_accountCreated = false;
    // Checks that need no network fail on the next turn of the event loop, like everything else.
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (m_options.domains.isEmpty())
                return fail(QStringLiteral("no domain names are set for the certificate: add at least one"));
            for (const QString &domain : std::as_const(m_options.domains)) {
                if (domain.startsWith(QLatin1String("*")))
                    return fail(QStringLiteral("the wildcard name %1 cannot be validated over HTTP: list the names "
                                               "one by one")
                                    .arg(domain));
                if (!isPlainDnsName(domain))
                    return fail(QStringLiteral("%1 is not a DNS name a certificate can be issued for: use names like "
                                               "proxy.example.org")
                                    .arg(domain));
            }
            if (m_accountKey.isNull()) {
                QString error;
                m_accountKey = loadOrCreateAccountKey(m_options.stateDir, &error);
                if (m_accountKey.isNull())
                    return fail(error);
            }
            fetchDirectory();
        },
        Qt::QueuedConnection);
}

void AcmeClient::fetchDirectory()
{
    const QUrl url = m_options.directoryUrl;
    m_transport->get(url, [this, url](const Reply &reply) {
        const QString shown = url.toDisplayString();
        if (reply.networkFailed && reply.tlsFailed)
            return fail(QStringLiteral("cannot reach the ACME directory URL %1 securely (%2): check the URL, and for a "
                                       "test CA add its certificate to the trusted ones")
                            .arg(shown, reply.networkError));
        if (reply.networkFailed)
            return fail(QStringLiteral("cannot reach the ACME directory URL %1 (%2): check the URL and the network")
                            .arg(shown, reply.networkError));
        const QJsonObject directory = jsonObject(reply.body);
        const QUrl newNonce(directory.value(QLatin1String("newNonce")).toString());
        m_newAccountUrl = QUrl(directory.value(QLatin1String("newAccount")).toString());
        m_newOrderUrl = QUrl(directory.value(QLatin1String("newOrder")).toString());
        if (reply.status != 200 || !newNonce.isValid() || !m_newAccountUrl.isValid() || !m_newOrderUrl.isValid()
            || newNonce.isEmpty() || m_newAccountUrl.isEmpty() || m_newOrderUrl.isEmpty())
            return fail(
                QStringLiteral("%1 is not an ACME directory (HTTP %2): check the URL").arg(shown).arg(reply.status));
        // [rfc8555] 7.3.4: such a CA wants a key from its own sign-up page with every new account.
        if (directory.value(QLatin1String("meta")).toObject().value(QLatin1String("externalAccountRequired")).toBool())
            return fail(
                QStringLiteral("the CA at %1 requires external account binding, which is not supported: use a CA "
                               "that does not, such as Let's Encrypt")
                    .arg(shown));
        m_transport->setNewNonceUrl(newNonce);
        createAccount();
    });
}

void AcmeClient::createAccount()
{
    // [rfc8555] 7.3: with a key the CA knows, newAccount answers 200 and the existing account's URL, so the stored
    // key is the account; 201 means it was just made.
    QJsonObject payload { { QStringLiteral("termsOfServiceAgreed"), true } };
    if (!m_options.contactEmail.isEmpty())
        payload.insert(QStringLiteral("contact"), QJsonArray { QStringLiteral("mailto:") + m_options.contactEmail });
    m_transport->setAccount(&m_accountKey, QString());
    post(m_newAccountUrl, compact(payload), QStringLiteral("create the ACME account"), [this](const Reply &reply) {
        const QString status = statusOf(jsonObject(reply.body));
        if (reply.location.isEmpty())
            return fail(QStringLiteral("the CA did not name the ACME account it made: check the directory URL"));
        if (!status.isEmpty() && status != QLatin1String("valid"))
            return fail(QStringLiteral("the ACME account for this key is %1 at the CA: move %2 away to have a new "
                                       "account made")
                            .arg(status, QDir::toNativeSeparators(accountKeyPath(m_options.stateDir))));
        m_accountUrl = reply.location;
        m_accountCreated = reply.status == 201;
        qCInfo(lcAcme) << (m_accountCreated ? "created ACME account" : "using ACME account") << m_accountUrl;
        m_transport->setAccount(&m_accountKey, m_accountUrl);
        placeOrder();
    });
}

void AcmeClient::placeOrder()
{
    QJsonArray identifiers;
    for (const QString &domain : std::as_const(m_options.domains))
        identifiers.append(
            QJsonObject { { QStringLiteral("type"), QStringLiteral("dns") }, { QStringLiteral("value"), domain } });
    const QJsonObject payload { { QStringLiteral("identifiers"), identifiers } };
    post(m_newOrderUrl, compact(payload), QStringLiteral("place the certificate order"), [this](const Reply &reply) {
        const QJsonObject order = jsonObject(reply.body);
        m_orderUrl = QUrl(reply.location);
        m_finalizeUrl = QUrl(order.value(QLatin1String("finalize")).toString());
        m_authorizations.clear();
        const QJsonArray authorizations = order.value(QLatin1String("authorizations")).toArray();
        for (const QJsonValue &value : authorizations)
            m_authorizations.append(QUrl(value.toString()));
        if (m_orderUrl.isEmpty() || m_finalizeUrl.isEmpty())
            return fail(QStringLiteral("the CA answered the order without its URLs: check the directory URL"));
        m_authorizationIndex = 0;
        qCInfo(lcAcme) << "placed order" << m_orderUrl.toString() << "for" << m_options.domains;
        if (statusOf(order) == QLatin1String("pending"))
            return nextAuthorization();
        handleOrder(order);
    });
}

void AcmeClient::nextAuthorization()
{
    if (m_authorizationIndex >= m_authorizations.size())
        return finalizeOrder();
    post(m_authorizations.at(m_authorizationIndex), {}, QStringLiteral("show an authorization"),
        [this](const Reply &reply) {
            const QJsonObject authorization = jsonObject(reply.body);
            m_domain
                = authorization.value(QLatin1String("identifier")).toObject().value(QLatin1String("value")).toString();
            const QString status = statusOf(authorization);
            if (status == QLatin1String("valid")) {
                ++m_authorizationIndex;
                return nextAuthorization();
            }
            if (status != QLatin1String("pending"))
                return fail(QStringLiteral("the CA's authorization for %1 is %2: try again to start a new order")
                                .arg(m_domain, status));
            answerChallenge(authorization);
        });
}

void AcmeClient::answerChallenge(const QJsonObject &authorization)
{
    const QJsonArray challenges = authorization.value(QLatin1String("challenges")).toArray();
    QJsonObject http01;
    for (const QJsonValue &value : challenges) {
        if (value.toObject().value(QLatin1String("type")).toString() == QLatin1String("http-01"))
            http01 = value.toObject();
    }
    const QByteArray token = http01.value(QLatin1String("token")).toString().toLatin1();
    const QUrl url(http01.value(QLatin1String("url")).toString());
    if (http01.isEmpty() || token.isEmpty() || url.isEmpty())
        return fail(QStringLiteral("the CA offers no HTTP-01 challenge for %1: use a CA that validates over port 80")
                        .arg(m_domain));
    // [rfc8555] 8.1 / 8.3: the answer is the token and the account key's thumbprint.
    m_token = token;
    m_challenges->set(token, token + '.' + m_accountKey.thumbprint());
    post(url, QByteArrayLiteral("{}"), QStringLiteral("start the validation of %1").arg(m_domain),
        [this](const Reply &) {
            m_pollTimer.start();
            m_pollDelayMs = kFirstPollMs;
            pollAuthorization();
        });
}

void AcmeClient::pollAuthorization()
{
    post(m_authorizations.at(m_authorizationIndex), {}, QStringLiteral("show an authorization"),
        [this](const Reply &reply) {
            const QJsonObject authorization = jsonObject(reply.body);
            const QString status = statusOf(authorization);
            if (status == QLatin1String("pending") || status == QLatin1String("processing"))
                return later(
                    reply.retryAfterMs, &AcmeClient::pollAuthorization, QStringLiteral("validating %1").arg(m_domain));
            m_challenges->remove(std::exchange(m_token, QByteArray()));
            if (status == QLatin1String("valid")) {
                qCInfo(lcAcme) << "validated" << m_domain;
                ++m_authorizationIndex;
                return nextAuthorization();
            }
            // The failed challenge carries the reason ([rfc8555] 7.1.5 "error").
            const QJsonArray challenges = authorization.value(QLatin1String("challenges")).toArray();
            for (const QJsonValue &value : challenges) {
                const QJsonObject challenge = value.toObject();
                if (const auto problem = parseProblem(challenge.value(QLatin1String("error")).toObject()))
                    return fail(challengeFailure(
                        *problem, m_domain, challenge.value(QLatin1String("token")).toString().toLatin1()));
            }
            fail(QStringLiteral("the CA could not validate %1 (authorization %2): check that port 80 of the name "
                                "reaches this machine")
                     .arg(m_domain, status));
        });
}

void AcmeClient::finalizeOrder()
{
    // A new key for every certificate; the account key never signs one.
    m_certificateKey = EcKey::generate();
    const QByteArray csr = certificateRequestDer(m_certificateKey, m_options.domains);
    if (csr.isEmpty())
        return fail(QStringLiteral("could not make the certificate request (OpenSSL failed): check the OpenSSL "
                                   "installation"));
    const QJsonObject payload { { QStringLiteral("csr"), QString::fromLatin1(base64Url(csr)) } };
    post(m_finalizeUrl, compact(payload), QStringLiteral("finalize the order"), [this](const Reply &reply) {
        m_pollTimer.start();
        m_pollDelayMs = kFirstPollMs;
        handleOrder(jsonObject(reply.body));
    });
}

void AcmeClient::pollOrder()
{
    post(m_orderUrl, {}, QStringLiteral("show the order"),
        [this](const Reply &reply) { handleOrder(jsonObject(reply.body)); });
}

void AcmeClient::handleOrder(const QJsonObject &order)
{
    const QString status = statusOf(order);
    if (status == QLatin1String("valid") && m_certificateKey.isNull())
        return fail(QStringLiteral("the CA answered with an order that was already finished: try again"));
    if (status == QLatin1String("valid"))
        return download(QUrl(order.value(QLatin1String("certificate")).toString()));
    if (status == QLatin1String("ready"))
        return m_certificateKey.isNull() ? finalizeOrder() : pollOrder();
    if (status == QLatin1String("processing") || (status == QLatin1String("pending") && !m_certificateKey.isNull()))
        return later(-1, &AcmeClient::pollOrder, QStringLiteral("issuing the certificate"));
    if (const auto problem = parseProblem(order.value(QLatin1String("error")).toObject()))
        return fail(problemFailure(*problem, QStringLiteral("issue the certificate"), -1));
    fail(QStringLiteral("the CA's order is %1: try again to start a new one").arg(status));
}

void AcmeClient::download(const QUrl &certificateUrl)
{
    if (certificateUrl.isEmpty())
        return fail(QStringLiteral("the CA marked the order valid without a certificate: try again"));
    post(
        certificateUrl, {}, QStringLiteral("download the certificate"),
        [this](const Reply &reply) {
            const QList<QSslCertificate> chain = QSslCertificate::fromData(reply.body, QSsl::Pem);
            if (chain.isEmpty())
                return fail(QStringLiteral("the CA sent a certificate that does not parse: try again"));
            if (!certificateMatchesKey(reply.body, m_certificateKey))
                return fail(QStringLiteral("the CA sent a certificate for another key: try again"));
            Issued result { reply.body, m_certificateKey.toPem(), chain.constFirst().effectiveDate(),
                chain.constFirst().expiryDate() };
            qCInfo(lcAcme) << "issued a certificate for" << m_options.domains << "valid until"
                           << result.notAfter.toString(Qt::ISODate);
            finish();
            Q_EMIT issued(result);
        },
        QByteArrayLiteral("application/pem-certificate-chain"));
}

void AcmeClient::post(const QUrl &url, const QByteArray &payload, const QString &what,
    std::function<void(const Reply &)> onSuccess, const QByteArray &accept)
{
    m_transport->post(
        url, payload,
        [this, url, what, onSuccess = std::move(onSuccess)](const Reply &reply) {
            if (reply.networkFailed)
                return fail(QStringLiteral("the ACME server %1 did not answer (%2): check the network and try again")
                                .arg(url.host(), reply.networkError));
            if (reply.problem)
                return fail(problemFailure(*reply.problem, what, reply.retryAfterMs));
            if (!reply.ok())
                return fail(QStringLiteral("the ACME server answered HTTP %1 when asked to %2: try again later")
                                .arg(reply.status)
                                .arg(what));
            onSuccess(reply);
        },
        accept);
}

void AcmeClient::later(qint64 retryAfterMs, void (AcmeClient::*step)(), const QString &what)
{
    // [rfc8555] 7.5.1 / 7.4: poll, honouring Retry-After; otherwise 250 ms doubling to 2 s.
    const qint64 delay = retryAfterMs >= 0 ? retryAfterMs : m_pollDelayMs;
    m_pollDelayMs = std::min(m_pollDelayMs * 2, kMaxPollMs);
    if (m_pollTimer.elapsed() + delay > kPollBudgetMs) {
        Failure failure { QStringLiteral("the CA was still %1 after %2 minutes: try again later")
                              .arg(what)
                              .arg(kPollBudgetMs / 60000),
            retryAfterMs };
        return fail(failure);
    }
    QTimer::singleShot(std::chrono::milliseconds(delay), this, step);
}

void AcmeClient::fail(const QString &message)
{
    fail(Failure { message });
}

void AcmeClient::fail(const Failure &failure)
{
    qCWarning(lcAcme).noquote() << "certificate order failed:" << failure.message;
    finish();
    Q_EMIT failed(failure);
}

void AcmeClient::finish()
{
    if (!m_token.isEmpty())
        m_challenges->remove(std::exchange(m_token, QByteArray()));
    m_certificateKey = EcKey();
    m_running = false;
}

} // namespace ga::acme
