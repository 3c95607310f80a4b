// SPDX-License-Identifier: GPL-3.0-or-later
// The ACME client (core/acme): the pure parts (renewal, backoff, JOSE) and whole orders against Debian's pebble,
// which validates the HTTP-01 answers for real through a responder in this process.
#include "acme/acmeclient.h"
#include "acme/certrequest.h"
#include "acme/challengestore.h"
#include "acme/jose.h"
#include "acme/problem.h"
#include "acme/renewal.h"
#include "acme/transport.h"
#include "pebbleserver.h"
#include "testsupport.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <thread>

using namespace ga::acme;

namespace {

constexpr qint64 kHour = 3600 * 1000;

// ES256 verification as a JWS verifier does it: raw R || S back to DER, then EVP_DigestVerify.
bool verifyEs256(const QByteArray &publicPem, const QByteArray &data, const QByteArray &signature)
{
    if (signature.size() != 64)
        return false;
    BIO *bio = BIO_new_mem_buf(publicPem.constData(), static_cast<int>(publicPem.size()));
    EVP_PKEY *key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    const auto *raw = reinterpret_cast<const unsigned char *>(signature.constData());
    ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
    unsigned char *der = nullptr;
    const int derLength = i2d_ECDSA_SIG(sig, &der);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const bool ok = key != nullptr && derLength > 0
        && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1
        && EVP_DigestVerify(ctx, der, static_cast<size_t>(derLength),
               reinterpret_cast<const unsigned char *>(data.constData()), static_cast<size_t>(data.size()))
            == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    EVP_PKEY_free(key);
    return ok;
}

QByteArray publicPemOf(const QByteArray &privatePem)
{
    BIO *in = BIO_new_mem_buf(privatePem.constData(), static_cast<int>(privatePem.size()));
    EVP_PKEY *key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
    BIO_free(in);
    BIO *out = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(out, key);
    char *data = nullptr;
    const long length = BIO_get_mem_data(out, &data);
    QByteArray pem(data, static_cast<qsizetype>(length));
    BIO_free(out);
    EVP_PKEY_free(key);
    return pem;
}

bool keyMatchesCertificate(const QByteArray &keyPem, const QByteArray &certificatePem)
{
    BIO *keyBio = BIO_new_mem_buf(keyPem.constData(), static_cast<int>(keyPem.size()));
    EVP_PKEY *key = PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr);
    BIO_free(keyBio);
    BIO *certBio = BIO_new_mem_buf(certificatePem.constData(), static_cast<int>(certificatePem.size()));
    X509 *certificate = PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr);
    BIO_free(certBio);
    const bool ok = key != nullptr && certificate != nullptr && X509_check_private_key(certificate, key) == 1;
    X509_free(certificate);
    EVP_PKEY_free(key);
    return ok;
}

QByteArray fromBase64Url(const QByteArray &text)
{
    return QByteArray::fromBase64(text, QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

} // namespace

class TestAcme : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void renewalIsTwoThirdsOfTheLifetime_data();
    void renewalIsTwoThirdsOfTheLifetime();
    void backoffDoublesFromAMinuteToADay_data();
    void backoffDoublesFromAMinuteToADay();
    void jwsSignatureVerifiesWithThePublicKey();
    void thumbprintHashesTheCanonicalJwk();
    void certificateRequestRefusesOddNames();
    void retryAfterIsSecondsOrADate_data();
    void retryAfterIsSecondsOrADate();
    void problemDocumentsBecomeAdvice();
    void challengeStoreIsThreadSafe();
    void unreadableAccountKeyFailsBeforeAnyRequest();
    void looseAccountKeyIsMadePrivate();
    void secondIssueWhileRunningFails();

    void issuesForTwoNamesAgainstPebble();
    void laterOrdersReuseTheStoredAccount();
    void wrongDirectoryUrlFailsClearly();
    void unansweredChallengeFailsWithCouldNotReach_data();
    void unansweredChallengeFailsWithCouldNotReach();
    void directoryTlsIsVerified();
    void pathThatIsNoDirectoryFails();
    void badNonceIsRetriedOnce();

private:
    void respond(QTcpSocket *socket);
    Options options(const QStringList &domains, const QString &stateDir) const;
    // Runs one order to its end; the time it took in ms, -1 when it did not end in time.
    qint64 runOrder(AcmeClient &client, QSignalSpy &issued, QSignalSpy &failed);

    bool m_havePebble = false;
    ga::test::PebbleServer m_pebble;
    QTcpServer m_responder;
    ChallengeStore m_store;
    bool m_answer = true;
    int m_challengeRequests = 0;
    quint16 m_pebblePort = 0;
    QList<QSslCertificate> m_ca;
    QTemporaryDir m_state; // the account shared by the pebble tests
};

