// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging/logging.h"
#include "logging/messagehandler.h"
#include "logging/redact.h"
#include "testsupport.h"

#include <QObject>
#include <QScopeGuard>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>

#ifdef Q_OS_UNIX
#include <cstdio>
#include <unistd.h>
#endif

using ga::logging::maskKey;
using ga::logging::maskToken;
using ga::logging::Redactor;
using ga::test::fakeKey;

namespace {

const QChar kEllipsis(0x2026);

// The masked form of a key or token: first four characters, an ellipsis, the last four.
QString masked(const QString &secret)
{
    return secret.left(4) + kEllipsis + secret.right(4);
}

// An access token of our own shape: "gat_" and 43 characters, made at run time.
QString fakeToken(int n)
{
    return QStringLiteral("gat_") + fakeKey(n).mid(4) + QStringLiteral("Tk9_-xYz");
}

// The part of a secret that must never survive redaction.
QString middleOf(const QString &secret)
{
    return secret.mid(4, secret.size() - 8);
}

#ifdef Q_OS_UNIX
// Sends everything written to stderr (fd 2) into a temporary file for the lifetime of the object.
class StderrCapture
{
public:
    StderrCapture()
    {
        if (!m_file.open()) {
            return;
        }
        std::fflush(stderr);
        m_saved = ::dup(STDERR_FILENO);
        m_active = m_saved >= 0 && ::dup2(m_file.handle(), STDERR_FILENO) >= 0;
    }
    ~StderrCapture() { restore(); }
    StderrCapture(const StderrCapture &) = delete;
    StderrCapture &operator=(const StderrCapture &) = delete;

    bool isActive() const { return m_active; }

    // Restores stderr and returns what was written meanwhile.
    QByteArray finish()
    {
        restore();
        return ga::test::readAll(m_file.fileName());
    }

private:
    void restore()
    {
        if (m_saved < 0) {
            return;
        }
        std::fflush(stderr);
        ::dup2(m_saved, STDERR_FILENO);
        ::close(m_saved);
        m_saved = -1;
    }

    QTemporaryFile m_file;
    int m_saved = -1;
    bool m_active = false;
};
#endif

} // namespace

class TestRedact : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();

    void masksKeysAnywhere_data();
    void masksKeysAnywhere();
    void masksKeysInByteArrays();
    void masksUrlKeyParameter_data();
    void masksUrlKeyParameter();
    void masksGoogApiKeyHeader_data();
    void masksGoogApiKeyHeader();
    void masksBearerCredentials_data();
    void masksBearerCredentials();
    void masksAccessTokens();
    void masksJwts();
    void masksEphemeralTokens();
    void everyShapeFoundAfterAnyText();
    void repeatedTextSearchedAgainWhenSecretsChange();
    void registeredSecrets();
    void registeredSecretsInByteArrays();
    void registeredSecretsReachOtherThreads();
    void shortSecretsAreNotRegistered();
    void secretsThePatternMasksAreNotRegistered_data();
    void secretsThePatternMasksAreNotRegistered();
    void nestedRegisteredSecretsAreMaskedWhole();
    void maskKeyForm();
    void maskTokenForm();
    void ordinaryTextIsLeftIntact_data();
    void ordinaryTextIsLeftIntact();
    void ordinaryBytesAreLeftIntact();
    void messageHandlerRedacts();
};

void TestRedact::cleanup()
{
    Redactor::clearSecrets();
}

