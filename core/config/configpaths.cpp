// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/configpaths.h"

#include "version.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace ga::config {

QString defaultConfigPath()
{
    const QString base = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
    return QDir(base).filePath(QLatin1String(kAppName) + QStringLiteral("/config.json"));
}

QString resolveConfigPath(const QString &commandLinePath)
{
    if (!commandLinePath.isEmpty()) {
        return QDir::cleanPath(QDir::current().absoluteFilePath(commandLinePath));
    }
    const QString env = qEnvironmentVariable(kConfigEnvVar);
    if (!env.isEmpty()) {
        return QDir::cleanPath(QDir::current().absoluteFilePath(env));
    }
    return defaultConfigPath();
}

QString dataDirectory()
{
    const QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    return QDir(base).filePath(QLatin1String(kAppName));
}

QString secretFilePath(const Config &config)
{
    if (!config.secretFile.isEmpty()) {
        return QDir::cleanPath(QDir::current().absoluteFilePath(config.secretFile));
    }
    return QDir(dataDirectory()).filePath(QStringLiteral("secrets.enc"));
}

QString keyStatePath(const QString &configPath)
{
    return QFileInfo(configPath).absoluteDir().filePath(QStringLiteral("keystate.json"));
}

QString keyUsagePath(const QString &configPath)
{
    return QFileInfo(configPath).absoluteDir().filePath(QStringLiteral("keyusage.json"));
}

QString resourceStatePath(const QString &configPath)
{
    return QFileInfo(configPath).absoluteDir().filePath(QStringLiteral("resources.json"));
}

QString historyDatabasePath(const QString &configPath)
{
    return QFileInfo(configPath).absoluteDir().filePath(QStringLiteral("history.sqlite"));
}

QString secretJournalPath(const QString &configPath)
{
    return QFileInfo(configPath).absoluteDir().filePath(QStringLiteral("secrets.journal"));
}

QString tlsDirectory(const QString &configPath)
{
    return QFileInfo(configPath).absoluteDir().filePath(QStringLiteral("tls"));
}

} // namespace ga::config