void TestAcme::initTestCase()
{
    m_havePebble = ga::test::PebbleServer::available();
    if (!m_havePebble)
        return;
    // The HTTP-01 responder pebble validates against: answers from the store, like the proxy's port 80 will.
    QVERIFY(m_responder.listen(QHostAddress::LocalHost));
    connect(&m_responder, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_responder.nextPendingConnection()) {
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { respond(socket); });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    });

    QString error;
    QVERIFY2(m_pebble.start(m_responder.serverPort(), &error), qPrintable(error));
    m_ca = m_pebble.directoryCa();
    QCOMPARE(m_ca.size(), 1);
    m_pebblePort = quint16(m_pebble.directoryUrl().port());
    QVERIFY(m_state.isValid());
}

void TestAcme::cleanupTestCase() { }

void TestAcme::respond(QTcpSocket *socket)
{
    QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
    socket->setProperty("buffer", buffer);
    if (!buffer.contains("\r\n\r\n"))
        return;
    const QList<QByteArray> requestLine = buffer.left(buffer.indexOf("\r\n")).split(' ');
    const QByteArray prefix("/.well-known/acme-challenge/");
    std::optional<QByteArray> answer;
    if (requestLine.size() == 3 && requestLine.at(0) == "GET" && requestLine.at(1).startsWith(prefix)) {
        ++m_challengeRequests;
        if (m_answer)
            answer = m_store.lookup(QByteArrayView(requestLine.at(1)).sliced(prefix.size()));
    }
    const QByteArray body = answer.value_or(QByteArrayLiteral("not found"));
    socket->write((answer ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 404 Not Found\r\n")
        + QByteArrayLiteral("Content-Type: text/plain\r\nConnection: close\r\nContent-Length: ")
        + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    socket->disconnectFromHost();
}

Options TestAcme::options(const QStringList &domains, const QString &stateDir) const
{
    Options options;
    options.directoryUrl = QUrl(QStringLiteral("https://127.0.0.1:%1/dir").arg(m_pebblePort));
    options.domains = domains;
    options.contactEmail = QStringLiteral("admin@example.org");
    options.stateDir = stateDir;
    options.extraCaCertificates = m_ca;
    options.timeoutMs = 10000;
    return options;
}

qint64 TestAcme::runOrder(AcmeClient &client, QSignalSpy &issued, QSignalSpy &failed)
{
    const qsizetype before = issued.size() + failed.size();
    QElapsedTimer timer;
    timer.start();
    client.issue();
    if (!QTest::qWaitFor([&] { return issued.size() + failed.size() > before; }, 60000))
        return -1;
    return issued.size() + failed.size() == before + 1 ? timer.elapsed() : -1;
}

void TestAcme::renewalIsTwoThirdsOfTheLifetime_data()
{
    QTest::addColumn<qint64>("lifetimeMs");
    QTest::addColumn<double>("jitter");
    QTest::addColumn<qint64>("expectedOffsetMs");
    const qint64 ninetyDays = 90 * 24 * kHour;
    QTest::addRow("90 days, no jitter: day 60") << ninetyDays << 0.0 << 60 * 24 * kHour;
    QTest::addRow("90 days, +1: 4.5 days later") << ninetyDays << 1.0 << 60 * 24 * kHour + 108 * kHour;
    QTest::addRow("90 days, -1: 4.5 days earlier") << ninetyDays << -1.0 << 60 * 24 * kHour - 108 * kHour;
    QTest::addRow("jitter beyond 1 is clamped") << ninetyDays << 7.0 << 60 * 24 * kHour + 108 * kHour;
    QTest::addRow("6 days (short-lived): day 4") << 6 * 24 * kHour << 0.0 << 4 * 24 * kHour;
}

void TestAcme::renewalIsTwoThirdsOfTheLifetime()
{
    QFETCH(qint64, lifetimeMs);
    QFETCH(double, jitter);
    QFETCH(qint64, expectedOffsetMs);
    const QDateTime notBefore = QDateTime::fromString(QStringLiteral("2026-01-01T00:00:00Z"), Qt::ISODate);
    QCOMPARE(renewalTimeMs(notBefore, notBefore.addMSecs(lifetimeMs), jitter),
        notBefore.toMSecsSinceEpoch() + expectedOffsetMs);
    // No lifetime at all: renew now.
    QCOMPARE(renewalTimeMs(notBefore, notBefore, jitter), 0);
    QCOMPARE(renewalTimeMs(QDateTime(), notBefore, jitter), 0);
}

void TestAcme::backoffDoublesFromAMinuteToADay_data()
{
    QTest::addColumn<int>("failures");
    QTest::addColumn<qint64>("retryAfterMs");
    QTest::addColumn<qint64>("expected");
    QTest::addRow("no failure: now") << 0 << qint64(-1) << qint64(0);
    QTest::addRow("first: 1 min") << 1 << qint64(-1) << qint64(60000);
    QTest::addRow("second: 2 min") << 2 << qint64(-1) << qint64(120000);
    QTest::addRow("fifth: 16 min") << 5 << qint64(-1) << qint64(16 * 60000);
    QTest::addRow("eleventh: 1024 min") << 11 << qint64(-1) << qint64(1024 * 60000);
    QTest::addRow("twelfth: capped at 24 h") << 12 << qint64(-1) << 24 * kHour;
    QTest::addRow("a thousand: still 24 h") << 1000 << qint64(-1) << 24 * kHour;
    QTest::addRow("longer Retry-After wins") << 1 << 3 * kHour << 3 * kHour;
    QTest::addRow("shorter Retry-After loses") << 3 << qint64(1000) << qint64(4 * 60000);
    QTest::addRow("Retry-After beyond a day") << 20 << 48 * kHour << 48 * kHour;
}

void TestAcme::backoffDoublesFromAMinuteToADay()
{
    QFETCH(int, failures);
    QFETCH(qint64, retryAfterMs);
    QFETCH(qint64, expected);
    QCOMPARE(backoffMs(failures, retryAfterMs), expected);
}

void TestAcme::jwsSignatureVerifiesWithThePublicKey()
{
    const EcKey key = EcKey::generate();
    QVERIFY(!key.isNull());
    const QByteArray publicPem = publicPemOf(key.toPem());
    QVERIFY(publicPem.startsWith("-----BEGIN PUBLIC KEY-----"));

    for (const QString &kid : { QString(), QStringLiteral("https://ca.example/acct/1") }) {
        const QByteArray jws = signedRequest(key, kid, "nonce-1", QStringLiteral("https://ca.example/new-order"),
            kid.isEmpty() ? QByteArrayLiteral("{\"a\":1}") : QByteArray());
        const QJsonObject object = QJsonDocument::fromJson(jws).object();
        const QByteArray protectedPart = object.value("protected").toString().toLatin1();
        const QByteArray payloadPart = object.value("payload").toString().toLatin1();
        const QByteArray signature = fromBase64Url(object.value("signature").toString().toLatin1());
        QCOMPARE(signature.size(), 64);
        QVERIFY(!protectedPart.contains('=') && !payloadPart.contains('='));
        QVERIFY(verifyEs256(publicPem, protectedPart + '.' + payloadPart, signature));
        QVERIFY(!verifyEs256(publicPem, protectedPart + '.' + payloadPart + 'x', signature));

        const QJsonObject header = QJsonDocument::fromJson(fromBase64Url(protectedPart)).object();
        QCOMPARE(header.value("alg").toString(), QStringLiteral("ES256"));
        QCOMPARE(header.value("nonce").toString(), QStringLiteral("nonce-1"));
        QCOMPARE(header.value("url").toString(), QStringLiteral("https://ca.example/new-order"));
        // newAccount carries the key itself; everything after it the account URL, never both.
        QCOMPARE(header.contains("jwk"), kid.isEmpty());
        QCOMPARE(header.value("kid").toString(), kid);
        // POST-as-GET: the payload is the empty string.
        QCOMPARE(payloadPart.isEmpty(), !kid.isEmpty());
    }
    // The private key survives a round trip through its PEM (the account key file).
    const EcKey again = EcKey::fromPem(key.toPem());
    QCOMPARE(again.thumbprint(), key.thumbprint());
    QVERIFY(EcKey::fromPem("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n").isNull());
}

void TestAcme::thumbprintHashesTheCanonicalJwk()
{
    // RFC 7638 §3.2's example is RSA; for EC the rule is the same: crv, kty, x, y in that order, no whitespace.
    // The EC public key of RFC 7517 appendix A.1, with members in another order and ones a thumbprint leaves out.
    const QJsonObject jwk { { "y", "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM" }, { "use", "enc" },
        { "x", "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4" }, { "kid", "1" }, { "crv", "P-256" }, { "kty", "EC" } };
    QCOMPARE(jwkThumbprintInput(jwk),
        QByteArray(R"({"crv":"P-256","kty":"EC","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",)"
                   R"("y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"})"));

    // A generated key: its JWK's coordinates are 32 bytes each and the thumbprint is SHA-256 of the JSON by hand.
    const EcKey key = EcKey::generate();
    const QJsonObject own = key.jwk();
    const QByteArray x = own.value("x").toString().toLatin1();
    const QByteArray y = own.value("y").toString().toLatin1();
    QCOMPARE(fromBase64Url(x).size(), 32);
    QCOMPARE(fromBase64Url(y).size(), 32);
    const QByteArray canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}";
    const QByteArray expected = QCryptographicHash::hash(canonical, QCryptographicHash::Sha256)
                                    .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    QCOMPARE(key.thumbprint(), expected);
    QCOMPARE(key.thumbprint().size(), 43);
}

void TestAcme::certificateRequestRefusesOddNames()
{
    const EcKey key = EcKey::generate();
    QVERIFY(!certificateRequestDer(key, { "a.test", "b.test" }).isEmpty());
    QVERIFY(certificateRequestDer(key, { "a.test", "b.test,DNS:evil.test" }).isEmpty());
    QVERIFY(certificateRequestDer(key, { "*.test" }).isEmpty());
    QVERIFY(certificateRequestDer(key, {}).isEmpty());
    QVERIFY(!certificateMatchesKey("no certificate", key));
    QVERIFY(!isPlainDnsName("-a.test"));
    QVERIFY(!isPlainDnsName("a..test"));
    QVERIFY(isPlainDnsName("xn--bcher-kva.example"));
}

void TestAcme::retryAfterIsSecondsOrADate_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<qint64>("expected");
    QTest::addRow("seconds") << QByteArray("120") << qint64(120000);
    QTest::addRow("zero") << QByteArray("0") << qint64(0);
    QTest::addRow("HTTP date, a minute ahead") << QByteArray("Wed, 21 Oct 2026 07:28:00 GMT") << qint64(60000);
    QTest::addRow("HTTP date in the past") << QByteArray("Wed, 21 Oct 2026 07:00:00 GMT") << qint64(0);
    QTest::addRow("absent") << QByteArray() << qint64(-1);
    QTest::addRow("negative") << QByteArray("-5") << qint64(-1);
    QTest::addRow("garbage") << QByteArray("soon") << qint64(-1);
}

