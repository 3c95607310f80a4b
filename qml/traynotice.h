// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QString>

class QSystemTrayIcon;

namespace ga::ui {

// A tray notice that stands only while it is true, such as "still running in the tray" after the window was
// closed: withdraw() takes it down when the window is back. Qt's QSystemTrayIcon cannot withdraw a message, so:
// - with a desktop notification service on the session bus (Linux/BSD desktops: GNOME, KDE, dunst, …), the
//   notice is sent to it directly (org.freedesktop.Notifications Notify) and closed by its id (CloseNotification);
// - without one, on X11 Qt draws its own balloon next to the tray icon, which an empty message takes down;
// - elsewhere (Windows, macOS) the system shows it for a few seconds and it cannot be withdrawn.
class TrayNotice final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrayNotice)

public:
    explicit TrayNotice(QSystemTrayIcon *tray, QObject *parent = nullptr);
    ~TrayNotice() override;

    void show(const QString &title, const QString &message);
    void withdraw();
    // Another tray message replaced the balloon: withdrawing must not take that one down.
    void replacedByMessage() { m_balloon = false; }

    // Whether the notice went to the desktop notification service (tests).
    bool viaNotificationService() const { return m_viaService; }

private:
    bool notificationServicePresent() const;
    void closeNotification(uint id);

    QSystemTrayIcon *m_tray;
    bool m_balloon = false; // shown as Qt's balloon, not yet withdrawn
    bool m_viaService = false;
    bool m_pending = false; // Notify sent, its id not known yet
    bool m_withdrawWhenKnown = false;
    uint m_id = 0; // the service's id of the notice standing, 0 for none
};

} // namespace ga::ui
