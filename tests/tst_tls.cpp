// SPDX-License-Identifier: GPL-3.0-or-later
// The HTTPS listener (listen.tls.*): the certificate checks and the local CA of core/tls, a Service serving HTTPS
// in-process (handshake, ALPN, status, /metrics, protocols and suites through the openssl tool), certificate files
// replaced during a stream and replaced badly, listen.tls.selfSigned, the config rules and the `tls` commands.
#include "config/configpaths.h"
#include "config/configschema.h"
#include "config/configstore.h"
#include "daemon/service.h"
#include "fakegemini/fakegemini.h"
#include "keys/apikey.h"
#include "rawhttp.h"
#include "secrets/memorysecretstore.h"
#include "testsupport.h"
#include "tls/tlsidentity.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

using ga::test::fakeKey;
using ga::test::Reply;

namespace {

constexpr int kWaitMs = 10'000;
const QByteArray kStream = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
const QByteArray kPrompt = R"({"contents":[{"parts":[{"text":"hi"}]}]})";

// The permission bits of a file (Unix mode & 07777); -1 when it cannot be read.
int modeOf(const QString &path)
{
    struct stat st
    { };
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 07777) : -1;
}

bool writePrivateFile(const QString &path, const QByteArray &bytes)
{
    return ga::test::writeAll(path, bytes)
        && QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

// What certbot does: the new content in a temporary file of the same folder, then renamed over the old file.
bool replaceByRename(const QString &path, const QByteArray &bytes)
{
    const QString temp
        = QFileInfo(path).absolutePath() + QStringLiteral("/.") + QFileInfo(path).fileName() + QStringLiteral(".new");
    return writePrivateFile(temp, bytes)
        && std::rename(QFile::encodeName(temp).constData(), QFile::encodeName(path).constData()) == 0;
}

// `keyPem` encrypted with a passphrase (PKCS#8, "-----BEGIN ENCRYPTED PRIVATE KEY-----").
QByteArray encryptedKey(const QByteArray &keyPem)
{
    BIO *in = BIO_new_mem_buf(keyPem.constData(), int(keyPem.size()));
    EVP_PKEY *key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
    BIO_free(in);
    if (!key) {
        return {};
    }
    BIO *out = BIO_new(BIO_s_mem());
    char passphrase[] = "x";
    QByteArray pem;
    if (PEM_write_bio_PKCS8PrivateKey(out, key, EVP_aes_256_cbc(), passphrase, 1, nullptr, nullptr) == 1) {
        char *data = nullptr;
        const long n = BIO_get_mem_data(out, &data);
        pem = QByteArray(data, qsizetype(n));
    }
    BIO_free(out);
    EVP_PKEY_free(key);
    return pem;
}

// Whether `ca`'s key signed `leaf` (OpenSSL checks the signature; names and dates are not looked at).
bool signedBy(const QSslCertificate &leaf, const QSslCertificate &ca)
{
    const auto x509 = [](const QSslCertificate &c) {
        const QByteArray der = c.toDer();
        const unsigned char *p = reinterpret_cast<const unsigned char *>(der.constData());
        return d2i_X509(nullptr, &p, long(der.size()));
    };
    X509 *l = x509(leaf);
    X509 *c = x509(ca);
    EVP_PKEY *caKey = c ? X509_get0_pubkey(c) : nullptr;
    const bool ok = l && caKey && X509_verify(l, caKey) == 1;
    X509_free(l);
    X509_free(c);
    return ok;
}

// The subject alternative names of a certificate: DNS names as written, IP addresses normalised.
QStringList dnsNames(const QSslCertificate &c)
{
    return c.subjectAlternativeNames().values(QSsl::DnsEntry);
}
QList<QHostAddress> ipNames(const QSslCertificate &c)
{
    QList<QHostAddress> out;
    for (const QString &ip : c.subjectAlternativeNames().values(QSsl::IpAddressEntry)) {
        out.append(QHostAddress(ip));
    }
    return out;
}

// One sentence naming the cause and the fix, and no key material.
QString messageProblem(const QString &message, const QString &cause, const QString &fix, const QByteArray &keyPem)
{
    if (message.isEmpty()) {
        return QStringLiteral("no message");
    }
    if (message.contains(u'\n')) {
        return QStringLiteral("more than one line: ") + message;
    }
    if (!message.contains(cause, Qt::CaseInsensitive)) {
        return QStringLiteral("the cause (%1) is not named: %2").arg(cause, message);
    }
    if (!message.contains(fix, Qt::CaseInsensitive)) {
        return QStringLiteral("the fix (%1) is not named: %2").arg(fix, message);
    }
    if (message.contains(u"PRIVATE KEY")) {
        return QStringLiteral("contains a PEM key header: ") + message;
    }
    for (const QByteArray &line : keyPem.split('\n')) {
        if (line.size() >= 16 && !line.startsWith("-----") && message.contains(QString::fromLatin1(line))) {
            return QStringLiteral("contains key material: ") + message;
        }
    }
    return {};
}

// A certificate and key made by tls::localIdentity() in a folder of its own (its own local CA).
struct LocalPair
{
    QString dir;
    QSslCertificate ca;
    QSslCertificate leaf;
    QByteArray chainPem; // local-tls.pem: the leaf, then the CA
    QByteArray keyPem;
};

std::optional<LocalPair> makePair(const QString &dir, QString *error)
{
    const std::optional<ga::tls::Identity> id = ga::tls::localIdentity(dir, {}, QDateTime::currentDateTimeUtc(), error);
    if (!id) {
        return std::nullopt;
    }
    LocalPair p;
    p.dir = dir;
    p.leaf = id->chain.value(0);
    p.ca = QSslCertificate(ga::test::readAll(ga::tls::localCaFile(dir)), QSsl::Pem);
    p.chainPem = ga::test::readAll(QDir(dir).filePath(QStringLiteral("local-tls.pem")));
    p.keyPem = ga::test::readAll(QDir(dir).filePath(QStringLiteral("local-tls.key")));
    if (p.ca.isNull() || p.chainPem.isEmpty() || p.keyPem.isEmpty()) {
        *error = QStringLiteral("local identity files missing in ") + dir;
        return std::nullopt;
    }
    return p;
}

// A TLS client of the HTTPS listener: trusts only `trusted`, checks the name `peerName`, offers h2 and http/1.1.
// Waits run the event loop (the fake upstream and the proxy's acceptor live on this thread).
class TlsClient
{
public:
    TlsClient(
        quint16 port, const QList<QSslCertificate> &trusted, const QString &peerName = QStringLiteral("127.0.0.1"))
    {
        QSslConfiguration c = QSslConfiguration::defaultConfiguration();
        c.setCaCertificates(trusted);
        c.setPeerVerifyMode(QSslSocket::VerifyPeer);
        c.setAllowedNextProtocols({ QByteArrayLiteral("h2"), QByteArrayLiteral("http/1.1") });
        m_socket.setSslConfiguration(c);
        QObject::connect(&m_socket, &QSslSocket::encrypted, &m_socket, [this] { m_encrypted = true; });
        QObject::connect(&m_socket, &QSslSocket::sslErrors, &m_socket, [this](const QList<QSslError> &errors) {
            for (const QSslError &e : errors) {
                m_failure += e.errorString() + u' ';
            }
        });
        QObject::connect(&m_socket, &QAbstractSocket::errorOccurred, &m_socket, [this](QAbstractSocket::SocketError) {
            m_failure += m_socket.errorString() + u' ';
            m_failed = true;
        });
        m_socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port, peerName);
    }

    // Waits for the end of the handshake; true when it succeeded (and the certificate verified).
    bool handshake(int timeoutMs = kWaitMs)
    {
        (void)QTest::qWaitFor([this] { return m_encrypted || m_failed; }, timeoutMs);
        return m_encrypted && m_socket.isEncrypted();
    }
    QString failure() const { return m_failure.isEmpty() ? QStringLiteral("no handshake in time") : m_failure; }
    QSslSocket &socket() { return m_socket; }
    QSslCertificate peer() const { return m_socket.peerCertificate(); }
    void send(const QByteArray &raw) { m_socket.write(raw); }
    QByteArray &buffer() { return m_buffer; }

    // Waits until what was received contains `needle`.
    bool waitForBytes(const QByteArray &needle, int timeoutMs)
    {
        return QTest::qWaitFor(
            [&] {
                m_buffer += m_socket.readAll();
                return m_buffer.contains(needle);
            },
            timeoutMs);
    }

    // Waits for one complete response (or the end of the connection).
    Reply read(int timeoutMs = kWaitMs)
    {
        Reply r;
        qsizetype used = 0;
        (void)QTest::qWaitFor(
            [&] {
                m_buffer += m_socket.readAll();
                r = Reply();
                used = ga::test::parseReply(m_buffer, &r);
                return used > 0 || m_socket.state() != QAbstractSocket::ConnectedState;
            },
            timeoutMs);
        if (used == 0) {
            return Reply();
        }
        m_buffer.remove(0, used);
        return r;
    }

private:
    QSslSocket m_socket;
    QByteArray m_buffer;
    QString m_failure;
    bool m_encrypted = false;
    bool m_failed = false;
};