void TestAcme::retryAfterIsSecondsOrADate()
{
    QFETCH(QByteArray, value);
    QFETCH(qint64, expected);
    const QDateTime now = QDateTime::fromString(QStringLiteral("2026-10-21T07:27:00Z"), Qt::ISODate);
    QCOMPARE(parseRetryAfter(value, now), expected);
}

void TestAcme::problemDocumentsBecomeAdvice()
{
    const auto limited = parseProblem(QByteArray(R"({"type":"urn:ietf:params:acme:error:rateLimited",)"
                                                 R"("detail":"too many certificates already issued for: a.test"})"));
    QVERIFY(limited);
    QVERIFY(limited->is(QLatin1String("rateLimited")));
    const Failure rate = problemFailure(*limited, QStringLiteral("place the certificate order"), 3 * kHour);
    QVERIFY(rate.rateLimited);
    QCOMPARE(rate.retryAfterMs, 3 * kHour);
    QVERIFY2(rate.message.startsWith(QStringLiteral("the CA refused to place the certificate order because of its rate "
                                                    "limits (too many certificates already issued for: a.test): try "
                                                    "again after ")),
        qPrintable(rate.message));

    // Subproblems name the identifier they are about.
    const auto compound = parseProblem(QByteArray(
        R"({"type":"urn:ietf:params:acme:error:compound","detail":"Some identifiers were rejected","subproblems":[)"
        R"({"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"forbidden name",)"
        R"("identifier":{"type":"dns","value":"local.test"}}]})"));
    QVERIFY(compound);
    QCOMPARE(compound->subproblems.size(), 1);
    const Failure refused = problemFailure(*compound, QStringLiteral("place the certificate order"), -1);
    QVERIFY2(refused.message.contains(QStringLiteral("local.test: forbidden name")), qPrintable(refused.message));
    QVERIFY(!refused.rateLimited);
    QCOMPARE(refused.retryAfterMs, -1);

    const auto connection = parseProblem(QByteArray(
        R"({"type":"urn:ietf:params:acme:error:connection","detail":"dial tcp 192.0.2.1:80: connect: timeout"})"));
    const Failure unreachable = challengeFailure(*connection, QStringLiteral("a.test"), "tok");
    QCOMPARE(unreachable.message,
        QStringLiteral("the CA could not reach http://a.test/.well-known/acme-challenge/tok (dial tcp 192.0.2.1:80: "
                       "connect: timeout): make port 80 of a.test reach this machine"));
    const auto dns = parseProblem(QByteArray(R"({"type":"urn:ietf:params:acme:error:dns","detail":"NXDOMAIN"})"));
    QVERIFY(challengeFailure(*dns, QStringLiteral("a.test"), "tok").message.contains(QStringLiteral("DNS records")));

    // A long detail is cut; a body that is no problem document is not taken for one.
    const auto verbose = parseProblem(QJsonObject {
        { "type", "urn:ietf:params:acme:error:malformed" }, { "detail", QString(5000, QLatin1Char('x')) } });
    QVERIFY(problemFailure(*verbose, QStringLiteral("x"), -1).message.size() < 500);
    QVERIFY(!parseProblem(QByteArray("<html>Bad gateway</html>")));
    QVERIFY(!parseProblem(QByteArray(R"({"status":"valid"})")));
}

