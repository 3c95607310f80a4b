// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/config.h"
#include "keys/apikey.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QSet>
#include <QString>

#include <optional>

namespace ga::keys {

// Key files users bring: plain text (one key per line, '#' comments), CSV with a header naming a "key"
// column (and optionally label, weight, group), or our own JSON export.
enum class KeyFileFormat
{
    Text,
    Csv,
    Export
};

struct ImportItem
{
    ImportCandidate key;
    QString label;
    QString group;
    int weight = 1;
    bool enabled = true;
};

struct FileImportPlan
{
    KeyFileFormat format = KeyFileFormat::Text;
    QList<ImportItem> fresh;
    QList<int> duplicateLines; // already configured, or repeated in the file (record numbers for exports)
    QList<QPair<int, QString>> rejectedLines; // line (or record) number and why, never the key itself
    QString error; // the whole file is unusable (bad JSON, wrong passphrase, …)
};

KeyFileFormat detectKeyFileFormat(const QByteArray &text);

// Plans the import of `text`; `knownFingerprints` are the keys already configured. An export with secrets
// needs `passphrase` (the one given to `export --with-secrets`).
FileImportPlan planFileImport(
    const QByteArray &text, const QSet<QString> &knownFingerprints, const std::optional<QByteArray> &passphrase);

// True when `text` is an export whose secrets are encrypted (so a passphrase is needed).
bool exportNeedsPassphrase(const QByteArray &text);

// Our export: {"format": "gemini-aggregator-export", "version": 1, "keys": [...], "instances": [...],
// "secrets": "<base64 of the encrypted-file format>"}; "secrets" only when `secrets` is given, sealed with
// `passphrase` (AES-256-GCM, scrypt — the encrypted secret store's scheme). `secrets` maps store entry
// names ("key/<id>", "relay/<id>") to values.
QByteArray buildExport(
    const config::Config &config, const QMap<QString, QByteArray> *secrets, QByteArrayView passphrase);

} // namespace ga::keys
