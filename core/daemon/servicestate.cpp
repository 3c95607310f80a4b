// SPDX-License-Identifier: GPL-3.0-or-later
// The Service's state files: key state (keystate.json) and resource owners (resources.json).
#include "config/configpaths.h"
#include "config/configschema.h"
#include "daemon/orphansecrets.h"
#include "daemon/service.h"
#include "keys/apikey.h"
#include "keys/healthcheck.h"
#include "logging/logging.h"
#include "logging/messagehandler.h"
#include "logging/redact.h"
#include "proxy/proxyserver.h"
#include "secrets/secretstore.h"
#include "security/accesstoken.h"
#include "security/authenticator.h"
#include "security/browserguard.h"
#include "security/jwt.h"

#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QScopeGuard>

#include <algorithm>

namespace ga::daemon {

namespace {

// State files (keystate.json, resources.json): written whole or not at all, readable by the user only.
bool writeStateFile(const QString &path, const QJsonObject &state, QJsonDocument::JsonFormat format, QString *error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        *error = f.errorString().isEmpty() ? QStringLiteral("the file could not be opened") : f.errorString();
        return false;
    }
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    f.write(QJsonDocument(state).toJson(format));
    if (!f.commit()) {
        *error = f.errorString().isEmpty() ? QStringLiteral("the file could not be replaced") : f.errorString();
        return false;
    }
    return true;
}

// A state file's JSON object; false with `why` when the file exists but does not hold one (or cannot be read).
bool readStateFile(const QString &path, QJsonObject *out, QString *why)
{
    QFile f(path);
    QJsonParseError error {};
    const QJsonDocument doc
        = f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll(), &error) : QJsonDocument();
    if (!doc.isObject()) {
        *why = error.error != QJsonParseError::NoError ? error.errorString() : f.errorString();
        return false;
    }
    *out = doc.object();
    return true;
}

// A state file that could not be read, kept beside for a look and never overwritten (the next save starts a fresh
// one): its new path.
QString keepBadStateFile(const QString &path)
{
    const QString kept = path + QStringLiteral(".bad-") + QDateTime::currentDateTimeUtc().toString(u"yyyyMMddTHHmmss");
    QFile::rename(path, kept);
    return kept;
}

// A key pool state file's object: false when there is none, or when it cannot be read; then it is kept beside with a
// warning that names it and says what its loss means.
bool readKeyFile(const QString &path, const char *what, const char *meaning, QJsonObject *out)
{
    if (!QFile::exists(path)) {
        return false;
    }
    if (QString why; !readStateFile(path, out, &why)) {
        qCWarning(lcKeys).noquote() << "could not read the" << what << "file" << path << "(" << why << "); kept as"
                                    << keepBadStateFile(path) << "-" << meaning;
        return false;
    }
    return true;
}

} // namespace

void Service::loadKeyState()
{
    // Whatever keystate.json holds, the days before today come from keyusage.json when it has them.
    const auto past = qScopeGuard([this] { loadPastUsage(); });
    QJsonObject state;
    if (!readKeyFile(
            config::keyStatePath(m_config->path()), "key state", "keys start without their learned state", &state)) {
        return;
    }
    m_keys.loadState(state);
    const QDateTime savedAt = QDateTime::fromString(state.value(u"savedAt").toString(), Qt::ISODateWithMs);
    m_stateSavedAtMs = savedAt.isValid() ? savedAt.toMSecsSinceEpoch() : 0;
}

// keyusage.json: the days before the one it was written on. A file that cannot be read is kept beside for a look
// and never overwritten; the next save writes the days the daemon knows (those of keystate.json).
void Service::loadPastUsage()
{
    if (QJsonObject past; readKeyFile(config::keyUsagePath(m_config->path()), "key usage",
            "the usage of earlier days is what keystate.json holds", &past)) {
        m_keys.loadPastUsage(past);
    }
}

