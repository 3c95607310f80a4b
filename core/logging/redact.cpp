// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging/redact.h"

#include <QMutex>
#include <QRegularExpression>
#include <QStringList>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <string_view>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#endif

namespace ga::logging {
namespace {

constexpr qsizetype kMinRegisteredSecret = 8;

// One pass over the text; order matters: carriers first so that "key=AIza…" masks the whole value.
const QRegularExpression &patterns()
{
    static const QRegularExpression re(
        QStringLiteral(
            R"((?<carrier>(?:[?&;](?:key|access_token)=|x-goog-api-key[\"']?\s*[:=]\s*[\"']?|authorization[\"']?\s*[:=]\s*[\"']?(?:bearer|token)\s+))(?<cval>[^\s&\"',;]+))"
            R"(|(?<gkey>AIza[0-9A-Za-z_\-]{35}))"
            R"(|(?<tok>gat_[0-9A-Za-z_\-]{20,}))"
            R"(|(?<eph>auth_tokens/[0-9A-Za-z_\-]{4,}))"
            R"(|(?<jwt>eyJ[0-9A-Za-z_\-]{4,}\.eyJ[0-9A-Za-z_\-]{4,}\.[0-9A-Za-z_\-]*))"),
        QRegularExpression::CaseInsensitiveOption);
    return re;
}

// Whether the pattern can match at all: each of its alternatives starts with one of these needles (ASCII, matched
// case-insensitively). Most log lines hold none, and one pass over the text costs a fraction of running the
// expression. Text with any non-ASCII character goes to the expression (its Unicode case folding is not repeated
// here).
bool mayMatchPattern(QStringView text)
{
    static constexpr std::string_view needles[]
        = { "?key=", "&key=", ";key=", "?access_token=", "&access_token=", ";access_token=", "x-goog-api-key",
              "authorization", "aiza", "gat_", "eyj", "auth_tokens/" };
    static_assert(std::size(needles) <= 16);
    // For each lower-case ASCII character, the needles that start with it; a needle is tried only where its first
    // two characters are seen together (one bit of a table of pairs): paths and model names are full of a, e and g
    // (generateContent, gemini, beta).
    static constexpr auto startingWith = [] {
        std::array<quint16, 128> t {};
        for (size_t i = 0; i < std::size(needles); ++i) {
            t[size_t(needles[i][0])] |= quint16(1u << i);
        }
        return t;
    }();
    static constexpr auto pairs = [] {
        std::array<quint64, 128 * 128 / 64> t {};
        for (const std::string_view needle : needles) {
            const size_t pair = size_t(needle[0]) * 128 + size_t(needle[1]);
            t[pair / 64] |= quint64(1) << (pair % 64);
        }
        return t;
    }();
    const qsizetype n = text.size();
    const auto *d = reinterpret_cast<const char16_t *>(text.data());
    auto lower = [](char16_t c) { return c >= u'A' && c <= u'Z' ? char16_t(c + 32) : c; };
    // Whether a needle starts at i (or the text is not ASCII there).
    auto mayStartAt = [&](qsizetype i) {
        const char16_t c = lower(d[i]);
        if (c >= 0x80) {
            return true;
        }
        if (startingWith[c] == 0 || i + 1 == n) {
            return false; // every needle is longer than one character
        }
        const char16_t next = lower(d[i + 1]);
        const size_t pair = size_t(c) * 128 + std::min<size_t>(next, 127);
        if ((pairs[pair / 64] >> (pair % 64) & 1) == 0) {
            return false; // a non-ASCII next character is looked at in its own turn
        }
        for (quint16 set = startingWith[c]; set != 0; set &= quint16(set - 1)) {
            const std::string_view needle = needles[std::countr_zero(set)];
            if (qsizetype(needle.size()) > n - i) {
                continue;
            }
            qsizetype k = 2;
            while (k < qsizetype(needle.size()) && lower(d[i + k]) == char16_t(needle[size_t(k)])) {
                ++k;
            }
            if (k == qsizetype(needle.size())) {
                return true;
            }
        }
        return false;
    };
    qsizetype i = 0;
#if defined(__SSE2__) || defined(_M_X64)
    // Eight units a step: only those that begin a needle (in either case) or are not ASCII are looked at further.
    static constexpr char kFirsts[] = { '?', '&', ';', 'x', 'a', 'g', 'e' };
    static_assert(std::size(kFirsts) == 7); // compared one by one below
    static_assert([] {
        for (const std::string_view needle : needles) {
            if (std::find(std::begin(kFirsts), std::end(kFirsts), needle[0]) == std::end(kFirsts)) {
                return false;
            }
        }
        return true;
    }());
    for (; i + 8 <= n; i += 8) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(d + i));
        // Setting bit 0x20 folds upper-case letters to lower case; '?', '&' and ';' then also meet three control
        // characters, which the check of the unit rejects. Signed comparisons: from 0x8000 up a unit is negative.
        const __m128i folded = _mm_or_si128(v, _mm_set1_epi16(0x20));
        __m128i hit = _mm_or_si128(_mm_cmpgt_epi16(v, _mm_set1_epi16(0x7f)), _mm_cmplt_epi16(v, _mm_setzero_si128()));
        const auto is = [&folded](char c) { return _mm_cmpeq_epi16(folded, _mm_set1_epi16(c)); };
        hit = _mm_or_si128(_mm_or_si128(hit, _mm_or_si128(is(kFirsts[0]), is(kFirsts[1]))),
            _mm_or_si128(_mm_or_si128(is(kFirsts[2]), is(kFirsts[3])),
                _mm_or_si128(_mm_or_si128(is(kFirsts[4]), is(kFirsts[5])), is(kFirsts[6]))));
        for (auto mask = unsigned(_mm_movemask_epi8(hit)) & 0x5555u; mask != 0; mask &= mask - 1) {
            if (mayStartAt(i + std::countr_zero(mask) / 2)) {
                return true;
            }
        }
    }
#endif
    for (; i < n; ++i) {
        if (mayStartAt(i)) {
            return true;
        }
    }
    return false;
}

