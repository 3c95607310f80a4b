// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The usage ledger of the key pool: what each key did, per model and Pacific day (requests, errors by kind,
// tokens), when it was last used, last worked and last failed, and how that is saved to keystate.json.
// It decides nothing: the health policy (keyhealth.h) judges keys, the selector (keyselection.h) reads
// today's request count for least_used. Not thread-safe on its own: KeyPool's mutex guards it.

#include "keys/failure.h"
#include "keys/keypool.h"

#include <QJsonObject>
#include <QString>

#include <map>
#include <set>

namespace ga::keys {

// One key's entry in the ledger.
struct KeyUsage
{
    qint64 lastUsedMs = -1;
    qint64 lastSuccessMs = -1;
    QString lastError; // "<time> <kind>: <reason>"
    // Today's requests, kept apart from `days` so that least_used reads one number instead of summing models.
    QString todayKey;
    qint64 todayRequests = 0;
    std::map<QString, std::map<QString, DayUsage>> days; // day (yyyy-MM-dd) → model ("-" for none) → usage
    std::map<QString, std::set<QString>> touched; // cluster mode: day → models counted since the last hand-over
};

class UsageLedger
{
public:
    // The models a key's day counts by name; the day's requests for any model past them count under otherModel(). A
    // model is the client's to name (a request for a model that does not exist still takes a key): without a bound a
    // client naming a new one in each request grew the ledger, and keystate.json with it, by a model a request (3,000
    // requests: 897 KB, written again each second while requests went on). The metrics bound their model labels the
    // same way.
    static constexpr size_t kMaxModelsPerDay = 64;
    static const QString &otherModel();

    // The Pacific day of `now`, "yyyy-MM-dd". Computing it costs about a microsecond (time zone rules,
    // formatting): more than the rest of a pick. It changes once a day, so it is cached until `now` leaves it.
    const QString &day(qint64 now);

    // A key was handed out for `model`.
    void countRequest(KeyUsage &u, const QString &model, qint64 now);
    // Its answer was a success; `usage` adds the tokens when the answer reported them.
    void countSuccess(KeyUsage &u, const QString &model, const Usage &usage, qint64 now);
    // Its answer was a failure (of any kind but None).
    void countFailure(KeyUsage &u, const QString &model, const Failure &failure, qint64 now);
    // Requests handed out today: what least_used compares.
    qint64 requestsToday(const KeyUsage &u, qint64 now);

    // The usage half of a KeyReport; `today` as from day().
    static void report(const KeyUsage &u, const QString &today, KeyReport *out);
    // Writes the ledger fields of one key's keystate.json object (the caller copies only the days to save).
    static void save(const KeyUsage &u, QJsonObject *o);
    // The key's usage: {day: {model: usage}}.
    static QJsonObject usageJson(const KeyUsage &u);
    // Reads them back (replacing the key's days) and recounts today's requests.
    static void load(KeyUsage &u, const QJsonObject &o, const QString &today);
    // The days before `today` of a usageJson() object replace the key's own.
    static void loadPast(KeyUsage &u, const QJsonObject &days, const QString &today);

    // Cluster mode: note in KeyUsage::touched what each count changed.
    void setTrackTouched(bool on) { m_trackTouched = on; }

private:
    // The day's entry of `model`, noted as touched when tracking.
    DayUsage &entry(KeyUsage &u, const QString &model, qint64 now);
    bool m_trackTouched = false;

    QString m_dayKey; // the Pacific day of [m_dayFrom, m_dayUntil)
    qint64 m_dayFrom = 0;
    qint64 m_dayUntil = 0;
};

// Adds `from`'s counts to `to`.
void addUsage(DayUsage &to, const DayUsage &from);

// One model's usage on one day as JSON: the shape keystate.json and `keys stats --json` share.
QJsonObject dayUsageJson(const DayUsage &u);
DayUsage dayUsageFromJson(const QJsonObject &o);

} // namespace ga::keys