// The certificate a new connection is given (null when the handshake fails).
QSslCertificate presented(quint16 port, const QList<QSslCertificate> &trusted, QString *failure = nullptr)
{
    TlsClient c(port, trusted);
    if (!c.handshake()) {
        if (failure) {
            *failure = c.failure();
        }
        return QSslCertificate();
    }
    return c.peer();
}

// `openssl s_client` against 127.0.0.1:port with `args`, its input closed: what it printed (stdout and stderr).
QString sClient(quint16 port, const QStringList &args)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("openssl"),
        QStringList { QStringLiteral("s_client"), QStringLiteral("-connect"), QStringLiteral("127.0.0.1:%1").arg(port) }
            + args);
    if (!p.waitForStarted(5000)) {
        return QStringLiteral("did not start: ") + p.errorString();
    }
    p.closeWriteChannel();
    (void)QTest::qWaitFor([&] { return p.state() == QProcess::NotRunning; }, 15'000);
    if (p.state() != QProcess::NotRunning) {
        p.kill();
        p.waitForFinished(2000);
    }
    return QString::fromUtf8(p.readAll());
}

// The cipher s_client reports ("New, TLSv1.2, Cipher is ECDHE-…"); empty when none was negotiated.
QString negotiatedCipher(const QString &out)
{
    const QRegularExpressionMatch m = QRegularExpression(QStringLiteral(R"(Cipher is (\S+))")).match(out);
    const QString cipher = m.hasMatch() ? m.captured(1) : QString();
    return cipher == u"(NONE)" ? QString() : cipher;
}

// A Service running in-process on loopback with HTTPS on.
struct RunningService
{
    std::unique_ptr<ga::config::ConfigStore> store;
    std::unique_ptr<ga::secrets::MemorySecretStore> secrets;
    std::unique_ptr<ga::daemon::Service> service;
    quint16 port = 0;
    quint16 tlsPort = 0;
};

// Two distinct free loopback ports.
bool twoPorts(quint16 *a, quint16 *b)
{
    *a = ga::test::freePort();
    for (int i = 0; i < 20; ++i) {
        *b = ga::test::freePort();
        if (*b != 0 && *b != *a) {
            return *a != 0;
        }
    }
    return false;
}

