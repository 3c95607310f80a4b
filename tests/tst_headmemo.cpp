// SPDX-License-Identifier: GPL-3.0-or-later
// The parsers' memos (core/http: the thread's last request line, its last request and answer head's lines, runs of
// kept lines) against random heads in sequence: thousands of heads made from real ones by random edits (bytes
// changed, inserted, removed; lines repeated, dropped, swapped; the head cut short), parsed one after another on one
// thread, so each parse meets the memo the heads before it left, and each compared with a parse of the same bytes on
// a thread that kept nothing. A process of its own: the heads' values fill the permanent store's share for clients,
// which other tests count on (tst_requestparser).
#include "http/headers.h"
#include "http/limits.h"
#include "http/requestparser.h"

#include <QRandomGenerator>
#include <QTest>

#include <thread>

using namespace ga::http;

namespace {

QByteArray describeRequest(const QByteArray &head, const Limits &limits)
{
    Request r;
    const ParseOutcome o = parseRequestHead(head, limits, &r);
    QByteArray d = QByteArray::number(int(o.state)) + ' ' + QByteArray::number(o.status) + ' ' + o.reason + ' '
        + QByteArray::number(o.consumed) + '\n';
    if (o.state == ParseOutcome::Complete) {
        d += r.method + ' ' + r.target + ' ' + r.path + ' ' + (r.query.isNull() ? "(none)" : r.query) + ' '
            + QByteArray::number(r.versionMinor) + ' ' + QByteArray::number(int(r.bodyKind)) + ' '
            + QByteArray::number(r.contentLength) + ' ' + QByteArray::number(r.keepAlive) + ' '
            + QByteArray::number(r.expectContinue) + '\n';
        appendHeaders(d, r.headers);
    }
    return d;
}

QByteArray describeAnswer(const QByteArray &head, const Limits &limits)
{
    Response r;
    const ParseOutcome o = parseResponseHead(head, false, limits.maxHeaderBytes, &r);
    QByteArray d = QByteArray::number(int(o.state)) + ' ' + QByteArray::number(o.status) + ' ' + o.reason + ' '
        + QByteArray::number(o.consumed) + '\n';
    if (o.state == ParseOutcome::Complete) {
        d += QByteArray::number(r.status) + ' ' + r.reason + ' ' + QByteArray::number(int(r.bodyKind)) + ' '
            + QByteArray::number(r.contentLength) + '\n';
        appendHeaders(d, r.headers);
    }
    return d;
}

QList<QByteArray> linesOf(const QByteArray &head)
{
    QList<QByteArray> lines;
    qsizetype at = 0;
    while (at < head.size()) {
        const qsizetype nl = head.indexOf('\n', at);
        const qsizetype end = nl < 0 ? head.size() : nl + 1;
        lines.append(head.sliced(at, end - at));
        at = end;
    }
    return lines;
}

// `base` with a few random edits.
QByteArray edited(const QByteArray &base, QRandomGenerator &rng)
{
    static const QByteArray kChars = QByteArray("xX \t:\r\n\x7f./?%0-;=,") + '\0';
    QByteArray head = base;
    const int edits = int(rng.bounded(4));
    for (int e = 0; e < edits && !head.isEmpty(); ++e) {
        const qsizetype at = qsizetype(rng.bounded(quint32(head.size())));
        const char c
            = rng.bounded(8) == 0 ? char(rng.bounded(256)) : kChars[qsizetype(rng.bounded(quint32(kChars.size())))];
        switch (rng.bounded(7)) {
        case 0:
            head[at] = c;
            break;
        case 1:
            head.insert(at, c);
            break;
        case 2:
            head.remove(at, 1);
            break;
        case 3:
        case 4:
        case 5: { // a line repeated, dropped, or two swapped (the blank line's place kept)
            QList<QByteArray> lines = linesOf(head);
            if (lines.size() < 3) {
                break;
            }
            const qsizetype i = 1 + qsizetype(rng.bounded(quint32(lines.size() - 2)));
            const qsizetype j = 1 + qsizetype(rng.bounded(quint32(lines.size() - 2)));
            const quint32 kind = rng.bounded(3);
            if (kind == 0) {
                lines.insert(i, lines[i]);
            } else if (kind == 1) {
                lines.removeAt(i);
            } else {
                lines.swapItemsAt(i, j);
            }
            head = lines.join();
            break;
        }
        default:
            head.truncate(at); // cut short
            break;
        }
    }
    return head;
}

} // namespace

class TestHeadMemo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void randomHeadsInSequence()
    {
        const QList<QByteArray> requests {
            "POST /v1beta/models/gemini-2.5-flash:generateContent HTTP/1.1\r\nHost: localhost:3145\r\n"
            "Content-Type: application/json\r\nx-goog-api-key: gat_aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
            "User-Agent: google-genai-sdk/1.30.0 gl-node/v22.12.0\r\nAccept: */*\r\nContent-Length: 2\r\n\r\n",
            "GET /v1beta/models?pageSize=5&alt=json HTTP/1.1\r\nHost: localhost:3145\r\nConnection: close\r\n\r\n",
            "GET http://example.com/v1beta/models HTTP/1.1\r\nHost: other\r\n\r\n",
            "POST /v1beta/openai/chat/completions HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer gat_bbbbbbbb\r\n"
            "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\nX-A: 1\r\nX-B: 2\r\nX-C: 3\r\n\r\n",
        };
        const QList<QByteArray> answers {
            "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\nVary: Origin\r\nVary: X-Origin\r\n"
            "Date: Sun, 23 Nov 2025 17:00:00 GMT\r\nServer: scaffolding on HTTPServer2\r\n"
            "X-XSS-Protection: 0\r\nServer-Timing: gfet4t7; dur=417\r\nContent-Length: 2\r\n\r\n",
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        };
        QRandomGenerator rng(20261207);
        int compared = 0;
        int complete = 0;
        for (int i = 0; i < 6000; ++i) {
            const bool request = rng.bounded(3) != 0;
            const QList<QByteArray> &bases = request ? requests : answers;
            const QByteArray &base = bases[qsizetype(rng.bounded(quint32(bases.size())))];
            Limits limits;
            if (rng.bounded(6) == 0) { // tighter limits now and then (the settings changed)
                limits.maxHeaderBytes = 60 + qsizetype(rng.bounded(300));
                limits.maxHeaderCount = 1 + int(rng.bounded(8));
                limits.maxRequestLineBytes = 20 + qsizetype(rng.bounded(80));
            }
            const auto describe = [request, &limits](const QByteArray &head) {
                return request ? describeRequest(head, limits) : describeAnswer(head, limits);
            };
            for (int keep = int(rng.bounded(3)); keep > 0; --keep) {
                describe(base); // the base kept (its fields made permanent on the second)
            }
            const QByteArray head = edited(base, rng);
            const QByteArray got = describe(head);
            QByteArray want;
            std::thread([&] { want = describe(head); }).join();
            if (got != want) {
                qWarning().noquote() << "head:" << head.toPercentEncoding(" :/;=,.?*-_");
            }
            QCOMPARE(got, want);
            ++compared;
            complete += got.startsWith('1') ? 1 : 0;
        }
        QCOMPARE(compared, 6000);
        QVERIFY2(complete > 1500, QByteArray::number(complete).constData()); // the memos were met, not only errors
    }
};

QTEST_GUILESS_MAIN(TestHeadMemo)
#include "tst_headmemo.moc"