void TestRedact::masksKeysAnywhere_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");

    const QString k1 = fakeKey(1);
    const QString k2 = fakeKey(2);
    QTest::newRow("alone") << k1 << masked(k1);
    QTest::newRow("in a sentence") << QStringLiteral("using key %1 now").arg(k1)
                                   << QStringLiteral("using key %1 now").arg(masked(k1));
    QTest::newRow("at the start") << k1 + QStringLiteral(" failed") << masked(k1) + QStringLiteral(" failed");
    QTest::newRow("at the end") << QStringLiteral("failed: ") + k1 << QStringLiteral("failed: ") + masked(k1);
    QTest::newRow("quoted in JSON") << QStringLiteral(R"({"apiKey":"%1"})").arg(k1)
                                    << QStringLiteral(R"({"apiKey":"%1"})").arg(masked(k1));
    QTest::newRow("in parentheses") << QStringLiteral("(%1)").arg(k1) << QStringLiteral("(%1)").arg(masked(k1));
    QTest::newRow("in a path") << QStringLiteral("/v1/keys/%1/usage").arg(k1)
                               << QStringLiteral("/v1/keys/%1/usage").arg(masked(k1));
    QTest::newRow("after a colon") << QStringLiteral("key:") + k1 << QStringLiteral("key:") + masked(k1);
    QTest::newRow("two keys") << QStringLiteral("%1,%2").arg(k1, k2)
                              << QStringLiteral("%1,%2").arg(masked(k1), masked(k2));
    QTest::newRow("multi-line") << QStringLiteral("first\n%1\nlast").arg(k2)
                                << QStringLiteral("first\n%1\nlast").arg(masked(k2));
    QTest::newRow("next to unicode") << QStringLiteral("schlüssel→%1←").arg(k1)
                                     << QStringLiteral("schlüssel→%1←").arg(masked(k1));
}

void TestRedact::masksKeysAnywhere()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);

    const QString out = Redactor::redact(input);
    QCOMPARE(out, expected);
    QVERIFY(!out.contains(middleOf(fakeKey(1))));
    QVERIFY(!out.contains(middleOf(fakeKey(2))));
    QCOMPARE(Redactor::redact(out), out); // idempotent
}

void TestRedact::masksKeysInByteArrays()
{
    const QString key = fakeKey(3);
    const QByteArray input = "POST /v1beta/models/gemini-pro:generateContent with " + key.toLatin1() + " (retry 2)\n";
    const QByteArray expected = "POST /v1beta/models/gemini-pro:generateContent with AIza\xE2\x80\xA6"
        + key.right(4).toLatin1() + " (retry 2)\n";
    const QByteArray out = Redactor::redact(input);
    QCOMPARE(out, expected);
    QVERIFY(!out.contains(middleOf(key).toLatin1()));

    const QByteArray json = R"({"headers":{"x-goog-api-key":")" + key.toLatin1() + R"("}})";
    QVERIFY(!Redactor::redact(json).contains(middleOf(key).toLatin1()));
}

void TestRedact::masksUrlKeyParameter_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");

    const QString k = fakeKey(4);
    const QString base
        = QStringLiteral("https://generativelanguage.googleapis.com/v1beta/models/gemini-pro:generateContent");
    QTest::newRow("only parameter") << base + QStringLiteral("?key=") + k << base + QStringLiteral("?key=") + masked(k);
    QTest::newRow("first of several") << base + QStringLiteral("?key=%1&alt=sse").arg(k)
                                      << base + QStringLiteral("?key=%1&alt=sse").arg(masked(k));
    QTest::newRow("after another") << base + QStringLiteral("?alt=sse&key=%1").arg(k)
                                   << base + QStringLiteral("?alt=sse&key=%1").arg(masked(k));
    QTest::newRow("upper case name") << base + QStringLiteral("?KEY=%1").arg(k)
                                     << base + QStringLiteral("?KEY=%1").arg(masked(k));
    QTest::newRow("in a log line") << QStringLiteral("GET /v1/models?key=%1 -> 200").arg(k)
                                   << QStringLiteral("GET /v1/models?key=%1 -> 200").arg(masked(k));
    QTest::newRow("not key-shaped") << QStringLiteral("GET /v1/models?key=hunter2hunter2&alt=sse")
                                    << QStringLiteral("GET /v1/models?key=[redacted]&alt=sse");
    QTest::newRow("short value") << QStringLiteral("/x?key=abc") << QStringLiteral("/x?key=[redacted]");
}

void TestRedact::masksUrlKeyParameter()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(Redactor::redact(input), expected);
    QCOMPARE(Redactor::redact(input.toUtf8()), expected.toUtf8());
}

void TestRedact::masksGoogApiKeyHeader_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");

    const QString k = fakeKey(5);
    QTest::newRow("header line") << QStringLiteral("x-goog-api-key: ") + k
                                 << QStringLiteral("x-goog-api-key: ") + masked(k);
    QTest::newRow("capitalised, no space")
        << QStringLiteral("X-Goog-Api-Key:") + k << QStringLiteral("X-Goog-Api-Key:") + masked(k);
    QTest::newRow("in a header block")
        << QStringLiteral("Host: example\r\nx-goog-api-key: %1\r\nAccept: */*\r\n").arg(k)
        << QStringLiteral("Host: example\r\nx-goog-api-key: %1\r\nAccept: */*\r\n").arg(masked(k));
    QTest::newRow("JSON member") << QStringLiteral(R"({"x-goog-api-key": "%1"})").arg(k)
                                 << QStringLiteral(R"({"x-goog-api-key": "%1"})").arg(masked(k));
    QTest::newRow("not key-shaped") << QStringLiteral("x-goog-api-key: opensesame123")
                                    << QStringLiteral("x-goog-api-key: [redacted]");
}