// Whether the pattern masks `value` wherever it appears: all of it is a Gemini key (its "gkey") or one of our tokens
// ("tok"); registering it as well would only make every line cost one more search. Checked by hand: every key is
// registered at start-up, and running the expression then would compile it (PCRE2 and its JIT's pages) in a daemon
// that may log nothing that needs it.
bool maskedByPattern(QStringView value)
{
    auto isTokenChar = [](QChar c) {
        return (c >= u'0' && c <= u'9') || (c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z') || c == u'_'
            || c == u'-';
    };
    auto restIsToken = [&](qsizetype from) { return std::all_of(value.begin() + from, value.end(), isTokenChar); };
    // The expression is case-insensitive: "aiza…" is masked as "AIza…" is.
    if (value.startsWith(u"AIza", Qt::CaseInsensitive)) {
        return value.size() == 4 + 35 && restIsToken(4);
    }
    return value.startsWith(u"gat_", Qt::CaseInsensitive) && value.size() >= 4 + 20 && restIsToken(4);
}

struct Registry
{
    QMutex lock;
    // Longest first: when one secret contains another, the longer one must be masked before the shorter one
    // turns part of it into "[redacted]" and leaves the rest of it in the text.
    QStringList secrets;
};

// Raised (under the registry's lock) by every change: a thread searches its own copy of the secrets and takes the
// lock only to refresh it, so redacting on several threads shares no written memory.
std::atomic<quint64> g_generation { 1 };

Registry &registry()
{
    static Registry r;
    return r;
}

// This thread's copy of the registered secrets, current as of the registry's generation.
const QStringList &currentSecrets()
{
    struct Copy
    {
        quint64 generation = 0;
        QStringList secrets;
    };
    thread_local Copy copy;
    Registry &reg = registry();
    if (copy.generation != g_generation.load(std::memory_order_acquire)) {
        QMutexLocker locker(&reg.lock);
        copy.secrets = reg.secrets;
        copy.generation = g_generation.load(std::memory_order_relaxed);
    }
    return copy.secrets;
}

QString maskValue(const QString &value)
{
    if (value.startsWith(QLatin1String("AIza")) && value.size() >= 12) {
        return maskKey(value);
    }
    if (value.startsWith(QLatin1String("gat_"))) {
        return maskToken(value);
    }
    return QStringLiteral("[redacted]");
}

} // namespace

