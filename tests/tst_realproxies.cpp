// SPDX-License-Identifier: GPL-3.0-or-later
// `upstream.proxy` against real proxies from Debian's packages, started by the test in front of a real TLS upstream:
// squid (HTTP CONNECT asking for no login, Basic, Digest, Digest or Basic; its own auth helpers) and microsocks
// (SOCKS5 with and without RFC 1929's login). What tst_upstreamtls checks against small proxies of its own, here
// against the answers real proxies give: a 407's real fields and 3 kB body, keep-alive after a 407, a real Digest
// exchange. Through each, the pool's lease carries its own TLS where the tunnel is its own (no login, Basic, SOCKS5)
// and hands Digest to Qt's engine after the first 407; a whole proxy answers 200, or a 502 that says why without the
// password. Skipped where squid or microsocks is not installed (installer/bootstrap.sh deps installs both).
// Not here: NTLM. squid's only NTLM helper that needs no domain, ntlm_fake_auth, sends a challenge whose target
// name lies outside the message (offset 0xAAAAAAAE in 49 bytes); Qt's engine rightly cannot decode it, answers with
// an empty "NTLM " and starts again, 407 after 407, until upstream.connectTimeoutMs (curl ignores the field).
#include "proxy/upstreampool.h"
#include "tlsupstream.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

using ga::test::certificate;

namespace {

const QString kUser = QStringLiteral("alice");
const QString kPassword = QStringLiteral("s3cret-pa55");

quint16 freePort()
{
    QTcpServer s;
    return s.listen(QHostAddress::LocalHost) ? s.serverPort() : 0;
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size()
        && f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
}

// A process the test started, stopped with the test.
class Server
{
public:
    ~Server()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    quint16 port() const { return m_port; }

protected:
    // Starts `program` and waits until something listens on `port`.
    bool run(const QString &program, const QStringList &args, quint16 port, QString *error)
    {
        m_port = port;
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start(program, args);
        if (!m_process.waitForStarted(5000)) {
            *error = program + QStringLiteral(" did not start: ") + m_process.errorString();
            return false;
        }
        const bool up = QTest::qWaitFor(
            [&] {
                if (m_process.state() == QProcess::NotRunning) {
                    return true;
                }
                QTcpSocket probe;
                probe.connectToHost(QHostAddress::LocalHost, port);
                return probe.waitForConnected(100);
            },
            15000);
        if (!up || m_process.state() == QProcess::NotRunning) {
            *error = program + QStringLiteral(" did not listen: ") + QString::fromLocal8Bit(m_process.readAll());
            return false;
        }
        return true;
    }

private:
    QProcess m_process;
    quint16 m_port = 0;
};

// squid on 127.0.0.1 that opens tunnels anywhere, asking for the logins in `schemes` (in that order of its
// Proxy-Authenticate fields), each checked by squid's own helper against kUser and kPassword.
class Squid : public Server
{
public:
    bool start(const QString &dir, const QStringList &schemes, QString *error)
    {
        const QString squid = QStandardPaths::findExecutable(QStringLiteral("squid"), { "/usr/sbin", "/usr/bin" });
        const QString helpers = QStringLiteral("/usr/lib/squid/");
        const quint16 port = freePort();
        QByteArray conf = "http_port 127.0.0.1:" + QByteArray::number(port)
            + "\nvisible_hostname ga-test\ncache deny all\ncache_mem 1 MB\ncache_store_log none\nnetdb_filename none\n"
              "pinger_enable off\nshutdown_lifetime 0 seconds\n";
        const QByteArray d = QFile::encodeName(dir);
        conf += "pid_filename " + d + "/squid.pid\naccess_log stdio:" + d + "/access.log\ncache_log " + d
            + "/cache.log\ncoredump_dir " + d + '\n';
#ifdef Q_OS_UNIX
        if (::geteuid() == 0) {
            // squid will not run as root: it takes Debian's proxy user, who must read and write here.
            conf += "cache_effective_user proxy\n";
            QFile::setPermissions(dir,
                QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup | QFile::WriteGroup
                    | QFile::ExeGroup | QFile::ReadOther | QFile::WriteOther | QFile::ExeOther);
        }
#endif
        for (const QString &scheme : schemes) {
            if (scheme == u"basic") {
                // basic_ncsa_auth reads crypt(3) hashes; openssl makes an APR1 (MD5) one.
                QProcess hash;
                hash.start(ga::test::openssl(), { "passwd", "-apr1", kPassword });
                if (!hash.waitForFinished(10000) || hash.exitCode() != 0
                    || !writeFile(dir + "/basic.pw", kUser.toUtf8() + ':' + hash.readAllStandardOutput())) {
                    *error = QStringLiteral("could not make the Basic password file");
                    return false;
                }
                conf += "auth_param basic program " + QFile::encodeName(helpers) + "basic_ncsa_auth "
                    + QFile::encodeName(dir) + "/basic.pw\nauth_param basic realm ga-test\n";
            } else if (scheme == u"digest") {
                if (!writeFile(dir + "/digest.pw", kUser.toUtf8() + ':' + kPassword.toUtf8() + '\n')) {
                    *error = QStringLiteral("could not make the Digest password file");
                    return false;
                }
                conf += "auth_param digest program " + QFile::encodeName(helpers) + "digest_file_auth "
                    + QFile::encodeName(dir) + "/digest.pw\nauth_param digest realm ga-test\n";
            }
        }
        conf += schemes.isEmpty() ? "http_access allow all\n"
                                  : "acl login proxy_auth REQUIRED\nhttp_access allow login\nhttp_access deny all\n";
        if (!writeFile(dir + "/squid.conf", conf)) {
            *error = QStringLiteral("could not write squid.conf");
            return false;
        }
        return run(squid, { "-N", "-f", dir + "/squid.conf" }, port, error);
    }
};

// microsocks on 127.0.0.1, asking for kUser and kPassword when `login`.
class Microsocks : public Server
{
public:
    bool start(bool login, QString *error)
    {
        const quint16 port = freePort();
        QStringList args { "-i", "127.0.0.1", "-p", QString::number(port) };
        if (login) {
            args += { "-u", kUser, "-P", kPassword };
        }
        return run(QStandardPaths::findExecutable(QStringLiteral("microsocks")), args, port, error);
    }
};

} // namespace

