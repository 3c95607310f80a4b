// SPDX-License-Identifier: GPL-3.0-or-later
// The key pool's usage ledger on its own (core/keys/usageledger.h): the cached Pacific day, counts per key, model
// and day, today's request counter that least_used reads, and the keystate.json round trip. tst_keypool covers
// it through KeyPool; this pins the ledger's own contract, without keys, strategies or cooldowns.
#include "keys/failure.h"
#include "keys/usageledger.h"

#include <QDateTime>
#include <QJsonObject>
#include <QTest>

using ga::keys::DayUsage;
using ga::keys::Failure;
using ga::keys::FailureKind;
using ga::keys::KeyReport;
using ga::keys::KeyUsage;
using ga::keys::Usage;
using ga::keys::UsageLedger;

namespace {

const QString kFlash = QStringLiteral("gemini-2.5-flash");
const QString kPro = QStringLiteral("gemini-2.5-pro");

qint64 utc(const QString &iso)
{
    const QDateTime t = QDateTime::fromString(iso, Qt::ISODateWithMs);
    Q_ASSERT(t.isValid());
    return t.toMSecsSinceEpoch();
}

Failure failure(FailureKind kind, const QString &reason)
{
    Failure f;
    f.kind = kind;
    f.reason = reason;
    return f;
}

} // namespace

