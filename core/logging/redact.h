// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace ga::logging {

// Masks secrets in text that is about to leave the process (logs, error messages, HTTP bodies).
// Recognised by shape: Gemini API keys (AIza + 35 chars), our access tokens (gat_ + 43 chars), JWTs,
// and values of credential carriers (key=…, x-goog-api-key: …, Authorization: Bearer …).
// Secrets of free-form shape (e.g. relay secrets) are registered with addSecret() once loaded.
class Redactor
{
public:
    static QString redact(const QString &text);
    static QByteArray redact(const QByteArray &text);

    // Registers an exact secret value to be masked wherever it appears. Thread-safe. Values under
    // 8 characters are ignored (masking them would mangle ordinary words).
    static void addSecret(const QByteArray &secret);
    static void removeSecret(const QByteArray &secret);
    static void clearSecrets();
    // Changes whenever the registered secrets do: a text found clean stays clean while it is the same.
    static quint64 secretsGeneration();

private:
    // The registered secrets masked in `text`.
    static QString redactRegistered(QString text);
};

// Redacts texts that mostly repeat (a request's model or path, a client's name): a text equal to the last one found
// clean is not searched again while the registered secrets stay the same. Keeps that one text; one per thread and
// use (not shared between threads).
class RepeatedTextRedactor
{
public:
    void redact(QString &text);

private:
    quint64 m_generation = 0;
    QString m_clean;
};

// "AIza…x9Q2": recognisable prefix and last four characters, nothing else.
QString maskKey(const QString &key);
QString maskToken(const QString &token);

} // namespace ga::logging