void TestAcme::challengeStoreIsThreadSafe()
{
    ChallengeStore store;
    std::atomic<int> found { 0 };
    std::thread reader([&] {
        for (int i = 0; i < 20000; ++i) {
            if (const auto value = store.lookup(QByteArray::number(i % 50)))
                found += value->startsWith(QByteArray::number(i % 50) + '.') ? 1 : 0;
        }
    });
    for (int i = 0; i < 20000; ++i) {
        const QByteArray token = QByteArray::number(i % 50);
        store.set(token, token + ".thumb");
        if (i % 3 == 0)
            store.remove(token);
    }
    reader.join();
    QVERIFY(found >= 0);
    QCOMPARE(store.lookup("1").value_or(QByteArray()), QByteArray("1.thumb"));
    store.remove("1");
    QVERIFY(!store.lookup("1"));
}

void TestAcme::unreadableAccountKeyFailsBeforeAnyRequest()
{
    QTemporaryDir state;
    QVERIFY(ga::test::writeAll(state.filePath(QStringLiteral("acme-account.key")), "not a key\n"));
    Options bad;
    bad.directoryUrl = QUrl(QStringLiteral("https://127.0.0.1:%1/dir").arg(ga::test::freePort()));
    bad.domains = QStringList { QStringLiteral("a.test") };
    bad.stateDir = state.path();
    AcmeClient client(bad, &m_store);
    QSignalSpy failed(&client, &AcmeClient::failed);
    client.issue();
    QVERIFY(failed.wait(5000));
    const QString message = failed.at(0).at(0).value<Failure>().message;
    QVERIFY2(message.contains(QStringLiteral("is not an EC P-256 private key: move it away")), qPrintable(message));
    QVERIFY(!message.contains(QStringLiteral("not a key")));
}

