// SPDX-License-Identifier: GPL-3.0-or-later
// core/text/permanent.h: texts held without a reference count, interned, bounded; core/text/decimal.h: numbers'
// digits.
#include "text/decimal.h"
#include "text/permanent.h"

#include <QObject>
#include <QTest>
#include <QThread>

#include <charconv>
#include <limits>
#include <vector>

using ga::text::intern;
using ga::text::isPermanent;

class TestPermanentText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void textsAreKeptWithoutACount();
    void equalTextsShareOneCopy();
    void threadsInternTheSameText();
    void credentialShapes();
    void decimalDigitsAsToChars();
    void clientTextsTakeTheirShareOnly(); // before the full store: it fills the clients' share
    void fullStoreGivesOrdinaryCopies(); // last: it fills the process's store
};

void TestPermanentText::textsAreKeptWithoutACount()
{
    const QString made = QStringLiteral("gemini-2.5-") + QString::number(7);
    QVERIFY(!isPermanent(made));
    const QString kept = intern(made);
    QCOMPARE(kept, made);
    QVERIFY(isPermanent(kept));
    QVERIFY(isPermanent(QString(kept))); // a copy holds the same bytes, uncounted
    QCOMPARE(kept.constData()[kept.size()], QChar(u'\0')); // terminated like a QString's own (utf16() would copy)
    // Written to, it is copied first: the permanent bytes never change.
    QString changed = kept;
    changed[0] = u'G';
    QCOMPARE(kept, made);
    QCOMPARE(changed, QStringLiteral("Gemini-2.5-7"));
    QVERIFY(!isPermanent(changed));
    // Null and empty stay what they are.
    QVERIFY(intern(QString()).isNull());
    QVERIFY(!intern(QStringLiteral("")).isNull());
    QVERIFY(intern(QStringLiteral("")).isEmpty());
    // Bytes too.
    const QByteArray bytes = ga::text::permanentBytes("content-type");
    QVERIFY(isPermanent(bytes));
    QCOMPARE(bytes, QByteArray("content-type"));
    QCOMPARE(bytes.constData()[bytes.size()], '\0');
}

void TestPermanentText::equalTextsShareOneCopy()
{
    const QString a = intern(QString::fromLatin1("kd170b846"));
    const QString b = intern(QString::fromLatin1("kd170b846"));
    QCOMPARE(a.constData(), b.constData()); // one copy: a name met again takes no more room
    const QString c = intern(QString::fromLatin1("kd170b847"));
    QVERIFY(c.constData() != a.constData());
    QCOMPARE(c, QStringLiteral("kd170b847"));
}

