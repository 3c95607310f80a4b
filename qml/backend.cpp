// SPDX-License-Identifier: GPL-3.0-or-later
#include "backend.h"

#include "autostart.h"
#include "config/configpaths.h"
#include "daemon/service.h"
#include "dashboard.h"
#include "instancescontroller.h"
#include "keyscontroller.h"
#include "listmodels.h"
#include "logging/logging.h"
#include "logging/usertext.h"
#include "metrics/historymodel.h"
#include "notifier.h"
#include "proxy/proxyserver.h"
#include "security/browserguard.h"
#include "settingscontroller.h"
#include "setupcontroller.h"
#include "time/clock.h"
#include "tokenscontroller.h"
#include "version.h"

#include <QCoreApplication>
#include <QDesktopServices>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QGuiApplication>
#include <QJSEngine>
#include <QLibraryInfo>
#include <QLocale>
#include <QQmlEngine>
#include <QTranslator>
#include <QUrl>

#include <memory>

namespace ga::ui {

namespace {
Backend *s_instance = nullptr;
} // namespace

Backend::Backend(daemon::Service *service, QObject *parent)
    : Controller(service, parent)
    , m_keys(new KeysModel(service, this))
    , m_instances(new InstancesModel(service, this))
    , m_tokens(new TokensModel(service, this))
    , m_history(new metrics::HistoryModel(service->proxyServer()->recorder(), 1000, this))
    , m_dashboard(new Dashboard(service, time::Clock::system(), this))
    , m_notifier(new Notifier(service, time::Clock::system(), this))
    , m_autostart(new Autostart())
    , m_keysController(new KeysController(service, m_keys, this))
    , m_instancesController(new InstancesController(service, m_instances, this))
    , m_tokensController(new TokensController(service, m_tokens, this))
    , m_settingsController(new SettingsController(service, this))
    , m_setupController(new SetupController(
          service, m_tokensController, [this] { return endpoint(); }, this))
{
    // One toast line: what the controllers report for the tray shows where the Backend's own messages do.
    for (Controller *c : std::initializer_list<Controller *> {
             m_keysController, m_instancesController, m_tokensController, m_settingsController, m_setupController }) {
        connect(c, &Controller::toast, this, &Controller::toast);
    }
    auto refreshAll = [this] {
        m_keys->refresh();
        m_instances->refresh();
        m_tokens->refresh();
        m_notifier->setEnabled(this->service()->config().uiNotifications);
        refreshStatus();
    };
    connect(service, &daemon::Service::ready, this, refreshAll);
    connect(service, &daemon::Service::keysLoaded, this, refreshAll);
    connect(service, &daemon::Service::configApplied, this, [this, refreshAll] {
        // The language first: the models translate core's sentences (reasons, last errors) as they refresh.
        if (this->service()->config().uiLanguage != m_loadedLanguage) {
            applyLanguage();
        }
        refreshAll();
        m_dashboard->refresh();
    });
    connect(service, &daemon::Service::listeningChanged, this, [this](bool listening) {
        if (listening) {
            m_errorText.clear(); // a failed start is over once it listens (after a listen change, say)
        }
        refreshStatus();
    });
    connect(service, &daemon::Service::listenProblemChanged, this, &Backend::refreshStatus);
    connect(service, &daemon::Service::configRejected, this,
        [this](const QString &reason) { Q_EMIT toast(tr("The config file was not applied: %1").arg(reason)); });
    // Pool and router events come from proxy workers: queued.
    connect(&service->keyPool(), &keys::KeyPool::keyStatusChanged, this, refreshAll, Qt::QueuedConnection);
    connect(&service->router(), &routing::Router::relayHealthChanged, this, refreshAll, Qt::QueuedConnection);
    // Cooldowns end without an event, and usage counts grow: a slow sweep keeps the pages current.
    m_statusTimer.setInterval(2000);
    connect(&m_statusTimer, &QTimer::timeout, this, refreshAll);
    m_statusTimer.start();
    m_notifier->setEnabled(service->config().uiNotifications);
    refreshStatus();
}

Backend::~Backend()
{
    delete m_autostart;
    if (s_instance == this) {
        s_instance = nullptr;
    }
}

Backend *Backend::create(QQmlEngine *engine, QJSEngine *)
{
    Q_ASSERT(s_instance);
    QJSEngine::setObjectOwnership(s_instance, QJSEngine::CppOwnership);
    s_instance->setEngine(engine);
    return s_instance;
}

void Backend::setInstance(Backend *backend)
{
    s_instance = backend;
}

Backend *Backend::instance()
{
    return s_instance;
}

QString Backend::version() const
{
    return QLatin1String(kVersion);
}

QString Backend::configPath() const
{
    return service()->configStore()->path();
}

QString Backend::logsFolder() const
{
    const QString file = service()->config().logFile;
    if (file.isEmpty() || file == u"none") {
        return config::dataDirectory() + QStringLiteral("/logs");
    }
    return QFileInfo(file).absolutePath();
}

QString Backend::endpoint() const
{
    const QString live = service()->listenUrl();
    if (!live.isEmpty()) {
        return live;
    }
    const config::Config &cfg = service()->config();
    return QStringLiteral("http://%1:%2").arg(cfg.listenHost).arg(cfg.listenPort);
}

bool Backend::listening() const
{
    return service()->isListening();
}

QString Backend::listenProblem() const
{
    return logging::translated(service()->listenProblem());
}

QString Backend::errorText() const
{
    if (!m_errorText.isEmpty()) {
        return m_errorText;
    }
    const QString problem = listenProblem();
    return problem.isEmpty() ? QString() : tr("The proxy is not listening: %1").arg(problem);
}

QString Backend::state() const
{
    if (!errorText().isEmpty()) {
        return QStringLiteral("error");
    }
    if (!listening()) {
        return QStringLiteral("stopped");
    }
    const bool relaysMatter = service()->config().routingMode != config::RoutingMode::Local;
    if (m_counts.total > 0 && m_counts.usable == 0 && m_counts.cooling == 0) {
        return QStringLiteral("error"); // every key invalid or disabled: nothing can be served
    }
    if (m_counts.total == 0 || m_counts.cooling > 0 || m_counts.invalid > 0
        || (relaysMatter && m_counts.healthyRelays + m_counts.uncheckedRelays < m_counts.relays)) {
        return QStringLiteral("degraded");
    }
    return QStringLiteral("running");
}

QString Backend::statusText() const
{
    QString modeName = mode();
    if (modeName == u"local") {
        modeName = tr("Local");
    } else if (modeName == u"serverless") {
        modeName = tr("Serverless");
    } else {
        modeName = tr("Hybrid");
    }
    const QString where = listening() ? endpoint() : tr("stopped");
    QString text = tr("Gemini Aggregator — %1, %2").arg(modeName, where);
    text += u'\n'
        + tr("Keys: %1 usable, %2 cooling, %3 invalid")
              .arg(m_counts.usable)
              .arg(m_counts.cooling)
              .arg(m_counts.invalid);
    text += u'\n'
        + (m_counts.uncheckedRelays > 0
                ? tr("Relays: %1 of %2 healthy, %3 not checked yet")
                      .arg(m_counts.healthyRelays)
                      .arg(m_counts.relays)
                      .arg(m_counts.uncheckedRelays)
                : tr("Relays: %1 of %2 healthy").arg(m_counts.healthyRelays).arg(m_counts.relays));
    if (const QString error = errorText(); !error.isEmpty()) {
        text += u'\n' + error;
    }
    return text;
}

QString Backend::mode() const
{
    return config::routingModeName(service()->config().routingMode);
}

void Backend::setMode(const QString &mode)
{
    if (mode == this->mode()) {
        return;
    }
    admin()->setMode(mode, [this](const AdminClient::Reply &reply) {
        if (!reply.ok()) {
            Q_EMIT toast(tr("The mode was not changed: %1").arg(reply.message()));
            Q_EMIT statusChanged(); // views that ticked the new mode go back to the one in force
        }
        // The new mode is in force once the Service applied the saved config; statusChanged follows then.
    });
}

bool Backend::remoteAccess() const
{
    return !security::isLoopbackAddress(service()->config().listenHost);
}

QString Backend::language() const
{
    return service()->config().uiLanguage;
}

void Backend::setLanguage(const QString &language)
{
    if (language == this->language()) {
        return;
    }
    // Nothing on the page waits for this save: a refusal goes to the toast line.
    m_settingsController->saveSettings(QVariantMap { { QStringLiteral("ui.language"), language } }, Report::Toast);
}

void Backend::applyLanguage()
{
    const QString wanted = service()->config().uiLanguage;
    const QLocale locale = uiLocale(wanted);
    auto *next = new QTranslator(this);
    if (!loadAppTranslation(next, wanted)) {
        delete next;
        next = nullptr;
    }
    if (m_translator) {
        QCoreApplication::removeTranslator(m_translator);
        delete m_translator;
    }
    m_translator = next;
    if (m_translator) {
        QCoreApplication::installTranslator(m_translator);
    }
    // Qt's own sentences (a network error in a relay or key test) from qttranslations, where the system has them.
    if (m_qtTranslator) {
        QCoreApplication::removeTranslator(m_qtTranslator);
        delete m_qtTranslator;
        m_qtTranslator = nullptr;
    }
    if (m_translator) {
        auto *qt = new QTranslator(this);
        if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
            m_qtTranslator = qt;
            QCoreApplication::installTranslator(m_qtTranslator);
        } else {
            delete qt;
        }
    }
    m_loadedLanguage = wanted;
    // Qt appends the display name to each window title unless the title ends with it: the same words as the
    // window's title (Main.qml), so a translated window is not titled "Gemini 聚合器 — Gemini Aggregator".
    QGuiApplication::setApplicationDisplayName(QCoreApplication::translate("Main", "Gemini Aggregator"));
    if (m_engine) {
        m_engine->retranslate();
    }
    Q_EMIT languageChanged();
    Q_EMIT statusChanged();
}

