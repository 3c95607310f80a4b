// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "rowlistmodel.h"

#include <QPointer>
#include <QSet>
#include <QTimer>

namespace ga::ui {

class AdminClient;
class Backend;

// The Files page's model and controller: the files and cached contents the proxy knows the owner of (made or
// listed through it), newest first, and their deletion at Google. Made by the page (ResourcesModel {}), over
// the Backend singleton. Roles: id (= name), name ("files/abc"), kind (file|cachedContent), displayName,
// sizeBytes (-1 unknown), keyId (the owner key), keyLabel, keyMasked (both "" when the key is no longer
// configured), group (the owner's project; "" for a key without one), createdMs, expiresMs, mimeType (files),
// modelName (caches; not "model", which a delegate's `model` would shadow), deleting (a delete is on its way).
// The rows follow the Service's resource map live: its changed() comes from proxy workers and is queued here,
// then coalesced to at most one refresh per kRefreshMs. Key labels follow config edits; expired entries leave
// with a slow sweep (a view shows them as expired until then).
// Not final: QML makes creatable types by deriving from them.
class ResourcesModel : public RowListModel
{
    Q_OBJECT
    QML_ELEMENT
    Q_DISABLE_COPY_MOVE(ResourcesModel)

public:
    static constexpr int kRefreshMs = 250;
    static constexpr int kSweepMs = 30'000;

    explicit ResourcesModel(QObject *parent = nullptr); // over Backend::instance()
    explicit ResourcesModel(Backend *backend, QObject *parent = nullptr);

    Q_INVOKABLE void refresh();
    // Deletes a file or cached content at Google with its owner's key (AdminClient::deleteResource);
    // removed() or removeFailed() follows, once.
    Q_INVOKABLE void remove(const QString &name);

Q_SIGNALS:
    void removed(const QString &name);
    void removeFailed(const QString &name, const QString &message);

private:
    void mapChanged();
    void throttleElapsed();

    QPointer<Backend> m_backend;
    AdminClient *m_admin = nullptr; // null without a Backend
    QSet<QString> m_deleting;
    QTimer m_throttle;
    QTimer m_sweep;
    bool m_pending = false;
};

} // namespace ga::ui
