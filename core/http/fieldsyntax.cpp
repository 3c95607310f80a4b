// SPDX-License-Identifier: GPL-3.0-or-later
// The field syntax and the header section with its limits (header lines, Content-Length digits, the
// Transfer-Encoding list), shared by the request and response parsers and the chunked decoder.
#include "http/fieldsyntax_p.h"
#include "http/search.h"
#include "text/permanent.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#endif

namespace ga::http::detail {
namespace {

// RFC 9110 tchar.
constexpr bool isTcharSlow(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '!' || c == '#'
        || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' || c == '+' || c == '-' || c == '.' || c == '^'
        || c == '_' || c == '`' || c == '|' || c == '~';
}

// One lookup a byte: every header name of every request and answer is checked.
constexpr auto kTchar = [] {
    std::array<bool, 256> t {};
    for (int c = 0; c < 256; ++c) {
        t[size_t(c)] = isTcharSlow(static_cast<unsigned char>(c));
    }
    return t;
}();

constexpr bool isTchar(unsigned char c)
{
    return kTchar[c];
}

// A header value that may be a credential by the header's name (the known carriers, and any name that says what it
// holds) or as a scheme and its credentials, whatever the name. Values with a credential's shape anywhere in them
// (an API key, an access token, a JWT) the store itself refuses (text::mayHoldCredential).
bool mayBeCredential(QByteArrayView name, QByteArrayView value)
{
    const auto contains = [](QByteArrayView text, QByteArrayView word) {
        for (qsizetype i = 0; i + word.size() <= text.size(); ++i) {
            if (equalsIgnoreCase(text.sliced(i, word.size()), word)) {
                return true;
            }
        }
        return false;
    };
    for (const char *word : { "auth", "key", "token", "cookie", "secret", "session", "signature", "pass", "cred" }) {
        if (contains(name, word)) {
            return true;
        }
    }
    for (const char *prefix : { "Bearer ", "Basic " }) {
        const QByteArrayView p(prefix);
        if (value.size() >= p.size() && equalsIgnoreCase(value.first(p.size()), p)) {
            return true;
        }
    }
    return false;
}

struct Slot
{
    QByteArray bytes; // a field value (every token is one too)
    quint64 head = 0;
    quint64 tail = 0;
    bool token = false;
    bool settled = false; // made permanent, or found not to be made so
    quint8 recent = 0; // in a pair's first slot: the place of the pair found last (the other one goes on a miss)
};

// A slot's first hit (out of line: once a slot). Header fields are a client's texts (or an upstream's): they take only
// the clients' share of the store.
Q_NEVER_INLINE void settle(Slot &slot, bool name, const QByteArrayView *ownerName)
{
    slot.settled = true;
    if (name || (ownerName && !mayBeCredential(*ownerName, slot.bytes))) {
        if (QByteArray permanent = text::permanentBytes(slot.bytes, text::Origin::Client); !permanent.isNull()) {
            slot.bytes = std::move(permanent);
        }
    }
}

// Bytes neither place of their pair holds: checked, then put in the place not found last.
Q_NEVER_INLINE bool sharedFieldMissed(
    QByteArrayView bytes, bool name, quint64 head, quint64 tail, Slot *pair, QByteArray *out)
{
    if (!(name ? isToken(bytes) : isFieldValue(bytes))) {
        return false;
    }
    const quint8 place = pair[0].recent == 0 ? 1 : 0;
    Slot &slot = pair[place];
    slot.bytes = bytes.toByteArray();
    slot.head = head;
    slot.tail = tail;
    slot.token = name;
    slot.settled = false;
    pair[0].recent = place;
    *out = QByteArray(slot.bytes);
    return true;
}

constexpr qsizetype kMaxShared = 128; // longer ones are rarely repeated: copied
constexpr size_t kSlots = 256;

// The bytes a slot is picked by and compared with (see sharedField()).
struct FieldWords
{
    quint64 head = 0;
    quint64 tail = 0;
};

inline FieldWords fieldWords(const unsigned char *d, qsizetype n)
{
    FieldWords w; // fixed-size copies: the compiler makes them loads
    if (n >= 8) {
        std::memcpy(&w.head, d, 8);
        std::memcpy(&w.tail, d + n - 8, 8);
    } else if (n >= 4) {
        quint32 first = 0, last = 0;
        std::memcpy(&first, d, 4);
        std::memcpy(&last, d + n - 4, 4);
        w.head = first | (quint64(last) << 32);
    } else {
        w.head = d[0] | (quint64(d[n / 2]) << 8) | (quint64(d[n - 1]) << 16);
    }
    return w;
}

// Two places for a string (a pair; a miss replaces the one not found last): with one, two strings a head repeats that
// met in one place pushed each other out on every request (a copy, a check and an allocation: ~1,000 instructions a
// request in about half of the profile.sh runs, as the client's key fell).
std::array<Slot, kSlots> &slots()
{
    thread_local std::array<Slot, kSlots> perThread;
    return perThread;
}

inline Slot *slotPair(const FieldWords &w)
{
    // The slot is the top byte of the mixed words (mixing the length in too measured more collisions among one
    // head's fields); a hit still compares the length and every byte.
    const quint64 mixed = (w.head * 0x9E3779B97F4A7C15ULL) ^ (w.tail * 0xC2B2AE3D27D4EB4FULL);
    return &slots()[size_t(mixed >> 56) % kSlots & ~size_t(1)];
}

// The bytes between a field's first and last eight (those the words compared already), eight at a time: a memcmp
// call for the ~6 fields of a head longer than 16 bytes cost more than the comparison.
inline bool middleEquals(const char *a, const unsigned char *b, qsizetype n)
{
    qsizetype i = 0;
    for (; i + 8 <= n; i += 8) {
        quint64 x = 0, y = 0;
        std::memcpy(&x, a + i, 8);
        std::memcpy(&y, b + i, 8);
        if (x != y) {
            return false;
        }
    }
    return std::memcmp(a + i, b + i, size_t(n - i)) == 0;
}

inline bool slotHolds(const Slot &slot, const unsigned char *d, qsizetype n, const FieldWords &w, bool name)
{
    return slot.bytes.size() == n && slot.head == w.head && slot.tail == w.tail && (slot.token || !name)
        && (n <= 16 || middleEquals(slot.bytes.constData() + 8, d + 8, n - 16));
}

// sharedField() past its usual case (a settled slot of the pair holds the bytes).
Q_NEVER_INLINE bool sharedFieldRest(QByteArrayView bytes, bool name, QByteArray *out, const QByteArrayView *ownerName)
{
    const qsizetype n = bytes.size();
    if (n == 0 || n > kMaxShared) {
        if (!(name ? isToken(bytes) : isFieldValue(bytes))) {
            return false;
        }
        *out = bytes.toByteArray();
        return true;
    }
    const auto *d = reinterpret_cast<const unsigned char *>(bytes.data());
    const FieldWords w = fieldWords(d, n);
    Slot *pair = slotPair(w);
    const quint8 place = slotHolds(pair[0], d, n, w, name) ? 0 : slotHolds(pair[1], d, n, w, name) ? 1 : 2;
    if (place == 2) {
        return sharedFieldMissed(bytes, name, w.head, w.tail, pair, out);
    }
    Slot &slot = pair[place];
    if (!slot.settled) {
        settle(slot, name, ownerName);
    }
    pair[0].recent = place;
    *out = QByteArray(slot.bytes);
    return true;
}

// A header name or value as a QByteArray, checked (a token, a field value), and shared with an equal one this thread
// parsed recently when there is one. Most of a head repeats from one request or answer to the next (names, content
// types, the client's key, Google's fixed headers), and two allocations a header (malloc + free, ~250 instructions
// each copy) were a sixth of a proxied request's instructions (profile.sh); so was checking the same bytes again.
// A hit costs a few comparisons, and needs no check: what a slot holds passed it (a slot filled by a value serves a
// name only once it has passed the token check). The slot is picked from two words that hold the first and last
// bytes (up to 8 each), so a string is never hashed in full, and for strings of up to 16 bytes the words hold every
// byte: a hit compares them and the size, no memcmp (a call into libc for each field). On its first hit a slot's
// bytes are made permanent (text/permanent.h), unless they are the value of a header that may carry a credential
// (`ownerName`: the header's name, for a value) or no header's value at all (a request target, a reason phrase:
// `ownerName` null, never made permanent). The usual case, a settled slot of the pair holding the bytes, is made
// inline where a head is parsed (a head's ~36 calls each paid a function's entry and exit, ~20 instructions:
// profile.sh); the rest is not. A hit in either place only notes which one it was: the pair's places were swapped to
// keep the one found last in front, and two fields of one head that share a pair swapped them at every lookup (9 a
// request went past the inline case, ~140 instructions each).
// `out` is empty.
Q_ALWAYS_INLINE bool sharedField(
    QByteArrayView bytes, bool name, QByteArray *out, const QByteArrayView *ownerName = nullptr)
{
    const qsizetype n = bytes.size();
    if (n > 0 && n <= kMaxShared) {
        const auto *d = reinterpret_cast<const unsigned char *>(bytes.data());
        const FieldWords w = fieldWords(d, n);
        Slot *pair = slotPair(w);
        for (quint8 place = 0; place < 2; ++place) {
            if (pair[place].settled && slotHolds(pair[place], d, n, w, name)) {
                pair[0].recent = place;
                // A copy made inline and moved: QByteArray's copy assignment is a call.
                *out = QByteArray(pair[place].bytes);
                return true;
            }
        }
    }
    return sharedFieldRest(bytes, name, out, ownerName);
}

} // namespace

void shareValue(QByteArrayView bytes, QByteArray *out)
{
    if (!sharedField(bytes, false, out)) {
        *out = bytes.toByteArray();
    }
}

bool isToken(QByteArrayView v)
{
    if (v.isEmpty()) {
        return false;
    }
    for (char c : v) {
        if (!isTchar(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

bool isFieldValue(QByteArrayView v)
{
    const auto passes = [](QByteArrayView bytes) {
        for (char ch : bytes) {
            const auto c = static_cast<unsigned char>(ch);
            if (c != '\t' && (c < 0x20 || c == 0x7f)) {
                return false;
            }
        }
        return true;
    };
#if defined(__SSE2__) || defined(_M_X64)
    // 16 bytes a step (a value met for the first time is checked whole: a byte loop was ~4 instructions a byte), the
    // last step overlapping the one before.
    if (v.size() >= 16) {
        const auto clean = [](const char *p) {
            const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
            const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x); // below 0x20
            const __m128i bad = _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t')), control),
                _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
            return _mm_movemask_epi8(bad) == 0;
        };
        for (qsizetype i = 0; i + 16 < v.size(); i += 16) {
            if (!clean(v.data() + i)) {
                return false;
            }
        }
        return clean(v.data() + v.size() - 16);
    }
#endif
    return passes(v);
}

ParseOutcome error(int status, const char *reason)
{
    ParseOutcome o;
    o.state = ParseOutcome::Error;
    o.status = status;
    o.reason = reason;
    return o;
}

namespace {
// Copied without a reference count (text/permanent.h, or empty): what a head memo hands out again as it is.
bool copiesFree(const QByteArray &b)
{
    return const_cast<QByteArray &>(b).data_ptr().d_ptr() == nullptr;
}
} // namespace

ParseOutcome parseHeaderLines(QByteArrayView data, qsizetype pos, qsizetype maxHeaderBytes, int maxHeaderCount,
    HeaderList *headers, HeadMemo *memo)
{
    headers->reserve(headers->size() + kUsualHeaderCount); // a typical head in one (recycled) block
    const qsizetype first = pos;
    const size_t fieldsBefore = headers->size();
    // While this head's lines are the memo's, byte for byte and at the same place (each compared whole, its CRLF
    // included), `followed` counts them; the first that differs (or is cut short) ends it. A followed line whose
    // field copies free is taken from the memo; one that does not (seen once so far, or a credential's value, never
    // made permanent) is parsed as any line and its field kept in the memo.
    // Consecutive followed lines whose fields all copy free (a run) are compared in one memcmp and taken at once: a
    // comparison and a push a line were ~90 instructions, ~17 lines a request and its answer. A run that differs is
    // gone through line by line, and no run is tried again in this head (each try compares the rest of the run: a
    // head of many kept lines changed near its end would cost a comparison of all of them for each).
    size_t followed = 0;
    bool following = memo && !memo->ends.empty();
    bool runs = following;
    for (;;) {
        bool sameLine = false;
        if (runs && following) {
            size_t run = followed;
            while (run < memo->fields.size() && copiesFree(memo->fields[run].name)
                && copiesFree(memo->fields[run].value)) {
                ++run;
            }
            if (run > followed + 1) {
                const qsizetype from = followed > 0 ? memo->ends[followed - 1] : 0;
                const qsizetype end = memo->ends[run - 1];
                if (first + end <= data.size() && first + end <= maxHeaderBytes
                    && qsizetype(headers->size() + (run - followed)) <= maxHeaderCount
                    && std::memcmp(data.data() + pos, memo->lines.constData() + from, size_t(end - from)) == 0) {
                    headers->insert(headers->end(), memo->fields.begin() + qsizetype(followed),
                        memo->fields.begin() + qsizetype(run));
                    followed = run;
                    pos = first + end;
                    continue;
                }
                runs = false; // the limits are met, or the lines differ, line by line
            }
        }
        if (following) {
            const qsizetype from = followed > 0 ? memo->ends[followed - 1] : 0;
            const qsizetype end = followed < memo->ends.size() ? memo->ends[followed] : 0;
            sameLine = end > 0 && first + end <= data.size()
                && std::memcmp(data.data() + pos, memo->lines.constData() + from, size_t(end - from)) == 0;
            following = sameLine;
            if (sameLine && copiesFree(memo->fields[followed].name) && copiesFree(memo->fields[followed].value)) {
                if (first + end > maxHeaderBytes) {
                    return error(431, "The request headers are larger than the server accepts.");
                }
                if (qsizetype(headers->size()) + 1 > maxHeaderCount) {
                    return error(431, "The request has more header fields than the server accepts.");
                }
                headers->push_back(memo->fields[followed++]);
                pos = first + end;
                continue;
            }
        }
        const qsizetype nl = indexOf(data, '\n', pos); // memchr (http/search.h), not Qt's general search
        if (nl < 0) {
            if (data.size() > maxHeaderBytes) {
                return error(431, "The request headers are larger than the server accepts.");
            }
            return ParseOutcome {};
        }
        if (nl + 1 > maxHeaderBytes) {
            return error(431, "The request headers are larger than the server accepts.");
        }
        if (nl == pos || data[nl - 1] != '\r') {
            return error(400, "Header lines must end with CRLF; a bare LF is not accepted.");
        }
        const QByteArrayView line = data.sliced(pos, nl - 1 - pos);
        pos = nl + 1;
        if (line.isEmpty()) {
            if (memo) {
                // The head becomes the memo: the lines followed stay, the rest are this head's.
                const qsizetype kept = followed > 0 ? memo->ends[followed - 1] : 0;
                memo->lines.truncate(kept);
                memo->lines.append(data.sliced(first + kept, pos - 2 - first - kept));
                memo->ends.resize(followed);
                memo->fields.resize(followed);
                qsizetype at = kept;
                for (size_t i = fieldsBefore + followed; i < headers->size(); ++i) {
                    at = indexOf(QByteArrayView(memo->lines), '\n', at) + 1; // each field is one line
                    memo->ends.push_back(at);
                    memo->fields.push_back((*headers)[i]);
                }
            }
            ParseOutcome o;
            o.state = ParseOutcome::Complete;
            o.consumed = pos;
            return o;
        }
        if (line.front() == ' ' || line.front() == '\t') {
            return error(400, "Folded header lines (obs-fold) are not accepted.");
        }
        const qsizetype colon = indexOf(line, ':');
        const QByteArrayView name = line.first(std::max(colon, qsizetype(0)));
        Header &header = headers->emplace_back(); // filled in place (a move and a destructor a header otherwise)
        if (colon <= 0 || !sharedField(name, true, &header.name)) {
            headers->pop_back();
            return error(400, "A header line is malformed: expected 'Name: value' with no space before the colon.");
        }
        if (!sharedField(trimOws(line.sliced(colon + 1)), false, &header.value, &name)) {
            headers->pop_back();
            return error(400, "A header value contains a control character.");
        }
        if (qsizetype(headers->size()) > maxHeaderCount) {
            headers->pop_back();
            return error(431, "The request has more header fields than the server accepts.");
        }
        if (sameLine) {
            memo->fields[followed++] = headers->back(); // maybe permanent now: taken from the memo next time
        }
    }
}

bool parseDecimal(QByteArrayView v, qint64 *out)
{
    if (v.isEmpty() || v.size() > 18) {
        return false;
    }
    qint64 n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') {
            return false;
        }
        n = n * 10 + (c - '0');
    }
    *out = n;
    return true;
}

FramingFields framingFields(const HeaderList &headers)
{
    FramingFields f;
    for (const Header &h : headers) {
        switch (h.name.size()) { // the length first: most names are none of these
        case 4:
            f.hosts += equalsIgnoreCase(h.name, "host") ? 1 : 0;
            break;
        case 6:
            if (equalsIgnoreCase(h.name, "expect") && f.expects++ == 0) {
                f.expect = &h.value;
            }
            break;
        case 10:
            if (!f.connection && equalsIgnoreCase(h.name, "connection")) {
                f.connection = &h.value;
            }
            break;
        case 14:
            if (equalsIgnoreCase(h.name, "content-length") && f.contentLengths++ == 0) {
                f.contentLength = &h.value;
            }
            break;
        case 17:
            f.transferEncodings += equalsIgnoreCase(h.name, "transfer-encoding") ? 1 : 0;
            break;
        default:
            break;
        }
    }
    return f;
}

int checkTransferEncoding(const HeaderList &headers)
{
    int codings = 0;
    bool chunkedLast = false;
    for (const Header &h : headers) {
        if (!equalsIgnoreCase(h.name, "transfer-encoding")) {
            continue;
        }
        QByteArrayView list = h.value;
        while (true) {
            const qsizetype comma = list.indexOf(',');
            const QByteArrayView item = trimOws(comma < 0 ? list : list.first(comma));
            if (!item.isEmpty()) {
                if (chunkedLast) {
                    return 400; // chunked must be the final coding, and appear once
                }
                ++codings;
                if (equalsIgnoreCase(item, "chunked")) {
                    chunkedLast = true;
                } else {
                    return 501;
                }
            }
            if (comma < 0) {
                break;
            }
            list = list.sliced(comma + 1);
        }
    }
    return codings == 1 && chunkedLast ? 0 : 400;
}

} // namespace ga::http::detail