bool Backend::startAtLogin() const
{
    return m_autostart->isEnabled();
}

void Backend::setStartAtLogin(bool on)
{
    QString error;
    if (!m_autostart->setEnabled(on, &error)) {
        Q_EMIT toast(tr("Start at login was not changed: %1").arg(error));
    }
    Q_EMIT startAtLoginChanged();
}

void Backend::refreshStatus()
{
    Counts c;
    for (const keys::KeyReport &r : service()->keyPool().report()) {
        ++c.total;
        switch (r.status) {
        case keys::KeyStatus::Active:
            ++c.usable;
            break;
        case keys::KeyStatus::Cooling:
            ++c.cooling;
            break;
        case keys::KeyStatus::Invalid:
            ++c.invalid;
            break;
        case keys::KeyStatus::Disabled:
            ++c.disabled;
            break;
        }
    }
    // Keys whose secret is not loaded yet are not in the pool: count the config's.
    c.total = std::max(c.total, int(service()->config().keys.size()));
    for (const routing::RelayReport &r : service()->router().report()) {
        ++c.relays;
        c.healthyRelays += r.usable && r.health == routing::RelayHealth::Healthy ? 1 : 0;
        c.uncheckedRelays += r.usable && r.health == routing::RelayHealth::Unknown ? 1 : 0;
    }
    m_counts = c;
    Q_EMIT statusChanged();
}

