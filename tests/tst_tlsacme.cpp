// SPDX-License-Identifier: GPL-3.0-or-later
// The HTTPS listener with ACME certificates, end to end in one process: a daemon::Service orders a certificate for
// two names from Debian's pebble (real HTTP-01 validation through the Service's own listener), serves it, renews it
// when an injected clock says two-thirds of its life have passed — while a 10-second SSE stream and a Live session
// run over TLS and both complete — and keeps it in service with a backoff when pebble is unreachable.
#include "admin/adminapi.h"
#include "app/runtime.h"
#include "config/configstore.h"
#include "daemon/service.h"
#include "fakegemini/fakegemini.h"
#include "pebbleserver.h"
#include "proxy/proxyserver.h"
#include "rawhttp.h"
#include "secrets/memorysecretstore.h"
#include "secrets/secretstore.h"
#include "security/accesstoken.h"
#include "testsupport.h"
#include "time/clock.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

using ga::test::fakeKey;

namespace {

const QByteArray kLivePath = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

class TestTlsAcme : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    ga::test::PebbleServer m_pebble;
    ga::time::ManualClock m_clock { QDateTime::currentMSecsSinceEpoch() };
    std::unique_ptr<ga::test::FakeGemini> m_fake;
    std::unique_ptr<ga::config::ConfigStore> m_store;
    std::unique_ptr<ga::secrets::MemorySecretStore> m_secrets;
    std::unique_ptr<ga::daemon::Service> m_service;
    QByteArray m_adminToken;
    quint16 m_port = 0;
    quint16 m_tlsPort = 0;
    QList<QSslCertificate> m_root; // pebble's issuing root (new at each pebble start)

    QByteArray serial() const
    {
        const auto c = m_service->proxyServer()->tlsConfiguration();
        return c ? c->localCertificate().serialNumber() : QByteArray();
    }

