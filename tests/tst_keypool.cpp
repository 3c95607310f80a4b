// SPDX-License-Identifier: GPL-3.0-or-later
// The key pool on its own: classification of Google's answers, strategies, cooling, breakers, egress throttling,
// usage counters and persisted state. Time is a ManualClock: nothing sleeps.
#include "keys/failure.h"
#include "keys/keypool.h"
#include "testsupport.h"
#include "time/clock.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <map>
#include <set>

using ga::keys::classifyResponse;
using ga::keys::Failure;
using ga::keys::FailureKind;
using ga::keys::KeyPool;
using ga::keys::KeyReport;
using ga::keys::KeyStatus;
using ga::keys::NoKeyReason;
using ga::keys::Pick;
using ga::keys::PoolKeyConfig;
using ga::keys::Strategy;
using ga::keys::Usage;
using ga::test::fakeKey;
using ga::time::ManualClock;

Q_DECLARE_METATYPE(ga::keys::FailureKind)
Q_DECLARE_METATYPE(ga::keys::Strategy)

namespace {

const QString kFlash = QStringLiteral("gemini-2.5-flash");
const QString kPro = QStringLiteral("gemini-2.5-pro");

qint64 utc(const char *iso)
{
    const QDateTime t = QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODateWithMs);
    Q_ASSERT(t.isValid());
    return t.toMSecsSinceEpoch();
}

QString iso(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

PoolKeyConfig keyConfig(int n, const QString &group = {}, int weight = 1, bool enabled = true)
{
    return { QStringLiteral("k%1").arg(n), fakeKey(n).toLatin1(), group, weight, enabled };
}

std::vector<PoolKeyConfig> keyConfigs(int count)
{
    std::vector<PoolKeyConfig> keys;
    for (int i = 1; i <= count; ++i) {
        keys.push_back(keyConfig(i));
    }
    return keys;
}

// ---------------------------------------------------------------------------------------------------------------
// Real error bodies (gemini-api.md §4), pretty-printed as Google sends them.

QByteArray quotaBody(
    const QByteArray &quotaId, const QByteArray &retryDelay, const QByteArray &model = "gemini-2.5-flash")
{
    QByteArray body = R"({
  "error": {
    "code": 429,
    "message": "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 10, model: )"
        + model + R"(",
    "status": "RESOURCE_EXHAUSTED",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.Help",
        "links": [
          {
            "description": "Learn more about Gemini API quotas",
            "url": "https://ai.google.dev/gemini-api/docs/rate-limits"
          }
        ]
      },
      {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [
          {
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
            "quotaId": ")"
        + quotaId + R"(",
            "quotaDimensions": {
              "location": "global",
              "model": ")"
        + model + R"("
            },
            "quotaValue": "10"
          }
        ]
      })";
    if (!retryDelay.isEmpty()) {
        body += R"(,
      {
        "@type": "type.googleapis.com/google.rpc.RetryInfo",
        "retryDelay": ")"
            + retryDelay + R"("
      })";
    }
    body += "\n    ]\n  }\n}\n";
    return body;
}

const QByteArray kPerMinute = "GenerateRequestsPerMinutePerProjectPerModel-FreeTier";
const QByteArray kPerDay = "GenerateRequestsPerDayPerProjectPerModel-FreeTier";

// §4.3 "current form": a per-day, a per-minute and a token violation at once, RetryInfo 1s, message 1.68…s.
const QByteArray kQuotaCurrentForm = R"({
  "error": {
    "code": 429,
    "message": "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: gemini-2.0-flash\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: gemini-2.0-flash\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_input_token_count, limit: 0, model: gemini-2.0-flash\nPlease retry in 1.68122827s.",
    "status": "RESOURCE_EXHAUSTED",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.Help",
        "links": [
          {
            "description": "Learn more about Gemini API quotas",
            "url": "https://ai.google.dev/gemini-api/docs/rate-limits"
          }
        ]
      },
      {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [
          {
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
            "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
            "quotaDimensions": {
              "location": "global",
              "model": "gemini-2.0-flash"
            }
          },
          {
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
            "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
            "quotaDimensions": {
              "location": "global",
              "model": "gemini-2.0-flash"
            }
          },
          {
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count",
            "quotaId": "GenerateContentInputTokensPerModelPerMinute-FreeTier",
            "quotaDimensions": {
              "location": "global",
              "model": "gemini-2.0-flash"
            }
          }
        ]
      },
      {
        "@type": "type.googleapis.com/google.rpc.RetryInfo",
        "retryDelay": "1s"
      }
    ]
  }
}
)";

// §4.3 "earlier form": QuotaFailure first, input tokens per minute, whole-second retryDelay.
const QByteArray kQuotaEarlierForm = R"({
  "error": {
    "code": 429,
    "message": "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
    "status": "RESOURCE_EXHAUSTED",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [
          {
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count",
            "quotaId": "GenerateContentInputTokensPerModelPerMinute-FreeTier",
            "quotaDimensions": {
              "location": "global",
              "model": "gemini-2.5-flash"
            },
            "quotaValue": "250000"
          }
        ]
      },
      {
        "@type": "type.googleapis.com/google.rpc.Help",
        "links": [
          {
            "description": "Learn more about Gemini API quotas",
            "url": "https://ai.google.dev/gemini-api/docs/rate-limits"
          }
        ]
      },
      {
        "@type": "type.googleapis.com/google.rpc.RetryInfo",
        "retryDelay": "26s"
      }
    ]
  }
}
)";

// The retry hint only in the message text, no details.
const QByteArray kQuotaMessageOnly = R"({
  "error": {
    "code": 429,
    "message": "You exceeded your current quota, please check your plan and billing details.\nPlease retry in 47.174066935s.",
    "status": "RESOURCE_EXHAUSTED"
  }
}
)";

const QByteArray kQuotaPlain = R"({
  "error": {
    "code": 429,
    "message": "Resource has been exhausted (e.g. check quota).",
    "status": "RESOURCE_EXHAUSTED"
  }
}
)";

const QByteArray kKeyInvalid = R"({
  "error": {
    "code": 400,
    "message": "API key not valid. Please pass a valid API key.",
    "status": "INVALID_ARGUMENT",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "API_KEY_INVALID",
        "domain": "googleapis.com",
        "metadata": {
          "service": "generativelanguage.googleapis.com"
        }
      },
      {
        "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
        "locale": "en-US",
        "message": "API key not valid. Please pass a valid API key."
      }
    ]
  }
}
)";

const QByteArray kKeyExpired = R"({
  "error": {
    "code": 400,
    "message": "API key expired. Please renew the API key.",
    "status": "INVALID_ARGUMENT",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "API_KEY_INVALID",
        "domain": "googleapis.com",
        "metadata": {
          "service": "generativelanguage.googleapis.com"
        }
      }
    ]
  }
}
)";

const QByteArray kKeyNotFound = R"({
  "error": {
    "code": 400,
    "message": "API Key not found. Please pass a valid API key.",
    "status": "INVALID_ARGUMENT",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "API_KEY_INVALID",
        "domain": "googleapis.com",
        "metadata": {
          "service": "generativelanguage.googleapis.com"
        }
      }
    ]
  }
}
)";

// (Not a raw string: moc cannot parse raw strings with quotes and apostrophes in them.)
const QByteArray kUnregistered
    = "{\n"
      "  \"error\": {\n"
      "    \"code\": 403,\n"
      "    \"message\": \"Method doesn't allow unregistered callers (callers without established identity). Please use "
      "API Key or other form of API consumer identity to call this API.\",\n"
      "    \"status\": \"PERMISSION_DENIED\"\n"
      "  }\n"
      "}\n";

const QByteArray kLeaked = R"({
  "error": {
    "code": 403,
    "message": "Your API key was reported as leaked. Please use another API key.",
    "status": "PERMISSION_DENIED"
  }
}
)";

const QByteArray kRegionBlocked = R"({
  "error": {
    "code": 400,
    "message": "User location is not supported for the API use.",
    "status": "FAILED_PRECONDITION"
  }
}
)";

const QByteArray kOverloaded = R"({
  "error": {
    "code": 503,
    "message": "The model is overloaded. Please try again later.",
    "status": "UNAVAILABLE"
  }
}
)";

const QByteArray kInternal = R"({
  "error": {
    "code": 500,
    "message": "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
    "status": "INTERNAL"
  }
}
)";

const QByteArray kNotFound = R"({
  "error": {
    "code": 404,
    "message": "models/gemini-pro is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.",
    "status": "NOT_FOUND"
  }
}
)";

// (Not a raw string: moc cannot parse raw strings with quotes and apostrophes in them.)
const QByteArray kBadRequest = "{\n"
                               "  \"error\": {\n"
                               "    \"code\": 400,\n"
                               "    \"message\": \"Invalid JSON payload received. Unknown name \\\"role\\\" at "
                               "'contents[0].parts': Cannot find field.\",\n"
                               "    \"status\": \"INVALID_ARGUMENT\",\n"
                               "    \"details\": [\n"
                               "      {\n"
                               "        \"@type\": \"type.googleapis.com/google.rpc.BadRequest\",\n"
                               "        \"fieldViolations\": [\n"
                               "          {\n"
                               "            \"field\": \"contents[0].parts\",\n"
                               "            \"description\": \"Invalid JSON payload received. Unknown name "
                               "\\\"role\\\" at 'contents[0].parts': Cannot find field.\"\n"
                               "          }\n"
                               "        ]\n"
                               "      }\n"
                               "    ]\n"
                               "  }\n"
                               "}\n";

// 403s that are about a resource of another project (../shared/gemini-api.md §9), and 403s about the key.
const QByteArray kFileDenied = R"json({
  "error": {
    "code": 403,
    "message": "You do not have permission to access the File abc123def456 or it may not exist.",
    "status": "PERMISSION_DENIED"
  }
}
)json";
const QByteArray kCacheDenied = R"json({
  "error": {
    "code": 403,
    "message": "CachedContent not found (or permission denied)",
    "status": "PERMISSION_DENIED"
  }
}
)json";
const QByteArray kCallerNoPermission = R"json({
  "error": {
    "code": 403,
    "message": "The caller does not have permission",
    "status": "PERMISSION_DENIED"
  }
}
)json";
const QByteArray kSuspended = R"json({
  "error": {
    "code": 403,
    "message": "Permission denied: Consumer 'api_key:AIza…' has been suspended.",
    "status": "PERMISSION_DENIED"
  }
}
)json";
const QByteArray kProjectDenied = R"json({
  "error": {
    "code": 403,
    "message": "Your project has been denied access. Please contact support.",
    "status": "PERMISSION_DENIED"
  }
}
)json";
const QByteArray kServiceDisabled = R"json({
  "error": {
    "code": 403,
    "message": "Generative Language API has not been used in project 123456 before or it is disabled. Enable it by visiting the console then retry.",
    "status": "PERMISSION_DENIED",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "SERVICE_DISABLED",
        "domain": "googleapis.com",
        "metadata": {"service": "generativelanguage.googleapis.com", "consumer": "projects/123456"}
      }
    ]
  }
}
)json";
const QByteArray kRateLimitErrorInfo = R"json({
  "error": {
    "code": 429,
    "message": "Resource has been exhausted (e.g. check quota).",
    "status": "RESOURCE_EXHAUSTED",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "RATE_LIMIT_EXCEEDED",
        "domain": "googleapis.com",
        "metadata": {"quota_metric": "generativelanguage.googleapis.com/generate_content_requests",
                     "quota_limit": "GenerateContentRequestsPerMinutePerProjectPerRegion"}
      }
    ]
  }
}
)json";