class TstRealProxies : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    ga::test::HttpsUpstream m_upstream;

    // upstream.proxy: the user only (the password is the secret store's, given to the proxy apart).
    QString url(const QString &scheme, quint16 port, const QString &password) const
    {
        const QString login = password.isEmpty() ? QString() : kUser + u'@';
        return scheme + QStringLiteral("://") + login + QStringLiteral("127.0.0.1:") + QString::number(port);
    }

    // Through `setting`: the pool's first lease, and a second one when the first asked for the request to go again;
    // then a whole proxy's two requests.
    void check(const QString &setting, const QNetworkProxy &proxy, bool firstAgain, bool ownTls, int status,
        const QByteArray &says)
    {
        ga::proxy::UpstreamPool pool;
        ga::upstream::UpstreamSettings s
            = ga::test::settingsFor(m_upstream.port(), certificate(m_dir.path(), QStringLiteral("up")));
        s.proxy = proxy;
        ga::test::LeaseOutcome o = ga::test::leaseOnce(pool, s);
        QCOMPARE(o.againOnNewConnection, firstAgain);
        if (firstAgain) {
            QVERIFY(!o.connected);
            QVERIFY(o.ownTls); // the tunnel's own until the 407 said otherwise
            o = ga::test::leaseOnce(pool, s);
            QVERIFY(!o.againOnNewConnection);
        }
        QVERIFY2(o.connected == (status == 200), qPrintable(o.error));
        if (status == 200) {
            QCOMPARE(o.ownTls, ownTls);
        }

        ga::test::OneKeyProxy whole;
        QString error;
        QVERIFY2(whole.start(QStringLiteral("https://127.0.0.1:%1").arg(m_upstream.port()),
                     m_dir.filePath(QStringLiteral("up.pem")), &error, setting, proxy.password()),
            qPrintable(error));
        for (int i = 0; i < 2; ++i) {
            const ga::test::Reply r = ga::test::postGenerate(whole.port());
            QVERIFY2(r.status == status, r.body.constData());
            QVERIFY2(r.body.contains(says), r.body.constData());
            QVERIFY2(!r.body.contains(kPassword.toUtf8()), r.body.constData());
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!ga::proxy::directReadsAvailable()) {
            QSKIP("QSslSocket is used on this platform");
        }
        QVERIFY2(!ga::test::openssl().isEmpty(), "the openssl command is needed (installer/bootstrap.sh deps)");
        QVERIFY(m_dir.isValid());
        QVERIFY(ga::test::makeCertificate(m_dir.path(), QStringLiteral("up")));
        QVERIFY(m_upstream.start(m_dir.path(), QStringLiteral("up")));
    }

    void squid_data()
    {
        QTest::addColumn<QStringList>("schemes");
        QTest::addColumn<QString>("password"); // in the setting; empty: no login given
        QTest::addColumn<bool>("firstAgain"); // the first lease meets a 407 that a new connection answers
        QTest::addColumn<bool>("ownTls");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("says");
        const QByteArray ok = "{}"; // the upstream's answer
        QTest::newRow("no login asked") << QStringList() << QString() << false << true << 200 << ok;
        QTest::newRow("no login asked, one given") << QStringList() << kPassword << false << true << 200 << ok;
        QTest::newRow("Basic") << QStringList { "basic" } << kPassword << true << true << 200 << ok;
        QTest::newRow("Basic, the password wrong")
            << QStringList { "basic" } << QStringLiteral("wrong") << true << true << 502
            << QByteArray("refused the user name and password (HTTP 407)");
        QTest::newRow("Basic asked, none given") << QStringList { "basic" } << QString() << false << true << 502
                                                 << QByteArray("asks for a user name and password (HTTP 407)");
        QTest::newRow("Digest") << QStringList { "digest" } << kPassword << true << false << 200 << ok;
        QTest::newRow("Digest, the password wrong")
            << QStringList { "digest" } << QStringLiteral("wrong") << true << false << 502
            << QByteArray("refused the user name and password (HTTP 407)"); // Qt's engine's refusal, in our words
        QTest::newRow("Digest or Basic") << QStringList { "digest", "basic" } << kPassword << true << false << 200
                                         << ok;
        QTest::newRow("Basic or Digest") << QStringList { "basic", "digest" } << kPassword << true << false << 200
                                         << ok;
    }

    void squid()
    {
        QFETCH(QStringList, schemes);
        QFETCH(QString, password);
        QFETCH(bool, firstAgain);
        QFETCH(bool, ownTls);
        QFETCH(int, status);
        QFETCH(QByteArray, says);
        if (QStandardPaths::findExecutable(QStringLiteral("squid"), { "/usr/sbin", "/usr/bin" }).isEmpty()) {
            QSKIP("squid is not installed (installer/bootstrap.sh deps)");
        }
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Squid squid;
        QString error;
        QVERIFY2(squid.start(dir.path(), schemes, &error), qPrintable(error));
        const QNetworkProxy proxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), squid.port(),
            password.isEmpty() ? QString() : kUser, password);
        check(url(QStringLiteral("http"), squid.port(), password), proxy, firstAgain, ownTls, status, says);
    }

    void microsocks_data()
    {
        QTest::addColumn<bool>("login"); // asked for
        QTest::addColumn<QString>("password"); // in the setting; empty: no login given
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("says");
        QTest::newRow("no login") << false << QString() << 200 << QByteArray("{}");
        QTest::newRow("a login") << true << kPassword << 200 << QByteArray("{}");
        QTest::newRow("a login, the password wrong")
            << true << QStringLiteral("wrong") << 502 << QByteArray("refused the user name and password");
        QTest::newRow("a login asked, none given")
            << true << QString() << 502 << QByteArray("asks for a user name and password");
    }

    void microsocks()
    {
        QFETCH(bool, login);
        QFETCH(QString, password);
        QFETCH(int, status);
        QFETCH(QByteArray, says);
        if (QStandardPaths::findExecutable(QStringLiteral("microsocks")).isEmpty()) {
            QSKIP("microsocks is not installed (installer/bootstrap.sh deps)");
        }
        Microsocks socks;
        QString error;
        QVERIFY2(socks.start(login, &error), qPrintable(error));
        const QNetworkProxy proxy(QNetworkProxy::Socks5Proxy, QStringLiteral("127.0.0.1"), socks.port(),
            password.isEmpty() ? QString() : kUser, password);
        check(url(QStringLiteral("socks5"), socks.port(), password), proxy, false, true, status, says);
    }
};

QTEST_GUILESS_MAIN(TstRealProxies)
#include "tst_realproxies.moc"
