// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/configschema.h"
#include "keys/apikey.h"
#include "testsupport.h"

#include <QObject>
#include <QRegularExpression>
#include <QTest>

using namespace ga::keys;
using ga::test::fakeKey;

namespace {

QByteArray key(int n)
{
    return fakeKey(n).toLatin1();
}

QList<int> linesOf(const QList<ImportCandidate> &candidates)
{
    QList<int> out;
    for (const ImportCandidate &c : candidates) {
        out.append(c.line);
    }
    return out;
}

QList<int> linesOf(const QList<QPair<int, QString>> &rejected)
{
    QList<int> out;
    for (const auto &r : rejected) {
        out.append(r.first);
    }
    return out;
}

} // namespace

class TestApiKey : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fakeKeysAreValid();
    void keyFormat_data();
    void keyFormat();
    void problemNeverRepeatsTheInput();
    void fingerprintIsStableAndDistinct();
    void hintIsTheLastFourCharacters();
    void secretEntryNames();
    void newIdHasPrefixAndIsValid();
    void newIdIsUnique();
    void importFresh();
    void importDuplicatesWithinInput();
    void importDuplicatesOfKnownKeys();
    void importRejectsLinesWithNumbers();
    void importIgnoresBlankLinesCommentsAndWhitespace();
    void importHandlesCrlf();
    void importEmptyInput();
};

void TestApiKey::fakeKeysAreValid()
{
    for (int i = 0; i < 50; ++i) {
        QVERIFY2(isValidKeyFormat(key(i)), qPrintable(keyFormatProblem(key(i))));
        QCOMPARE(keyFormatProblem(key(i)), QString());
    }
}

void TestApiKey::keyFormat_data()
{
    QTest::addColumn<QByteArray>("candidate");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("problemContains");

    const QByteArray k = key(1);
    QTest::newRow("valid") << k << true << QString();
    QTest::newRow("with - and _") << QByteArray("AIza" + QByteArray(17, '-') + QByteArray(18, '_')) << true
                                  << QString();
    QTest::newRow("empty") << QByteArray() << false << QStringLiteral("start with 'AIza'");
    QTest::newRow("wrong prefix") << QByteArray("BIza" + k.mid(4)) << false << QStringLiteral("start with 'AIza'");
    QTest::newRow("lower-case prefix") << k.toLower() << false << QStringLiteral("start with 'AIza'");
    QTest::newRow("one short") << k.left(38) << false << QStringLiteral("38 characters; a key has 39");
    QTest::newRow("one long") << QByteArray(k + "x") << false << QStringLiteral("40 characters; a key has 39");
    QTest::newRow("prefix only") << QByteArray("AIza") << false << QStringLiteral("4 characters");
    QTest::newRow("inner space") << QByteArray(k.left(20) + " " + k.mid(21)) << false
                                 << QStringLiteral("other than letters, digits");
    QTest::newRow("dot") << QByteArray(k.left(38) + ".") << false << QStringLiteral("other than letters, digits");
    QTest::newRow("trailing newline") << QByteArray(k.left(38) + "\n") << false
                                      << QStringLiteral("other than letters, digits");
    QTest::newRow("non-ASCII") << QByteArray(k.left(37) + "\xC3\xA9") << false
                               << QStringLiteral("other than letters, digits");
    QTest::newRow("surrounding whitespace") << QByteArray(" " + k) << false << QStringLiteral("start with 'AIza'");
}

void TestApiKey::keyFormat()
{
    QFETCH(QByteArray, candidate);
    QFETCH(bool, valid);
    QFETCH(QString, problemContains);

    QCOMPARE(isValidKeyFormat(candidate), valid);
    const QString problem = keyFormatProblem(candidate);
    QCOMPARE(problem.isEmpty(), valid);
    if (!valid) {
        QVERIFY2(problem.contains(problemContains), qPrintable(problem));
    }
}

void TestApiKey::problemNeverRepeatsTheInput()
{
    const QByteArray almost = key(2).left(38);
    const QList<QByteArray> inputs = { almost, almost + "!", "AIza" + almost, "secret-looking-text-1234567890" };
    for (const QByteArray &input : inputs) {
        const QString problem = keyFormatProblem(input);
        QVERIFY(!problem.isEmpty());
        QVERIFY2(!problem.contains(QString::fromLatin1(input)), qPrintable(problem));
        QVERIFY(!problem.contains(QString::fromLatin1(input.mid(4, 20))));
    }
}