// The OpenAI-compatible endpoints wrap the error in an array, on one line.
const QByteArray kCompatKeyInvalid
    = R"([{"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}]}}])";
const QByteArray kCompatBadJson
    = R"([{"error": {"code": 400, "message": "Invalid JSON payload received.", "status": "INVALID_ARGUMENT"}}])";

Failure perMinute(qint64 retryDelayMs = 37'000)
{
    const QByteArray delay = retryDelayMs < 0 ? QByteArray() : QByteArray::number(retryDelayMs / 1000.0) + 's';
    const Failure f = classifyResponse(429, quotaBody(kPerMinute, delay));
    Q_ASSERT(f.kind == FailureKind::QuotaPerMinute);
    return f;
}

Failure perDay()
{
    const Failure f = classifyResponse(429, quotaBody(kPerDay, "21926s"));
    Q_ASSERT(f.kind == FailureKind::QuotaPerDay);
    return f;
}

Failure invalidKey()
{
    return classifyResponse(400, kKeyInvalid);
}

Failure overloaded()
{
    return classifyResponse(503, kOverloaded);
}

// A copy of the report of one key (an empty one, id and all, when there is none).
KeyReport findReport(const std::vector<KeyReport> &all, const QString &id)
{
    for (const KeyReport &r : all) {
        if (r.id == id) {
            return r;
        }
    }
    return {};
}

} // namespace

class TestKeyPool : public QObject
{
    Q_OBJECT

    // Picks `n` times for `model` and counts the keys.
    static std::map<QString, int> pickMany(
        KeyPool &pool, int n, const QString &model = kFlash, const std::vector<QString> &tried = {})
    {
        std::map<QString, int> counts;
        for (int i = 0; i < n; ++i) {
            Pick p;
            if (!pool.pick(model, tried, &p)) {
                counts[QString()] += 1;
                continue;
            }
            counts[p.id] += 1;
        }
        return counts;
    }

    static QString pickOne(KeyPool &pool, const QString &model = kFlash, const std::vector<QString> &tried = {})
    {
        Pick p;
        return pool.pick(model, tried, &p) ? p.id : QString();
    }

