// SPDX-License-Identifier: GPL-3.0-or-later
// The config validator's document-wide rules: the format version, unknown members, each setting of the table
// (type, range, choices, the rules for text), the listen policy and secrets in the file; and the entry points
// parseText() (with JSON errors and line numbers) and validateDocument(). The entry lists are in entryrules.cpp.
#include "config/jsonlocator.h"
#include "config/validator_p.h"
#include "logging/redact.h"
#include "logging/usertext.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ga::config::schema::detail {
namespace {

// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kKeptAsItWasWritten(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "%1 (kept as it was written; change it)"));
const logging::UserText kExpectedAWholeNumberGot(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "expected a whole number, got %1"));
const logging::UserText kTheFileWasWrittenBy("ga::config",
    QT_TRANSLATE_NOOP("ga::config",
        "the file was written by a newer Gemini Aggregator (format %1; this one reads up to %2) — update the program"));
const logging::UserText kIsNotAConfigFormat(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "%1 is not a config format version (1)"));
const logging::UserText kExpectedAnObjectGot(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "expected an object, got %1"));
const logging::UserText kUnknownSettingIgnored(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "unknown setting, ignored%1"));
const logging::UserText kExpectedWholeNumberGotValue(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "expected a whole number, got %1 %2"));
const logging::UserText kIsNotAWholeNumber("ga::config", QT_TRANSLATE_NOOP("ga::config", "%1 is not a whole number"));
const logging::UserText kIsNotAPort("ga::config", QT_TRANSLATE_NOOP("ga::config", "%1 is not a port (%2–%3%4)"));
const logging::UserText kIsOutOfRange("ga::config", QT_TRANSLATE_NOOP("ga::config", "%1 is out of range (%2–%3%4)"));
const logging::UserText kExpectedTrueOrFalseGot(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "expected true or false, got %1 %2"));
const logging::UserText kIsNotOneOf("ga::config", QT_TRANSLATE_NOOP("ga::config", "%1 is not one of %2"));
const logging::UserText kExpectedAStringGot(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "expected a string, got %1 %2"));
const logging::UserText kHoldsWhatLooksLikeAn("ga::config",
    QT_TRANSLATE_NOOP("ga::config",
        "holds what looks like an API key or access token; secrets belong in the secret store — remove it here and use "
        "'gemini-aggregatord keys add'"));
const logging::UserText kThisMemberNameLooksLike("ga::config",
    QT_TRANSLATE_NOOP("ga::config",
        "this member name looks like an API key or access token; secrets belong in the secret store — remove it here "
        "and use 'gemini-aggregatord keys add'"));
const logging::UserText kGiveBothTlsFiles(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "give both listen.tls.certFile and listen.tls.keyFile, or neither"));
const logging::UserText kTlsPortIsHttpPort("ga::config",
    QT_TRANSLATE_NOOP("ga::config", "%1 is the HTTP port (listen.port) too: give HTTPS a port of its own"));
const logging::UserText kTlsPortNeedsCertificate("ga::config",
    QT_TRANSLATE_NOOP("ga::config",
        "HTTPS needs a certificate: set listen.tls.certFile and listen.tls.keyFile, turn on listen.tls.selfSigned, or "
        "set listen.tls.acme.directoryUrl"));
const logging::UserText kAcmeNeedsDomains("ga::config",
    QT_TRANSLATE_NOOP(
        "ga::config", "ACME needs the names the certificate is for (comma-separated, e.g. proxy.example.com)"));
const logging::UserText kAcmeNeedsTlsPort(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "ACME certificates are for HTTPS: set listen.tls.port too"));
const logging::UserText kColumnNotValidJson(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "column %1: not valid JSON (%2)"));
const logging::UserText kTheFileMustHoldA(
    "ga::config", QT_TRANSLATE_NOOP("ga::config", "the file must hold a JSON object ({ … }), not a list or value"));

// Where a Gemini API key (AIza + 35), an access token of ours (gat_ + at least 20) or a JWT's header and payload
// (eyJ… . eyJ… .) appear in a text, letters as written. By hand, not as a regular expression: every config load
// scans every value, and an expression compiled at start-up keeps PCRE2 and its JIT's pages resident for good.
bool holdsSecret(QStringView text)
{
    auto isTokenChar = [](QChar c) {
        return (c >= u'0' && c <= u'9') || (c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z') || c == u'_'
            || c == u'-';
    };
    // The length of the run of token characters from `at`, counted up to `enough`.
    auto runAt = [&](qsizetype at, qsizetype enough = std::numeric_limits<qsizetype>::max()) {
        qsizetype end = at;
        while (end < text.size() && end - at < enough && isTokenChar(text[end])) {
            ++end;
        }
        return end - at;
    };
    // A JWT's segment from `at`: "eyJ" and at least 8 more token characters, then a dot; the index after the dot.
    auto jwtSegment = [&](qsizetype at) -> qsizetype {
        if (!text.sliced(at).startsWith(u"eyJ")) {
            return -1;
        }
        const qsizetype end = at + 3 + runAt(at + 3);
        return end - at - 3 >= 8 && end < text.size() && text[end] == u'.' ? end + 1 : -1;
    };
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QStringView rest = text.sliced(i);
        if ((rest.startsWith(u"AIza") && runAt(i + 4, 35) == 35)
            || (rest.startsWith(u"gat_") && runAt(i + 4, 20) == 20)) {
            return true;
        }
        if (const qsizetype second = jwtSegment(i); second >= 0 && jwtSegment(second) >= 0) {
            return true;
        }
    }
    return false;
}

} // namespace