QString startService(
    RunningService *r, const QString &configPath, const QJsonObject &tls, const QString &upstream, int keyNumber)
{
    if (!twoPorts(&r->port, &r->tlsPort)) {
        return QStringLiteral("no free ports");
    }
    QJsonObject tlsSection = tls;
    tlsSection.insert(QStringLiteral("port"), int(r->tlsPort));
    const QJsonObject config {
        { QStringLiteral("version"), 1 },
        { QStringLiteral("listen"),
            QJsonObject { { QStringLiteral("port"), int(r->port) }, { QStringLiteral("tls"), tlsSection } } },
        { QStringLiteral("upstream"), QJsonObject { { QStringLiteral("baseUrl"), upstream } } },
        { QStringLiteral("keys"),
            QJsonObject { { QStringLiteral("items"),
                QJsonArray { QJsonObject { { QStringLiteral("id"), QStringLiteral("k1") } } } } } },
        { QStringLiteral("auth"), QJsonObject { { QStringLiteral("allowAnonymousLoopback"), true } } },
        { QStringLiteral("log"), QJsonObject { { QStringLiteral("file"), QStringLiteral("none") } } },
    };
    if (!ga::test::writeAll(configPath, QJsonDocument(config).toJson())) {
        return QStringLiteral("cannot write ") + configPath;
    }
    r->store = std::make_unique<ga::config::ConfigStore>(configPath);
    const ga::config::ParseResult loaded = r->store->load();
    if (loaded.hasErrors()) {
        return loaded.errors().front().toString();
    }
    r->secrets = std::make_unique<ga::secrets::MemorySecretStore>();
    const bool stored = ga::secrets::waitFor([&](QObject *context, ga::secrets::SecretStore::Callback done) {
        r->secrets->write(
            ga::keys::secretEntryName(QStringLiteral("k1")), fakeKey(keyNumber).toLatin1(), context, std::move(done));
    }).ok();
    if (!stored) {
        return QStringLiteral("cannot store the key");
    }
    r->service = std::make_unique<ga::daemon::Service>(r->store.get(), r->secrets.get());
    r->service->setWorkerCount(2);
    r->service->setFileLogging(false);
    QSignalSpy ready(r->service.get(), &ga::daemon::Service::ready);
    QString error;
    if (!r->service->start(&error)) {
        return error.isEmpty() ? QStringLiteral("start() failed") : error;
    }
    if (ready.isEmpty() && !ready.wait(kWaitMs)) {
        return QStringLiteral("not ready in time");
    }
    return {};
}

// The problems of `document` at `path`.
QList<ga::config::Problem> problemsAt(const QJsonObject &document, const QString &path)
{
    QList<ga::config::Problem> out;
    for (const ga::config::Problem &p : ga::config::schema::validate(document).errors()) {
        if (p.path == path) {
            out.append(p);
        }
    }
    return out;
}

QString allProblems(const QJsonObject &document)
{
    QStringList out;
    for (const ga::config::Problem &p : ga::config::schema::validate(document).problems) {
        out.append(p.toString());
    }
    return out.join(u'\n');
}

QJsonObject listenDocument(const QJsonObject &listen)
{
    return QJsonObject { { QStringLiteral("version"), 1 }, { QStringLiteral("listen"), listen } };
}

} // namespace

