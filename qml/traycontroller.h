// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "traynotice.h"

#include <QAction>
#include <QActionGroup>
#include <QIcon>
#include <QMenu>
#include <QObject>
#include <QSystemTrayIcon>

namespace ga::ui {

class Backend;

// The tray icon and its menu. The icon shows the state (running, degraded, stopped, error), the tooltip
// the mode, endpoint, keys and relays; the menu drives the backend. Notifications from the Notifier are
// shown as tray messages.
class TrayController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrayController)

public:
    explicit TrayController(Backend *backend, QObject *parent = nullptr);

    void show();
    QSystemTrayIcon *trayIcon() { return &m_tray; }
    QMenu *menu() { return &m_menu; }
    // Actions by name, for tests: open, toggle, local, serverless, hybrid, copyEndpoint, copyToken,
    // copyGeminiCli, test, logs, quit.
    QAction *action(const QString &name) const;
    QString toolTip() const { return m_tray.toolTip(); }
    // The icon file for a state (running, degraded, stopped, error).
    static QString iconPath(const QString &state);

Q_SIGNALS:
    void openRequested();
    void quitRequested();
    // A tray message was shown (tests and the first-close notice use it).
    void messageShown(const QString &title, const QString &message);

public Q_SLOTS:
    // The message's icon says what it is about (a warning, or news such as "still running"), not the app's state.
    void showMessage(const QString &title, const QString &message, bool warning = false);
    // A notice that stands only until withdrawNotice() (the close-to-tray notice, taken down when the window is back).
    void showNotice(const QString &title, const QString &message);
    void withdrawNotice();
    // Re-reads the backend's state and retranslates the menu.
    void update();

private:
    void build();

    Backend *m_backend;
    QSystemTrayIcon m_tray;
    QMenu m_menu;
    QActionGroup m_modes;
    QHash<QString, QAction *> m_actions;
    QString m_iconState;
    TrayNotice m_notice { &m_tray };
};

} // namespace ga::ui
