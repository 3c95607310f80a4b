// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "controller.h"
#include "dashboard.h"
#include "listmodels.h"
#include "metrics/historymodel.h"

#include <QLocale>
#include <QPointer>
#include <QQmlEngine>
#include <QTimer>
#include <QtQml/qqmlregistration.h>

#include <functional>

class QTranslator;

namespace ga::daemon {
class Service;
}

namespace ga::ui {

class Notifier;
class Autostart;
class KeysController;
class InstancesController;
class TokensController;
class SettingsController;
class SetupController;

// The window's status and the app-wide actions, for the window, the tray and the Dashboard: status properties
// for the header and the tray, the list models, listening, mode, language, start at login, copying the endpoint
// and a tool's setup, testing everything, and quitting. Each page's own actions are on a controller of its own
// (KeysController, InstancesController, TokensController, SettingsController, SetupController, ResourcesModel), which
// the Backend makes over the same Service: QML reaches them as singletons. Asynchronous actions report through signals
// (see controller.h); secrets never come back to QML.
class Backend final : public Controller
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_DISABLE_COPY_MOVE(Backend)

    Q_PROPERTY(QString version READ version CONSTANT)
    Q_PROPERTY(QString configPath READ configPath CONSTANT)
    Q_PROPERTY(QString logsFolder READ logsFolder CONSTANT)
    Q_PROPERTY(QString endpoint READ endpoint NOTIFY statusChanged)
    Q_PROPERTY(bool listening READ listening NOTIFY statusChanged)
    // running | degraded | stopped | error
    Q_PROPERTY(QString state READ state NOTIFY statusChanged)
    // One line for the tray tooltip and the dashboard header (translated).
    Q_PROPERTY(QString statusText READ statusText NOTIFY statusChanged)
    Q_PROPERTY(QString errorText READ errorText NOTIFY statusChanged)
    Q_PROPERTY(QString listenProblem READ listenProblem NOTIFY statusChanged)
    Q_PROPERTY(QString mode READ mode WRITE setMode NOTIFY statusChanged)
    Q_PROPERTY(int totalKeys READ totalKeys NOTIFY statusChanged)
    Q_PROPERTY(int usableKeys READ usableKeys NOTIFY statusChanged)
    Q_PROPERTY(int coolingKeys READ coolingKeys NOTIFY statusChanged)
    Q_PROPERTY(int invalidKeys READ invalidKeys NOTIFY statusChanged)
    Q_PROPERTY(int disabledKeys READ disabledKeys NOTIFY statusChanged)
    Q_PROPERTY(int totalRelays READ totalRelays NOTIFY statusChanged)
    // Healthy: a test or the traffic says so. Unchecked: nothing has said anything yet (never shown as healthy).
    Q_PROPERTY(int healthyRelays READ healthyRelays NOTIFY statusChanged)
    Q_PROPERTY(int uncheckedRelays READ uncheckedRelays NOTIFY statusChanged)
    // Listening beyond loopback: the window shows a warning banner.
    Q_PROPERTY(bool remoteAccess READ remoteAccess NOTIFY statusChanged)
    // No key configured yet: the window opens the first-run guide.
    Q_PROPERTY(bool firstRun READ firstRun NOTIFY statusChanged)
    // "system", "en" or "zh_CN" (ui.language); changing it retranslates the window at once.
    Q_PROPERTY(QString language READ language WRITE setLanguage NOTIFY languageChanged)
    Q_PROPERTY(bool startAtLogin READ startAtLogin WRITE setStartAtLogin NOTIFY startAtLoginChanged)

    Q_PROPERTY(ga::ui::KeysModel *keys READ keys CONSTANT)
    Q_PROPERTY(ga::ui::InstancesModel *instances READ instances CONSTANT)
    Q_PROPERTY(ga::ui::TokensModel *tokens READ tokens CONSTANT)
    Q_PROPERTY(ga::metrics::HistoryModel *history READ history CONSTANT)
    Q_PROPERTY(ga::ui::Dashboard *dashboard READ dashboard CONSTANT)

public:
    // `service` must have been started; it outlives the backend.
    explicit Backend(daemon::Service *service, QObject *parent = nullptr);
    ~Backend() override;

    // QML_SINGLETON: the engine gets the instance registered with setInstance() (the app and the tests
    // make it before loading any QML).
    static Backend *create(QQmlEngine *engine, QJSEngine *);
    static void setInstance(Backend *backend);
    static Backend *instance();

    Notifier *notifier() const { return m_notifier; }

