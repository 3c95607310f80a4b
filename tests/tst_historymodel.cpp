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
