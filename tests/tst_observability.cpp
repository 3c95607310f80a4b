// SPDX-License-Identifier: GPL-3.0-or-later
// What the proxy tells about itself: /metrics counted against a known workload (and checked by promtool when it
// is installed), /readyz and /healthz, the request history and the access log. The proxy runs in front of the
// fake Gemini upstream; raw sockets drive it so every byte is visible.
#include "fakegemini/fakegemini.h"
#include "keys/failure.h"
#include "keys/keypool.h"
#include "logging/messagehandler.h"
#include "metrics/recorder.h"
#include "proxy/proxyserver.h"
#include "proxy/proxysettings.h"
#include "rawhttp.h"
#include "testsupport.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QProcess>
#include <QScopeGuard>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryFile>
#include <QTest>

#include <limits>

using ga::test::Behaviour;
using ga::test::Client;
using ga::test::FakeGemini;
using ga::test::fakeKey;
using ga::test::post;
using ga::test::Reply;

namespace {

const QByteArray kModel = "gemini-2.5-flash";
const QByteArray kGenerate = "/v1beta/models/gemini-2.5-flash:generateContent";
const QByteArray kStreamPath = "/v1beta/models/gemini-2.5-flash:streamGenerateContent";
const QByteArray kStream = kStreamPath + "?alt=sse";
const QByteArray kUnknownApi = "/v1beta/noSuchEndpoint";
const QByteArray kOpenAi = "/v1beta/openai/chat/completions";
const QByteArray kPrompt = R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})";
const QByteArray kOpenAiPrompt = R"({"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"}]})";
const QString kTokenName = QStringLiteral("obs-client");
const QByteArray kToken = "gat_obsTestToken_4f9c2a7d1e8b6053";
// Distinctive ids, so a search for them in a response body cannot hit an unrelated word.
const QString kIdA = QStringLiteral("obs-key-alpha");
const QString kIdB = QStringLiteral("obs-key-bravo");
const QString kIdLimited = QStringLiteral("obs-key-limited");

QByteArray get(const QByteArray &path, const QByteArray &extraHeaders = {})
{
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders + "\r\n";
}

QByteArray apiKeyHeader()
{
    return "x-goog-api-key: " + kToken + "\r\n";
}

// ---------------------------------------------------------------------------------------------------------------
// The access log: every "ga.access" message, captured from whichever thread logs it.

QMutex g_logMutex;
QStringList g_accessLines;
QtMessageHandler g_previousHandler = nullptr;

void captureAccessLog(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (context.category && qstrcmp(context.category, "ga.access") == 0) {
        QMutexLocker lock(&g_logMutex);
        g_accessLines.append(message);
        return;
    }
    if (g_previousHandler) {
        g_previousHandler(type, context, message);
    } else {
        fprintf(stderr, "%s\n", qPrintable(qFormatLogMessage(type, context, message)));
    }
}

QStringList accessLines()
{
    QMutexLocker lock(&g_logMutex);
    return g_accessLines;
}

qsizetype accessLineCount()
{
    QMutexLocker lock(&g_logMutex);
    return g_accessLines.size();
}

// ---------------------------------------------------------------------------------------------------------------
// A parser for the Prometheus text exposition format (0.0.4), strict enough to catch what a scraper would
// reject: samples before their # TYPE, families split in two, duplicate label names, bad escapes, bad values.

struct Sample
{
    QByteArray name;
    QList<QPair<QByteArray, QString>> labels;
    double value = 0;

    QString label(const QByteArray &n) const
    {
        for (const auto &l : labels) {
            if (l.first == n) {
                return l.second;
            }
        }
        return QString();
    }
    bool hasLabel(const QByteArray &n) const
    {
        for (const auto &l : labels) {
            if (l.first == n) {
                return true;
            }
        }
        return false;
    }
};

struct Exposition
{
    QList<Sample> samples;
    QHash<QByteArray, QByteArray> types; // family → counter / gauge / histogram / …
    QString error; // the first problem; empty when well-formed

    QList<Sample> named(const QByteArray &name) const
    {
        QList<Sample> out;
        for (const Sample &s : samples) {
            if (s.name == name) {
                out.append(s);
            }
        }
        return out;
    }
    // Sum of the samples of `name` whose labels include every pair of `match`.
    double sum(const QByteArray &name, const QList<QPair<QByteArray, QString>> &match = {}) const
    {
        double total = 0;
        for (const Sample &s : samples) {
            if (s.name != name) {
                continue;
            }
            bool all = true;
            for (const auto &m : match) {
                all = all && s.hasLabel(m.first) && s.label(m.first) == m.second;
            }
            total += all ? s.value : 0;
        }
        return total;
    }
    int count(const QByteArray &name) const { return int(named(name).size()); }
};