    QString version() const;
    QString configPath() const;
    QString logsFolder() const;
    QString endpoint() const;
    bool listening() const;
    QString state() const;
    QString statusText() const;
    // Why the proxy is not serving: a failed start or listen change (the address cannot be bound, say).
    QString errorText() const;
    // Set when the configured listen address could not be bound (Settings shows it at listen.port).
    QString listenProblem() const;
    QString mode() const;
    void setMode(const QString &mode);
    int totalKeys() const { return m_counts.total; }
    int usableKeys() const { return m_counts.usable; }
    int coolingKeys() const { return m_counts.cooling; }
    int invalidKeys() const { return m_counts.invalid; }
    int disabledKeys() const { return m_counts.disabled; }
    int totalRelays() const { return m_counts.relays; }
    int healthyRelays() const { return m_counts.healthyRelays; }
    int uncheckedRelays() const { return m_counts.uncheckedRelays; }
    bool remoteAccess() const;
    bool firstRun() const { return m_counts.total == 0; }
    QString language() const;
    void setLanguage(const QString &language);
    bool startAtLogin() const;
    void setStartAtLogin(bool on);

    KeysModel *keys() const { return m_keys; }
    InstancesModel *instances() const { return m_instances; }
    TokensModel *tokens() const { return m_tokens; }
    metrics::HistoryModel *history() const { return m_history; }
    Dashboard *dashboard() const { return m_dashboard; }

    // Loads the translation for ui.language (or the system locale) and retranslates `engine`.
    void applyLanguage();
    void setEngine(QQmlEngine *engine) { m_engine = engine; }

    // The pages' controllers (their QML_SINGLETON factories hand these to the engine).
    KeysController *keysController() const { return m_keysController; }
    InstancesController *instancesController() const { return m_instancesController; }
    TokensController *tokensController() const { return m_tokensController; }
    SettingsController *settingsController() const { return m_settingsController; }
    SetupController *setupController() const { return m_setupController; }

    // Stops accepting connections, gives open streams up to `graceMs` to finish, then runs `done`.
    void shutdown(int graceMs, std::function<void()> done);

    Q_INVOKABLE void setListening(bool on);
    // A sentence from core (an attempt's outcome, a reason) in the window's language (logging/usertext.h).
    Q_INVOKABLE QString translated(const QString &coreText) const;
    Q_INVOKABLE void copyText(const QString &text);
    Q_INVOKABLE void copyEndpoint();
    Q_INVOKABLE void openLogsFolder();
    // Tests every enabled key and every relay → allTested.
    Q_INVOKABLE int testAll();
    int testAll(Report report);

    // The window was closed (hidden to the tray): the first time, closedToTray() asks for a notice.
    Q_INVOKABLE void noteWindowClosed();
    // Quit from the tray/window: stops the proxy gracefully, then exits the event loop.
    Q_INVOKABLE void quit();

Q_SIGNALS:
    void statusChanged();
    void languageChanged();
    void startAtLoginChanged();
    // Keys and relays that passed or failed their test.
    void allTested(int request, int keysOk, int keysFailed, int relaysOk, int relaysFailed);
    // The window should come to the front (second launch, tray "Open").
    void showWindowRequested();
    // The window was closed for the first time this run: "still running in the tray".
    void closedToTray();

private:
    void refreshStatus();

    struct Counts
    {
        int total = 0;
        int usable = 0;
        int cooling = 0;
        int invalid = 0;
        int disabled = 0;
        int relays = 0;
        int healthyRelays = 0;
        int uncheckedRelays = 0;
        bool operator==(const Counts &) const = default;
    };

    QPointer<QQmlEngine> m_engine;
    KeysModel *m_keys;
    InstancesModel *m_instances;
    TokensModel *m_tokens;
    metrics::HistoryModel *m_history;
    Dashboard *m_dashboard;
    Notifier *m_notifier;
    Autostart *m_autostart;
    KeysController *m_keysController;
    InstancesController *m_instancesController;
    TokensController *m_tokensController;
    SettingsController *m_settingsController;
    SetupController *m_setupController;
    QTranslator *m_translator = nullptr;
    QTranslator *m_qtTranslator = nullptr; // Qt's own messages (network errors in test results), when installed
    QString m_loadedLanguage;
    Counts m_counts;
    QString m_errorText;
    QTimer m_statusTimer;
    bool m_quitting = false;
    bool m_closeNoticeShown = false;
};

// The locale ui.language names ("system": the system's), and the app's translation for it loaded into `translator`
// (false when there is none, as for English).
QLocale uiLocale(const QString &language);
bool loadAppTranslation(QTranslator *translator, const QString &language);

} // namespace ga::ui
