// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QString>
#include <QVariantList>

#include <functional>

namespace ga::daemon {
class Service;
}

namespace ga::ui {

// The one place the window changes things. Each method is one operation of the admin API, served in-process
// (`Service::adminHandler()`), so the window, the CLI's `--remote` and REST clients validate and save alike.
// Answers arrive on the GUI thread, and not at all once this object is gone: each controller owns its client,
// so a controller that went away hears nothing. The controllers make exactly one call here per operation, so
// moving them onto the application layer (core/app) replaces these calls one for one; nothing else in qml/
// knows an admin path.
class AdminClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminClient)

public:
    struct Reply
    {
        int status = 0; // 0: no answer
        QJsonValue body;

        bool ok() const { return status >= 200 && status < 300; }
        QJsonObject data() const { return body.toObject(); }
        // The error's one sentence ("" when ok).
        QString message() const;
        // [{path, message}] of the error: which input was refused, and why.
        QVariantList problems() const;
        // What kind of refusal: "" (ok), invalid, not-found, conflict (exists already, port taken), busy, failed.
        // The names of app::Fault, which will replace the status.
        QString fault() const;
    };
    using Done = std::function<void(const Reply &)>;

    // `service` outlives the client.
    explicit AdminClient(daemon::Service *service, QObject *parent = nullptr);

    // fields: secret, label, group, weight → 201 {id}
    void addKey(const QJsonObject &fields, Done done);
    // fields: any of label, group, weight, instance (null unbinds), enabled → 200
    void updateKey(const QString &id, const QJsonObject &fields, Done done);
    // → 200 {result: valid|invalid|quota|network|…, detail, latencyMs}
    void testKey(const QString &id, Done done);
    // → 204
    void removeKey(const QString &id, Done done);

    // fields: name, url, secret (left out: one is made and answered once) → 201 {id, secret?}
    void addInstance(const QJsonObject &fields, Done done);
    // fields: any of name, url, enabled → 200
    void updateInstance(const QString &id, const QJsonObject &fields, Done done);
    // → 200 {result: ok|unreachable|bad-secret|no-upstream|…, detail, latencyMs}
    void testInstance(const QString &id, Done done);
    void removeInstance(const QString &id, Done done);

    // → 201 {name, token}
    void createToken(const QString &name, Done done);
    // → 200 {token}
    void rotateToken(const QString &name, Done done);
    void revokeToken(const QString &name, Done done);

    // Settings by dotted path, all saved or none → 200; a listen address that cannot be bound: 409.
    void updateConfig(const QJsonObject &values, Done done);
    void setMode(const QString &mode, Done done);
    // upstream.proxy's password into the secret store (empty: removed).
    void setProxyPassword(const QString &password, Done done);
    // A file or cached content at Google, with its owner's key; `path` is "/files/…" or "/cachedContents/…".
    void deleteResource(const QString &path, Done done);

private:
    void call(const QByteArray &method, const QString &path, const QJsonValue &body, Done done);

    daemon::Service *m_service;
};

} // namespace ga::ui
