// SPDX-License-Identifier: GPL-3.0-or-later
// gemini-aggregator: the desktop app. The window and tray live in qml/; this file only wires them up.
#include "logging/messagehandler.h"
#include "version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QLocale>
#include <QQmlApplicationEngine>
#include <QQmlContext>
#include <QTimer>
#include <QTranslator>
#include <QtQml/QQmlExtensionPlugin>

Q_IMPORT_QML_PLUGIN(GeminiAggregator_UiPlugin)

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QLatin1String(ga::kAppName));
    QApplication::setOrganizationName(QLatin1String(ga::kOrganization));
    QApplication::setApplicationVersion(QLatin1String(ga::kVersion));
    QApplication::setApplicationDisplayName(QStringLiteral("Gemini Aggregator"));
    ga::logging::installMessageHandler();

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Local Gemini API proxy with key rotation"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption config(
        QStringLiteral("config"), QStringLiteral("Config file to use."), QStringLiteral("path"));
    const QCommandLineOption quitAfterLoad(
        QStringLiteral("quit-after-load"), QStringLiteral("Load the window, then exit (0 when it loaded)."));
    parser.addOptions({ config, quitAfterLoad });
    parser.process(app);
    if (parser.isSet(config)) {
        qputenv("GEMINI_AGGREGATOR_CONFIG", QFile::encodeName(parser.value(config)));
    }

    QTranslator translator;
    if (translator.load(
            QLocale(), QStringLiteral("gemini-aggregator"), QStringLiteral("_"), QStringLiteral(":/i18n"))) {
        QApplication::installTranslator(&translator);
    }

    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/"));
    bool loaded = false;
    QObject::connect(&engine, &QQmlApplicationEngine::objectCreated, &app,
        [&loaded](QObject *object, const QUrl &) { loaded = object != nullptr; });
    engine.load(QUrl(QStringLiteral("qrc:/GeminiAggregator/Ui/Main.qml")));
    if (!loaded) {
        return 1;
    }
    if (parser.isSet(quitAfterLoad)) {
        QTimer::singleShot(0, &app, [] { QCoreApplication::exit(0); });
    }
    return QApplication::exec();
}
