// SPDX-License-Identifier: GPL-3.0-or-later
#include "notifier.h"

#include "daemon/service.h"
#include "logging/usertext.h"
#include "time/clock.h"

#include <QCoreApplication>
#include <QDateTime>

namespace ga::ui {

Notifier::Notifier(daemon::Service *service, const time::Clock &clock, QObject *parent)
    : QObject(parent)
    , m_service(service)
    , m_clock(clock)
{
    if (m_service) {
        // Both are emitted on proxy workers: queue onto this thread.
        connect(&m_service->keyPool(), &keys::KeyPool::keyStatusChanged, this, &Notifier::keyStatusChanged,
            Qt::QueuedConnection);
        connect(&m_service->router(), &routing::Router::relayHealthChanged, this, &Notifier::relayHealthChanged,
            Qt::QueuedConnection);
    }
}

QString Notifier::keyName(const QString &id) const
{
    if (m_service) {
        if (const config::KeyEntry *k = m_service->config().findKey(id)) {
            return k->label.isEmpty() ? k->masked() : QStringLiteral("%1 (%2)").arg(k->label, k->masked());
        }
    }
    return id;
}

QString Notifier::relayName(const QString &id) const
{
    if (m_service) {
        if (const config::InstanceEntry *i = m_service->config().findInstance(id)) {
            return i->name.isEmpty() ? id : i->name;
        }
    }
    return id;
}

void Notifier::keyStatusChanged(const QString &id, keys::KeyStatus status, const QString &reason)
{
    if (status == keys::KeyStatus::Invalid) {
        post(QStringLiteral("invalid:") + id, tr("A key is invalid"),
            tr("%1 was taken out of rotation: %2").arg(keyName(id), logging::translated(reason)));
    }
    if (!m_service) {
        return;
    }
    // "Every key is cooling": told once when it starts; again only after some key came back.
    int usable = 0;
    int cooling = 0;
    qint64 nextBack = -1;
    for (const keys::KeyReport &r : m_service->keyPool().report()) {
        if (r.status == keys::KeyStatus::Active) {
            ++usable;
        } else if (r.status == keys::KeyStatus::Cooling) {
            ++cooling;
            if (r.untilMs > 0 && (nextBack < 0 || r.untilMs < nextBack)) {
                nextBack = r.untilMs;
            }
        }
    }
    const bool allCooling = usable == 0 && cooling > 0;
    if (allCooling && !m_allCooling) {
        const QString when = nextBack > 0
            ? tr("the first is back at %1")
                  .arg(QDateTime::fromMSecsSinceEpoch(nextBack).toLocalTime().toString(QStringLiteral("HH:mm:ss")))
            : tr("none comes back by itself");
        post(QStringLiteral("all-cooling"), tr("Every key is cooling"),
            tr("Requests get 429 until a key is usable again; %1. Last reason: %2")
                .arg(when, logging::translated(reason)));
    }
    m_allCooling = allCooling;
}

void Notifier::relayHealthChanged(const QString &id, routing::RelayHealth health, const QString &reason)
{
    const routing::RelayHealth before = m_relayHealth.value(id, routing::RelayHealth::Unknown);
    m_relayHealth.insert(id, health);
    if (health == routing::RelayHealth::Unhealthy && before != routing::RelayHealth::Unhealthy) {
        post(QStringLiteral("relay:") + id, tr("A relay is down"),
            tr("%1: %2").arg(relayName(id), logging::translated(reason)));
    } else if (health == routing::RelayHealth::Healthy && before == routing::RelayHealth::Unhealthy) {
        post(QStringLiteral("relay:") + id, tr("A relay is back up"),
            tr("%1 answers again and is back in rotation").arg(relayName(id)), false);
    }
}

void Notifier::post(const QString &subject, const QString &title, const QString &message, bool warning)
{
    if (!m_enabled) {
        return;
    }
    const qint64 now = m_clock.nowMs();
    // A relay going down and coming back is one subject per direction.
    const QString key = subject + u'|' + title;
    if (const auto it = m_lastBySubject.constFind(key);
        it != m_lastBySubject.constEnd() && now - it.value() < kSubjectGapMs) {
        return;
    }
    while (!m_sent.isEmpty() && now - m_sent.first() >= kWindowMs) {
        m_sent.removeFirst();
    }
    if (m_sent.size() >= kBurst) {
        ++m_heldBack;
        return;
    }
    m_lastBySubject.insert(key, now);
    m_sent.append(now);
    QString text = message;
    if (m_heldBack > 0) {
        text += u'\n' + tr("(and %n more held back)", nullptr, m_heldBack);
        m_heldBack = 0;
    }
    Q_EMIT notify(title, text, warning);
}

} // namespace ga::ui
