// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "keys/failure.h"
#include "upstream/upstream.h"

#include <QObject>

class QNetworkAccessManager;

namespace ga::keys {

enum class HealthVerdict
{
    Valid,
    Invalid,
    Quota,
    Network,
    Other
};
QString healthVerdictName(HealthVerdict verdict); // "valid", "invalid", "quota", "network", "error"

struct HealthResult
{
    QString id;
    HealthVerdict verdict = HealthVerdict::Other;
    int status = 0; // HTTP status, 0 for network errors
    qint64 latencyMs = 0;
    Failure failure; // classification of a non-2xx answer
    QString message; // one line, never the key
};

// Tests keys with the cheapest authenticated call, GET /v1beta/models?pageSize=1, through the same
// upstream, proxy and CA settings as the proxy. One-off checks are rare, so QNetworkAccessManager is fine
// here (its per-request cost only matters on the forwarding path).
class HealthChecker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HealthChecker)

public:
    explicit HealthChecker(QObject *parent = nullptr);
    ~HealthChecker() override;

    void check(const QString &id, const QByteArray &secret, const upstream::UpstreamSettings &upstream,
        int timeoutMs = 15'000);

Q_SIGNALS:
    void finished(const ga::keys::HealthResult &result);

private:
    QNetworkAccessManager *m_nam;
    // The extra CA certificates the open connections were verified under: QNetworkAccessManager reuses a connection
    // whatever a request's TLS settings, so one made under other trust settings is closed first.
    QList<QSslCertificate> m_extraCas;
};

} // namespace ga::keys
