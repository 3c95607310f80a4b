// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include "secrets/secretcipher.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <algorithm>
#include <csignal>

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
    // The other passphrase sources of the caller's environment (core/app/session.h) must not reach the sandbox.
    m_env.remove(QStringLiteral("GEMINI_AGGREGATOR_PASSPHRASE_FILE"));
    m_env.remove(QStringLiteral("CREDENTIALS_DIRECTORY"));
    m_env.insert(QStringLiteral("LANG"), QStringLiteral("C.UTF-8"));
}

quint16 freePort()
{
    // Below the kernel's ephemeral range (Linux 32768-60999, Windows and macOS 49152-65535): a port the kernel hands
    // out for "any port" (a listener on port 0, an outgoing connection) could be the one returned here, taken by
    // another socket before the caller binds it (tst_tlsacme once found its HTTPS port so taken while pebble and the
    // fake Gemini started).
    constexpr quint32 kLow = 20000, kHigh = 32767;
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto port = quint16(QRandomGenerator::global()->bounded(kLow, kHigh + 1));
        QTcpServer server;
        if (server.listen(QHostAddress::LocalHost, port)) {
            return port;
        }
    }
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

DaemonProcess::DaemonProcess(const Sandbox &sandbox, const QStringList &args)
{
    m_process.setProcessEnvironment(sandbox.environment());
    m_process.start(daemonPath(), args);
}

DaemonProcess::~DaemonProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

QString DaemonProcess::log()
{
    m_err += m_process.readAllStandardError();
    return QString::fromUtf8(m_err);
}

qsizetype DaemonProcess::waitFor(const QString &needle, int timeoutMs, qsizetype from)
{
    QSignalSpy spy(&m_process, &QProcess::readyReadStandardError);
    const QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        const qsizetype at = log().indexOf(needle, from);
        if (at >= 0) {
            return at + needle.size();
        }
        if (deadline.hasExpired() || m_process.state() == QProcess::NotRunning) {
            return -1;
        }
        spy.wait(int(std::clamp<qint64>(deadline.remainingTime(), 1, 100)));
    }
}

int DaemonProcess::finished(int timeoutMs)
{
    if (!m_process.waitForFinished(timeoutMs)) {
        return -2;
    }
    m_err += m_process.readAllStandardError();
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

bool DaemonProcess::runFor(int ms)
{
    QTest::qWait(ms);
    m_err += m_process.readAllStandardError();
    return m_process.state() == QProcess::Running;
}

int DaemonProcess::stop(int signal, int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning) {
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    ::kill(pid_t(m_process.processId()), signal);
    if (!m_process.waitForFinished(timeoutMs)) {
        return -2;
    }
    m_err += m_process.readAllStandardError();
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

qint64 residentKiB(qint64 pid)
{
    const QByteArray status = readAll(QStringLiteral("/proc/%1/status").arg(pid));
    for (const QByteArray &line : status.split('\n')) {
        if (line.startsWith("VmRSS:")) {
            bool ok = false;
            const qint64 kib = line.mid(6).trimmed().split(' ').first().toLongLong(&ok);
            return ok ? kib : -1;
        }
    }
    return -1;
}

int openFdCount(qint64 pid)
{
    const QDir fds(QStringLiteral("/proc/%1/fd").arg(pid));
    if (!fds.exists()) {
        return -1;
    }
    return int(fds.entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot).size());
}

bool useFastSecretFile(const Sandbox &sandbox)
{
    const QString path = sandbox.secretPath();
    if (QFile::exists(path)) {
        return false;
    }
    const QByteArray passphrase = sandbox.environment().value(QStringLiteral("GEMINI_AGGREGATOR_PASSPHRASE")).toUtf8();
    const QByteArray bytes = secrets::cipher::seal({}, passphrase, secrets::cipher::CipherParams { 10, 8, 1 });
    const QString folder = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(folder)
        || !QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner)) {
        return false;
    }
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::NewOnly)
        && f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) && f.write(bytes) == bytes.size();
}

} // namespace ga::test
