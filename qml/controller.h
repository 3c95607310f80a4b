// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "adminclient.h"

#include <QHash>
#include <QJSEngine>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <functional>

namespace ga::daemon {
class Service;
}

namespace ga::ui {

// What the window's controllers share (Backend, KeysController, InstancesController, TokensController,
// SettingsController, SetupController): every asynchronous action returns a request id at once and ends with
// exactly one signal whose first argument is that id — its own success signal, or failed(). The controllers are
// singletons that several pages listen to, so a page compares the id with the one it got and ignores the rest.
// The signals always come from the event loop, after the caller has its id.
class Controller : public QObject
{
    Q_OBJECT
    QML_ANONYMOUS
    Q_DISABLE_COPY_MOVE(Controller)

    // A request of this controller is on its way.
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    // The message of the last request that failed, until one succeeds.
    Q_PROPERTY(QString lastError READ lastError NOTIFY lastErrorChanged)

public:
    // Who hears how a request ended. The window's pages listen to the signals. An action started elsewhere (the
    // tray menu) has nobody listening, so its outcome goes to the toast line too (the window shows it, or the tray
    // while the window is hidden).
    enum class Report
    {
        Signals,
        Toast
    };

    bool busy() const { return !m_open.isEmpty(); }
    QString lastError() const { return m_lastError; }
    daemon::Service *service() const { return m_service; }

Q_SIGNALS:
    void busyChanged();
    void lastErrorChanged();
    // `request` did not succeed. problems: [{path, message}] for input that was refused field by field.
    // fault: invalid | not-found | conflict | busy | failed.
    void failed(int request, const QString &message, const QVariantList &problems, const QString &fault);
    // A short message for the window's toast line.
    void toast(const QString &message);

protected:
    Controller(daemon::Service *service, QObject *parent);

    AdminClient *admin() const { return m_admin; }
    // A new request: its id for the caller and for its outcome signal.
    int begin(Report report = Report::Signals);
    // Ends `request` with its success signal (`emitOutcome` emits it); a toasted request also shows `summary`.
    void succeed(int request, std::function<void()> emitOutcome, const QString &summary = QString());
    void fail(int request, const QString &message, const QVariantList &problems = {},
        const QString &fault = QStringLiteral("invalid"));
    void fail(int request, const AdminClient::Reply &reply);

    // Runs `step` for each item in turn (each step calls `next` once), then `done`; stops when this controller goes.
    void inTurn(const QStringList &items, std::function<void(const QString &item, std::function<void()> next)> step,
        std::function<void()> done);

    // What the window copies (endpoint, a new token or relay secret) goes to the system clipboard.
    static void toClipboard(const QString &text);

    // For the QML_SINGLETON factories: the instance the Backend made, kept by C++.
    template<typename T>
    static T *exposed(T *controller)
    {
        Q_ASSERT(controller);
        QJSEngine::setObjectOwnership(controller, QJSEngine::CppOwnership);
        return controller;
    }

private:
    void close(int request);

    daemon::Service *m_service;
    AdminClient *m_admin;
    int m_nextRequest = 1;
    QHash<int, Report> m_open;
    QString m_lastError;
};

} // namespace ga::ui
