// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging/redact.h"

#include <QReadWriteLock>
#include <QRegularExpression>
#include <QStringList>

#include <algorithm>

namespace ga::logging {
namespace {

constexpr qsizetype kMinRegisteredSecret = 8;

// One pass over the text; order matters: carriers first so that "key=AIza…" masks the whole value.
const QRegularExpression &patterns()
{
    static const QRegularExpression re(
        QStringLiteral(
            R"((?<carrier>(?:[?&;]key=|x-goog-api-key[\"']?\s*[:=]\s*[\"']?|authorization[\"']?\s*[:=]\s*[\"']?bearer\s+))(?<cval>[^\s&\"',;]+))"
            R"(|(?<gkey>AIza[0-9A-Za-z_\-]{35}))"
            R"(|(?<tok>gat_[0-9A-Za-z_\-]{20,}))"
            R"(|(?<jwt>eyJ[0-9A-Za-z_\-]{4,}\.eyJ[0-9A-Za-z_\-]{4,}\.[0-9A-Za-z_\-]*))"),
        QRegularExpression::CaseInsensitiveOption);
    return re;
}

struct Registry
{
    QReadWriteLock lock;
    // Longest first: when one secret contains another, the longer one must be masked before the shorter one
    // turns part of it into "[redacted]" and leaves the rest of it in the text.
    QStringList secrets;
};

Registry &registry()
{
    static Registry r;
    return r;
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
        } else {
            out += QStringLiteral("[jwt]");
        }
        last = m.capturedEnd();
    }
    out += QStringView(text).mid(last);

    Registry &reg = registry();
    QReadLocker locker(&reg.lock);
    for (const QString &secret : std::as_const(reg.secrets)) {
        out.replace(secret, QStringLiteral("[redacted]"));
    }
    return out;
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
    QWriteLocker locker(&reg.lock);
    if (reg.secrets.contains(value)) {
        return;
    }
    const auto at = std::upper_bound(reg.secrets.begin(), reg.secrets.end(), value,
        [](const QString &a, const QString &b) { return a.size() > b.size(); });
    reg.secrets.insert(at, value);
}

void Redactor::removeSecret(const QByteArray &secret)
{
    Registry &reg = registry();
    QWriteLocker locker(&reg.lock);
    reg.secrets.removeAll(QString::fromUtf8(secret));
}

void Redactor::clearSecrets()
{
    Registry &reg = registry();
    QWriteLocker locker(&reg.lock);
    reg.secrets.clear();
}

} // namespace ga::logging
