// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "controller.h"

#include <QByteArray>

class QQmlEngine;

namespace ga::ui {

class TokensModel;

// Access tokens, for the Settings page (create, replace, revoke, copy) and the copy buttons of the dashboard and
// the first-run guide. A token goes to the clipboard, never into QML: the signals name tokens, never carry them.
// The rows themselves are Backend.tokens.
class TokensController final : public Controller
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_DISABLE_COPY_MOVE(TokensController)

public:
    // `model` is refreshed after a create and a revoke.
    TokensController(daemon::Service *service, TokensModel *model, QObject *parent = nullptr);

    // QML_SINGLETON: the one the Backend made.
    static TokensController *create(QQmlEngine *engine, QJSEngine *js);

    // The new token goes to the clipboard → tokenCreated.
    Q_INVOKABLE int createToken(const QString &name);
    // A new value for `name` (the old one stops working at once) goes to the clipboard → tokenRotated.
    Q_INVOKABLE int rotateToken(const QString &name);
    // → tokenRevoked.
    Q_INVOKABLE int revokeToken(const QString &name);
    // Copies the named token (the first one when empty) to the clipboard → tokenCopied, or failed when there is none.
    Q_INVOKABLE int copyToken(const QString &name = QString());
    int copyToken(const QString &name, Report report);

    // Reads the named token (the first one when empty) from the secret store; `ok` is false when there is none.
    void readToken(const QString &name, std::function<void(bool ok, const QByteArray &token)> done);

Q_SIGNALS:
    void tokenCreated(int request, const QString &name);
    void tokenRotated(int request, const QString &name);
    void tokenRevoked(int request, const QString &name);
    void tokenCopied(int request, const QString &name);

private:
    TokensModel *m_model;
};

} // namespace ga::ui