class TestTls : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::optional<LocalPair> m_a; // two independent local CAs, each with its leaf
    std::optional<LocalPair> m_b;
    std::unique_ptr<ga::test::FakeGemini> m_fake;
    RunningService m_files; // listen.tls.certFile/keyFile
    QString m_certPath;
    QString m_keyPath;
    QElapsedTimer m_clock;

    // A new connection to the files service presents this certificate (trusting both CAs).
    QSslCertificate presentedNow(QString *failure = nullptr)
    {
        return presented(m_files.tlsPort, { m_a->ca, m_b->ca }, failure);
    }

    // Waits until new connections present `expected`; every handshake meanwhile must succeed.
    bool waitForPresented(const QSslCertificate &expected, int timeoutMs, QString *why)
    {
        QSslCertificate last;
        const bool ok = QTest::qWaitFor(
            [&] {
                QString failure;
                last = presentedNow(&failure);
                if (last.isNull()) {
                    *why = QStringLiteral("a handshake failed meanwhile: ") + failure;
                }
                return last.isNull() || last == expected;
            },
            timeoutMs);
        if (ok && last.isNull()) {
            return false;
        }
        if (!ok) {
            *why = QStringLiteral("still presenting %1").arg(last.serialNumber());
        }
        return ok;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_clock.start();
        QVERIFY(m_dir.isValid());
        QString error;
        m_a = makePair(m_dir.filePath(QStringLiteral("identity-a")), &error);
        QVERIFY2(m_a, qPrintable(error));
        m_b = makePair(m_dir.filePath(QStringLiteral("identity-b")), &error);
        QVERIFY2(m_b, qPrintable(error));
        QVERIFY(m_a->ca != m_b->ca);
        QVERIFY(!signedBy(m_a->leaf, m_b->ca));

        m_fake = std::make_unique<ga::test::FakeGemini>();
        QVERIFY(m_fake->listen());
        m_fake->addKey(fakeKey(1));

        m_certPath = m_dir.filePath(QStringLiteral("certs/server.pem"));
        m_keyPath = m_dir.filePath(QStringLiteral("certs/server.key"));
        QVERIFY(writePrivateFile(m_certPath, m_a->chainPem));
        QVERIFY(writePrivateFile(m_keyPath, m_a->keyPem));
        error = startService(&m_files, m_dir.filePath(QStringLiteral("config/config.json")),
            QJsonObject { { QStringLiteral("certFile"), m_certPath }, { QStringLiteral("keyFile"), m_keyPath } },
            m_fake->baseUrl(), 1);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void cleanupTestCase()
    {
        m_files.service.reset();
        m_fake.reset();
        qInfo("tst_tls took %lld ms", m_clock.elapsed());
    }

    // --- 1. identity checks ------------------------------------------------------------------------------------

    void refusesPemWithoutCertificate()
    {
        QString error;
        QVERIFY(!ga::tls::identityFromPem("not a certificate", m_a->keyPem, QDateTime::currentDateTimeUtc(), &error));
        const QString problem = messageProblem(
            error, QStringLiteral("no PEM certificate"), QStringLiteral("-----BEGIN CERTIFICATE-----"), m_a->keyPem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        // A key PEM given as the certificate is no certificate either, and its text is not echoed.
        QVERIFY(!ga::tls::identityFromPem(m_a->keyPem, m_a->keyPem, QDateTime::currentDateTimeUtc(), &error));
        QVERIFY2(messageProblem(error, QStringLiteral("no PEM certificate"), QString(), m_a->keyPem).isEmpty(),
            qPrintable(error));
    }

    void refusesKeyOfAnotherCertificate()
    {
        QString error;
        QVERIFY(!ga::tls::identityFromPem(m_a->chainPem, m_b->keyPem, QDateTime::currentDateTimeUtc(), &error));
        const QString problem = messageProblem(
            error, QStringLiteral("not the certificate's"), QStringLiteral("give the key"), m_b->keyPem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        // The matching pair is accepted: chain leaf first, then the CA.
        const auto id = ga::tls::identityFromPem(m_a->chainPem, m_a->keyPem, QDateTime::currentDateTimeUtc(), &error);
        QVERIFY2(id, qPrintable(error));
        QCOMPARE(id->chain.size(), 2);
        QCOMPARE(id->chain.at(0), m_a->leaf);
        QCOMPARE(id->chain.at(1), m_a->ca);
    }

    void refusesExpiredAndNotYetValid()
    {
        QString error;
        QVERIFY(
            !ga::tls::identityFromPem(m_a->chainPem, m_a->keyPem, QDateTime::currentDateTimeUtc().addYears(5), &error));
        QString problem = messageProblem(error, QStringLiteral("expired"), QStringLiteral("renew"), m_a->keyPem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY2(error.contains(m_a->leaf.expiryDate().toUTC().toString(Qt::ISODate)), qPrintable(error));

        QVERIFY(!ga::tls::identityFromPem(
            m_a->chainPem, m_a->keyPem, QDateTime::currentDateTimeUtc().addYears(-25), &error));
        problem = messageProblem(error, QStringLiteral("not valid before"), QStringLiteral("clock"), m_a->keyPem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    void refusesEncryptedKey()
    {
        const QByteArray encrypted = encryptedKey(m_a->keyPem);
        QVERIFY(encrypted.startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        QString error;
        QVERIFY(!ga::tls::identityFromPem(m_a->chainPem, encrypted, QDateTime::currentDateTimeUtc(), &error));
        QString problem = messageProblem(error, QStringLiteral("encrypted"), QStringLiteral("openssl pkey"), encrypted);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));

        // The same through files.
        const QString cert = m_dir.filePath(QStringLiteral("enc/cert.pem"));
        const QString key = m_dir.filePath(QStringLiteral("enc/key.pem"));
        QVERIFY(writePrivateFile(cert, m_a->chainPem));
        QVERIFY(writePrivateFile(key, encrypted));
        QVERIFY(!ga::tls::loadIdentity(cert, key, QDateTime::currentDateTimeUtc(), &error));
        problem = messageProblem(error, QStringLiteral("encrypted"), QStringLiteral("openssl pkey"), encrypted);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    void refusesKeyOthersCanRead()
    {
        const QString cert = m_dir.filePath(QStringLiteral("open/cert.pem"));
        const QString key = m_dir.filePath(QStringLiteral("open/key.pem"));
        QVERIFY(writePrivateFile(cert, m_a->chainPem));
        QVERIFY(writePrivateFile(key, m_a->keyPem));
        QString error;
        QVERIFY2(ga::tls::loadIdentity(cert, key, QDateTime::currentDateTimeUtc(), &error), qPrintable(error));
        QVERIFY(QFile::setPermissions(
            key, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther));
        QCOMPARE(modeOf(key), 0644);
        QVERIFY(!ga::tls::loadIdentity(cert, key, QDateTime::currentDateTimeUtc(), &error));
        const QString problem
            = messageProblem(error, QStringLiteral("other users"), QStringLiteral("chmod 600"), m_a->keyPem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY2(error.contains(key), qPrintable(error));
    }

    void missingFileNamesThePath()
    {
        const QString cert = m_dir.filePath(QStringLiteral("missing/cert.pem"));
        const QString key = m_dir.filePath(QStringLiteral("missing/key.pem"));
        QString error;
        QVERIFY(!ga::tls::loadIdentity(
            cert, m_a->dir + QStringLiteral("/local-tls.key"), QDateTime::currentDateTimeUtc(), &error));
        QString problem = messageProblem(error, cert, QStringLiteral("check the path"), m_a->keyPem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));

        QVERIFY(writePrivateFile(cert, m_a->chainPem));
        QVERIFY(!ga::tls::loadIdentity(cert, key, QDateTime::currentDateTimeUtc(), &error));
        problem = messageProblem(error, key, QStringLiteral("check the path"), m_a->keyPem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    // --- 2. the local CA ---------------------------------------------------------------------------------------

    void localIdentityMakesCaAndLeaf()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString dir = tmp.filePath(QStringLiteral("data/tls"));
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QString error;
        const auto first = ga::tls::localIdentity(dir, {}, now, &error);
        QVERIFY2(first, qPrintable(error));
        QCOMPARE(modeOf(dir), 0700);
        for (const char *name : { "local-ca.pem", "local-ca.key", "local-tls.pem", "local-tls.key" }) {
            QVERIFY2(QFile::exists(QDir(dir).filePath(QLatin1String(name))), name);
        }
        QCOMPARE(modeOf(QDir(dir).filePath(QStringLiteral("local-ca.key"))), 0600);
        QCOMPARE(modeOf(QDir(dir).filePath(QStringLiteral("local-tls.key"))), 0600);
        QCOMPARE(ga::tls::localCaFile(dir), QDir(dir).filePath(QStringLiteral("local-ca.pem")));
        QCOMPARE(first->source, QStringLiteral("self-signed"));

        const QSslCertificate ca(ga::test::readAll(ga::tls::localCaFile(dir)), QSsl::Pem);
        QVERIFY(!ca.isNull());
        const QSslCertificate leaf = first->chain.value(0);
        QVERIFY(signedBy(leaf, ca));
        QVERIFY(signedBy(ca, ca));
        QVERIFY(!signedBy(leaf, m_a->ca));
        QCOMPARE(first->chain.value(1), ca);
        QVERIFY(dnsNames(leaf).contains(QStringLiteral("localhost")));
        QVERIFY(ipNames(leaf).contains(QHostAddress(QHostAddress::LocalHost)));
        QVERIFY(ipNames(leaf).contains(QHostAddress(QHostAddress::LocalHostIPv6)));
        QVERIFY(leaf.expiryDate() > now.addDays(300));

        // Again: the same CA and the same leaf, files untouched.
        const QByteArray caBytes = ga::test::readAll(ga::tls::localCaFile(dir));
        const QByteArray caKeyBytes = ga::test::readAll(QDir(dir).filePath(QStringLiteral("local-ca.key")));
        const QByteArray leafBytes = ga::test::readAll(QDir(dir).filePath(QStringLiteral("local-tls.pem")));
        const auto second = ga::tls::localIdentity(dir, {}, now, &error);
        QVERIFY2(second, qPrintable(error));
        QCOMPARE(second->chain.value(0), leaf);
        QCOMPARE(ga::test::readAll(QDir(dir).filePath(QStringLiteral("local-tls.pem"))), leafBytes);

        // An extra name: a new leaf from the same CA, with every name.
        const auto third = ga::tls::localIdentity(dir, { QStringLiteral("gemini.test") }, now, &error);
        QVERIFY2(third, qPrintable(error));
        const QSslCertificate named = third->chain.value(0);
        QVERIFY(named != leaf);
        QVERIFY(signedBy(named, ca));
        QCOMPARE(ga::test::readAll(ga::tls::localCaFile(dir)), caBytes);
        QCOMPARE(ga::test::readAll(QDir(dir).filePath(QStringLiteral("local-ca.key"))), caKeyBytes);
        QVERIFY(dnsNames(named).contains(QStringLiteral("gemini.test")));
        QVERIFY(dnsNames(named).contains(QStringLiteral("localhost")));
        QVERIFY(ipNames(named).contains(QHostAddress(QHostAddress::LocalHost)));
        QVERIFY(ipNames(named).contains(QHostAddress(QHostAddress::LocalHostIPv6)));
        QCOMPARE(modeOf(QDir(dir).filePath(QStringLiteral("local-tls.key"))), 0600);

        // A leaf that ends within 30 days is made again, still from the same CA.
        const auto renewed = ga::tls::localIdentity(dir, { QStringLiteral("gemini.test") }, now.addDays(380), &error);
        QVERIFY2(renewed, qPrintable(error));
        QVERIFY(renewed->chain.value(0) != named);
        QVERIFY(signedBy(renewed->chain.value(0), ca));
        QCOMPARE(ga::test::readAll(ga::tls::localCaFile(dir)), caBytes);
    }

    // --- 3. the Service with certificate files -----------------------------------------------------------------

    void servesHttpsFromFiles()
    {
        TlsClient c(m_files.tlsPort, { m_a->ca });
        QVERIFY2(c.handshake(), qPrintable(c.failure()));
        QCOMPARE(c.peer(), m_a->leaf);
        QCOMPARE(c.socket().sslConfiguration().nextNegotiatedProtocol(), QByteArrayLiteral("http/1.1"));
        QVERIFY(c.socket().sessionProtocol() >= QSsl::TlsV1_2);
        c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        const Reply r = c.read();
        QCOMPARE(r.status, 200);

        // A client that trusts only the other CA refuses the certificate.
        TlsClient stranger(m_files.tlsPort, { m_b->ca });
        QVERIFY(!stranger.handshake());

        const ga::tls::CertificateStatus s = m_files.service->tlsStatus();
        QVERIFY(s.present);
        QCOMPARE(s.source, QStringLiteral("files"));
        QCOMPARE(s.certFile, m_certPath);
        QVERIFY2(s.names.contains(QStringLiteral("localhost")), qPrintable(s.names.join(u',')));
        QVERIFY2(s.names.contains(QStringLiteral("127.0.0.1")), qPrintable(s.names.join(u',')));
        QCOMPARE(s.notAfter, m_a->leaf.expiryDate());
        QVERIFY2(s.lastError.isEmpty(), qPrintable(s.lastError));
        QCOMPARE(m_files.service->tlsUrl(), QStringLiteral("https://127.0.0.1:%1").arg(m_files.tlsPort));
    }

    void metricsShowDaysLeft()
    {
        ga::test::Client c(m_files.port);
        c.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        const Reply r = c.read();
        QCOMPARE(r.status, 200);
        const QRegularExpressionMatch m = QRegularExpression(
            QStringLiteral(R"(^ga_tls_certificate_expiry_days (\S+)$)"), QRegularExpression::MultilineOption)
                                              .match(QString::fromUtf8(r.body));
        QVERIFY2(m.hasMatch(), r.body.constData());
        bool ok = false;
        const double days = m.captured(1).toDouble(&ok);
        QVERIFY(ok);
        const double expected
            = double(QDateTime::currentDateTimeUtc().secsTo(m_files.service->tlsStatus().notAfter)) / 86400.0;
        QVERIFY2(qAbs(days - expected) < 0.01, qPrintable(QStringLiteral("%1 vs %2").arg(days).arg(expected)));
        QVERIFY(days > 390 && days < 398);
    }

    // --- 4. protocols and suites -------------------------------------------------------------------------------

    void protocolsAndSuites()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty()) {
            QSKIP("the openssl tool is not installed");
        }
        const quint16 port = m_files.tlsPort;
        const QString ca = ga::tls::localCaFile(m_a->dir);
        // TLS 1.0 and 1.1: the client offers them (security level 0 allows it), the server refuses.
        for (const char *old : { "-tls1", "-tls1_1" }) {
            const QString out = sClient(
                port, { QLatin1String(old), QStringLiteral("-cipher"), QStringLiteral("DEFAULT:@SECLEVEL=0") });
            QVERIFY2(out.contains(u"CONNECTED"), qPrintable(out));
            QVERIFY2(!out.contains(u"no protocols available"), qPrintable(out));
            QVERIFY2(negotiatedCipher(out).isEmpty(), qPrintable(out));
            QVERIFY2(out.contains(u"alert protocol version"), qPrintable(out));
        }
        // CBC with RSA key exchange (no forward secrecy): refused.
        QString out
            = sClient(port, { QStringLiteral("-tls1_2"), QStringLiteral("-cipher"), QStringLiteral("AES128-SHA") });
        QVERIFY2(out.contains(u"CONNECTED"), qPrintable(out));
        QVERIFY2(negotiatedCipher(out).isEmpty(), qPrintable(out));
        QVERIFY2(out.contains(u"alert handshake failure"), qPrintable(out));
        // Also a CBC suite with ECDHE: not AEAD, refused.
        out = sClient(
            port, { QStringLiteral("-tls1_2"), QStringLiteral("-cipher"), QStringLiteral("ECDHE-ECDSA-AES128-SHA") });
        QVERIFY2(negotiatedCipher(out).isEmpty(), qPrintable(out));
        QVERIFY2(out.contains(u"alert handshake failure"), qPrintable(out));

        // TLS 1.2 with the CA: verified for the address, forward-secret AEAD, ALPN http/1.1.
        out = sClient(port,
            { QStringLiteral("-tls1_2"), QStringLiteral("-CAfile"), ca, QStringLiteral("-verify_ip"),
                QStringLiteral("127.0.0.1"), QStringLiteral("-verify_return_error"), QStringLiteral("-alpn"),
                QStringLiteral("h2,http/1.1") });
        QVERIFY2(out.contains(u"Verify return code: 0 (ok)"), qPrintable(out));
        const QString cipher12 = negotiatedCipher(out);
        QVERIFY2(
            QRegularExpression(QStringLiteral("^ECDHE-.*(GCM|CHACHA20)")).match(cipher12).hasMatch(), qPrintable(out));
        QVERIFY2(out.contains(u"ALPN protocol: http/1.1"), qPrintable(out));

        // TLS 1.3.
        out = sClient(port,
            { QStringLiteral("-tls1_3"), QStringLiteral("-CAfile"), ca, QStringLiteral("-verify_ip"),
                QStringLiteral("127.0.0.1"), QStringLiteral("-verify_return_error") });
        QVERIFY2(out.contains(u"Verify return code: 0 (ok)"), qPrintable(out));
        QVERIFY2(out.contains(u"TLSv1.3"), qPrintable(out));
        QVERIFY2(negotiatedCipher(out).startsWith(u"TLS_"), qPrintable(out));
    }

    // --- 5. hot swap during a stream ---------------------------------------------------------------------------

    void hotSwapDuringStream()
    {
        ga::test::Script script;
        script.chunks = 20;
        script.intervalMs = 250;
        m_fake->setDefaultScript(script);
        QCOMPARE(presentedNow(), m_a->leaf);

        TlsClient stream(m_files.tlsPort, { m_a->ca, m_b->ca });
        QVERIFY2(stream.handshake(), qPrintable(stream.failure()));
        QCOMPARE(stream.peer(), m_a->leaf);
        stream.send(ga::test::post(kStream, kPrompt));
        QVERIFY2(stream.waitForBytes("data:", kWaitMs), stream.buffer().constData());

        QElapsedTimer swap;
        swap.start();
        QVERIFY(replaceByRename(m_certPath, m_b->chainPem));
        QVERIFY(replaceByRename(m_keyPath, m_b->keyPem));
        QString why;
        QVERIFY2(waitForPresented(m_b->leaf, 5000, &why), qPrintable(why));
        qInfo("new connections got the replaced certificate %lld ms after the rename", swap.elapsed());
        stream.buffer() += stream.socket().readAll();
        QVERIFY2(stream.buffer().count("data:") < 20, "the stream ended before the swap was seen");

        // The stream on the old connection goes on to its end, on the old certificate.
        const Reply r = stream.read(15'000);
        QCOMPARE(r.status, 200);
        QVERIFY(r.chunked);
        QVERIFY(r.complete);
        QCOMPARE(r.body.count("data:"), 20);
        QCOMPARE(stream.peer(), m_a->leaf);
        QCOMPARE(stream.socket().state(), QAbstractSocket::ConnectedState);

        QTRY_VERIFY_WITH_TIMEOUT(m_files.service->tlsStatus().lastError.isEmpty(), kWaitMs);
        QCOMPARE(m_files.service->tlsStatus().notAfter, m_b->leaf.expiryDate());
        m_fake->setDefaultScript(ga::test::Script());
    }

    // --- 6. a bad replacement ----------------------------------------------------------------------------------

    void badReplacementKeepsCertificate()
    {
        QCOMPARE(presentedNow(), m_b->leaf);
        QVERIFY2(m_files.service->tlsStatus().lastError.isEmpty(), qPrintable(m_files.service->tlsStatus().lastError));

        // Garbage in the certificate file.
        QVERIFY(ga::test::writeAll(m_certPath, "this is not a certificate\n"));
        QTRY_VERIFY_WITH_TIMEOUT(!m_files.service->tlsStatus().lastError.isEmpty(), kWaitMs);
        QString lastError = m_files.service->tlsStatus().lastError;
        QVERIFY2(lastError.contains(u"no PEM certificate") && lastError.contains(m_certPath), qPrintable(lastError));
        QCOMPARE(presentedNow(), m_b->leaf);
        QVERIFY(m_files.service->tlsStatus().present);
        QCOMPARE(m_files.service->tlsStatus().notAfter, m_b->leaf.expiryDate());

        // A certificate whose key is not the one in the key file.
        QVERIFY(ga::test::writeAll(m_certPath, m_a->chainPem));
        QTRY_VERIFY_WITH_TIMEOUT(m_files.service->tlsStatus().lastError.contains(u"not the certificate's"), kWaitMs);
        QCOMPARE(presentedNow(), m_b->leaf);

        // Fixed: the new pair is in service and the error is gone.
        QVERIFY(replaceByRename(m_keyPath, m_a->keyPem));
        QString why;
        QVERIFY2(waitForPresented(m_a->leaf, 5000, &why), qPrintable(why));
        QTRY_VERIFY_WITH_TIMEOUT(m_files.service->tlsStatus().lastError.isEmpty(), kWaitMs);
        QCOMPARE(m_files.service->tlsStatus().notAfter, m_a->leaf.expiryDate());
    }

    // The realistic order: a bad certificate renamed into place (that ends the watch on the old file), then fixed by
    // writing into the file (cp good.pem server.pem: same inode, content rewritten in place). The fix must be seen.
    void fixInPlaceAfterBadRename()
    {
        QCOMPARE(presentedNow(), m_a->leaf);
        QVERIFY2(m_files.service->tlsStatus().lastError.isEmpty(), qPrintable(m_files.service->tlsStatus().lastError));
        QVERIFY(replaceByRename(m_certPath, "garbage\n"));
        QTRY_VERIFY_WITH_TIMEOUT(!m_files.service->tlsStatus().lastError.isEmpty(), kWaitMs);
        QCOMPARE(presentedNow(), m_a->leaf);
        // B's chain with A's key still in the key file: a reload says the key is not the certificate's.
        QVERIFY(ga::test::writeAll(m_certPath, m_b->chainPem));
        QTRY_VERIFY2_WITH_TIMEOUT(m_files.service->tlsStatus().lastError.contains(u"not the certificate's"),
            qPrintable(QStringLiteral("the fixed file was not read again; lastError: ")
                + m_files.service->tlsStatus().lastError),
            kWaitMs);
        QVERIFY(replaceByRename(m_keyPath, m_b->keyPem));
        QString why;
        QVERIFY2(waitForPresented(m_b->leaf, 5000, &why), qPrintable(why));
        QTRY_VERIFY_WITH_TIMEOUT(m_files.service->tlsStatus().lastError.isEmpty(), kWaitMs);
    }

    // --- 7 and 9. listen.tls.selfSigned and the `tls` commands -------------------------------------------------

    void selfSignedAndCli()
    {
        ga::test::Sandbox sandbox;
        QVERIFY(sandbox.isValid());
        const QString configPath = sandbox.configPath();
        const QString ca = ga::tls::localCaFile(ga::config::tlsDirectory(configPath));

        // Before the daemon made the CA: `tls trust` says there is none yet, naming where it will be.
        QVERIFY(ga::test::writeAll(configPath, R"({"version": 1})"));
        ga::test::CliResult cli = ga::test::runCli(
            sandbox, { QStringLiteral("--config"), configPath, QStringLiteral("tls"), QStringLiteral("trust") });
        QVERIFY(cli.finished);
        QVERIFY2(cli.exitCode != 0, qPrintable(cli.outText()));
        QVERIFY2(cli.errText().contains(ca), qPrintable(cli.errText()));

        RunningService selfSigned;
        const QString error = startService(
            &selfSigned, configPath, QJsonObject { { QStringLiteral("selfSigned"), true } }, m_fake->baseUrl(), 1);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(QFile::exists(ca));
        const QSslCertificate caCert(ga::test::readAll(ca), QSsl::Pem);
        QVERIFY(!caCert.isNull());
        const ga::tls::CertificateStatus s = selfSigned.service->tlsStatus();
        QVERIFY(s.present);
        QCOMPARE(s.source, QStringLiteral("self-signed"));

        for (const QString &name : { QStringLiteral("localhost"), QStringLiteral("127.0.0.1") }) {
            TlsClient c(selfSigned.tlsPort, { caCert }, name);
            QVERIFY2(c.handshake(), qPrintable(name + QStringLiteral(": ") + c.failure()));
            QVERIFY(signedBy(c.peer(), caCert));
            c.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            QCOMPARE(c.read().status, 200);
        }
        // The checks are real: another name, or another CA, fails.
        TlsClient otherName(selfSigned.tlsPort, { caCert }, QStringLiteral("gemini.example"));
        QVERIFY(!otherName.handshake());
        TlsClient otherCa(selfSigned.tlsPort, { m_a->ca }, QStringLiteral("localhost"));
        QVERIFY(!otherCa.handshake());

        // `tls status --json`: what the daemon serves.
        cli = ga::test::runCli(sandbox,
            { QStringLiteral("--config"), configPath, QStringLiteral("tls"), QStringLiteral("status"),
                QStringLiteral("--json") });
        QVERIFY(cli.finished);
        QVERIFY2(cli.exitCode == 0, qPrintable(cli.errText()));
        QJsonParseError parseError {};
        const QJsonObject status = QJsonDocument::fromJson(cli.out, &parseError).object();
        QVERIFY2(parseError.error == QJsonParseError::NoError, cli.out.constData());
        QCOMPARE(status.value(u"present").toBool(), true);
        QCOMPARE(status.value(u"enabled").toBool(), true);
        QCOMPARE(status.value(u"port").toInt(), int(selfSigned.tlsPort));
        QCOMPARE(status.value(u"source").toString(), QStringLiteral("self-signed"));
        const QJsonArray names = status.value(u"names").toArray();
        QVERIFY2(names.contains(QStringLiteral("localhost")) && names.contains(QStringLiteral("127.0.0.1")),
            cli.out.constData());
        QCOMPARE(status.value(u"notAfter").toString(), s.notAfter.toUTC().toString(Qt::ISODate));
        QVERIFY(!status.contains(u"lastError"));

        // `tls trust`: where the CA is.
        cli = ga::test::runCli(
            sandbox, { QStringLiteral("--config"), configPath, QStringLiteral("tls"), QStringLiteral("trust") });
        QVERIFY(cli.finished);
        QVERIFY2(cli.exitCode == 0, qPrintable(cli.errText()));
        QVERIFY2(cli.outText().contains(ca), qPrintable(cli.outText()));
        QVERIFY(!cli.out.contains("PRIVATE KEY"));
    }

    // --- 8. the config rules -----------------------------------------------------------------------------------

    void configValidation()
    {
        const QString cert = m_dir.filePath(QStringLiteral("rules/cert.pem"));
        const QString key = m_dir.filePath(QStringLiteral("rules/key.pem"));
        QVERIFY(writePrivateFile(cert, m_a->chainPem));
        QVERIFY(writePrivateFile(key, m_a->keyPem));

        // A good one: no problem.
        QJsonObject good = listenDocument(QJsonObject { { QStringLiteral("port"), 3145 },
            { QStringLiteral("tls"),
                QJsonObject { { QStringLiteral("port"), 3146 }, { QStringLiteral("certFile"), cert },
                    { QStringLiteral("keyFile"), key } } } });
        QVERIFY2(!ga::config::schema::validate(good).hasErrors(), qPrintable(allProblems(good)));
        good = listenDocument(QJsonObject { { QStringLiteral("tls"),
            QJsonObject { { QStringLiteral("port"), 8443 }, { QStringLiteral("selfSigned"), true } } } });
        QVERIFY2(!ga::config::schema::validate(good).hasErrors(), qPrintable(allProblems(good)));

        // HTTPS on the HTTP port.
        const QJsonObject samePort = listenDocument(QJsonObject { { QStringLiteral("port"), 3145 },
            { QStringLiteral("tls"),
                QJsonObject { { QStringLiteral("port"), 3145 }, { QStringLiteral("selfSigned"), true } } } });
        QVERIFY2(
            problemsAt(samePort, QStringLiteral("listen.tls.port")).size() == 1, qPrintable(allProblems(samePort)));

        // A certificate without its key, and a key without its certificate.
        const QJsonObject certOnly = listenDocument(QJsonObject { { QStringLiteral("tls"),
            QJsonObject { { QStringLiteral("port"), 8443 }, { QStringLiteral("certFile"), cert } } } });
        QVERIFY2(
            problemsAt(certOnly, QStringLiteral("listen.tls.keyFile")).size() == 1, qPrintable(allProblems(certOnly)));
        const QJsonObject keyOnly = listenDocument(QJsonObject { { QStringLiteral("tls"),
            QJsonObject { { QStringLiteral("keyFile"), key }, { QStringLiteral("selfSigned"), true } } } });
        QVERIFY2(
            problemsAt(keyOnly, QStringLiteral("listen.tls.certFile")).size() == 1, qPrintable(allProblems(keyOnly)));

        // A port without any certificate source: the message names both ways to give one.
        const QJsonObject noSource = listenDocument(
            QJsonObject { { QStringLiteral("tls"), QJsonObject { { QStringLiteral("port"), 8443 } } } });
        const QList<ga::config::Problem> p = problemsAt(noSource, QStringLiteral("listen.tls.port"));
        QVERIFY2(p.size() == 1, qPrintable(allProblems(noSource)));
        QVERIFY2(p.front().message.contains(u"listen.tls.certFile") && p.front().message.contains(u"selfSigned"),
            qPrintable(p.front().message));

        // A certificate file that does not exist: a problem at listen.tls.certFile naming the path.
        const QString none = m_dir.filePath(QStringLiteral("rules/none.pem"));
        const QJsonObject missing = listenDocument(QJsonObject { { QStringLiteral("tls"),
            QJsonObject { { QStringLiteral("port"), 8443 }, { QStringLiteral("certFile"), none },
                { QStringLiteral("keyFile"), key } } } });
        // One problem, naming the path; none from the other rules (the file gives both files, and a certificate).
        const QList<ga::config::Problem> atCert = problemsAt(missing, QStringLiteral("listen.tls.certFile"));
        QVERIFY2(atCert.size() == 1 && atCert.front().message.contains(none), qPrintable(allProblems(missing)));
        QVERIFY2(problemsAt(missing, QStringLiteral("listen.tls.port")).isEmpty(), qPrintable(allProblems(missing)));
    }
};

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"
