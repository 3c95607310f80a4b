// SPDX-License-Identifier: GPL-3.0-or-later
// Token usage found in answers as they stream past (core/proxy/usagesniffer.h): whole bodies, SSE streams, OpenAI
// bodies, and the same bytes cut into chunks at every position — a name or an object split between chunks must
// give the same counts as the body in one piece. (Plain strings: moc 6.4 misreads some raw strings.)
#include "proxy/usagesniffer.h"

#include <QTest>

using ga::proxy::UsageSniffer;

class TestUsageSniffer : public QObject
{
    Q_OBJECT

    static constexpr int kStream = 1;
    static constexpr int kOneObject = 2;
    static constexpr int kBoth = kStream | kOneObject;

    static ga::keys::Usage sniff(const QByteArray &body, qsizetype chunk, bool oneObject)
    {
        UsageSniffer s(oneObject);
        for (qsizetype at = 0; at < body.size(); at += chunk) {
            s.feed(QByteArrayView(body).sliced(at, std::min(chunk, body.size() - at)));
        }
        return s.result();
    }

private Q_SLOTS:
    void counts_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("known");
        QTest::addColumn<qint64>("prompt");
        QTest::addColumn<qint64>("output");
        QTest::addColumn<qint64>("total");
        QTest::addColumn<int>("modes"); // kBoth, kStream (a stream's fallbacks), kOneObject (a unary answer's)