void TestAcme::looseAccountKeyIsMadePrivate()
{
    QTemporaryDir state;
    const QString path = state.filePath(QStringLiteral("acme-account.key"));
    const QByteArray pem = EcKey::generate().toPem();
    QVERIFY(ga::test::writeAll(path, pem));
    QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther));
    Options opts;
    opts.directoryUrl = QUrl(QStringLiteral("https://127.0.0.1:%1/dir").arg(ga::test::freePort()));
    opts.domains = QStringList { QStringLiteral("a.test") };
    opts.stateDir = state.path();
    AcmeClient client(opts, &m_store);
    QSignalSpy failed(&client, &AcmeClient::failed);
    client.issue();
    QVERIFY(failed.wait(10000)); // the directory is not there; the key was read first
    QVERIFY(!(QFile::permissions(path) & (QFile::ReadGroup | QFile::ReadOther)));
    QCOMPARE(ga::test::readAll(path), pem);
}

void TestAcme::secondIssueWhileRunningFails()
{
    QTemporaryDir state;
    Options bad;
    bad.directoryUrl = QUrl(QStringLiteral("https://127.0.0.1:%1/dir").arg(ga::test::freePort()));
    bad.domains = QStringList { QStringLiteral("a.test") };
    bad.stateDir = state.path();
    AcmeClient client(bad, &m_store);
    QSignalSpy failed(&client, &AcmeClient::failed);
    client.issue();
    QVERIFY(client.isRunning());
    client.issue();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 2, 10000);
    QCOMPARE(failed.at(0).at(0).value<Failure>().message,
        QStringLiteral("a certificate order is already running: wait for it to finish"));
    QVERIFY(!client.isRunning());
}