class TestUsageLedger : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void dayIsPacific_data()
    {
        QTest::addColumn<QString>("now");
        QTest::addColumn<QString>("day");
        QTest::addRow("PST noon") << "2026-01-15T20:00:00Z"
                                  << "2026-01-15";
        QTest::addRow("PST last ms") << "2026-01-16T07:59:59.999Z"
                                     << "2026-01-15";
        QTest::addRow("PST midnight") << "2026-01-16T08:00:00Z"
                                      << "2026-01-16";
        QTest::addRow("PDT last ms") << "2026-07-16T06:59:59.999Z"
                                     << "2026-07-15";
        QTest::addRow("PDT midnight") << "2026-07-16T07:00:00Z"
                                      << "2026-07-16";
    }

    void dayIsPacific()
    {
        QFETCH(QString, now);
        QFETCH(QString, day);
        UsageLedger ledger;
        QCOMPARE(ledger.day(utc(now)), day);
    }

    // The day is cached, but never stale: not when time moves on past midnight, nor when it goes back.
    void cachedDayFollowsTheClock()
    {
        UsageLedger ledger;
        QCOMPARE(ledger.day(utc(QStringLiteral("2026-01-15T20:00:00Z"))), QStringLiteral("2026-01-15"));
        QCOMPARE(ledger.day(utc(QStringLiteral("2026-01-16T07:59:59.999Z"))), QStringLiteral("2026-01-15"));
        QCOMPARE(ledger.day(utc(QStringLiteral("2026-01-16T08:00:00Z"))), QStringLiteral("2026-01-16"));
        QCOMPARE(ledger.day(utc(QStringLiteral("2026-01-15T20:00:00Z"))), QStringLiteral("2026-01-15"));
    }

    void countsPerDayAndModel()
    {
        UsageLedger ledger;
        KeyUsage u;
        const qint64 now = utc(QStringLiteral("2026-01-15T20:00:00Z"));
        for (int i = 0; i < 3; ++i) {
            ledger.countRequest(u, kFlash, now);
            ledger.countSuccess(u, kFlash, Usage { 10, 20, 35, true }, now + 1);
        }
        ledger.countRequest(u, QString(), now); // a request without a model
        ledger.countSuccess(u, QStringLiteral("gemini-2.5-pro"), Usage(), now + 2); // unknown usage: no entry
        ledger.countFailure(u, kFlash, failure(FailureKind::ServerError, QStringLiteral("overloaded")), now + 3);

        QCOMPARE(u.lastUsedMs, now);
        QCOMPARE(u.lastSuccessMs, now + 2);
        QCOMPARE(u.lastError, QStringLiteral("2026-01-15T20:00:00.003Z server-error: overloaded"));
        QCOMPARE(u.days.size(), size_t(1));
        const auto &day = u.days.at(QStringLiteral("2026-01-15"));
        QCOMPARE(day.size(), size_t(2));
        const DayUsage &flash = day.at(kFlash);
        QCOMPARE(flash.requests, qint64(3));
        QCOMPARE(flash.promptTokens, qint64(30));
        QCOMPARE(flash.outputTokens, qint64(60));
        QCOMPARE(flash.totalTokens, qint64(105));
        QCOMPARE(flash.errors.value(QStringLiteral("server-error")), qint64(1));
        QCOMPARE(day.at(QStringLiteral("-")).requests, qint64(1));
        QCOMPARE(ledger.requestsToday(u, now), qint64(4));
    }

    // Models are the client's to name: a day counts kMaxModelsPerDay of them by name and the rest as one, in every
    // count (requests, tokens, errors, cluster hand-overs); the next day starts afresh.
    void modelsADayAreBounded()
    {
        UsageLedger ledger;
        ledger.setTrackTouched(true);
        KeyUsage u;
        const qint64 now = utc(QStringLiteral("2026-01-15T20:00:00Z"));
        const int named = int(UsageLedger::kMaxModelsPerDay);
        ledger.countRequest(u, kFlash, now);
        for (int i = 1; i < named + 500; ++i) {
            const QString model = QStringLiteral("bogus-%1").arg(i);
            ledger.countRequest(u, model, now);
            ledger.countSuccess(u, model, Usage { 1, 2, 3, true }, now);
            ledger.countFailure(u, model, failure(FailureKind::ClientError, QStringLiteral("no such model")), now);
        }
        ledger.countRequest(u, kFlash, now); // a model counted by name before goes on so
        const auto &day = u.days.at(QStringLiteral("2026-01-15"));
        QCOMPARE(day.size(), size_t(named + 1));
        QCOMPARE(day.at(kFlash).requests, qint64(2));
        QCOMPARE(day.at(QStringLiteral("bogus-%1").arg(named - 1)).requests, qint64(1));
        QVERIFY(!day.count(QStringLiteral("bogus-%1").arg(named)));
        const DayUsage &other = day.at(UsageLedger::otherModel());
        QCOMPARE(other.requests, qint64(500));
        QCOMPARE(other.promptTokens, qint64(500));
        QCOMPARE(other.errors.value(ga::keys::failureKindName(FailureKind::ClientError)), qint64(500));
        QCOMPARE(ledger.requestsToday(u, now), qint64(named + 500 + 1));
        QCOMPARE(u.touched.at(QStringLiteral("2026-01-15")).size(), size_t(named + 1));
        // The next day names its own.
        const qint64 tomorrow = utc(QStringLiteral("2026-01-16T20:00:00Z"));
        ledger.countRequest(u, QStringLiteral("bogus-999"), tomorrow);
        QCOMPARE(u.days.at(QStringLiteral("2026-01-16")).count(QStringLiteral("bogus-999")), size_t(1));
    }

    // least_used compares today's requests: they start from zero at Pacific midnight, whatever touches the key.
    void todayCounterRestartsAtMidnight()
    {
        UsageLedger ledger;
        KeyUsage u;
        ledger.countRequest(u, kFlash, utc(QStringLiteral("2026-01-16T07:59:00Z")));
        ledger.countRequest(u, kFlash, utc(QStringLiteral("2026-01-16T07:59:30Z")));
        const qint64 after = utc(QStringLiteral("2026-01-16T08:00:00Z"));
        QCOMPARE(ledger.requestsToday(u, after - 1), qint64(2));
        QCOMPARE(ledger.requestsToday(u, after), qint64(0));
        ledger.countFailure(u, kFlash, failure(FailureKind::QuotaPerMinute, QStringLiteral("429")), after);
        QCOMPARE(ledger.requestsToday(u, after), qint64(0));
        ledger.countRequest(u, kFlash, after);
        QCOMPARE(ledger.requestsToday(u, after), qint64(1));
        QCOMPARE(u.days.size(), size_t(2));
    }

    void reportTakesTodayFromTheDaysWhenTheCounterIsStale()
    {
        KeyUsage u;
        u.lastUsedMs = 5;
        u.lastError = QStringLiteral("e");
        u.days[QStringLiteral("2026-01-15")][kFlash].requests = 4;
        u.days[QStringLiteral("2026-01-15")][QStringLiteral("-")].requests = 2;
        KeyReport r;
        UsageLedger::report(u, QStringLiteral("2026-01-15"), &r);
        QCOMPARE(r.requestsToday, qint64(6));
        QCOMPARE(r.lastUsedMs, qint64(5));
        QCOMPARE(r.lastError, QStringLiteral("e"));
        QCOMPARE(r.usage.size(), size_t(1));
        UsageLedger::report(u, QStringLiteral("2026-01-16"), &r);
        QCOMPARE(r.requestsToday, qint64(0));
    }

    void saveAndLoad()
    {
        UsageLedger ledger;
        KeyUsage u;
        const qint64 old = utc(QStringLiteral("2026-01-01T20:00:00Z"));
        const qint64 now = utc(QStringLiteral("2026-01-15T20:00:00Z"));
        ledger.countRequest(u, kFlash, old);
        ledger.countRequest(u, kFlash, now);
        ledger.countRequest(u, kFlash, now);
        ledger.countSuccess(u, kFlash, Usage { 1, 2, 3, true }, now);
        ledger.countFailure(u, kFlash, failure(FailureKind::InvalidKey, QStringLiteral("API key expired")), now);

        QJsonObject saved;
        UsageLedger::save(u, &saved); // which days go is the pool's choice (KeyPool::saveState)
        QCOMPARE(saved.value(u"usage").toObject().keys(),
            (QStringList { QStringLiteral("2026-01-01"), QStringLiteral("2026-01-15") }));
        QVERIFY(saved.contains(u"lastUsed"));
        QVERIFY(saved.contains(u"lastSuccess"));

        KeyUsage back;
        back.days[QStringLiteral("2025-12-01")][kFlash].requests = 9; // replaced, not merged
        UsageLedger::load(back, saved, QStringLiteral("2026-01-15"));
        QCOMPARE(back.lastUsedMs, now);
        QCOMPARE(back.lastSuccessMs, now);
        QCOMPARE(back.lastError, u.lastError);
        QCOMPARE(back.days.size(), size_t(2));
        QCOMPARE(back.days.at(QStringLiteral("2026-01-01")).at(kFlash).requests, qint64(1));
        const DayUsage &d = back.days.at(QStringLiteral("2026-01-15")).at(kFlash);
        QCOMPARE(d.requests, qint64(2));
        QCOMPARE(d.totalTokens, qint64(3));
        QCOMPARE(d.errors.value(QStringLiteral("invalid")), qint64(1));
        QCOMPARE(back.todayKey, QStringLiteral("2026-01-15"));
        QCOMPARE(back.todayRequests, qint64(2));
        QCOMPARE(ledger.requestsToday(back, now), qint64(2));

        // The days before today of another save replace those days (models and all), and only those.
        KeyUsage other;
        ledger.countRequest(other, kPro, old);
        ledger.countRequest(other, kPro, old + 86'400'000);
        ledger.countRequest(other, kPro, now);
        UsageLedger::loadPast(back, UsageLedger::usageJson(other), QStringLiteral("2026-01-15"));
        QCOMPARE(back.days.size(), size_t(3));
        QCOMPARE(back.days.at(QStringLiteral("2026-01-01")).size(), size_t(1));
        QCOMPARE(back.days.at(QStringLiteral("2026-01-01")).at(kPro).requests, qint64(1));
        QCOMPARE(back.days.at(QStringLiteral("2026-01-02")).at(kPro).requests, qint64(1));
        QCOMPARE(back.days.at(QStringLiteral("2026-01-15")).size(), size_t(1)); // today's stays
        QCOMPARE(back.days.at(QStringLiteral("2026-01-15")).at(kFlash).requests, qint64(2));
        QCOMPARE(back.todayRequests, qint64(2));

        // Nothing saved: no times, no days, and no today.
        KeyUsage empty;
        UsageLedger::load(empty, QJsonObject(), QStringLiteral("2026-01-15"));
        QCOMPARE(empty.lastUsedMs, qint64(-1));
        QVERIFY(empty.days.empty());
        QVERIFY(empty.todayKey.isEmpty());
    }
};

QTEST_APPLESS_MAIN(TestUsageLedger)
#include "tst_usageledger.moc"