    // `failing` fails while `working` keeps serving: what the proxy sees when one key alone is broken (each
    // failure comes after a success of the other key).
    static void failWhileOthersWork(KeyPool &pool, ManualClock &clock, const QString &failing, const QString &working,
        const Failure &failure, int times = 1)
    {
        for (int i = 0; i < times; ++i) {
            clock.advance(1'000);
            pool.reportSuccess(working, kFlash);
            clock.advance(1'000);
            pool.reportFailure(failing, kFlash, failure);
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        // Every cooldown is logged at info level; hundreds of them here would drown the test output.
        QLoggingCategory::setFilterRules(QStringLiteral("ga.keys.info=false\nga.keys.warning=false"));
    }

    // -----------------------------------------------------------------------------------------------------------
    // Classification

    void classify_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<FailureKind>("kind");
        QTest::addColumn<qint64>("retryDelayMs");
        QTest::addColumn<QString>("quotaId");
        QTest::addColumn<bool>("retryable");

        const QString minute = QString::fromLatin1(kPerMinute);
        const QString day = QString::fromLatin1(kPerDay);
        QTest::newRow("200") << 200 << QByteArray("{}") << FailureKind::None << qint64(-1) << QString() << false;
        QTest::newRow("429 per-minute, RetryInfo 37s")
            << 429 << quotaBody(kPerMinute, "37s") << FailureKind::QuotaPerMinute << qint64(37'000) << minute << true;
        QTest::newRow("429 per-minute, RetryInfo 1.68s")
            << 429 << quotaBody(kPerMinute, "1.68s") << FailureKind::QuotaPerMinute << qint64(1'680) << minute << true;
        QTest::newRow("429 per-minute, no RetryInfo")
            << 429 << quotaBody(kPerMinute, {}) << FailureKind::QuotaPerMinute << qint64(-1) << minute << true;
        QTest::newRow("429 per-day") << 429 << quotaBody(kPerDay, "21926s") << FailureKind::QuotaPerDay
                                     << qint64(21'926'000) << day << true;
        QTest::newRow("429 per-day, no RetryInfo")
            << 429 << quotaBody(kPerDay, {}) << FailureKind::QuotaPerDay << qint64(-1) << day << true;
        QTest::newRow("429 current form: per-day wins over per-minute")
            << 429 << kQuotaCurrentForm << FailureKind::QuotaPerDay << qint64(1'000) << day << true;
        QTest::newRow("429 earlier form: input tokens per minute")
            << 429 << kQuotaEarlierForm << FailureKind::QuotaPerMinute << qint64(26'000)
            << QStringLiteral("GenerateContentInputTokensPerModelPerMinute-FreeTier") << true;
        QTest::newRow("429 input tokens per day")
            << 429 << quotaBody("GenerateContentInputTokensPerModelPerDay-FreeTier", "59s") << FailureKind::QuotaPerDay
            << qint64(59'000) << QStringLiteral("GenerateContentInputTokensPerModelPerDay-FreeTier") << true;
        QTest::newRow("429 retry hint in the message only")
            << 429 << kQuotaMessageOnly << FailureKind::QuotaPerMinute << qint64(47'174) << QString() << true;
        QTest::newRow("429 plain") << 429 << kQuotaPlain << FailureKind::QuotaPerMinute << qint64(-1) << QString()
                                   << true;
        QTest::newRow("429 empty body") << 429 << QByteArray() << FailureKind::QuotaPerMinute << qint64(-1) << QString()
                                        << true;
        QTest::newRow("400 API_KEY_INVALID")
            << 400 << kKeyInvalid << FailureKind::InvalidKey << qint64(-1) << QString() << true;
        QTest::newRow("400 API key expired")
            << 400 << kKeyExpired << FailureKind::InvalidKey << qint64(-1) << QString() << true;
        QTest::newRow("400 API Key not found")
            << 400 << kKeyNotFound << FailureKind::InvalidKey << qint64(-1) << QString() << true;
        QTest::newRow("400 compat API_KEY_INVALID")
            << 400 << kCompatKeyInvalid << FailureKind::InvalidKey << qint64(-1) << QString() << true;
        QTest::newRow("403 unregistered caller")
            << 403 << kUnregistered << FailureKind::InvalidKey << qint64(-1) << QString() << true;
        QTest::newRow("403 leaked") << 403 << kLeaked << FailureKind::InvalidKey << qint64(-1) << QString() << true;
        QTest::newRow("401") << 401 << QByteArray() << FailureKind::InvalidKey << qint64(-1) << QString() << true;
        QTest::newRow("400 FAILED_PRECONDITION user location")
            << 400 << kRegionBlocked << FailureKind::RegionBlocked << qint64(-1) << QString() << false;
        QTest::newRow("400 INVALID_ARGUMENT BadRequest")
            << 400 << kBadRequest << FailureKind::ClientError << qint64(-1) << QString() << false;
        QTest::newRow("400 compat invalid JSON")
            << 400 << kCompatBadJson << FailureKind::ClientError << qint64(-1) << QString() << false;
        QTest::newRow("404 NOT_FOUND") << 404 << kNotFound << FailureKind::ClientError << qint64(-1) << QString()
                                       << false;
        QTest::newRow("503 UNAVAILABLE") << 503 << kOverloaded << FailureKind::ServerError << qint64(-1) << QString()
                                         << true;
        QTest::newRow("500 INTERNAL") << 500 << kInternal << FailureKind::ServerError << qint64(-1) << QString()
                                      << true;
        QTest::newRow("502 HTML") << 502 << QByteArray("<html>Bad Gateway</html>") << FailureKind::ServerError
                                  << qint64(-1) << QString() << true;
        QTest::newRow("504") << 504 << QByteArray() << FailureKind::ServerError << qint64(-1) << QString() << true;
    }

    void classify()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(FailureKind, kind);
        QFETCH(qint64, retryDelayMs);
        QFETCH(QString, quotaId);
        QFETCH(bool, retryable);
        const Failure f = classifyResponse(status, body);
        QCOMPARE(f.kind, kind);
        QCOMPARE(f.retryDelayMs, retryDelayMs);
        QCOMPARE(f.quotaId, quotaId);
        QCOMPARE(f.retryable(), retryable);
        if (kind != FailureKind::None) {
            QVERIFY2(f.reason.contains(QString::number(status)),
                qPrintable(f.reason)); // "the upstream answered 400: …", "quota … exceeded (429)"
        }
    }

    // A key is blamed only for key-level signals; a 403/404 about a resource never marks it.
    void classifyAgainstResources_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("touchesResource");
        QTest::addColumn<FailureKind>("kind");
        QTest::addColumn<bool>("retryable");
        QTest::newRow("403 file of another project")
            << 403 << kFileDenied << true << FailureKind::ResourceDenied << false;
        QTest::newRow("403 file, reference not seen by the proxy")
            << 403 << kFileDenied << false << FailureKind::ResourceDenied << false;
        QTest::newRow("403 cached content") << 403 << kCacheDenied << true << FailureKind::ResourceDenied << false;
        QTest::newRow("403 caller has no permission, resource request")
            << 403 << kCallerNoPermission << true << FailureKind::ResourceDenied << false;
        QTest::newRow("403 caller has no permission, plain request")
            << 403 << kCallerNoPermission << false << FailureKind::Forbidden << true;
        QTest::newRow("404 resource") << 404 << kNotFound << true << FailureKind::ResourceDenied << false;
        QTest::newRow("404 plain") << 404 << kNotFound << false << FailureKind::ClientError << false;
        QTest::newRow("403 leaked, resource request") << 403 << kLeaked << true << FailureKind::InvalidKey << true;
        QTest::newRow("403 suspended") << 403 << kSuspended << true << FailureKind::InvalidKey << true;
        QTest::newRow("403 project denied") << 403 << kProjectDenied << false << FailureKind::InvalidKey << true;
        QTest::newRow("403 SERVICE_DISABLED") << 403 << kServiceDisabled << true << FailureKind::InvalidKey << true;
        QTest::newRow("400 API_KEY_INVALID, resource request")
            << 400 << kKeyInvalid << true << FailureKind::InvalidKey << true;
        QTest::newRow("400 region, resource request")
            << 400 << kRegionBlocked << true << FailureKind::RegionBlocked << false;
        QTest::newRow("401 resource request") << 401 << QByteArray() << true << FailureKind::InvalidKey << true;
    }

    void classifyAgainstResources()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(bool, touchesResource);
        QFETCH(FailureKind, kind);
        QFETCH(bool, retryable);
        const Failure f = classifyResponse(status, body, touchesResource);
        QCOMPARE(f.kind, kind);
        QCOMPARE(f.retryable(), retryable);
        QVERIFY(!f.reason.contains(QStringLiteral("AIza")) || f.reason.contains(QStringLiteral("AIza…")));
    }

    void quotaNamedOrNot_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("namesQuota");
        QTest::newRow("QuotaFailure per project per minute") << quotaBody(kPerMinute, "30s") << true;
        QTest::newRow("QuotaFailure per day") << quotaBody(kPerDay, "30s") << true;
        QTest::newRow("ErrorInfo RATE_LIMIT_EXCEEDED with quota_limit") << kRateLimitErrorInfo << true;
        QTest::newRow("plain 429") << kQuotaPlain << false;
        QTest::newRow("retry hint in the message only") << kQuotaMessageOnly << false;
        QTest::newRow("empty body") << QByteArray() << false;
    }

    void quotaNamedOrNot()
    {
        QFETCH(QByteArray, body);
        QFETCH(bool, namesQuota);
        const Failure f = classifyResponse(429, body);
        QVERIFY(f.isQuota());
        QCOMPARE(f.namesQuota(), namesQuota);
    }

    // An unexplained 403 is counted; only a second one within the hour marks the key.
    void forbiddenTwiceMarksInvalid()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(2));
        const Failure forbidden = classifyResponse(403, kCallerNoPermission);
        QCOMPARE(forbidden.kind, FailureKind::Forbidden);
        pool.reportFailure(QStringLiteral("k1"), kFlash, forbidden);
        QCOMPARE(pool.status(QStringLiteral("k1")), KeyStatus::Active);
        clock.advance(KeyPool::kForbiddenMemoryMs + 1);
        pool.reportFailure(QStringLiteral("k1"), kFlash, forbidden); // an hour later: a first time again
        QCOMPARE(pool.status(QStringLiteral("k1")), KeyStatus::Active);
        clock.advance(60'000);
        pool.reportFailure(QStringLiteral("k1"), kFlash, forbidden);
        QCOMPARE(pool.status(QStringLiteral("k1")), KeyStatus::Invalid);
        // Resource denials never do, however many.
        const Failure denied = classifyResponse(403, kFileDenied, true);
        for (int i = 0; i < 10; ++i) {
            pool.reportFailure(QStringLiteral("k2"), kFlash, denied);
        }
        QCOMPARE(pool.status(QStringLiteral("k2")), KeyStatus::Active);
    }

    // Keys of one scope only: the owner's project.
    void scopedPick()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys({ keyConfig(1, QStringLiteral("a")), keyConfig(2, QStringLiteral("b")),
            keyConfig(3, QStringLiteral("a")), keyConfig(4) });
        const ga::keys::KeyScope groupA { QStringLiteral("k1"), QStringLiteral("a") };
        QSet<QString> seen;
        for (int i = 0; i < 6; ++i) {
            Pick p;
            QVERIFY(pool.pick(kFlash, {}, &p, nullptr, &groupA));
            QCOMPARE(p.group, QStringLiteral("a"));
            seen.insert(p.id);
        }
        QCOMPARE(seen, QSet<QString>({ QStringLiteral("k1"), QStringLiteral("k3") }));
        const ga::keys::KeyScope lone { QStringLiteral("k4"), QString() };
        Pick p;
        QVERIFY(pool.pick(kFlash, {}, &p, nullptr, &lone));
        QCOMPARE(p.id, QStringLiteral("k4"));
        // Cooling group a: nothing for the scope, and `why` counts its keys only.
        pool.reportFailure(QStringLiteral("k1"), kFlash, perMinute(30'000));
        NoKeyReason why;
        QVERIFY(!pool.pick(kFlash, {}, &p, &why, &groupA));
        QCOMPARE(why.total, 2);
        QCOMPARE(why.cooling, 2);
        QCOMPARE(why.retryAfterMs, qint64(30'000));
        QVERIFY(pool.pick(kFlash, {}, &p)); // the others still serve
        QVERIFY(p.id == QStringLiteral("k2") || p.id == QStringLiteral("k4"));
        // projects(): one per group, one per key without a group.
        const std::vector<ga::keys::KeyScope> projects = pool.projects();
        QCOMPARE(projects.size(), size_t(3));
    }

    void networkFailureIsRetryable()
    {
        const Failure f = ga::keys::networkFailure(QStringLiteral("Connection refused"));
        QCOMPARE(f.kind, FailureKind::NetworkError);
        QVERIFY(f.retryable());
        QCOMPARE(f.reason, QStringLiteral("Connection refused"));
    }

    void parseDuration_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ms");
        QTest::newRow("37s") << QStringLiteral("37s") << qint64(37'000);
        QTest::newRow("1.68s") << QStringLiteral("1.68s") << qint64(1'680);
        QTest::newRow("0.5s") << QStringLiteral("0.5s") << qint64(500);
        QTest::newRow("1.68122827s") << QStringLiteral("1.68122827s") << qint64(1'681);
        QTest::newRow("47.174066935s") << QStringLiteral("47.174066935s") << qint64(47'174);
        QTest::newRow("0s") << QStringLiteral("0s") << qint64(0);
        QTest::newRow("21926s") << QStringLiteral("21926s") << qint64(21'926'000);
        QTest::newRow("spaces") << QStringLiteral(" 26s ") << qint64(26'000);
        QTest::newRow("one week") << QStringLiteral("604800s") << qint64(604'800'000);
        QTest::newRow("more than a week") << QStringLiteral("604801s") << qint64(-1);
        QTest::newRow("no unit") << QStringLiteral("37") << qint64(-1);
        QTest::newRow("unit only") << QStringLiteral("s") << qint64(-1);
        QTest::newRow("empty") << QString() << qint64(-1);
        QTest::newRow("negative") << QStringLiteral("-1s") << qint64(-1);
        QTest::newRow("minutes") << QStringLiteral("1m") << qint64(-1);
        QTest::newRow("milliseconds") << QStringLiteral("5ms") << qint64(-1);
        QTest::newRow("garbage") << QStringLiteral("abcs") << qint64(-1);
    }

    void parseDuration()
    {
        QFETCH(QString, text);
        QFETCH(qint64, ms);
        QCOMPARE(ga::keys::parseDurationMs(text), ms);
    }

    // -----------------------------------------------------------------------------------------------------------
    // Pacific time

    void nextPacificMidnight_data()
    {
        QTest::addColumn<QString>("now");
        QTest::addColumn<QString>("midnight");
        QTest::addColumn<QString>("pacificDate");
        QTest::newRow("ManualClock start (PST)")
            << QStringLiteral("2026-01-01T00:00:00.000Z") << QStringLiteral("2026-01-01T08:00:00.000Z")
            << QStringLiteral("2025-12-31");
        QTest::newRow("January noon PST") << QStringLiteral("2026-01-15T20:00:00.000Z")
                                          << QStringLiteral("2026-01-16T08:00:00.000Z") << QStringLiteral("2026-01-15");
        QTest::newRow("January, 1 ms before midnight")
            << QStringLiteral("2026-01-16T07:59:59.999Z") << QStringLiteral("2026-01-16T08:00:00.000Z")
            << QStringLiteral("2026-01-15");
        QTest::newRow("January, exactly midnight")
            << QStringLiteral("2026-01-16T08:00:00.000Z") << QStringLiteral("2026-01-17T08:00:00.000Z")
            << QStringLiteral("2026-01-16");
        QTest::newRow("July noon PDT") << QStringLiteral("2026-07-15T19:00:00.000Z")
                                       << QStringLiteral("2026-07-16T07:00:00.000Z") << QStringLiteral("2026-07-15");
        QTest::newRow("July, UTC date already the next day")
            << QStringLiteral("2026-07-16T03:00:00.000Z") << QStringLiteral("2026-07-16T07:00:00.000Z")
            << QStringLiteral("2026-07-15");
        QTest::newRow("July, exactly midnight")
            << QStringLiteral("2026-07-16T07:00:00.000Z") << QStringLiteral("2026-07-17T07:00:00.000Z")
            << QStringLiteral("2026-07-16");
        // 2026-03-08: clocks go from 02:00 PST to 03:00 PDT; that day has 23 hours.
        QTest::newRow("day before spring forward")
            << QStringLiteral("2026-03-07T20:00:00.000Z") << QStringLiteral("2026-03-08T08:00:00.000Z")
            << QStringLiteral("2026-03-07");
        QTest::newRow("spring forward, before the switch")
            << QStringLiteral("2026-03-08T09:30:00.000Z") << QStringLiteral("2026-03-09T07:00:00.000Z")
            << QStringLiteral("2026-03-08");
        QTest::newRow("spring forward, after the switch")
            << QStringLiteral("2026-03-08T20:00:00.000Z") << QStringLiteral("2026-03-09T07:00:00.000Z")
            << QStringLiteral("2026-03-08");
        // 2026-11-01: clocks go from 02:00 PDT back to 01:00 PST; that day has 25 hours.
        QTest::newRow("day before fall back")
            << QStringLiteral("2026-10-31T20:00:00.000Z") << QStringLiteral("2026-11-01T07:00:00.000Z")
            << QStringLiteral("2026-10-31");
        QTest::newRow("fall back, in the repeated hour")
            << QStringLiteral("2026-11-01T09:30:00.000Z") << QStringLiteral("2026-11-02T08:00:00.000Z")
            << QStringLiteral("2026-11-01");
        QTest::newRow("fall back, afternoon")
            << QStringLiteral("2026-11-01T21:00:00.000Z") << QStringLiteral("2026-11-02T08:00:00.000Z")
            << QStringLiteral("2026-11-01");
    }

    void nextPacificMidnight()
    {
        QFETCH(QString, now);
        QFETCH(QString, midnight);
        QFETCH(QString, pacificDate);
        const qint64 t = utc(now.toLatin1().constData());
        QCOMPARE(iso(ga::time::nextPacificMidnightMs(t)), midnight);
        QCOMPARE(ga::time::pacificDate(t).toString(Qt::ISODate), pacificDate);
    }

    void dstDayLengths()
    {
        const auto dayLength = [](const char *noonUtc) {
            const qint64 first = ga::time::nextPacificMidnightMs(utc(noonUtc));
            return ga::time::nextPacificMidnightMs(first) - first;
        };
        QCOMPARE(dayLength("2026-03-07T20:00:00Z"), qint64(23) * 3'600'000); // 2026-03-08
        QCOMPARE(dayLength("2026-10-31T20:00:00Z"), qint64(25) * 3'600'000); // 2026-11-01
        QCOMPARE(dayLength("2026-07-15T20:00:00Z"), qint64(24) * 3'600'000);
    }

    // -----------------------------------------------------------------------------------------------------------
    // Strategies

    void strategyNames()
    {
        QCOMPARE(ga::keys::strategyFromName(QStringLiteral("round_robin")).value(), Strategy::RoundRobin);
        QCOMPARE(ga::keys::strategyFromName(QStringLiteral("weighted")).value(), Strategy::Weighted);
        QCOMPARE(ga::keys::strategyFromName(QStringLiteral("least_used")).value(), Strategy::LeastUsed);
        QCOMPARE(ga::keys::strategyFromName(QStringLiteral("random")).value(), Strategy::Random);
        QVERIFY(!ga::keys::strategyFromName(QStringLiteral("fastest")).has_value());
        QCOMPARE(ga::keys::keyStatusName(KeyStatus::Cooling), QStringLiteral("cooling"));
    }

    void roundRobinIsExact()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(3));
        QCOMPARE(pool.size(), 3);
        QCOMPARE(pool.strategy(), Strategy::RoundRobin);
        QStringList order;
        for (int i = 0; i < 6; ++i) {
            order << pickOne(pool);
        }
        QCOMPARE(order, QStringList({ "k1", "k2", "k3", "k1", "k2", "k3" }));
        const auto counts = pickMany(pool, 2994);
        QCOMPARE(counts.at(QStringLiteral("k1")) + 2, 1000);
        QCOMPARE(counts.at(QStringLiteral("k2")) + 2, 1000);
        QCOMPARE(counts.at(QStringLiteral("k3")) + 2, 1000);
        QCOMPARE(counts.size(), size_t(3));
        for (const KeyReport &r : pool.report()) {
            QCOMPARE(r.requestsToday, qint64(1000));
        }
    }

    // Each model keeps its own rotation, however many other models come between (a hundred: the views' table grows
    // and moves them), and a replaced key list starts every model's afresh.
    void eachModelKeepsItsRotation()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(3));
        const QString pro = QStringLiteral("gemini-2.5-pro");
        QCOMPARE(pickOne(pool), QStringLiteral("k1"));
        QCOMPARE(pickOne(pool, pro), QStringLiteral("k1"));
        QCOMPARE(pickOne(pool), QStringLiteral("k2"));
        for (int i = 0; i < 100; ++i) {
            QCOMPARE(pickOne(pool, QStringLiteral("model-%1").arg(i)), QStringLiteral("k1"));
        }
        QCOMPARE(pickOne(pool, QString::fromUtf8("gemini-2.5-pro")), QStringLiteral("k2")); // another string
        QCOMPARE(pickOne(pool, pro), QStringLiteral("k3"));
        QCOMPARE(pickOne(pool), QStringLiteral("k3"));
        pool.setKeys(keyConfigs(2));
        QCOMPARE(pickOne(pool), QStringLiteral("k1"));
        QCOMPARE(pickOne(pool), QStringLiteral("k2"));
    }

    void weightedFollowsWeights()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setStrategy(Strategy::Weighted);
        pool.setKeys({ keyConfig(1, {}, 1), keyConfig(2, {}, 2), keyConfig(3, {}, 3) });
        // Smooth: every window of 6 picks serves the weights exactly.
        for (int window = 0; window < 10; ++window) {
            const auto counts = pickMany(pool, 6);
            QCOMPARE(counts.at(QStringLiteral("k1")), 1);
            QCOMPARE(counts.at(QStringLiteral("k2")), 2);
            QCOMPARE(counts.at(QStringLiteral("k3")), 3);
        }
        const auto counts = pickMany(pool, 3000 - 60);
        const int k1 = counts.at(QStringLiteral("k1")) + 10;
        const int k2 = counts.at(QStringLiteral("k2")) + 20;
        const int k3 = counts.at(QStringLiteral("k3")) + 30;
        qInfo() << "weighted 1:2:3 over 3000 picks:" << k1 << k2 << k3;
        QVERIFY2(qAbs(k1 - 500) <= 5, qPrintable(QString::number(k1)));
        QVERIFY2(qAbs(k2 - 1000) <= 10, qPrintable(QString::number(k2)));
        QVERIFY2(qAbs(k3 - 1500) <= 15, qPrintable(QString::number(k3)));
    }

    void weightedSkipsCoolingKeys()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setStrategy(Strategy::Weighted);
        pool.setKeys({ keyConfig(1, {}, 1), keyConfig(2, {}, 2), keyConfig(3, {}, 3) });
        pool.reportFailure(QStringLiteral("k3"), kFlash, perMinute());
        const auto counts = pickMany(pool, 300);
        QCOMPARE(counts.count(QStringLiteral("k3")), size_t(0));
        QCOMPARE(counts.at(QStringLiteral("k1")), 100);
        QCOMPARE(counts.at(QStringLiteral("k2")), 200);
    }

    void leastUsedEvensOut()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(3));
        // k1 has served 12 requests already (the others were excluded).
        const auto first = pickMany(pool, 12, kFlash, { QStringLiteral("k2"), QStringLiteral("k3") });
        QCOMPARE(first.at(QStringLiteral("k1")), 12);
        pool.setStrategy(Strategy::LeastUsed);
        const auto next = pickMany(pool, 24);
        QCOMPARE(next.count(QStringLiteral("k1")), size_t(0)); // until the others catch up
        QCOMPARE(next.at(QStringLiteral("k2")), 12);
        QCOMPARE(next.at(QStringLiteral("k3")), 12);
        const auto more = pickMany(pool, 30);
        QCOMPARE(more.at(QStringLiteral("k1")), 10);
        QCOMPARE(more.at(QStringLiteral("k2")), 10);
        QCOMPARE(more.at(QStringLiteral("k3")), 10);
        // A new Pacific day starts everyone from zero again.
        clock.setNow(ga::time::nextPacificMidnightMs(clock.nowMs()));
        pickMany(pool, 1, kFlash, { QStringLiteral("k2"), QStringLiteral("k3") });
        const auto fresh = pickMany(pool, 2);
        QCOMPARE(fresh.count(QStringLiteral("k1")), size_t(0));
    }

    void randomCoversAllKeys()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setStrategy(Strategy::Random);
        pool.setKeys(keyConfigs(3));
        const auto counts = pickMany(pool, 600);
        QCOMPARE(counts.size(), size_t(3));
        for (const auto &[id, n] : counts) {
            QVERIFY2(n >= 100, qPrintable(QStringLiteral("%1: %2").arg(id).arg(n))); // expected 200 each
        }
        const auto excluding = pickMany(pool, 200, kFlash, { QStringLiteral("k2") });
        QCOMPARE(excluding.count(QStringLiteral("k2")), size_t(0));
        QCOMPARE(excluding.size(), size_t(2));
    }

    void triedKeysAreExcluded_data()
    {
        QTest::addColumn<Strategy>("strategy");
        QTest::newRow("round_robin") << Strategy::RoundRobin;
        QTest::newRow("weighted") << Strategy::Weighted;
        QTest::newRow("least_used") << Strategy::LeastUsed;
        QTest::newRow("random") << Strategy::Random;
    }

    void triedKeysAreExcluded()
    {
        QFETCH(Strategy, strategy);
        ManualClock clock;
        KeyPool pool(clock);
        pool.setStrategy(strategy);
        pool.setKeys(keyConfigs(3));
        // One request's retries: each attempt excludes the keys tried before.
        std::vector<QString> tried;
        for (int i = 0; i < 3; ++i) {
            Pick p;
            QVERIFY(pool.pick(kFlash, tried, &p));
            QVERIFY(std::find(tried.begin(), tried.end(), p.id) == tried.end());
            QCOMPARE(p.secret, fakeKey(p.id.mid(1).toInt()).toLatin1());
            tried.push_back(p.id);
        }
        Pick p;
        NoKeyReason why;
        QVERIFY(!pool.pick(kFlash, tried, &p, &why));
        QCOMPARE(why.total, 3);
        QCOMPARE(why.tried, 3);
        QCOMPARE(why.cooling, 0);
        QCOMPARE(why.retryAfterMs, qint64(-1));
        QVERIFY(why.describe(kFlash).contains(QStringLiteral("3 already tried")));
    }

    // -----------------------------------------------------------------------------------------------------------
    // Cooling

    void perMinuteCoolsForRetryDelay_data()
    {
        QTest::addColumn<QByteArray>("retryDelay");
        QTest::addColumn<qint64>("delayMs");
        QTest::newRow("37s") << QByteArray("37s") << qint64(37'000);
        QTest::newRow("1.68s") << QByteArray("1.68s") << qint64(1'680);
        QTest::newRow("26s") << QByteArray("26s") << qint64(26'000);
    }

    void perMinuteCoolsForRetryDelay()
    {
        QFETCH(QByteArray, retryDelay);
        QFETCH(qint64, delayMs);
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(2));
        QSignalSpy changed(&pool, &KeyPool::keyStatusChanged);
        const qint64 t0 = clock.nowMs();
        pool.reportFailure(QStringLiteral("k1"), kFlash, classifyResponse(429, quotaBody(kPerMinute, retryDelay)));
        QCOMPARE(pool.status(QStringLiteral("k1"), kFlash), KeyStatus::Cooling);
        QCOMPARE(pool.status(QStringLiteral("k1"), kPro), KeyStatus::Active); // quota is per model
        QCOMPARE(pool.status(QStringLiteral("k1")), KeyStatus::Cooling); // for some model
        QCOMPARE(pool.status(QStringLiteral("k2"), kFlash), KeyStatus::Active);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.first().at(0).toString(), QStringLiteral("k1"));
        QCOMPARE(changed.first().at(1).value<KeyStatus>(), KeyStatus::Cooling);
        const KeyReport r = findReport(pool.report(), QStringLiteral("k1"));
        QCOMPARE(r.id, QStringLiteral("k1"));
        QCOMPARE(r.status, KeyStatus::Cooling);
        QCOMPARE(r.untilMs, t0 + delayMs);
        QCOMPARE(r.coolingModels, QStringList { kFlash });

        QCOMPARE(pickMany(pool, 10).at(QStringLiteral("k2")), 10);
        QCOMPARE(pickOne(pool, kPro), QStringLiteral("k1")); // other models still use it
        clock.advance(delayMs - 1);
        QCOMPARE(pickMany(pool, 4).at(QStringLiteral("k2")), 4);
        QCOMPARE(pool.status(QStringLiteral("k1"), kFlash), KeyStatus::Cooling);
        clock.advance(1);
        QCOMPARE(pool.status(QStringLiteral("k1"), kFlash), KeyStatus::Active);
        const auto back = pickMany(pool, 4);
        QCOMPARE(back.at(QStringLiteral("k1")), 2);
        QCOMPARE(back.at(QStringLiteral("k2")), 2);
        QCOMPARE(changed.last().at(0).toString(), QStringLiteral("k1"));
        QCOMPARE(changed.last().at(1).value<KeyStatus>(), KeyStatus::Active);
    }

    void perMinuteBackoffWithoutRetryInfo()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(2));
        const QString k1 = QStringLiteral("k1");
        const Failure bare = classifyResponse(429, kQuotaPlain);
        QCOMPARE(bare.retryDelayMs, qint64(-1));
        const auto coolingFor = [&](qint64 expectedMs) {
            const qint64 start = clock.nowMs();
            pool.reportFailure(k1, kFlash, bare);
            const KeyReport r = findReport(pool.report(), k1);
            if (r.untilMs != start + expectedMs) {
                qWarning() << "cooling until" << iso(r.untilMs) << "expected" << iso(start + expectedMs);
                return false;
            }
            clock.advance(expectedMs - 1);
            if (pool.status(k1, kFlash) != KeyStatus::Cooling) {
                return false;
            }
            clock.advance(1);
            return pool.status(k1, kFlash) == KeyStatus::Active && pickMany(pool, 2).count(k1) == 1;
        };
        QVERIFY(coolingFor(30'000));
        QVERIFY(coolingFor(60'000)); // the next consecutive 429 doubles
        QVERIFY(coolingFor(120'000));
        // A success ends the streak.
        pool.reportSuccess(k1, kFlash);
        QVERIFY(coolingFor(30'000));
        QVERIFY(coolingFor(60'000));
        // So does an hour without a 429 for that model.
        clock.advance(3'600'000);
        QVERIFY(coolingFor(30'000));
    }

    void perMinuteBackoffIsCapped()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(1));
        const Failure bare = classifyResponse(429, kQuotaPlain);
        qint64 last = 0;
        for (int i = 0; i < 12; ++i) {
            const qint64 start = clock.nowMs();
            pool.reportFailure(QStringLiteral("k1"), kFlash, bare);
            last = pool.report().front().untilMs - start;
            clock.advance(last);
        }
        QCOMPARE(last, KeyPool::kMinuteBackoffMaxMs);
    }

    void perDayCoolsUntilPacificMidnight_data()
    {
        QTest::addColumn<QString>("now");
        QTest::addColumn<QString>("midnight");
        QTest::newRow("January (UTC-8)") << QStringLiteral("2026-01-15T20:00:00Z")
                                         << QStringLiteral("2026-01-16T08:00:00.000Z");
        QTest::newRow("July (UTC-7)") << QStringLiteral("2026-07-15T19:00:00Z")
                                      << QStringLiteral("2026-07-16T07:00:00.000Z");
        QTest::newRow("spring forward day")
            << QStringLiteral("2026-03-08T20:00:00Z") << QStringLiteral("2026-03-09T07:00:00.000Z");
        QTest::newRow("fall back day") << QStringLiteral("2026-11-01T20:00:00Z")
                                       << QStringLiteral("2026-11-02T08:00:00.000Z");
    }

    void perDayCoolsUntilPacificMidnight()
    {
        QFETCH(QString, now);
        QFETCH(QString, midnight);
        ManualClock clock(utc(now.toLatin1().constData()));
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(2));
        const Failure day = perDay(); // its RetryInfo (21926 s) does not matter: the quota resets at midnight
        pool.reportFailure(QStringLiteral("k1"), kFlash, day);
        const KeyReport r = findReport(pool.report(), QStringLiteral("k1"));
        QCOMPARE(r.id, QStringLiteral("k1"));
        QCOMPARE(iso(r.untilMs), midnight);
        QVERIFY(r.reason.contains(QString::fromLatin1(kPerDay)));
        const qint64 until = utc(midnight.toLatin1().constData());
        clock.advance(3'600'000);
        QCOMPARE(pool.status(QStringLiteral("k1"), kFlash), KeyStatus::Cooling);
        QCOMPARE(pickMany(pool, 3).at(QStringLiteral("k2")), 3);
        clock.setNow(until - 1);
        QCOMPARE(pool.status(QStringLiteral("k1"), kFlash), KeyStatus::Cooling);
        QCOMPARE(pickMany(pool, 3).at(QStringLiteral("k2")), 3);
        clock.setNow(until);
        QCOMPARE(pool.status(QStringLiteral("k1"), kFlash), KeyStatus::Active);
        QCOMPARE(pickMany(pool, 4).at(QStringLiteral("k1")), 2);
    }

    void groupSharesCooldown()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys({ keyConfig(1, QStringLiteral("project-a")), keyConfig(2, QStringLiteral("project-a")),
            keyConfig(3, QStringLiteral("project-b")), keyConfig(4) });
        QSignalSpy changed(&pool, &KeyPool::keyStatusChanged);
        pool.reportFailure(QStringLiteral("k2"), kFlash, perMinute(37'000));
        QCOMPARE(pool.status(QStringLiteral("k1"), kFlash), KeyStatus::Cooling);
        QCOMPARE(pool.status(QStringLiteral("k2"), kFlash), KeyStatus::Cooling);
        QCOMPARE(pool.status(QStringLiteral("k3"), kFlash), KeyStatus::Active);
        QCOMPARE(pool.status(QStringLiteral("k4"), kFlash), KeyStatus::Active);
        QCOMPARE(pool.status(QStringLiteral("k1"), kPro), KeyStatus::Active);
        QCOMPARE(changed.size(), 2); // both keys of the project
        const auto counts = pickMany(pool, 20);
        QCOMPARE(counts.size(), size_t(2));
        QCOMPARE(counts.at(QStringLiteral("k3")), 10);
        QCOMPARE(counts.at(QStringLiteral("k4")), 10);
        const std::vector<KeyReport> reports = pool.report();
        QCOMPARE(findReport(reports, QStringLiteral("k1")).coolingModels, QStringList { kFlash });
        QCOMPARE(findReport(reports, QStringLiteral("k1")).group, QStringLiteral("project-a"));
        clock.advance(37'000);
        QCOMPARE(pickMany(pool, 40).size(), size_t(4));

        // A per-day quota of the project, too.
        pool.reportFailure(QStringLiteral("k1"), kPro, perDay());
        QCOMPARE(pool.status(QStringLiteral("k2"), kPro), KeyStatus::Cooling);
        QCOMPARE(pool.status(QStringLiteral("k2"), kFlash), KeyStatus::Active);
        // Keys without a group are their own scope: k4's 429 cools only k4.
        pool.reportFailure(QStringLiteral("k4"), kFlash, perMinute());
        QCOMPARE(pool.status(QStringLiteral("k4"), kFlash), KeyStatus::Cooling);
        QCOMPARE(pool.status(QStringLiteral("k3"), kFlash), KeyStatus::Active);
        QCOMPARE(pool.status(QStringLiteral("k1"), kFlash), KeyStatus::Active);
    }

    void reportListsEveryCoolingModel()
    {
        ManualClock clock(utc("2026-01-15T20:00:00Z"));
        KeyPool pool(clock);
        pool.setKeys({ keyConfig(1, QStringLiteral("p")), keyConfig(2, QStringLiteral("p")), keyConfig(3) });
        pool.reportFailure(QStringLiteral("k1"), kFlash, perMinute(37'000));
        clock.advance(KeyPool::kEgressWindowMs + 1);
        pool.reportFailure(QStringLiteral("k2"), kPro, perDay());
        for (const QString &id : { QStringLiteral("k1"), QStringLiteral("k2") }) {
            KeyReport r = findReport(pool.report(), id);
            QCOMPARE(r.status, KeyStatus::Cooling);
            r.coolingModels.sort();
            QCOMPARE(r.coolingModels, QStringList({ kFlash, kPro }));
            QCOMPARE(iso(r.untilMs), QStringLiteral("2026-01-16T08:00:00.000Z")); // the one that ends last
            QVERIFY(r.reason.contains(QStringLiteral("daily quota")));
        }
        const KeyReport k3 = findReport(pool.report(), QStringLiteral("k3"));
        QCOMPARE(k3.status, KeyStatus::Active);
        QVERIFY(k3.coolingModels.isEmpty());
        QCOMPARE(k3.untilMs, qint64(-1));
        clock.setNow(utc("2026-01-15T21:00:00Z")); // the per-minute one is over
        QCOMPARE(findReport(pool.report(), QStringLiteral("k1")).coolingModels, QStringList { kPro });
    }

    void invalidKeyNeverPickedUntilCleared()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(3));
        QSignalSpy changed(&pool, &KeyPool::keyStatusChanged);
        QSignalSpy saved(&pool, &KeyPool::stateChanged);
        pool.reportFailure(QStringLiteral("k2"), kFlash, invalidKey());
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.first().at(1).value<KeyStatus>(), KeyStatus::Invalid);
        QCOMPARE(saved.size(), 1);
        QCOMPARE(pool.status(QStringLiteral("k2"), kFlash), KeyStatus::Invalid);
        QCOMPARE(pool.status(QStringLiteral("k2"), kPro), KeyStatus::Invalid); // every model
        QCOMPARE(pool.status(QStringLiteral("k2")), KeyStatus::Invalid);
        const KeyReport r = findReport(pool.report(), QStringLiteral("k2"));
        QVERIFY(r.reason.contains(QStringLiteral("API key not valid")));
        QVERIFY(r.lastError.contains(QStringLiteral("invalid")));
        for (const QString &model : { kFlash, kPro }) {
            QCOMPARE(pickMany(pool, 100, model).count(QStringLiteral("k2")), size_t(0));
        }
        clock.advance(7LL * 86'400'000); // time does not heal it
        QCOMPARE(pickMany(pool, 100).count(QStringLiteral("k2")), size_t(0));
        // A second report changes nothing and says nothing.
        pool.reportFailure(QStringLiteral("k2"), kFlash, classifyResponse(403, kLeaked));
        QCOMPARE(changed.size(), 1);
        pool.clearKeyState(QStringLiteral("k2"));
        QCOMPARE(changed.last().at(1).value<KeyStatus>(), KeyStatus::Active);
        QCOMPARE(pool.status(QStringLiteral("k2"), kFlash), KeyStatus::Active);
        QCOMPARE(pickMany(pool, 30).at(QStringLiteral("k2")), 10);
    }

    // Many requests between two saves post one stateChanged, not one each (the saver lives on another thread).
    void stateChangedOncePerSave()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(3));
        QSignalSpy changed(&pool, &KeyPool::stateChanged);
        for (int i = 0; i < 50; ++i) {
            pool.reportSuccess(QStringLiteral("k1"), kFlash);
        }
        pool.reportFailure(QStringLiteral("k2"), kFlash, invalidKey());
        QCOMPARE(changed.size(), 1);
        const QJsonObject saved = pool.saveState();
        QVERIFY(saved.value(u"keys").toObject().contains(u"k2"));
        pool.reportSuccess(QStringLiteral("k1"), kFlash);
        QCOMPARE(changed.size(), 2); // the first change after a save is signalled again
        pool.clearKeyState(QStringLiteral("k2"));
        QCOMPARE(changed.size(), 2);
        pool.saveState();
        pool.clearKeyState(QStringLiteral("k2"));
        QCOMPARE(changed.size(), 3);
    }

    void clearKeyStateEndsCooldownsAndBreaker()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(2));
        pool.reportFailure(QStringLiteral("k1"), kFlash, perDay());
        pool.reportFailure(QStringLiteral("k1"), kPro, perMinute());
        QCOMPARE(pool.status(QStringLiteral("k1")), KeyStatus::Cooling);
        pool.clearKeyState(QStringLiteral("k1"));
        QCOMPARE(pool.status(QStringLiteral("k1"), kFlash), KeyStatus::Active);
        QCOMPARE(pool.status(QStringLiteral("k1"), kPro), KeyStatus::Active);
        QCOMPARE(pickMany(pool, 2).count(QStringLiteral("k1")), size_t(1));

        failWhileOthersWork(
            pool, clock, QStringLiteral("k1"), QStringLiteral("k2"), overloaded(), KeyPool::kBreakerThreshold);
        QCOMPARE(pool.status(QStringLiteral("k1")), KeyStatus::Cooling);
        pool.clearKeyState(QStringLiteral("k1"));
        QCOMPARE(pool.status(QStringLiteral("k1")), KeyStatus::Active);
        QCOMPARE(pickMany(pool, 2).count(QStringLiteral("k1")), size_t(1));
    }

    // -----------------------------------------------------------------------------------------------------------
    // Server errors and the circuit breaker

    void serverErrorsDoNotBlameWhenNothingWorks()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(2));
        // Google-wide overload: every key gets 503, no key has worked since.
        for (int i = 0; i < 10; ++i) {
            for (const QString &id : { QStringLiteral("k1"), QStringLiteral("k2") }) {
                pool.reportFailure(id, kFlash, i % 2 ? overloaded() : classifyResponse(500, kInternal));
            }
            clock.advance(1'000);
        }
        QCOMPARE(pool.status(QStringLiteral("k1"), kFlash), KeyStatus::Active);
        QCOMPARE(pool.status(QStringLiteral("k2"), kFlash), KeyStatus::Active);
        QCOMPARE(pickMany(pool, 4).size(), size_t(2));
        for (const KeyReport &r : pool.report()) {
            QCOMPARE(r.status, KeyStatus::Active);
            QCOMPARE(r.usage.begin()->second.at(kFlash).errors.value(QStringLiteral("server-error")), qint64(10));
        }

        // Both worked (k2 last), then both fail again for a while (a new overload): still nobody's fault,
        // whichever key happened to succeed last before it started.
        pool.reportSuccess(QStringLiteral("k1"), kFlash);
        clock.advance(1'000);
        pool.reportSuccess(QStringLiteral("k2"), kFlash);
        for (int i = 0; i < 10; ++i) {
            clock.advance(1'000);
            pool.reportFailure(QStringLiteral("k1"), kFlash, overloaded());
            pool.reportFailure(QStringLiteral("k2"), kFlash, ga::keys::networkFailure(QStringLiteral("timeout")));
        }
        QCOMPARE(pool.status(QStringLiteral("k1"), kFlash), KeyStatus::Active);
        QCOMPARE(pool.status(QStringLiteral("k2"), kFlash), KeyStatus::Active);
        QCOMPARE(pickMany(pool, 4).size(), size_t(2));
    }

    void breakerOpensWhenOnlyOneKeyFails()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(2));
        const QString k1 = QStringLiteral("k1");
        const QString k2 = QStringLiteral("k2");
        failWhileOthersWork(pool, clock, k1, k2, overloaded(), KeyPool::kBreakerThreshold - 1);
        QCOMPARE(pool.status(k1, kFlash), KeyStatus::Active);
        QSignalSpy changed(&pool, &KeyPool::keyStatusChanged);
        failWhileOthersWork(pool, clock, k1, k2, ga::keys::networkFailure(QStringLiteral("Connection reset")));
        QCOMPARE(pool.status(k1, kFlash), KeyStatus::Cooling);
        QCOMPARE(pool.status(k1, kPro), KeyStatus::Cooling); // the breaker is per key, not per model
        QCOMPARE(changed.size(), 1);
        QVERIFY(changed.first().at(2).toString().contains(QStringLiteral("circuit open for 30 s")));
        QCOMPARE(findReport(pool.report(), k1).untilMs, clock.nowMs() + KeyPool::kBreakerStartMs);
        QCOMPARE(pickMany(pool, 5).at(k2), 5);

        // Half-open after 30 s: one try; one more failure re-opens it for twice as long.
        clock.advance(KeyPool::kBreakerStartMs);
        QCOMPARE(pool.status(k1, kFlash), KeyStatus::Active);
        QCOMPARE(pickMany(pool, 2).count(k1), size_t(1));
        failWhileOthersWork(pool, clock, k1, k2, overloaded());
        QCOMPARE(pool.status(k1, kFlash), KeyStatus::Cooling);
        QCOMPARE(findReport(pool.report(), k1).untilMs, clock.nowMs() + 2 * KeyPool::kBreakerStartMs);
        clock.advance(2 * KeyPool::kBreakerStartMs);

        // Half-open again; this time it works: closed, and the next trip starts from 30 s again.
        QCOMPARE(pickMany(pool, 2).count(k1), size_t(1));
        clock.advance(1);
        pool.reportSuccess(k1, kFlash);
        QCOMPARE(pool.status(k1, kFlash), KeyStatus::Active);
        pool.reportFailure(k1, kFlash, overloaded()); // nobody worked since its own success: not blamed
        QCOMPARE(pool.status(k1, kFlash), KeyStatus::Active);
        failWhileOthersWork(pool, clock, k1, k2, overloaded(), KeyPool::kBreakerThreshold - 1);
        QCOMPARE(pool.status(k1, kFlash), KeyStatus::Active);
        failWhileOthersWork(pool, clock, k1, k2, overloaded());
        QCOMPARE(findReport(pool.report(), k1).untilMs, clock.nowMs() + KeyPool::kBreakerStartMs);
    }

    // -----------------------------------------------------------------------------------------------------------
    // Egress throttling

    // 429s that name no quota, from three projects within seconds and nothing succeeding: the connection is being
    // throttled. Those projects wait for a short back-off and then one of them is probed; untried keys never wait.
    void egressThrottlingHoldsOnlyTheProjectsHitAndProbes()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys({ keyConfig(1, QStringLiteral("a")), keyConfig(2, QStringLiteral("b")),
            keyConfig(3, QStringLiteral("c")), keyConfig(4, QStringLiteral("d")) });
        QSignalSpy throttled(&pool, &KeyPool::egressThrottled);
        const Failure plain = classifyResponse(429, kQuotaPlain);
        QVERIFY(!plain.namesQuota());
        pool.reportFailure(QStringLiteral("k1"), kFlash, plain);
        clock.advance(2'000);
        pool.reportFailure(QStringLiteral("k2"), kFlash, plain);
        QCOMPARE(throttled.size(), 0);
        clock.advance(2'999);
        pool.reportFailure(QStringLiteral("k3"), kFlash, plain); // third project within 5 s
        QCOMPARE(throttled.size(), 1);
        QCOMPARE(throttled.first().at(0).toLongLong(), clock.nowMs() + KeyPool::kEgressBackoffStartMs);
        // The key that was not involved is never held.
        Pick p;
        QVERIFY(pool.pick(kFlash, {}, &p));
        QCOMPARE(p.id, QStringLiteral("k4"));
        QCOMPARE(pool.status(QStringLiteral("k4"), kFlash), KeyStatus::Active);
        // When the back-off ends, one project (the probe) comes back, not all of them.
        clock.advance(KeyPool::kEgressBackoffStartMs);
        const std::map<QString, int> afterBackoff = pickMany(pool, 8);
        QCOMPARE(afterBackoff.size(), size_t(2)); // k4 and the probe
        QString probe;
        for (const auto &[id, n] : afterBackoff) {
            if (id != QStringLiteral("k4")) {
                probe = id;
            }
        }
        QVERIFY(probe == QStringLiteral("k1") || probe == QStringLiteral("k2") || probe == QStringLiteral("k3"));
        // The probe gets 429 again: back off again, doubled (up to the cap), probing another project.
        pool.reportFailure(probe, kFlash, plain);
        QCOMPARE(throttled.size(), 2);
        QCOMPARE(throttled.last().at(0).toLongLong(),
            clock.nowMs() + std::min(2 * KeyPool::kEgressBackoffStartMs, KeyPool::kEgressBackoffMaxMs));
        clock.advance(KeyPool::kEgressBackoffMaxMs);
        const std::map<QString, int> second = pickMany(pool, 8);
        QCOMPARE(second.size(), size_t(2));
        QVERIFY(!second.count(probe)); // another project is the probe this time
        // A success ends it: every held project is back at once.
        QString probe2;
        for (const auto &[id, n] : second) {
            if (id != QStringLiteral("k4")) {
                probe2 = id;
            }
        }
        pool.reportSuccess(probe2, kFlash);
        QCOMPARE(pickMany(pool, 8).size(), size_t(4));
    }

    // Per-project quotas named in the answer are honoured whatever other projects do: three projects out of quota
    // at once is not throttling of the connection, and the good key keeps serving.
    void namedQuotasNeverLookLikeEgressThrottling()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys({ keyConfig(1, QStringLiteral("a")), keyConfig(2, QStringLiteral("b")),
            keyConfig(3, QStringLiteral("c")), keyConfig(4, QStringLiteral("d")) });
        QSignalSpy throttled(&pool, &KeyPool::egressThrottled);
        for (int i = 1; i <= 3; ++i) {
            pool.reportFailure(QStringLiteral("k%1").arg(i), kFlash, perMinute(30'000));
        }
        QCOMPARE(throttled.size(), 0);
        QCOMPARE(pickMany(pool, 20).at(QStringLiteral("k4")), 20);
        clock.advance(29'999);
        QCOMPARE(pickMany(pool, 5).at(QStringLiteral("k4")), 5);
        for (int i = 1; i <= 3; ++i) {
            QCOMPARE(pool.status(QStringLiteral("k%1").arg(i), kFlash), KeyStatus::Cooling);
        }
        clock.advance(1);
        QCOMPARE(pickMany(pool, 8).size(), size_t(4));
    }

    void spreadOut429sAreQuotas()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys({ keyConfig(1, QStringLiteral("a")), keyConfig(2, QStringLiteral("b")),
            keyConfig(3, QStringLiteral("c")), keyConfig(4, QStringLiteral("d")) });
        QSignalSpy throttled(&pool, &KeyPool::egressThrottled);
        for (int i = 1; i <= 3; ++i) {
            pool.reportFailure(QStringLiteral("k%1").arg(i), kFlash, perMinute(60'000));
            clock.advance(KeyPool::kEgressWindowMs + 1);
        }
        QCOMPARE(throttled.size(), 0);
        QCOMPARE(pickMany(pool, 5).at(QStringLiteral("k4")), 5);
        // Two keys of one project twice, plus one more project: only two scopes.
        KeyPool grouped(clock);
        grouped.setKeys({ keyConfig(1, QStringLiteral("a")), keyConfig(2, QStringLiteral("a")),
            keyConfig(3, QStringLiteral("b")), keyConfig(4, QStringLiteral("c")) });
        QSignalSpy groupedThrottled(&grouped, &KeyPool::egressThrottled);
        grouped.reportFailure(QStringLiteral("k1"), kFlash, perMinute());
        grouped.reportFailure(QStringLiteral("k2"), kFlash, perMinute());
        grouped.reportFailure(QStringLiteral("k3"), kFlash, perMinute());
        QCOMPARE(groupedThrottled.size(), 0);
        QCOMPARE(pickOne(grouped), QStringLiteral("k4"));
        // Per-day 429s never count as throttling.
        KeyPool daily(clock);
        daily.setKeys({ keyConfig(1, QStringLiteral("a")), keyConfig(2, QStringLiteral("b")),
            keyConfig(3, QStringLiteral("c")), keyConfig(4, QStringLiteral("d")) });
        QSignalSpy dailyThrottled(&daily, &KeyPool::egressThrottled);
        for (int i = 1; i <= 3; ++i) {
            daily.reportFailure(QStringLiteral("k%1").arg(i), kFlash, perDay());
        }
        QCOMPARE(dailyThrottled.size(), 0);
        QCOMPARE(pickOne(daily), QStringLiteral("k4"));
    }

    // -----------------------------------------------------------------------------------------------------------
    // What does not count against a key

    void clientErrorAndRegionBlockDoNotChangeState_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<FailureKind>("kind");
        QTest::newRow("400 INVALID_ARGUMENT") << 400 << kBadRequest << FailureKind::ClientError;
        QTest::newRow("404 NOT_FOUND") << 404 << kNotFound << FailureKind::ClientError;
        QTest::newRow("400 FAILED_PRECONDITION location") << 400 << kRegionBlocked << FailureKind::RegionBlocked;
    }

    void clientErrorAndRegionBlockDoNotChangeState()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(FailureKind, kind);
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(2));
        const Failure f = classifyResponse(status, body);
        QCOMPARE(f.kind, kind);
        QVERIFY(!f.retryable());
        QSignalSpy changed(&pool, &KeyPool::keyStatusChanged);
        QSignalSpy throttled(&pool, &KeyPool::egressThrottled);
        for (int i = 0; i < 20; ++i) {
            failWhileOthersWork(pool, clock, QStringLiteral("k1"), QStringLiteral("k2"), f);
        }
        QCOMPARE(changed.size(), 0);
        QCOMPARE(throttled.size(), 0);
        QCOMPARE(pool.status(QStringLiteral("k1"), kFlash), KeyStatus::Active);
        QCOMPARE(pool.status(QStringLiteral("k1")), KeyStatus::Active);
        QCOMPARE(pickMany(pool, 10).at(QStringLiteral("k1")), 5);
        // Nor do they count towards the breaker: it takes the usual number of server errors to trip it.
        failWhileOthersWork(
            pool, clock, QStringLiteral("k1"), QStringLiteral("k2"), overloaded(), KeyPool::kBreakerThreshold - 1);
        QCOMPARE(pool.status(QStringLiteral("k1"), kFlash), KeyStatus::Active);
        failWhileOthersWork(pool, clock, QStringLiteral("k1"), QStringLiteral("k2"), overloaded());
        QCOMPARE(pool.status(QStringLiteral("k1"), kFlash), KeyStatus::Cooling);
    }

    // -----------------------------------------------------------------------------------------------------------
    // Why nothing could be picked

    void noKeyReasonCounts()
    {
        ManualClock clock(utc("2026-01-15T20:00:00Z"));
        KeyPool pool(clock);
        pool.setKeys({ keyConfig(1, {}, 1, false), keyConfig(2), keyConfig(3), keyConfig(4), keyConfig(5) });
        pool.reportFailure(QStringLiteral("k2"), kFlash, invalidKey());
        pool.reportFailure(QStringLiteral("k3"), kFlash, perMinute(37'000));
        clock.advance(KeyPool::kEgressWindowMs + 1);
        pool.reportFailure(QStringLiteral("k4"), kFlash, perDay());
        Pick p;
        NoKeyReason why;
        QVERIFY(!pool.pick(kFlash, std::vector<QString> { QStringLiteral("k5") }, &p, &why));
        QCOMPARE(why.total, 5);
        QCOMPARE(why.disabled, 1);
        QCOMPARE(why.invalid, 1);
        QCOMPARE(why.cooling, 2);
        QCOMPARE(why.tried, 1);
        QVERIFY(!why.routeThrottled);
        QCOMPARE(why.retryAfterMs, 37'000 - (KeyPool::kEgressWindowMs + 1)); // the first one back is k3
        const QString text = why.describe(kFlash);
        QVERIFY2(text.contains(QStringLiteral("5 in all")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("2 cooling down")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("1 invalid")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("1 disabled")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("1 already tried")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("back in 32 s")), qPrintable(text));
        QVERIFY(text.contains(kFlash));

        // Later, everything that is left cools for the day: the first one is back at midnight Pacific time.
        clock.setNow(utc("2026-01-15T21:00:00Z"));
        pool.reportFailure(QStringLiteral("k5"), kFlash, perDay());
        pool.reportFailure(QStringLiteral("k3"), kFlash, perDay());
        QVERIFY(!pool.pick(kFlash, {}, &p, &why));
        QCOMPARE(why.cooling, 3);
        QCOMPARE(why.tried, 0);
        QCOMPARE(why.retryAfterMs, utc("2026-01-16T08:00:00Z") - clock.nowMs());

        // Nothing that comes back by itself.
        KeyPool dead(clock);
        dead.setKeys({ keyConfig(1, {}, 1, false), keyConfig(2) });
        dead.reportFailure(QStringLiteral("k2"), kFlash, invalidKey());
        QVERIFY(!dead.pick(kFlash, {}, &p, &why));
        QCOMPARE(why.retryAfterMs, qint64(-1));
        QVERIFY(!why.describe(kFlash).contains(QStringLiteral("back in")));

        KeyPool empty(clock);
        QVERIFY(!empty.pick(kFlash, {}, &p, &why));
        QCOMPARE(why.total, 0);
        QVERIFY(why.describe(kFlash).contains(QStringLiteral("keys add")));
    }

    void disabledKeysAreNeverPicked()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys({ keyConfig(1), keyConfig(2, {}, 5, false), keyConfig(3) });
        for (const Strategy s : { Strategy::RoundRobin, Strategy::Weighted, Strategy::LeastUsed, Strategy::Random }) {
            pool.setStrategy(s);
            QCOMPARE(pickMany(pool, 50).count(QStringLiteral("k2")), size_t(0));
        }
        QCOMPARE(pool.status(QStringLiteral("k2")), KeyStatus::Disabled);
        QCOMPARE(findReport(pool.report(), QStringLiteral("k2")).status, KeyStatus::Disabled);
        QCOMPARE(pool.status(QStringLiteral("nope")), KeyStatus::Disabled); // unknown ids too
        // Reports about unknown keys are ignored.
        pool.reportFailure(QStringLiteral("nope"), kFlash, invalidKey());
        pool.reportSuccess(QStringLiteral("nope"), kFlash);
        QCOMPARE(pool.size(), 3);
    }

    // -----------------------------------------------------------------------------------------------------------
    // Usage, state, key list changes

    void usageCountersPerDayAndModel()
    {
        ManualClock clock(utc("2026-01-15T20:00:00Z")); // 2026-01-15 12:00 PST
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(1));
        const QString k1 = QStringLiteral("k1");
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(pickOne(pool), k1);
            pool.reportSuccess(k1, kFlash, Usage { 10, 20, 35, true });
        }
        QCOMPARE(pickOne(pool, kPro), k1);
        pool.reportSuccess(k1, kPro); // usage unknown: only the request counts
        QCOMPARE(pickOne(pool), k1);
        pool.reportFailure(k1, kFlash, classifyResponse(503, kOverloaded));
        QCOMPARE(pickOne(pool, QString()), k1); // a request without a model
        std::vector<KeyReport> reports = pool.report();
        QCOMPARE(reports.size(), size_t(1));
        KeyReport r = reports.front();
        QCOMPARE(r.requestsToday, qint64(6));
        QCOMPARE(r.lastUsedMs, clock.nowMs());
        QCOMPARE(r.usage.size(), size_t(1));
        const auto &day = r.usage.at(QStringLiteral("2026-01-15"));
        QCOMPARE(day.at(kFlash).requests, qint64(4));
        QCOMPARE(day.at(kFlash).promptTokens, qint64(30));
        QCOMPARE(day.at(kFlash).outputTokens, qint64(60));
        QCOMPARE(day.at(kFlash).totalTokens, qint64(105));
        QCOMPARE(day.at(kFlash).errors.value(QStringLiteral("server-error")), qint64(1));
        QCOMPARE(day.at(kPro).requests, qint64(1));
        QCOMPARE(day.at(kPro).totalTokens, qint64(0));
        QCOMPARE(day.at(QStringLiteral("-")).requests, qint64(1));
        QVERIFY(r.lastError.contains(QStringLiteral("server-error")));

        // 07:59:59.999 UTC is still the 15th in California; 08:00 is the 16th.
        clock.setNow(utc("2026-01-16T07:59:59.999Z"));
        QCOMPARE(pool.report().front().requestsToday, qint64(6));
        clock.setNow(utc("2026-01-16T08:00:00Z"));
        QCOMPARE(pool.report().front().requestsToday, qint64(0));
        pickOne(pool);
        pool.reportSuccess(k1, kFlash, Usage { 1, 2, 3, true });
        r = pool.report().front();
        QCOMPARE(r.requestsToday, qint64(1));
        QCOMPARE(r.usage.size(), size_t(2));
        QCOMPARE(r.usage.at(QStringLiteral("2026-01-16")).at(kFlash).totalTokens, qint64(3));
        QCOMPARE(r.usage.at(QStringLiteral("2026-01-15")).at(kFlash).requests, qint64(4));
    }

    void stateSurvivesRestart()
    {
        ManualClock clock(utc("2026-07-15T19:00:00Z")); // 12:00 PDT
        const std::vector<PoolKeyConfig> configs = { keyConfig(1), keyConfig(2, QStringLiteral("p")),
            keyConfig(3, QStringLiteral("p")), keyConfig(4), keyConfig(5), keyConfig(6) };
        QJsonObject state;
        std::vector<KeyReport> before;
        {
            KeyPool pool(clock);
            pool.setKeys(configs);
            for (int i = 0; i < 12; ++i) {
                Pick p;
                QVERIFY(pool.pick(kFlash, {}, &p));
                pool.reportSuccess(p.id, kFlash, Usage { 100, 50, 150, true });
                clock.advance(10);
            }
            pool.reportFailure(QStringLiteral("k1"), kFlash, invalidKey());
            pool.reportFailure(QStringLiteral("k2"), kFlash, perMinute(37'000)); // cools k2 and k3 (group p)
            clock.advance(KeyPool::kEgressWindowMs + 1);
            pool.reportFailure(QStringLiteral("k4"), kPro, perDay());
            // k5 keeps failing while k6 works: its breaker opens.
            failWhileOthersWork(
                pool, clock, QStringLiteral("k5"), QStringLiteral("k6"), overloaded(), KeyPool::kBreakerThreshold);
            QCOMPARE(pool.status(QStringLiteral("k5"), kFlash), KeyStatus::Cooling);
            before = pool.report();
            state = pool.saveState();
        }
        // Through the file format.
        state = QJsonDocument::fromJson(QJsonDocument(state).toJson(QJsonDocument::Compact)).object();
        QCOMPARE(state.value(u"version").toInt(), 1);
        // The last success is kept for the CLI (no report field carries it).
        QVERIFY(state.value(u"keys").toObject().value(u"k6").toObject().contains(QStringLiteral("lastSuccess")));

        KeyPool restarted(clock);
        restarted.setKeys(configs);
        restarted.loadState(state);
        const std::vector<KeyReport> after = restarted.report();
        QCOMPARE(after.size(), before.size());
        for (size_t i = 0; i < before.size(); ++i) {
            const KeyReport &a = before[i];
            const KeyReport &b = after[i];
            QCOMPARE(b.id, a.id);
            QCOMPARE(b.status, a.status);
            QCOMPARE(b.reason, a.reason);
            QCOMPARE(b.untilMs, a.untilMs);
            QCOMPARE(b.coolingModels, a.coolingModels);
            QCOMPARE(b.lastUsedMs, a.lastUsedMs);
            QCOMPARE(b.lastError, a.lastError);
            QCOMPARE(b.requestsToday, a.requestsToday);
            QCOMPARE(b.usage.size(), a.usage.size());
            for (const auto &[day, models] : a.usage) {
                for (const auto &[model, u] : models) {
                    const ga::keys::DayUsage &v = b.usage.at(day).at(model);
                    QCOMPARE(v.requests, u.requests);
                    QCOMPARE(v.promptTokens, u.promptTokens);
                    QCOMPARE(v.outputTokens, u.outputTokens);
                    QCOMPARE(v.totalTokens, u.totalTokens);
                    QVERIFY(v.errors == u.errors);
                }
            }
        }
        QCOMPARE(restarted.status(QStringLiteral("k1")), KeyStatus::Invalid);
        QCOMPARE(restarted.status(QStringLiteral("k2"), kFlash), KeyStatus::Cooling);
        QCOMPARE(restarted.status(QStringLiteral("k3"), kFlash), KeyStatus::Cooling);
        QCOMPARE(restarted.status(QStringLiteral("k4"), kPro), KeyStatus::Cooling);
        QCOMPARE(restarted.status(QStringLiteral("k4"), kFlash), KeyStatus::Active);
        QCOMPARE(restarted.status(QStringLiteral("k5"), kFlash), KeyStatus::Cooling);
        QCOMPARE(restarted.status(QStringLiteral("k6"), kFlash), KeyStatus::Active);
        QCOMPARE(findReport(after, QStringLiteral("k6")).usage.at(QStringLiteral("2026-07-15")).at(kFlash).requests,
            qint64(2));
        QCOMPARE(findReport(after, QStringLiteral("k1")).requestsToday, qint64(2));
        // Picks honour the loaded state: only k4 and k6 serve flash.
        const auto counts = pickMany(restarted, 10);
        QCOMPARE(counts.size(), size_t(2));
        QCOMPARE(counts.at(QStringLiteral("k4")), 5);
        QCOMPARE(counts.at(QStringLiteral("k6")), 5);

        // Each cooldown still ends at its time.
        const qint64 minuteUntil = findReport(after, QStringLiteral("k2")).untilMs;
        clock.setNow(minuteUntil - 1);
        QCOMPARE(restarted.status(QStringLiteral("k2"), kFlash), KeyStatus::Cooling);
        clock.setNow(minuteUntil);
        QCOMPARE(restarted.status(QStringLiteral("k2"), kFlash), KeyStatus::Active);
        QCOMPARE(restarted.status(QStringLiteral("k3"), kFlash), KeyStatus::Active);
        QCOMPARE(pickMany(restarted, 40).size(), size_t(4)); // k5's breaker is still open
        const qint64 breakerUntil = findReport(after, QStringLiteral("k5")).untilMs;
        QVERIFY(breakerUntil > minuteUntil);
        clock.setNow(breakerUntil);
        QCOMPARE(pickMany(restarted, 40).size(), size_t(5));
        // The streak survived too: the next bare 429 for k2 backs off 60 s, not 30 s.
        restarted.reportFailure(QStringLiteral("k2"), kFlash, classifyResponse(429, kQuotaPlain));
        QCOMPARE(findReport(restarted.report(), QStringLiteral("k2")).untilMs, clock.nowMs() + 60'000);
        clock.setNow(utc("2026-07-16T06:59:59.999Z"));
        QCOMPARE(restarted.status(QStringLiteral("k4"), kPro), KeyStatus::Cooling);
        clock.setNow(utc("2026-07-16T07:00:00Z"));
        QCOMPARE(restarted.status(QStringLiteral("k4"), kPro), KeyStatus::Active);
        QCOMPARE(restarted.status(QStringLiteral("k1")), KeyStatus::Invalid);
    }

    void saveStateDropsOldUsageAndEndedCooldowns()
    {
        ManualClock clock(utc("2026-01-15T20:00:00Z"));
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(2));
        pickOne(pool);
        pool.reportFailure(QStringLiteral("k2"), kFlash, perDay());
        QCOMPARE(pool.saveState().value(u"cooldowns").toArray().size(), 1);
        clock.advance(KeyPool::kUsageDays * 86'400'000LL + 86'400'000LL);
        const QJsonObject state = pool.saveState();
        QCOMPARE(state.value(u"cooldowns").toArray().size(), 0);
        QVERIFY(!state.value(u"keys").toObject().value(u"k1").toObject().contains(u"usage"));
        // The state never contains a secret.
        const QByteArray text = QJsonDocument(state).toJson();
        QVERIFY(!text.contains(fakeKey(1).toLatin1()));
        QVERIFY(!text.contains(fakeKey(2).toLatin1()));
    }

    // The daemon saves the days before today apart (keyusage.json), only when the day changed since it last did;
    // keystate.json, written while requests come, holds today's usage alone. Loaded back, the two are the whole.
    void stateSplitsTheDaysBeforeToday()
    {
        ManualClock clock(utc("2026-03-10T20:00:00Z")); // 2026-03-10 in Pacific time
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(2));
        const auto served = [&pool](const QString &id, qint64 tokens) {
            const QString other = id == QStringLiteral("k1") ? QStringLiteral("k2") : QStringLiteral("k1");
            Pick p;
            QVERIFY(pool.pick(kFlash, std::vector<QString> { other }, &p));
            QCOMPARE(p.id, id);
            pool.reportSuccess(id, kFlash, Usage { tokens, tokens, 2 * tokens, true });
        };
        served(QStringLiteral("k1"), 1);
        clock.advance(86'400'000);
        served(QStringLiteral("k1"), 2);
        served(QStringLiteral("k2"), 3);
        clock.advance(86'400'000);
        served(QStringLiteral("k2"), 4);
        const auto days = [](const QJsonObject &usage) { return usage.keys(); };

        KeyPool::StateParts parts = pool.saveStateParts(QString());
        QCOMPARE(parts.today, QStringLiteral("2026-03-12"));
        const QJsonObject keys = parts.state.value(u"keys").toObject();
        QVERIFY(!keys.value(u"k1").toObject().contains(u"usage"));
        QCOMPARE(days(keys.value(u"k2").toObject().value(u"usage").toObject()), QStringList { parts.today });
        QCOMPARE(parts.state.value(u"keys").toObject().value(u"k1").toObject().value(u"lastUsed").toString(),
            QStringLiteral("2026-03-11T20:00:00.000Z"));
        const QJsonObject past = parts.pastUsage.value(u"keys").toObject();
        QCOMPARE(parts.pastUsage.value(u"before").toString(), parts.today);
        QCOMPARE(days(past.value(u"k1").toObject()),
            (QStringList { QStringLiteral("2026-03-10"), QStringLiteral("2026-03-11") }));
        QCOMPARE(days(past.value(u"k2").toObject()), QStringList { QStringLiteral("2026-03-11") });
        // Once written for today, the past is not made again until the day changes.
        QVERIFY(pool.saveStateParts(parts.today).pastUsage.isEmpty());
        QVERIFY(!pool.saveStateParts(QStringLiteral("2026-03-11")).pastUsage.isEmpty());

        // Loaded back: the same usage as the whole state gives, day by day.
        KeyPool restarted(clock);
        restarted.setKeys(keyConfigs(2));
        restarted.loadState(parts.state);
        restarted.loadPastUsage(parts.pastUsage);
        QCOMPARE(restarted.saveState(), pool.saveState());
        const KeyReport k1 = findReport(restarted.report(), QStringLiteral("k1"));
        QCOMPARE(k1.usage.size(), size_t(2));
        QCOMPARE(k1.usage.at(QStringLiteral("2026-03-11")).at(kFlash).totalTokens, qint64(4));
        QCOMPARE(findReport(restarted.report(), QStringLiteral("k2")).requestsToday, qint64(1));

        // A whole state file from before the split, then a past written after it: the past's days win, today's
        // stays the state's (the past never holds today).
        KeyPool upgraded(clock);
        upgraded.setKeys(keyConfigs(2));
        upgraded.loadState(pool.saveState());
        served(QStringLiteral("k1"), 5); // today, in `pool` only
        QJsonObject newer = pool.saveStateParts(QString()).pastUsage;
        QJsonObject k2days = newer.value(u"keys").toObject().value(u"k2").toObject();
        QJsonObject day = k2days.value(u"2026-03-11").toObject();
        QJsonObject flash = day.value(kFlash).toObject();
        flash.insert(QStringLiteral("totalTokens"), 60);
        day.insert(kFlash, flash);
        k2days.insert(QStringLiteral("2026-03-11"), day);
        k2days.insert(parts.today, day); // a day not before today is ignored
        QJsonObject newerKeys = newer.value(u"keys").toObject();
        newerKeys.insert(QStringLiteral("k2"), k2days);
        newer.insert(QStringLiteral("keys"), newerKeys);
        upgraded.loadPastUsage(newer);
        const KeyReport k2 = findReport(upgraded.report(), QStringLiteral("k2"));
        QCOMPARE(k2.usage.at(QStringLiteral("2026-03-11")).at(kFlash).totalTokens, qint64(60));
        QCOMPARE(k2.usage.at(parts.today).at(kFlash).totalTokens, qint64(8));
        QCOMPARE(findReport(upgraded.report(), QStringLiteral("k1")).usage.count(parts.today), size_t(0));
    }

    void setKeysKeepsLearnedState()
    {
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(4));
        pool.reportFailure(QStringLiteral("k1"), kFlash, invalidKey());
        pool.reportFailure(QStringLiteral("k2"), kFlash, perMinute(37'000));
        QCOMPARE(pickOne(pool), QStringLiteral("k3"));
        pool.reportSuccess(QStringLiteral("k3"), kFlash, Usage { 1, 1, 2, true });
        // Reordered, k4 removed, k5 added, k3 re-weighted.
        pool.setKeys({ keyConfig(5), keyConfig(3, {}, 3), keyConfig(2), keyConfig(1) });
        QCOMPARE(pool.size(), 4);
        QCOMPARE(pool.status(QStringLiteral("k1")), KeyStatus::Invalid);
        QCOMPARE(pool.status(QStringLiteral("k2"), kFlash), KeyStatus::Cooling);
        QCOMPARE(pool.status(QStringLiteral("k5"), kFlash), KeyStatus::Active);
        QCOMPARE(pool.status(QStringLiteral("k4")), KeyStatus::Disabled); // gone
        const KeyReport k3 = findReport(pool.report(), QStringLiteral("k3"));
        QCOMPARE(k3.requestsToday, qint64(1));
        QCOMPARE(k3.usage.begin()->second.at(kFlash).totalTokens, qint64(2));
        const auto counts = pickMany(pool, 10);
        QCOMPARE(counts.size(), size_t(2));
        QCOMPARE(counts.at(QStringLiteral("k5")), 5);
        QCOMPARE(counts.at(QStringLiteral("k3")), 5);
        // Disabling keeps the state too.
        pool.setKeys({ keyConfig(1, {}, 1, false), keyConfig(3), keyConfig(5) });
        QCOMPARE(pool.status(QStringLiteral("k1")), KeyStatus::Disabled);
        pool.setKeys({ keyConfig(1), keyConfig(3), keyConfig(5) });
        QCOMPARE(pool.status(QStringLiteral("k1")), KeyStatus::Invalid);
    }

    void concurrentPicksAndReports()
    {
        // Proxy workers pick and report from several threads: counts must add up.
        ManualClock clock;
        KeyPool pool(clock);
        pool.setKeys(keyConfigs(8));
        constexpr int kThreads = 4;
        constexpr int kPerThread = 5000;
        std::vector<std::unique_ptr<QThread>> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back(QThread::create([&pool] {
                for (int i = 0; i < kPerThread; ++i) {
                    Pick p;
                    if (pool.pick(kFlash, {}, &p)) {
                        pool.reportSuccess(p.id, kFlash, Usage { 1, 1, 2, true });
                    }
                }
            }));
            threads.back()->start();
        }
        for (auto &t : threads) {
            QVERIFY(t->wait(60'000));
        }
        qint64 total = 0;
        qint64 tokens = 0;
        for (const KeyReport &r : pool.report()) {
            total += r.requestsToday;
            tokens += r.usage.begin()->second.at(kFlash).totalTokens;
            QCOMPARE(r.requestsToday, qint64(kThreads * kPerThread / 8)); // round robin under one lock
        }
        QCOMPARE(total, qint64(kThreads * kPerThread));
        QCOMPARE(tokens, 2 * total);
    }
};

QTEST_GUILESS_MAIN(TestKeyPool)
#include "tst_keypool.moc"