ParseResult Validator::run(const QJsonObject &doc)
{
    m_result.document = doc;
    checkVersion(doc);
    checkUnknown(doc, QString());
    for (const Setting &s : settings()) {
        checkSetting(doc, s);
    }
    checkInstances(doc);
    checkKeys(doc);
    checkTokens(doc);
    checkListenPolicy();
    checkTls();
    scanForSecrets(doc, QString());
    return m_result;
}

void Validator::add(Problem::Severity severity, const QString &path, const QString &message)
{
    // Messages quote values (ids, URLs, member names); none of them may carry a secret out of the file.
    Problem p { severity, logging::Redactor::redact(path), logging::Redactor::redact(message), lineOf(path) };
    m_result.problems.append(p);
}

int Validator::lineOf(QString path) const
{
    while (!path.isEmpty()) {
        if (const auto it = m_lines.constFind(path); it != m_lines.constEnd()) {
            return *it;
        }
        const qsizetype cut = std::max(path.lastIndexOf(u'.'), path.lastIndexOf(u'['));
        path = cut > 0 ? path.left(cut) : QString();
    }
    return 0;
}

bool Validator::checkText(const QString &path, const QString &value, qsizetype max, const std::function<bool()> &held)
{
    const QString reason = textProblem(value, max);
    if (reason.isEmpty()) {
        return true;
    }
    if (m_mode == Mode::Save && !held()) {
        error(path, reason);
        return false;
    }
    warning(path, kKeptAsItWasWritten.text().arg(reason));
    return true;
}

void Validator::checkListenPolicy()
{
    for (const Problem &p : std::as_const(m_result.problems)) {
        if (p.isError()
            && (p.path == u"listen.host" || p.path == u"listen.allowRemote" || p.path.startsWith(u"auth."))) {
            return; // what it depends on is broken, and reported on its own
        }
    }
    if (QString why; !listenPolicyAllows(m_result.config, &why)) {
        error(QStringLiteral("listen.host"), why);
    }
}

void Validator::checkTls()
{
    for (const Problem &p : std::as_const(m_result.problems)) {
        if (p.isError() && (p.path.startsWith(u"listen.tls.") || p.path == u"listen.port")) {
            return; // what the rules below compare is broken, and reported on its own
        }
    }
    const Config &c = m_result.config;
    if (c.tlsCertFile.isEmpty() != c.tlsKeyFile.isEmpty()) {
        error(c.tlsCertFile.isEmpty() ? QStringLiteral("listen.tls.certFile") : QStringLiteral("listen.tls.keyFile"),
            kGiveBothTlsFiles.text());
    }
    const bool acme = !c.acmeDirectoryUrl.isEmpty();
    if (acme && c.acmeDomains.trimmed().isEmpty()) {
        error(QStringLiteral("listen.tls.acme.domains"), kAcmeNeedsDomains.text());
    }
    if (c.tlsPort == 0) {
        if (acme) { // harmless (nothing is ordered), and a step on the way when settings are made one at a time
            warning(QStringLiteral("listen.tls.port"), kAcmeNeedsTlsPort.text());
        }
        return;
    }
    if (c.tlsPort == c.listenPort) {
        error(QStringLiteral("listen.tls.port"), kTlsPortIsHttpPort.text().arg(c.tlsPort));
    } else if (c.tlsCertFile.isEmpty() && !c.tlsSelfSigned && !acme) {
        error(QStringLiteral("listen.tls.port"), kTlsPortNeedsCertificate.text());
    }
}

void Validator::checkVersion(const QJsonObject &doc)
{
    const QJsonValue v = doc.value(u"version");
    if (v.isUndefined()) {
        return;
    }
    if (!v.isDouble() || v.toDouble() != std::floor(v.toDouble())) {
        error(QStringLiteral("version"), kExpectedAWholeNumberGot.text().arg(jsonTypeName(v)));
        return;
    }
    const int version = v.toInt();
    if (version > kConfigVersion) {
        error(QStringLiteral("version"), kTheFileWasWrittenBy.text().arg(version).arg(kConfigVersion));
    } else if (version < 1) {
        error(QStringLiteral("version"), kIsNotAConfigFormat.text().arg(version));
    }
}

