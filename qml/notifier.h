// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "keys/keypool.h"
#include "routing/router.h"

#include <QHash>
#include <QObject>
#include <QStringList>

namespace ga::daemon {
class Service;
}
namespace ga::time {
class Clock;
}

namespace ga::ui {

// Decides which pool and relay events become tray notifications, and how often:
//   a key turns invalid · every key is cooling · a relay goes down · a relay is back up.
// The same subject (kind + key/relay) is told at most once per kSubjectGapMs; at most kBurst messages go
// out per kWindowMs, and what is held back is summed up in the next one ("… and 3 more").
class Notifier final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Notifier)

public:
    static constexpr qint64 kSubjectGapMs = 10 * 60'000;
    static constexpr qint64 kWindowMs = 60'000;
    static constexpr int kBurst = 3;

    // With a service, it follows its key pool and router (queued onto this thread).
    Notifier(daemon::Service *service, const time::Clock &clock, QObject *parent = nullptr);

    void setEnabled(bool on) { m_enabled = on; }
    bool isEnabled() const { return m_enabled; }

    // The events, callable directly (tests).
    void keyStatusChanged(const QString &id, keys::KeyStatus status, const QString &reason);
    void relayHealthChanged(const QString &id, routing::RelayHealth health, const QString &reason);

Q_SIGNALS:
    // title and message are translated, and name keys by label and masked form, never by secret.
    // `warning`: something stopped working (a key invalid, every key cooling, a relay down); otherwise news, such as
    // a relay back up. The tray picks the message's icon from it.
    void notify(const QString &title, const QString &message, bool warning);

private:
    void post(const QString &subject, const QString &title, const QString &message, bool warning = true);
    QString keyName(const QString &id) const;
    QString relayName(const QString &id) const;

    daemon::Service *m_service;
    const time::Clock &m_clock;
    bool m_enabled = true;
    QHash<QString, qint64> m_lastBySubject;
    QList<qint64> m_sent; // times of messages in the current window
    int m_heldBack = 0;
    bool m_allCooling = false;
    QHash<QString, routing::RelayHealth> m_relayHealth;
};

} // namespace ga::ui
