// SPDX-License-Identifier: GPL-3.0-or-later
#include "traynotice.h"

#include <QApplication>
#include <QCoreApplication>
#include <QSystemTrayIcon>
#include <QWidget>

#if defined(GA_DESKTOP_NOTIFICATIONS)
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QVariantMap>
#endif

#include <utility>

namespace ga::ui {

namespace {
#if defined(GA_DESKTOP_NOTIFICATIONS)
const QString kService = QStringLiteral("org.freedesktop.Notifications");
const QString kPath = QStringLiteral("/org/freedesktop/Notifications");

QDBusMessage notificationsCall(const QString &method)
{
    return QDBusMessage::createMethodCall(kService, kPath, kService, method);
}
#endif

// Qt's own balloon (QBalloonTip, X11 without a notification service) is a top-level widget while it is up.
bool balloonUp()
{
    const QWidgetList widgets = QApplication::topLevelWidgets();
    for (const QWidget *w : widgets) {
        if (w->isVisible() && qstrcmp(w->metaObject()->className(), "QBalloonTip") == 0) {
            return true;
        }
    }
    return false;
}
} // namespace

TrayNotice::TrayNotice(QSystemTrayIcon *tray, QObject *parent)
    : QObject(parent)
    , m_tray(tray)
{ }

TrayNotice::~TrayNotice()
{
    withdraw();
}

bool TrayNotice::notificationServicePresent() const
{
#if defined(GA_DESKTOP_NOTIFICATIONS)
    const QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected() || !bus.interface()) {
        return false;
    }
    // Running, or started by the bus on the first call (activatable).
    return bus.interface()->isServiceRegistered(kService).value()
        || bus.interface()->activatableServiceNames().value().contains(kService);
#else
    return false;
#endif
}

void TrayNotice::show(const QString &title, const QString &message)
{
    withdraw();
    m_viaService = notificationServicePresent();
#if defined(GA_DESKTOP_NOTIFICATIONS)
    if (m_viaService) {
        QDBusMessage call = notificationsCall(QStringLiteral("Notify"));
        // app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout (ms)
        call << QCoreApplication::applicationName() << uint(0) << QStringLiteral("dialog-information") << title
             << message << QStringList() << QVariantMap { { QStringLiteral("urgency"), QVariant::fromValue(uchar(1)) } }
             << int(8000);
        m_pending = true;
        m_withdrawWhenKnown = false;
        auto *watcher = new QDBusPendingCallWatcher(QDBusConnection::sessionBus().asyncCall(call), this);
        connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, watcher, title, message] {
            watcher->deleteLater();
            const QDBusPendingReply<uint> reply = *watcher;
            m_pending = false;
            if (reply.isError()) {
                // The service went away between the check and the call: Qt's own way then.
                m_viaService = false;
                m_tray->showMessage(title, message, QSystemTrayIcon::Information, 8000);
                m_balloon = true;
                return;
            }
            m_id = reply.value();
            if (std::exchange(m_withdrawWhenKnown, false)) {
                withdraw();
            }
        });
        return;
    }
#endif
    m_tray->showMessage(title, message, QSystemTrayIcon::Information, 8000);
    m_balloon = true;
}

void TrayNotice::withdraw()
{
    if (m_pending) {
        m_withdrawWhenKnown = true;
    }
    if (m_id != 0) {
        closeNotification(std::exchange(m_id, 0u));
    }
    if (std::exchange(m_balloon, false) && balloonUp()) {
        // Only where the balloon is up: on other platforms an empty message would be shown as one.
        m_tray->showMessage(QString(), QString(), QSystemTrayIcon::NoIcon, 0);
    }
}

void TrayNotice::closeNotification(uint id)
{
#if defined(GA_DESKTOP_NOTIFICATIONS)
    QDBusMessage call = notificationsCall(QStringLiteral("CloseNotification"));
    call << id;
    QDBusConnection::sessionBus().asyncCall(call);
#else
    Q_UNUSED(id)
#endif
}

} // namespace ga::ui
