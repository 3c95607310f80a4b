// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

namespace ga::logging {

// A sentence core shows to people: a validation message, a test result, a last error. It is made in English
// where it happens — the log, the admin API, the CLI and API clients read English — and translated where it is
// shown: the desktop app passes what it shows through translated(). Each pattern is one object, written so that
// lupdate finds it (the context twice, as QT_TRANSLATE_NOOP takes it):
//   const UserText kNotAPort("ga::config", QT_TRANSLATE_NOOP("ga::config", "%1 is not a port (%2–%3)"));
//   error(path, kNotAPort.text().arg(value).arg(1).arg(65535));
// Making one registers it; translated() knows every pattern of the code linked in.
class UserText final
{
public:
    UserText(const char *context, const char *source);
    Q_DISABLE_COPY_MOVE(UserText)

    // The English pattern, %1… still to fill.
    QString text() const { return QString::fromUtf8(m_source); }
    const char *context() const { return m_context; }
    const char *source() const { return m_source; }

private:
    const char *m_context;
    const char *m_source;
};

// `text` in the language of the installed translators: the registered pattern that matches all of it (the one
// with the most fixed text when several do) translated, with its arguments put back, each translated in turn (a
// reason inside a sentence is a sentence of its own). Text no pattern matches comes back unchanged.
QString translated(const QString &text);

// As translated(), for a line with a prefix of where it comes from ("config.json:3: listen.port: 70000 is not a
// port (1–65535)"): when no pattern matches all of it, the longest tail after a ": " that one matches is translated
// and what comes before it kept as it is.
QString translatedAfterPrefix(const QString &text);

// The "context\x1fsource" of the pattern translated() would use for `text`; empty when none matches.
QString matchingPattern(const QString &text);

// Every registered pattern as "context\x1fsource" (for tests).
QStringList userTextPatterns();

} // namespace ga::logging
