// SPDX-License-Identifier: GPL-3.0-or-later
// The main window with the real app (ga::ui::DesktopApp): its geometry (qml/windowgeometry.h) — a restart puts
// the window where it was; a saved geometry larger than the screen, and the default size on a small screen, are
// cut to the screen's available area — and, in Chinese, its title and core's messages.
#include "backend.h"
#include "desktopapp.h"
#include "settingscontroller.h"
#include "testsupport.h"
#include "windowgeometry.h"

#include <QApplication>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QQuickWindow>
#include <QScopeGuard>
#include <QScreen>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace ga;

class TestWindowGeometry : public QObject
{
    Q_OBJECT

    QTemporaryDir m_home;
    QString m_config;

    std::unique_ptr<ui::DesktopApp> startApp()
    {
        ui::DesktopApp::Options options;
        options.configPath = m_config;
        options.singleInstance = false;
        options.tray = false;
        options.workers = 1;
        auto app = std::make_unique<ui::DesktopApp>(options);
        if (app->start() != 0 || !app->window()) {
            qWarning().noquote() << "the app did not start:" << app->error();
            return nullptr;
        }
        if (!QTest::qWaitFor([&] { return app->window()->isVisible(); }, 10000)) {
            qWarning() << "the window was not shown";
            return nullptr;
        }
        return app;
    }
    QString stateFile() const { return m_home.filePath(QStringLiteral("ui-state.ini")); }
    static QRect available(const QWindow *window) { return window->screen()->availableGeometry(); }
    static QString show(const QRect &r)
    {
        return QStringLiteral("%1,%2 %3x%4").arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height());
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE")) {
            qputenv("QT_QUICK_CONTROLS_STYLE", "Fusion");
        }
        QVERIFY(m_home.isValid());
        for (const char *dir : { "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME" }) {
            const QString path = m_home.filePath(QString::fromLatin1(dir).toLower());
            QDir().mkpath(path);
            qputenv(dir, path.toUtf8());
        }
        qputenv("GEMINI_AGGREGATOR_SECRET_STORE", "file");
        qputenv("GEMINI_AGGREGATOR_PASSPHRASE", "geometry-test");
        m_config = m_home.filePath(QStringLiteral("config.json"));
        QVERIFY(test::writeAll(m_config,
            QJsonDocument(
                QJsonObject {
                    { QStringLiteral("version"), 1 },
                    { QStringLiteral("listen"), QJsonObject { { QStringLiteral("port"), test::freePort() } } },
                    { QStringLiteral("auth"), QJsonObject { { QStringLiteral("allowAnonymousLoopback"), true } } },
                })
                .toJson()));
    }

    void fitted_data()
    {
        QTest::addColumn<QRect>("wanted");
        QTest::addColumn<QRect>("expected");
        QTest::addRow("inside stays") << QRect(100, 50, 800, 600) << QRect(100, 50, 800, 600);
        QTest::addRow("too tall is cut") << QRect(100, 50, 800, 1000) << QRect(100, 0, 800, 768);
        QTest::addRow("too large is cut") << QRect(-50, -50, 3000, 2000) << QRect(0, 0, 1366, 768);
        QTest::addRow("off the right edge moves in") << QRect(1200, 100, 400, 300) << QRect(966, 100, 400, 300);
        QTest::addRow("off the top moves down") << QRect(10, -300, 400, 300) << QRect(10, 0, 400, 300);
    }
    void fitted()
    {
        QFETCH(QRect, wanted);
        QFETCH(QRect, expected);
        QCOMPARE(ui::WindowGeometry::fitted(wanted, QRect(0, 0, 1366, 768)), expected);
        QCOMPARE(ui::WindowGeometry::fitted(wanted.translated(1366, 0), QRect(1366, 0, 1366, 768)),
            expected.translated(1366, 0));
    }

    // Nothing saved: the window's own size, but never larger than the screen (the offscreen screen is smaller than
    // the default size).
    void firstStartFitsTheScreen()
    {
        QFile::remove(stateFile());
        auto app = startApp();
        QVERIFY(app);
        const QRect screen = available(app->window());
        // All of the window, frame included (known once it is shown).
        QTRY_VERIFY2(screen.contains(app->window()->frameGeometry()),
            qPrintable(QStringLiteral("%1 is not within the screen's %2")
                           .arg(show(app->window()->frameGeometry()), show(screen))));
        QVERIFY(app->window()->minimumHeight() <= screen.height());
        QVERIFY(app->window()->minimumWidth() <= screen.width());
    }

    void restartRestoresTheGeometry()
    {
        QRect moved;
        {
            auto app = startApp();
            QVERIFY(app);
            const QRect screen = available(app->window());
            moved = QRect(screen.x() + 23, screen.y() + 17, screen.width() / 2 + 11, screen.height() / 2 + 7);
            app->window()->setGeometry(moved);
            QTRY_COMPARE(app->window()->geometry(), moved);
        } // quits: the geometry is saved
        QVERIFY(QFile::exists(stateFile()));
        auto again = startApp();
        QVERIFY(again);
        QCOMPARE(again->window()->geometry(), moved);

        // A move is saved a moment later, while the app runs.
        const QRect screen = available(again->window());
        const QRect second(screen.x() + 5, screen.y() + 9, screen.width() / 2, screen.height() / 2);
        again->window()->setGeometry(second);
        QTRY_COMPARE_WITH_TIMEOUT(
            QSettings(stateFile(), QSettings::IniFormat)
                .value(QStringLiteral("geometry/") + ui::WindowGeometry::screenKey(again->window()->screen()))
                .toRect(),
            second, 5000);
    }

    void aSavedGeometryLargerThanTheScreenIsCut()
    {
        QString key;
        QRect screen;
        {
            auto app = startApp();
            QVERIFY(app);
            key = ui::WindowGeometry::screenKey(app->window()->screen());
            screen = available(app->window());
        }
        {
            QSettings state(stateFile(), QSettings::IniFormat);
            state.setValue(QStringLiteral("geometry/") + key,
                QRect(screen.x() - 400, screen.y() - 300, screen.width() * 3, screen.height() * 2));
            state.setValue(QStringLiteral("lastScreen"), key);
        }
        auto app = startApp();
        QVERIFY(app);
        QTRY_COMPARE(app->window()->frameGeometry(), screen);
    }

    // In Chinese the window is titled in Chinese only (Qt appends the display name unless the title ends with it),
    // and the window shows core's validation messages in Chinese.
    void chineseTitleAndMessages()
    {
        auto app = startApp();
        QVERIFY(app);
        ui::Backend *backend = app->backend();
        QSignalSpy changed(backend, &ui::Backend::languageChanged);
        backend->setLanguage(QStringLiteral("zh_CN"));
        QVERIFY(changed.wait(10000));
        const auto restore = qScopeGuard([&] {
            QSignalSpy back(backend, &ui::Backend::languageChanged);
            backend->setLanguage(QStringLiteral("en"));
            back.wait(10000);
        });
        QTRY_COMPARE(app->window()->title(), QStringLiteral("Gemini 聚合器"));
        QCOMPARE(QGuiApplication::applicationDisplayName(), app->window()->title());

        const QVariantMap problems
            = backend->settingsController()->checkSettings({ { QStringLiteral("listen.port"), 70000 },
                { QStringLiteral("upstream.baseUrl"), QStringLiteral("ftp://x") } });
        QCOMPARE(problems.size(), 2);
        const QString port = problems.value(QStringLiteral("listen.port")).toString();
        QVERIFY2(port.contains(QStringLiteral("不是有效的端口")) && port.contains(u"70000"), qPrintable(port));
        const QString url = problems.value(QStringLiteral("upstream.baseUrl")).toString();
        QVERIFY2(url.contains(QStringLiteral("网址")), qPrintable(url));
    }

    // A config file the app cannot start with: the failure dialog speaks the language the file asks for (read even
    // though the file is not valid), its problems with where they are and the reason what to do (issue 20, item 2).
    void startFailureSpeaksTheConfiguredLanguage()
    {
        const QString broken = m_home.filePath(QStringLiteral("broken.json"));
        QVERIFY(test::writeAll(broken,
            "{\n  \"version\": 1,\n  \"ui\": { \"language\": \"zh_CN\" },\n  \"listen\": { \"port\": 70000 }\n}\n"));
        ui::DesktopApp::Options options;
        options.configPath = broken;
        options.singleInstance = false;
        options.tray = false;
        options.workers = 1;
        ui::DesktopApp app(options);
        QVERIFY(app.start() > 0);
        // The log and error() stay English.
        QVERIFY2(app.error().contains(QStringLiteral("is not valid and was left unchanged")), qPrintable(app.error()));
        QVERIFY2(app.error().contains(QStringLiteral("70000 is not a port")), qPrintable(app.error()));
        const QString shown = app.errorForPeople();
        QVERIFY2(shown.startsWith(QStringLiteral("Gemini 聚合器无法启动：\n")), qPrintable(shown));
        QVERIFY2(shown.contains(broken + QStringLiteral(":4: listen.port: 70000 不是有效的端口")), qPrintable(shown));
        QVERIFY2(shown.contains(QStringLiteral("配置文件 ") + broken), qPrintable(shown));
        // The problems come first, what to do last ("fix the lines above").
        QVERIFY(shown.indexOf(u"70000") < shown.indexOf(QStringLiteral("配置文件 ")));
    }
};

QTEST_MAIN(TestWindowGeometry)
#include "tst_windowgeometry.moc"
