// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys/apikey.h"

#include "logging/usertext.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

namespace ga::keys {
namespace {

// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kNoAizaPrefix(
    "ga::keys", QT_TRANSLATE_NOOP("ga::keys", "not a Gemini API key (they start with 'AIza')"));
const logging::UserText kWrongLength(
    "ga::keys", QT_TRANSLATE_NOOP("ga::keys", "not a Gemini API key (%1 characters; a key has 39)"));
const logging::UserText kBadCharacter("ga::keys",
    QT_TRANSLATE_NOOP("ga::keys", "not a Gemini API key (it holds a character other than letters, digits, - and _)"));

} // namespace

namespace {

constexpr qsizetype kKeyLength = 39;

bool isKeyChar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

} // namespace

bool isValidKeyFormat(const QByteArray &key)
{
    return keyFormatProblem(key).isEmpty();
}

QString keyFormatProblem(const QByteArray &key)
{
    if (!key.startsWith("AIza")) {
        return kNoAizaPrefix.text();
    }
    if (key.size() != kKeyLength) {
        return kWrongLength.text().arg(key.size());
    }
    for (char c : key) {
        if (!isKeyChar(c)) {
            return kBadCharacter.text();
        }
    }
    return {};
}

QString keyFingerprint(const QByteArray &key)
{
    return QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex().left(32));
}

QString keyHint(const QByteArray &key)
{
    return QString::fromLatin1(key.right(4));
}

QString secretEntryName(const QString &keyId)
{
    return QStringLiteral("key/") + keyId;
}

QString newId(QChar prefix, const QSet<QString> &taken)
{
    for (;;) {
        const QString id = prefix + QString::number(QRandomGenerator::global()->generate(), 16).rightJustified(8, u'0');
        if (!taken.contains(id)) {
            return id;
        }
    }
}

bool exceedsImportLines(const QByteArray &text)
{
    const qsizetype lines = text.count('\n') + (text.isEmpty() || text.endsWith('\n') ? 0 : 1);
    return lines > kMaxImportLines;
}

ImportPlan planImport(const QByteArray &text, const QSet<QString> &knownFingerprints)
{
    ImportPlan plan;
    QSet<QString> seen = knownFingerprints;
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const int number = int(i + 1);
        if (line.isEmpty() || line.startsWith('#')) {
            continue;
        }
        if (const QString problem = keyFormatProblem(line); !problem.isEmpty()) {
            plan.rejectedLines.append({ number, problem });
            continue;
        }
        const QString fingerprint = keyFingerprint(line);
        if (seen.contains(fingerprint)) {
            plan.duplicateLines.append(number);
            continue;
        }
        seen.insert(fingerprint);
        plan.fresh.append(ImportCandidate { line, fingerprint, keyHint(line), number });
    }
    return plan;
}

} // namespace ga::keys