void TestPermanentText::threadsInternTheSameText()
{
    std::vector<const QChar *> seen(8);
    std::vector<QThread *> threads;
    for (size_t i = 0; i < seen.size(); ++i) {
        threads.push_back(QThread::create([&seen, i] {
            for (int n = 0; n < 200; ++n) {
                const QString t = intern(QStringLiteral("route-%1").arg(n));
                if (n == 123) {
                    seen[i] = t.constData();
                }
            }
        }));
        threads.back()->start();
    }
    for (QThread *t : threads) {
        QVERIFY(t->wait(10'000));
        delete t;
    }
    for (const QChar *p : seen) {
        QCOMPARE(p, seen[0]);
    }
    QCOMPARE(QString(seen[0], 9), QStringLiteral("route-123"));
}

void TestPermanentText::credentialShapes()
{
    using ga::text::mayHoldCredential;
    for (const char *text : { "/v1beta/models/AIzaSyD-0123456789:generateContent", "gat_abc", "Ya29.a0AfH6",
             "x eyJhbGciOiJIUzI1NiJ9.e30.sig", "sk-proj-1", "aiza", "GAT_", "SK-" }) {
        QVERIFY2(mayHoldCredential(QByteArrayView(text)), text);
        QVERIFY2(mayHoldCredential(QString::fromLatin1(text)), text);
    }
    for (const char *text : { "/v1beta/models/gemini-2.5-flash:generateContent", "AIz", "gat", "ya29", "ey", "sk",
             "application/json", "127.0.0.1", "" }) {
        QVERIFY2(!mayHoldCredential(QByteArrayView(text)), text);
        QVERIFY2(!mayHoldCredential(QString::fromLatin1(text)), text);
    }
    // A shape cut by the text's end is none: what follows the text is not read.
    static const char beyond[] = "xAIza";
    QVERIFY(!mayHoldCredential(QByteArrayView(beyond, 4)));
    QVERIFY(!mayHoldCredential(QStringView(u"xAIza").first(4)));
    // Beyond Latin-1 the shapes are still found, and nothing else matches them.
    QVERIFY(mayHoldCredential(QStringLiteral("модель/AIzaSy")));
    QVERIFY(!mayHoldCredential(QStringLiteral("модель")));
    // A client's text of that shape is never kept, however often it comes; a configuration's name may look so.
    const QString path = QStringLiteral("/v1beta/models/AIzaSyD-0123456789");
    QVERIFY(!isPermanent(intern(path, ga::text::Origin::Client)));
    QVERIFY(!isPermanent(intern(path, ga::text::Origin::Client)));
    QCOMPARE(intern(path, ga::text::Origin::Client), path);
    QVERIFY(ga::text::permanentBytes("Bearer eyJhbGci", ga::text::Origin::Client).isNull());
    QVERIFY(isPermanent(intern(QStringLiteral("sk-relay"))));
}

void TestPermanentText::clientTextsTakeTheirShareOnly()
{
    // Distinct client texts of 100 characters (202 bytes each with the NUL): at most kClientBytes of them are kept.
    int kept = 0;
    QString last;
    const int count = int(ga::text::kClientBytes / 200) + 200;
    for (int i = 0; i < count; ++i) {
        const QString text = QStringLiteral("/v1beta/files/") + QString::number(i).rightJustified(86, u'f');
        last = intern(text, ga::text::Origin::Client);
        QCOMPARE(last, text);
        kept += isPermanent(last) ? 1 : 0;
    }
    QVERIFY2(kept > count / 2 && kept <= int(ga::text::kClientBytes / 202), QByteArray::number(kept).constData());
    QVERIFY(!isPermanent(last));
    QVERIFY(ga::text::permanentBytes(QByteArray(250, 'h'), ga::text::Origin::Client).isNull()); // less left
    // One kept before is still found; the configuration's names still have room.
    QVERIFY(isPermanent(intern(
        QStringLiteral("/v1beta/files/") + QString::number(0).rightJustified(86, u'f'), ga::text::Origin::Client)));
    QVERIFY(isPermanent(intern(QStringLiteral("k-imported-after-the-flood"))));
    QVERIFY(isPermanent(ga::text::permanentBytes("configuration-bytes")));
}

// writeDecimal() writes what std::to_chars writes, for every number up to 100,000, each side of every power of ten,
// negative numbers and the extremes, and nothing past its end.
void TestPermanentText::decimalDigitsAsToChars()
{
    std::vector<qint64> values;
    for (qint64 v = -1000; v <= 100'000; ++v) {
        values.push_back(v);
    }
    for (qint64 ten = 1; ten <= std::numeric_limits<qint64>::max() / 10; ten *= 10) {
        for (const qint64 v : { ten - 1, ten, ten + 1, -ten + 1, -ten, -ten - 1 }) {
            values.push_back(v);
        }
    }
    values.push_back(std::numeric_limits<qint64>::max());
    values.push_back(std::numeric_limits<qint64>::min());
    values.push_back(std::numeric_limits<qint64>::min() + 1);
    for (const qint64 v : values) {
        char expected[ga::text::kMaxDecimal];
        const auto [end, ec] = std::to_chars(expected, expected + sizeof expected, v);
        QCOMPARE(int(ec), 0);
        char written[ga::text::kMaxDecimal + 1];
        std::fill(std::begin(written), std::end(written), '#');
        const char *const writtenEnd = ga::text::writeDecimal(written, v);
        QCOMPARE(QByteArrayView(written, writtenEnd - written), QByteArrayView(expected, end - expected));
        QCOMPARE(written[writtenEnd - written], '#');
    }
}

void TestPermanentText::fullStoreGivesOrdinaryCopies()
{
    // Distinct texts of 100 characters (202 bytes each with the NUL): the store holds at most kPermanentBytes (less
    // what the clients' share took before).
    int kept = 0;
    QString last;
    const int count = int(ga::text::kPermanentBytes / 200) + 500;
    for (int i = 0; i < count; ++i) {
        const QString text = QString::number(i).rightJustified(100, u'x');
        last = intern(text);
        QCOMPARE(last, text);
        kept += isPermanent(last) ? 1 : 0;
    }
    QVERIFY2(kept > count / 2 && kept <= int(ga::text::kPermanentBytes / 202), QByteArray::number(kept).constData());
    QVERIFY(!isPermanent(last));
    QVERIFY(ga::text::permanentBytes(QByteArray(300, 'm')).isNull()); // the last block has less left
    // What was interned before stays interned.
    QVERIFY(isPermanent(intern(QString::fromLatin1("kd170b846"))));
}

QTEST_GUILESS_MAIN(TestPermanentText)
#include "tst_permanenttext.moc"
