// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTcpServer>

namespace ga::test {

QString fakeKey(int n)
{
    // 35 characters from the key alphabet, derived from n.
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const QByteArray digest = QCryptographicHash::hash(QByteArray::number(n), QCryptographicHash::Sha256);
    QString tail;
    for (int i = 0; i < 35; ++i) {
        tail += QLatin1Char(alphabet[static_cast<unsigned char>(digest.at(i % digest.size()) + i) % 64]);
    }
    return QStringLiteral("AI") + QStringLiteral("za") + tail;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

Sandbox::Sandbox()
    : m_env(QProcessEnvironment::systemEnvironment())
{
    const QString root = m_dir.path();
    m_env.insert(QStringLiteral("HOME"), root);
    m_env.insert(QStringLiteral("XDG_CONFIG_HOME"), root + QStringLiteral("/xdg-config"));
    m_env.insert(QStringLiteral("XDG_DATA_HOME"), root + QStringLiteral("/xdg-data"));
    m_env.insert(QStringLiteral("GEMINI_AGGREGATOR_CONFIG"), configPath());
    m_env.insert(QStringLiteral("GEMINI_AGGREGATOR_SECRET_STORE"), QStringLiteral("file"));
    m_env.insert(QStringLiteral("GEMINI_AGGREGATOR_PASSPHRASE"), QStringLiteral("correct horse battery staple"));
    m_env.insert(QStringLiteral("LANG"), QStringLiteral("C.UTF-8"));
}

quint16 freePort()
{
    QTcpServer server;
    return server.listen(QHostAddress::LocalHost, 0) ? server.serverPort() : 0;
}

QString daemonPath()
{
    return QStringLiteral(GA_DAEMON_PATH);
}

CliResult runCli(const Sandbox &sandbox, const QStringList &args, const QByteArray &input)
{
    QProcess p;
    p.setProcessEnvironment(sandbox.environment());
    p.start(daemonPath(), args);
    CliResult r;
    if (!p.waitForStarted(10'000)) {
        r.err = p.errorString().toUtf8();
        return r;
    }
    if (!input.isEmpty()) {
        p.write(input);
    }
    p.closeWriteChannel();
    r.finished = p.waitForFinished(60'000);
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace ga::test
