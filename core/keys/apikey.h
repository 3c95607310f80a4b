// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"

#include <QByteArray>
#include <QList>
#include <QSet>
#include <QString>

namespace ga::keys {

// Gemini API keys are "AIza" followed by 35 characters of [0-9A-Za-z_-] (39 in all).
bool isValidKeyFormat(const QByteArray &key);
// Why a line is not a key, in words a user can act on (never repeats the line).
QString keyFormatProblem(const QByteArray &key);

// Hex SHA-256 prefix (128 bits): identifies a key for de-duplication without storing it.
QString keyFingerprint(const QByteArray &key);
QString keyHint(const QByteArray &key);

// The secret store entry holding a key's secret.
QString secretEntryName(const QString &keyId);

// A fresh id such as "k3f9a1c2", unique among `taken`.
QString newId(QChar prefix, const QSet<QString> &taken);

struct ImportCandidate
{
    QByteArray secret;
    QString fingerprint;
    QString hint;
    int line = 0;
};

struct ImportPlan
{
    QList<ImportCandidate> fresh;
    QList<int> duplicateLines; // already configured, or repeated in the input
    QList<QPair<int, QString>> rejectedLines; // line number and reason
};

// The most lines one command imports (keys add, keys import); more is refused before any parsing. With the CLI's
// 64 MiB input limit it bounds the memory and time an import takes.
inline constexpr qsizetype kMaxImportLines = 1'000'000;
// True when `text` has more than kMaxImportLines lines (a last line without a newline counts).
bool exceedsImportLines(const QByteArray &text);

// Splits pasted or piped text into keys: one per line, blank lines and '#' comments ignored.
ImportPlan planImport(const QByteArray &text, const QSet<QString> &knownFingerprints);

} // namespace ga::keys
