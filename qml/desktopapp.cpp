// SPDX-License-Identifier: GPL-3.0-or-later
#include "desktopapp.h"

#include "admin/adminapi.h"
#include "app/session.h"
#include "app/startup.h"
#include "backend.h"
#include "daemon/service.h"
#include "logging/logging.h"
#include "logging/usertext.h"
#include "notifier.h"
#include "singleinstance.h"
#include "traycontroller.h"
#include "windowgeometry.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QIcon>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QPalette>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSystemTrayIcon>
#include <QTranslator>

namespace ga::ui {
namespace {

constexpr int kStartFailed = 1; // the exit code of a start that failed (as the daemon's)

} // namespace

qint64 msSinceProcessStart()
{
    static QElapsedTimer sinceFirstCall = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
#if defined(Q_OS_LINUX)
    // /proc/self/stat field 22: start time in clock ticks after boot; /proc/uptime: seconds since boot.
    QFile stat(QStringLiteral("/proc/self/stat"));
    QFile uptime(QStringLiteral("/proc/uptime"));
    if (stat.open(QIODevice::ReadOnly) && uptime.open(QIODevice::ReadOnly)) {
        const QByteArray s = stat.readAll();
        const QList<QByteArray> fields = s.mid(s.lastIndexOf(')') + 2).split(' ');
        const double startTicks = fields.value(19).toDouble();
        const double upSeconds = uptime.readAll().split(' ').value(0).toDouble();
        if (startTicks > 0 && upSeconds > 0) {
            return qint64((upSeconds - startTicks / 100.0) * 1000.0); // USER_HZ is 100 on Linux
        }
    }
#endif
    return sinceFirstCall.elapsed();
}

DesktopApp::DesktopApp(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    msSinceProcessStart();
}

DesktopApp::~DesktopApp()
{
    // The window's last geometry is kept; then the window and tray talk to the backend, the backend to the service:
    // tear down in that order.
    if (m_geometry) {
        m_geometry->save();
        m_geometry.reset();
    }
    m_tray.reset();
    m_engine.reset();
    Backend::setInstance(nullptr);
    m_backend.reset();
    m_service.reset();
}

std::unique_ptr<QTranslator> DesktopApp::loadStartupTranslator(const QString &configPath)
{
    // Read as plain JSON: the config may be the very thing that is wrong, and ui.language still be there.
    QString language = QStringLiteral("system");
    if (QFile file(configPath); file.size() < 4 * 1024 * 1024 && file.open(QIODevice::ReadOnly)) {
        const QJsonValue set
            = QJsonDocument::fromJson(file.readAll()).object().value(u"ui").toObject().value(u"language");
        if (set.isString() && !set.toString().isEmpty()) {
            language = set.toString();
        }
    }
    auto translator = std::make_unique<QTranslator>();
    return loadAppTranslation(translator.get(), language) ? std::move(translator) : nullptr;
}

QString DesktopApp::errorForPeople() const
{
    // People read the config file's problems first, then what to do.
    QStringList lines;
    for (const QString &line : m_failureNotes) {
        lines.append(logging::translatedAfterPrefix(line));
    }
    if (!lines.isEmpty()) {
        lines.append(QString());
    }
    lines.append(logging::translated(m_failureNotes.isEmpty() ? m_error : m_failureReason));
    return tr("Gemini Aggregator could not start:\n%1").arg(lines.join(u'\n'));
}

int DesktopApp::start()
{
    // An encrypted secret file is opened with the passphrase the environment gives (app::passphraseFromEnvironment():
    // $GEMINI_AGGREGATOR_PASSPHRASE or the file $GEMINI_AGGREGATOR_PASSPHRASE_FILE names); a window has no terminal.
    app::Session::Options session;
    session.configPath = m_options.configPath;
    session.note = [this](const QString &line) {
        qCWarning(lcDaemon).noquote() << line;
        m_configNotes.append(line);
    };
    m_session = std::make_unique<app::Session>(session);

    if (m_options.singleInstance) {
        m_instance = std::make_unique<SingleInstance>(m_session->configPath());
        if (m_instance->notifyRunning()) {
            qCInfo(lcDaemon) << "already running: asked that instance to show its window";
            return -1;
        }
        QString why;
        if (!m_instance->listen(&why)) {
            qCWarning(lcDaemon).noquote() << "a second launch will not find this one:" << why;
        }
        connect(m_instance.get(), &SingleInstance::activationRequested, this, &DesktopApp::showWindow);
    }
    // Started at login, the app may come up before the keychain: prepareRun then waits for it (up to a minute, the
    // event loop running) and this icon says so. It is not the TrayController, which needs the Service, which needs
    // the secrets. The Backend loads the translations later, so the configured language is loaded here for the tooltip.
    m_startupTranslator = loadStartupTranslator(m_session->configPath());
    if (m_startupTranslator) {
        QCoreApplication::installTranslator(m_startupTranslator.get());
    }
    app::StartupOptions startup;
    if (m_options.tray) {
        startup.keychainWaiting = [this](bool waiting) {
            const QString name = QStringLiteral("keychainWaitTray");
            auto *icon = findChild<QSystemTrayIcon *>(name, Qt::FindDirectChildrenOnly);
            if (!waiting) {
                delete icon;
                return;
            }
            if (icon || !QSystemTrayIcon::isSystemTrayAvailable()) {
                return; // a tray host that comes up later still gets the icon at the next probe
            }
            icon = new QSystemTrayIcon(QIcon(TrayController::iconPath(QStringLiteral("stopped"))), this);
            icon->setObjectName(name);
            icon->setToolTip(tr("Gemini Aggregator — waiting for the keychain…")); // m_startupTranslator's language
            icon->show();
        };
    }

    if (const app::Outcome prepared = app::prepareRun(*m_session, startup); !prepared.ok()) {
        m_error = prepared.message; // the start-up translator stays: the failure dialog speaks its language
        if (!m_configNotes.isEmpty()) {
            m_failureReason = m_error;
            m_failureNotes = m_configNotes;
            m_error += QStringLiteral("\n\n") + m_configNotes.join(u'\n');
        }
        return kStartFailed;
    }
    app::Outcome opened;
    m_service = std::make_unique<daemon::Service>(m_session->config(&opened), m_session->secrets(&opened));
    m_service->setWorkerCount(m_options.workers);
    admin::install(app::serviceRuntime(*m_service));
    // A port that cannot be bound opens the window on Settings with the problem shown, not an exit-only dialog.
    m_service->setStartWithoutListener(true);
    connect(m_service.get(), &daemon::Service::ready, this, [this](int count) {
        qCInfo(lcDaemon).noquote() << "ready: listening on" << m_service->listenUrl() << "with" << count << "key(s)";
    });
    if (!m_service->start(&m_error)) {
        return kStartFailed;
    }

    m_backend = std::make_unique<Backend>(m_service.get());
    Backend::setInstance(m_backend.get());
    m_startupTranslator.reset(); // the Backend's translator from here on, following ui.language as it changes
    m_backend->applyLanguage();

    // The window is plain 2D (text, lists, a Canvas chart): Qt Quick's software renderer draws it as well as
    // OpenGL does, and the GL stack would add ~90 MB resident (measured with Mesa llvmpipe) to an app that mostly
    // sits in the tray. QT_QUICK_BACKEND (e.g. "rhi"/"opengl") still picks another one.
    // A forced Material style in its light theme is the exception: it draws every raised surface (a button's fill,
    // a dialog, a menu) through a shader effect, which the software renderer leaves out, and a highlighted button's
    // white text stood on the page's white. Its dark theme reads without the fills (white on the dark page), and
    // filled it cannot read with any one accent: white text on its pale dark-theme accent is 2.3:1.
    const bool material = QQuickStyle::name().compare(u"Material", Qt::CaseInsensitive) == 0;
    const QString materialTheme = qEnvironmentVariable("QT_QUICK_CONTROLS_MATERIAL_THEME");
    const bool materialDark = materialTheme.compare(u"Dark", Qt::CaseInsensitive) == 0
        || (materialTheme.compare(u"System", Qt::CaseInsensitive) == 0
            && QGuiApplication::palette().color(QPalette::Window).lightness() < 128);
    if (qEnvironmentVariableIsEmpty("QT_QUICK_BACKEND") && !(material && !materialDark)) {
        QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);
    }
    // Material's default accent (pink) reads below 4.5:1 as text on its light surfaces (4.35:1); indigo reads, as
    // text and under white text. (In the dark theme pink reads and indigo's pale shade does not: 4.35:1.) A user's
    // own choice (this variable, or a qtquickcontrols2.conf named by QT_QUICK_CONTROLS_CONF) stays.
    if (material && !materialDark && qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_MATERIAL_ACCENT")
        && qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_CONF")) {
        qputenv("QT_QUICK_CONTROLS_MATERIAL_ACCENT", "Indigo");
    }
    m_engine = std::make_unique<QQmlApplicationEngine>();
    m_backend->setEngine(m_engine.get());
    m_engine->load(QUrl(QStringLiteral("qrc:/GeminiAggregator/Ui/Main.qml")));
    m_window
        = m_engine->rootObjects().isEmpty() ? nullptr : qobject_cast<QQuickWindow *>(m_engine->rootObjects().first());
    if (!m_window) {
        m_error = QStringLiteral("the window could not be loaded (see the QML errors above)");
        return kStartFailed;
    }
    connect(m_window, &QQuickWindow::frameSwapped, this, [this] {
        if (m_windowShownMs < 0) {
            m_windowShownMs = msSinceProcessStart();
            qCInfo(lcDaemon) << "window shown" << m_windowShownMs << "ms after launch";
            Q_EMIT windowShown(m_windowShownMs);
        }
    });
    connect(m_backend.get(), &Backend::showWindowRequested, this, &DesktopApp::showWindow);
    // Where the window was on this screen last time, and never larger than the screen.
    m_geometry = std::make_unique<WindowGeometry>(
        m_window, QFileInfo(m_session->configPath()).absoluteDir().filePath(QStringLiteral("ui-state.ini")));
    m_geometry->restore();