void Backend::setListening(bool on)
{
    QString error;
    if (!service()->setListening(on, &error)) {
        m_errorText = tr("The proxy could not start: %1").arg(error);
        Q_EMIT toast(m_errorText);
    } else {
        m_errorText.clear();
    }
    refreshStatus();
}

QString Backend::translated(const QString &coreText) const
{
    return logging::translated(coreText);
}

void Backend::copyText(const QString &text)
{
    toClipboard(text);
}

void Backend::copyEndpoint()
{
    copyText(endpoint());
    Q_EMIT toast(tr("Copied the endpoint URL"));
}

void Backend::openLogsFolder()
{
    QDir().mkpath(logsFolder());
    QDesktopServices::openUrl(QUrl::fromLocalFile(logsFolder()));
}

int Backend::testAll()
{
    return testAll(Report::Signals);
}

int Backend::testAll(Report report)
{
    const int request = begin(report);
    struct Tally
    {
        int keysOk = 0;
        int keysFailed = 0;
        int relaysOk = 0;
        int relaysFailed = 0;
    };
    auto tally = std::make_shared<Tally>();
    QStringList keyIds;
    for (const config::KeyEntry &k : service()->config().keys) {
        if (k.enabled) {
            keyIds.append(k.id);
        }
    }
    QStringList relayIds;
    for (const config::InstanceEntry &i : service()->config().instances) {
        relayIds.append(i.id);
    }
    auto testRelays = [this, request, tally, relayIds] {
        inTurn(
            relayIds,
            [this, tally](const QString &id, std::function<void()> next) {
                admin()->testInstance(id, [tally, next](const AdminClient::Reply &reply) {
                    const bool ok = reply.status == 200 && reply.data().value(u"result").toString() == u"ok";
                    ++(ok ? tally->relaysOk : tally->relaysFailed);
                    next();
                });
            },
            [this, request, tally] {
                const Tally t = *tally;
                const QString summary = tr("Keys: %1 passed, %2 failed. Relays: %3 passed, %4 failed.")
                                            .arg(t.keysOk)
                                            .arg(t.keysFailed)
                                            .arg(t.relaysOk)
                                            .arg(t.relaysFailed);
                refreshStatus();
                succeed(
                    request,
                    [this, request, t] {
                        Q_EMIT allTested(request, t.keysOk, t.keysFailed, t.relaysOk, t.relaysFailed);
                    },
                    summary);
            });
    };
    inTurn(
        keyIds,
        [this, tally](const QString &id, std::function<void()> next) {
            admin()->testKey(id, [tally, next](const AdminClient::Reply &reply) {
                const bool ok = reply.status == 200 && reply.data().value(u"result").toString() == u"valid";
                ++(ok ? tally->keysOk : tally->keysFailed);
                next();
            });
        },
        testRelays);
    return request;
}

