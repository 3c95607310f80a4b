// SPDX-License-Identifier: GPL-3.0-or-later
#include "resourcesmodel.h"

#include "adminclient.h"
#include "affinity/resourcemap.h"
#include "backend.h"
#include "daemon/service.h"
#include "logging/logging.h"

#include <QJsonObject>

namespace ga::ui {

namespace {
// The admin API's collection for a resource name ("files/abc" → "/files/abc"); empty for other kinds.
QString adminPath(const QString &name)
{
    const std::optional<affinity::Kind> kind = affinity::kindOfResource(name);
    if (kind != affinity::Kind::File && kind != affinity::Kind::CachedContent) {
        return QString();
    }
    return u'/' + name;
}
} // namespace

ResourcesModel::ResourcesModel(QObject *parent)
    : ResourcesModel(Backend::instance(), parent)
{ }

ResourcesModel::ResourcesModel(Backend *backend, QObject *parent)
    : RowListModel({ QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("kind"),
                       QStringLiteral("displayName"), QStringLiteral("sizeBytes"), QStringLiteral("keyId"),
                       QStringLiteral("keyLabel"), QStringLiteral("keyMasked"), QStringLiteral("group"),
                       QStringLiteral("createdMs"), QStringLiteral("expiresMs"), QStringLiteral("mimeType"),
                       QStringLiteral("modelName"), QStringLiteral("deleting") },
        parent)
    , m_backend(backend)
{
    m_throttle.setSingleShot(true);
    m_throttle.setInterval(kRefreshMs);
    connect(&m_throttle, &QTimer::timeout, this, &ResourcesModel::throttleElapsed);
    m_sweep.setInterval(kSweepMs);
    connect(&m_sweep, &QTimer::timeout, this, &ResourcesModel::refresh);
    if (!m_backend) {
        qCWarning(lcUi) << "ResourcesModel: no Backend to read from";
        return;
    }
    daemon::Service *service = m_backend->service();
    m_admin = new AdminClient(service, this);
    // From proxy workers (and admin calls): queued to this thread, then throttled.
    connect(&service->resources(), &affinity::ResourceMap::changed, this, &ResourcesModel::mapChanged,
        Qt::QueuedConnection);
    // Key labels and keys that went away.
    connect(service, &daemon::Service::configApplied, this, &ResourcesModel::mapChanged);
    m_sweep.start();
    refresh();
}

void ResourcesModel::mapChanged()
{
    if (m_throttle.isActive()) {
        m_pending = true; // the refresh at the end of this interval takes it
        return;
    }
    refresh();
    m_throttle.start();
}

void ResourcesModel::throttleElapsed()
{
    if (m_pending) {
        m_pending = false;
        refresh();
        m_throttle.start();
    }
}

void ResourcesModel::refresh()
{
    if (!m_backend) {
        return;
    }
    daemon::Service *service = m_backend->service();
    m_admin = new AdminClient(service, this);
    const config::Config &cfg = service->config();
    QList<QVariantMap> rows;
    for (const affinity::Resource &r : service->resources().list()) {
        if (r.kind != affinity::Kind::File && r.kind != affinity::Kind::CachedContent) {
            continue;
        }
        const config::KeyEntry *key = cfg.findKey(r.keyId);
        rows.append(QVariantMap {
            { QStringLiteral("id"), r.name },
            { QStringLiteral("name"), r.name },
            { QStringLiteral("kind"), affinity::kindName(r.kind) },
            { QStringLiteral("displayName"), r.displayName },
            { QStringLiteral("sizeBytes"), double(r.sizeBytes) },
            { QStringLiteral("keyId"), r.keyId },
            { QStringLiteral("keyLabel"), key ? key->label : QString() },
            { QStringLiteral("keyMasked"), key ? key->masked() : QString() },
            { QStringLiteral("group"), r.group },
            { QStringLiteral("createdMs"), double(r.createdMs) },
            { QStringLiteral("expiresMs"), double(r.expiresMs) },
            { QStringLiteral("mimeType"), r.mimeType },
            { QStringLiteral("modelName"), r.model },
            { QStringLiteral("deleting"), m_deleting.contains(r.name) },
        });
    }
    setRows(std::move(rows));
}

void ResourcesModel::remove(const QString &name)
{
    const QString path = adminPath(name);
    if (!m_admin || path.isEmpty()) {
        Q_EMIT removeFailed(name, tr("“%1” is not a file or a cached content.").arg(name));
        return;
    }
    if (m_deleting.contains(name)) {
        return; // the first request answers
    }
    m_deleting.insert(name);
    refresh();
    // Answers come only while this model (the owner of m_admin) exists.
    m_admin->deleteResource(path, [this, name](const AdminClient::Reply &reply) {
        m_deleting.remove(name);
        refresh();
        if (reply.ok()) {
            Q_EMIT removed(name);
            return;
        }
        QString message = reply.message();
        if (message.isEmpty()) {
            message = tr("“%1” was not deleted (status %2).").arg(name).arg(reply.status);
        }
        Q_EMIT removeFailed(name, message);
    });
}

} // namespace ga::ui
