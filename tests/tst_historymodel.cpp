// SPDX-License-Identifier: GPL-3.0-or-later
// The request history as a list model: newest first, bounded, live from another thread.
#include "logging/logging.h"
#include "metrics/historymodel.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <algorithm>

using ga::metrics::AccessRecord;
using ga::metrics::HistoryModel;
using ga::metrics::Recorder;

namespace {
AccessRecord record(Recorder &recorder, int status)
{
    AccessRecord r;
    r.id = recorder.nextId();
    r.startedMs = QDateTime::currentMSecsSinceEpoch();
    r.client = QStringLiteral("cline");
    r.method = QStringLiteral("POST");
    r.path = QStringLiteral("/v1beta/models/gemini-2.5-flash:generateContent");
    r.kind = QStringLiteral("native");
    r.model = QStringLiteral("gemini-2.5-flash");
    r.status = status;
    r.keyId = QStringLiteral("k2");
    r.route = QStringLiteral("direct");
    r.attempts = { { QStringLiteral("k1"), QStringLiteral("direct"), 429, QStringLiteral("quota-minute"), 12 },
        { QStringLiteral("k2"), QStringLiteral("direct"), status, QStringLiteral("ok"), 30 } };
    return r;
}
} // namespace

class TestHistoryModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLoggingCategory::setFilterRules(QStringLiteral("ga.access.info=false")); }

    void startsFromTheRecorderNewestFirst()
    {
        Recorder recorder(10);
        for (int i = 0; i < 4; ++i) {
            recorder.record(record(recorder, 200 + i));
        }
        HistoryModel model(&recorder, 3);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(0).data(HistoryModel::StatusRole).toInt(), 203);
        QCOMPARE(model.index(2).data(HistoryModel::StatusRole).toInt(), 201);
        QCOMPARE(model.index(0).data(HistoryModel::AttemptsRole).toInt(), 2);
        QCOMPARE(model.index(0).data(HistoryModel::AttemptsTextRole).toString(),
            QStringLiteral("k1@direct: quota-minute → k2@direct: ok"));
        QVERIFY(model.roleNames().values().contains("attemptsText"));
    }

    // The recorder keeps the last historySize records in order through its ring: past the size, around the
    // slots made ahead (64 at a time), after a resize, and with older records restored in front.
    void recorderKeepsTheNewestInOrder()
    {
        Recorder recorder(100);
        QCOMPARE(recorder.history().size(), size_t(0));
        for (int i = 0; i < 250; ++i) {
            recorder.record(record(recorder, 200));
        }
        auto ids = [](const std::vector<ga::metrics::AccessRecord> &records) {
            std::vector<quint64> out;
            for (const auto &r : records) {
                out.push_back(r.id);
            }
            return out;
        };
        std::vector<quint64> history = ids(recorder.history());
        QCOMPARE(history.size(), size_t(100));
        QCOMPARE(history.front(), quint64(151));
        QCOMPARE(history.back(), quint64(250));
        QVERIFY(std::is_sorted(history.begin(), history.end()));
        QCOMPARE(ids(recorder.history(3)), (std::vector<quint64> { 248, 249, 250 }));
        const auto newest = recorder.history(1).front();
        QCOMPARE(newest.attempts.size(), size_t(2));
        QCOMPARE(newest.attempts.back().outcome, QStringLiteral("ok"));
        QCOMPARE(newest.model, QStringLiteral("gemini-2.5-flash"));

        recorder.setHistorySize(10);
        QCOMPARE(ids(recorder.history()), (std::vector<quint64> { 241, 242, 243, 244, 245, 246, 247, 248, 249, 250 }));
        recorder.record(record(recorder, 200));
        QCOMPARE(recorder.history().front().id, quint64(242));
        QCOMPARE(recorder.history().back().id, quint64(251));

        // Older records from disk go in front (1, 2, 3 and the 10 kept): the newest 12 stay.
        std::vector<ga::metrics::AccessRecord> older;
        for (quint64 id = 1; id <= 3; ++id) {
            ga::metrics::AccessRecord r;
            r.id = id;
            older.push_back(r);
        }
        recorder.setHistorySize(12);
        recorder.restoreHistory(older);
        history = ids(recorder.history());
        QCOMPARE(history.size(), size_t(12));
        QCOMPARE(history.front(), quint64(2));
        QCOMPARE(history.back(), quint64(251));

        recorder.setHistorySize(0);
        recorder.record(record(recorder, 200));
        QCOMPARE(recorder.history().size(), size_t(0));
    }

    // A slot reused for a new record takes every field of it (the recorder copies field by field, skipping texts the
    // slot shares already): with one slot, each record replaces one that differs in every field.
    void keptRecordIsTheRecordFieldForField()
    {
        Recorder recorder(1);
        const QString shared = QStringLiteral("gemini-2.5-flash"); // the same block in consecutive records
        for (int i = 0; i < 6; ++i) {
            AccessRecord r;
            r.id = recorder.nextId();
            r.startedMs = 1'700'000'000'000 + i;
            const QString n = QString::number(i);
            r.client = QStringLiteral("client") + n;
            r.peer = QStringLiteral("127.0.0.") + n;
            r.method = i % 2 ? QStringLiteral("GET") : QStringLiteral("POST");
            r.path = QStringLiteral("/v1beta/models/m") + n;
            r.kind = i % 2 ? QStringLiteral("openai") : QStringLiteral("native");
            r.model = i < 3 ? shared : QStringLiteral("model") + n;
            r.mode = i % 2 ? QStringLiteral("hybrid") : QStringLiteral("local");
            r.keyId = QStringLiteral("k") + n;
            r.route = i % 2 ? QStringLiteral("deno-1") : QStringLiteral("direct");
            r.status = 200 + i;
            r.fallbacks = i;
            r.stream = i % 2;
            r.broken = i % 3 == 1;
            r.bytesIn = 10 + i;
            r.bytesOut = 20 + i;
            r.ttfbMs = 30 + i;
            r.totalMs = 40 + i;
            r.tokensIn = 50 + i;
            r.tokensOut = 60 + i;
            for (int a = 0; a < (i % 3) + 1; ++a) { // 1, 2, 3 attempts, then again
                r.attempts.push_back(
                    { QStringLiteral("k%1").arg(a + i), a ? QStringLiteral("direct") : QStringLiteral("relay"),
                        400 + a + i, QStringLiteral("outcome %1").arg(a * 10 + i), qint64(a + i) });
            }
            if (i % 2) {
                r.live = ga::metrics::LiveFigures { i, i + 1, i + 2, i + 3, 1000 + i, QStringLiteral("bye") + n, true };
            }
            const QByteArray expected = ga::metrics::toJsonBytes(r);
            recorder.record(r);
            const std::vector<AccessRecord> kept = recorder.history();
            QCOMPARE(kept.size(), size_t(1));
            QCOMPARE(ga::metrics::toJsonBytes(kept.front()), expected);
        }
    }

    void liveFromAWorkerThreadAndBounded()
    {
        Recorder recorder(100);
        HistoryModel model(&recorder, 5);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QThread *worker = QThread::create([&recorder] {
            for (int i = 0; i < 8; ++i) {
                recorder.record(record(recorder, 200));
            }
        });
        worker->start();
        QVERIFY(worker->wait(5000));
        delete worker;
        QTRY_COMPARE_WITH_TIMEOUT(inserted.size(), 8, 5000);
        QCOMPARE(model.rowCount(), 5);
        // Newest first: ids descending.
        QVERIFY(model.index(0).data(HistoryModel::IdRole).toULongLong()
            > model.index(4).data(HistoryModel::IdRole).toULongLong());
        QCOMPARE(model.index(0).data(HistoryModel::IdRole).toULongLong(), quint64(8));
    }
};

QTEST_GUILESS_MAIN(TestHistoryModel)
#include "tst_historymodel.moc"
