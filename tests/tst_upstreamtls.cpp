// SPDX-License-Identifier: GPL-3.0-or-later
// The upstream's TLS done by the proxy itself (tls/clientsession.h, the pool's leases) against a real TLS server
// (Qt's QSslServer, OpenSSL underneath), through a whole proxy: certificates refused for the reasons a browser
// refuses them, with the reason in the answer; answers and request bodies of many records arriving whole; a slow
// client pushing back across TLS to the upstream; the session's end (close_notify) ending a body; a cut answer, a
// server that speaks no TLS and an idle connection the server ended.
#include "keys/keypool.h"
#include "proxy/proxyserver.h"
#include "proxy/proxysettings.h"
#include "proxy/proxyworker.h"
#include "proxy/upstreamcall.h"
#include "proxy/upstreampool.h"
#include "rawhttp.h"
#include "time/clock.h"
#include "tlsupstream.h"
#include "tunnelproxies.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QSet>
#include <QSslSocket>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <optional>

using ga::test::certificate;

namespace {

// A self-signed certificate for 127.0.0.1 that expired yesterday, and its key (the openssl command cannot backdate
// one): dir/name.pem and dir/name.key.
bool makeExpiredCertificate(const QString &dir, const QString &name)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    bool ok = key != nullptr && x != nullptr;
    if (ok) {
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
        X509_gmtime_adj(X509_getm_notBefore(x), -2 * 86400);
        X509_gmtime_adj(X509_getm_notAfter(x), -86400);
        X509_NAME *subject = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(
            subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>("127.0.0.1"), -1, -1, 0);
        X509_set_issuer_name(x, subject);
        X509_set_pubkey(x, key);
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
        X509_EXTENSION *san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
        ok = san != nullptr && X509_add_ext(x, san, -1) == 1 && X509_sign(x, key, EVP_sha256()) > 0;
        X509_EXTENSION_free(san);
    }
    if (ok) {
        BIO *cert = BIO_new_file(QFile::encodeName(dir + "/" + name + ".pem").constData(), "w");
        BIO *pkey = BIO_new_file(QFile::encodeName(dir + "/" + name + ".key").constData(), "w");
        ok = cert != nullptr && pkey != nullptr && PEM_write_bio_X509(cert, x) == 1
            && PEM_write_bio_PrivateKey(pkey, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
        BIO_free(cert);
        BIO_free(pkey);
    }
    X509_free(x);
    EVP_PKEY_free(key);
    return ok;
}

using Proxy = ga::test::OneKeyProxy;
using ga::test::kGenerate;
using ga::test::postGenerate;

QByteArray randomText(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (char &c : bytes) {
        c = char('a' + QRandomGenerator::global()->bounded(26));
    }
    return bytes;
}

} // namespace