void TestRedact::masksGoogApiKeyHeader()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(Redactor::redact(input), expected);
    QCOMPARE(Redactor::redact(input.toUtf8()), expected.toUtf8());
}

void TestRedact::masksBearerCredentials_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");

    const QString t = fakeToken(6);
    QTest::newRow("access token") << QStringLiteral("Authorization: Bearer ") + t
                                  << QStringLiteral("Authorization: Bearer ") + masked(t);
    QTest::newRow("lower case") << QStringLiteral("authorization: bearer ") + t
                                << QStringLiteral("authorization: bearer ") + masked(t);
    QTest::newRow("opaque value") << QStringLiteral("Authorization: Bearer ya29.some-opaque-credential")
                                  << QStringLiteral("Authorization: Bearer [redacted]");
    QTest::newRow("JSON member") << QStringLiteral(R"({"Authorization": "Bearer %1"})").arg(t)
                                 << QStringLiteral(R"({"Authorization": "Bearer %1"})").arg(masked(t));
    QTest::newRow("header block") << QStringLiteral("Host: x\r\nAuthorization: Bearer opaque-thing\r\nAccept: */*")
                                  << QStringLiteral("Host: x\r\nAuthorization: Bearer [redacted]\r\nAccept: */*");
}

void TestRedact::masksBearerCredentials()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(Redactor::redact(input), expected);
    QCOMPARE(Redactor::redact(input.toUtf8()), expected.toUtf8());
}

void TestRedact::masksAccessTokens()
{
    const QString t = fakeToken(7);
    QCOMPARE(t.size(), 4 + 43);
    QCOMPARE(Redactor::redact(t), masked(t));
    QCOMPARE(
        Redactor::redact(QStringLiteral("token %1 revoked").arg(t)), QStringLiteral("token %1 revoked").arg(masked(t)));
    QCOMPARE(Redactor::redact(t.toUtf8()), masked(t).toUtf8());
    QVERIFY(!Redactor::redact(QStringLiteral("[%1]").arg(t)).contains(middleOf(t)));
}

void TestRedact::masksJwts()
{
    const QString jwt = QStringLiteral("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl");
    QCOMPARE(Redactor::redact(QStringLiteral("id_token=") + jwt + QStringLiteral(" ok")),
        QStringLiteral("id_token=[jwt] ok"));
}

void TestRedact::masksEphemeralTokens()
{
    // An ephemeral Live token opens a session at Google: masked wherever it appears, also as a carrier's value.
    const QString token = QStringLiteral("auth_tokens/9f8e7d6c5b4a39281706f5e4d3c2b1a0");
    QCOMPARE(Redactor::redact(QStringLiteral("created ") + token), QStringLiteral("created auth_tokens/[redacted]"));
    const QString url
        = QStringLiteral("/ws/x.BidiGenerateContentConstrained?access_token=") + token + QStringLiteral("&alt=1");
    QVERIFY(!Redactor::redact(url).contains(QLatin1String("9f8e7d6c5b4a")));
    QVERIFY(Redactor::redact(url).endsWith(QLatin1String("&alt=1")));
    QVERIFY(!Redactor::redact(QStringLiteral("Authorization: Token ") + token).contains(QLatin1String("9f8e7d")));
    QCOMPARE(Redactor::redact(QStringLiteral("a token of 5 words")), QStringLiteral("a token of 5 words"));
}

