// SPDX-License-Identifier: GPL-3.0-or-later
#include "secrets/storereadiness.h"

#include <QEventLoop>

#include <algorithm>
#include <utility>

namespace ga::secrets {

StoreReadiness::StoreReadiness(SecretStore *store, QString probeEntry, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_probeEntry(std::move(probeEntry))
    , m_backoffMs(defaultBackoffMs())
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &StoreReadiness::probe);
}

StoreReadiness::~StoreReadiness() = default;

void StoreReadiness::setLimitMs(int ms)
{
    m_limitMs = std::max(0, ms);
}

void StoreReadiness::setBackoffMs(QList<int> delays)
{
    m_backoffMs = delays.isEmpty() ? defaultBackoffMs() : std::move(delays);
}

QList<int> StoreReadiness::defaultBackoffMs()
{
    return { 500, 1000, 2000, 4000, 8000 };
}

int StoreReadiness::limitFromEnvironment()
{
    bool ok = false;
    const int ms = qEnvironmentVariableIntValue(kLimitEnvVar, &ok);
    return ok && ms >= 0 ? ms : kDefaultLimitMs;
}

qint64 StoreReadiness::elapsedMs() const
{
    return m_elapsed.isValid() ? m_elapsed.elapsed() : 0;
}

void StoreReadiness::start()
{
    m_attempts = 0;
    m_finished = false;
    m_result = {};
    m_elapsed.start();
    probe();
}

SecretResult StoreReadiness::wait()
{
    QEventLoop loop;
    const QMetaObject::Connection done = connect(this, &StoreReadiness::finished, &loop, &QEventLoop::quit);
    start();
    if (!m_finished) {
        loop.exec();
    }
    disconnect(done);
    return m_result;
}

void StoreReadiness::probe()
{
    ++m_attempts;
    // `this` as the context: an answer arriving after this object is gone is dropped (SecretStore contract).
    m_store->read(m_probeEntry, this, [this](const SecretResult &answer) { onAnswer(answer); });
}

void StoreReadiness::onAnswer(const SecretResult &answer)
{
    if (answer.ok() || answer.error == SecretError::NotFound) {
        finish(SecretResult::success()); // the value, if any, goes no further than `answer`
        return;
    }
    const qint64 elapsed = m_elapsed.elapsed();
    if (answer.error != SecretError::Unavailable || elapsed >= m_limitMs) {
        finish(SecretResult::failure(answer.error, answer.message));
        return;
    }
    // The last probe runs at the limit, not after it.
    const int step = int(m_backoffMs.at(std::min<qsizetype>(m_attempts - 1, m_backoffMs.size() - 1)));
    const int retryInMs = int(std::min<qint64>(step, m_limitMs - elapsed));
    Q_EMIT waiting(m_attempts, elapsed, retryInMs, answer.message);
    m_retry.start(retryInMs);
}

void StoreReadiness::finish(SecretResult result)
{
    m_finished = true;
    m_result = std::move(result);
    Q_EMIT finished(m_result);
}

} // namespace ga::secrets
