// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

namespace ga::test {

// A Gemini-key-shaped string made at run time (so no key-shaped literal sits in the sources).
QString fakeKey(int n);

// Reads a whole file; an empty array when it cannot.
QByteArray readAll(const QString &path);
bool writeAll(const QString &path, const QByteArray &bytes);

// A private home for one test: config, data and secrets inside a temporary directory, file secret store
// with a known passphrase. Nothing touches the real user's files.
class Sandbox
{
public:
    Sandbox();

    bool isValid() const { return m_dir.isValid(); }
    QString path() const { return m_dir.path(); }
    QString configPath() const { return m_dir.filePath(QStringLiteral("config/config.json")); }
    QString secretPath() const { return m_dir.filePath(QStringLiteral("xdg-data/gemini-aggregator/secrets.enc")); }
    QProcessEnvironment environment() const { return m_env; }
    void setEnv(const QString &name, const QString &value) { m_env.insert(name, value); }
    void unsetEnv(const QString &name) { m_env.remove(name); }

private:
    QTemporaryDir m_dir;
    QProcessEnvironment m_env;
};

struct CliResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    bool finished = false;

    QString outText() const { return QString::fromUtf8(out); }
    QString errText() const { return QString::fromUtf8(err); }
};

// Runs gemini-aggregatord with `args`, feeding `input` on stdin, and waits for it to exit.
CliResult runCli(const Sandbox &sandbox, const QStringList &args, const QByteArray &input = {});

// A TCP port on 127.0.0.1 that was free a moment ago (bound and released), below the ephemeral range.
quint16 freePort();

// Path of the built daemon binary.
QString daemonPath();

// A running `gemini-aggregatord` (default: `run`) in a sandbox. Its stderr is collected as it arrives; waits run
// the event loop (in-process servers keep working). Killed on destruction if still running.
class DaemonProcess
{
public:
    explicit DaemonProcess(const Sandbox &sandbox, const QStringList &args = { QStringLiteral("run") });
    ~DaemonProcess();
    Q_DISABLE_COPY_MOVE(DaemonProcess)

    QProcess &process() { return m_process; }
    qint64 pid() const { return m_process.processId(); }
    bool isRunning() const { return m_process.state() == QProcess::Running; }
    // Everything it wrote to stderr so far.
    QString log();
    // Waits until stderr (from `from` on) contains `needle`; returns the offset after it, or -1.
    qsizetype waitFor(const QString &needle, int timeoutMs, qsizetype from = 0);
    // Waits for it to exit on its own: the exit code, -1 when it crashed, -2 when it did not exit in time.
    int finished(int timeoutMs);
    // Lets it run for `ms` (the event loop runs), collecting its log; false when it exited meanwhile.
    bool runFor(int ms);
    // Sends `signal` and waits: the exit code, -1 when it crashed (or died of a signal), -2 when it did not stop.
    int stop(int signal, int timeoutMs = 10'000);

private:
    QProcess m_process;
    QByteArray m_err;
};

// Resident memory of a process (VmRSS in /proc/PID/status) in KiB; -1 when unknown.
qint64 residentKiB(qint64 pid);

// Open file descriptors of a process (entries of /proc/PID/fd); -1 when unknown.
int openFdCount(qint64 pid);

// Creates the sandbox's secret file, empty, with a cheap scrypt cost (1 MiB instead of 64 MiB): a file keeps its own
// cost when written again, so every process that opens it derives its key in milliseconds instead of ~0.2 s. For
// tests that start hundreds of commands. False when the file exists already or cannot be written.
bool useFastSecretFile(const Sandbox &sandbox);

} // namespace ga::test
