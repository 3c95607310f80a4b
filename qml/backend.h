// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "dashboard.h"
#include "listmodels.h"
#include "metrics/historymodel.h"

#include <QJSValue>
#include <QJsonValue>
#include <QObject>
#include <QPointer>
#include <QQmlEngine>
#include <QTimer>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include <functional>

class QTranslator;

namespace ga::daemon {
class Service;
}

namespace ga::ui {

class Notifier;
class Autostart;

// The one facade the window (and the tray) talk to. It wraps a running daemon::Service: status
// properties for the header and the tray, list models for the pages, and actions that go through the
// same admin API the REST clients and `--remote` use (so the GUI, the CLI and the API validate alike).
// Every asynchronous action takes an optional JS callback called once with
//   { ok: bool, status: int, message: string, problems: [{path, message}], data: any }.
// Secrets never come back to QML: keys and relay secrets are write-only; tokens go to the clipboard.
class Backend final : public QObject
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

    daemon::Service *service() const { return m_service; }
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

    // One admin API call, served in-process. `done` runs on this object's thread.
    using Reply = std::function<void(int status, const QJsonValue &body)>;
    void call(const QByteArray &method, const QString &path, const QJsonValue &body, Reply done);

    // Stops accepting connections, gives open streams up to `graceMs` to finish, then runs `done`.
    void shutdown(int graceMs, std::function<void()> done);

    // Proxy
    Q_INVOKABLE void setListening(bool on);
    Q_INVOKABLE void copyText(const QString &text);
    Q_INVOKABLE void copyEndpoint();
    // Copies the named access token (the first one when empty) to the clipboard; false when there is none.
    Q_INVOKABLE void copyAccessToken(const QString &name = QString(), const QJSValue &callback = QJSValue());
    // tool: gemini-cli | cline | continue | openai. The text shows "<your access token>" in place of the token;
    // copySetup() puts the real one in the clipboard.
    Q_INVOKABLE QString setupSnippet(const QString &tool) const;
    Q_INVOKABLE void copySetup(const QString &tool, const QJSValue &callback = QJSValue());
    Q_INVOKABLE void openLogsFolder();
    // Tests every key and every relay; the callback gets {keys: {ok, failed}, relays: {ok, failed}}.
    Q_INVOKABLE void testAll(const QJSValue &callback = QJSValue());

    // Keys. Pasted text: one key per line (or CSV); returns {valid, duplicates, problems: [{line, message}]}
    // without touching anything.
    Q_INVOKABLE QVariantMap checkKeyText(const QString &text) const;
    // Adds every valid key of `text` with `label`/`group`; data: {added: [ids], duplicates, rejected}.
    // With `test`, each new key is tested right after it is added.
    Q_INVOKABLE void addKeys(const QString &text, const QString &label, const QString &group, bool test,
        const QJSValue &callback = QJSValue());
    // fields: any of label, group, weight, instance (""/null unbinds), enabled.
    Q_INVOKABLE void updateKey(const QString &id, const QVariantMap &fields, const QJSValue &callback = QJSValue());
    Q_INVOKABLE void setKeysEnabled(const QStringList &ids, bool enabled, const QJSValue &callback = QJSValue());
    // data: [{id, result: valid|invalid|quota|network|…, message, latencyMs}]
    Q_INVOKABLE void testKeys(const QStringList &ids, const QJSValue &callback = QJSValue());
    Q_INVOKABLE void removeKeys(const QStringList &ids, const QJSValue &callback = QJSValue());