void TestAcme::issuesForTwoNamesAgainstPebble()
{
    if (!m_havePebble)
        QSKIP("pebble or openssl is not installed (apt install pebble openssl)");
    AcmeClient client(options({ "a.test", "b.test" }, m_state.path()), &m_store);
    QSignalSpy issued(&client, &AcmeClient::issued);
    QSignalSpy failed(&client, &AcmeClient::failed);
    const int requestsBefore = m_challengeRequests;
    const qint64 ms = runOrder(client, issued, failed);
    QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).value<Failure>().message));
    QCOMPARE(issued.size(), 1);
    qInfo("new account + order for 2 names: %lld ms", ms);
    QVERIFY(client.accountCreated());
    QVERIFY(m_challengeRequests >= requestsBefore + 2); // pebble really fetched both answers

    const Issued result = issued.at(0).at(0).value<Issued>();
    const QList<QSslCertificate> chain = QSslCertificate::fromData(result.certificateChainPem, QSsl::Pem);
    QVERIFY(!chain.isEmpty());
    QStringList names = chain.first().subjectAlternativeNames().values(QSsl::DnsEntry);
    names.sort();
    QCOMPARE(names, QStringList({ "a.test", "b.test" }));
    QVERIFY(keyMatchesCertificate(result.privateKeyPem, result.certificateChainPem));
    QVERIFY(result.notAfter > QDateTime::currentDateTimeUtc());
    QCOMPARE(result.notBefore, chain.first().effectiveDate());
    QCOMPARE(result.notAfter, chain.first().expiryDate());
    // The certificate key is new and is not the account key.
    const QByteArray accountPem = ga::test::readAll(m_state.filePath(QStringLiteral("acme-account.key")));
    QVERIFY(!accountPem.isEmpty());
    QVERIFY(!keyMatchesCertificate(accountPem, result.certificateChainPem));

    const QFile::Permissions permissions = QFile(m_state.filePath(QStringLiteral("acme-account.key"))).permissions();
    QVERIFY(permissions.testFlag(QFile::ReadOwner) && permissions.testFlag(QFile::WriteOwner));
    QVERIFY(!(permissions & (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther)));
    struct stat info
    { };
    QCOMPARE(::stat(QFile::encodeName(m_state.filePath(QStringLiteral("acme-account.key"))).constData(), &info), 0);
    QCOMPARE(info.st_mode & 0777, 0600u);
    // Nothing is left in the store once the order ended.
    QVERIFY(!client.isRunning());
}

