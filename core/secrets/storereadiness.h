// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "secrets/secretstore.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

namespace ga::secrets {

// Waits until a secret store answers. Started at login, the app or `run` often comes up before the Secret Service
// does, and a keychain that says "unavailable" now answers a few seconds later (README.md: Keychains start late).
// The store is probed with a read of one entry:
//  - a value or NotFound means it answers: ready (the value is dropped at once);
//  - Unavailable is retried after 0.5, 1, 2, 4, 8, 8, … s, until the limit has passed since start(); the probe at
//    the limit is the last, and its failure is the result;
//  - any other error (AccessDenied: a locked keyring, a refused prompt) is final: waiting would not change it.
// Nothing here logs; the caller says what it wants from waiting().
class StoreReadiness final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StoreReadiness)

public:
    static constexpr int kDefaultLimitMs = 60'000;
    static constexpr const char *kLimitEnvVar = "GEMINI_AGGREGATOR_KEYCHAIN_WAIT_MS";

    // `probeEntry` is read, never written; a missing entry is fine.
    StoreReadiness(SecretStore *store, QString probeEntry, QObject *parent = nullptr);
    ~StoreReadiness() override;

    // How long to keep trying after start(); 0 probes once.
    void setLimitMs(int ms);
    // The delays between probes; the last one repeats. Tests shorten them.
    void setBackoffMs(QList<int> delays);
    static QList<int> defaultBackoffMs();
    // $GEMINI_AGGREGATOR_KEYCHAIN_WAIT_MS (milliseconds, 0 or more), else 60 s.
    static int limitFromEnvironment();

    void start();
    // start(), then runs a local event loop until finished: timers, sockets and the GUI keep working meanwhile.
    SecretResult wait();

    bool isFinished() const { return m_finished; }
    // Success once the store answered (never with a value); else the final failure. Valid once finished.
    SecretResult result() const { return m_result; }
    int attempts() const { return m_attempts; }
    qint64 elapsedMs() const;

Q_SIGNALS:
    // Probe `attempt` (1, 2, …) found the store unavailable (`message`: one sentence, no secret); the next probe runs
    // in `retryInMs`.
    void waiting(int attempt, qint64 elapsedMs, int retryInMs, const QString &message);
    void finished(const ga::secrets::SecretResult &result);

private:
    void probe();
    void onAnswer(const SecretResult &answer);
    void finish(SecretResult result);

    SecretStore *m_store;
    QString m_probeEntry;
    int m_limitMs = kDefaultLimitMs;
    QList<int> m_backoffMs;
    QElapsedTimer m_elapsed;
    QTimer m_retry;
    int m_attempts = 0;
    bool m_finished = false;
    SecretResult m_result;
};

} // namespace ga::secrets