void Backend::noteWindowClosed()
{
    if (!m_closeNoticeShown) {
        m_closeNoticeShown = true;
        Q_EMIT closedToTray();
    }
}

void Backend::shutdown(int graceMs, std::function<void()> done)
{
    QString ignored;
    service()->setListening(false, &ignored);
    proxy::ProxyServer *server = service()->proxyServer();
    auto waited = std::make_shared<QElapsedTimer>();
    waited->start();
    auto poll = new QTimer(this);
    poll->setInterval(50);
    auto check = [server, waited, graceMs, poll, done = std::move(done)] {
        // Requests being answered (streams included); idle keep-alive connections do not hold the quit up.
        const int open = server ? server->requestsInFlight() : 0;
        if (open == 0 || waited->elapsed() >= graceMs) {
            if (open > 0) {
                qCWarning(lcDaemon) << "quitting with" << open << "request(s) still being answered";
            }
            poll->stop();
            poll->deleteLater();
            done();
        }
    };
    connect(poll, &QTimer::timeout, this, check);
    poll->start();
}

void Backend::quit()
{
    if (m_quitting) {
        return;
    }
    m_quitting = true;
    qCInfo(lcDaemon) << "quit requested: finishing open requests";
    shutdown(5000, [] { QCoreApplication::exit(0); });
}

QLocale uiLocale(const QString &language)
{
    return language == u"system" ? QLocale() : QLocale(language);
}

bool loadAppTranslation(QTranslator *translator, const QString &language)
{
    return translator->load(
        uiLocale(language), QStringLiteral("gemini-aggregator"), QStringLiteral("_"), QStringLiteral(":/i18n"));
}

} // namespace ga::ui
