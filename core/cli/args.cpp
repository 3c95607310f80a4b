// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/args.h"

namespace ga::cli {

bool Args::parse(const QStringList &words, const QList<OptionSpec> &known, QString *error)
{
    auto find = [&known](const QString &name, bool isShort) -> const OptionSpec * {
        for (const OptionSpec &spec : known) {
            if (isShort ? (!spec.shortName.isNull() && name == spec.shortName) : spec.name == name) {
                return &spec;
            }
        }
        return nullptr;
    };

    bool optionsEnded = false;
    for (qsizetype i = 0; i < words.size(); ++i) {
        const QString &word = words.at(i);
        if (optionsEnded || !word.startsWith(u'-') || word == u"-") {
            m_positionals.append(word);
            continue;
        }
        if (word == u"--") {
            optionsEnded = true;
            continue;
        }
        const bool isShort = !word.startsWith(QLatin1String("--"));
        QString name = word.mid(isShort ? 1 : 2);
        QString inlineValue;
        bool hasInline = false;
        if (const qsizetype eq = name.indexOf(u'='); eq >= 0) {
            inlineValue = name.mid(eq + 1);
            name = name.left(eq);
            hasInline = true;
        }
        const OptionSpec *spec = find(name, isShort);
        if (!spec) {
            *error = QStringLiteral("unknown option '%1'").arg(word);
            return false;
        }
        if (!spec->takesValue) {
            if (hasInline) {
                *error = QStringLiteral("option '--%1' takes no value").arg(spec->name);
                return false;
            }
            m_options.insert(spec->name, QString());
            continue;
        }
        if (hasInline) {
            m_options.insert(spec->name, inlineValue);
        } else if (i + 1 < words.size()) {
            m_options.insert(spec->name, words.at(++i));
        } else {
            *error = QStringLiteral("option '--%1' needs a value").arg(spec->name);
            return false;
        }
    }
    return true;
}

} // namespace ga::cli