    // A TLS connection that verifies the certificate for `name` against pebble's root.
    std::unique_ptr<QSslSocket> connectTls(const QString &name)
    {
        auto s = std::make_unique<QSslSocket>();
        QSslConfiguration c = QSslConfiguration::defaultConfiguration();
        c.setCaCertificates(m_root);
        s->setSslConfiguration(c);
        s->setPeerVerifyName(name);
        s->connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_tlsPort);
        if (!s->waitForEncrypted(10000)) {
            qWarning().noquote() << "TLS to" << name << "failed:" << s->errorString();
            return nullptr;
        }
        return s;
    }

    // Reads from `s` until `text` arrives (or the connection ends / 20 s pass); everything read so far.
    static QByteArray readUntil(QSslSocket &s, QByteArray &buffer, const QByteArray &text)
    {
        // The event loop runs meanwhile: the fake upstream lives on this thread.
        (void)QTest::qWaitFor(
            [&] {
                buffer += s.readAll();
                return buffer.contains(text) || s.state() != QAbstractSocket::ConnectedState;
            },
            20000);
        buffer += s.readAll();
        return buffer;
    }

    bool addKey(int n)
    {
        ga::test::Client c(m_port);
        const QByteArray body = compact(QJsonObject { { QStringLiteral("secret"), fakeKey(n) } });
        c.send("POST /admin/api/v1/keys HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + m_adminToken
            + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
            + "\r\nConnection: close\r\n\r\n" + body);
        return c.read(30000).status == 201;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!ga::test::PebbleServer::available()) {
            QSKIP("pebble, pebble-challtestsrv or openssl is not installed (apt install pebble openssl)");
        }
        QVERIFY(m_dir.isValid());
        m_port = ga::test::freePort();
        m_tlsPort = ga::test::freePort();
        QString error;
        QVERIFY2(m_pebble.start(m_port, &error), qPrintable(error));

        m_fake = std::make_unique<ga::test::FakeGemini>();
        QVERIFY(m_fake->listen());
        ga::test::Script stream;
        stream.chunks = 40;
        stream.intervalMs = 250; // a 10-second stream
        m_fake->setDefaultScript(stream);
        m_fake->addKey(fakeKey(1), QStringLiteral("project-tls"));

        const QString configPath = m_dir.filePath(QStringLiteral("config/config.json"));
        const QJsonObject config {
            { QStringLiteral("version"), 1 },
            { QStringLiteral("listen"),
                QJsonObject { { QStringLiteral("port"), int(m_port) },
                    { QStringLiteral("tls"),
                        QJsonObject { { QStringLiteral("port"), int(m_tlsPort) },
                            { QStringLiteral("acme"),
                                QJsonObject { { QStringLiteral("directoryUrl"), m_pebble.directoryUrl().toString() },
                                    { QStringLiteral("domains"), QStringLiteral("a.test, b.test") },
                                    { QStringLiteral("caBundle"), m_pebble.directoryCaFile() } } } } } } },
            { QStringLiteral("security"), QJsonObject { { QStringLiteral("allowedHosts"), "a.test,b.test" } } },
            { QStringLiteral("auth"), QJsonObject { { QStringLiteral("allowAnonymousLoopback"), true } } },
            { QStringLiteral("upstream"), QJsonObject { { QStringLiteral("baseUrl"), m_fake->baseUrl() } } },
            { QStringLiteral("log"), QJsonObject { { QStringLiteral("file"), QStringLiteral("none") } } },
        };
        QVERIFY(ga::test::writeAll(configPath, QJsonDocument(config).toJson()));
        m_store = std::make_unique<ga::config::ConfigStore>(configPath);
        const ga::config::ParseResult loaded = m_store->load();
        QVERIFY2(!loaded.hasErrors(), qPrintable(loaded.errors().value(0).toString()));

        m_adminToken = ga::security::generateAccessToken();
        m_secrets = std::make_unique<ga::secrets::MemorySecretStore>();
        QVERIFY(ga::secrets::waitFor([&](QObject *context, ga::secrets::SecretStore::Callback done) {
            m_secrets->write(
                QString::fromLatin1(ga::security::kAdminTokenEntry), m_adminToken, context, std::move(done));
        }).ok());
        m_service = std::make_unique<ga::daemon::Service>(m_store.get(), m_secrets.get());
        m_service->setWorkerCount(2);
        m_service->setFileLogging(false);
        m_service->setTlsClock(&m_clock);
        ga::admin::install(ga::app::serviceRuntime(*m_service));
        QSignalSpy ready(m_service.get(), &ga::daemon::Service::ready);
        QElapsedTimer issuing;
        issuing.start();
        QVERIFY2(m_service->start(&error), qPrintable(error));
        QVERIFY(!ready.isEmpty() || ready.wait(15000));
        QVERIFY(addKey(1));
        // The first certificate: ordered at start, validated by pebble through this Service's own HTTP listener.
        QTRY_VERIFY_WITH_TIMEOUT(m_service->tlsStatus().source == u"acme", 30000);
        qInfo().noquote() << "first ACME certificate in service after" << issuing.elapsed() << "ms";
        m_root = QSslCertificate::fromData(m_pebble.issuingRootPem(), QSsl::Pem);
        QCOMPARE(m_root.size(), 1);
    }

    void cleanupTestCase()
    {
        m_service.reset();
        m_secrets.reset();
        m_store.reset();
        m_fake.reset();
    }

    void servesTheCertificateForBothNames()
    {
        const ga::tls::CertificateStatus s = m_service->tlsStatus();
        QVERIFY(s.names.contains(QStringLiteral("a.test")));
        QVERIFY(s.names.contains(QStringLiteral("b.test")));
        QVERIFY2(s.issuer.contains(QStringLiteral("Pebble")), qPrintable(s.issuer));
        QVERIFY(s.lastError.isEmpty());
        QVERIFY(s.nextRenewal > QDateTime::currentDateTimeUtc());
        // Two-thirds of the lifetime, ±5 % of it.
        const double at = double(s.notBefore.msecsTo(s.nextRenewal)) / double(s.notBefore.msecsTo(s.notAfter));
        QVERIFY2(at > 0.61 && at < 0.72, qPrintable(QString::number(at)));
        for (const QString &name : { QStringLiteral("a.test"), QStringLiteral("b.test") }) {
            std::unique_ptr<QSslSocket> socket = connectTls(name);
            QVERIFY(socket);
            socket->write("GET /healthz HTTP/1.1\r\nHost: " + name.toLatin1() + "\r\nConnection: close\r\n\r\n");
            QByteArray got;
            QVERIFY2(readUntil(*socket, got, "\"ok\"").startsWith("HTTP/1.1 200"), got.constData());
        }
        // The key files are private.
        const QString dir = QFileInfo(m_store->path()).absoluteDir().filePath(QStringLiteral("tls"));
        for (const char *file : { "acme-key.pem", "acme-account.key" }) {
            const QString path = QDir(dir).filePath(QString::fromLatin1(file));
            QVERIFY2(QFile::exists(path), file);
            QCOMPARE(QFile::permissions(path)
                    & ~(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser
                        | QFileDevice::WriteUser),
                QFileDevice::Permissions());
        }
    }

    void renewsAtTwoThirdsWhileAStreamAndALiveSessionRun()
    {
        const QByteArray before = serial();
        // A 10-second SSE stream over TLS.
        std::unique_ptr<QSslSocket> stream = connectTls(QStringLiteral("a.test"));
        QVERIFY(stream);
        const QByteArray body = R"({"contents":[{"parts":[{"text":"hi"}]}]})";
        stream->write("POST /v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse HTTP/1.1\r\nHost: a.test\r\n"
                      "Content-Type: application/json\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        QByteArray streamed;
        QVERIFY2(readUntil(*stream, streamed, "data: ").startsWith("HTTP/1.1 200"), streamed.constData());
        // A Live session over wss (the certificate is for a.test; the client dials 127.0.0.1).
        QWebSocket live;
        QSslConfiguration wss = QSslConfiguration::defaultConfiguration();
        wss.setCaCertificates(m_root);
        live.setSslConfiguration(wss);
        connect(&live, &QWebSocket::sslErrors, &live, [&live](const QList<QSslError> &errors) {
            QList<QSslError> expected;
            for (const QSslError &e : errors) {
                if (e.error() == QSslError::HostNameMismatch) {
                    expected.append(e);
                }
            }
            if (expected.size() == errors.size()) {
                live.ignoreSslErrors(); // only the name: the chain itself verified against pebble's root
            }
        });
        QList<QByteArray> received;
        connect(&live, &QWebSocket::textMessageReceived, &live, [&](const QString &m) { received.append(m.toUtf8()); });
        connect(&live, &QWebSocket::binaryMessageReceived, &live, [&](const QByteArray &m) { received.append(m); });
        live.open(QUrl(QStringLiteral("wss://127.0.0.1:%1%2").arg(m_tlsPort).arg(QString::fromLatin1(kLivePath))));
        QTRY_COMPARE_WITH_TIMEOUT(live.state(), QAbstractSocket::ConnectedState, 10000);
        live.sendTextMessage(QString::fromUtf8(compact(QJsonObject { { QStringLiteral("setup"),
            QJsonObject { { QStringLiteral("model"), QStringLiteral("models/gemini-live-2.5-flash-preview") } } } })));
        auto has = [&](const char *field) {
            return std::any_of(received.cbegin(), received.cend(), [field](const QByteArray &m) {
                return QJsonDocument::fromJson(m).object().contains(QLatin1String(field));
            });
        };
        QTRY_VERIFY_WITH_TIMEOUT(has("setupComplete"), 10000);

        // The clock reaches the renewal: a new certificate goes into service for new connections.
        m_clock.setNow(m_service->tlsStatus().nextRenewal.toMSecsSinceEpoch() + 1000);
        m_service->checkCertificateRenewal();
        QTRY_VERIFY_WITH_TIMEOUT(serial() != before, 30000);
        std::unique_ptr<QSslSocket> fresh = connectTls(QStringLiteral("b.test"));
        QVERIFY(fresh);
        QCOMPARE(fresh->peerCertificate().serialNumber(), serial());
        QVERIFY(stream->peerCertificate().serialNumber() == before); // the stream keeps its own

        // Both run on to their ends.
        live.sendTextMessage(QString::fromUtf8(compact(QJsonObject { { QStringLiteral("clientContent"),
            QJsonObject {
                { QStringLiteral("turns"),
                    QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
                        { QStringLiteral("parts"),
                            QJsonArray { QJsonObject { { QStringLiteral("text"), QStringLiteral("hi") } } } } } } },
                { QStringLiteral("turnComplete"), true } } } })));
        QTRY_VERIFY_WITH_TIMEOUT(has("serverContent"), 10000);
        live.close();
        readUntil(*stream, streamed, "\r\n0\r\n\r\n");
        QVERIFY2(streamed.endsWith("\r\n0\r\n\r\n"), streamed.right(200).constData());
        QCOMPARE(streamed.count("data: "), 40);
    }

    void keepsTheCertificateAndBacksOffWhileTheCaIsUnreachable()
    {
        const QByteArray before = serial();
        m_pebble.stop();
        m_clock.setNow(m_service->tlsStatus().nextRenewal.toMSecsSinceEpoch() + 1000);
        m_service->checkCertificateRenewal();
        QTRY_VERIFY_WITH_TIMEOUT(!m_service->tlsStatus().lastError.isEmpty(), 30000);
        const ga::tls::CertificateStatus s = m_service->tlsStatus();
        qInfo().noquote() << "while pebble is down:" << s.lastError;
        QVERIFY2(s.lastError.contains(QStringLiteral("ACME")) && s.lastError.contains(QStringLiteral("127.0.0.1")),
            qPrintable(s.lastError));
        QCOMPARE(serial(), before); // still in service
        std::unique_ptr<QSslSocket> still = connectTls(QStringLiteral("a.test"));
        QVERIFY(still);
        QCOMPARE(still->peerCertificate().serialNumber(), before);
        // A retry after the first backoff step (a minute), not at once.
        const qint64 retryIn = m_clock.nowMs() - 1000 >= 0 ? s.nextRenewal.toMSecsSinceEpoch() - m_clock.nowMs() : -1;
        QVERIFY2(retryIn >= 55'000 && retryIn <= 65'000, qPrintable(QString::number(retryIn)));
        m_service->checkCertificateRenewal(); // too early: nothing is ordered
        QCOMPARE(serial(), before);

        // The CA is back: the retry gets a new certificate (pebble's new root after its restart).
        QString error;
        QVERIFY2(m_pebble.restart(&error), qPrintable(error));
        m_clock.advance(retryIn + 1000);
        m_service->checkCertificateRenewal();
        QTRY_VERIFY_WITH_TIMEOUT(serial() != before, 30000);
        QVERIFY(m_service->tlsStatus().lastError.isEmpty());
        m_root = QSslCertificate::fromData(m_pebble.issuingRootPem(), QSsl::Pem);
        QVERIFY(connectTls(QStringLiteral("a.test")));
    }
};

QTEST_GUILESS_MAIN(TestTlsAcme)
#include "tst_tlsacme.moc"