// Text is searched for the pairs of characters that begin a secret's shape: each shape, in any case, after text
// full of the letters that begin several (a, e, g, x) and at every offset, is masked.
void TestRedact::everyShapeFoundAfterAnyText()
{
    const QString key = fakeKey(5);
    const QString token = fakeToken(5);
    const QList<std::pair<QString, QString>> shapes { // the text, the secret it holds
        { QStringLiteral("?key=hunter2hunter2"), QStringLiteral("hunter2hunter2") },
        { QStringLiteral("&KEY=hunter2hunter2"), QStringLiteral("hunter2hunter2") },
        { QStringLiteral(";Access_Token=hunter2hunter2"), QStringLiteral("hunter2hunter2") },
        { QStringLiteral("X-Goog-Api-Key: opensesame123"), QStringLiteral("opensesame123") },
        { QStringLiteral("AUTHORIZATION: Bearer opensesame123"), QStringLiteral("opensesame123") },
        { key, middleOf(key) }, { key.toLower().replace(0, 4, QStringLiteral("aIZA")), middleOf(key.toLower()) },
        { token, middleOf(token) },
        { QStringLiteral("EYJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"),
            QStringLiteral("c2lnbmF0dXJl") },
        { QStringLiteral("Auth_Tokens/9f8e7d6c5b4a"), QStringLiteral("9f8e7d6c5b4a") }
    };
    const QString before = QStringLiteral("agexgenerateContent/beta/gemini-2.5-flash/ax-g");
    for (const auto &[shape, secret] : shapes) {
        for (qsizetype at = 0; at <= before.size(); ++at) {
            const QString text = before.left(at) + shape;
            QVERIFY2(!Redactor::redact(text).contains(secret), qPrintable(before.left(at) + QStringLiteral("…")));
        }
    }
    QCOMPARE(Redactor::redact(before), before);
}

// A text equal to the last one found clean is not searched again, until the registered secrets change; a text that
// held a secret is masked every time it comes.
void TestRedact::repeatedTextSearchedAgainWhenSecretsChange()
{
    ga::logging::RepeatedTextRedactor redactor;
    const auto redacted = [&redactor](const QString &text) {
        QString copy(text.constData(), text.size()); // a new string each time, as a request's text is
        redactor.redact(copy);
        return copy;
    };
    const QString secret = QStringLiteral("relay-secret-abcdefgh");
    const QString text = QStringLiteral("/v1beta/models/m:generateContent?s=") + secret;
    QCOMPARE(redacted(text), text);
    QCOMPARE(redacted(text), text);
    Redactor::addSecret(secret.toUtf8());
    QVERIFY(!redacted(text).contains(secret));
    QVERIFY(!redacted(text).contains(secret));
    const QString key = fakeKey(8);
    QCOMPARE(redacted(QStringLiteral("gemini")), QStringLiteral("gemini"));
    QCOMPARE(redacted(key), masked(key));
    QCOMPARE(redacted(key), masked(key));
    Redactor::removeSecret(secret.toUtf8());
    QCOMPARE(redacted(text), text);
}

void TestRedact::registeredSecrets()
{
    const QByteArray secret = "relay-s3cr3t.*+?(value)";
    const QString text = QStringLiteral("relay said: %1; again %1.").arg(QString::fromLatin1(secret));
    QCOMPARE(Redactor::redact(text), text); // unknown shape: not masked until registered

    Redactor::addSecret(secret);
    QCOMPARE(Redactor::redact(text), QStringLiteral("relay said: [redacted]; again [redacted]."));

    Redactor::removeSecret(secret);
    QCOMPARE(Redactor::redact(text), text);

    Redactor::addSecret(secret);
    Redactor::addSecret("another-relay-secret");
    Redactor::clearSecrets();
    QCOMPARE(Redactor::redact(text), text);
}

void TestRedact::registeredSecretsInByteArrays()
{
    const QByteArray secret = "p\xC3\xA4ssw\xC3\xB6rd-for-relay"; // UTF-8
    Redactor::addSecret(secret);
    QCOMPARE(
        Redactor::redact(QByteArray("{\"secret\":\"" + secret + "\"}")), QByteArray("{\"secret\":\"[redacted]\"}"));

    // Registered secrets and shaped secrets in one text.
    const QString key = fakeKey(8);
    const QByteArray mixed = secret + " " + key.toLatin1();
    QCOMPARE(Redactor::redact(mixed), "[redacted] " + masked(key).toUtf8());
}