void TestAcme::laterOrdersReuseTheStoredAccount()
{
    if (!m_havePebble)
        QSKIP("pebble or openssl is not installed (apt install pebble openssl)");
    const QByteArray keyBefore = ga::test::readAll(m_state.filePath(QStringLiteral("acme-account.key")));
    QVERIFY2(!keyBefore.isEmpty(), "runs after issuesForTwoNamesAgainstPebble");
    QString firstAccount;
    for (int round = 0; round < 2; ++round) {
        // A new client each round: the account comes from the key file, not from memory.
        AcmeClient client(options({ "a.test", "b.test" }, m_state.path()), &m_store);
        QSignalSpy issued(&client, &AcmeClient::issued);
        QSignalSpy failed(&client, &AcmeClient::failed);
        const qint64 ms = runOrder(client, issued, failed);
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).value<Failure>().message));
        qInfo("existing account, order %d: %lld ms", round + 1, ms);
        QVERIFY(!client.accountCreated());
        QVERIFY(!client.accountUrl().isEmpty());
        if (round == 0)
            firstAccount = client.accountUrl();
        QCOMPARE(client.accountUrl(), firstAccount);
        // The same client orders again.
        const qint64 againMs = runOrder(client, issued, failed);
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).value<Failure>().message));
        QCOMPARE(issued.size(), 2);
        qInfo("same client, next order: %lld ms", againMs);
        QCOMPARE(client.accountUrl(), firstAccount);
    }
    QCOMPARE(ga::test::readAll(m_state.filePath(QStringLiteral("acme-account.key"))), keyBefore);
}

void TestAcme::wrongDirectoryUrlFailsClearly()
{
    QTemporaryDir state;
    Options bad = options({ "a.test" }, state.path());
    bad.directoryUrl = QUrl(QStringLiteral("https://127.0.0.1:%1/dir").arg(ga::test::freePort()));
    AcmeClient client(bad, &m_store);
    QSignalSpy issued(&client, &AcmeClient::issued);
    QSignalSpy failed(&client, &AcmeClient::failed);
    QVERIFY(runOrder(client, issued, failed) >= 0);
    QCOMPARE(failed.size(), 1);
    const Failure failure = failed.at(0).at(0).value<Failure>();
    QVERIFY2(failure.message.startsWith(QStringLiteral("cannot reach the ACME directory URL https://127.0.0.1:")),
        qPrintable(failure.message));
    QVERIFY(failure.message.endsWith(QStringLiteral(": check the URL and the network")));
    QVERIFY(!failure.rateLimited);

    // Bad names fail before any request.
    AcmeClient wildcard(options({ "*.a.test" }, state.path()), &m_store);
    QSignalSpy wildcardFailed(&wildcard, &AcmeClient::failed);
    wildcard.issue();
    QVERIFY(wildcardFailed.wait(5000));
    QVERIFY(wildcardFailed.at(0).at(0).value<Failure>().message.contains(QStringLiteral("wildcard")));
}

void TestAcme::unansweredChallengeFailsWithCouldNotReach_data()
{
    QTest::addColumn<QString>("domain");
    QTest::addColumn<bool>("listening");
    QTest::addRow("responder answers 404 (unauthorized)") << QStringLiteral("c.test") << true;
    QTest::addRow("nothing listens (connection)") << QStringLiteral("d.test") << false;
}

void TestAcme::unansweredChallengeFailsWithCouldNotReach()
{
    if (!m_havePebble)
        QSKIP("pebble or openssl is not installed (apt install pebble openssl)");
    QFETCH(QString, domain);
    QFETCH(bool, listening);
    m_answer = false;
    const quint16 port = m_responder.serverPort();
    if (!listening)
        m_responder.close();
    const auto restore = qScopeGuard([this, port] {
        m_answer = true;
        if (!m_responder.isListening())
            QVERIFY(m_responder.listen(QHostAddress::LocalHost, port));
    });
    AcmeClient client(options({ domain }, m_state.path()), &m_store);
    QSignalSpy issued(&client, &AcmeClient::issued);
    QSignalSpy failed(&client, &AcmeClient::failed);
    const qint64 ms = runOrder(client, issued, failed);
    QCOMPARE(issued.size(), 0);
    QCOMPARE(failed.size(), 1);
    qInfo("unanswered challenge failed after %lld ms", ms);
    const Failure failure = failed.at(0).at(0).value<Failure>();
    QVERIFY2(failure.message.startsWith(
                 QStringLiteral("the CA could not reach http://%1/.well-known/acme-challenge/").arg(domain)),
        qPrintable(failure.message));
    QVERIFY(failure.message.endsWith(QStringLiteral("make port 80 of %1 reach this machine").arg(domain)));
    QVERIFY(
        !m_store.lookup(failure.message.section(QLatin1Char('/'), 4, 4).section(QLatin1Char(' '), 0, 0).toLatin1()));
    // No key in the message: neither the account key's PEM nor its thumbprint.
    const EcKey account = EcKey::fromPem(ga::test::readAll(m_state.filePath(QStringLiteral("acme-account.key"))));
    QVERIFY(!failure.message.contains(QString::fromLatin1(account.thumbprint())));
    QVERIFY(!failure.message.contains(QStringLiteral("PRIVATE KEY")));
}

