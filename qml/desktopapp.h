// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QPointer>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QString>
#include <QTranslator>

#include <memory>

namespace ga::app {
class Session;
}
namespace ga::daemon {
class Service;
}

namespace ga::ui {

class Backend;
class SingleInstance;
class TrayController;
class WindowGeometry;

// The desktop app put together: config and secrets (as `run` opens them), the Service with its proxy, the
// Backend facade, the QML window, the tray and the single-instance guard. app/gui/main.cpp is a thin
// wrapper; the GUI tests start the very same thing.
class DesktopApp final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DesktopApp)

public:
    struct Options
    {
        QString configPath; // empty: the default (or $GEMINI_AGGREGATOR_CONFIG)
        bool minimized = false; // start in the tray
        bool singleInstance = true;
        bool tray = true;
        int workers = 0; // proxy worker threads (0: one per core)
    };

    explicit DesktopApp(Options options, QObject *parent = nullptr);
    ~DesktopApp() override;

    // 0 when everything runs; -1 when another instance was asked to show itself (exit quietly); else an
    // exit code, with the reason in error().
    int start();
    QString error() const { return m_error; } // English, as logged
    // What the start-up failure dialog says: error() and the config file's problems, in the configured language
    // (the system's when the config cannot say).
    QString errorForPeople() const;

    Backend *backend() const { return m_backend.get(); }
    daemon::Service *service() const { return m_service.get(); }
    QQmlApplicationEngine *engine() const { return m_engine.get(); }
    QQuickWindow *window() const { return m_window; }
    TrayController *tray() const { return m_tray.get(); }
    WindowGeometry *geometry() const { return m_geometry.get(); }
    // Milliseconds from the process's start until the window was first shown (-1: not yet).
    qint64 windowShownMs() const { return m_windowShownMs; }

    void showWindow();

Q_SIGNALS:
    void windowShown(qint64 msSinceProcessStart);

private:
    static std::unique_ptr<QTranslator> loadStartupTranslator(const QString &configPath);

    Options m_options;
    QString m_error;
    std::unique_ptr<app::Session> m_session;
    QStringList m_configNotes; // warnings and problems found in the config file
    // A start that failed with the config's notes: the reason and the notes apart (error() holds both).
    QString m_failureReason;
    QStringList m_failureNotes;
    // The configured language while the app starts (the Backend loads it for good once the config is open): the
    // keychain-wait tooltip, the secret store's sentences and a failure speak it.
    std::unique_ptr<QTranslator> m_startupTranslator;
    std::unique_ptr<daemon::Service> m_service;
    std::unique_ptr<Backend> m_backend;
    std::unique_ptr<QQmlApplicationEngine> m_engine;
    std::unique_ptr<TrayController> m_tray;
    std::unique_ptr<SingleInstance> m_instance;
    QPointer<QQuickWindow> m_window;
    std::unique_ptr<WindowGeometry> m_geometry;
    qint64 m_windowShownMs = -1;
};

// Milliseconds since this process started (from the OS where it tells, else since the first call).
qint64 msSinceProcessStart();

} // namespace ga::ui