// Each thread searches its own copy of the registered secrets: a change made on another thread must reach a thread
// that has redacted before (its copy refreshed), as an addition, a removal and a clearing.
void TestRedact::registeredSecretsReachOtherThreads()
{
    const QByteArray secret = "relay-secret-from-the-main-thread";
    const QString text = QStringLiteral("sent %1 upstream").arg(QString::fromLatin1(secret));
    QThread worker;
    QObject there; // lives on the worker: what is invoked on it runs there
    there.moveToThread(&worker);
    worker.start();
    const auto stop = qScopeGuard([&] {
        worker.quit();
        worker.wait();
    });
    auto redactThere = [&] {
        QString out;
        QMetaObject::invokeMethod(
            &there, [&] { out = Redactor::redact(text); }, Qt::BlockingQueuedConnection);
        return out;
    };
    QCOMPARE(redactThere(), text);
    Redactor::addSecret(secret);
    QCOMPARE(redactThere(), QStringLiteral("sent [redacted] upstream"));
    Redactor::removeSecret(secret);
    QCOMPARE(redactThere(), text);
    Redactor::addSecret(secret);
    QCOMPARE(redactThere(), QStringLiteral("sent [redacted] upstream"));
    Redactor::clearSecrets();
    QCOMPARE(redactThere(), text);
}

void TestRedact::shortSecretsAreNotRegistered()
{
    Redactor::addSecret("the");
    Redactor::addSecret("1234567"); // 7 characters: would mangle ordinary text
    const QString text = QStringLiteral("the order 1234567 is on the way");
    QCOMPARE(Redactor::redact(text), text);

    Redactor::addSecret("12345678");
    QCOMPARE(Redactor::redact(QStringLiteral("x 12345678 y")), QStringLiteral("x [redacted] y"));
}

void TestRedact::secretsThePatternMasksAreNotRegistered_data()
{
    QTest::addColumn<QString>("secret");
    QTest::addColumn<bool>("registered");

    const QString key = QStringLiteral("AIza") + QString(35, u'k');
    const QString token = QStringLiteral("gat_") + QString(20, u't');
    QTest::newRow("a Gemini key") << key << false;
    QTest::newRow("a key, letters of another case") << QStringLiteral("aIZA") + key.mid(4) << false;
    QTest::newRow("a key with '-' and '_'") << QStringLiteral("AIza-_") + QString(33, u'0') << false;
    QTest::newRow("an access token, shortest") << token << false;
    QTest::newRow("an access token, longer") << token + QStringLiteral("-_x9") << false;
    // Near misses: the pattern would mask only part of them (or none), so they are registered.
    QTest::newRow("a key one short") << key.chopped(1) << true;
    QTest::newRow("a key one longer") << key + u'k' << true;
    QTest::newRow("a key with a dot") << key.left(20) + u'.' + key.mid(21) << true;
    QTest::newRow("a key after text") << u'x' + key << true;
    QTest::newRow("a token one short") << token.chopped(1) << true;
    QTest::newRow("a token with a space") << token + QStringLiteral(" x") << true;
    QTest::newRow("a token prefix alone") << QStringLiteral("gat_") + QString(4, u't') << true;
}

void TestRedact::secretsThePatternMasksAreNotRegistered()
{
    QFETCH(QString, secret);
    QFETCH(bool, registered);

    const quint64 before = Redactor::secretsGeneration();
    Redactor::addSecret(secret.toUtf8());
    QCOMPARE(Redactor::secretsGeneration() != before, registered);
    // Either way the whole secret is masked.
    const QString masked = Redactor::redact(QStringLiteral("<%1>").arg(secret));
    QVERIFY2(!masked.contains(secret.mid(4, 8)), qPrintable(masked));
}

void TestRedact::nestedRegisteredSecretsAreMaskedWhole()
{
    // When one secret is a prefix of another, the longer one must still be masked entirely: masking the shorter
    // first would leave the rest of the longer secret in the text.
    QStringList longer;
    for (int i = 0; i < 6; ++i) {
        const QString shortSecret = QStringLiteral("relay-secret-%1").arg(i);
        const QString longSecret = shortSecret + QStringLiteral("-tail-%1-visible").arg(i);
        Redactor::addSecret(shortSecret.toUtf8());
        Redactor::addSecret(longSecret.toUtf8());
        longer.append(longSecret);
    }
    for (const QString &secret : std::as_const(longer)) {
        QCOMPARE(Redactor::redact(QStringLiteral("<%1>").arg(secret)), QStringLiteral("<[redacted]>"));
    }
}