void Validator::checkUnknown(const QJsonObject &obj, const QString &prefix)
{
    QStringList known = settingPaths();
    known += QStringList(structuralPaths().begin(), structuralPaths().end());
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        const QString path = prefix.isEmpty() ? it.key() : prefix + u'.' + it.key();
        if (structuralPaths().contains(path)) {
            if (it.value().isObject() && path != u"version") {
                checkUnknown(it.value().toObject(), path);
            } else if (!it.value().isObject() && !path.endsWith(u".items") && path != u"version") {
                error(path, kExpectedAnObjectGot.text().arg(jsonTypeName(it.value())));
            }
            continue;
        }
        if (!findSetting(path)) {
            warning(path, kUnknownSettingIgnored.text().arg(suggestion(path, known)));
        }
    }
}

void Validator::checkSetting(const QJsonObject &doc, const Setting &s)
{
    const QString path = QLatin1String(s.path);
    QJsonValue v = valueAt(doc, path);
    if (v.isUndefined()) {
        v = s.defaultValue;
    } else if (!checkValue(path, s, v)) {
        return;
    }
    s.apply(m_result.config, v);
}

bool Validator::checkValue(const QString &path, const Setting &s, const QJsonValue &v)
{
    switch (s.kind) {
    case Kind::Int: {
        if (!v.isDouble()) {
            error(path, kExpectedWholeNumberGotValue.text().arg(jsonTypeName(v), shown(v)));
            return false;
        }
        const double d = v.toDouble();
        if (d != std::floor(d)) {
            error(path, kIsNotAWholeNumber.text().arg(d));
            return false;
        }
        if (d < s.min || d > s.max) {
            const QString unit = *s.unit ? QStringLiteral(" ") + QLatin1String(s.unit) : QString();
            const QString range = path == u"listen.port" ? kIsNotAPort.text() : kIsOutOfRange.text();
            error(path, range.arg(shown(v)).arg(s.min).arg(s.max).arg(unit));
            return false;
        }
        return true;
    }
    case Kind::Bool:
        if (!v.isBool()) {
            error(path, kExpectedTrueOrFalseGot.text().arg(jsonTypeName(v), shown(v)));
            return false;
        }
        return true;
    case Kind::Enum:
        if (!v.isString() || !s.choices.contains(v.toString())) {
            error(path, kIsNotOneOf.text().arg(shown(v), s.choices.join(QStringLiteral(", "))));
            return false;
        }
        return true;
    case Kind::String:
        if (!v.isString()) {
            error(path, kExpectedAStringGot.text().arg(jsonTypeName(v), shown(v)));
            return false;
        }
        if (!checkText(path, v.toString(), maxCharsOf(path), [&] { return valueAt(m_previous, path) == v; })) {
            return false;
        }
        if (s.check) {
            if (const QString reason = s.check(v.toString()); !reason.isEmpty()) {
                error(path, logging::Redactor::redact(reason));
                return false;
            }
        }
        return true;
    }
    return false;
}

void Validator::scanForSecrets(const QJsonValue &v, const QString &path)
{
    if (v.isString()) {
        if (holdsSecret(v.toString())) {
            error(path, kHoldsWhatLooksLikeAn.text());
        }
    } else if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            const QString member = path.isEmpty() ? it.key() : path + u'.' + it.key();
            if (holdsSecret(it.key())) {
                error(member, kThisMemberNameLooksLike.text());
            }
            scanForSecrets(it.value(), member);
        }
    } else if (v.isArray()) {
        const QJsonArray a = v.toArray();
        for (qsizetype i = 0; i < a.size(); ++i) {
            scanForSecrets(a.at(i), path + QStringLiteral("[%1]").arg(i));
        }
    }
}

ParseResult parseText(const QByteArray &text, Mode mode, const QJsonObject &previous)
{
    QJsonParseError err {};
    const QJsonDocument doc = QJsonDocument::fromJson(text, &err);
    if (err.error != QJsonParseError::NoError) {
        // QJsonParseError::offset points just past the character that broke the parse (at it only for garbage
        // after the document). Past it can be the next line when that character ends a line ("tru\n").
        qsizetype at = err.offset;
        if (err.error != QJsonParseError::GarbageAtEnd && at > 0) {
            --at;
        }
        int line = 0;
        int column = 0;
        lineColumnAt(text, at, &line, &column);
        ParseResult r;
        r.problems.append(Problem {
            Problem::Severity::Error, QString(), kColumnNotValidJson.text().arg(column).arg(err.errorString()), line });
        return r;
    }
    if (!doc.isObject()) {
        ParseResult r;
        r.problems.append(Problem { Problem::Severity::Error, QString(), kTheFileMustHoldA.text(), 1 });
        return r;
    }
    const QHash<QString, int> lines = locateJsonPaths(text);
    return Validator(lines, mode, previous).run(doc.object());
}

ParseResult validateDocument(const QJsonObject &document)
{
    const QHash<QString, int> noLines;
    return Validator(noLines).run(document);
}

} // namespace ga::config::schema::detail