class TstUpstreamTls : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString pem(const char *name) const { return m_dir.path() + "/" + name + ".pem"; }
    QString urlOf(const ga::test::HttpsUpstream &u, const char *host = "127.0.0.1") const
    {
        return QStringLiteral("https://%1:%2").arg(QLatin1String(host)).arg(u.port());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!ga::test::openssl().isEmpty(), "the openssl command is needed (installer/bootstrap.sh deps)");
        QVERIFY(m_dir.isValid());
        QVERIFY(ga::test::makeCertificate(m_dir.path(), "a"));
        QVERIFY(ga::test::makeCertificate(m_dir.path(), "b"));
        QVERIFY(makeExpiredCertificate(m_dir.path(), "old"));
    }

    // Where no proxy is in the way and the platform lets the proxy read its sockets, a TLS lease is a plain socket
    // carrying the lease's own TLS (the code under test here), not a QSslSocket.
    void theLeaseCarriesItsOwnTls()
    {
        if (!ga::proxy::directReadsAvailable()) {
            QSKIP("QSslSocket is used on this platform");
        }
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        ga::proxy::UpstreamPool pool;
        const ga::upstream::UpstreamSettings s = ga::test::settingsFor(upstream.port(), certificate(m_dir.path(), "a"));
        struct : ga::proxy::UpstreamPool::User
        {
            bool connected = false;
            void socketConnected() override { connected = true; }
            void socketReadyRead() override { }
            bool socketReadable() override { return false; }
            void socketClosed() override { }
        } user;
        bool reused = true;
        ga::proxy::UpstreamPool::Lease *lease = pool.acquire(s, &user, &reused);
        QVERIFY(!reused);
        QVERIFY(qobject_cast<QSslSocket *>(lease->socket()) == nullptr);
        QVERIFY(QTest::qWaitFor([&] { return user.connected; }, 15000));
        QVERIFY(!lease->failed());
        ga::proxy::UpstreamPool::discard(lease);
    }

    // Through `upstream.proxy` (HTTP CONNECT, SOCKS5 with or without a login) the lease opens the tunnel itself on a
    // plain socket and carries its own TLS through it, as without a proxy: no QSslSocket, and a request's connection
    // is used again for the next.
    void throughAProxy_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("HTTP CONNECT") << QStringLiteral("http");
        QTest::newRow("HTTP CONNECT, answered a byte at a time") << QStringLiteral("http-slow");
        QTest::newRow("SOCKS5") << QStringLiteral("socks5");
        QTest::newRow("SOCKS5 with a login") << QStringLiteral("socks5-login");
    }

    void throughAProxy()
    {
        QFETCH(QString, kind);
        if (!ga::proxy::directReadsAvailable()) {
            QSKIP("QSslSocket is used on this platform");
        }
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        ga::test::ConnectProxy http;
        ga::test::Socks5Proxy socks;
        http.answerByteByByte = kind == u"http-slow";
        QNetworkProxy middle;
        QString setting;
        if (kind.startsWith(u"http")) {
            QVERIFY(http.listen(QHostAddress::LocalHost));
            middle = QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), http.serverPort());
            setting = QStringLiteral("http://127.0.0.1:%1").arg(http.serverPort());
        } else {
            QVERIFY(socks.listen(QHostAddress::LocalHost));
            QString login;
            if (kind == u"socks5-login") {
                socks.user = "alice";
                socks.password = "pa:ss@word";
                login = QStringLiteral("alice@");
            }
            middle = QNetworkProxy(QNetworkProxy::Socks5Proxy, QStringLiteral("127.0.0.1"), socks.serverPort(),
                QString::fromLatin1(socks.user), QString::fromLatin1(socks.password));
            setting = QStringLiteral("socks5://") + login + QStringLiteral("127.0.0.1:%1").arg(socks.serverPort());
        }
        auto tunnels = [&] { return http.tunnels + socks.tunnels; };

        // The pool's lease: a plain socket, connected once its TLS is up.
        ga::proxy::UpstreamPool pool;
        ga::upstream::UpstreamSettings s = ga::test::settingsFor(upstream.port(), certificate(m_dir.path(), "a"));
        s.proxy = middle;
        const ga::test::LeaseOutcome o = ga::test::leaseOnce(pool, s);
        QVERIFY(o.ownTls);
        QVERIFY2(o.connected, qPrintable(o.error));
        QCOMPARE(tunnels(), 1);
        QVERIFY(QTest::qWaitFor([&] { return upstream.connections() == 1; }, 5000)); // the server's side of it

        // A whole proxy: two requests, one tunnel.
        Proxy proxy;
        QString error;
        QVERIFY2(proxy.start(urlOf(upstream), pem("a"), &error, setting, QString::fromLatin1(socks.password)),
            qPrintable(error));
        for (int i = 0; i < 2; ++i) {
            const ga::test::Reply r = postGenerate(proxy.port());
            QVERIFY2(r.status == 200, r.body.constData());
        }
        QCOMPARE(tunnels(), 2);
        QCOMPARE(upstream.connections(), 2); // the second request went on the first's connection
        if (kind.startsWith(u"socks5")) {
            QCOMPARE(socks.lastAddressType, quint8(1)); // the upstream's address, as an address
            QCOMPARE(socks.lastPort, upstream.port());
            QCOMPARE(socks.methodsOffered, kind == u"socks5-login" ? QByteArray("\x00\x02", 2) : QByteArray(1, 0));
        } else {
            QCOMPARE(http.lastConnectLine, "CONNECT 127.0.0.1:" + QByteArray::number(upstream.port()) + " HTTP/1.1");
        }
    }

    // An HTTP proxy with a login. Its first CONNECT goes without one (as Qt's engine sends it); the 407 says how the
    // proxy takes it. Basic alone: the request goes again on a new connection whose CONNECT carries it, as every
    // later one does, and the TLS is the lease's own. Anything else (here Digest beside Basic): the request goes again
    // through Qt's engine and QSslSocket, which answer it. Basic refused: a 502 that says so, no password in it.
    void throughAProxyWithALogin_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("Basic") << QStringLiteral("basic");
        QTest::newRow("Basic, the 407's connection closed") << QStringLiteral("basic-close");
        QTest::newRow("Digest or Basic") << QStringLiteral("digest");
        QTest::newRow("Basic, the password wrong") << QStringLiteral("basic-wrong");
    }

    void throughAProxyWithALogin()
    {
        QFETCH(QString, kind);
        if (!ga::proxy::directReadsAvailable()) {
            QSKIP("QSslSocket is used on this platform");
        }
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        ga::test::ConnectProxy http;
        QVERIFY(http.listen(QHostAddress::LocalHost));
        const QByteArray basic = "Basic " + QByteArray("alice:s3cr\xc3\xa9t:x").toBase64();
        if (kind == u"digest") {
            http.challenge = "Proxy-Authenticate: Digest realm=\"corp\", nonce=\"8f2a\", qop=\"auth\"\r\n"
                             "Proxy-Authenticate: Basic realm=\"corp\"\r\n";
            http.acceptsLogin = [](const QByteArray &login) {
                return login.startsWith("Digest ") && login.contains("username=\"alice\"");
            };
        } else {
            http.challenge = "Proxy-Authenticate: Basic realm=\"corp\"\r\n";
            http.acceptsLogin = [&](const QByteArray &login) { return kind != u"basic-wrong" && login == basic; };
        }
        http.closeAfter407 = kind == u"basic-close";
        const QNetworkProxy middle(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), http.serverPort(),
            QStringLiteral("alice"), QString::fromUtf8("s3cr\xc3\xa9t:x"));
        const QString setting = QStringLiteral("http://alice@127.0.0.1:%1").arg(http.serverPort());

        if (kind != u"basic-wrong") {
            // The pool: the first lease ends on the 407 and asks for the request to go again; the next one logs in.
            ga::proxy::UpstreamPool pool;
            ga::upstream::UpstreamSettings s = ga::test::settingsFor(upstream.port(), certificate(m_dir.path(), "a"));
            s.proxy = middle;
            for (int i = 0; i < 3; ++i) {
                const ga::test::LeaseOutcome o = ga::test::leaseOnce(pool, s);
                QCOMPARE(o.ownTls, i == 0 || kind != u"digest");
                if (i == 0) {
                    QVERIFY(!o.connected);
                    QVERIFY(o.againOnNewConnection);
                    QVERIFY2(o.error.contains(
                                 kind == u"digest" ? "asks for a login (Digest, Basic)" : "asks for a login (Basic)"),
                        qPrintable(o.error));
                } else {
                    QVERIFY2(o.connected, qPrintable(o.error));
                    QVERIFY(!o.againOnNewConnection);
                }
            }
            QCOMPARE(http.tunnels, 2);
            QCOMPARE(http.logins.size(), kind == u"digest" ? 5 : 3); // Qt's engine meets the 407 each time
            QCOMPARE(http.logins.at(0), QByteArray());
            if (kind == u"digest") {
                QVERIFY(http.logins.at(2).startsWith("Digest "));
                QVERIFY(http.logins.at(4).startsWith("Digest "));
            } else {
                QCOMPARE(http.logins.at(1), basic); // on the next connection's first CONNECT: no 407 again
                QCOMPARE(http.logins.at(2), basic);
            }
            http.logins.clear();
        }

        // A whole proxy: the first request goes again unseen by the client; the second reuses the connection.
        Proxy proxy;
        QString error;
        QVERIFY2(proxy.start(urlOf(upstream), pem("a"), &error, setting, middle.password()), qPrintable(error));
        const int tunnelsBefore = http.tunnels;
        for (int i = 0; i < 2; ++i) {
            const ga::test::Reply r = postGenerate(proxy.port());
            if (kind == u"basic-wrong") {
                QCOMPARE(r.status, 502);
                QVERIFY2(r.body.contains("the proxy 127.0.0.1:" + QByteArray::number(http.serverPort())
                             + " refused the user name and password (HTTP 407)"),
                    r.body.constData());
                QVERIFY2(!r.body.contains("s3cr") && !r.body.contains("alice"), r.body.constData());
                continue;
            }
            QVERIFY2(r.status == 200, r.body.constData());
        }
        if (kind == u"basic-wrong") {
            QCOMPARE(upstream.connections(), 0);
            QCOMPARE(http.tunnels, 0);
            // Each request: a CONNECT without the login, then one with it, refused; never a third.
            QCOMPARE(http.logins, QList<QByteArray>({ {}, basic, basic }));
            return;
        }
        QCOMPARE(http.tunnels - tunnelsBefore, 1);
        QCOMPARE(http.logins.first(), QByteArray());
    }

    // A proxy that refuses the tunnel, or answers what a proxy does not: the client gets a 502 that says why and
    // names the proxy (never its password), and the upstream sees nothing.
    void aProxyThatRefuses_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QByteArray>("says");
        QTest::newRow("CONNECT refused (403)") << QStringLiteral("http-403") << QByteArray("403 Forbidden");
        QTest::newRow("CONNECT wants a login (407)")
            << QStringLiteral("http-407") << QByteArray("asks for a user name and password (HTTP 407)");
        QTest::newRow("bytes before the upstream's TLS")
            << QStringLiteral("http-early") << QByteArray("sent more than its answer");
        QTest::newRow("nothing listens at the proxy's address")
            << QStringLiteral("http-down") << QByteArray("could not be reached: Connection refused");
        QTest::newRow("SOCKS5 connection refused (05)")
            << QStringLiteral("socks5-refused") << QByteArray("could not open the tunnel");
        QTest::newRow("SOCKS5 login refused")
            << QStringLiteral("socks5-wrong-login") << QByteArray("refused the user name and password");
        QTest::newRow("SOCKS5 wants a login")
            << QStringLiteral("socks5-no-login") << QByteArray("asks for a user name and password");
    }

    void aProxyThatRefuses()
    {
        QFETCH(QString, kind);
        QFETCH(QByteArray, says);
        if (!ga::proxy::directReadsAvailable()) {
            QSKIP("QSslSocket is used on this platform");
        }
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        int requests = 0;
        upstream.setHandler([&](QSslSocket *socket, const QByteArray &, const QByteArray &) {
            ++requests;
            socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
        });
        ga::test::ConnectProxy http;
        ga::test::Socks5Proxy socks;
        QString setting;
        quint16 proxyPort = 0;
        if (kind.startsWith(u"http")) {
            QVERIFY(http.listen(QHostAddress::LocalHost));
            proxyPort = http.serverPort();
            setting = QStringLiteral("http://127.0.0.1:%1").arg(proxyPort);
            if (kind == u"http-down") {
                http.close(); // its port refuses connections now
            }
            http.answer = kind == u"http-403" ? "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"
                : kind == u"http-407"         ? "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n"
                                              : http.answer;
            if (kind == u"http-early") {
                http.afterAnswer = "SSH-2.0-x\r\n";
            }
        } else {
            QVERIFY(socks.listen(QHostAddress::LocalHost));
            QString login;
            if (kind == u"socks5-refused") {
                socks.reply = 5;
            } else {
                socks.user = "alice";
                socks.password = "right";
                login = kind == u"socks5-wrong-login" ? QStringLiteral("alice@") : QString();
            }
            proxyPort = socks.serverPort();
            setting = QStringLiteral("socks5://") + login + QStringLiteral("127.0.0.1:%1").arg(proxyPort);
        }
        Proxy proxy;
        QString error;
        QVERIFY2(
            proxy.start(urlOf(upstream), pem("a"), &error, setting, QStringLiteral("wrong-pass")), qPrintable(error));
        const ga::test::Reply r = postGenerate(proxy.port());
        QCOMPARE(r.status, 502);
        QVERIFY2(r.body.contains(says), r.body.constData());
        QVERIFY2(r.body.contains("proxy 127.0.0.1:" + QByteArray::number(proxyPort)), r.body.constData());
        QVERIFY2(!r.body.contains("wrong-pass"), r.body.constData());
        QCOMPARE(requests, 0);
    }

    // A proxy that takes the CONNECT and never answers: the connect timeout covers the tunnel as it covers the TLS
    // handshake after it (a 504 that says so), and the connection is closed.
    void aProxyThatNeverAnswers()
    {
        if (!ga::proxy::directReadsAvailable()) {
            QSKIP("QSslSocket is used on this platform");
        }
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        ga::test::ConnectProxy http;
        http.silent = true;
        QVERIFY(http.listen(QHostAddress::LocalHost));
        Proxy proxy;
        proxy.connectTimeoutMs = 500;
        QString error;
        QVERIFY2(proxy.start(
                     urlOf(upstream), pem("a"), &error, QStringLiteral("http://127.0.0.1:%1").arg(http.serverPort())),
            qPrintable(error));
        QElapsedTimer timer;
        timer.start();
        const ga::test::Reply r = postGenerate(proxy.port());
        QCOMPARE(r.status, 504);
        QVERIFY2(r.body.contains("Timed out after 500 ms connecting to the upstream"), r.body.constData());
        QVERIFY2(timer.elapsed() < 5000, QByteArray::number(timer.elapsed()).constData());
        QVERIFY(http.lastHead.startsWith("CONNECT 127.0.0.1:"));
        QCOMPARE(upstream.connections(), 0);
    }

    void refusedCertificates_data()
    {
        QTest::addColumn<QByteArray>("certificate");
        QTest::addColumn<QByteArray>("trusted");
        QTest::addColumn<QByteArray>("host");
        QTest::addColumn<QByteArray>("reason"); // OpenSSL's, in the answer
        QTest::newRow("not trusted") << QByteArray("a") << QByteArray("b") << QByteArray("127.0.0.1")
                                     << QByteArray("self-signed certificate");
        QTest::newRow("for another name")
            << QByteArray("a") << QByteArray("a") << QByteArray("localhost") << QByteArray("hostname mismatch");
        QTest::newRow("expired") << QByteArray("old") << QByteArray("old") << QByteArray("127.0.0.1")
                                 << QByteArray("certificate has expired");
    }

    // Refused before the key is sent: the upstream never sees a request, and the client is told why.
    void refusedCertificates()
    {
        QFETCH(QByteArray, certificate);
        QFETCH(QByteArray, trusted);
        QFETCH(QByteArray, host);
        QFETCH(QByteArray, reason);
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), QString::fromLatin1(certificate)));
        int requests = 0;
        upstream.setHandler([&](QSslSocket *s, const QByteArray &, const QByteArray &) {
            ++requests;
            s->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
        });
        Proxy proxy;
        QString error;
        QVERIFY2(proxy.start(urlOf(upstream, host.constData()), pem(trusted.constData()), &error), qPrintable(error));
        const ga::test::Reply r = postGenerate(proxy.port());
        QCOMPARE(r.status, 502);
        QVERIFY2(r.body.toLower().contains("tls verification failed"), r.body.constData());
        QVERIFY2(r.body.toLower().contains(reason), r.body.constData());
        QCOMPARE(requests, 0);
    }

    // The system's CAs: OpenSSL's default directory of certificates by subject hash (SSL_CERT_DIR here), read when a
    // chain needs one, or, where there is no such directory, a bundle file (SSL_CERT_FILE). Nothing in
    // upstream.caBundle.
    void systemCas_data()
    {
        QTest::addColumn<QByteArray>("variable");
        QTest::newRow("hashed directory") << QByteArray("SSL_CERT_DIR");
        QTest::newRow("bundle file") << QByteArray("SSL_CERT_FILE");
    }
    void systemCas()
    {
        QFETCH(QByteArray, variable);
        QTemporaryDir store;
        QVERIFY(store.isValid());
        QProcess hash;
        hash.start(ga::test::openssl(), { "x509", "-hash", "-noout", "-in", pem("a") });
        QVERIFY(hash.waitForFinished(30000) && hash.exitCode() == 0);
        const QString name = variable == "SSL_CERT_DIR"
            ? store.filePath(QString::fromLatin1(hash.readAllStandardOutput().trimmed()) + ".0")
            : store.filePath(QStringLiteral("bundle.pem"));
        QVERIFY(QFile::copy(pem("a"), name));
        QTemporaryDir empty;
        const QByteArray dirBefore = qgetenv("SSL_CERT_DIR");
        const QByteArray fileBefore = qgetenv("SSL_CERT_FILE");
        const auto restore = qScopeGuard([&] {
            for (const auto &[var, before] :
                { std::pair("SSL_CERT_DIR", dirBefore), std::pair("SSL_CERT_FILE", fileBefore) }) {
                if (before.isNull()) {
                    qunsetenv(var);
                } else {
                    qputenv(var, before);
                }
            }
        });
        if (variable == "SSL_CERT_DIR") {
            qputenv("SSL_CERT_DIR", QFile::encodeName(store.path()));
        } else {
            qputenv("SSL_CERT_DIR", QFile::encodeName(empty.path())); // no hashed directory: the file is read
            qputenv("SSL_CERT_FILE", QFile::encodeName(name));
        }
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        {
            Proxy proxy;
            QString error;
            QVERIFY2(proxy.start(urlOf(upstream), QString(), &error), qPrintable(error));
            QCOMPARE(postGenerate(proxy.port()).status, 200);
        }
        QFile::remove(name); // and without it there: refused
        Proxy proxy;
        QString error;
        QVERIFY2(proxy.start(urlOf(upstream), QString(), &error), qPrintable(error));
        QCOMPARE(postGenerate(proxy.port()).status, 502);
    }

    // A call the proxy makes itself (the admin API's file actions) runs on the caller's thread, whose event loop is
    // not a worker's: its TLS connection is read there too.
    void aCallOnTheCallersThread()
    {
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        const QByteArray answer = R"({"models":[{"name":"models/gemini-2.5-flash"}]})";
        QByteArray asked;
        upstream.setHandler([&](QSslSocket *s, const QByteArray &head, const QByteArray &) {
            asked = head.left(head.indexOf("\r\n"));
            s->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + QByteArray::number(answer.size()) + "\r\n\r\n" + answer);
        });
        Proxy proxy;
        QString error;
        QVERIFY2(proxy.start(urlOf(upstream), pem("a"), &error), qPrintable(error));
        ga::proxy::ForwardRequest f;
        f.method = "GET";
        f.target = "/v1beta/models";
        std::optional<ga::proxy::UpstreamCall::Result> result;
        ga::proxy::UpstreamCall::run(
            proxy.server(), std::move(f), [&](ga::proxy::UpstreamCall::Result r) { result = std::move(r); });
        QVERIFY(QTest::qWaitFor([&] { return result.has_value(); }, 30000));
        QCOMPARE(result->status, 200);
        QCOMPARE(result->body, answer);
        QCOMPARE(asked, QByteArray("GET /v1beta/models HTTP/1.1"));
    }

    // A server that answers the ClientHello with plain HTTP: a TLS failure, said as such, never a 200.
    void aServerWithoutTls()
    {
        QTcpServer plain;
        QVERIFY(plain.listen(QHostAddress::LocalHost));
        connect(&plain, &QTcpServer::newConnection, &plain, [&plain] {
            while (QTcpSocket *s = plain.nextPendingConnection()) {
                connect(s, &QIODevice::readyRead, s, [s] {
                    s->readAll();
                    s->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
                });
            }
        });
        Proxy proxy;
        QString error;
        QVERIFY2(proxy.start(QStringLiteral("https://127.0.0.1:%1").arg(plain.serverPort()), pem("a"), &error),
            qPrintable(error));
        const ga::test::Reply r = postGenerate(proxy.port());
        QCOMPARE(r.status, 502);
        QVERIFY2(r.body.contains("Could not reach the upstream"), r.body.constData());
    }

    // An answer of many TLS records, and a request body of many (a large body is written apart from its head).
    void manyRecordsBothWays()
    {
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        QByteArray received;
        const QByteArray answer = "{\"text\":\"" + randomText(3 * 1024 * 1024) + "\"}";
        upstream.setHandler([&](QSslSocket *s, const QByteArray &, const QByteArray &body) {
            received = body;
            s->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + QByteArray::number(answer.size()) + "\r\n\r\n" + answer);
        });
        Proxy proxy;
        QString error;
        QVERIFY2(proxy.start(urlOf(upstream), pem("a"), &error), qPrintable(error));
        for (const qsizetype size : { qsizetype(100), qsizetype(300 * 1024) }) {
            const QByteArray body = "{\"contents\":[{\"parts\":[{\"text\":\"" + randomText(size) + "\"}]}]}";
            const ga::test::Reply r = postGenerate(proxy.port(), body, 30000);
            QCOMPARE(r.status, 200);
            QVERIFY(r.complete);
            QCOMPARE(r.body.size(), answer.size());
            QVERIFY(r.body == answer);
            QCOMPARE(received.size(), body.size());
            QVERIFY(received == body);
        }
        QCOMPARE(upstream.connections(), 1); // kept open between them
    }

    // A client that stops reading a stream: the proxy stops reading the upstream, whose writes then back up (TCP
    // under TLS), and once the client reads again every byte arrives in order. The stream is larger than every
    // buffer on the way can hold (the kernel's grow to a few MiB each on loopback).
    void aSlowClientPushesBackAcrossTls()
    {
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        QByteArray expected;
        for (int i = 0; i < 12000; ++i) {
            expected += "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"" + QByteArray::number(i)
                + randomText(2000) + "\"}]}}]}\r\n\r\n";
        }
        QSslSocket *serving = nullptr;
        upstream.setHandler([&](QSslSocket *s, const QByteArray &, const QByteArray &) {
            serving = s;
            s->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (qsizetype at = 0; at < expected.size(); at += 8192) {
                const QByteArray piece = expected.mid(at, 8192);
                s->write(QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n");
            }
            s->write("0\r\n\r\n");
        });
        Proxy proxy;
        QString error;
        QVERIFY2(proxy.start(urlOf(upstream), pem("a"), &error), qPrintable(error));
        ga::test::Client client(proxy.port());
        client.socket().setReadBufferSize(16 * 1024); // Qt stops reading when it holds this much
        client.send(ga::test::post("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "{}"));
        QVERIFY(QTest::qWaitFor([&] { return serving != nullptr; }, 30000));
        // The client reads nothing: the upstream sends until every buffer on the way is full, then its queue stays
        // (half a second without a change).
        const auto queuedNow = [&] { return serving->encryptedBytesToWrite() + serving->bytesToWrite(); };
        qint64 queued = queuedNow();
        QElapsedTimer unchanged;
        unchanged.start();
        QVERIFY(QTest::qWaitFor(
            [&] {
                if (const qint64 now = queuedNow(); now != queued) {
                    queued = now;
                    unchanged.restart();
                }
                return unchanged.elapsed() >= 500;
            },
            30000));
        QVERIFY2(queued > 2 * 1024 * 1024,
            qPrintable(QStringLiteral("the upstream did not back up: %1 bytes still to send").arg(queued)));
        // Read whole, then parsed once (parsing after every read of 24 MiB took seconds).
        QByteArray raw;
        QElapsedTimer t;
        t.start();
        while (!raw.endsWith("\r\n0\r\n\r\n") && t.elapsed() < 60000) {
            client.waitForData(1000);
            raw += client.socket().readAll();
        }
        ga::test::Reply r;
        QVERIFY(ga::test::parseReply(raw, &r) == raw.size());
        QCOMPARE(r.status, 200);
        QVERIFY(r.complete);
        QCOMPARE(r.body.size(), expected.size());
        QVERIFY(r.body == expected);
    }

    // An answer whose end is the connection's: over TLS the server's close_notify ends it.
    void closeNotifyEndsACloseDelimitedAnswer()
    {
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        const QByteArray answer = "{\"text\":\"" + randomText(50000) + "\"}";
        upstream.setHandler([&](QSslSocket *s, const QByteArray &, const QByteArray &) {
            s->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + answer);
            s->disconnectFromHost(); // close_notify, then the TCP close
        });
        Proxy proxy;
        QString error;
        QVERIFY2(proxy.start(urlOf(upstream), pem("a"), &error), qPrintable(error));
        const ga::test::Reply r = postGenerate(proxy.port());
        QCOMPARE(r.status, 200);
        QVERIFY(r.complete);
        QVERIFY(r.body == answer);
    }

    // An answer cut short (the server's TCP reset in the middle of the body) does not arrive as a complete one.
    void aCutAnswerIsNotComplete()
    {
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        upstream.setHandler([&](QSslSocket *s, const QByteArray &, const QByteArray &) {
            s->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"text\":\""
                + randomText(40000));
            s->flush();
            QTimer::singleShot(200, s, [s] { s->abort(); });
        });
        Proxy proxy;
        QString error;
        QVERIFY2(proxy.start(urlOf(upstream), pem("a"), &error), qPrintable(error));
        const ga::test::Reply r = postGenerate(proxy.port());
        QVERIFY(!(r.status == 200 && r.complete));
    }

    // An idle pooled connection the server ends (close_notify and close) is dropped, not used for the next request.
    // At most kMaxHandshakes handshakes are under way at once. Through a gate that holds what the clients send: that
    // many ClientHellos come; the other connections wait, connected and silent, each one that goes making room for
    // the next; once the gate opens (to a real TLS server), every connection that is left is made.
    void handshakesAtOnceAreBounded()
    {
        if (!ga::proxy::directReadsAvailable()) {
            QSKIP("QSslSocket is used on this platform");
        }
        using Pool = ga::proxy::UpstreamPool;
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        QTcpServer gate;
        QVERIFY(gate.listen(QHostAddress::LocalHost));
        QSet<quint16> helloFrom; // the clients' ports that sent their ClientHello
        std::vector<QTcpSocket *> held; // accepted, not yet passed on
        bool open = false;
        auto pass = [&](QTcpSocket *in) { // joins `in` to a new connection to the upstream, both ways
            auto *out = new QTcpSocket(in);
            connect(out, &QTcpSocket::connected, in, [in, out] {
                out->write(in->readAll());
                connect(in, &QTcpSocket::readyRead, out, [in, out] { out->write(in->readAll()); });
            });
            connect(out, &QTcpSocket::readyRead, in, [in, out] { in->write(out->readAll()); });
            connect(out, &QTcpSocket::disconnected, in, &QTcpSocket::disconnectFromHost);
            out->connectToHost(QHostAddress::LocalHost, upstream.port());
        };
        connect(&gate, &QTcpServer::newConnection, &gate, [&] {
            while (QTcpSocket *in = gate.nextPendingConnection()) {
                connect(in, &QTcpSocket::readyRead, in, [&helloFrom, &open, in] {
                    if (!open && in->bytesAvailable() > 0 && in->peek(1).startsWith('\x16')) { // a handshake record
                        helloFrom.insert(in->peerPort());
                    }
                });
                if (open) {
                    pass(in);
                } else {
                    held.push_back(in);
                }
            }
        });
        Pool pool;
        const ga::upstream::UpstreamSettings s
            = ga::test::settingsFor(gate.serverPort(), certificate(m_dir.path(), "a"));
        struct User : Pool::User
        {
            bool connected = false;
            void socketConnected() override { connected = true; }
            void socketReadyRead() override { }
            bool socketReadable() override { return false; }
            void socketClosed() override { }
        };
        constexpr int kExtra = 12;
        const int n = Pool::kMaxHandshakes + kExtra;
        std::vector<std::unique_ptr<User>> users;
        std::vector<Pool::Lease *> leases;
        for (int i = 0; i < n; ++i) {
            users.push_back(std::make_unique<User>());
            bool reused = true;
            leases.push_back(pool.acquire(s, users.back().get(), &reused));
        }
        auto discardAll = qScopeGuard([&] {
            for (Pool::Lease *l : leases) {
                if (l) {
                    Pool::discard(l);
                }
            }
        });
        QVERIFY(QTest::qWaitFor(
            [&] {
                return int(held.size()) == n && helloFrom.size() == Pool::kMaxHandshakes
                    && pool.handshakesWaiting() == kExtra;
            },
            20000));
        QCOMPARE(pool.handshakesUnderWay(), Pool::kMaxHandshakes);
        auto sentHello = [&](Pool::Lease *l) { return helloFrom.contains(l->socket()->localPort()); };

        // One that waits goes: nothing else changes.
        auto waiting = std::find_if(leases.begin(), leases.end(), [&](Pool::Lease *l) { return !sentHello(l); });
        QVERIFY(waiting != leases.end());
        Pool::discard(std::exchange(*waiting, nullptr));
        QCOMPARE(pool.handshakesWaiting(), kExtra - 1);
        QCOMPARE(pool.handshakesUnderWay(), Pool::kMaxHandshakes);

        // Three shaking hands go: three that waited send their ClientHello.
        int gone = 0;
        for (Pool::Lease *&l : leases) {
            if (l && sentHello(l) && gone < 3) {
                Pool::discard(std::exchange(l, nullptr));
                ++gone;
            }
        }
        QCOMPARE(pool.handshakesUnderWay(), Pool::kMaxHandshakes - 3);
        QVERIFY(QTest::qWaitFor([&] { return helloFrom.size() == Pool::kMaxHandshakes + 3; }, 10000));
        QCOMPARE(pool.handshakesUnderWay(), Pool::kMaxHandshakes);
        QCOMPARE(pool.handshakesWaiting(), kExtra - 4);
        for (const std::unique_ptr<User> &u : users) {
            QVERIFY(!u->connected);
        }

        // The gate opens: every connection left is made, the last ones once earlier handshakes ended.
        open = true;
        for (QTcpSocket *in : held) {
            pass(in);
        }
        const int left = n - 4;
        QVERIFY(QTest::qWaitFor(
            [&] {
                return std::count_if(users.begin(), users.end(), [](const auto &u) { return u->connected; }) == left;
            },
            30000));
        QVERIFY(QTest::qWaitFor([&] { return upstream.connections() == left; }, 10000)); // the server's side ends last
        QCOMPARE(pool.handshakesUnderWay(), 0);
        QCOMPARE(pool.handshakesWaiting(), 0);
        for (Pool::Lease *l : leases) {
            QVERIFY(!l || !l->failed());
        }
    }

    // A burst of streams that stay open: once no new upstream connection has opened for a second, the memory their
    // handshakes freed goes back to the OS (ProxyWorker::burstSettled) while they go on.
    void aBurstOfStreamsHandsFreedMemoryBack()
    {
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        int held = 0;
        upstream.setHandler([&](QSslSocket *, const QByteArray &, const QByteArray &) { ++held; }); // never answers
        Proxy proxy;
        QString error;
        QVERIFY2(proxy.start(urlOf(upstream), pem("a"), &error), qPrintable(error));
        const quint64 trims = ga::proxy::heapTrims();
        constexpr int kStreams = 70; // past the 64 opened connections that make a burst
        std::vector<std::unique_ptr<ga::test::Client>> clients;
        for (int i = 0; i < kStreams; ++i) {
            clients.push_back(std::make_unique<ga::test::Client>(proxy.port()));
            clients.back()->send(ga::test::post(kGenerate, R"({"contents":[]})"));
        }
        QVERIFY(QTest::qWaitFor([&] { return held == kStreams; }, 20000));
        QVERIFY(QTest::qWaitFor([&] { return ga::proxy::heapTrims() > trims; }, 10000));
        QCOMPARE(held, kStreams);
        for (const std::unique_ptr<ga::test::Client> &c : clients) {
            QCOMPARE(c->socket().state(), QAbstractSocket::ConnectedState); // still waiting for their answers
        }
    }

    void anIdleConnectionTheServerEndedIsNotUsed()
    {
        ga::test::HttpsUpstream upstream;
        QVERIFY(upstream.start(m_dir.path(), "a"));
        upstream.setHandler([&](QSslSocket *s, const QByteArray &, const QByteArray &) {
            s->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
            QTimer::singleShot(100, s, [s] { s->disconnectFromHost(); });
        });
        Proxy proxy;
        QString error;
        QVERIFY2(proxy.start(urlOf(upstream), pem("a"), &error), qPrintable(error));
        QCOMPARE(postGenerate(proxy.port()).status, 200);
        QTest::qWait(400);
        QCOMPARE(postGenerate(proxy.port()).status, 200);
        QCOMPARE(upstream.connections(), 2);
    }
};

QTEST_GUILESS_MAIN(TstUpstreamTls)
#include "tst_upstreamtls.moc"
