// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/accessrecord.h"

#include "http/search.h"
#include "logging/redact.h"
#include "text/decimal.h"

#include <QDateTime>
#include <QJsonArray>

#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <utility>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#endif

namespace ga::metrics {

namespace {

// "2026-12-04T15:20:25.123Z", as QDateTime::toString(Qt::ISODateWithMs) writes a UTC time, without building a
// QDateTime: the history writes one per record, and QDateTime's formatting was a tenth of its cost.
// The text into `buf`; false outside years 0-9999 (isoUtcMs() then asks QDateTime).
bool isoUtcMsInto(qint64 ms, char (&buf)[24])
{
    // The text up to the second changes once a second: each thread keeps the last one it wrote (the access log's
    // and the history's records come in order of time), and only the milliseconds are written again.
    thread_local qint64 cachedSecond = std::numeric_limits<qint64>::min();
    thread_local char cached[19];
    const qint64 second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    const auto putMs = [&buf](qint64 msOfSecond) {
        buf[19] = '.';
        buf[20] = char('0' + msOfSecond / 100);
        buf[21] = char('0' + msOfSecond / 10 % 10);
        buf[22] = char('0' + msOfSecond % 10);
        buf[23] = 'Z';
    };
    if (second == cachedSecond) {
        std::memcpy(buf, cached, sizeof cached);
        putMs(ms - second * 1000);
        return true;
    }
    const qint64 day = ms >= 0 ? ms / 86'400'000 : (ms - 86'399'999) / 86'400'000;
    const qint64 msOfDay = ms - day * 86'400'000;
    // Days since 1970-01-01 to a civil date (proleptic Gregorian; eras of 400 years, March-based years).
    const qint64 z = day + 719'468;
    const qint64 era = (z >= 0 ? z : z - 146'096) / 146'097;
    const qint64 doe = z - era * 146'097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    const int d = int(doy - (153 * mp + 2) / 5 + 1);
    const int m = int(mp < 10 ? mp + 3 : mp - 9);
    const qint64 y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    if (y < 0 || y > 9999) {
        return false;
    }
    auto put = [&buf](int at, qint64 value, int digits) {
        for (int i = digits - 1; i >= 0; --i) {
            buf[at + i] = char('0' + value % 10);
            value /= 10;
        }
    };
    put(0, y, 4);
    buf[4] = '-';
    put(5, m, 2);
    buf[7] = '-';
    put(8, d, 2);
    buf[10] = 'T';
    put(11, msOfDay / 3'600'000, 2);
    buf[13] = ':';
    put(14, msOfDay / 60'000 % 60, 2);
    buf[16] = ':';
    put(17, msOfDay / 1000 % 60, 2);
    putMs(msOfDay % 1000);
    std::memcpy(cached, buf, sizeof cached);
    cachedSecond = second;
    return true;
}

QString isoUtcMs(qint64 ms)
{
    char buf[24];
    return isoUtcMsInto(ms, buf) ? QString::fromLatin1(buf, sizeof buf)
                                 : QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

} // namespace

namespace {

// copyPlainAscii() a unit at a time.
template<bool JsonSafe>
qsizetype copyPlainAsciiBytes(const char16_t *d, qsizetype n, char *out)
{
    const auto plain = [](char16_t c) { return c < 0x80 && (!JsonSafe || (c >= 0x20 && c != u'"' && c != u'\\')); };
    qsizetype i = 0;
    for (; i < n && plain(d[i]); ++i) {
        out[i] = char(d[i]);
    }
    return i;
}

// Copies the leading UTF-16 units of [d, d + n) that are ASCII to `out` as bytes, and with `JsonSafe` only those a
// JSON string holds as they are (no control character, quote or backslash); returns how many. The record's text is
// nearly always such ASCII: eight units a step (SSE2: compared and narrowed together) instead of a test and a
// store per unit (the history's JSON spent a fifth of its instructions there, profile.sh).
template<bool JsonSafe>
qsizetype copyPlainAscii(const char16_t *d, qsizetype n, char *out)
{
    qsizetype i = 0;
#if defined(__SSE2__) || defined(_M_X64)
    // Signed 16-bit comparisons: a unit from 0x8000 up is negative, below the low bound.
    const __m128i high = _mm_set1_epi16(0x7f);
    const __m128i low = _mm_set1_epi16(JsonSafe ? 0x20 : 0);
    const auto copied = [&](qsizetype at) { // the 8 units from `at` stored, or false when one is not plain
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(d + at));
        __m128i bad = _mm_or_si128(_mm_cmpgt_epi16(v, high), _mm_cmplt_epi16(v, low));
        if constexpr (JsonSafe) {
            bad = _mm_or_si128(
                bad, _mm_or_si128(_mm_cmpeq_epi16(v, _mm_set1_epi16(u'"')), _mm_cmpeq_epi16(v, _mm_set1_epi16(u'\\'))));
        }
        if (_mm_movemask_epi8(bad) != 0) {
            return false;
        }
        _mm_storel_epi64(reinterpret_cast<__m128i *>(out + at), _mm_packus_epi16(v, v));
        return true;
    };
    for (; i + 8 <= n; i += 8) {
        if (!copied(i)) {
            return i + copyPlainAsciiBytes<JsonSafe>(d + i, n - i, out + i); // up to the unit that is not plain
        }
    }
    // The last few units as the last eight (some again), when there are eight: a loop a unit cost more than all
    // the blocks before it (profile.sh).
    if (i < n && n >= 8 && copied(n - 8)) {
        return n;
    }
#endif
    return i + copyPlainAsciiBytes<JsonSafe>(d + i, n - i, out + i);
}

QString freeText(const AccessRecord &r, const QString &text)
{
    return r.redacted ? text : logging::Redactor::redact(text);
}

const QString kNoText;

// A free-text field as it may be written: the record's own string when the recorder redacted it already, else a
// redacted copy. Not a copy of the record's string: that takes and drops a reference to it, an atomic count the proxy
// threads change as well (their records share these strings), so the cache line moves between cores for each.
class FreeText
{
public:
    FreeText(const AccessRecord &r, const QString &text)
        : m_text(&text)
    {
        if (!r.redacted) {
            m_own = logging::Redactor::redact(text);
            m_text = &m_own;
        }
    }
    FreeText(const FreeText &) = delete;
    FreeText &operator=(const FreeText &) = delete;

    operator const QString &() const { return *m_text; }
    qsizetype size() const { return m_text->size(); }
    bool isEmpty() const { return m_text->isEmpty(); }

private:
    QString m_own;
    const QString *m_text;
};

// The bytes last written for N texts of a record, kept with the strings they were made from, for one thread. Nearly
// every record carries the strings of the one before (a worker's shared texts: the client, its address, the method,
// the path, the model, the key id, the route), so a writer copies the kept bytes while a record's texts are the same
// strings — the same storage, not an equal text: the memo's copies keep that storage from becoming another text's.
template<size_t N>
class TextsMemo
{
public:
    using Texts = std::array<const QString *, N>;

    // The kept bytes when `texts` are the strings they were made from; null otherwise.
    const QByteArray *find(const Texts &texts) const
    {
        if (!m_valid) {
            return nullptr;
        }
        for (size_t i = 0; i < N; ++i) {
            const QString &t = *texts[i];
            if (t.size() != m_texts[i].size() || (!t.isEmpty() && t.constData() != m_texts[i].constData())) {
                return nullptr;
            }
        }
        return &m_bytes;
    }
    // At `p`: the kept bytes when `texts` are the kept strings, else what `write()` writes there (moving `p`), kept.
    template<typename Write>
    void put(const Texts &texts, char *&p, Write &&write)
    {
        if (const QByteArray *kept = find(texts)) {
            p = std::copy_n(kept->constData(), kept->size(), p);
            return;
        }
        char *const from = p;
        write();
        keep(texts, from, p);
    }
    // [from, to) was written for `texts`.
    void keep(const Texts &texts, const char *from, const char *to)
    {
        for (size_t i = 0; i < N; ++i) {
            m_texts[i] = *texts[i];
        }
        m_bytes.resize(to - from); // its storage kept from the last time
        std::memcpy(m_bytes.data(), from, size_t(to - from));
        m_valid = true;
    }

private:
    std::array<QString, N> m_texts;
    QByteArray m_bytes;
    bool m_valid = false;
};

} // namespace

void redactFreeText(AccessRecord &r)
{
    if (r.redacted) {
        return;
    }
    // Most records repeat the texts of the ones before (one client, a few paths and models, "ok"): a text equal to
    // the one this thread last found clean in that field is not searched again (the searches were ~1,700
    // instructions a record, profile.sh).
    thread_local std::array<logging::RepeatedTextRedactor, 5> fields;
    size_t field = 0;
    for (QString *text : { &r.client, &r.method, &r.path, &r.model }) {
        fields[field++].redact(*text);
    }
    for (Attempt &a : r.attempts) {
        fields[field].redact(a.outcome);
    }
    if (r.live) {
        r.live->closeReason = logging::Redactor::redact(r.live->closeReason);
    }
    r.redacted = true;
}

// The fields that carry text from outside (a client can put anything in its path, method or model; a token name
// and an attempt's outcome are free text) are redacted here, as in toLogLine(): a record goes to the admin API, the
// JSON access log and the history database, none of which may hold a key.
QJsonObject toJson(const AccessRecord &r)
{
    QJsonArray attempts;
    for (const Attempt &a : r.attempts) {
        attempts.append(QJsonObject { { QStringLiteral("key"), a.keyId }, { QStringLiteral("route"), a.route },
            { QStringLiteral("status"), a.status }, { QStringLiteral("outcome"), freeText(r, a.outcome) },
            { QStringLiteral("ms"), double(a.ms) } });
    }
    QJsonObject out {
        { QStringLiteral("id"), double(r.id) },
        { QStringLiteral("time"), isoUtcMs(r.startedMs) },
        { QStringLiteral("client"), freeText(r, r.client) },
        { QStringLiteral("peer"), r.peer },
        { QStringLiteral("method"), freeText(r, r.method) },
        { QStringLiteral("path"), freeText(r, r.path) },
        { QStringLiteral("kind"), r.kind },
        { QStringLiteral("model"), freeText(r, r.model) },
        { QStringLiteral("mode"), r.mode },
        { QStringLiteral("key"), r.keyId },
        { QStringLiteral("route"), r.route },
        { QStringLiteral("status"), r.status },
        { QStringLiteral("stream"), r.stream },
        { QStringLiteral("broken"), r.broken },
        { QStringLiteral("bytesIn"), double(r.bytesIn) },
        { QStringLiteral("bytesOut"), double(r.bytesOut) },
        { QStringLiteral("ttfbMs"), double(r.ttfbMs) },
        { QStringLiteral("totalMs"), double(r.totalMs) },
        { QStringLiteral("tokensIn"), double(r.tokensIn) },
        { QStringLiteral("tokensOut"), double(r.tokensOut) },
        { QStringLiteral("retries"), r.retries() },
        { QStringLiteral("fallbacks"), r.fallbacks },
        { QStringLiteral("attempts"), attempts },
    };
    if (r.live) {
        const LiveFigures &l = *r.live;
        out.insert(QStringLiteral("live"),
            QJsonObject { { QStringLiteral("framesIn"), double(l.framesIn) },
                { QStringLiteral("framesOut"), double(l.framesOut) }, { QStringLiteral("bytesIn"), double(l.bytesIn) },
                { QStringLiteral("bytesOut"), double(l.bytesOut) }, { QStringLiteral("closeCode"), l.closeCode },
                { QStringLiteral("closeReason"), freeText(r, l.closeReason) },
                { QStringLiteral("started"), l.started } });
    }
    return out;
}

namespace {

// Writes JSON into storage sized beforehand for the worst case (see toJsonBytes()): a pointer that moves, no size
// check and no call per byte. QByteArray's append per character and per literal cost 1,100 instructions a string
// field and 550 a number, two thirds of a history record's cost.
class JsonWriter
{
public:
    explicit JsonWriter(char *at)
        : m_p(at)
    { }
    char *end() const { return m_p; }

    void raw(char c) { *m_p++ = c; }
    void raw(QByteArrayView bytes)
    {
        std::memcpy(m_p, bytes.data(), size_t(bytes.size()));
        m_p += bytes.size();
    }
    template<size_t N>
    void raw(const char (&literal)[N])
    {
        std::memcpy(m_p, literal, N - 1);
        m_p += N - 1;
    }
    // `"name":`, with the comma before every member but an object's first.
    template<size_t N>
    void key(const char (&name)[N])
    {
        if (!std::exchange(m_first, false)) {
            raw(',');
        }
        raw('"');
        raw(name);
        raw("\":");
    }
    void key(QByteArrayView name)
    {
        if (!std::exchange(m_first, false)) {
            raw(',');
        }
        raw('"');
        std::memcpy(m_p, name.data(), size_t(name.size()));
        m_p += name.size();
        raw("\":");
    }
    void beginObject()
    {
        raw('{');
        m_first = true;
    }
    void endObject()
    {
        raw('}');
        m_first = false;
    }
    template<size_t N>
    void text(const char (&name)[N], const QString &v)
    {
        key(name);
        string(v);
    }
    // Text known to need no escaping (a time).
    template<size_t N>
    void ascii(const char (&name)[N], QByteArrayView v)
    {
        key(name);
        raw('"');
        std::memcpy(m_p, v.data(), size_t(v.size()));
        m_p += v.size();
        raw('"');
    }
    template<size_t N>
    void number(const char (&name)[N], qint64 v)
    {
        key(name);
        m_p = text::writeDecimal(m_p, v);
    }
    template<size_t N>
    void boolean(const char (&name)[N], bool v)
    {
        key(name);
        if (v) {
            raw("true");
        } else {
            raw("false");
        }
    }

    // An array's element (the caller writes the commas).
    void value(const QString &v) { string(v); }
    void value(qint64 v) { m_p = text::writeDecimal(m_p, v); }

    // Worst cases, for sizing: a UTF-16 unit becomes at most 6 bytes (\u00XX; 3 bytes of UTF-8 otherwise).
    static constexpr qsizetype kMaxPerUnit = 6;

private:
    void byte(quint8 c)
    {
        static constexpr char kHex[] = "0123456789abcdef";
        if (c >= 0x20 && c != '"' && c != '\\') {
            *m_p++ = char(c);
            return;
        }
        *m_p++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *m_p++ = char(c);
            break;
        case '\n':
            *m_p++ = 'n';
            break;
        case '\r':
            *m_p++ = 'r';
            break;
        case '\t':
            *m_p++ = 't';
            break;
        default:
            raw("u00");
            *m_p++ = kHex[c >> 4];
            *m_p++ = kHex[c & 0xF];
        }
    }
    void string(const QString &s)
    {
        raw('"');
        // Straight from UTF-16: the fields are nearly always ASCII. Anything else goes through QString's encoder
        // from the first such character on (UTF-8 bytes from 0x80 up pass as they are).
        const auto *d = reinterpret_cast<const char16_t *>(s.constData());
        const qsizetype n = s.size();
        qsizetype i = 0;
        for (;;) {
            const qsizetype plain = copyPlainAscii<true>(d + i, n - i, m_p);
            m_p += plain;
            i += plain;
            if (i == n || d[i] >= 0x80) {
                break;
            }
            byte(quint8(d[i++])); // escaped
        }
        if (i < n) {
            for (const char c : QStringView(s).mid(i).toUtf8()) {
                byte(quint8(c));
            }
        }
        raw('"');
    }

    char *m_p;
    bool m_first = true;
};

} // namespace

QByteArray toJsonBytes(const AccessRecord &r)
{
    QByteArray out;
    toJsonBytes(r, out);
    return out;
}

void toUtf8Into(const QString &text, QByteArray &buf)
{
    buf.resize(text.size());
    const qsizetype plain
        = copyPlainAscii<false>(reinterpret_cast<const char16_t *>(text.constData()), text.size(), buf.data());
    if (plain < text.size()) {
        buf = text.toUtf8();
    }
}

namespace {

// A record's free-text fields redacted (once, for a record not redacted already) and the most bytes its JSON can
// take, for both JSON writers.
struct RecordTexts
{
    explicit RecordTexts(const AccessRecord &r)
        : record(r)
        , client(r, r.client)
        , method(r, r.method)
        , path(r, r.path)
        , model(r, r.model)
        , closeReason(r, r.live ? r.live->closeReason : kNoText)
    {
        qsizetype units = client.size() + method.size() + path.size() + model.size() + r.peer.size() + r.kind.size()
            + r.mode.size() + r.keyId.size() + r.route.size() + closeReason.size();
        if (!r.redacted) { // a record from the recorder was redacted already: no copies
            redactedOutcomes.reserve(r.attempts.size());
        }
        for (size_t i = 0; i < r.attempts.size(); ++i) {
            if (!r.redacted) {
                redactedOutcomes.push_back(freeText(r, r.attempts[i].outcome));
            }
            units += r.attempts[i].keyId.size() + r.attempts[i].route.size() + outcome(i).size();
        }
        // Names, punctuation, numbers and a time: under 600 bytes for the record, 100 per attempt, 200 for the Live
        // figures.
        bound = 1024 + 128 * qsizetype(r.attempts.size()) + JsonWriter::kMaxPerUnit * units;
    }
    const QString &outcome(size_t i) const
    {
        return record.redacted ? record.attempts[i].outcome : redactedOutcomes[i];
    }

