// SPDX-License-Identifier: GPL-3.0-or-later
#include "pebbleserver.h"

#include "testsupport.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslConfiguration>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTest>

namespace ga::test {
namespace {

bool canConnect(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(200);
}

bool runOpenssl(const QString &dir, const QStringList &args, QString *error)
{
    QProcess process;
    process.setWorkingDirectory(dir);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral("openssl"), args);
    if (!process.waitForFinished(30000) || process.exitCode() != 0) {
        *error = QStringLiteral("openssl %1 failed: %2").arg(args.join(u' '), QString::fromUtf8(process.readAll()));
        return false;
    }
    return true;
}

// Waits until `port` takes connections or `process` ends.
bool waitListening(QProcess &process, quint16 port)
{
    const QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired() && process.state() == QProcess::Running) {
        if (canConnect(port)) {
            return true;
        }
        QTest::qWait(20);
    }
    return false;
}

} // namespace

PebbleServer::PebbleServer() = default;

PebbleServer::~PebbleServer()
{
    for (QProcess *p : { &m_pebble, &m_dns }) {
        if (p->state() != QProcess::NotRunning) {
            p->kill();
            p->waitForFinished(5000);
        }
    }
}

bool PebbleServer::available()
{
    for (const char *tool : { "pebble", "pebble-challtestsrv", "openssl" }) {
        if (QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty()) {
            return false;
        }
    }
    return true;
}

bool PebbleServer::start(quint16 httpPort, QString *error)
{
    m_httpPort = httpPort;
    const QString dir = m_dir.path();
    // A throwaway CA and a certificate for pebble's own HTTPS endpoint.
    if (!runOpenssl(dir,
            { "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=ga pebble test CA", "-addext",
                "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign" },
            error)
        || !runOpenssl(dir,
            { "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "key.pem",
                "-out", "server.csr", "-subj", "/CN=localhost" },
            error)
        || !writeAll(m_dir.filePath(QStringLiteral("ext.cnf")),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        || !runOpenssl(dir,
            { "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
                "cert.pem", "-days", "2", "-extfile", "ext.cnf" },
            error)) {
        return false;
    }
    m_ca = QSslCertificate::fromPath(directoryCaFile());
    // DNS for pebble's validation: every name is 127.0.0.1 (no AAAA, so pebble dials IPv4).
    m_dnsPort = freePort();
    const quint16 dnsManagement = freePort();
    m_dns.setProcessChannelMode(QProcess::MergedChannels);
    m_dns.start(QStringLiteral("pebble-challtestsrv"),
        { "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", QStringLiteral("127.0.0.1:%1").arg(m_dnsPort),
            "-http01", "", "-https01", "", "-tlsalpn01", "", "-management",
            QStringLiteral("127.0.0.1:%1").arg(dnsManagement) });
    if (!m_dns.waitForStarted() || !waitListening(m_dns, dnsManagement)) {
        *error = QStringLiteral("pebble-challtestsrv did not start: %1").arg(QString::fromUtf8(m_dns.readAll()));
        return false;
    }
    m_port = freePort();
    m_managementPort = freePort();
    return startPebble(error);
}

bool PebbleServer::startPebble(QString *error)
{
    const QJsonObject config { { "pebble",
        QJsonObject { { "listenAddress", QStringLiteral("127.0.0.1:%1").arg(m_port) },
            { "managementListenAddress", QStringLiteral("127.0.0.1:%1").arg(m_managementPort) },
            { "certificate", m_dir.filePath(QStringLiteral("cert.pem")) },
            { "privateKey", m_dir.filePath(QStringLiteral("key.pem")) }, { "httpPort", m_httpPort },
            { "tlsPort", freePort() }, { "ocspResponderURL", "" }, { "externalAccountBindingRequired", false } } } };
    const QString configPath = m_dir.filePath(QStringLiteral("pebble.json"));
    if (!writeAll(configPath, QJsonDocument(config).toJson())) {
        *error = QStringLiteral("cannot write %1").arg(configPath);
        return false;
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PEBBLE_VA_NOSLEEP"), QStringLiteral("1"));
    env.insert(QStringLiteral("PEBBLE_WFE_NONCEREJECT"), QStringLiteral("0"));
    m_pebble.setProcessEnvironment(env);
    m_pebble.setProcessChannelMode(QProcess::MergedChannels);
    m_pebble.start(QStringLiteral("pebble"),
        { "-config", configPath, "-dnsserver", QStringLiteral("127.0.0.1:%1").arg(m_dnsPort) });
    if (!m_pebble.waitForStarted() || !waitListening(m_pebble, m_port)) {
        *error = QStringLiteral("pebble did not start: %1").arg(QString::fromUtf8(m_pebble.readAll()));
        return false;
    }
    return true;
}

void PebbleServer::stop()
{
    m_pebble.kill();
    m_pebble.waitForFinished(5000);
}

bool PebbleServer::restart(QString *error)
{
    stop();
    return startPebble(error);
}

QUrl PebbleServer::directoryUrl() const
{
    return QUrl(QStringLiteral("https://127.0.0.1:%1/dir").arg(m_port));
}

QString PebbleServer::directoryCaFile() const
{
    return m_dir.filePath(QStringLiteral("ca.pem"));
}

QByteArray PebbleServer::issuingRootPem() const
{
    QNetworkAccessManager nam;
    QNetworkRequest request(QUrl(QStringLiteral("https://127.0.0.1:%1/roots/0").arg(m_managementPort)));
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setCaCertificates(m_ca);
    request.setSslConfiguration(ssl);
    QNetworkReply *reply = nam.get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const QByteArray pem = reply->error() == QNetworkReply::NoError ? reply->readAll() : QByteArray();
    reply->deleteLater();
    return pem;
}

} // namespace ga::test