    const bool trayAvailable = m_options.tray && QSystemTrayIcon::isSystemTrayAvailable();
    if (m_options.tray) {
        m_tray = std::make_unique<TrayController>(m_backend.get());
        connect(m_tray.get(), &TrayController::openRequested, this, &DesktopApp::showWindow);
        connect(m_tray.get(), &TrayController::quitRequested, m_backend.get(), &Backend::quit);
        connect(m_backend->notifier(), &Notifier::notify, m_tray.get(), &TrayController::showMessage);
        // Outcomes of tray actions (copy, test all) go to the window's toast line; with the window hidden,
        // the tray says them instead.
        connect(m_backend.get(), &Backend::toast, m_tray.get(), [this](const QString &message) {
            if (m_window && !m_window->isVisible() && !message.isEmpty()) {
                m_tray->showMessage(QStringLiteral("Gemini Aggregator"), message);
            }
        });
        connect(m_backend.get(), &Backend::closedToTray, m_tray.get(), [this] {
            m_tray->showNotice(tr("Gemini Aggregator is still running"),
                tr("The proxy keeps serving. Open the window or quit from the tray icon."));
        });
        m_tray->show();
    }
    if (!trayAvailable) {
        qCInfo(lcDaemon) << "no system tray here: closing the window quits";
        connect(m_window, &QWindow::visibleChanged, m_backend.get(), [this](bool visible) {
            if (!visible) {
                m_backend->quit();
            }
        });
    }
    if (!m_options.minimized || !trayAvailable || !m_service->listenProblem().isEmpty()) {
        showWindow();
    }
    return 0;
}

void DesktopApp::showWindow()
{
    if (!m_window) {
        return;
    }
    const bool wasVisible = m_window->isVisible();
    if (m_tray) {
        m_tray->withdrawNotice(); // "still running in the tray" is no longer true news
    }
    m_window->show();
    if (wasVisible) {
        m_window->raise(); // a hidden window comes up on top anyway
    }
    m_window->requestActivate();
}

} // namespace ga::ui