    const AccessRecord &record;
    const FreeText client;
    const FreeText method;
    const FreeText path;
    const FreeText model;
    const FreeText closeReason;
    std::vector<QString> redactedOutcomes;
    qsizetype bound = 0;
};

} // namespace

void toJsonBytes(const AccessRecord &r, QByteArray &out)
{
    const RecordTexts texts(r);
    const QString &client = texts.client;
    const QString &method = texts.method;
    const QString &path = texts.path;
    const QString &model = texts.model;
    const QString &closeReason = texts.closeReason;
    const auto outcome = [&texts](size_t i) -> const QString & { return texts.outcome(i); };
    char timeBuf[24];
    const bool timeWritten = isoUtcMsInto(r.startedMs, timeBuf); // nearly always: no QString made
    const QString time = timeWritten ? QString() : isoUtcMs(r.startedMs);
    out.resize(texts.bound + time.size() * JsonWriter::kMaxPerUnit); // storage kept from an earlier record is reused
    JsonWriter w(out.data());
    w.beginObject();
    w.number("id", qint64(r.id));
    if (timeWritten) {
        w.ascii("time", QByteArrayView(timeBuf, sizeof timeBuf));
    } else {
        w.text("time", time);
    }
    w.text("client", client);
    w.text("peer", r.peer);
    w.text("method", method);
    w.text("path", path);
    w.text("kind", r.kind);
    w.text("model", model);
    w.text("mode", r.mode);
    w.text("key", r.keyId);
    w.text("route", r.route);
    w.number("status", r.status);
    w.boolean("stream", r.stream);
    w.boolean("broken", r.broken);
    w.number("bytesIn", r.bytesIn);
    w.number("bytesOut", r.bytesOut);
    w.number("ttfbMs", r.ttfbMs);
    w.number("totalMs", r.totalMs);
    w.number("tokensIn", r.tokensIn);
    w.number("tokensOut", r.tokensOut);
    w.number("retries", r.retries());
    w.number("fallbacks", r.fallbacks);
    w.key("attempts");
    w.raw('[');
    for (size_t i = 0; i < r.attempts.size(); ++i) {
        const Attempt &a = r.attempts[i];
        if (i) {
            w.raw(',');
        }
        w.beginObject();
        w.text("key", a.keyId);
        w.text("route", a.route);
        w.number("status", a.status);
        w.text("outcome", outcome(i));
        w.number("ms", a.ms);
        w.endObject();
    }
    w.raw(']');
    if (r.live) {
        const LiveFigures &l = *r.live;
        w.key("live");
        w.beginObject();
        w.number("framesIn", l.framesIn);
        w.number("framesOut", l.framesOut);
        w.number("bytesIn", l.bytesIn);
        w.number("bytesOut", l.bytesOut);
        w.number("closeCode", l.closeCode);
        w.text("closeReason", closeReason);
        w.boolean("started", l.started);
        w.endObject();
    }
    w.endObject();
    Q_ASSERT(w.end() - out.constData() <= out.size());
    out.truncate(w.end() - out.constData());
}

void toStoredJsonBytes(const AccessRecord &r, QByteArray &out)
{
    const RecordTexts texts(r);
    out.resize(texts.bound);
    JsonWriter w(out.data());
    w.beginObject();
    w.number("i", qint64(r.id));
    // Only what differs from a default: a default is what the reader gives a field the object lacks.
    const auto text = [&w](QByteArrayView name, const QString &v) {
        if (!v.isEmpty()) {
            w.key(name);
            w.value(v);
        }
    };
    static const AccessRecord defaults; // made once, not for every row
    const auto number = [&w](QByteArrayView name, qint64 v, qint64 fallback) {
        if (v != fallback) {
            w.key(name);
            w.value(v);
        }
    };
    // The client, its address, the method, the path, the kind and the mode (escaping them was ~600 of a row's ~5,500
    // instructions, profile.sh).
    thread_local TextsMemo<6> memo;
    const TextsMemo<6>::Texts now { &static_cast<const QString &>(texts.client), &r.peer,
        &static_cast<const QString &>(texts.method), &static_cast<const QString &>(texts.path), &r.kind, &r.mode };
    if (const QByteArray *kept = memo.find(now)) {
        w.raw(QByteArrayView(*kept));
    } else {
        const char *from = w.end();
        text("c", *now[0]);
        text("p", *now[1]);
        text("m", *now[2]);
        text("u", *now[3]);
        text("k", *now[4]);
        text("o", *now[5]);
        memo.keep(now, from, w.end());
    }
    if (r.stream) {
        w.boolean("s", true);
    }
    if (r.broken) {
        w.boolean("b", true);
    }
    number("bi", r.bytesIn, defaults.bytesIn);
    number("bo", r.bytesOut, defaults.bytesOut);
    number("tf", r.ttfbMs, defaults.ttfbMs);
    number("tt", r.totalMs, defaults.totalMs);
    number("ti", r.tokensIn, defaults.tokensIn);
    number("to", r.tokensOut, defaults.tokensOut);
    number("f", r.fallbacks, defaults.fallbacks);
    if (!r.attempts.empty()) {
        // Each an array: [key, route, status, outcome, ms], or [outcome, ms] for one made with the record's own key
        // and route that ended with its status (nearly every request's one attempt).
        w.key("a");
        w.raw('[');
        for (size_t i = 0; i < r.attempts.size(); ++i) {
            const Attempt &a = r.attempts[i];
            if (i) {
                w.raw(',');
            }
            w.raw('[');
            if (a.keyId != r.keyId || a.route != r.route || a.status != r.status) {
                w.value(a.keyId);
                w.raw(',');
                w.value(a.route);
                w.raw(',');
                w.value(qint64(a.status));
                w.raw(',');
            }
            w.value(texts.outcome(i));
            w.raw(',');
            w.value(a.ms);
            w.raw(']');
        }
        w.raw(']');
    }
    if (r.live) {
        // [framesIn, framesOut, bytesIn, bytesOut, closeCode, closeReason, started]
        const LiveFigures &l = *r.live;
        w.key("l");
        w.raw('[');
        for (const qint64 n : { l.framesIn, l.framesOut, l.bytesIn, l.bytesOut, qint64(l.closeCode) }) {
            w.value(n);
            w.raw(',');
        }
        w.value(texts.closeReason);
        w.raw(',');
        if (l.started) {
            w.raw("true]");
        } else {
            w.raw("false]");
        }
    }
    w.endObject();
    Q_ASSERT(w.end() - out.constData() <= out.size());
    out.truncate(w.end() - out.constData());
}

AccessRecord accessRecordFromStored(const QJsonObject &o, const StoredColumns &columns)
{
    if (!o.contains(u"i")) {
        return accessRecordFromJson(o); // written whole ("id"), before the stored form: its columns say nothing more
    }
    AccessRecord r;
    r.id = quint64(o.value(u"i").toInteger()); // whole numbers as written (a double loses them past 2^53)
    r.startedMs = columns.startedMs;
    r.status = columns.status;
    r.keyId = columns.keyId;
    r.model = columns.model;
    r.route = columns.route;
    r.client = o.value(u"c").toString();
    r.peer = o.value(u"p").toString();
    r.method = o.value(u"m").toString();
    r.path = o.value(u"u").toString();
    r.kind = o.value(u"k").toString();
    r.mode = o.value(u"o").toString();
    r.stream = o.value(u"s").toBool();
    r.broken = o.value(u"b").toBool();
    r.bytesIn = o.value(u"bi").toInteger(r.bytesIn);
    r.bytesOut = o.value(u"bo").toInteger(r.bytesOut);
    r.ttfbMs = o.value(u"tf").toInteger(r.ttfbMs);
    r.totalMs = o.value(u"tt").toInteger(r.totalMs);
    r.tokensIn = o.value(u"ti").toInteger(r.tokensIn);
    r.tokensOut = o.value(u"to").toInteger(r.tokensOut);
    r.fallbacks = o.value(u"f").toInt(r.fallbacks);
    for (const QJsonValue &v : o.value(u"a").toArray()) {
        const QJsonArray a = v.toArray();
        if (a.size() >= 5) {
            r.attempts.push_back(Attempt {
                a.at(0).toString(), a.at(1).toString(), a.at(2).toInt(), a.at(3).toString(), a.at(4).toInteger() });
        } else {
            r.attempts.push_back(Attempt { r.keyId, r.route, r.status, a.at(0).toString(), a.at(1).toInteger() });
        }
    }
    if (const QJsonArray l = o.value(u"l").toArray(); !l.isEmpty()) {
        LiveFigures f;
        f.framesIn = l.at(0).toInteger();
        f.framesOut = l.at(1).toInteger();
        f.bytesIn = l.at(2).toInteger();
        f.bytesOut = l.at(3).toInteger();
        f.closeCode = l.at(4).toInt();
        f.closeReason = l.at(5).toString();
        f.started = l.at(6).toBool();
        r.live = f;
    }
    return r;
}

AccessRecord accessRecordFromJson(const QJsonObject &o)
{
    AccessRecord r;
    r.id = quint64(o.value(u"id").toDouble());
    r.startedMs = QDateTime::fromString(o.value(u"time").toString(), Qt::ISODateWithMs).toMSecsSinceEpoch();
    r.client = o.value(u"client").toString();
    r.peer = o.value(u"peer").toString();
    r.method = o.value(u"method").toString();
    r.path = o.value(u"path").toString();
    r.kind = o.value(u"kind").toString();
    r.model = o.value(u"model").toString();
    r.mode = o.value(u"mode").toString();
    r.keyId = o.value(u"key").toString();
    r.route = o.value(u"route").toString();
    r.status = o.value(u"status").toInt();
    r.stream = o.value(u"stream").toBool();
    r.broken = o.value(u"broken").toBool();
    r.bytesIn = qint64(o.value(u"bytesIn").toDouble());
    r.bytesOut = qint64(o.value(u"bytesOut").toDouble());
    r.ttfbMs = qint64(o.value(u"ttfbMs").toDouble(-1));
    r.totalMs = qint64(o.value(u"totalMs").toDouble());
    r.tokensIn = qint64(o.value(u"tokensIn").toDouble());
    r.tokensOut = qint64(o.value(u"tokensOut").toDouble());
    r.fallbacks = o.value(u"fallbacks").toInt();
    for (const QJsonValue &v : o.value(u"attempts").toArray()) {
        const QJsonObject a = v.toObject();
        r.attempts.push_back(Attempt { a.value(u"key").toString(), a.value(u"route").toString(),
            a.value(u"status").toInt(), a.value(u"outcome").toString(), qint64(a.value(u"ms").toDouble()) });
    }
    if (o.value(u"live").isObject()) {
        const QJsonObject l = o.value(u"live").toObject();
        LiveFigures f;
        f.framesIn = qint64(l.value(u"framesIn").toDouble());
        f.framesOut = qint64(l.value(u"framesOut").toDouble());
        f.bytesIn = qint64(l.value(u"bytesIn").toDouble());
        f.bytesOut = qint64(l.value(u"bytesOut").toDouble());
        f.closeCode = l.value(u"closeCode").toInt();
        f.closeReason = l.value(u"closeReason").toString();
        f.started = l.value(u"started").toBool();
        r.live = f;
    }
    return r;
}

namespace { } // namespace

void toLogLineUtf8(const AccessRecord &r, QByteArray &out)
{
    // Written straight as UTF-8 into storage sized once: built as a QString (thirty appends of ~150 instructions)
    // and converted, the line cost more than the rest of the record. Redacted field by field, and only the fields
    // that carry text from outside (a client can put anything in its path, method or model name; a token name and an
    // attempt's outcome are free text): the numbers and the ids of keys and routes cannot hold a secret, and one pass
    // over the whole line would cost more.
    const FreeText client(r, r.client);
    const FreeText method(r, r.method);
    const FreeText path(r, r.path);
    const FreeText model(r, r.model);
    std::vector<QString> outcomes;
    qsizetype units = client.size() + method.size() + path.size() + model.size() + r.keyId.size() + r.route.size();
    const bool listAttempts = r.attempts.size() > 1 || r.fallbacks;
    if (listAttempts) {
        outcomes.reserve(r.attempts.size());
        for (const Attempt &a : r.attempts) {
            outcomes.push_back(freeText(r, a.outcome));
            units += a.keyId.size() + a.route.size() + outcomes.back().size();
        }
    }
    const FreeText closeReason(r, r.live ? r.live->closeReason : kNoText);
    units += closeReason.size();
    // Names, punctuation and numbers: under 200 bytes, 40 per attempt, 150 for the Live figures; a UTF-16 unit is
    // at most 3 bytes of UTF-8.
    out.resize(400 + 48 * qsizetype(outcomes.size()) + 3 * units); // storage kept from an earlier line is reused
    char *p = out.data();
    auto raw = [&p](QByteArrayView bytes) { p = std::copy_n(bytes.data(), bytes.size(), p); };
    auto number = [&p](qint64 v) { p = text::writeDecimal(p, v); };
    auto text = [&p](const QString &t) {
        if (t.isEmpty()) {
            *p++ = '-';
            return;
        }
        const qsizetype i = copyPlainAscii<false>(reinterpret_cast<const char16_t *>(t.constData()), t.size(), p);
        p += i;
        if (i < t.size()) {
            const QByteArray rest = QStringView(t).sliced(i).toUtf8();
            p = std::copy_n(rest.constData(), rest.size(), p);
        }
    };
    // The texts on either side of the status, as the last line had them when they are the same strings (TextsMemo).
    thread_local TextsMemo<3> before;
    thread_local TextsMemo<3> after;
    const TextsMemo<3>::Texts beforeTexts { &static_cast<const QString &>(client),
        &static_cast<const QString &>(method), &static_cast<const QString &>(path) };
    const TextsMemo<3>::Texts afterTexts { &static_cast<const QString &>(model), &r.keyId, &r.route };
    raw("#");
    number(qint64(r.id));
    before.put(beforeTexts, p, [&] {
        raw(" ");
        text(client);
        raw(" ");
        text(method);
        raw(" ");
        text(path);
        raw(" ");
    });
    number(r.status);
    after.put(afterTexts, p, [&] {
        raw(" ");
        text(model);
        raw(" key=");
        text(r.keyId);
        raw(" route=");
        text(r.route);
    });
    raw(" tries=");
    number(qint64(r.attempts.size()));
    raw(" ttfb=");
    if (r.ttfbMs >= 0) {
        number(r.ttfbMs);
    } else {
        raw("-");
    }
    raw("ms total=");
    number(r.totalMs);
    raw("ms out=");
    number(r.bytesOut);
    raw("B");
    if (r.tokensIn || r.tokensOut) {
        raw(" tokens=");
        number(r.tokensIn);
        raw("/");
        number(r.tokensOut);
    }
    if (r.live) {
        const LiveFigures &l = *r.live;
        raw(" live frames=");
        number(l.framesIn);
        raw("/");
        number(l.framesOut);
        raw(" in=");
        number(l.bytesIn);
        raw("B close=");
        number(l.closeCode);
        if (!closeReason.isEmpty()) {
            raw(" \"");
            text(closeReason);
            raw("\"");
        }
    }
    if (listAttempts) {
        raw(" [");
        for (size_t i = 0; i < r.attempts.size(); ++i) {
            if (i > 0) {
                raw(", ");
            }
            text(r.attempts[i].keyId);
            raw("@");
            text(r.attempts[i].route);
            raw(":");
            const QString &outcome = outcomes[i];
            if (!outcome.isEmpty()) {
                text(outcome);
            }
        }
        raw("]");
    }
    out.truncate(p - out.constData());
}

QByteArray toLogLineUtf8(const AccessRecord &r)
{
    QByteArray out;
    toLogLineUtf8(r, out);
    return out;
}

QString toLogLine(const AccessRecord &r)
{
    return QString::fromUtf8(toLogLineUtf8(r));
}

QString routeKindOf(QByteArrayView path)
{
    if (http::startsWith(path, "/upload/")) {
        return QStringLiteral("upload");
    }
    if (http::contains(path, "/openai/")) {
        return QStringLiteral("openai");
    }
    return QStringLiteral("native");
}

} // namespace ga::metrics
