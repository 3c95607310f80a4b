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

// A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, release).
quint16 freePort();

// Path of the built daemon binary.
QString daemonPath();

} // namespace ga::test
