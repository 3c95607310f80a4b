// SPDX-License-Identifier: GPL-3.0-or-later
#include "keys/keyexchange.h"

#include "config/configschema.h"
#include "logging/usertext.h"
#include "secrets/secretcipher.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace ga::keys {
namespace {

// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kTheCsvHeaderLineHas(
    "ga::keys", QT_TRANSLATE_NOOP("ga::keys", "the CSV header (line %1) has no \"key\" column"));
const logging::UserText kWeightMustBeAWhole(
    "ga::keys", QT_TRANSLATE_NOOP("ga::keys", "weight must be a whole number from 1 to 1000"));
const logging::UserText kNotAGeminiAggregatorExport(
    "ga::keys", QT_TRANSLATE_NOOP("ga::keys", "not a gemini-aggregator export (JSON with \"format\": \"%1\")"));
const logging::UserText kThisExportWasMadeWithout("ga::keys",
    QT_TRANSLATE_NOOP("ga::keys", "this export was made without --with-secrets, so it holds no keys to import"));
const logging::UserText kThisExportSSecretsAre("ga::keys",
    QT_TRANSLATE_NOOP("ga::keys", "this export's secrets are encrypted: give the passphrase used by 'export'"));
const logging::UserText kWrongPassphraseForThisExport(
    "ga::keys", QT_TRANSLATE_NOOP("ga::keys", "wrong passphrase for this export (or the file was changed)"));
const logging::UserText kTheExportSSecretsCannot("ga::keys",
    QT_TRANSLATE_NOOP("ga::keys", "the export's secrets cannot be read (damaged, or made by a newer version)"));
const logging::UserText kNoSecretForThisKey(
    "ga::keys", QT_TRANSLATE_NOOP("ga::keys", "no secret for this key in the export"));

constexpr const char *kExportFormat = "gemini-aggregator-export";

// One CSV record split into fields: quotes allowed around fields, "" for a quote inside.
QList<QByteArray> csvFields(const QByteArray &line)
{
    QList<QByteArray> out;
    QByteArray field;
    bool quoted = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const char c = line.at(i);
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line.at(i + 1) == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',' || c == ';' || c == '\t') {
            out.append(field.trimmed());
            field.clear();
        } else {
            field += c;
        }
    }
    out.append(field.trimmed());
    return out;
}

// Adds a key (with its metadata) to the plan, or records why not.
void consider(FileImportPlan &plan, QSet<QString> &seen, int number, const QByteArray &secret, ImportItem item)
{
    if (const QString problem = keyFormatProblem(secret); !problem.isEmpty()) {
        plan.rejectedLines.append({ number, problem });
        return;
    }
    const QString fingerprint = keyFingerprint(secret);
    if (seen.contains(fingerprint)) {
        plan.duplicateLines.append(number);
        return;
    }
    seen.insert(fingerprint);
    item.key = ImportCandidate { secret, fingerprint, keyHint(secret), number };
    plan.fresh.append(std::move(item));
}

void planCsv(FileImportPlan &plan, const QByteArray &text, QSet<QString> &seen)
{
    const QList<QByteArray> lines = text.split('\n');
    int keyColumn = -1;
    int labelColumn = -1;
    int weightColumn = -1;
    int groupColumn = -1;
    bool header = false;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const int number = int(i + 1);
        if (line.isEmpty() || line.startsWith('#')) {
            continue;
        }
        const QList<QByteArray> fields = csvFields(line);
        if (!header) {
            header = true;
            for (int c = 0; c < fields.size(); ++c) {
                const QByteArray name = fields.at(c).toLower();
                keyColumn = name == "key" || name == "api_key" || name == "apikey" ? c : keyColumn;
                labelColumn = name == "label" || name == "name" ? c : labelColumn;
                weightColumn = name == "weight" ? c : weightColumn;
                groupColumn = name == "group" || name == "project" ? c : groupColumn;
            }
            if (keyColumn < 0) {
                plan.error = kTheCsvHeaderLineHas.text().arg(number);
                return;
            }
            continue;
        }
        ImportItem item;
        item.label = QString::fromUtf8(fields.value(labelColumn)).left(200);
        item.group = QString::fromUtf8(fields.value(groupColumn)).left(200);
        if (weightColumn >= 0 && !fields.value(weightColumn).isEmpty()) {
            bool ok = false;
            item.weight = fields.value(weightColumn).toInt(&ok);
            if (!ok || item.weight < 1 || item.weight > 1000) {
                plan.rejectedLines.append({ number, kWeightMustBeAWhole.text() });
                continue;
            }
        }
        consider(plan, seen, number, fields.value(keyColumn), std::move(item));
    }
}

