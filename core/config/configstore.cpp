// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/configstore.h"

#include "fs/lockfile.h"
#include "logging/logging.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QLockFile>
#include <QSaveFile>

namespace ga::config {
namespace {

// Editors and QSaveFile produce bursts of events; one reload per burst.
constexpr int kReloadDebounceMs = 25;
constexpr int kLockWaitMs = 5000;

QString problemsText(const QString &path, const QList<Problem> &problems)
{
    QStringList lines;
    for (const Problem &p : problems) {
        lines.append(p.toString(path));
    }
    return lines.join(u'\n');
}

bool sameSettings(const Config &a, const Config &b)
{
    return a == b;
}

} // namespace

ConfigStore::ConfigStore(const QString &path, QObject *parent)
    : QObject(parent)
    , m_path(path)
{
    m_config = schema::validate(QJsonObject()).config;
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(kReloadDebounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &ConfigStore::reloadFromDisk);
}

ConfigStore::~ConfigStore() = default;

bool ConfigStore::fileExists() const
{
    return QFileInfo::exists(m_path);
}

bool ConfigStore::readFile(QByteArray *bytes, QString *error) const
{
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: cannot read the config file (%2)").arg(m_path, file.errorString());
        return false;
    }
    if (file.size() > kMaxConfigBytes) {
        *error = QStringLiteral("%1: the config file is larger than %2 MiB; this is not a config file")
                     .arg(m_path)
                     .arg(kMaxConfigBytes / (1024 * 1024));
        return false;
    }
    *bytes = file.readAll();
    return true;
}

bool ConfigStore::writeFile(const QByteArray &bytes, QString *error) const
{
    const QFileInfo info(m_path);
    QDir dir = info.absoluteDir();
    if (!dir.exists() && !dir.mkpath(QStringLiteral("."))) {
        *error = QStringLiteral("cannot create the config folder %1").arg(dir.path());
        return false;
    }
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write %1 (%2)").arg(m_path, file.errorString());
        return false;
    }
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(bytes);
    if (!file.commit()) {
        *error = QStringLiteral("cannot save %1 (%2); the previous file is unchanged").arg(m_path, file.errorString());
        return false;
    }
    return true;
}

void ConfigStore::adopt(const ParseResult &result, const QByteArray &bytes)
{
    m_config = result.config;
    m_document = result.document;
    m_lastBytes = bytes;
}

ParseResult ConfigStore::load()
{
    if (!fileExists()) {
        ParseResult defaults = schema::validate(QJsonObject());
        adopt(defaults, QByteArray());
        return defaults;
    }
    QByteArray bytes;
    QString error;
    if (!readFile(&bytes, &error)) {
        ParseResult r;
        r.problems.append(Problem { Problem::Severity::Error, QString(), error, 0 });
        return r;
    }
    ParseResult result = schema::parse(bytes);
    if (!result.hasErrors()) {
        adopt(result, bytes);
    }
    return result;
}

ConfigStore::UpdateResult ConfigStore::update(const Change &change)
{
    UpdateResult out;
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QLockFile lock(m_path + QStringLiteral(".lock"));
    if (!fs::tryLock(lock, m_path + QStringLiteral(".lock"), kLockWaitMs)) {
        out.error = QStringLiteral("another process is saving the config (lock file %1.lock); try again").arg(m_path);
        return out;
    }

    QJsonObject document;
    QJsonObject onDisk; // the file as it is: text it already holds may stay (see schema::parseForSave)
    if (fileExists()) {
        QByteArray bytes;
        if (!readFile(&bytes, &out.error)) {
            return out;
        }
        const ParseResult current = schema::parse(bytes);
        if (current.hasErrors()) {
            out.error = QStringLiteral("the config file has errors, so it was not changed — fix them first:\n%1")
                            .arg(problemsText(m_path, current.errors()));
            out.problems = current.errors();
            return out;
        }
        document = current.document;
        onDisk = current.document;
    } else {
        document = schema::defaultDocument();
    }

    if (const QString reason = change(document); !reason.isEmpty()) {
        out.error = reason;
        return out;
    }
    document.insert(QStringLiteral("version"), kConfigVersion);

    // One validation for every writer (CLI, admin API, app): what is saved, every reader accepts.
    const QByteArray bytes = schema::serialize(document);
    const ParseResult next = schema::parseForSave(bytes, onDisk);
    if (next.hasErrors()) {
        out.problems = next.errors();
        QStringList reasons;
        for (const Problem &p : out.problems) {
            reasons.append(p.toString());
        }
        out.error = reasons.join(u'\n');
        return out;
    }
    if (!writeFile(bytes, &out.error)) {
        return out;
    }
    const Config previous = m_config;
    adopt(next, bytes);
    out.ok = true;
    if (!sameSettings(previous, m_config)) {
        Q_EMIT changed(m_config, previous);
    }
    return out;
}

ConfigStore::UpdateResult ConfigStore::ensureExists()
{
    if (fileExists()) {
        return UpdateResult { true, {}, {} };
    }
    return update([](QJsonObject &) { return QString(); });
}

void ConfigStore::watch()
{
    if (m_watcher) {
        return;
    }
    m_watcher = new QFileSystemWatcher(this);
    // An atomic save replaces the file (new inode), so the folder is watched too.
    const QString dir = QFileInfo(m_path).absolutePath();
    QDir().mkpath(dir);
    m_watcher->addPath(dir);
    if (fileExists()) {
        m_watcher->addPath(m_path);
    }
    m_stamp = stampOf(m_path);
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, &ConfigStore::scheduleReload);
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, &ConfigStore::folderChanged);
}

ConfigStore::Stamp ConfigStore::stampOf(const QString &path)
{
    const QFileInfo info(path);
    if (!info.exists()) {
        return {};
    }
    return { true, info.size(), info.lastModified().toMSecsSinceEpoch(),
        info.metadataChangeTime().toMSecsSinceEpoch() };
}

void ConfigStore::folderChanged()
{
    // Made, replaced or removed: the file's own watch does not see a new file, nor always one renamed over it.
    if (stampOf(m_path) != m_stamp) {
        scheduleReload();
    }
}

void ConfigStore::scheduleReload()
{
    m_stamp = stampOf(m_path);
    if (m_watcher && m_stamp.exists && !m_watcher->files().contains(m_path)) {
        m_watcher->addPath(m_path);
    }
    m_debounce.start();
}

void ConfigStore::reloadFromDisk()
{
    if (!fileExists()) {
        return; // a deleted file keeps the settings in force; the next save recreates it
    }
    QByteArray bytes;
    QString error;
    if (!readFile(&bytes, &error)) {
        qCWarning(lcConfig).noquote() << error << "— keeping the settings in force";
        Q_EMIT rejected(error);
        return;
    }
    if (bytes == m_lastBytes) {
        return;
    }
    const ParseResult result = schema::parse(bytes);
    if (result.hasErrors()) {
        const QString reason = problemsText(m_path, result.errors());
        qCWarning(lcConfig).noquote() << "ignoring the edited config; the previous settings stay in force:\n" + reason;
        m_lastBytes = bytes;
        Q_EMIT rejected(reason);
        return;
    }
    for (const Problem &w : result.warnings()) {
        qCWarning(lcConfig).noquote() << w.toString(m_path);
    }
    const Config previous = m_config;
    adopt(result, bytes);
    if (!sameSettings(previous, m_config)) {
        Q_EMIT changed(m_config, previous);
    }
}

} // namespace ga::config