QString maskKey(const QString &key)
{
    if (key.size() < 12) {
        return QStringLiteral("[redacted]");
    }
    return key.left(4) + QChar(0x2026) + key.right(4);
}

QString maskToken(const QString &token)
{
    if (token.size() < 12) {
        return QStringLiteral("[redacted]");
    }
    return token.left(4) + QChar(0x2026) + token.right(4);
}

QString Redactor::redact(const QString &text)
{
    if (!mayMatchPattern(text)) {
        return redactRegistered(text);
    }
    QString out;
    out.reserve(text.size());
    qsizetype last = 0;
    auto it = patterns().globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        out += QStringView(text).mid(last, m.capturedStart() - last);
        if (m.capturedLength(u"carrier") > 0) {
            out += m.captured(u"carrier");
            out += maskValue(m.captured(u"cval"));
        } else if (m.capturedLength(u"gkey") > 0) {
            out += maskKey(m.captured(u"gkey"));
        } else if (m.capturedLength(u"tok") > 0) {
            out += maskToken(m.captured(u"tok"));
        } else if (m.capturedLength(u"eph") > 0) {
            out += QStringLiteral("auth_tokens/[redacted]"); // an ephemeral token opens a Live session
        } else {
            out += QStringLiteral("[jwt]");
        }
        last = m.capturedEnd();
    }
    out += QStringView(text).mid(last);
    return redactRegistered(out);
}

QString Redactor::redactRegistered(QString text)
{
    if (text.size() < kMinRegisteredSecret) {
        return text; // too short to hold any registered secret (a method, a model name)
    }
    for (const QString &secret : currentSecrets()) {
        if (text.contains(secret)) {
            text.replace(secret, QStringLiteral("[redacted]"));
        }
    }
    return text;
}

QByteArray Redactor::redact(const QByteArray &text)
{
    return redact(QString::fromUtf8(text)).toUtf8();
}

void Redactor::addSecret(const QByteArray &secret)
{
    if (secret.size() < kMinRegisteredSecret) {
        return;
    }
    Registry &reg = registry();
    const QString value = QString::fromUtf8(secret);
    if (maskedByPattern(value)) {
        return;
    }
    QMutexLocker locker(&reg.lock);
    if (reg.secrets.contains(value)) {
        return;
    }
    const auto at = std::upper_bound(reg.secrets.begin(), reg.secrets.end(), value,
        [](const QString &a, const QString &b) { return a.size() > b.size(); });
    reg.secrets.insert(at, value);
    g_generation.fetch_add(1, std::memory_order_release);
}

void Redactor::removeSecret(const QByteArray &secret)
{
    Registry &reg = registry();
    QMutexLocker locker(&reg.lock);
    if (reg.secrets.removeAll(QString::fromUtf8(secret)) > 0) {
        g_generation.fetch_add(1, std::memory_order_release);
    }
}

void RepeatedTextRedactor::redact(QString &text)
{
    if (const quint64 generation = Redactor::secretsGeneration(); m_generation != generation) {
        m_generation = generation;
        m_clean.clear();
    }
    if (text.size() == m_clean.size() && (text.constData() == m_clean.constData() || text == m_clean)) {
        return;
    }
    QString out = Redactor::redact(text);
    if (out.size() == text.size() && (out.constData() == text.constData() || out == text)) {
        m_clean = text;
    } else {
        text = std::move(out);
    }
}

quint64 Redactor::secretsGeneration()
{
    return g_generation.load(std::memory_order_acquire);
}

void Redactor::clearSecrets()
{
    Registry &reg = registry();
    QMutexLocker locker(&reg.lock);
    reg.secrets.clear();
    g_generation.fetch_add(1, std::memory_order_release);
}

} // namespace ga::logging