void planExport(
    FileImportPlan &plan, const QByteArray &text, QSet<QString> &seen, const std::optional<QByteArray> &passphrase)
{
    QJsonParseError error {};
    const QJsonObject doc = QJsonDocument::fromJson(text, &error).object();
    if (error.error != QJsonParseError::NoError || doc.value(u"format").toString() != QLatin1String(kExportFormat)) {
        plan.error = kNotAGeminiAggregatorExport.text().arg(QLatin1String(kExportFormat));
        return;
    }
    const QByteArray sealed = QByteArray::fromBase64(doc.value(u"secrets").toString().toLatin1());
    if (sealed.isEmpty()) {
        plan.error = kThisExportWasMadeWithout.text();
        return;
    }
    if (!passphrase || passphrase->isEmpty()) {
        plan.error = kThisExportSSecretsAre.text();
        return;
    }
    const secrets::cipher::DecryptResult opened = secrets::cipher::open(sealed, *passphrase);
    if (opened.status != secrets::cipher::OpenStatus::Ok) {
        plan.error = opened.status == secrets::cipher::OpenStatus::BadPassphrase ? kWrongPassphraseForThisExport.text()
                                                                                 : kTheExportSSecretsCannot.text();
        return;
    }
    const QJsonArray keys = doc.value(u"keys").toArray();
    for (qsizetype i = 0; i < keys.size(); ++i) {
        const QJsonObject o = keys.at(i).toObject();
        const QString id = o.value(u"id").toString();
        const int number = int(i + 1);
        const auto secret = opened.entries.constFind(secretEntryName(id));
        if (id.isEmpty() || secret == opened.entries.constEnd()) {
            plan.rejectedLines.append({ number, kNoSecretForThisKey.text() });
            continue;
        }
        ImportItem item;
        item.label = o.value(u"label").toString();
        item.group = o.value(u"group").toString();
        item.weight = std::clamp(o.value(u"weight").toInt(1), 1, 1000);
        item.enabled = o.value(u"enabled").toBool(true);
        consider(plan, seen, number, *secret, std::move(item));
    }
}

} // namespace

KeyFileFormat detectKeyFileFormat(const QByteArray &text)
{
    const QByteArray head = text.left(4096).trimmed();
    if (head.startsWith('{')) {
        return KeyFileFormat::Export;
    }
    qsizetype start = 0;
    // The first line that is not a comment decides: a header with a "key" column means CSV.
    for (;;) {
        const qsizetype end = head.indexOf('\n', start);
        const QByteArray line = head.mid(start, end < 0 ? -1 : end - start).trimmed();
        if (!line.isEmpty() && !line.startsWith('#')) {
            const QList<QByteArray> fields = csvFields(line);
            for (const QByteArray &f : fields) {
                const QByteArray name = f.toLower();
                if (fields.size() > 1 && (name == "key" || name == "api_key" || name == "apikey")) {
                    return KeyFileFormat::Csv;
                }
            }
            return KeyFileFormat::Text;
        }
        if (end < 0) {
            return KeyFileFormat::Text;
        }
        start = end + 1;
    }
}

bool exportNeedsPassphrase(const QByteArray &text)
{
    return detectKeyFileFormat(text) == KeyFileFormat::Export
        && !QJsonDocument::fromJson(text).object().value(u"secrets").toString().isEmpty();
}

FileImportPlan planFileImport(
    const QByteArray &text, const QSet<QString> &knownFingerprints, const std::optional<QByteArray> &passphrase)
{
    FileImportPlan plan;
    plan.format = detectKeyFileFormat(text);
    QSet<QString> seen = knownFingerprints;
    switch (plan.format) {
    case KeyFileFormat::Export:
        planExport(plan, text, seen, passphrase);
        break;
    case KeyFileFormat::Csv:
        planCsv(plan, text, seen);
        break;
    case KeyFileFormat::Text: {
        const ImportPlan p = planImport(text, knownFingerprints);
        for (const ImportCandidate &c : p.fresh) {
            ImportItem item;
            item.key = c;
            plan.fresh.append(item);
        }
        plan.duplicateLines = p.duplicateLines;
        plan.rejectedLines = p.rejectedLines;
        break;
    }
    }
    return plan;
}

QByteArray buildExport(
    const config::Config &config, const QMap<QString, QByteArray> *secrets, QByteArrayView passphrase)
{
    QJsonArray keys;
    for (const config::KeyEntry &k : config.keys) {
        QJsonObject o = config::schema::toJson(k);
        o.remove(QStringLiteral("resetAt"));
        keys.append(o);
    }
    QJsonArray instances;
    for (const config::InstanceEntry &i : config.instances) {
        instances.append(config::schema::toJson(i));
    }
    QJsonObject doc { { QStringLiteral("format"), QLatin1String(kExportFormat) }, { QStringLiteral("version"), 1 },
        { QStringLiteral("keys"), keys }, { QStringLiteral("instances"), instances } };
    if (secrets) {
        doc.insert(
            QStringLiteral("secrets"), QString::fromLatin1(secrets::cipher::seal(*secrets, passphrase).toBase64()));
    }
    return QJsonDocument(doc).toJson(QJsonDocument::Indented);
}

} // namespace ga::keys