int keyStateSaveIntervalMs(qint64 lastSaveMs)
{
    return int(std::clamp<qint64>(10 * lastSaveMs, 1000, 60'000));
}

// Compact JSON: the state of a large pool is mostly usage objects, which indentation made three times the size
// (bench_keypool, 1,000 keys with 30 days of usage: 19.8 MB indented, 6.6 MB compact, made in 144 vs 62 ms).
void Service::saveKeyState()
{
    QElapsedTimer took;
    took.start();
    const QString path = config::keyStatePath(m_config->path());
    // The days before today apart, written when the day changed since they last were: with 1,000 keys and a month
    // of usage keystate.json was 6.6 MB rewritten at every save, and every key's month was copied under the pool's
    // lock (bench_keypool). keyusage.json goes first: until it is written, keystate.json keeps every day.
    keys::KeyPool::StateParts parts = m_keys.saveStateParts(m_pastUsageSavedFor);
    if (!parts.pastUsage.isEmpty()) {
        const QString usagePath = config::keyUsagePath(m_config->path());
        QString error;
        if (writeStateFile(usagePath, parts.pastUsage, QJsonDocument::Compact, &error)) {
            m_pastUsageSavedFor = parts.today;
        } else {
            parts.state = m_keys.saveState();
        }
        noteStateWrite(usagePath, error);
    }
    QJsonObject &state = parts.state;
    // Relay health, for `instances list` and the GUI (the router itself relearns it after a restart).
    QJsonObject relays;
    for (const routing::RelayReport &r : m_router.report()) {
        QJsonObject o { { QStringLiteral("health"), routing::relayHealthName(r.health) } };
        if (r.lastLatencyMs >= 0) {
            o.insert(QStringLiteral("latencyMs"), double(r.lastLatencyMs));
        }
        if (r.unhealthyUntilMs >= 0) {
            o.insert(QStringLiteral("unhealthyUntil"),
                QDateTime::fromMSecsSinceEpoch(r.unhealthyUntilMs, Qt::UTC).toString(Qt::ISODate));
        }
        if (!r.lastError.isEmpty()) {
            o.insert(QStringLiteral("lastError"), logging::Redactor::redact(r.lastError));
        }
        relays.insert(r.id, o);
    }
    state.insert(QStringLiteral("relays"), relays);
    QString error;
    writeStateFile(path, state, QJsonDocument::Compact, &error);
    noteStateWrite(path, error);
    m_saveTimer.setInterval(keyStateSaveIntervalMs(took.elapsed()));
}

void Service::loadResources()
{
    m_resourcesLoaded = true;
    const QString path = config::resourceStatePath(m_config->path());
    if (!QFile::exists(path)) {
        return;
    }
    QJsonObject owners;
    QString why;
    if (readStateFile(path, &owners, &why) && m_resources.load(owners, &why)) {
        qCInfo(lcProxy).noquote() << "resource owners loaded:" << m_resources.size() << "from" << path;
        return;
    }
    qCWarning(lcProxy).noquote() << "could not read the resource owners file" << path << "(" << why << "); kept as"
                                 << keepBadStateFile(path)
                                 << "- files and caches made before are used with any key until listed again";
}

void Service::flushResources()
{
    m_resourceSaveTimer.stop();
    saveResources();
}

void Service::saveResources()
{
    const QString path = config::resourceStatePath(m_config->path());
    // Compact: it may hold 100,000 entries.
    QString error;
    writeStateFile(path, m_resources.save(), QJsonDocument::Compact, &error);
    noteStateWrite(path, error);
}

// A state file is saved about every second while keys change: a write that fails (a full disk, a read-only folder)
// is reported when it starts failing or fails another way, and once when it works again, not at every save (three
// warnings a second on a full disk).
void Service::noteStateWrite(const QString &path, const QString &error)
{
    QString &last = m_stateWriteErrors[path];
    if (error == last) {
        return;
    }
    if (error.isEmpty()) {
        qCInfo(lcKeys).noquote() << "the state file" << path << "is written again";
    } else {
        qCWarning(lcKeys).noquote() << "cannot write the state file" << path << ":" << error
                                    << "(said again when this changes; the daemon keeps the state in memory)";
    }
    last = error;
}

} // namespace ga::daemon