void TestApiKey::fingerprintIsStableAndDistinct()
{
    static const QRegularExpression hex32(QStringLiteral("^[0-9a-f]{32}$"));
    QSet<QString> seen;
    for (int i = 0; i < 200; ++i) {
        const QString fp = keyFingerprint(key(i));
        QVERIFY2(hex32.match(fp).hasMatch(), qPrintable(fp));
        QCOMPARE(keyFingerprint(key(i)), fp);
        QVERIFY2(!seen.contains(fp), "two keys share a fingerprint");
        seen.insert(fp);
    }
    // Known value: the first 32 hex digits of SHA-256("abc").
    QCOMPARE(keyFingerprint("abc"), QStringLiteral("ba7816bf8f01cfea414140de5dae2223"));
    // A one-character change gives a different fingerprint.
    QByteArray k = key(3);
    const QString before = keyFingerprint(k);
    k[20] = k.at(20) == 'A' ? 'B' : 'A';
    QVERIFY(keyFingerprint(k) != before);
}

void TestApiKey::hintIsTheLastFourCharacters()
{
    const QByteArray k = key(4);
    QCOMPARE(keyHint(k), QString::fromLatin1(k.right(4)));
    QCOMPARE(keyHint(k).size(), 4);
    QCOMPARE(keyHint("xyz"), QStringLiteral("xyz"));
}

void TestApiKey::secretEntryNames()
{
    QCOMPARE(secretEntryName(QStringLiteral("k1a2b3c4d")), QStringLiteral("key/k1a2b3c4d"));
}

void TestApiKey::newIdHasPrefixAndIsValid()
{
    static const QRegularExpression shape(QStringLiteral("^k[0-9a-f]{8}$"));
    for (int i = 0; i < 100; ++i) {
        const QString id = newId(u'k', {});
        QVERIFY2(shape.match(id).hasMatch(), qPrintable(id));
        QVERIFY2(ga::config::schema::isValidId(id), qPrintable(id));
    }
    QVERIFY(newId(u'i', {}).startsWith(u'i'));
}

void TestApiKey::newIdIsUnique()
{
    QSet<QString> taken;
    for (int i = 0; i < 2000; ++i) {
        const QString id = newId(u'k', taken);
        QVERIFY2(!taken.contains(id), qPrintable(id));
        taken.insert(id);
    }
    QCOMPARE(taken.size(), 2000);
}

void TestApiKey::importFresh()
{
    const QByteArray text = key(1) + "\n" + key(2) + "\n" + key(3) + "\n";
    const ImportPlan plan = planImport(text, {});
    QCOMPARE(plan.fresh.size(), 3);
    QVERIFY(plan.duplicateLines.isEmpty());
    QVERIFY(plan.rejectedLines.isEmpty());
    QCOMPARE(linesOf(plan.fresh), (QList<int> { 1, 2, 3 }));
    for (int i = 0; i < 3; ++i) {
        const ImportCandidate &c = plan.fresh.at(i);
        QCOMPARE(c.secret, key(i + 1));
        QCOMPARE(c.fingerprint, keyFingerprint(key(i + 1)));
        QCOMPARE(c.hint, keyHint(key(i + 1)));
    }
}

void TestApiKey::importDuplicatesWithinInput()
{
    const QByteArray text = key(1) + "\n" + key(2) + "\n" + key(1) + "\n" + key(2) + "\n" + key(1);
    const ImportPlan plan = planImport(text, {});
    QCOMPARE(linesOf(plan.fresh), (QList<int> { 1, 2 }));
    QCOMPARE(plan.duplicateLines, (QList<int> { 3, 4, 5 }));
    QVERIFY(plan.rejectedLines.isEmpty());
}

