// SPDX-License-Identifier: GPL-3.0-or-later
#include "backend.h"

#include "admin/adminapi.h"
#include "autostart.h"
#include "config/configpaths.h"
#include "config/configschema.h"
#include "daemon/service.h"
#include "dashboard.h"
#include "keys/keyexchange.h"
#include "listmodels.h"
#include "logging/logging.h"
#include "metrics/historymodel.h"
#include "notifier.h"
#include "proxy/proxyserver.h"
#include "secrets/secretstore.h"
#include "security/accesstoken.h"
#include "security/browserguard.h"
#include "time/clock.h"
#include "version.h"

#include <QClipboard>
#include <QCoreApplication>
#include <QDesktopServices>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QJSEngine>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QQmlEngine>
#include <QTranslator>
#include <QUrl>

#include <memory>

namespace ga::ui {

namespace {
Backend *s_instance = nullptr;

QString tokenPlaceholder()
{
    return QStringLiteral("<your access token>");
}

// Runs `step` for each item in turn (each step calls `next` once), then `done`.
void forEach(const QStringList &items, std::function<void(const QString &, std::function<void()>)> step,
    std::function<void()> done)
{
    auto index = std::make_shared<int>(0);
    auto run = std::make_shared<std::function<void()>>();
    *run = [items, step = std::move(step), done = std::move(done), index, run]() mutable {
        if (*index >= items.size()) {
            done();
            *run = nullptr; // break the cycle
            return;
        }
        const QString item = items.at((*index)++);
        step(item, [run] {
            if (*run) {
                (*run)();
            }
        });
    };
    (*run)();
}

QString errorMessage(const QJsonValue &body)
{
    return body.toObject().value(u"error").toObject().value(u"message").toString();
}
} // namespace

Backend::Backend(daemon::Service *service, QObject *parent)
    : QObject(parent)
    , m_service(service)
    , m_keys(new KeysModel(service, this))
    , m_instances(new InstancesModel(service, this))
    , m_tokens(new TokensModel(service, this))
    , m_history(new metrics::HistoryModel(service->proxyServer()->recorder(), 1000, this))
    , m_dashboard(new Dashboard(service, time::Clock::system(), this))
    , m_notifier(new Notifier(service, time::Clock::system(), this))
    , m_autostart(new Autostart())
{
    auto refreshAll = [this] {
        m_keys->refresh();
        m_instances->refresh();
        m_tokens->refresh();
        m_notifier->setEnabled(m_service->config().uiNotifications);
        refreshStatus();
    };
    connect(m_service, &daemon::Service::ready, this, refreshAll);
    connect(m_service, &daemon::Service::keysLoaded, this, refreshAll);
    connect(m_service, &daemon::Service::configApplied, this, [this, refreshAll] {
        refreshAll();
        m_dashboard->refresh();
        if (m_service->config().uiLanguage != m_loadedLanguage) {
            applyLanguage();
        }
    });
    connect(m_service, &daemon::Service::listeningChanged, this, [this](bool listening) {
        if (listening) {
            m_errorText.clear(); // a failed start is over once it listens (after a listen change, say)
        }
        refreshStatus();
    });
    connect(m_service, &daemon::Service::listenProblemChanged, this, &Backend::refreshStatus);
    connect(m_service, &daemon::Service::configRejected, this,
        [this](const QString &reason) { Q_EMIT toast(tr("The config file was not applied: %1").arg(reason)); });
    // Pool and router events come from proxy workers: queued.
    connect(&m_service->keyPool(), &keys::KeyPool::keyStatusChanged, this, refreshAll, Qt::QueuedConnection);
    connect(&m_service->router(), &routing::Router::relayHealthChanged, this, refreshAll, Qt::QueuedConnection);
    // Cooldowns end without an event, and usage counts grow: a slow sweep keeps the pages current.
    m_statusTimer.setInterval(2000);
    connect(&m_statusTimer, &QTimer::timeout, this, refreshAll);
    m_statusTimer.start();
    m_notifier->setEnabled(m_service->config().uiNotifications);
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
    return m_service->configStore()->path();
}

QString Backend::logsFolder() const
{
    const QString file = m_service->config().logFile;
    if (file.isEmpty() || file == u"none") {
        return config::dataDirectory() + QStringLiteral("/logs");
    }
    return QFileInfo(file).absolutePath();
}

QString Backend::endpoint() const
{
    const QString live = m_service->listenUrl();
    if (!live.isEmpty()) {
        return live;
    }
    const config::Config &cfg = m_service->config();
    return QStringLiteral("http://%1:%2").arg(cfg.listenHost).arg(cfg.listenPort);
}

bool Backend::listening() const
{
    return m_service->isListening();
}

QString Backend::listenProblem() const
{
    return m_service->listenProblem();
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
    const bool relaysMatter = m_service->config().routingMode != config::RoutingMode::Local;
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
    return config::routingModeName(m_service->config().routingMode);
}

void Backend::setMode(const QString &mode)
{
    if (mode == this->mode()) {
        return;
    }
    call("PUT", QStringLiteral("/mode"), QJsonObject { { QStringLiteral("mode"), mode } },
        [this](int status, const QJsonValue &body) {
            if (status != 200) {
                Q_EMIT toast(tr("The mode was not changed: %1").arg(errorMessage(body)));
                Q_EMIT statusChanged(); // views that ticked the new mode go back to the one in force
            }
            // The new mode is in force once the Service applied the saved config; statusChanged follows then.
        });
}

bool Backend::remoteAccess() const
{
    return !security::isLoopbackAddress(m_service->config().listenHost);
}

QString Backend::language() const
{
    return m_service->config().uiLanguage;
}

void Backend::setLanguage(const QString &language)
{
    if (language == this->language()) {
        return;
    }
    saveSettings(QVariantMap { { QStringLiteral("ui.language"), language } });
}

void Backend::applyLanguage()
{
    const QString wanted = m_service->config().uiLanguage;
    const QLocale locale = wanted == u"system" ? QLocale() : QLocale(wanted);
    auto *next = new QTranslator(this);
    if (!next->load(locale, QStringLiteral("gemini-aggregator"), QStringLiteral("_"), QStringLiteral(":/i18n"))) {
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
    m_loadedLanguage = wanted;
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
    for (const keys::KeyReport &r : m_service->keyPool().report()) {
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
    c.total = std::max(c.total, int(m_service->config().keys.size()));
    for (const routing::RelayReport &r : m_service->router().report()) {
        ++c.relays;
        c.healthyRelays += r.usable && r.health == routing::RelayHealth::Healthy ? 1 : 0;
        c.uncheckedRelays += r.usable && r.health == routing::RelayHealth::Unknown ? 1 : 0;
    }
    m_counts = c;
    Q_EMIT statusChanged();
}

void Backend::call(const QByteArray &method, const QString &path, const QJsonValue &body, Reply done)
{
    admin::Request request;
    request.method = method;
    request.path = path.toUtf8();
    if (!body.isUndefined() && !body.isNull()) {
        request.body = body.isArray() ? QJsonDocument(body.toArray()).toJson(QJsonDocument::Compact)
                                      : QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact);
    }
    QPointer<Backend> self(this);
    m_service->adminHandler()->handle(std::move(request), [self, done = std::move(done)](admin::Response response) {
        const QJsonDocument doc = QJsonDocument::fromJson(response.body);
        const QJsonValue value = doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
        // The reply may come from any thread: hand it to ours.
        QMetaObject::invokeMethod(
            qApp,
            [self, done, status = response.status, value] {
                if (self && done) {
                    done(status, value);
                }
            },
            Qt::QueuedConnection);
    });
}

void Backend::finish(const QJSValue &callback, int status, const QJsonValue &body)
{
    if (!callback.isCallable()) {
        if (status >= 400) {
            Q_EMIT toast(errorMessage(body));
        }
        return;
    }
    const bool ok = status >= 200 && status < 300;
    const QJsonObject err = body.toObject().value(u"error").toObject();
    QVariantMap result { { QStringLiteral("ok"), ok }, { QStringLiteral("status"), status },
        { QStringLiteral("message"), err.value(u"message").toString() },
        { QStringLiteral("problems"), err.value(u"problems").toArray().toVariantList() },
        { QStringLiteral("data"), ok ? body.toVariant() : QVariant() } };
    QJSValue cb = callback;
    if (QJSEngine *engine = qjsEngine(this)) {
        cb.call({ engine->toScriptValue(result) });
    }
}

void Backend::finishLocal(const QJSValue &callback, bool ok, const QString &message, const QJsonValue &data)
{
    QJsonObject body;
    if (!ok) {
        body.insert(QStringLiteral("error"), QJsonObject { { QStringLiteral("message"), message } });
    }
    finish(callback, ok ? 200 : 400, ok ? data : QJsonValue(body));
    // With a callback the caller reports the outcome; without one (tray actions) the toast line does.
    if (ok && !message.isEmpty() && !callback.isCallable()) {
        Q_EMIT toast(message);
    }
}

void Backend::setListening(bool on)
{
    QString error;
    if (!m_service->setListening(on, &error)) {
        m_errorText = tr("The proxy could not start: %1").arg(error);
        Q_EMIT toast(m_errorText);
    } else {
        m_errorText.clear();
    }
    refreshStatus();
}

void Backend::copyText(const QString &text)
{
    if (QClipboard *clipboard = QGuiApplication::clipboard()) {
        clipboard->setText(text);
    }
}

void Backend::copyEndpoint()
{
    copyText(endpoint());
    Q_EMIT toast(tr("Copied the endpoint URL"));
}

void Backend::readAccessToken(const QString &name, std::function<void(bool, const QByteArray &)> done)
{
    QString wanted = name;
    if (wanted.isEmpty() && !m_service->config().tokens.isEmpty()) {
        wanted = m_service->config().tokens.first().name;
    }
    if (wanted.isEmpty() || !m_service->config().findToken(wanted)) {
        done(false, QByteArray());
        return;
    }
    m_service->secretStore()->read(security::tokenEntryName(wanted), this,
        [done = std::move(done)](const secrets::SecretResult &r) { done(r.ok() && !r.value.isEmpty(), r.value); });
}

void Backend::copyAccessToken(const QString &name, const QJSValue &callback)
{
    readAccessToken(name, [this, callback](bool ok, const QByteArray &token) {
        if (ok) {
            copyText(QString::fromLatin1(token));
        }
        finishLocal(
            callback, ok, ok ? tr("Copied the access token") : tr("There is no access token; create one in Settings"));
    });
}

QString Backend::setupSnippet(const QString &tool) const
{
    const QString url = endpoint();
    const QString token = tokenPlaceholder();
    if (tool == u"gemini-cli") {
        return QStringLiteral("export GOOGLE_GEMINI_BASE_URL=%1\nexport GEMINI_API_KEY=%2").arg(url, token);
    }
    if (tool == u"cline") {
        return tr("API Provider: Google Gemini\nUse custom base URL: %1\nGemini API Key: %2").arg(url, token);
    }
    if (tool == u"continue") {
        return QStringLiteral("models:\n"
                              "  - name: Gemini (Aggregator)\n"
                              "    provider: gemini\n"
                              "    model: gemini-2.5-flash\n"
                              "    apiBase: %1/v1beta/\n"
                              "    apiKey: %2")
            .arg(url, token);
    }
    if (tool == u"openai") {
        return tr("Base URL: %1/v1beta/openai/\nAPI key: %2\nModel: gemini-2.5-flash").arg(url, token);
    }
    return QString();
}

void Backend::copySetup(const QString &tool, const QJSValue &callback)
{
    const QString text = setupSnippet(tool);
    if (text.isEmpty()) {
        finishLocal(callback, false, tr("There is no setup for '%1'").arg(tool));
        return;
    }
    readAccessToken(QString(), [this, text, callback](bool ok, const QByteArray &token) {
        if (!ok) {
            finishLocal(callback, false, tr("There is no access token; create one in Settings"));
            return;
        }
        copyText(QString(text).replace(tokenPlaceholder(), QString::fromLatin1(token)));
        finishLocal(callback, true, tr("Copied the setup, access token included"));
    });
}

void Backend::openLogsFolder()
{
    QDir().mkpath(logsFolder());
    QDesktopServices::openUrl(QUrl::fromLocalFile(logsFolder()));
}

void Backend::testAll(const QJSValue &callback)
{
    struct Tally
    {
        int keysOk = 0;
        int keysFailed = 0;
        int relaysOk = 0;
        int relaysFailed = 0;
    };
    auto tally = std::make_shared<Tally>();
    QStringList keyIds;
    for (const config::KeyEntry &k : m_service->config().keys) {
        if (k.enabled) {
            keyIds.append(k.id);
        }
    }
    QStringList relayIds;
    for (const config::InstanceEntry &i : m_service->config().instances) {
        relayIds.append(i.id);
    }
    QPointer<Backend> self(this);
    forEach(
        keyIds,
        [self, tally](const QString &id, std::function<void()> next) {
            if (!self) {
                return;
            }
            self->call("POST", QStringLiteral("/keys/%1/test").arg(id), QJsonValue(),
                [tally, next](int status, const QJsonValue &body) {
                    const bool ok = status == 200 && body.toObject().value(u"result").toString() == u"valid";
                    ++(ok ? tally->keysOk : tally->keysFailed);
                    next();
                });
        },
        [self, tally, relayIds, callback] {
            if (!self) {
                return;
            }
            forEach(
                relayIds,
                [self, tally](const QString &id, std::function<void()> next) {
                    if (!self) {
                        return;
                    }
                    self->call("POST", QStringLiteral("/instances/%1/test").arg(id), QJsonValue(),
                        [tally, next](int status, const QJsonValue &body) {
                            const bool ok = status == 200 && body.toObject().value(u"result").toString() == u"ok";
                            ++(ok ? tally->relaysOk : tally->relaysFailed);
                            next();
                        });
                },
                [self, tally, callback] {
                    if (!self) {
                        return;
                    }
                    const QString summary = tr("Keys: %1 passed, %2 failed. Relays: %3 passed, %4 failed.")
                                                .arg(tally->keysOk)
                                                .arg(tally->keysFailed)
                                                .arg(tally->relaysOk)
                                                .arg(tally->relaysFailed);
                    const QJsonObject data { { QStringLiteral("keys"),
                                                 QJsonObject { { QStringLiteral("ok"), tally->keysOk },
                                                     { QStringLiteral("failed"), tally->keysFailed } } },
                        { QStringLiteral("relays"),
                            QJsonObject { { QStringLiteral("ok"), tally->relaysOk },
                                { QStringLiteral("failed"), tally->relaysFailed } } } };
                    self->finishLocal(callback, true, summary, data);
                    self->refreshStatus();
                });
        });
}

QVariantMap Backend::checkKeyText(const QString &text) const
{
    QSet<QString> known;
    for (const config::KeyEntry &k : m_service->config().keys) {
        known.insert(k.fingerprint);
    }
    const keys::FileImportPlan plan = keys::planFileImport(text.toUtf8(), known, std::nullopt);
    QVariantList problems;
    for (const auto &[line, why] : plan.rejectedLines) {
        problems.append(QVariantMap { { QStringLiteral("line"), line }, { QStringLiteral("message"), why } });
    }
    if (!plan.error.isEmpty()) {
        problems.append(QVariantMap { { QStringLiteral("line"), 0 }, { QStringLiteral("message"), plan.error } });
    }
    return { { QStringLiteral("valid"), int(plan.fresh.size()) },
        { QStringLiteral("duplicates"), int(plan.duplicateLines.size()) }, { QStringLiteral("problems"), problems } };
}

void Backend::addKeys(
    const QString &text, const QString &label, const QString &group, bool test, const QJSValue &callback)
{
    QSet<QString> known;
    for (const config::KeyEntry &k : m_service->config().keys) {
        known.insert(k.fingerprint);
    }
    const keys::FileImportPlan plan = keys::planFileImport(text.toUtf8(), known, std::nullopt);
    if (plan.fresh.isEmpty()) {
        finishLocal(callback, false,
            plan.duplicateLines.isEmpty() ? tr("No valid key found: a Gemini API key starts with AIza")
                                          : tr("These keys are already configured"));
        return;
    }
    // Items by position: the secrets stay in this closure, never in QML.
    auto items = std::make_shared<QList<keys::ImportItem>>(plan.fresh);
    auto added = std::make_shared<QJsonArray>();
    auto failures = std::make_shared<QStringList>();
    QStringList positions;
    for (int i = 0; i < items->size(); ++i) {
        positions.append(QString::number(i));
    }
    const int duplicates = int(plan.duplicateLines.size());
    const int rejected = int(plan.rejectedLines.size());
    QPointer<Backend> self(this);
    forEach(
        positions,
        [self, items, added, failures, label, group, test](const QString &pos, std::function<void()> next) {
            if (!self) {
                return;
            }
            const keys::ImportItem &item = items->at(pos.toInt());
            QJsonObject body { { QStringLiteral("secret"), QString::fromLatin1(item.key.secret) } };
            const QString itemLabel = item.label.isEmpty() ? label : item.label;
            const QString itemGroup = item.group.isEmpty() ? group : item.group;
            if (!itemLabel.isEmpty()) {
                body.insert(QStringLiteral("label"),
                    items->size() > 1 && item.label.isEmpty() ? QStringLiteral("%1 %2").arg(label).arg(pos.toInt() + 1)
                                                              : itemLabel);
            }
            if (!itemGroup.isEmpty()) {
                body.insert(QStringLiteral("group"), itemGroup);
            }
            if (item.weight != 1) {
                body.insert(QStringLiteral("weight"), item.weight);
            }
            self->call("POST", QStringLiteral("/keys"), body,
                [self, added, failures, test, next](int status, const QJsonValue &reply) {
                    if (!self) {
                        return;
                    }
                    if (status != 201) {
                        failures->append(errorMessage(reply));
                        next();
                        return;
                    }
                    const QString id = reply.toObject().value(u"id").toString();
                    if (!test) {
                        added->append(QJsonObject { { QStringLiteral("id"), id } });
                        next();
                        return;
                    }
                    self->call("POST", QStringLiteral("/keys/%1/test").arg(id), QJsonValue(),
                        [added, id, next](int, const QJsonValue &result) {
                            added->append(QJsonObject { { QStringLiteral("id"), id },
                                { QStringLiteral("result"), result.toObject().value(u"result") },
                                { QStringLiteral("detail"), result.toObject().value(u"detail") } });
                            next();
                        });
                });
        },
        [self, added, failures, duplicates, rejected, callback] {
            if (!self) {
                return;
            }
            const QJsonObject data { { QStringLiteral("added"), *added }, { QStringLiteral("duplicates"), duplicates },
                { QStringLiteral("rejected"), rejected }, { QStringLiteral("failed"), failures->size() } };
            if (added->isEmpty()) {
                self->finishLocal(callback, false, failures->value(0));
                return;
            }
            self->finishLocal(callback, true, tr("Added %n key(s)", nullptr, int(added->size())), data);
            self->m_keys->refresh();
        });
}

void Backend::updateKey(const QString &id, const QVariantMap &fields, const QJSValue &callback)
{
    call("PATCH", QStringLiteral("/keys/%1").arg(id), QJsonObject::fromVariantMap(fields),
        [this, callback](int status, const QJsonValue &body) { finish(callback, status, body); });
}

void Backend::callEach(const QStringList &ids, int okStatus, std::function<Step(const QString &)> request,
    std::function<void(const QStringList &failed)> done)
{
    auto failed = std::make_shared<QStringList>();
    QPointer<Backend> self(this);
    forEach(
        ids,
        [self, failed, okStatus, request = std::move(request)](const QString &id, std::function<void()> next) {
            if (!self) {
                return;
            }
            const Step step = request(id);
            self->call(step.method, step.path, step.body, [failed, okStatus, next](int status, const QJsonValue &body) {
                if (status != okStatus) {
                    failed->append(errorMessage(body));
                }
                next();
            });
        },
        [self, failed, done = std::move(done)] {
            if (self) {
                done(*failed);
            }
        });
}

void Backend::setKeysEnabled(const QStringList &ids, bool enabled, const QJSValue &callback)
{
    callEach(
        ids, 200,
        [enabled](const QString &id) {
            return Step { "PATCH", QStringLiteral("/keys/%1").arg(id),
                QJsonObject { { QStringLiteral("enabled"), enabled } } };
        },
        [this, callback](const QStringList &failed) { finishLocal(callback, failed.isEmpty(), failed.value(0)); });
}

void Backend::testKeys(const QStringList &ids, const QJSValue &callback)
{
    auto results = std::make_shared<QJsonArray>();
    QPointer<Backend> self(this);
    forEach(
        ids,
        [self, results](const QString &id, std::function<void()> next) {
            if (!self) {
                return;
            }
            self->call("POST", QStringLiteral("/keys/%1/test").arg(id), QJsonValue(),
                [results, id, next](int status, const QJsonValue &body) {
                    const QJsonObject o = body.toObject();
                    results->append(QJsonObject { { QStringLiteral("id"), id },
                        { QStringLiteral("result"),
                            status == 200 ? o.value(u"result").toString() : QStringLiteral("error") },
                        { QStringLiteral("message"),
                            status == 200 ? o.value(u"detail").toString() : errorMessage(body) },
                        { QStringLiteral("latencyMs"), o.value(u"latencyMs") } });
                    next();
                });
        },
        [self, results, callback] {
            if (!self) {
                return;
            }
            int valid = 0;
            for (const QJsonValue &r : std::as_const(*results)) {
                valid += r.toObject().value(u"result").toString() == u"valid" ? 1 : 0;
            }
            self->finishLocal(
                callback, true, tr("%1 of %2 key(s) passed the test").arg(valid).arg(results->size()), *results);
            self->m_keys->refresh();
        });
}

void Backend::removeKeys(const QStringList &ids, const QJSValue &callback)
{
    callEach(
        ids, 204,
        [](const QString &id) {
            return Step { "DELETE", QStringLiteral("/keys/%1").arg(id), QJsonValue() };
        },
        [this, callback, n = ids.size()](const QStringList &failed) {
            finishLocal(callback, failed.isEmpty(),
                failed.isEmpty() ? tr("Removed %n key(s)", nullptr, int(n)) : failed.value(0));
        });
}

QString Backend::checkInstanceUrl(const QString &url) const
{
    if (url.trimmed().isEmpty()) {
        return tr("Enter the relay's URL, e.g. https://my-relay.deno.dev");
    }
    return config::schema::httpUrlProblem(url.trimmed());
}

void Backend::addInstance(const QString &name, const QString &url, const QString &secret, const QJSValue &callback)
{
    QJsonObject body { { QStringLiteral("name"), name.trimmed() }, { QStringLiteral("url"), url.trimmed() } };
    if (!secret.isEmpty()) {
        body.insert(QStringLiteral("secret"), secret);
    }
    call("POST", QStringLiteral("/instances"), body, [this, callback](int status, const QJsonValue &reply) {
        QJsonObject data = reply.toObject();
        // A made secret is needed once, in the relay's settings: it goes to the clipboard, not to QML.
        if (const QString made = data.take(QStringLiteral("secret")).toString(); status == 201 && !made.isEmpty()) {
            copyText(made);
            data.insert(QStringLiteral("secretCopied"), true);
            if (!callback.isCallable()) { // with a callback, the caller tells the user
                Q_EMIT toast(tr("Copied the new relay secret: set it as RELAY_SECRET on the relay"));
            }
        }
        finish(callback, status, status == 201 ? QJsonValue(data) : reply);
        m_instances->refresh();
    });
}

void Backend::updateInstance(const QString &id, const QVariantMap &fields, const QJSValue &callback)
{
    call("PATCH", QStringLiteral("/instances/%1").arg(id), QJsonObject::fromVariantMap(fields),
        [this, callback](int status, const QJsonValue &body) { finish(callback, status, body); });
}

void Backend::testInstance(const QString &id, const QJSValue &callback)
{
    call("POST", QStringLiteral("/instances/%1/test").arg(id), QJsonValue(),
        [this, callback](int status, const QJsonValue &body) {
            finish(callback, status, body);
            m_instances->refresh();
        });
}

void Backend::removeInstance(const QString &id, const QJSValue &callback)
{
    call("DELETE", QStringLiteral("/instances/%1").arg(id), QJsonValue(),
        [this, callback](int status, const QJsonValue &body) { finish(callback, status, body); });
}

QStringList Backend::keysBoundTo(const QString &id) const
{
    QStringList out;
    for (const config::KeyEntry &k : m_service->config().keys) {
        if (k.instance == id) {
            out.append(k.label.isEmpty() ? k.masked() : k.label);
        }
    }
    return out;
}

QString Backend::relayScript(const QString &kind) const
{
    const QString name = kind == u"deno" ? QStringLiteral("deno-relay.js")
        : kind == u"workers"             ? QStringLiteral("worker-relay.js")
                                         : QString();
    if (name.isEmpty()) {
        return QString();
    }
    QFile file(QStringLiteral(":/relay/") + name);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

void Backend::bindKeys(const QStringList &keyIds, const QStringList &instanceIds, const QJSValue &callback)
{
    auto position = std::make_shared<int>(0); // round-robin over the instances, in the given order
    callEach(
        keyIds, 200,
        [position, instanceIds](const QString &id) {
            const QJsonValue target
                = instanceIds.isEmpty() ? QJsonValue() : QJsonValue(instanceIds.at((*position)++ % instanceIds.size()));
            return Step { "PATCH", QStringLiteral("/keys/%1").arg(id),
                QJsonObject { { QStringLiteral("instance"), target } } };
        },
        [this, callback, n = keyIds.size(), unbind = instanceIds.isEmpty()](const QStringList &failed) {
            finishLocal(callback, failed.isEmpty(),
                !failed.isEmpty() ? failed.value(0)
                    : unbind      ? tr("Unbound %n key(s)", nullptr, int(n))
                                  : tr("Bound %n key(s)", nullptr, int(n)));
        });
}

void Backend::createToken(const QString &name, const QJSValue &callback)
{
    call("POST", QStringLiteral("/tokens"), QJsonObject { { QStringLiteral("name"), name.trimmed() } },
        [this, callback](int status, const QJsonValue &body) {
            QJsonObject data = body.toObject();
            const QString token = data.take(QStringLiteral("token")).toString();
            if (status == 201 && !token.isEmpty()) {
                copyText(token);
                if (!callback.isCallable()) { // with a callback, the caller tells the user
                    Q_EMIT toast(tr("Created the token and copied it to the clipboard"));
                }
            }
            finish(callback, status, status == 201 ? QJsonValue(data) : body);
            m_tokens->refresh();
        });
}

void Backend::rotateToken(const QString &name, const QJSValue &callback)
{
    call("POST", QStringLiteral("/tokens/%1/rotate").arg(name), QJsonValue(),
        [this, callback](int status, const QJsonValue &body) {
            QJsonObject data = body.toObject();
            const QString token = data.take(QStringLiteral("token")).toString();
            if (status == 200 && !token.isEmpty()) {
                copyText(token);
                if (!callback.isCallable()) { // with a callback, the caller tells the user
                    Q_EMIT toast(tr("Replaced the token and copied the new one to the clipboard"));
                }
            }
            finish(callback, status, status == 200 ? QJsonValue(data) : body);
        });
}

void Backend::revokeToken(const QString &name, const QJSValue &callback)
{
    call("DELETE", QStringLiteral("/tokens/%1").arg(name), QJsonValue(),
        [this, callback](int status, const QJsonValue &body) {
            finish(callback, status, body);
            m_tokens->refresh();
        });
}

QVariantMap Backend::setting(const QString &path) const
{
    const config::schema::SettingInfo info = config::schema::settingInfo(path);
    if (info.kind.isEmpty()) {
        return {};
    }
    const QJsonObject effective = config::schema::effectiveDocument(m_service->configStore()->document());
    return { { QStringLiteral("value"), config::schema::valueAt(effective, path).toVariant() },
        { QStringLiteral("default"), info.defaultValue.toVariant() }, { QStringLiteral("kind"), info.kind },
        { QStringLiteral("choices"), info.choices }, { QStringLiteral("min"), info.min },
        { QStringLiteral("max"), info.max }, { QStringLiteral("unit"), info.unit },
        { QStringLiteral("description"), info.help } };
}

QVariantMap Backend::checkSettings(const QVariantMap &values) const
{
    QVariantMap problems;
    QJsonObject next = m_service->configStore()->document();
    for (auto it = values.begin(); it != values.end(); ++it) {
        if (!config::schema::isSetting(it.key())) {
            problems.insert(it.key(), tr("not a setting"));
            continue;
        }
        config::schema::setValueAt(next, it.key(), QJsonValue::fromVariant(it.value()));
    }
    // The validation a save applies (text rules, size, and the listen rule `run` applies) — not only the reader's.
    const config::ParseResult checked
        = config::schema::parseForSave(config::schema::serialize(next), m_service->configStore()->document());
    for (const config::Problem &p : checked.problems) {
        if (p.isError()) {
            problems.insert(p.path.isEmpty() ? QStringLiteral("*") : p.path, p.message);
        }
    }
    return problems;
}

void Backend::saveSettings(const QVariantMap &values, const QJSValue &callback)
{
    const QVariantMap problems = checkSettings(values);
    if (!problems.isEmpty()) {
        QJsonArray list;
        for (auto it = problems.begin(); it != problems.end(); ++it) {
            list.append(QJsonObject {
                { QStringLiteral("path"), it.key() }, { QStringLiteral("message"), it.value().toString() } });
        }
        finish(callback, 400,
            QJsonObject { { QStringLiteral("error"),
                QJsonObject { { QStringLiteral("message"), tr("Nothing was saved: fix the marked fields") },
                    { QStringLiteral("problems"), list } } } });
        return;
    }
    QJsonObject body;
    for (auto it = values.begin(); it != values.end(); ++it) {
        body.insert(it.key(), QJsonValue::fromVariant(it.value()));
    }
    call("PATCH", QStringLiteral("/config"), body, [this, callback](int status, const QJsonValue &reply) {
        finish(callback, status, status == 200 ? QJsonValue(QJsonObject()) : reply);
    });
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
    m_service->setListening(false, &ignored);
    proxy::ProxyServer *server = m_service->proxyServer();
    auto waited = std::make_shared<QElapsedTimer>();
    waited->start();
    auto poll = new QTimer(this);
    poll->setInterval(50);
    auto check = [server, waited, graceMs, poll, done = std::move(done)] {
        // Requests being answered (streams included); idle keep-alive connections do not hold the quit up.
        const int open = server ? server->counters().requestsInFlight.load() : 0;
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

} // namespace ga::ui
