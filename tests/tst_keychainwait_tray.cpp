// SPDX-License-Identifier: GPL-3.0-or-later
// The desktop app started before the keychain (issue 16, defect 10: "Keychain not ready at login"): while it waits,
// a tray icon says so in the configured language; after the limit it fails with the usual sentence and the icon
// goes. Runs under Xvfb with trayer as the tray host (tests/gui/xvfb-session.sh); the session bus points nowhere
// (gui.cmake), so the keychain is unavailable from the first probe to the last.
#include "desktopapp.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSystemTrayIcon>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace ga;

class TestKeychainWaitTray : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS").contains(QStringLiteral("nonexistent")),
            "run with DBUS_SESSION_BUS_ADDRESS pointing nowhere (see tests/gui.cmake)");
        QTRY_VERIFY_WITH_TIMEOUT(QSystemTrayIcon::isSystemTrayAvailable(), 10'000);
        qunsetenv("GEMINI_AGGREGATOR_SECRET_STORE"); // the default: the OS keychain
        qunsetenv("GEMINI_AGGREGATOR_PASSPHRASE");
        qputenv("GEMINI_AGGREGATOR_KEYCHAIN_WAIT_MS", "3000");
    }

    void trayShowsTheWaitThenTheAppFails_data()
    {
        QTest::addColumn<QString>("language");
        QTest::addColumn<QString>("toolTip");
        QTest::addColumn<QString>("failure"); // the dialog's first line and the keychain's sentence
        QTest::addRow("en") << QStringLiteral("en") << QStringLiteral("Gemini Aggregator — waiting for the keychain…")
                            << QStringLiteral("Gemini Aggregator could not start:\nThe OS keychain is not available");
        QTest::addRow("zh_CN") << QStringLiteral("zh_CN") << QStringLiteral("Gemini 聚合器 — 正在等待钥匙串…")
                               << QStringLiteral("Gemini 聚合器无法启动：\n系统钥匙串不可用");
    }
    void trayShowsTheWaitThenTheAppFails()
    {
        QFETCH(QString, language);
        QFETCH(QString, toolTip);
        QFETCH(QString, failure);
        QTemporaryDir home;
        QVERIFY(home.isValid());
        for (const char *dir : { "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME" }) {
            const QString path = home.filePath(QString::fromLatin1(dir).toLower());
            QDir().mkpath(path);
            qputenv(dir, path.toUtf8());
        }
        const QString config = home.filePath(QStringLiteral("config.json"));
        QVERIFY(test::writeAll(config,
            QJsonDocument(
                QJsonObject {
                    { QStringLiteral("version"), 1 },
                    { QStringLiteral("listen"), QJsonObject { { QStringLiteral("port"), test::freePort() } } },
                    { QStringLiteral("ui"), QJsonObject { { QStringLiteral("language"), language } } },
                })
                .toJson()));

        ui::DesktopApp::Options options;
        options.configPath = config;
        options.singleInstance = false;
        options.workers = 1;
        ui::DesktopApp app(options);
        // start() waits inside; these run from its event loop meanwhile.
        QString seenToolTip;
        bool seenVisible = false;
        int ticks = 0;
        QTimer look;
        connect(&look, &QTimer::timeout, this, [&] {
            ++ticks;
            if (auto *icon = app.findChild<QSystemTrayIcon *>()) {
                seenToolTip = icon->toolTip();
                seenVisible = icon->isVisible();
            }
        });
        look.start(100);
        QElapsedTimer t;
        t.start();
        const int started = app.start();
        const qint64 took = t.elapsed();
        look.stop();

        QCOMPARE(started, 1);
        QVERIFY2(took >= 3000 && took < 10'000, qPrintable(QString::number(took)));
        QVERIFY2(ticks >= 20, qPrintable(QString::number(ticks))); // the event loop ran while it waited
        QCOMPARE(seenToolTip, toolTip);
        QVERIFY(seenVisible);
        QVERIFY2(!app.error().isEmpty(), "no reason");
        // The failure dialog (app/gui/main.cpp) speaks the configured language, the secret store's sentence too.
        QVERIFY2(app.errorForPeople().startsWith(failure), qPrintable(app.errorForPeople()));
        QVERIFY(!app.findChild<QSystemTrayIcon *>()); // gone with the wait
        QVERIFY(!app.service());
    }
};

QTEST_MAIN(TestKeychainWaitTray)
#include "tst_keychainwait_tray.moc"
