// SPDX-License-Identifier: GPL-3.0-or-later
// The close-to-tray notice is withdrawn when the window is back (issue 20, polish: "close-to-tray notice … stays
// after the window returns"). Runs under its own session bus (dbus-run-session) and Xvfb with trayer as the tray
// host (tests/gui/xvfb-session.sh), so both ways a notice can be shown are real:
// - no notification service on the bus: Qt draws its balloon by the tray icon (a top-level QBalloonTip);
// - a notification service (here one this test puts on the bus over a second connection, speaking
//   org.freedesktop.Notifications): Notify, then CloseNotification with the id it returned.
#include "traynotice.h"

#include <QApplication>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QIcon>
#include <QPixmap>
#include <QSystemTrayIcon>
#include <QTest>
#include <QWidget>

using ga::ui::TrayNotice;

namespace {

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

const QString kService = QStringLiteral("org.freedesktop.Notifications");

} // namespace

// A desktop notification service as the spec has it (Notify returns a new id; CloseNotification takes one down
// and says so with NotificationClosed, reason 3).
class NotificationService : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")

public:
    struct Shown
    {
        uint id;
        QString summary;
        QString body;
        int timeout;
    };
    QList<Shown> shown;
    QList<uint> closed;
    uint nextId = 41;

public Q_SLOTS:
    uint Notify(const QString &appName, uint replacesId, const QString &icon, const QString &summary,
        const QString &body, const QStringList &actions, const QVariantMap &hints, int timeout)
    {
        Q_UNUSED(appName)
        Q_UNUSED(icon)
        Q_UNUSED(actions)
        Q_UNUSED(hints)
        const uint id = replacesId ? replacesId : ++nextId;
        shown.append({ id, summary, body, timeout });
        return id;
    }
    void CloseNotification(uint id)
    {
        closed.append(id);
        Q_EMIT NotificationClosed(id, 3);
    }
    QStringList GetCapabilities() { return { QStringLiteral("body") }; }

Q_SIGNALS:
    void NotificationClosed(uint id, uint reason);
};

class TestTrayNotice : public QObject
{
    Q_OBJECT

    std::unique_ptr<QSystemTrayIcon> m_tray;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QDBusConnection::sessionBus().isConnected(), "run under dbus-run-session (tests/gui.cmake)");
        QTRY_VERIFY_WITH_TIMEOUT(QSystemTrayIcon::isSystemTrayAvailable(), 10'000);
        QPixmap pixmap(22, 22);
        pixmap.fill(Qt::darkGreen);
        m_tray = std::make_unique<QSystemTrayIcon>(QIcon(pixmap));
        m_tray->show();
        // Qt draws its balloon by the icon once the tray host has embedded it. Before that the geometry is the
        // icon window's own (0,0 22x22), and a tray host that announces itself while the icon is not yet docked
        // makes Qt dock it again, taking a balloon shown meanwhile down: wait until it sits in trayer's panel
        // (bottom right, tests/gui/xvfb-session.sh).
        QTRY_VERIFY_WITH_TIMEOUT(m_tray->geometry().topLeft() != QPoint(0, 0), 10'000);
    }

    void balloonIsTakenDownWhenWithdrawn()
    {
        if (QDBusConnection::sessionBus().interface()->activatableServiceNames().value().contains(kService)) {
            QSKIP("a notification service is installed on this machine (the bus would start it): no balloon");
        }
        TrayNotice notice(m_tray.get());
        notice.show(QStringLiteral("Still running"), QStringLiteral("The proxy keeps serving."));
        QVERIFY(!notice.viaNotificationService());
        QTRY_VERIFY_WITH_TIMEOUT(balloonUp(), 5000);
        // Nothing else takes it down in the meantime (it would stand for 8 s).
        QTest::qWait(500);
        QVERIFY(balloonUp());
        notice.withdraw();
        QTRY_VERIFY_WITH_TIMEOUT(!balloonUp(), 2000);
    }

    void anotherMessageIsNotTakenDown()
    {
        if (QDBusConnection::sessionBus().interface()->activatableServiceNames().value().contains(kService)) {
            QSKIP("a notification service is installed on this machine (the bus would start it): no balloon");
        }
        TrayNotice notice(m_tray.get());
        notice.show(QStringLiteral("Still running"), QStringLiteral("The proxy keeps serving."));
        QTRY_VERIFY_WITH_TIMEOUT(balloonUp(), 5000);
        // A warning replaced the notice (TrayController::showMessage says so): it stays.
        notice.replacedByMessage();
        m_tray->showMessage(QStringLiteral("A key is invalid"), QStringLiteral("k1 was taken out of rotation"),
            QSystemTrayIcon::Warning, 8000);
        notice.withdraw();
        QTest::qWait(300);
        QVERIFY(balloonUp());
        m_tray->showMessage(QString(), QString(), QSystemTrayIcon::NoIcon, 0);
        QTRY_VERIFY(!balloonUp());
    }

    void notificationServiceGetsNotifyThenClose()
    {
        // The service lives on a connection of its own, as a notification daemon would.
        QDBusConnection daemon = QDBusConnection::connectToBus(QDBusConnection::SessionBus, QStringLiteral("daemon"));
        QVERIFY(daemon.isConnected());
        NotificationService service;
        QVERIFY(daemon.registerObject(QStringLiteral("/org/freedesktop/Notifications"), &service,
            QDBusConnection::ExportAllSlots | QDBusConnection::ExportAllSignals));
        QVERIFY(daemon.registerService(kService));
        QTRY_VERIFY(QDBusConnection::sessionBus().interface()->isServiceRegistered(kService).value());

        TrayNotice notice(m_tray.get());
        notice.show(QStringLiteral("Still running"), QStringLiteral("The proxy keeps serving."));
        QVERIFY(notice.viaNotificationService());
        QTRY_COMPARE(service.shown.size(), 1);
        QCOMPARE(service.shown.at(0).summary, QStringLiteral("Still running"));
        QCOMPARE(service.shown.at(0).body, QStringLiteral("The proxy keeps serving."));
        QCOMPARE(service.shown.at(0).timeout, 8000);
        QVERIFY(!balloonUp()); // not shown twice
        QTest::qWait(200);
        QVERIFY(service.closed.isEmpty());
        notice.withdraw();
        QTRY_COMPARE(service.closed, QList<uint> { service.shown.at(0).id });

        // Withdrawn before the service has answered with the id: closed once the id is known.
        notice.show(QStringLiteral("Still running"), QStringLiteral("again"));
        notice.withdraw();
        QTRY_COMPARE(service.shown.size(), 2);
        QTRY_COMPARE(service.closed.size(), 2);
        QCOMPARE(service.closed.at(1), service.shown.at(1).id);

        // Withdrawing twice closes nothing more.
        notice.withdraw();
        QTest::qWait(200);
        QCOMPARE(service.closed.size(), 2);

        daemon.unregisterService(kService);
        QDBusConnection::disconnectFromBus(QStringLiteral("daemon"));
    }
};

QTEST_MAIN(TestTrayNotice)
#include "tst_traynotice.moc"