bool isNameStart(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

bool isNameChar(char c)
{
    return isNameStart(c) || (c >= '0' && c <= '9');
}

bool parseValue(const QByteArray &text, double *out)
{
    if (text == "+Inf") {
        *out = std::numeric_limits<double>::infinity();
        return true;
    }
    if (text == "-Inf") {
        *out = -std::numeric_limits<double>::infinity();
        return true;
    }
    if (text == "NaN") {
        *out = std::numeric_limits<double>::quiet_NaN();
        return true;
    }
    bool ok = false;
    *out = text.toDouble(&ok);
    return ok && !text.isEmpty();
}

// One sample line; an error message when it does not parse.
QString parseSample(const QByteArray &line, Sample *s)
{
    qsizetype i = 0;
    const qsizetype n = line.size();
    if (n == 0 || !isNameStart(line.at(0))) {
        return QStringLiteral("bad metric name");
    }
    while (i < n && isNameChar(line.at(i))) {
        ++i;
    }
    s->name = line.first(i);
    if (i < n && line.at(i) == '{') {
        ++i;
        QSet<QByteArray> seen;
        while (i < n && line.at(i) != '}') {
            const qsizetype start = i;
            if (!isNameStart(line.at(i)) || line.at(i) == ':') {
                return QStringLiteral("bad label name");
            }
            while (i < n && isNameChar(line.at(i)) && line.at(i) != ':') {
                ++i;
            }
            const QByteArray labelName = line.mid(start, i - start);
            if (seen.contains(labelName)) {
                return QStringLiteral("label %1 given twice").arg(QString::fromLatin1(labelName));
            }
            seen.insert(labelName);
            if (i + 1 >= n || line.at(i) != '=' || line.at(i + 1) != '"') {
                return QStringLiteral("label %1 is not followed by =\"").arg(QString::fromLatin1(labelName));
            }
            i += 2;
            QByteArray value;
            for (;;) {
                if (i >= n) {
                    return QStringLiteral("unterminated label value");
                }
                const char c = line.at(i);
                if (c == '"') {
                    ++i;
                    break;
                }
                if (c == '\\') {
                    if (i + 1 >= n) {
                        return QStringLiteral("dangling backslash in a label value");
                    }
                    const char e = line.at(i + 1);
                    if (e == '\\' || e == '"') {
                        value += e;
                    } else if (e == 'n') {
                        value += '\n';
                    } else {
                        return QStringLiteral("bad escape \\%1 in a label value").arg(QLatin1Char(e));
                    }
                    i += 2;
                    continue;
                }
                value += c;
                ++i;
            }
            s->labels.append({ labelName, QString::fromUtf8(value) });
            if (i < n && line.at(i) == ',') {
                ++i;
            } else if (i < n && line.at(i) != '}') {
                return QStringLiteral("expected , or } after a label");
            }
        }
        if (i >= n) {
            return QStringLiteral("unterminated label set");
        }
        ++i; // '}'
    }
    if (i >= n || line.at(i) != ' ') {
        return QStringLiteral("no space before the value");
    }
    const QList<QByteArray> rest = line.sliced(i + 1).split(' ');
    if (rest.size() > 2 || !parseValue(rest.at(0), &s->value)) {
        return QStringLiteral("bad value");
    }
    if (rest.size() == 2) {
        bool ok = false;
        rest.at(1).toLongLong(&ok);
        if (!ok) {
            return QStringLiteral("bad timestamp");
        }
    }
    return QString();
}

Exposition parseExposition(const QByteArray &text)
{
    Exposition e;
    auto fail = [&e](int lineNo, const QByteArray &line, const QString &why) {
        if (e.error.isEmpty()) {
            e.error = QStringLiteral("line %1 (%2): %3").arg(lineNo).arg(QString::fromUtf8(line), why);
        }
    };
    if (!text.endsWith('\n')) {
        fail(0, QByteArray(), QStringLiteral("the exposition does not end with a newline"));
    }
    QSet<QByteArray> withSamples; // families that have had samples
    QSet<QByteArray> finished; // families whose run of samples has ended
    QSet<QByteArray> helped;
    QByteArray current; // family of the last sample
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype k = 0; k < lines.size(); ++k) {
        const QByteArray &line = lines.at(k);
        const int lineNo = int(k) + 1;
        if (line.isEmpty()) {
            continue;
        }
        if (line.startsWith('#')) {
            const QList<QByteArray> parts = line.split(' ');
            if (parts.size() < 3 || parts.at(0) != "#") {
                continue; // a plain comment
            }
            const QByteArray &family = parts.at(2);
            if (parts.at(1) == "TYPE") {
                static const QSet<QByteArray> known { "counter", "gauge", "histogram", "summary", "untyped" };
                if (parts.size() != 4 || !known.contains(parts.at(3))) {
                    fail(lineNo, line, QStringLiteral("malformed # TYPE"));
                } else if (e.types.contains(family)) {
                    fail(lineNo, line, QStringLiteral("second # TYPE for the family"));
                } else if (withSamples.contains(family)) {
                    fail(lineNo, line, QStringLiteral("# TYPE after the family's samples"));
                }
                e.types.insert(family, parts.size() > 3 ? parts.at(3) : QByteArray());
            } else if (parts.at(1) == "HELP") {
                if (helped.contains(family)) {
                    fail(lineNo, line, QStringLiteral("second # HELP for the family"));
                } else if (withSamples.contains(family)) {
                    fail(lineNo, line, QStringLiteral("# HELP after the family's samples"));
                }
                helped.insert(family);
            }
            continue;
        }
        Sample s;
        const QString why = parseSample(line, &s);
        if (!why.isEmpty()) {
            fail(lineNo, line, why);
            continue;
        }
        QByteArray family = s.name;
        for (const char *suffix : { "_bucket", "_sum", "_count" }) {
            if (s.name.endsWith(suffix)) {
                const QByteArray base = s.name.chopped(qsizetype(qstrlen(suffix)));
                if (e.types.value(base) == "histogram" || e.types.value(base) == "summary") {
                    family = base;
                }
            }
        }
        if (!e.types.contains(family)) {
            fail(lineNo, line,
                QStringLiteral("sample without a preceding # TYPE for %1").arg(QString::fromLatin1(family)));
        }
        if (family != current) {
            if (finished.contains(family)) {
                fail(lineNo, line,
                    QStringLiteral("the samples of %1 are not together").arg(QString::fromLatin1(family)));
            }
            if (!current.isEmpty()) {
                finished.insert(current);
            }
            current = family;
        }
        withSamples.insert(family);
        e.samples.append(s);
    }
    return e;
}

// Checks one histogram family: per label set (without le), buckets with increasing bounds, non-decreasing counts,
// ending with le="+Inf" equal to _count. Returns the total _count over every label set; sets *error on a problem.
quint64 checkHistogram(const Exposition &e, const QByteArray &name, QString *error)
{
    auto key = [](const Sample &s) {
        QStringList parts;
        for (const auto &l : s.labels) {
            if (l.first != "le") {
                parts.append(QString::fromLatin1(l.first) + u'=' + l.second);
            }
        }
        return parts.join(u',');
    };
    QHash<QString, QList<Sample>> buckets;
    QStringList order;
    for (const Sample &s : e.named(name + "_bucket")) {
        if (!s.hasLabel("le")) {
            *error = QStringLiteral("%1_bucket without le").arg(QString::fromLatin1(name));
            return 0;
        }
        if (!buckets.contains(key(s))) {
            order.append(key(s));
        }
        buckets[key(s)].append(s);
    }
    QHash<QString, double> counts;
    for (const Sample &s : e.named(name + "_count")) {
        counts.insert(key(s), s.value);
    }
    QHash<QString, double> sums;
    for (const Sample &s : e.named(name + "_sum")) {
        sums.insert(key(s), s.value);
    }
    if (order.size() != counts.size() || order.size() != sums.size()) {
        *error = QStringLiteral("%1: %2 bucket sets, %3 _count, %4 _sum")
                     .arg(QString::fromLatin1(name))
                     .arg(order.size())
                     .arg(counts.size())
                     .arg(sums.size());
        return 0;
    }
    quint64 total = 0;
    for (const QString &set : order) {
        const QList<Sample> &b = buckets.value(set);
        double previousBound = -std::numeric_limits<double>::infinity();
        double previousCount = 0;
        for (const Sample &s : b) {
            double bound = 0;
            if (!parseValue(s.label("le").toLatin1(), &bound) || !(bound > previousBound)) {
                *error = QStringLiteral("%1{%2}: le=\"%3\" does not increase")
                             .arg(QString::fromLatin1(name), set, s.label("le"));
                return 0;
            }
            if (s.value < previousCount) {
                *error = QStringLiteral("%1{%2}: bucket le=\"%3\" holds %4, less than the one before (%5)")
                             .arg(QString::fromLatin1(name), set, s.label("le"))
                             .arg(s.value)
                             .arg(previousCount);
                return 0;
            }
            previousBound = bound;
            previousCount = s.value;
        }
        if (b.isEmpty() || b.last().label("le") != u"+Inf") {
            *error = QStringLiteral("%1{%2}: the last bucket is not le=\"+Inf\"").arg(QString::fromLatin1(name), set);
            return 0;
        }
        if (!counts.contains(set) || b.last().value != counts.value(set)) {
            *error = QStringLiteral("%1{%2}: +Inf bucket %3 != _count %4")
                         .arg(QString::fromLatin1(name), set)
                         .arg(b.last().value)
                         .arg(counts.value(set));
            return 0;
        }
        if (!(sums.value(set) >= 0)) {
            *error = QStringLiteral("%1{%2}: negative _sum").arg(QString::fromLatin1(name), set);
            return 0;
        }
        total += quint64(counts.value(set));
    }
    return total;
}