void TestAcme::directoryTlsIsVerified()
{
    if (!m_havePebble)
        QSKIP("pebble or openssl is not installed (apt install pebble openssl)");
    // Without pebble's test CA the directory's certificate is not trusted.
    QTemporaryDir state;
    Options untrusted = options({ "a.test" }, state.path());
    untrusted.extraCaCertificates.clear();
    AcmeClient client(untrusted, &m_store);
    QSignalSpy issued(&client, &AcmeClient::issued);
    QSignalSpy failed(&client, &AcmeClient::failed);
    QVERIFY(runOrder(client, issued, failed) >= 0);
    QCOMPARE(failed.size(), 1);
    const QString message = failed.at(0).at(0).value<Failure>().message;
    QVERIFY2(message.startsWith(QStringLiteral("cannot reach the ACME directory URL https://127.0.0.1:")),
        qPrintable(message));
    QVERIFY(message.contains(QStringLiteral(" securely (")));
}

void TestAcme::pathThatIsNoDirectoryFails()
{
    if (!m_havePebble)
        QSKIP("pebble or openssl is not installed (apt install pebble openssl)");
    QTemporaryDir state;
    Options wrongPath = options({ "a.test" }, state.path());
    wrongPath.directoryUrl = QUrl(QStringLiteral("https://127.0.0.1:%1/no-such-directory").arg(m_pebblePort));
    AcmeClient client(wrongPath, &m_store);
    QSignalSpy issued(&client, &AcmeClient::issued);
    QSignalSpy failed(&client, &AcmeClient::failed);
    QVERIFY(runOrder(client, issued, failed) >= 0);
    QCOMPARE(failed.size(), 1);
    QCOMPARE(failed.at(0).at(0).value<Failure>().message,
        QStringLiteral("https://127.0.0.1:%1/no-such-directory is not an ACME directory (HTTP 404): check the URL")
            .arg(m_pebblePort));
}

void TestAcme::badNonceIsRetriedOnce()
{
    if (!m_havePebble)
        QSKIP("pebble or openssl is not installed (apt install pebble openssl)");
    const Options opts = options({ "a.test" }, m_state.path());
    Transport transport(opts.extraCaCertificates, opts.timeoutMs);
    std::optional<Reply> directory;
    transport.get(opts.directoryUrl, [&](const Reply &reply) { directory = reply; });
    QTRY_VERIFY_WITH_TIMEOUT(directory.has_value(), 10000);
    QVERIFY(directory->ok());
    const QJsonObject urls = QJsonDocument::fromJson(directory->body).object();
    transport.setNewNonceUrl(QUrl(urls.value("newNonce").toString()));
    const EcKey key = EcKey::generate();
    transport.setAccount(&key, QString());

    // A nonce the server never gave: refused with badNonce and a fresh nonce, which the retry uses.
    transport.setNonce("c3RhbGUtbm9uY2U");
    std::optional<Reply> account;
    transport.post(QUrl(urls.value("newAccount").toString()), R"({"termsOfServiceAgreed":true})",
        [&](const Reply &reply) { account = reply; });
    QTRY_VERIFY_WITH_TIMEOUT(account.has_value(), 10000);
    QVERIFY2(account->ok(), account->body.constData());
    QCOMPARE(account->status, 201);
    QVERIFY(!account->location.isEmpty());
}

QTEST_GUILESS_MAIN(TestAcme)
#include "tst_acme.moc"