        QTest::newRow("gemini answer") << QByteArray(
            "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hi\"}]}}],\"usageMetadata\":"
            "{\"promptTokenCount\":10,\"candidatesTokenCount\":18,\"totalTokenCount\":28,"
            "\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":10}]},\"modelVersion\":\"x\"}")
                                       << true << qint64(10) << qint64(18) << qint64(28) << kBoth;
        QTest::newRow("thoughts count as output")
            << QByteArray("{\"usageMetadata\": {\"promptTokenCount\": 3, \"candidatesTokenCount\": 4,"
                          " \"thoughtsTokenCount\": 5, \"totalTokenCount\": 12}}")
            << true << qint64(3) << qint64(9) << qint64(12) << kBoth;
        QTest::newRow("nested counts are not the top-level ones") << QByteArray(
            "{\"usageMetadata\":{\"cacheTokensDetails\":[{\"totalTokenCount\":999}],\"promptTokenCount\":1,"
            "\"totalTokenCount\":2}}") << true << qint64(1) << qint64(0)
                                                                  << qint64(2) << kBoth;
        QTest::newRow("sse: the last usage counts")
            << QByteArray("data: {\"usageMetadata\":{\"promptTokenCount\":7,\"totalTokenCount\":8}}\r\n\r\n"
                          "data: {\"usageMetadata\":{\"promptTokenCount\":7,\"candidatesTokenCount\":30,"
                          "\"totalTokenCount\":37}}\r\n\r\n")
            << true << qint64(7) << qint64(30) << qint64(37) << kBoth;
        QTest::newRow("a later object cut off: the last complete one counts")
            << QByteArray("data: {\"usageMetadata\":{\"promptTokenCount\":7,\"candidatesTokenCount\":30,"
                          "\"totalTokenCount\":37}}\r\n\r\ndata: {\"usageMetadata\":{\"promptTokenCount\":9,\"tot")
            << true << qint64(7) << qint64(30) << qint64(37) << kStream;
        QTest::newRow("three objects, the last cut off: the middle one counts")
            << QByteArray("data: {\"usageMetadata\":{\"promptTokenCount\":1,\"totalTokenCount\":2}}\r\n\r\n"
                          "data: {\"usageMetadata\":{\"promptTokenCount\":7,\"candidatesTokenCount\":30,"
                          "\"totalTokenCount\":37}}\r\n\r\ndata: {\"usageMetadata\":{\"promptTokenCount\":9,\"tot")
            << true << qint64(7) << qint64(30) << qint64(37) << kStream;
        // The fallback is the usage of an earlier event (line), never a name nested in the cut one: here a function
        // call's argument named "usage" comes before the event's own usageMetadata, which is cut off.
        QTest::newRow("cut after a nested usage name: the event before counts")
            << QByteArray("data: {\"usageMetadata\":{\"promptTokenCount\":7,\"candidatesTokenCount\":30,"
                          "\"totalTokenCount\":37}}\r\n\r\ndata: {\"candidates\":[{\"content\":{\"parts\":[{"
                          "\"functionCall\":{\"name\":\"f\",\"args\":{\"usage\":{\"total_tokens\":999}}}}]}}],"
                          "\"usageMetadata\":{\"promptTokenCount\":9,\"tot")
            << true << qint64(7) << qint64(30) << qint64(37) << kStream;
        QTest::newRow("a nested usage name before the event's own: the event's counts")
            << QByteArray("data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"f\","
                          "\"args\":{\"usage\":{\"total_tokens\":999}}}}]}}],\"usageMetadata\":{"
                          "\"promptTokenCount\":9,\"candidatesTokenCount\":1,\"totalTokenCount\":10}}\r\n\r\n")
            << true << qint64(9) << qint64(1) << qint64(10) << kBoth;
        QTest::newRow("openai stream: usage in the last chunk, then [DONE]")
            << QByteArray("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n"
                          "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6,"
                          "\"total_tokens\":11}}\n\ndata: [DONE]\n\n")
            << true << qint64(5) << qint64(6) << qint64(11) << kBoth;
        QTest::newRow("openai usage") << QByteArray(
            "{\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6,\"total_tokens\":11}}")
                                      << true << qint64(5) << qint64(6) << qint64(11) << kBoth;
        // Many names beginning with a quote and a u after the usage object, several in one 16-byte block: each is
        // looked at and passed over.
        QTest::newRow("names like usage after it") << QByteArray(
            "{\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6,\"total_tokens\":11},\"u\":\"u\",\"uu\":{"
            "\"u\":\"usag\"},\"users\":[\"u\",\"u\",\"usage2\"],\"usages\":1,\"u\":\"usagE\"}")
                                                   << true << qint64(5) << qint64(6) << qint64(11) << kBoth;
        QTest::newRow("two usage names a few bytes apart: the later counts")
            << QByteArray(
                   "{\"usage\":0}\n{\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6,\"total_tokens\":11}}")
            << true << qint64(5) << qint64(6) << qint64(11) << kBoth;
        QTest::newRow("quoted in text is not usage")
            << QByteArray("{\"text\":\"say \\\"usage\\\": {\\\"total_tokens\\\": 5} and \\\"usageMetadata\\\":{}\"}")
            << false << qint64(0) << qint64(0) << qint64(0) << kBoth;
        QTest::newRow("other names starting with usage") << QByteArray("{\"usageLimits\":{\"totalTokenCount\":4}}")
                                                         << false << qint64(0) << qint64(0) << qint64(0) << kBoth;
        QTest::newRow("object never closed") << QByteArray("{\"usageMetadata\":{\"promptTokenCount\":4") << false
                                             << qint64(0) << qint64(0) << qint64(0) << kBoth;
        QTest::newRow("none") << QByteArray("{\"candidates\":[]}") << false << qint64(0) << qint64(0) << qint64(0)
                              << kBoth;
        // Strings and blanks are passed over 16 bytes at a time: escaped quotes, braces and a closing backslash in a
        // value, at every offset in a block, and Google's indentation.
        for (int pad = 0; pad <= 17; ++pad) {
            QTest::newRow(qPrintable(QStringLiteral("escapes in a value, %1 bytes in").arg(pad)))
                << "{\"usageMetadata\":{\"note\":\"" + QByteArray(pad, 'x')
                    + "\\\"}} ] \\\"totalTokenCount\\\":999 { [ and a backslash \\\\\",\"promptTokenCount\":3,"
                      "\"totalTokenCount\":4}}"
                << true << qint64(3) << qint64(0) << qint64(4) << kBoth;
        }
        // A usage object longer than the block a text starts in (384 bytes): fed in pieces, the text grows out of the
        // block into storage of its own, keeping what it held.
        QTest::newRow("longer than a block") << "{\"usageMetadata\":{\"note\":\"" + QByteArray(1200, 'n')
                + "\",\"promptTokenCount\":7,"
                  "\"candidatesTokenCount\":8,\"totalTokenCount\":15}}"
                                             << true << qint64(7) << qint64(8) << qint64(15) << kBoth;
        QTest::newRow("indented") << QByteArray("{\n  \"usageMetadata\": {\n    \"promptTokenCount\": 10,\n    "
                                                "\"candidatesTokenCount\": 18,\n    \"totalTokenCount\": 28,\n    "
                                                "\"promptTokensDetails\": [\n      {\n        \"modality\": "
                                                "\"TEXT\",\n        \"tokenCount\": 10\n      }\n    ]\n  },\n  "
                                                "\"modelVersion\": \"gemini-2.5-flash\"\n}\n")
                                  << true << qint64(10) << qint64(18) << qint64(28) << kBoth;
        // One object (a unary answer): what a stream falls back to is nothing here. Cut inside its usage object, an
        // indented answer has a name nested in its content on an earlier line (a function call's argument): not
        // counted; nor is the stream's last complete object in a body that is not a stream.
        QTest::newRow("one object cut after a nested usage name: unknown")
            << QByteArray("{\n  \"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"name\": \"f\",\n"
                          "    \"args\": {\"usage\": {\"total_tokens\": 999}}}}]}}],\n  \"usageMetadata\": {\n"
                          "    \"promptTokenCount\": 9,\n    \"tot")
            << false << qint64(0) << qint64(0) << qint64(0) << kOneObject;
        QTest::newRow("one object: a cut later object is not fallen back from")
            << QByteArray("data: {\"usageMetadata\":{\"promptTokenCount\":7,\"candidatesTokenCount\":30,"
                          "\"totalTokenCount\":37}}\r\n\r\ndata: {\"usageMetadata\":{\"promptTokenCount\":9,\"tot")
            << false << qint64(0) << qint64(0) << qint64(0) << kOneObject;
    }

    void counts()
    {
        QFETCH(QByteArray, body);
        QFETCH(bool, known);
        QFETCH(qint64, prompt);
        QFETCH(qint64, output);
        QFETCH(qint64, total);
        QFETCH(int, modes);
        for (const bool oneObject : { false, true }) {
            if (!(modes & (oneObject ? kOneObject : kStream))) {
                continue;
            }
            for (qsizetype chunk = 1; chunk <= body.size(); ++chunk) {
                const ga::keys::Usage u = sniff(body, chunk, oneObject);
                const QByteArray where
                    = "chunks of " + QByteArray::number(chunk) + (oneObject ? " (one object)" : " (stream)");
                QVERIFY2(u.known == known, where.constData());
                QVERIFY2(u.promptTokens == prompt, where.constData());
                QVERIFY2(u.outputTokens == output, where.constData());
                QVERIFY2(u.totalTokens == total, where.constData());
            }
        }
    }

    // A long stream keeps a bounded tail, and usage at its end is still found.
    void longStreamEndsWithUsage()
    {
        UsageSniffer s;
        const QByteArray filler = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"" + QByteArray(900, 'x')
            + "\"}]}}]}\r\n\r\n";
        for (int i = 0; i < 2000; ++i) {
            s.feed(filler);
        }
        s.feed("data: {\"usageMetadata\":{\"promptTokenCount\":2,\"candidatesTokenCount\":3,\"totalTokenCount\":5}}");
        QCOMPARE(s.result().totalTokens, qint64(5));
        QCOMPARE(s.result().outputTokens, qint64(3));
    }
};

QTEST_GUILESS_MAIN(TestUsageSniffer)
#include "tst_usagesniffer.moc"
