// SPDX-License-Identifier: GPL-3.0-or-later
// gemini-aggregatord as a user runs it: the real binary, a sandboxed config and an encrypted file store.
#include "config/configpaths.h"
#include "metrics/historystore.h"
#include "testsupport.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using ga::test::CliResult;
using ga::test::fakeKey;
using ga::test::runCli;
using ga::test::Sandbox;

class TestCli : public QObject
{
    Q_OBJECT

private:
    static QJsonArray listJson(const Sandbox &sb, const QString &what)
    {
        const CliResult r = runCli(sb, { what, QStringLiteral("list"), QStringLiteral("--json") });
        if (r.exitCode != 0) {
            qWarning().noquote() << r.errText();
            return {};
        }
        return QJsonDocument::fromJson(r.out).array();
    }

    static QString addOneKey(const Sandbox &sb, int n, const QStringList &extra = {})
    {
        const CliResult r = runCli(
            sb, QStringList { QStringLiteral("keys"), QStringLiteral("add") } + extra, fakeKey(n).toLatin1() + '\n');
        if (r.exitCode != 0) {
            qWarning().noquote() << r.errText();
            return {};
        }
        return r.outText().section(u' ', 1, 1);
    }

    // Writes `bytes` as the config, runs `args`, and checks exit 1, the message and that the file is untouched.
    static void expectRejected(const QByteArray &bytes, const QStringList &args, const QStringList &mustMention)
    {
        Sandbox sb;
        QVERIFY(ga::test::writeAll(sb.configPath(), bytes));
        const CliResult r = runCli(sb, args, fakeKey(1).toLatin1() + '\n');
        QVERIFY2(r.finished, "the command did not finish");
        QCOMPARE(r.exitCode, 1);
        for (const QString &word : mustMention) {
            QVERIFY2(r.errText().contains(word), qPrintable(QStringLiteral("'%1' not in: %2").arg(word, r.errText())));
        }
        QVERIFY2(r.errText().contains(sb.configPath()), qPrintable(r.errText()));
        QCOMPARE(ga::test::readAll(sb.configPath()), bytes);
        QVERIFY(!QFile::exists(sb.secretPath()));
    }

private Q_SLOTS:
    // `history` reads the daemon's history.sqlite: filters, JSON, CSV, and a clear usage error for a bad time.
    void historyFromTheDatabase()
    {
        Sandbox sb;
        QVERIFY(ga::test::writeAll(sb.configPath(), R"({"version": 1})"));
        CliResult r = runCli(sb, { QStringLiteral("history") });
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.errText().contains(QLatin1String("no request history yet")), qPrintable(r.errText()));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        {
            ga::metrics::HistoryStore store({ ga::config::historyDatabasePath(sb.configPath()), 30, 1000 });
            store.open(0);
            for (int i = 1; i <= 6; ++i) {
                ga::metrics::AccessRecord rec;
                rec.id = quint64(i);
                rec.startedMs = i == 1 ? now - 3LL * 86'400'000 : now - 1000 + i; // one is 3 days old
                rec.method = QStringLiteral("POST");
                rec.path = QStringLiteral("/v1beta/models/gemini-2.5-flash:generateContent");
                rec.model = QStringLiteral("gemini-2.5-flash");
                rec.keyId = QStringLiteral("k%1").arg(i % 2);
                rec.route = QStringLiteral("direct");
                rec.status = i % 3 == 0 ? 429 : 200;
                rec.client = QStringLiteral("a, \"quoted\" client");
                store.append(rec);
            }
        }
        r = runCli(sb, { QStringLiteral("history"), QStringLiteral("--json") });
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(r.out).array().size(), 6);
        r = runCli(sb,
            { QStringLiteral("history"), QStringLiteral("--json"), QStringLiteral("--since"), QStringLiteral("1h"),
                QStringLiteral("--status"), QStringLiteral("4") });
        QCOMPARE(r.exitCode, 0);
        const QJsonArray quota = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(quota.size(), 2); // 3 and 6
        QCOMPARE(quota.first().toObject().value(u"status").toInt(), 429);
        r = runCli(sb,
            { QStringLiteral("history"), QStringLiteral("--csv"), QStringLiteral("--key-id"), QStringLiteral("k1"),
                QStringLiteral("--limit"), QStringLiteral("2") });
        QCOMPARE(r.exitCode, 0);
        const QStringList lines = r.outText().split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3); // header + 2
        QVERIFY(lines.first().startsWith(QLatin1String("time,status,client")));
        QVERIFY2(lines.at(1).contains(QLatin1String("\"a, \"\"quoted\"\" client\"")), qPrintable(lines.at(1)));
        r = runCli(sb, { QStringLiteral("history") });
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.outText().contains(QLatin1String("gemini-2.5-flash")));
        r = runCli(sb, { QStringLiteral("history"), QStringLiteral("--since"), QStringLiteral("yesterday") });
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.errText().contains(QLatin1String("--since")), qPrintable(r.errText()));
    }

    void versionAndHelp()
    {
        Sandbox sb;
        CliResult r = runCli(sb, { QStringLiteral("--version") });
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.outText().startsWith(QStringLiteral("gemini-aggregatord ")));
        r = runCli(sb, { QStringLiteral("--help") });
        QCOMPARE(r.exitCode, 0);
        for (const char *word : { "keys add", "instances add", "bind", "mode", "config set", "token rotate",
                 "--secret-store", "--log-level" }) {
            QVERIFY2(r.outText().contains(QLatin1String(word)), word);
        }
        QVERIFY(!QFile::exists(sb.configPath())); // --help and --version touch nothing
    }

    void usageErrorsExit2_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("unknown command") << QStringList { QStringLiteral("frobnicate") };
        QTest::newRow("unknown option") << QStringList { QStringLiteral("keys"), QStringLiteral("list"),
            QStringLiteral("--colour") };
        QTest::newRow("option of another command")
            << QStringList { QStringLiteral("mode"), QStringLiteral("--label"), QStringLiteral("x") };
        QTest::newRow("key on the command line")
            << QStringList { QStringLiteral("keys"), QStringLiteral("add"), QStringLiteral("AIza-not-here") };
        QTest::newRow("bad mode") << QStringList { QStringLiteral("mode"), QStringLiteral("turbo") };
        QTest::newRow("unknown setting") << QStringList { QStringLiteral("config"), QStringLiteral("set"),
            QStringLiteral("listen.prot"), QStringLiteral("1") };
        QTest::newRow("bad secret store") << QStringList { QStringLiteral("--secret-store"), QStringLiteral("plain"),
            QStringLiteral("keys"), QStringLiteral("list") };
        QTest::newRow("bad log level") << QStringList { QStringLiteral("--log-level"), QStringLiteral("loud"),
            QStringLiteral("mode") };
        QTest::newRow("bind arity") << QStringList { QStringLiteral("bind"), QStringLiteral("k1") };
    }

    void usageErrorsExit2()
    {
        QFETCH(QStringList, args);
        Sandbox sb;
        const CliResult r = runCli(sb, args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.errText().contains(QStringLiteral("--help")), qPrintable(r.errText()));
        QVERIFY(r.out.isEmpty());
    }

    void unknownSettingSuggestsTheRightOne()
    {
        Sandbox sb;
        const CliResult r = runCli(sb,
            { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.prot"), QStringLiteral("1") });
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.errText().contains(QStringLiteral("listen.port")), qPrintable(r.errText()));
    }

    void keysAddListMaskedAndNoSecretInConfig()
    {
        Sandbox sb;
        const QByteArray input
            = fakeKey(1).toLatin1() + "\n\n  " + fakeKey(2).toLatin1() + "  \r\n" + fakeKey(1).toLatin1() + "\n";
        CliResult r = runCli(sb,
            { QStringLiteral("keys"), QStringLiteral("add"), QStringLiteral("--label"), QStringLiteral("work"),
                QStringLiteral("--weight"), QStringLiteral("3"), QStringLiteral("--group"), QStringLiteral("proj-a") },
            input);
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        QCOMPARE(r.outText().count(QStringLiteral("added ")), 2);
        QVERIFY2(r.errText().contains(QStringLiteral("duplicate")), qPrintable(r.errText()));

        const QByteArray config = ga::test::readAll(sb.configPath());
        QVERIFY(!config.isEmpty());
        const QByteArray secretFile = ga::test::readAll(sb.secretPath());
        QVERIFY(!secretFile.isEmpty());
        for (int n : { 1, 2 }) {
            const QByteArray key = fakeKey(n).toLatin1();
            QVERIFY(!config.contains(key));
            QVERIFY(!config.contains(key.mid(4, 20)));
            QVERIFY(!secretFile.contains(key)); // encrypted, not plain
            QVERIFY(!r.out.contains(key) && !r.err.contains(key));
        }
        for (const QString &file : { sb.secretPath(), sb.configPath() }) {
            const QFileDevice::Permissions perms = QFile::permissions(file);
            QVERIFY2(perms.testFlags(QFileDevice::ReadOwner | QFileDevice::WriteOwner), qPrintable(file));
            QVERIFY2(!(perms
                         & (QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup
                             | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther)),
                qPrintable(file)); // 0600
        }

        r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("list") });
        QCOMPARE(r.exitCode, 0);
        const QString masked1 = QStringLiteral("AIza…") + fakeKey(1).right(4);
        QVERIFY2(r.outText().contains(masked1), qPrintable(r.outText()));
        QVERIFY(r.outText().contains(QStringLiteral("proj-a")));
        QVERIFY(!r.out.contains(fakeKey(1).toLatin1()));

        const QJsonArray keys = listJson(sb, QStringLiteral("keys"));
        QCOMPARE(keys.size(), 2);
        const QJsonObject first = keys.at(0).toObject();
        QCOMPARE(first.value(u"key").toString(), masked1);
        QCOMPARE(first.value(u"weight").toInt(), 3);
        QCOMPARE(first.value(u"group").toString(), QStringLiteral("proj-a"));
        QCOMPARE(first.value(u"enabled").toBool(), true);
        QVERIFY(first.value(u"label").toString().startsWith(QStringLiteral("work")));

        // Adding the same key again adds nothing.
        r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("add") }, fakeKey(2).toLatin1() + '\n');
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(listJson(sb, QStringLiteral("keys")).size(), 2);
    }

    void keysAddRejectsMalformedLinesAndAddsNothing()
    {
        Sandbox sb;
        const QByteArray input = fakeKey(1).toLatin1() + "\nnot-a-key\n";
        const CliResult r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("add") }, input);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("line 2")), qPrintable(r.errText()));
        QCOMPARE(listJson(sb, QStringLiteral("keys")).size(), 0);

        const CliResult empty = runCli(sb, { QStringLiteral("keys"), QStringLiteral("add") }, QByteArray("\n"));
        QCOMPARE(empty.exitCode, 1);
        QVERIFY(empty.errText().contains(QStringLiteral("standard input")));
    }

    void keysEnableDisableRemove()
    {
        Sandbox sb;
        const QString id = addOneKey(sb, 7);
        QVERIFY(!id.isEmpty());
        QCOMPARE(runCli(sb, { QStringLiteral("keys"), QStringLiteral("disable"), id }).exitCode, 0);
        QCOMPARE(listJson(sb, QStringLiteral("keys")).at(0).toObject().value(u"enabled").toBool(), false);
        QCOMPARE(runCli(sb, { QStringLiteral("keys"), QStringLiteral("enable"), id }).exitCode, 0);
        QCOMPARE(listJson(sb, QStringLiteral("keys")).at(0).toObject().value(u"enabled").toBool(), true);

        CliResult r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("remove"), QStringLiteral("knope") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.errText().contains(QStringLiteral("keys list")));
        r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("remove"), id });
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        QCOMPARE(listJson(sb, QStringLiteral("keys")).size(), 0);
        // The secret went with it: adding the same key again is not a duplicate.
        QVERIFY(!addOneKey(sb, 7).isEmpty());
    }

    void instancesAndBinding()
    {
        Sandbox sb;
        const QString key = addOneKey(sb, 11);
        CliResult r = runCli(sb,
            { QStringLiteral("instances"), QStringLiteral("add"), QStringLiteral("--name"), QStringLiteral("deno-eu"),
                QStringLiteral("--url"), QStringLiteral("https://relay.example.dev") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        const QString instance = r.outText().section(u' ', 1, 1);
        QVERIFY(instance.startsWith(u'i'));

        r = runCli(sb,
            { QStringLiteral("instances"), QStringLiteral("add"), QStringLiteral("--name"), QStringLiteral("x"),
                QStringLiteral("--url"), QStringLiteral("ftp://nope") });
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.errText().contains(QStringLiteral("--url")));
        QCOMPARE(
            runCli(sb,
                { QStringLiteral("instances"), QStringLiteral("add"), QStringLiteral("--name"), QStringLiteral("x") })
                .exitCode,
            2);

        QCOMPARE(runCli(sb, { QStringLiteral("bind"), key, QStringLiteral("inone") }).exitCode, 1);
        QCOMPARE(runCli(sb, { QStringLiteral("bind"), QStringLiteral("knone"), instance }).exitCode, 1);
        QCOMPARE(runCli(sb, { QStringLiteral("bind"), key, instance }).exitCode, 0);
        QCOMPARE(listJson(sb, QStringLiteral("keys")).at(0).toObject().value(u"instance").toString(), instance);
        QJsonArray instances = listJson(sb, QStringLiteral("instances"));
        QCOMPARE(instances.size(), 1);
        QCOMPARE(instances.at(0).toObject().value(u"url").toString(), QStringLiteral("https://relay.example.dev"));
        QCOMPARE(instances.at(0).toObject().value(u"keys").toArray().at(0).toString(), key);

        QCOMPARE(runCli(sb, { QStringLiteral("unbind"), key }).exitCode, 0);
        QVERIFY(listJson(sb, QStringLiteral("keys")).at(0).toObject().value(u"instance").toString().isEmpty());

        // Removing an instance unbinds its keys and says so.
        QCOMPARE(runCli(sb, { QStringLiteral("bind"), key, instance }).exitCode, 0);
        r = runCli(sb, { QStringLiteral("instances"), QStringLiteral("remove"), instance });
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        QVERIFY(r.errText().contains(key));
        QCOMPARE(listJson(sb, QStringLiteral("instances")).size(), 0);
        QVERIFY(listJson(sb, QStringLiteral("keys")).at(0).toObject().value(u"instance").toString().isEmpty());
        QCOMPARE(runCli(sb, { QStringLiteral("instances"), QStringLiteral("remove"), instance }).exitCode, 1);
    }

    void modeAndConfigGetSet()
    {
        Sandbox sb;
        CliResult r = runCli(sb, { QStringLiteral("mode") });
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.outText().trimmed(), QStringLiteral("local"));
        QCOMPARE(runCli(sb, { QStringLiteral("mode"), QStringLiteral("hybrid") }).exitCode, 0);
        QCOMPARE(runCli(sb, { QStringLiteral("mode") }).outText().trimmed(), QStringLiteral("hybrid"));
        QCOMPARE(runCli(sb, { QStringLiteral("config"), QStringLiteral("get"), QStringLiteral("routing.mode") })
                     .outText()
                     .trimmed(),
            QStringLiteral("hybrid"));

        r = runCli(sb, { QStringLiteral("config"), QStringLiteral("get"), QStringLiteral("listen.port") });
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.outText().trimmed(), QStringLiteral("3145"));
        QCOMPARE(runCli(sb, { QStringLiteral("config"), QStringLiteral("get"), QStringLiteral("listen.host") })
                     .outText()
                     .trimmed(),
            QStringLiteral("127.0.0.1"));
        QCOMPARE(runCli(sb,
                     { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"),
                         QStringLiteral("3146") })
                     .exitCode,
            0);
        QCOMPARE(runCli(sb, { QStringLiteral("config"), QStringLiteral("get"), QStringLiteral("listen.port") })
                     .outText()
                     .trimmed(),
            QStringLiteral("3146"));

        const QByteArray before = ga::test::readAll(sb.configPath());
        r = runCli(sb,
            { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"),
                QStringLiteral("70000") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("listen.port: 70000 is not a port")), qPrintable(r.errText()));
        r = runCli(sb,
            { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("routing.fallbackToLocal"),
                QStringLiteral("maybe") });
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(ga::test::readAll(sb.configPath()), before);

        r = runCli(sb, { QStringLiteral("config"), QStringLiteral("get") });
        QCOMPARE(r.exitCode, 0);
        const QJsonObject all = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(all.value(u"listen").toObject().value(u"port").toInt(), 3146);
        QVERIFY(all.contains(QStringLiteral("upstream")));

        r = runCli(sb, { QStringLiteral("config"), QStringLiteral("path") });
        QCOMPARE(r.outText().trimmed(), sb.configPath());
        r = runCli(sb,
            { QStringLiteral("--config"), sb.path() + QStringLiteral("/other.json"), QStringLiteral("config"),
                QStringLiteral("path") });
        QCOMPARE(r.outText().trimmed(), sb.path() + QStringLiteral("/other.json"));
        r = runCli(sb, { QStringLiteral("config"), QStringLiteral("check") });
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.outText().contains(QStringLiteral("valid")));
    }

    void tokenShowAndRotate()
    {
        Sandbox sb;
        CliResult r = runCli(sb, { QStringLiteral("token"), QStringLiteral("show") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        const QString token = r.outText().trimmed();
        QVERIFY(token.startsWith(QStringLiteral("gat_")));
        QVERIFY(token.size() >= 4 + 43); // 32 random bytes, base64url
        QCOMPARE(runCli(sb, { QStringLiteral("token"), QStringLiteral("show") }).outText().trimmed(), token);
        QVERIFY(!ga::test::readAll(sb.configPath()).contains(token.toLatin1()));
        QVERIFY(!ga::test::readAll(sb.secretPath()).contains(token.toLatin1()));

        r = runCli(sb, { QStringLiteral("token"), QStringLiteral("rotate") });
        QCOMPARE(r.exitCode, 0);
        const QString rotated = r.outText().trimmed();
        QVERIFY(rotated.startsWith(QStringLiteral("gat_")));
        QVERIFY(rotated != token);
        QCOMPARE(runCli(sb, { QStringLiteral("token"), QStringLiteral("show") }).outText().trimmed(), rotated);
    }

    void wrongPassphraseLeavesFileUntouched()
    {
        Sandbox sb;
        QVERIFY(!addOneKey(sb, 21).isEmpty());
        const QByteArray secrets = ga::test::readAll(sb.secretPath());
        const QByteArray config = ga::test::readAll(sb.configPath());
        sb.setEnv(QStringLiteral("GEMINI_AGGREGATOR_PASSPHRASE"), QStringLiteral("wrong"));
        for (const QStringList &args : { QStringList { QStringLiteral("token"), QStringLiteral("show") },
                 QStringList { QStringLiteral("keys"), QStringLiteral("add") } }) {
            const CliResult r = runCli(sb, args, fakeKey(22).toLatin1() + '\n');
            QCOMPARE(r.exitCode, 1);
            QVERIFY2(r.errText().contains(QStringLiteral("passphrase")), qPrintable(r.errText()));
        }
        QCOMPARE(ga::test::readAll(sb.secretPath()), secrets);
        QCOMPARE(ga::test::readAll(sb.configPath()), config);
    }

    void filePassphraseRequiredWithoutTerminal()
    {
        Sandbox sb;
        sb.unsetEnv(QStringLiteral("GEMINI_AGGREGATOR_PASSPHRASE"));
        const CliResult r = runCli(sb, { QStringLiteral("token"), QStringLiteral("show") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("GEMINI_AGGREGATOR_PASSPHRASE")), qPrintable(r.errText()));
        QVERIFY(!QFile::exists(sb.secretPath()));
    }

    void keychainUnavailableIsExplainedNotWorkedAround()
    {
        Sandbox sb;
        sb.unsetEnv(QStringLiteral("GEMINI_AGGREGATOR_SECRET_STORE")); // default: keychain
        sb.setEnv(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
            QStringLiteral("unix:path=") + sb.path() + QStringLiteral("/no-bus"));
        sb.unsetEnv(QStringLiteral("DISPLAY"));
        const CliResult r
            = runCli(sb, { QStringLiteral("keys"), QStringLiteral("add") }, fakeKey(31).toLatin1() + '\n');
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("keychain")), qPrintable(r.errText()));
        QVERIFY2(r.errText().contains(QStringLiteral("--secret-store file")), qPrintable(r.errText()));
        QVERIFY(!QFile::exists(sb.secretPath())); // no silent fallback to the file store
        QCOMPARE(listJson(sb, QStringLiteral("keys")).size(), 0);
    }

    // Text a config written before the rule may hold (hardening issue, defect 8): the file still loads, the
    // reader warns, and the lists print it escaped — a newline cannot fake a row, an escape cannot drive the
    // terminal.
    void listsEscapeControlCharacters()
    {
        Sandbox sb;
        const QJsonObject key { { QStringLiteral("id"), QStringLiteral("k1") },
            { QStringLiteral("label"), QStringLiteral("evil\x1b[2J\nk2  AIza…beef") },
            { QStringLiteral("group"), QStringLiteral("g\x07") }, { QStringLiteral("hint"), QStringLiteral("AbCd") } };
        const QJsonObject instance { { QStringLiteral("id"), QStringLiteral("i1") },
            { QStringLiteral("name"), QStringLiteral("relay\x1b]0;owned\x07") },
            { QStringLiteral("url"), QStringLiteral("https://relay.example.com") } };
        const QJsonObject config { { QStringLiteral("version"), 1 },
            { QStringLiteral("keys"), QJsonObject { { QStringLiteral("items"), QJsonArray { key } } } },
            { QStringLiteral("instances"), QJsonObject { { QStringLiteral("items"), QJsonArray { instance } } } } };
        const QByteArray bytes = QJsonDocument(config).toJson();
        QVERIFY(ga::test::writeAll(sb.configPath(), bytes));

        CliResult r = runCli(sb, { QStringLiteral("keys"), QStringLiteral("list") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        QVERIFY2(!r.out.contains('\x1b') && !r.out.contains('\x07'), r.out.constData());
        QVERIFY2(r.outText().contains(QStringLiteral("evil\\x1b[2J\\nk2  AIza…beef")), qPrintable(r.outText()));
        QVERIFY2(r.outText().contains(QStringLiteral("g\\x07")), qPrintable(r.outText()));
        QCOMPARE(r.out.count('\n'), 2); // the header and one row
        QVERIFY2(r.errText().contains(QStringLiteral("keys.items[0].label"))
                && r.errText().contains(QStringLiteral("control character")),
            qPrintable(r.errText()));
        QVERIFY2(!r.err.contains('\x1b') && !r.err.contains('\x07'), r.err.constData());

        r = runCli(sb, { QStringLiteral("instances"), QStringLiteral("list") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        QVERIFY2(!r.out.contains('\x1b') && !r.out.contains('\x07'), r.out.constData());
        QVERIFY2(r.outText().contains(QStringLiteral("relay\\x1b]0;owned\\x07")), qPrintable(r.outText()));

        r = runCli(sb, { QStringLiteral("config"), QStringLiteral("check") });
        QCOMPARE(r.exitCode, 0); // valid, with warnings
        QVERIFY2(r.errText().contains(QStringLiteral("instances.items[0].name")), qPrintable(r.errText()));
        QCOMPARE(ga::test::readAll(sb.configPath()), bytes);
    }

    // `config set` refuses what `run` would refuse (hardening issue, defect 1): exit 1, nothing written.
    void configSetRefusesWhatRunWouldRefuse()
    {
        Sandbox sb;
        QCOMPARE(runCli(sb,
                     { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.port"),
                         QStringLiteral("3146") })
                     .exitCode,
            0);
        const QByteArray before = ga::test::readAll(sb.configPath());
        CliResult r = runCli(sb,
            { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("listen.host"),
                QStringLiteral("0.0.0.0") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("listen.host"))
                && r.errText().contains(QStringLiteral("listen.allowRemote")),
            qPrintable(r.errText()));
        QCOMPARE(ga::test::readAll(sb.configPath()), before);
        r = runCli(sb,
            { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("log.file"),
                QStringLiteral("/tmp/a\x1b[2J.log") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("control character")), qPrintable(r.errText()));
        QVERIFY(!r.err.contains('\x1b'));
        QCOMPARE(ga::test::readAll(sb.configPath()), before);
        QCOMPARE(runCli(sb, { QStringLiteral("config"), QStringLiteral("check") }).exitCode, 0);
    }

    // upstream.proxy's password goes to the secret store with `proxy password` (stdin), never the config file or the
    // command line: `config set` refuses a proxy URL that holds one, without echoing it.
    void proxyPasswordGoesToTheSecretStore()
    {
        Sandbox sb;
        const QByteArray password = "s3cret-pw with space";
        CliResult r = runCli(sb,
            { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("upstream.proxy"),
                QStringLiteral("http://alice:s3cret-pw@127.0.0.1:3128") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.errText().contains(QStringLiteral("(http://alice@127.0.0.1:3128)"))
                && r.errText().contains(QStringLiteral("gemini-aggregatord proxy password")),
            qPrintable(r.errText()));
        QVERIFY2(!r.errText().contains(QStringLiteral("s3cret")), qPrintable(r.errText()));
        QVERIFY(!ga::test::readAll(sb.configPath()).contains("s3cret"));

        r = runCli(sb,
            { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("upstream.proxy"),
                QStringLiteral("http://alice@127.0.0.1:3128") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        r = runCli(sb, { QStringLiteral("proxy"), QStringLiteral("password") }, password + '\n');
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        QVERIFY2((r.outText() + r.errText()).contains(QStringLiteral("stored in the secret store")),
            qPrintable(r.outText() + r.errText()));
        const QByteArray config = ga::test::readAll(sb.configPath());
        QVERIFY(!config.contains("s3cret"));
        QVERIFY(config.contains("proxyPasswordSetAt"));
        QVERIFY(!ga::test::readAll(sb.secretPath()).contains("s3cret")); // encrypted
        QVERIFY(!r.out.contains("s3cret") && !r.err.contains("s3cret"));

        // Empty input removes it; asking for a usage says how it is used.
        r = runCli(sb, { QStringLiteral("proxy"), QStringLiteral("password") }, QByteArray());
        QVERIFY2(r.exitCode == 0, qPrintable(r.errText()));
        QVERIFY2((r.outText() + r.errText()).contains(QStringLiteral("removed")), qPrintable(r.outText()));
        QCOMPARE(runCli(sb, { QStringLiteral("proxy"), QStringLiteral("pasword") }).exitCode, 2);
    }

    // A listen address `run` refuses, written by hand: `config check` and `run` say so and change nothing.
    void corruptConfigRemoteListenWithoutAllowRemote()
    {
        const QByteArray bytes = "{\n  \"version\": 1,\n  \"listen\": {\"host\": \"0.0.0.0\"}\n}\n";
        expectRejected(bytes, { QStringLiteral("config"), QStringLiteral("check") },
            { QStringLiteral(":3: listen.host"), QStringLiteral("listen.allowRemote") });
        expectRejected(bytes, { QStringLiteral("run") }, { QStringLiteral("listen.host 0.0.0.0") });
    }

    // Corrupt configs: every command that reads the config exits 1, names the place, and writes nothing.
    void corruptConfigBadJson()
    {
        const QByteArray bytes = "{\n  \"listen\": {\n    \"port\": 3145,\n  }\n}\n";
        expectRejected(bytes, { QStringLiteral("keys"), QStringLiteral("add") }, { QStringLiteral(":4") });
        expectRejected(bytes, { QStringLiteral("config"), QStringLiteral("check") }, { QStringLiteral(":4") });
        expectRejected(bytes, { QStringLiteral("run") }, { QStringLiteral(":4") });
    }

    void corruptConfigWrongTypes()
    {
        const QByteArray bytes = "{\n  \"version\": 1,\n  \"listen\": {\"port\": \"3145\"},\n"
                                 "  \"routing\": {\"fallbackToLocal\": \"yes\"}\n}\n";
        expectRejected(bytes, { QStringLiteral("mode"), QStringLiteral("hybrid") },
            { QStringLiteral("listen.port"), QStringLiteral("routing.fallbackToLocal") });
        expectRejected(bytes, { QStringLiteral("run") }, { QStringLiteral("listen.port"), QStringLiteral(":3") });
    }

    void corruptConfigOutOfRange()
    {
        const QByteArray bytes = "{\n  \"version\": 1,\n  \"listen\": {\"port\": 70000},\n"
                                 "  \"keys\": {\"maxAttempts\": 0}\n}\n";
        expectRejected(bytes,
            { QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("routing.mode"),
                QStringLiteral("hybrid") },
            { QStringLiteral("listen.port: 70000 is not a port (1–65535)"), QStringLiteral("keys.maxAttempts") });
        expectRejected(bytes, { QStringLiteral("run") }, { QStringLiteral("listen.port"), QStringLiteral(":3") });
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