void TestRedact::maskKeyForm()
{
    const QString key = fakeKey(9);
    const QString m = maskKey(key);
    QCOMPARE(m, QStringLiteral("AIza") + kEllipsis + key.right(4));
    QCOMPARE(m.size(), 9);
    QVERIFY(!m.contains(middleOf(key)));
    QCOMPARE(maskKey(QStringLiteral("AIzaShort")), QStringLiteral("[redacted]"));
    QCOMPARE(maskKey(QString()), QStringLiteral("[redacted]"));
}

void TestRedact::maskTokenForm()
{
    const QString token = fakeToken(10);
    QCOMPARE(maskToken(token), QStringLiteral("gat_") + kEllipsis + token.right(4));
    QCOMPARE(maskToken(QStringLiteral("gat_abc")), QStringLiteral("[redacted]"));
}

void TestRedact::ordinaryTextIsLeftIntact_data()
{
    QTest::addColumn<QString>("text");

    QTest::newRow("empty") << QString();
    QTest::newRow("sentence") << QStringLiteral("Listening on 127.0.0.1:3145 with 4 keys (round_robin).");
    QTest::newRow("unicode") << QStringLiteral("Grüße — 東京 ✓ €5");
    QTest::newRow("prefix alone") << QStringLiteral("keys start with AIza and have 39 characters");
    QTest::newRow("too short to be a key") << QStringLiteral("AIza") + QStringLiteral("abcdefghij");
    QTest::newRow("token prefix alone") << QStringLiteral("tokens look like gat_ and more: gat_short");
    QTest::newRow("key as a word") << QStringLiteral("the key is missing; monkey=banana; turkey=1");
    QTest::newRow("header name in prose") << QStringLiteral("the x-goog-api-key header is missing");
    QTest::newRow("authorization in prose") << QStringLiteral("Authorization failed for bearer of the card");
    QTest::newRow("URL without key") << QStringLiteral("https://example.com/v1/models?alt=sse&page=2");
    QTest::newRow("JSON") << QStringLiteral(R"({"listen": {"host": "127.0.0.1", "port": 3145}, "keys": []})");
    QTest::newRow("fingerprint") << QStringLiteral("fingerprint 9f86d081884c7d659a2feaa0c55ad015");
    QTest::newRow("newlines and tabs") << QStringLiteral("a\tb\r\nc\n");
}

void TestRedact::ordinaryTextIsLeftIntact()
{
    QFETCH(QString, text);
    Redactor::addSecret("a-registered-secret");
    QCOMPARE(Redactor::redact(text), text);
    QCOMPARE(Redactor::redact(text.toUtf8()), text.toUtf8());
}

void TestRedact::ordinaryBytesAreLeftIntact()
{
    const QByteArray utf8 = "plain ASCII, then UTF-8: \xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\x91";
    QCOMPARE(Redactor::redact(utf8), utf8);
}

void TestRedact::messageHandlerRedacts()
{
#ifndef Q_OS_UNIX
    QSKIP("stderr capture needs POSIX file descriptors");
#else
    const QString key = fakeKey(11);
    const QString token = fakeToken(12);
    Redactor::addSecret("handler-relay-secret");

    QByteArray captured;
    {
        StderrCapture capture;
        if (!capture.isActive()) {
            QSKIP("cannot redirect stderr");
        }
        const QtMessageHandler previous = ga::logging::installMessageHandler();
        qCWarning(lcConfig).noquote() << "rejected key" << key << "and token" << token;
        qWarning("relay secret handler-relay-secret in a plain warning");
        ga::logging::restoreMessageHandler(previous);
        captured = capture.finish();
    }

    const QString out = QString::fromUtf8(captured);
    QVERIFY2(
        out.contains(QStringLiteral("warning ga.config: rejected key %1 and token %2").arg(masked(key), masked(token))),
        qPrintable(out));
    QVERIFY2(
        out.contains(QStringLiteral("warning default: relay secret [redacted] in a plain warning")), qPrintable(out));
    QVERIFY(!out.contains(middleOf(key)));
    QVERIFY(!out.contains(middleOf(token)));
    QVERIFY(!out.contains(QStringLiteral("handler-relay-secret")));
    QCOMPARE(out.count(u'\n'), 2);
#endif
}

QTEST_GUILESS_MAIN(TestRedact)
#include "tst_redact.moc"
