// SPDX-License-Identifier: GPL-3.0-or-later
// gemini-aggregator: the desktop app. Everything lives in qml/ (ga::ui::DesktopApp); this file only reads
// the command line and shows a dialog when the app cannot start.
#include "cli/commandtable.h"
#include "desktopapp.h"
#include "logging/messagehandler.h"
#include "version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTimer>
#include <QtQml/QQmlExtensionPlugin>

Q_IMPORT_QML_PLUGIN(GeminiAggregator_UiPlugin)

int main(int argc, char **argv)
{
    ga::ui::msSinceProcessStart();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QLatin1String(ga::kAppName));
    QApplication::setOrganizationName(QLatin1String(ga::kOrganization));
    QApplication::setApplicationVersion(QLatin1String(ga::kVersion));
    QApplication::setApplicationDisplayName(QStringLiteral("Gemini Aggregator"));
    QApplication::setDesktopFileName(QStringLiteral("io.github.gemini_aggregator.GeminiAggregator"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/GeminiAggregator/Ui/icons/tray-running.svg")));
    // The window hides to the tray; only Quit ends the app.
    QApplication::setQuitOnLastWindowClosed(false);
    ga::logging::installMessageHandler();
    ga::logging::startLogWriter(); // the proxy's threads queue their lines; a writer thread writes them
    if (QQuickStyle::name().isEmpty()) {
        QQuickStyle::setStyle(QStringLiteral("Fusion")); // follows the system palette, light or dark
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Local Gemini API proxy with key rotation"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption config = ga::cli::commandLineOption(QStringLiteral("config")); // as gemini-aggregatord's
    const QCommandLineOption minimized(QStringLiteral("minimized"), QStringLiteral("Start in the tray."));
    const QCommandLineOption quitAfterLoad(
        QStringLiteral("quit-after-load"), QStringLiteral("Start, show the window, then exit (0 when it was shown)."));
    parser.addOptions({ config, minimized, quitAfterLoad });
    parser.process(app);

    ga::ui::DesktopApp::Options options;
    options.configPath = parser.value(config);
    options.minimized = parser.isSet(minimized);
    options.singleInstance = !parser.isSet(quitAfterLoad);
    ga::ui::DesktopApp desktop(options);
    const int started = desktop.start();
    if (started == -1) {
        return 0; // the running instance shows its window
    }
    if (started != 0) {
        if (!parser.isSet(quitAfterLoad)) {
            QMessageBox::critical(nullptr, QStringLiteral("Gemini Aggregator"), desktop.errorForPeople());
        }
        return started;
    }
    if (parser.isSet(quitAfterLoad)) {
        QObject::connect(&desktop, &ga::ui::DesktopApp::windowShown, &app, [] { QCoreApplication::exit(0); });
    }
    return QApplication::exec();
}
