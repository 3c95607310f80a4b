// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QList>
#include <QStringList>

namespace ga::cli {

struct OptionSpec
{
    QString name; // long name without dashes
    bool takesValue = false;
    QChar shortName;
};

// Command-line words split into positionals and options. Options may stand anywhere ("keys list --json"),
// values as "--opt value" or "--opt=value"; "--" ends option parsing.
class Args
{
public:
    bool parse(const QStringList &words, const QList<OptionSpec> &known, QString *error);

    const QStringList &positionals() const { return m_positionals; }
    bool has(const QString &name) const { return m_options.contains(name); }
    QString value(const QString &name) const { return m_options.value(name); }
    QStringList optionNames() const { return m_options.keys(); }

private:
    QStringList m_positionals;
    QHash<QString, QString> m_options;
};

} // namespace ga::cli