    // Instances. "" when `url` is a usable relay URL, else why not.
    Q_INVOKABLE QString checkInstanceUrl(const QString &url) const;
    // An empty secret makes one; data: {id, secret?} (a made secret is copied to the clipboard, never shown).
    Q_INVOKABLE void addInstance(
        const QString &name, const QString &url, const QString &secret, const QJSValue &callback = QJSValue());
    // fields: any of name, url, enabled.
    Q_INVOKABLE void updateInstance(
        const QString &id, const QVariantMap &fields, const QJSValue &callback = QJSValue());
    // data: {result: ok|unreachable|bad-secret|no-upstream|…, message, latencyMs}
    Q_INVOKABLE void testInstance(const QString &id, const QJSValue &callback = QJSValue());
    Q_INVOKABLE void removeInstance(const QString &id, const QJSValue &callback = QJSValue());
    // Labels of the keys bound to `id` (they go back to unbound when it is removed).
    Q_INVOKABLE QStringList keysBoundTo(const QString &id) const;
    // deno | workers: the paste-ready relay script shipped with the app.
    Q_INVOKABLE QString relayScript(const QString &kind) const;

    // Bindings: binds `keyIds` to `instanceIds` spread evenly (round-robin, in the given order); an empty
    // `instanceIds` unbinds them.
    Q_INVOKABLE void bindKeys(
        const QStringList &keyIds, const QStringList &instanceIds, const QJSValue &callback = QJSValue());

    // Access tokens. The new token goes to the clipboard, never into QML.
    Q_INVOKABLE void createToken(const QString &name, const QJSValue &callback = QJSValue());
    Q_INVOKABLE void rotateToken(const QString &name, const QJSValue &callback = QJSValue());
    Q_INVOKABLE void revokeToken(const QString &name, const QJSValue &callback = QJSValue());

    // Settings by dotted config path (the schema's names: "listen.port", "upstream.proxy", …).
    // {value, default, kind: bool|int|string|enum, choices, min, max, unit, description}
    Q_INVOKABLE QVariantMap setting(const QString &path) const;
    // {path: message} for every value that would be refused; empty when all are valid. Nothing is saved.
    Q_INVOKABLE QVariantMap checkSettings(const QVariantMap &values) const;
    // Saves all of `values` or none (problems per path in the callback's `problems`).
    Q_INVOKABLE void saveSettings(const QVariantMap &values, const QJSValue &callback = QJSValue());

    // The window was closed (hidden to the tray): the first time, closedToTray() asks for a notice.
    Q_INVOKABLE void noteWindowClosed();
    // Quit from the tray/window: stops the proxy gracefully, then exits the event loop.
    Q_INVOKABLE void quit();

Q_SIGNALS:
    void statusChanged();
    void languageChanged();
    void startAtLoginChanged();
    // A short message for the window's toast line (copy confirmations, errors of background actions).
    void toast(const QString &message);
    // The window should come to the front (second launch, tray "Open").
    void showWindowRequested();
    // The window was closed for the first time this run: "still running in the tray".
    void closedToTray();

private:
    void refreshStatus();
    void finish(const QJSValue &callback, int status, const QJsonValue &body);
    void finishLocal(const QJSValue &callback, bool ok, const QString &message, const QJsonValue &data = {});
    // One admin call per id, in turn; `done` gets the messages of the calls that did not answer `okStatus`.
    struct Step
    {
        QByteArray method;
        QString path;
        QJsonValue body;
    };
    void callEach(const QStringList &ids, int okStatus, std::function<Step(const QString &)> request,
        std::function<void(const QStringList &failed)> done);
    void readAccessToken(const QString &name, std::function<void(bool ok, const QByteArray &token)> done);

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

    daemon::Service *m_service;
    QPointer<QQmlEngine> m_engine;
    KeysModel *m_keys;
    InstancesModel *m_instances;
    TokensModel *m_tokens;
    metrics::HistoryModel *m_history;
    Dashboard *m_dashboard;
    Notifier *m_notifier;
    Autostart *m_autostart;
    QTranslator *m_translator = nullptr;
    QString m_loadedLanguage;
    Counts m_counts;
    QString m_errorText;
    QTimer m_statusTimer;
    bool m_quitting = false;
    bool m_closeNoticeShown = false;
};

} // namespace ga::ui
