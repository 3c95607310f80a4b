// SPDX-License-Identifier: GPL-3.0-or-later
// Qt Quick Test runner for the window's components (tests/qml/tst_*.qml), offscreen. Before the QML engine
// loads a test, a real Service (temporary config, in-memory secret store, the fake Gemini upstream) is
// started and its Backend registered for the GeminiAggregator.Ui singletons (Backend and the controllers it makes:
// KeysController, SettingsController, …) — the same objects the app uses.
#include "admin/adminapi.h"
#include "backend.h"
#include "config/configstore.h"
#include "daemon/service.h"
#include "fakegemini.h"
#include "proxy/proxyserver.h"
#include "secrets/memorysecretstore.h"
#include "security/authenticator.h"
#include "testsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QQmlEngine>
#include <QTemporaryDir>
#include <QtQml/QQmlExtensionPlugin>
#include <QtQuickTest>

#include <memory>

Q_IMPORT_QML_PLUGIN(GeminiAggregator_UiPlugin)

using namespace ga;
using ga::test::FakeGemini;

class Setup : public QObject
{
    Q_OBJECT

public Q_SLOTS:
    void applicationAvailable()
    {
        const QByteArray home = m_dir.filePath(QStringLiteral("home")).toUtf8();
        qputenv("XDG_CONFIG_HOME", home + "/config");
        qputenv("XDG_DATA_HOME", home + "/data");
    }

    void qmlEngineAvailable(QQmlEngine *engine)
    {
        if (!m_backend) {
            start();
        }
        m_backend->setEngine(engine);
        engine->addImportPath(QStringLiteral("qrc:/"));
    }

    void cleanupTestCase()
    {
        ui::Backend::setInstance(nullptr);
        m_backend.reset();
        m_service.reset();
    }

private:
    void start()
    {
        if (!m_upstream.listen()) {
            qFatal("the fake upstream did not listen");
        }
        for (int i = 1; i <= 3; ++i) {
            m_upstream.addKey(test::fakeKey(i));
        }
        const QString path = m_dir.filePath(QStringLiteral("config.json"));
        test::writeAll(path,
            QJsonDocument(
                QJsonObject { { QStringLiteral("version"), 1 },
                    { QStringLiteral("listen"), QJsonObject { { QStringLiteral("port"), test::freePort() } } },
                    { QStringLiteral("upstream"),
                        QJsonObject { { QStringLiteral("baseUrl"), m_upstream.baseUrl() } } } })
                .toJson());
        m_config = std::make_unique<config::ConfigStore>(path);
        if (m_config->load().hasErrors()) {
            qFatal("the test config did not load");
        }
        QString error;
        m_service = std::make_unique<daemon::Service>(m_config.get(), &m_secrets);
        admin::install(app::serviceRuntime(*m_service));
        m_service->setWorkerCount(1);
        m_service->setFileLogging(false);
        if (!m_service->start(&error)) {
            qFatal("the service did not start: %s", qPrintable(error));
        }
        m_service->proxyServer()->authenticator()->setAllowAnonymousLoopback(true);
        m_backend = std::make_unique<ui::Backend>(m_service.get());
        ui::Backend::setInstance(m_backend.get());
        // A fixed language: the tests compare English strings.
        qputenv("LANGUAGE", "en");
    }

    QTemporaryDir m_dir;
    FakeGemini m_upstream;
    secrets::MemorySecretStore m_secrets;
    std::unique_ptr<config::ConfigStore> m_config;
    std::unique_ptr<daemon::Service> m_service;
    std::unique_ptr<ui::Backend> m_backend;
};

QUICK_TEST_MAIN_WITH_SETUP(qmlcomponents, Setup)

#include "tst_qmlcomponents.moc"