void TestApiKey::importDuplicatesOfKnownKeys()
{
    const QSet<QString> known = { keyFingerprint(key(2)), keyFingerprint(key(9)) };
    const QByteArray text = key(1) + "\n" + key(2) + "\n" + key(3) + "\n" + key(9) + "\n";
    const ImportPlan plan = planImport(text, known);
    QCOMPARE(linesOf(plan.fresh), (QList<int> { 1, 3 }));
    QCOMPARE(plan.fresh.at(0).secret, key(1));
    QCOMPARE(plan.fresh.at(1).secret, key(3));
    QCOMPARE(plan.duplicateLines, (QList<int> { 2, 4 }));
    QVERIFY(plan.rejectedLines.isEmpty());
}

void TestApiKey::importRejectsLinesWithNumbers()
{
    const QByteArray text = key(1) + "\n" // 1 fresh
        + "not a key at all\n" // 2 rejected
        + key(2).left(30) + "\n" // 3 rejected: too short
        + "\n" // 4 blank
        + key(3) + "\n" // 5 fresh
        + "AIza" + QByteArray(35, '!') + "\n" // 6 rejected: characters
        + "key=" + key(4) + "\n" // 7 rejected: not only the key
        + key(1) + "\n"; // 8 duplicate
    const ImportPlan plan = planImport(text, {});
    QCOMPARE(linesOf(plan.fresh), (QList<int> { 1, 5 }));
    QCOMPARE(plan.duplicateLines, (QList<int> { 8 }));
    QCOMPARE(linesOf(plan.rejectedLines), (QList<int> { 2, 3, 6, 7 }));
    QVERIFY(plan.rejectedLines.at(1).second.contains(QStringLiteral("30 characters")));
    QVERIFY(plan.rejectedLines.at(2).second.contains(QStringLiteral("other than letters")));
    for (const auto &[line, reason] : std::as_const(plan.rejectedLines)) {
        QVERIFY2(!reason.isEmpty(), qPrintable(QString::number(line)));
        QVERIFY2(!reason.contains(QString::fromLatin1(key(4))), qPrintable(reason));
        QVERIFY(!reason.contains(QStringLiteral("not a key at all")));
    }
}

void TestApiKey::importIgnoresBlankLinesCommentsAndWhitespace()
{
    const QByteArray text = "\n" // 1
                            "# my keys\n" // 2
                            "   \n" // 3
                            "\t"
        + key(1) + "  \n" // 4
        + "  # indented comment " + key(5) + "\n" // 5: a comment, even with a key in it
        + "\t\t\n" // 6
        + "   " + key(2) + "\n" // 7
        + "\n\n"; // 8, 9, 10
    const ImportPlan plan = planImport(text, {});
    QCOMPARE(linesOf(plan.fresh), (QList<int> { 4, 7 }));
    QCOMPARE(plan.fresh.at(0).secret, key(1)); // trimmed
    QCOMPARE(plan.fresh.at(1).secret, key(2));
    QVERIFY(plan.duplicateLines.isEmpty());
    QVERIFY(plan.rejectedLines.isEmpty());
}

void TestApiKey::importHandlesCrlf()
{
    const QByteArray text = key(1) + "\r\n\r\n" + key(2) + "\r\nbogus\r\n" + key(1) + "\r\n";
    const ImportPlan plan = planImport(text, {});
    QCOMPARE(linesOf(plan.fresh), (QList<int> { 1, 3 }));
    for (const ImportCandidate &c : plan.fresh) {
        QVERIFY(!c.secret.contains('\r'));
        QVERIFY(isValidKeyFormat(c.secret));
        QCOMPARE(c.fingerprint, keyFingerprint(c.secret));
    }
    QCOMPARE(linesOf(plan.rejectedLines), (QList<int> { 4 }));
    QCOMPARE(plan.duplicateLines, (QList<int> { 5 }));
}

void TestApiKey::importEmptyInput()
{
    for (const QByteArray &text : { QByteArray(), QByteArray("\n"), QByteArray("  \r\n\t\n# nothing\n") }) {
        const ImportPlan plan = planImport(text, { keyFingerprint(key(1)) });
        QVERIFY(plan.fresh.isEmpty());
        QVERIFY(plan.duplicateLines.isEmpty());
        QVERIFY(plan.rejectedLines.isEmpty());
    }
}

QTEST_GUILESS_MAIN(TestApiKey)
#include "tst_apikey.moc"