// What one request of the workload should leave in the history.
struct Expected
{
    QString method;
    QString path;
    int status = 0;
    QString client;
    QString kind;
    QString model;
    bool stream = false;
    bool upstream = false; // reached the upstream (has attempts)
    bool retried = false; // first attempt rate-limited, second fine
    qint64 bodyBytes = 0; // what the client received as the body
};

} // namespace

class TestObservability : public QObject
{
    Q_OBJECT

    std::unique_ptr<FakeGemini> m_fake;
    ga::keys::KeyPool m_keys;
    std::unique_ptr<ga::proxy::ProxyServer> m_proxy;
    QString m_secretA, m_secretB, m_secretLimited;

    // What this test made the proxy record, cumulatively (any test function order).
    int m_made = 0;
    int m_made2xx = 0;
    int m_made4xx = 0;
    int m_madeOpenAi = 0;
    int m_madeLocal = 0;
    int m_madeUpstream = 0;
    int m_madeRetries = 0;
    int m_madeUnauthenticated = 0;

    // The workload, once.
    bool m_workloadTried = false;
    bool m_workloadDone = false;
    std::vector<Expected> m_expected;
    std::vector<ga::metrics::AccessRecord> m_workloadHistory;
    QStringList m_workloadLines;

    ga::proxy::SettingsPtr settings(const std::function<void(ga::config::Config &)> &tweak = {}) const
    {
        ga::config::Config c;
        c.upstreamBaseUrl = m_fake->baseUrl();
        c.maxAttempts = 3;
        if (tweak) {
            tweak(c);
        }
        QString error;
        ga::proxy::SettingsPtr s = ga::proxy::settingsFromConfig(c, &error);
        Q_ASSERT(s);
        return s;
    }

    quint16 port() const { return m_proxy->port(); }

    QStringList secrets() const { return { m_secretA, m_secretB, m_secretLimited, QString::fromLatin1(kToken) }; }

    void countMade(int status, const QString &kind, bool upstream, int retries)
    {
        ++m_made;
        m_made2xx += status / 100 == 2 ? 1 : 0;
        m_made4xx += status / 100 == 4 ? 1 : 0;
        m_madeOpenAi += kind == u"openai" ? 1 : 0;
        m_madeLocal += kind == u"local" ? 1 : 0;
        m_madeUpstream += upstream ? 1 : 0;
        m_madeRetries += retries;
        m_madeUnauthenticated += status == 401 ? 1 : 0;
    }

    // Waits until the recorder has `total` requests and the access log `lines` lines (both are written on the
    // worker thread, before the response leaves its socket buffer, but the wait costs nothing).
    void waitForRecords(quint64 total, qsizetype lines)
    {
        QTRY_COMPARE_WITH_TIMEOUT(m_proxy->recorder()->requestsTotal(), total, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(accessLineCount() >= lines, 5000);
        QCOMPARE(accessLineCount(), lines);
    }

    QByteArray scrape(Reply *reply = nullptr)
    {
        Client c(port());
        c.send(get("/metrics"));
        const Reply r = c.read();
        if (reply) {
            *reply = r;
        }
        return r.status == 200 && r.complete ? r.body : QByteArray();
    }

    // One request of the workload on `c`; checks the status and notes what the history should hold.
    void workloadRequest(Client &c, const QByteArray &raw, Expected e)
    {
        c.send(raw);
        countMade(e.status, e.kind, e.upstream, e.retried ? 1 : 0);
        const Reply r = c.read();
        QVERIFY2(r.complete, qPrintable(e.path));
        QCOMPARE(r.status, e.status);
        e.bodyBytes = r.body.size();
        m_expected.push_back(e);
    }

    void runWorkload()
    {
        const qsizetype linesBefore = accessLineCount();
        const size_t historyBefore = m_proxy->recorder()->history().size();
        const quint64 totalBefore = m_proxy->recorder()->requestsTotal();
        m_keys.setKeys({ { kIdA, m_secretA.toLatin1(), {}, 1, true }, { kIdB, m_secretB.toLatin1(), {}, 1, true } });
        m_fake->clearRequests();
        Client c(port());
        const QString client = kTokenName;
        const Expected generate { QStringLiteral("POST"), QString::fromLatin1(kGenerate), 200, client,
            QStringLiteral("native"), QString::fromLatin1(kModel), false, true, false, 0 };

        // Probes and scrapes on the same connection count for nothing.
        for (const QByteArray &probe :
            { QByteArray("/healthz"), QByteArray("/readyz"), QByteArray("/"), QByteArray("/metrics") }) {
            c.send(get(probe));
            QCOMPARE(c.read().status, 200);
        }
        for (int i = 0; i < 7; ++i) {
            workloadRequest(c, post(kGenerate, kPrompt, apiKeyHeader()), generate);
            if (QTest::currentTestFailed()) {
                return;
            }
        }
        Expected stream = generate;
        stream.path = QString::fromLatin1(kStreamPath);
        stream.stream = true;
        for (int i = 0; i < 3; ++i) {
            workloadRequest(c, post(kStream, kPrompt, apiKeyHeader()), stream);
            if (QTest::currentTestFailed()) {
                return;
            }
        }
        // An API path Google does not have: its HTML 404, passed on.
        workloadRequest(c, get(kUnknownApi, apiKeyHeader()),
            { QStringLiteral("GET"), QString::fromLatin1(kUnknownApi), 404, client, QStringLiteral("native"), QString(),
                false, true, false, 0 });
        if (QTest::currentTestFailed()) {
            return;
        }
        workloadRequest(c, post(kOpenAi, kOpenAiPrompt, "Authorization: Bearer " + kToken + "\r\n"),
            { QStringLiteral("POST"), QString::fromLatin1(kOpenAi), 200, client, QStringLiteral("openai"),
                QString::fromLatin1(kModel), false, true, false, 0 });
        if (QTest::currentTestFailed()) {
            return;
        }
        // No token, and a wrong one: 401, never forwarded.
        workloadRequest(c, post(kGenerate, kPrompt),
            { QStringLiteral("POST"), QString::fromLatin1(kGenerate), 401, QString(), QStringLiteral("native"),
                QString(), false, false, false, 0 });
        workloadRequest(c, post(kGenerate, kPrompt, "x-goog-api-key: gat_notTheToken\r\n"),
            { QStringLiteral("POST"), QString::fromLatin1(kGenerate), 401, QString(), QStringLiteral("native"),
                QString(), false, false, false, 0 });
        if (QTest::currentTestFailed()) {
            return;
        }
        // Not an API path at all: answered by the proxy itself.
        workloadRequest(c, get("/nope", apiKeyHeader()),
            { QStringLiteral("GET"), QStringLiteral("/nope"), 404, QString(), QStringLiteral("local"), QString(), false,
                false, false, 0 });
        if (QTest::currentTestFailed()) {
            return;
        }
        // A rate-limited key first in line: 429 from the fake, then the next key serves it. setKeys starts the
        // round robin over, at the first key; clearing the limited key's state makes it usable again.
        Expected retried = generate;
        retried.retried = true;
        for (int i = 0; i < 2; ++i) {
            m_keys.clearKeyState(kIdLimited);
            m_keys.setKeys({ { kIdLimited, m_secretLimited.toLatin1(), {}, 1, true },
                { kIdA, m_secretA.toLatin1(), {}, 1, true }, { kIdB, m_secretB.toLatin1(), {}, 1, true } });
            workloadRequest(c, post(kGenerate, kPrompt, apiKeyHeader()), retried);
            if (QTest::currentTestFailed()) {
                return;
            }
        }
        for (const QByteArray &probe : { QByteArray("/healthz"), QByteArray("/readyz"), QByteArray("/metrics") }) {
            c.send(get(probe));
            QCOMPARE(c.read().status, 200);
        }

        // The fake saw exactly the forwarded requests plus one 429 per retried one.
        int upstream429 = 0;
        const auto seen = m_fake->requests();
        for (const auto &r : seen) {
            upstream429 += r.status == 429 ? 1 : 0;
        }
        QCOMPARE(int(seen.size()), 7 + 3 + 1 + 1 + 2 * 2);
        QCOMPARE(upstream429, 2);

        const qsizetype made = qsizetype(m_expected.size());
        QCOMPARE(made, 17);
        waitForRecords(totalBefore + quint64(made), linesBefore + made);
        if (QTest::currentTestFailed()) {
            return;
        }
        m_workloadHistory = m_proxy->recorder()->history();
        QCOMPARE(m_workloadHistory.size(), historyBefore + size_t(made));
        m_workloadLines = accessLines().mid(linesBefore);
        m_workloadDone = true;
    }

    void ensureWorkload()
    {
        if (m_workloadTried && !m_workloadDone) {
            QFAIL("the workload failed in an earlier test function (see its failure): nothing to check here");
        }
        if (!m_workloadDone) {
            m_workloadTried = true;
            runWorkload();
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_secretA = fakeKey(11);
        m_secretB = fakeKey(12);
        m_secretLimited = fakeKey(13);
        m_fake = std::make_unique<FakeGemini>();
        m_fake->setThreads(2);
        QVERIFY(m_fake->listen());
        m_fake->addKey(m_secretA, QStringLiteral("project-a"));
        m_fake->addKey(m_secretB, QStringLiteral("project-b"));
        m_fake->addKey(m_secretLimited, QStringLiteral("project-c"));
        m_fake->setBehaviour(m_secretLimited, Behaviour::RateLimited);
        m_keys.setKeys({ { kIdA, m_secretA.toLatin1(), {}, 1, true }, { kIdB, m_secretB.toLatin1(), {}, 1, true } });
        m_proxy = std::make_unique<ga::proxy::ProxyServer>(&m_keys, 2);
        m_proxy->authenticator()->setTokens({ { kTokenName, kToken } });
        m_proxy->applySettings(settings());
        QString error;
        QVERIFY2(m_proxy->listen(QStringLiteral("127.0.0.1"), 0, &error), qPrintable(error));
        g_previousHandler = qInstallMessageHandler(captureAccessLog);
    }

    void cleanupTestCase()
    {
        m_proxy.reset();
        qInstallMessageHandler(g_previousHandler);
        g_previousHandler = nullptr;
        m_fake.reset();
    }

    // The checker used below must be able to fail: malformed expositions are caught, escapes are read right.
    void checkerCatchesMalformedExposition_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("no final newline") << QByteArray("# TYPE a gauge\na 1");
        QTest::newRow("sample before its TYPE") << QByteArray("a_total 1\n# TYPE a_total counter\n");
        QTest::newRow("sample without TYPE") << QByteArray("# TYPE a gauge\na 1\nb 2\n");
        QTest::newRow("family split") << QByteArray("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"1\"} 2\n");
        QTest::newRow("TYPE twice") << QByteArray("# TYPE a gauge\n# TYPE a counter\na 1\n");
        QTest::newRow("bad escape") << QByteArray("# TYPE a gauge\na{l=\"\\x\"} 1\n");
        QTest::newRow("unterminated value") << QByteArray("# TYPE a gauge\na{l=\"v} 1\n");
        QTest::newRow("label twice") << QByteArray("# TYPE a gauge\na{l=\"1\",l=\"2\"} 1\n");
        QTest::newRow("bad value") << QByteArray("# TYPE a gauge\na 1x\n");
        QTest::newRow("no value") << QByteArray("# TYPE a gauge\na{l=\"1\"}\n");
        QTest::newRow("bad name") << QByteArray("# TYPE a gauge\n9a 1\n");
    }
    void checkerCatchesMalformedExposition()
    {
        QFETCH(QByteArray, text);
        QVERIFY(!parseExposition(text).error.isEmpty());
    }

    void checkerCatchesBadHistogram_data()
    {
        QTest::addColumn<QByteArray>("buckets");
        const QByteArray tail = "h_sum 1\nh_count 3\n";
        QTest::newRow("not cumulative") << QByteArray(
                                               "h_bucket{le=\"1\"} 3\nh_bucket{le=\"2\"} 2\nh_bucket{le=\"+Inf\"} 3\n")
                + tail;
        QTest::newRow("+Inf differs from _count")
            << QByteArray("h_bucket{le=\"1\"} 1\nh_bucket{le=\"2\"} 2\nh_bucket{le=\"+Inf\"} 2\n") + tail;
        QTest::newRow("no +Inf") << QByteArray("h_bucket{le=\"1\"} 1\nh_bucket{le=\"2\"} 3\n") + tail;
        QTest::newRow("bounds not increasing")
            << QByteArray("h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 3\n") + tail;
        QTest::newRow("no _count") << QByteArray("h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 3\nh_sum 1\n");
    }
    void checkerCatchesBadHistogram()
    {
        QFETCH(QByteArray, buckets);
        const Exposition e = parseExposition("# TYPE h histogram\n" + buckets);
        QVERIFY2(e.error.isEmpty(), qPrintable(e.error));
        QString error;
        checkHistogram(e, "h", &error);
        QVERIFY(!error.isEmpty());
    }

    // The recorder's own escaping of label values (quote, backslash, newline), read back by the checker.
    // The recorder remembers where the last record's labels counted: records repeating the labels before them,
    // records with new labels in between (the hashes grow and move their entries), tokens and a first byte only
    // sometimes: every counter ends as counted here, and no series appears that nothing counted into.
    void countersHoldAcrossRepeatedAndNewLabels()
    {
        ga::metrics::Recorder recorder;
        QHash<QString, double> requests, tokensIn, tokensOut; // by model label
        QHash<QString, double> ttfbCount, latencyCount; // by target kind
        for (int i = 0; i < 600; ++i) {
            ga::metrics::AccessRecord r;
            r.kind = QStringLiteral("native");
            // Runs of one model, and now and then one of 50 others (each new the first time).
            const QString model = i % 7 == 3 ? QStringLiteral("m%1").arg(i % 50) : QStringLiteral("gemini-2.5-flash");
            r.model = QString(model.constData(), model.size()); // a new allocation, as for a request
            r.status = i % 11 == 0 ? 429 : 200;
            r.mode = QStringLiteral("local");
            r.route = i % 13 == 0 ? QStringLiteral("relay-1") : QStringLiteral("direct");
            r.attempts.push_back({ QStringLiteral("k"), r.route, r.status, QStringLiteral("ok"), 3 });
            r.totalMs = 10;
            r.ttfbMs = i % 5 == 0 ? -1 : 4;
            r.tokensIn = i % 3 == 0 ? 0 : 7;
            r.tokensOut = i % 4 == 0 ? 0 : 11;
            recorder.record(r);
            requests[model] += 1;
            if (r.tokensIn) {
                tokensIn[model] += double(r.tokensIn);
            }
            if (r.tokensOut) {
                tokensOut[model] += double(r.tokensOut);
            }
            const QString target = r.route == u"direct" ? QStringLiteral("direct") : QStringLiteral("relay");
            latencyCount[target] += 1;
            if (r.ttfbMs >= 0) {
                ttfbCount[target] += 1;
            }
        }
        const Exposition e = parseExposition(recorder.renderPrometheus(ga::metrics::ScrapeState {}));
        QVERIFY(e.error.isEmpty());
        QCOMPARE(e.sum("ga_requests_total"), 600.0);
        for (auto it = requests.cbegin(); it != requests.cend(); ++it) {
            QCOMPARE(e.sum("ga_requests_total", { { "model", it.key() } }), it.value());
            QCOMPARE(e.sum("ga_tokens_total", { { "model", it.key() }, { "direction", QStringLiteral("in") } }),
                tokensIn.value(it.key()));
            QCOMPARE(e.sum("ga_tokens_total", { { "model", it.key() }, { "direction", QStringLiteral("out") } }),
                tokensOut.value(it.key()));
        }
        QCOMPARE(e.sum("ga_requests_total", { { "status_class", QStringLiteral("4xx") } }), 55.0); // i % 11 == 0
        // Models that counted no tokens in a direction have no series for it.
        QCOMPARE(e.count("ga_tokens_total"), int(tokensIn.size() + tokensOut.size()));
        for (const QString &target : { QStringLiteral("direct"), QStringLiteral("relay") }) {
            QCOMPARE(e.sum("ga_upstream_latency_seconds_count", { { "target", target } }), latencyCount[target]);
            QCOMPARE(e.sum("ga_upstream_ttfb_seconds_count", { { "target", target } }), ttfbCount[target]);
        }
    }

    void recorderEscapesLabelValues()
    {
        ga::metrics::Recorder recorder;
        ga::metrics::ScrapeState state;
        state.version = QStringLiteral("1.0 \"beta\" C:\\dir\nnext");
        const QString relay = QStringLiteral("re\"lay\\one\ntwo");
        state.relayHealthy.insert(relay, true);
        ga::metrics::AccessRecord r;
        r.kind = QStringLiteral("native");
        r.model = QStringLiteral("models/\"gemini\"\n-x");
        r.status = 200;
        r.route = QStringLiteral("direct");
        r.mode = QStringLiteral("local");
        r.attempts.push_back({ QStringLiteral("k"), QStringLiteral("direct"), 200, QStringLiteral("ok"), 3 });
        r.totalMs = 1500;
        r.ttfbMs = 40;
        recorder.record(r);
        const QByteArray text = recorder.renderPrometheus(state);
        const Exposition e = parseExposition(text);
        QVERIFY2(e.error.isEmpty(), qPrintable(e.error + u'\n' + QString::fromUtf8(text)));
        QCOMPARE(e.named("ga_build_info").value(0).label("version"), state.version);
        QCOMPARE(e.named("ga_relay_healthy").value(0).label("instance"), relay);
        QCOMPARE(e.sum("ga_relay_healthy"), 1.0);
        QCOMPARE(e.sum("ga_requests_total"), 1.0);
        const QString model = e.named("ga_requests_total").value(0).label("model");
        QVERIFY2(!model.contains(u'"') && !model.contains(u'\n') && !model.contains(u'/'), qPrintable(model));
        // 1.5 s lands in le="2.5" and above, not in le="1".
        QCOMPARE(e.sum("ga_upstream_latency_seconds_bucket", { { "le", QStringLiteral("1") } }), 0.0);
        QCOMPARE(e.sum("ga_upstream_latency_seconds_bucket", { { "le", QStringLiteral("2.5") } }), 1.0);
        QCOMPARE(e.sum("ga_upstream_ttfb_seconds_bucket", { { "le", QStringLiteral("0.05") } }), 1.0);
        QString error;
        QCOMPARE(checkHistogram(e, "ga_upstream_latency_seconds", &error), quint64(1));
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    // 1. The counters, histograms and gauges of /metrics against what the workload did.
    void metricsMatchWorkload()
    {
        ensureWorkload();
        if (QTest::currentTestFailed()) {
            return;
        }
        Reply reply;
        const QByteArray text = scrape(&reply);
        QCOMPARE(reply.status, 200);
        QVERIFY(reply.header("content-type").startsWith("text/plain; version=0.0.4"));
        QVERIFY(!text.isEmpty());
        const Exposition e = parseExposition(text);
        QVERIFY2(e.error.isEmpty(), qPrintable(e.error + u'\n' + QString::fromUtf8(text)));
        const QString dump = u'\n' + QString::fromUtf8(text);

        // Requests: each one once, by status class and kind; probes and scrapes not at all.
        QCOMPARE(e.types.value("ga_requests_total"), QByteArray("counter"));
        QVERIFY2(e.sum("ga_requests_total") == m_made, qPrintable(dump));
        QCOMPARE(quint64(m_made), m_proxy->recorder()->requestsTotal());
        QVERIFY2(
            e.sum("ga_requests_total", { { "status_class", QStringLiteral("2xx") } }) == m_made2xx, qPrintable(dump));
        QVERIFY2(
            e.sum("ga_requests_total", { { "status_class", QStringLiteral("4xx") } }) == m_made4xx, qPrintable(dump));
        QCOMPARE(m_made2xx + m_made4xx, m_made);
        QVERIFY2(
            e.sum("ga_requests_total", { { "kind", QStringLiteral("openai") } }) == m_madeOpenAi, qPrintable(dump));
        QVERIFY2(e.sum("ga_requests_total", { { "kind", QStringLiteral("local") } }) == m_madeLocal, qPrintable(dump));
        QVERIFY(m_madeOpenAi >= 1);
        for (const Sample &s : e.named("ga_requests_total")) {
            for (const char *label : { "kind", "model", "status_class", "mode", "target" }) {
                QVERIFY2(s.hasLabel(label), label);
            }
        }
        QVERIFY2(e.sum("ga_requests_total", { { "model", QString::fromLatin1(kModel) } }) >= 7 + 3 + 2 + 1,
            qPrintable(dump));

        QCOMPARE(e.count("ga_retries_total"), 1);
        QCOMPARE(e.sum("ga_retries_total"), double(m_madeRetries));
        QCOMPARE(m_madeRetries, 2);
        QCOMPARE(e.sum("ga_fallbacks_total"), 0.0);
        QCOMPARE(e.sum("ga_broken_streams_total"), 0.0);
        QCOMPARE(e.sum("ga_unauthenticated_total"), double(m_madeUnauthenticated));
        QCOMPARE(m_madeUnauthenticated, 2);
        QCOMPARE(e.sum("ga_rate_limited_total"), 0.0);
        QCOMPARE(e.sum("ga_active_streams"), 0.0);

        // The fake reports usageMetadata (prompt = body bytes / 4, output = reply bytes / 4).
        QVERIFY2(e.sum("ga_tokens_total",
                     { { "model", QString::fromLatin1(kModel) }, { "direction", QStringLiteral("in") } })
                > 0,
            qPrintable(dump));
        QVERIFY2(e.sum("ga_tokens_total",
                     { { "model", QString::fromLatin1(kModel) }, { "direction", QStringLiteral("out") } })
                > 0,
            qPrintable(dump));

        // Histograms: one observation per request that reached the upstream.
        QCOMPARE(e.types.value("ga_upstream_latency_seconds"), QByteArray("histogram"));
        QString error;
        const quint64 latencyCount = checkHistogram(e, "ga_upstream_latency_seconds", &error);
        QVERIFY2(error.isEmpty(), qPrintable(error + dump));
        QCOMPARE(latencyCount, quint64(m_madeUpstream));
        QCOMPARE(m_madeUpstream, 7 + 3 + 1 + 1 + 2);
        const quint64 ttfbCount = checkHistogram(e, "ga_upstream_ttfb_seconds", &error);
        QVERIFY2(error.isEmpty(), qPrintable(error + dump));
        QCOMPARE(ttfbCount, quint64(m_madeUpstream));
        QVERIFY(e.sum("ga_upstream_latency_seconds_sum") >= 0);

        // Key gauges: every key in exactly one state; the rate-limited key is cooling.
        QCOMPARE(e.sum("ga_keys"), double(m_keys.size()));
        QCOMPARE(e.sum("ga_keys", { { "state", QStringLiteral("cooling") } }), 1.0);
        QCOMPARE(e.sum("ga_keys", { { "state", QStringLiteral("active") } }), 2.0);
        QVERIFY(e.sum("ga_active_connections") >= 1); // the scrape itself
        QCOMPARE(e.count("ga_build_info"), 1);

        // No secret anywhere: neither a key nor the access token, in any label or line.
        for (const QString &secret : secrets()) {
            QVERIFY2(!text.contains(secret.toLatin1()), "a secret is in the exposition");
        }
        for (const Sample &s : e.samples) {
            for (const auto &l : s.labels) {
                for (const QString &secret : secrets()) {
                    QVERIFY2(!l.second.contains(secret), qPrintable(QString::fromLatin1(s.name)));
                }
            }
        }

        // Scraping again changes no counter.
        const Exposition again = parseExposition(scrape());
        QVERIFY2(again.error.isEmpty(), qPrintable(again.error));
        QCOMPARE(again.sum("ga_requests_total"), e.sum("ga_requests_total"));
        QCOMPARE(again.sum("ga_upstream_latency_seconds_count"), e.sum("ga_upstream_latency_seconds_count"));
        QCOMPARE(again.sum("ga_unauthenticated_total"), e.sum("ga_unauthenticated_total"));
        QCOMPARE(quint64(m_made), m_proxy->recorder()->requestsTotal());
    }

    // 2. promtool's own check of the exposition (lint included).
    void promtoolAcceptsMetrics()
    {
        const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
        if (promtool.isEmpty()) {
            QSKIP("promtool is not on PATH (Debian package 'prometheus'): the exposition was only checked by this "
                  "test's own parser (metricsMatchWorkload)");
        }
        ensureWorkload(); // so that every family has samples, histograms included
        if (QTest::currentTestFailed()) {
            return;
        }
        const QByteArray text = scrape();
        QVERIFY(!text.isEmpty());
        QVERIFY(text.contains("ga_upstream_latency_seconds_bucket"));
        QTemporaryFile file;
        QVERIFY(file.open());
        QCOMPARE(file.write(text), qint64(text.size()));
        file.close();
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.setStandardInputFile(file.fileName());
        p.start(promtool, { QStringLiteral("check"), QStringLiteral("metrics") });
        QVERIFY2(p.waitForFinished(30'000), "promtool did not finish");
        const QByteArray output = p.readAll();
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
            qPrintable(QStringLiteral("promtool check metrics exited with %1:\n%2\n--- exposition ---\n%3")
                           .arg(p.exitCode())
                           .arg(QString::fromUtf8(output), QString::fromUtf8(text))));
    }

    // 4. The request history: one record per request, newest last, as the workload made them.
    void historyMatchesWorkload()
    {
        ensureWorkload();
        if (QTest::currentTestFailed()) {
            return;
        }
        const std::vector<ga::metrics::AccessRecord> &all = m_workloadHistory;
        QVERIFY(all.size() >= m_expected.size());
        const size_t offset = all.size() - m_expected.size();
        quint64 previousId = 0;
        int streams = 0;
        for (size_t i = 0; i < m_expected.size(); ++i) {
            const ga::metrics::AccessRecord &r = all[offset + i];
            const Expected &x = m_expected[i];
            const QByteArray where = QStringLiteral("record %1 (%2 %3)").arg(i).arg(x.method, x.path).toUtf8();
            QVERIFY2(r.id > previousId, where.constData());
            previousId = r.id;
            QVERIFY2(r.method == x.method, where.constData());
            QVERIFY2(r.path == x.path, where.constData());
            QVERIFY2(r.status == x.status, qPrintable(where + " status " + QByteArray::number(r.status)));
            QVERIFY2(r.client == x.client, qPrintable(where + " client " + r.client.toUtf8()));
            QVERIFY2(r.kind == x.kind, qPrintable(where + " kind " + r.kind.toUtf8()));
            QVERIFY2(r.stream == x.stream, where.constData());
            QVERIFY2(!r.broken, where.constData());
            QVERIFY2(r.peer.contains(u"127.0.0.1"), qPrintable(where + " peer " + r.peer.toUtf8()));
            QVERIFY2(r.bytesOut == x.bodyBytes,
                qPrintable(where + " bytesOut " + QByteArray::number(r.bytesOut) + " != body "
                    + QByteArray::number(x.bodyBytes)));
            QVERIFY2(r.ttfbMs >= 0 && r.totalMs >= r.ttfbMs,
                qPrintable(
                    where + " ttfb " + QByteArray::number(r.ttfbMs) + " total " + QByteArray::number(r.totalMs)));
            QVERIFY2(r.startedMs > 0, where.constData());
            if (x.method == u"POST") {
                QVERIFY2(r.bytesIn > 0, where.constData());
            }
            if (!x.upstream) {
                QVERIFY2(r.attempts.empty(), where.constData());
                QVERIFY2(r.keyId.isEmpty(), where.constData());
                continue;
            }
            QVERIFY2(r.model == x.model, qPrintable(where + " model " + r.model.toUtf8()));
            QVERIFY2(!r.keyId.isEmpty(), where.constData());
            QVERIFY2(r.keyId != kIdLimited, where.constData());
            QVERIFY2(r.route == u"direct", qPrintable(where + " route " + r.route.toUtf8()));
            QVERIFY2(!r.attempts.empty(), where.constData());
            QVERIFY2(r.attempts.back().keyId == r.keyId, where.constData());
            QVERIFY2(r.attempts.back().status == x.status, where.constData());
            if (x.retried) {
                QVERIFY2(
                    r.attempts.size() == 2, qPrintable(where + " attempts " + QByteArray::number(r.attempts.size())));
                QCOMPARE(r.retries(), 1);
                const ga::metrics::Attempt &first = r.attempts.front();
                QCOMPARE(first.keyId, kIdLimited);
                QCOMPARE(first.route, QStringLiteral("direct"));
                QCOMPARE(first.status, 429);
                QCOMPARE(first.outcome, ga::keys::failureKindName(ga::keys::FailureKind::QuotaPerMinute));
                QVERIFY(first.ms >= 0);
                QCOMPARE(r.attempts.back().outcome, QStringLiteral("ok"));
                QCOMPARE(r.attempts.back().status, 200);
            } else {
                QVERIFY2(
                    r.attempts.size() == 1, qPrintable(where + " attempts " + QByteArray::number(r.attempts.size())));
            }
            if (x.status == 200 && x.kind == u"native") {
                QVERIFY2(r.tokensIn > 0 && r.tokensOut > 0,
                    qPrintable(
                        where + " tokens " + QByteArray::number(r.tokensIn) + "/" + QByteArray::number(r.tokensOut)));
            }
            if (x.stream) {
                ++streams;
                QVERIFY2(r.bytesOut > 0, where.constData());
            }
        }
        QCOMPARE(streams, 3);
    }

    // 4b. setHistorySize keeps the newest records only.
    void historySizeKeepsNewest()
    {
        ga::metrics::Recorder *recorder = m_proxy->recorder();
        auto restore = qScopeGuard([recorder] { recorder->setHistorySize(1000); });
        // Make sure there are more than three records.
        const quint64 total = recorder->requestsTotal();
        Client c(port());
        for (int i = 0; i < 4; ++i) {
            c.send(post(kGenerate, kPrompt, apiKeyHeader()));
            countMade(200, QStringLiteral("native"), true, 0);
            QCOMPARE(c.read().status, 200);
        }
        QTRY_COMPARE_WITH_TIMEOUT(recorder->requestsTotal(), total + 4, 5000);
        const std::vector<ga::metrics::AccessRecord> before = recorder->history();
        QVERIFY(before.size() > 3);
        recorder->setHistorySize(3);
        const std::vector<ga::metrics::AccessRecord> after = recorder->history();
        QCOMPARE(after.size(), size_t(3));
        for (size_t i = 0; i < 3; ++i) {
            QCOMPARE(after[i].id, before[before.size() - 3 + i].id);
        }
        QCOMPARE(recorder->history(2).size(), size_t(2));
        QCOMPARE(recorder->history(2).back().id, after.back().id);

        c.send(get("/nope"));
        countMade(404, QStringLiteral("local"), false, 0);
        QCOMPARE(c.read().status, 404);
        QTRY_COMPARE_WITH_TIMEOUT(recorder->requestsTotal(), total + 5, 5000);
        const std::vector<ga::metrics::AccessRecord> newest = recorder->history();
        QCOMPARE(newest.size(), size_t(3));
        QCOMPARE(newest[0].id, after[1].id);
        QCOMPARE(newest[1].id, after[2].id);
        QVERIFY(newest[2].id > after[2].id);
        QCOMPARE(newest[2].path, QStringLiteral("/nope"));
    }

    // 5a. The access log: one text line per request, with its id and status, and no secret.
    void accessLogOneLinePerRequest()
    {
        ensureWorkload();
        if (QTest::currentTestFailed()) {
            return;
        }
        const size_t n = m_expected.size();
        QCOMPARE(size_t(m_workloadLines.size()), n);
        const size_t offset = m_workloadHistory.size() - n;
        for (size_t i = 0; i < n; ++i) {
            const ga::metrics::AccessRecord &r = m_workloadHistory[offset + i];
            const QString prefix = QStringLiteral("#%1 ").arg(r.id);
            int found = 0;
            QString line;
            for (const QString &l : std::as_const(m_workloadLines)) {
                if (l.startsWith(prefix)) {
                    ++found;
                    line = l;
                }
            }
            QVERIFY2(found == 1, qPrintable(QStringLiteral("%1 lines for request %2").arg(found).arg(r.id)));
            QVERIFY2(line.contains(QStringLiteral(" %1 %2 ").arg(r.path).arg(r.status)), qPrintable(line));
            QVERIFY2(!line.contains(u'\n'), qPrintable(line));
            if (!r.keyId.isEmpty()) {
                QVERIFY2(line.contains(QStringLiteral("key=") + r.keyId), qPrintable(line));
            }
            if (r.attempts.size() > 1) {
                QVERIFY2(line.contains(QStringLiteral("tries=2")), qPrintable(line));
                QVERIFY2(line.contains(QStringLiteral("quota-minute")), qPrintable(line));
            }
            for (const QString &secret : secrets()) {
                QVERIFY2(!line.contains(secret), "a secret is in the access log");
            }
        }
    }

    // 5b. With the JSON log format, each access record is one JSON object.
    void accessLogJson()
    {
        const ga::logging::LogFormat previous = ga::logging::logFormat();
        ga::logging::setLogFormat(ga::logging::LogFormat::Json);
        auto restore = qScopeGuard([previous] { ga::logging::setLogFormat(previous); });
        const qsizetype linesBefore = accessLineCount();
        const quint64 total = m_proxy->recorder()->requestsTotal();
        Client c(port());
        c.send(post(kGenerate, kPrompt, apiKeyHeader()));
        countMade(200, QStringLiteral("native"), true, 0);
        QCOMPARE(c.read().status, 200);
        c.send(post(kGenerate, kPrompt));
        countMade(401, QStringLiteral("native"), false, 0);
        QCOMPARE(c.read().status, 401);
        waitForRecords(total + 2, linesBefore + 2);
        if (QTest::currentTestFailed()) {
            return;
        }
        const QStringList lines = accessLines().mid(linesBefore);
        const std::vector<ga::metrics::AccessRecord> records = m_proxy->recorder()->history(2);
        QCOMPARE(records.size(), size_t(2));
        for (int i = 0; i < 2; ++i) {
            const ga::metrics::AccessRecord &r = records[size_t(i)];
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(lines.at(i).toUtf8(), &error);
            QVERIFY2(error.error == QJsonParseError::NoError && doc.isObject(), qPrintable(lines.at(i)));
            const QJsonObject o = doc.object();
            for (const char *field : { "id", "time", "client", "peer", "method", "path", "kind", "model", "mode", "key",
                     "route", "status", "stream", "bytesIn", "bytesOut", "ttfbMs", "totalMs", "retries", "attempts" }) {
                QVERIFY2(o.contains(QLatin1String(field)), field);
            }
            QCOMPARE(quint64(o.value(u"id").toDouble()), r.id);
            QCOMPARE(o.value(u"status").toInt(), r.status);
            QCOMPARE(o.value(u"key").toString(), r.keyId);
            QCOMPARE(o.value(u"route").toString(), r.route);
            QCOMPARE(o.value(u"path").toString(), QString::fromLatin1(kGenerate));
            QVERIFY(o.value(u"attempts").isArray());
            for (const QString &secret : secrets()) {
                QVERIFY2(!lines.at(i).contains(secret), "a secret is in the access log");
            }
        }
        const QJsonObject ok = QJsonDocument::fromJson(lines.at(0).toUtf8()).object();
        QCOMPARE(ok.value(u"status").toInt(), 200);
        QCOMPARE(ok.value(u"client").toString(), kTokenName);
        QVERIFY(!ok.value(u"key").toString().isEmpty());
        QCOMPARE(ok.value(u"route").toString(), QStringLiteral("direct"));
        QCOMPARE(ok.value(u"model").toString(), QString::fromLatin1(kModel));
        const QJsonArray attempts = ok.value(u"attempts").toArray();
        QCOMPARE(attempts.size(), 1);
        QCOMPARE(attempts.at(0).toObject().value(u"outcome").toString(), QStringLiteral("ok"));
        QCOMPARE(attempts.at(0).toObject().value(u"status").toInt(), 200);
        QCOMPARE(attempts.at(0).toObject().value(u"key").toString(), ok.value(u"key").toString());
        const QJsonObject refused = QJsonDocument::fromJson(lines.at(1).toUtf8()).object();
        QCOMPARE(refused.value(u"status").toInt(), 401);
        QCOMPARE(refused.value(u"client").toString(), QString());
        QCOMPARE(refused.value(u"key").toString(), QString());
        QCOMPARE(refused.value(u"attempts").toArray().size(), 0);
    }

    // 3. /readyz and /healthz on the proxy with keys.
    void readyWithKeys()
    {
        const quint64 total = m_proxy->recorder()->requestsTotal();
        Client c(port());
        c.send(get("/readyz"));
        const Reply r = c.read();
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("content-type").startsWith("application/json"));
        const QJsonObject o = QJsonDocument::fromJson(r.body).object();
        QCOMPARE(o.value(u"ready").toBool(false), true);
        QVERIFY(o.value(u"usableKeys").toInt() >= 1);
        QVERIFY(o.value(u"missing").toArray().isEmpty());
        QVERIFY(!o.value(u"mode").toString().isEmpty());
        for (const QString &word : secrets() + QStringList { kIdA, kIdB, kIdLimited }) {
            QVERIFY2(!r.body.contains(word.toLatin1()), qPrintable(QString::fromUtf8(r.body)));
        }
        c.send(get("/healthz"));
        QCOMPARE(c.read().status, 200);
        QCOMPARE(m_proxy->recorder()->requestsTotal(), total); // probes are not requests
    }

    // 3b. /readyz says 503, and why, without naming a key, when no key is configured or usable.
    void notReadyWithoutUsableKeys()
    {
        ga::keys::KeyPool pool;
        ga::proxy::ProxyServer server(&pool, 1);
        server.applySettings(settings());
        QString error;
        QVERIFY2(server.listen(QStringLiteral("127.0.0.1"), 0, &error), qPrintable(error));

        auto ask = [&server](const QByteArray &path) {
            Client c(server.port());
            c.send(get(path));
            return c.read();
        };
        auto checkNotReady = [&](const QString &mentions) {
            const Reply r = ask("/readyz");
            QCOMPARE(r.status, 503);
            const QJsonObject o = QJsonDocument::fromJson(r.body).object();
            QCOMPARE(o.value(u"ready").toBool(true), false);
            QCOMPARE(o.value(u"usableKeys").toInt(-1), 0);
            const QJsonArray missing = o.value(u"missing").toArray();
            QVERIFY2(!missing.isEmpty(), r.body.constData());
            const QString said = missing.at(0).toString();
            QVERIFY2(said.contains(QStringLiteral("API key")), qPrintable(said));
            QVERIFY2(said.contains(mentions), qPrintable(said));
            for (const QString &word : secrets() + QStringList { kIdA, kIdB, kIdLimited }) {
                QVERIFY2(!r.body.contains(word.toLatin1()), r.body.constData());
            }
            QCOMPARE(ask("/healthz").status, 200); // alive, though not ready
        };

        checkNotReady(QStringLiteral("configured"));
        if (QTest::currentTestFailed()) {
            return;
        }

        // One key disabled, the other found invalid.
        pool.setKeys({ { kIdA, m_secretA.toLatin1(), {}, 1, false }, { kIdB, m_secretB.toLatin1(), {}, 1, true } });
        ga::keys::Failure invalid;
        invalid.kind = ga::keys::FailureKind::InvalidKey;
        invalid.reason = QStringLiteral("API_KEY_INVALID");
        pool.reportFailure(kIdB, QString::fromLatin1(kModel), invalid);
        QCOMPARE(pool.status(kIdB), ga::keys::KeyStatus::Invalid);
        checkNotReady(QStringLiteral("usable"));
        if (QTest::currentTestFailed()) {
            return;
        }

        // The key gauges say the same.
        const Reply m = ask("/metrics");
        QCOMPARE(m.status, 200);
        const Exposition e = parseExposition(m.body);
        QVERIFY2(e.error.isEmpty(), qPrintable(e.error));
        QCOMPARE(e.sum("ga_keys", { { "state", QStringLiteral("disabled") } }), 1.0);
        QCOMPARE(e.sum("ga_keys", { { "state", QStringLiteral("invalid") } }), 1.0);
        QCOMPARE(e.sum("ga_keys", { { "state", QStringLiteral("active") } }), 0.0);
        QCOMPARE(e.sum("ga_keys"), 2.0);
        QCOMPARE(e.sum("ga_requests_total"), 0.0); // probes and scrapes only
        QCOMPARE(server.recorder()->requestsTotal(), quint64(0));

        // Usable again: ready.
        pool.setKeys({ { kIdA, m_secretA.toLatin1(), {}, 1, true } });
        QCOMPARE(ask("/readyz").status, 200);
    }

    // 3c. metrics.loopback off: /metrics is refused, and the refusal is not counted as a request.
    void metricsRefusedWhenLoopbackOff()
    {
        const quint64 total = m_proxy->recorder()->requestsTotal();
        m_proxy->applySettings(settings([](ga::config::Config &c) { c.metricsOnLoopback = false; }));
        auto restore = qScopeGuard([this] { m_proxy->applySettings(settings()); });
        {
            Client c(port());
            c.send(get("/metrics"));
            const Reply r = c.read();
            QCOMPARE(r.status, 403);
            QVERIFY(!r.body.contains("ga_requests_total"));
            c.send(get("/healthz"));
            QCOMPARE(c.read().status, 200);
            // An access token does not open them; the admin token does.
            c.send(get("/metrics", apiKeyHeader()));
            QCOMPARE(c.read().status, 403);
            const QByteArray admin = "gat_admin-token-for-the-metrics-test-0123456789";
            m_proxy->authenticator()->setAdminToken(admin);
            auto noAdmin = qScopeGuard([this] { m_proxy->authenticator()->setAdminToken({}); });
            c.send(get("/metrics", "Authorization: Bearer " + admin + "\r\n"));
            const Reply withAdmin = c.read();
            QCOMPARE(withAdmin.status, 200);
            QVERIFY(withAdmin.body.contains("ga_requests_total"));
            QVERIFY(!withAdmin.body.contains(admin));
        }
        restore.dismiss();
        m_proxy->applySettings(settings());
        Client c(port());
        c.send(get("/metrics"));
        const Reply r = c.read();
        QCOMPARE(r.status, 200);
        const Exposition e = parseExposition(r.body);
        QVERIFY2(e.error.isEmpty(), qPrintable(e.error));
        QCOMPARE(e.sum("ga_requests_total"), double(total)); // the refusal was not counted
        QCOMPARE(m_proxy->recorder()->requestsTotal(), total);
    }
};

QTEST_GUILESS_MAIN(TestObservability)
#include "tst_observability.moc"
