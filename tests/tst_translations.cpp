// SPDX-License-Identifier: GPL-3.0-or-later
// The translation sources (translations/*.ts) are complete and consistent:
//   - zh_CN has no unfinished message (type="unfinished", an empty translation, an empty numerus form) and no
//     vanished/obsolete entry left behind;
//   - every message of a .ts file exists in the English one, and the English messages all exist in zh_CN;
//   - the .ts files hold what the sources say (lupdate over qml/ and the core sources that make sentences people
//     see finds nothing new and nothing gone);
//   - core's sentences (logging::UserText) come out Chinese under the zh_CN translation: every registered pattern
//     is translated, and what the validators answer to bad input is a registered pattern (a sentence written as a
//     plain literal would stay English in the window).
// The checks are plain functions over parsed files; theChecksCatchProblems() runs them on broken copies in a
// temporary directory, so a passing run means "complete", not "the checker never fails".
#include "config/configschema.h"
#include "keys/apikey.h"
#include "keys/keyexchange.h"
#include "keys/keypool.h"
#include "logging/usertext.h"
#include "proxy/outcomes.h"
#include "secrets/memorysecretstore.h"
#include "time/clock.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>

#include <algorithm>

namespace {

struct TsMessage
{
    QString context;
    QString source;
    QString comment; // disambiguation
    bool numerus = false;
    QString type; // translation type: "", unfinished, vanished, obsolete
    QStringList translations; // one text, or the numerus forms
    qint64 line = 0;

    QString key() const { return context + u'\x1f' + source + u'\x1f' + comment; }
    QString describe() const
    {
        QString s = QStringLiteral("line %1: [%2] \"%3\"").arg(line).arg(context, source.left(60));
        if (!comment.isEmpty()) {
            s += QStringLiteral(" (%1)").arg(comment);
        }
        return s;
    }
};

struct TsFile
{
    QString path;
    QString language;
    QList<TsMessage> messages;
    QString error;
};

TsFile readTs(const QString &path)
{
    TsFile ts;
    ts.path = path;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        ts.error = QStringLiteral("cannot open %1").arg(path);
        return ts;
    }
    QXmlStreamReader xml(&file);
    QString context;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement) {
            continue;
        }
        const QStringView name = xml.name();
        if (name == u"TS") {
            ts.language = xml.attributes().value(QLatin1String("language")).toString();
        } else if (name == u"context") {
            context.clear();
        } else if (name == u"name") {
            context = xml.readElementText(QXmlStreamReader::IncludeChildElements);
        } else if (name == u"message") {
            TsMessage m;
            m.context = context;
            m.numerus = xml.attributes().value(QLatin1String("numerus")) == u"yes";
            m.line = xml.lineNumber();
            while (xml.readNextStartElement()) {
                const QStringView child = xml.name();
                if (child == u"source") {
                    m.source = xml.readElementText(QXmlStreamReader::IncludeChildElements);
                } else if (child == u"comment") {
                    m.comment = xml.readElementText(QXmlStreamReader::IncludeChildElements);
                } else if (child == u"translation") {
                    m.type = xml.attributes().value(QLatin1String("type")).toString();
                    if (m.numerus) {
                        while (xml.readNextStartElement()) {
                            if (xml.name() == u"numerusform") {
                                m.translations.append(xml.readElementText(QXmlStreamReader::IncludeChildElements));
                            } else {
                                xml.skipCurrentElement();
                            }
                        }
                    } else {
                        m.translations.append(xml.readElementText(QXmlStreamReader::IncludeChildElements));
                    }
                } else {
                    xml.skipCurrentElement(); // location, extracomment, translatorcomment, oldsource, …
                }
            }
            ts.messages.append(m);
        }
    }
    if (xml.hasError()) {
        ts.error = QStringLiteral("%1:%2: %3").arg(path).arg(xml.lineNumber()).arg(xml.errorString());
    }
    return ts;
}

// Messages a translator still has to do, and entries lupdate marked as gone.
QStringList incomplete(const TsFile &ts)
{
    QStringList out;
    for (const TsMessage &m : ts.messages) {
        if (m.type == u"vanished" || m.type == u"obsolete") {
            out.append(m.describe() + QStringLiteral(": %1, remove it (lupdate -no-obsolete)").arg(m.type));
            continue;
        }
        if (m.type == u"unfinished") {
            out.append(m.describe() + QStringLiteral(": unfinished"));
            continue;
        }
        if (m.translations.isEmpty()) {
            out.append(m.describe() + QStringLiteral(": no translation"));
            continue;
        }
        for (qsizetype i = 0; i < m.translations.size(); ++i) {
            if (m.translations.at(i).trimmed().isEmpty()) {
                out.append(m.describe()
                    + (m.numerus ? QStringLiteral(": numerus form %1 is empty").arg(i + 1)
                                 : QStringLiteral(": empty translation")));
                break;
            }
        }
    }
    return out;
}

// Live messages of `ts` that `reference` does not have (vanished/obsolete ones are incomplete()'s business).
QStringList missingFrom(const TsFile &ts, const TsFile &reference)
{
    QSet<QString> known;
    for (const TsMessage &m : reference.messages) {
        if (m.type != u"vanished" && m.type != u"obsolete") {
            known.insert(m.key());
        }
    }
    QStringList out;
    for (const TsMessage &m : ts.messages) {
        if (m.type != u"vanished" && m.type != u"obsolete" && !known.contains(m.key())) {
            out.append(m.describe());
        }
    }
    return out;
}

// Lists up to 40 problems on the test log (a failure message is cut short) and returns the summary line.
QByteArray report(const QString &what, const QStringList &problems)
{
    const qsizetype shown = std::min<qsizetype>(problems.size(), 40);
    for (qsizetype i = 0; i < shown; ++i) {
        qWarning().noquote() << problems.at(i);
    }
    QString text = QStringLiteral("%1: %2 problem(s)").arg(what).arg(problems.size());
    text += shown < problems.size() ? QStringLiteral(" (the first %1 listed above)").arg(shown)
                                    : QStringLiteral(" (listed above)");
    return text.toUtf8();
}

bool write(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

bool hasChinese(const QString &text)
{
    return std::any_of(
        text.begin(), text.end(), [](QChar c) { return c.unicode() >= 0x4E00 && c.unicode() <= 0x9FFF; });
}

// Why `message` (one of core's English sentences) would not be shown in Chinese; empty when it would. Needs the
// zh_CN translator installed.
QString notChinese(const QString &message)
{
    if (ga::logging::matchingPattern(message).isEmpty()) {
        return QStringLiteral("\"%1\": no logging::UserText pattern makes it (a plain literal?)").arg(message);
    }
    const QString shown = ga::logging::translated(message);
    if (!hasChinese(shown)) {
        return QStringLiteral("\"%1\": shown as \"%2\", not Chinese").arg(message, shown);
    }
    return QString();
}

// Compiles `ts` with lrelease into `dir` and loads it into `translator`; an error message, or empty.
QString loadCompiled(const QString &ts, const QString &dir, QTranslator *translator)
{
#ifndef GA_LRELEASE
    Q_UNUSED(ts)
    Q_UNUSED(dir)
    Q_UNUSED(translator)
    return QStringLiteral("lrelease is not known to this build");
#else
    const QString qm = QDir(dir).filePath(QFileInfo(ts).completeBaseName() + QStringLiteral(".qm"));
    QProcess lrelease;
    lrelease.start(QStringLiteral(GA_LRELEASE), { QStringLiteral("-silent"), ts, QStringLiteral("-qm"), qm });
    if (!lrelease.waitForFinished(60000) || lrelease.exitCode() != 0) {
        return QStringLiteral("lrelease failed: %1").arg(QString::fromLocal8Bit(lrelease.readAllStandardError()));
    }
    return translator->load(qm) ? QString() : QStringLiteral("cannot load %1").arg(qm);
#endif
}

const QByteArray kEnglish = R"(<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>Main</name>
    <message><source>Done</source><translation></translation></message>
    <message><source>Waiting</source><translation type="unfinished"></translation></message>
    <message><source>Empty</source><translation type="unfinished"></translation></message>
    <message numerus="yes"><source>%n key(s)</source><translation><numerusform>%n key</numerusform><numerusform>%n keys</numerusform></translation></message>
    <message><source>Open</source><comment>menu</comment><translation></translation></message>
</context>
</TS>
)";

} // namespace

class TestTranslations : public QObject
{
    Q_OBJECT

    QString m_dir;
    TsFile m_en;
    TsFile m_zh;

private Q_SLOTS:
    void initTestCase()
    {
        m_dir = QStringLiteral(GA_TS_DIR);
        m_en = readTs(QDir(m_dir).filePath(QStringLiteral("gemini-aggregator_en.ts")));
        m_zh = readTs(QDir(m_dir).filePath(QStringLiteral("gemini-aggregator_zh_CN.ts")));
        QVERIFY2(m_en.error.isEmpty(), qPrintable(m_en.error));
        QVERIFY2(m_zh.error.isEmpty(), qPrintable(m_zh.error));
        QCOMPARE(m_en.language, QStringLiteral("en"));
        QCOMPARE(m_zh.language, QStringLiteral("zh_CN"));
        QVERIFY(!m_en.messages.isEmpty());
    }

    void zhCnIsComplete()
    {
        const QStringList problems = incomplete(m_zh);
        QVERIFY2(problems.isEmpty(), report(m_zh.path, problems).constData());
    }

    void everyMessageExistsInEnglish()
    {
        const QStringList files = QDir(m_dir).entryList({ QStringLiteral("*.ts") }, QDir::Files);
        QVERIFY(files.size() >= 2);
        QStringList problems;
        for (const QString &name : files) {
            const TsFile ts = readTs(QDir(m_dir).filePath(name));
            QVERIFY2(ts.error.isEmpty(), qPrintable(ts.error));
            if (ts.language == u"en") {
                continue;
            }
            for (const QString &p : missingFrom(ts, m_en)) {
                problems.append(name + QStringLiteral(" ") + p + QStringLiteral(": not in the English file"));
            }
        }
        QVERIFY2(
            problems.isEmpty(), report(QStringLiteral("messages missing from the English file"), problems).constData());
    }

    void zhCnHasEveryEnglishMessage()
    {
        const QStringList problems = missingFrom(m_en, m_zh);
        QVERIFY2(
            problems.isEmpty(), report(QStringLiteral("English messages missing from zh_CN"), problems).constData());
    }

    void tsFilesCoverTheSources()
    {
#ifndef GA_LUPDATE
        QSKIP("lupdate is not known to this build");
#else
        // lupdate over the UI sources into a copy of the English file: what it adds is missing from the .ts
        // files (untranslatable until lupdate runs), what it marks vanished is gone from the sources.
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString copy = tmp.filePath(QStringLiteral("gemini-aggregator_en.ts"));
        QVERIFY(QFile::copy(m_en.path, copy));
        QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
        QProcess lupdate;
        QStringList arguments { QStringLiteral("-silent"), QStringLiteral("-recursive"), QStringLiteral("-locations"),
            QStringLiteral("none"), QStringLiteral(GA_UI_SOURCE_DIR) };
        // The core sources that define sentences people see, found here, and the build's list of them.
        QStringList coreSources;
        QDirIterator it(
            QStringLiteral(GA_CORE_SOURCE_DIR), { QStringLiteral("*.cpp") }, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            QFile f(path);
            static const QRegularExpression makesSentences(
                QStringLiteral("logging::UserText k|[^A-Za-z_:]tr\\(\"|::tr\\(\""));
            if (f.open(QIODevice::ReadOnly) && makesSentences.match(QString::fromUtf8(f.readAll())).hasMatch()) {
                coreSources.append(QFileInfo(path).canonicalFilePath());
            }
        }
        QVERIFY2(coreSources.size() >= 5, "no core source makes sentences (logging::UserText, tr())");
        QStringList listed;
        for (const QString &path : QStringLiteral(GA_CORE_TEXT_SOURCES).split(u'|', Qt::SkipEmptyParts)) {
            listed.append(QFileInfo(path).canonicalFilePath());
        }
        for (const QString &path : std::as_const(coreSources)) {
            QVERIFY2(listed.contains(path),
                qPrintable(path + QStringLiteral(" defines sentences but lupdate does not read it: run cmake again")));
        }
        arguments += coreSources;
        // The headers, so that tr() in a class of a namespace gets the class's full name as its context.
        arguments += { QStringLiteral("-I"), QStringLiteral(GA_CORE_SOURCE_DIR) };
        arguments += { QStringLiteral("-ts"), copy };
        lupdate.start(QStringLiteral(GA_LUPDATE), arguments);
        QVERIFY(lupdate.waitForFinished(120'000));
        QVERIFY2(lupdate.exitCode() == 0, lupdate.readAllStandardError().constData());
        const TsFile updated = readTs(copy);
        QVERIFY2(updated.error.isEmpty(), qPrintable(updated.error));
        QStringList problems;
        for (const QString &p : missingFrom(updated, m_en)) {
            problems.append(
                p + QStringLiteral(": in the sources, not in the .ts files (run the update_translations target)"));
        }
        for (const TsMessage &m : updated.messages) {
            if (m.type == u"vanished" || m.type == u"obsolete") {
                problems.append(m.describe() + QStringLiteral(": in the .ts files, gone from the sources"));
            }
        }
        QVERIFY2(
            problems.isEmpty(), report(QStringLiteral("the .ts files and the sources differ"), problems).constData());
#endif
    }

    // Core's sentences under the zh_CN translation: every pattern core registers is translated, and what the
    // validators answer to bad input (the window shows exactly that) comes out Chinese.
    void coreSentencesAreChinese()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        QTranslator zh;
        const QString error = loadCompiled(m_zh.path, tmp.path(), &zh);
        if (error == u"lrelease is not known to this build") {
            QSKIP("lrelease is not known to this build");
        }
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCoreApplication::installTranslator(&zh);
        const auto cleanup = qScopeGuard([&] { QCoreApplication::removeTranslator(&zh); });

        QStringList problems;
        const QStringList patterns = ga::logging::userTextPatterns();
        QVERIFY(patterns.size() >= 40);
        for (const QString &p : patterns) {
            const QString context = p.section(u'\x1f', 0, 0);
            const QString source = p.section(u'\x1f', 1);
            const QString zhText
                = QCoreApplication::translate(context.toUtf8().constData(), source.toUtf8().constData());
            if (!hasChinese(zhText)) {
                problems.append(QStringLiteral("[%1] \"%2\": no Chinese translation").arg(context, source));
            }
        }

        QStringList messages;
        for (const QByteArray &key : { QByteArray("hello"), QByteArray("AIza123456789"),
                 QByteArray("AIza") + QByteArray(34, 'x') + QByteArray("!") }) {
            messages.append(ga::keys::keyFormatProblem(key));
        }
        // One bad value per kind of rule: range (a port, a number with a unit), type, choice, URL, address,
        // list items, unknown settings and fields, and the entries' own rules.
        const QByteArray bad
            = "{ "
              "\"version\": 1, "
              "\"listen\": { \"port\": 70000, \"host\": \"somewhere\" }, "
              "\"upstream\": { \"baseUrl\": \"ftp://example.com\", \"proxy\": \"maybe\" }, "
              "\"routing\": { \"mode\": \"anywhere\" }, "
              "\"limits\": { \"perToken\": { \"requestsPerMinute\": -5 } }, "
              "\"security\": { \"allowCidrs\": \"10.0.0.0/99\" }, "
              "\"log\": { \"categories\": \"proxy\" }, "
              "\"quota\": { \"modelLimits\": \"gemini\" }, "
              "\"unknownThing\": true, "
              "\"instances\": { \"items\": [ { \"id\": \"BAD ID\", \"name\": \"r\", \"url\": "
              "\"https://r.example.com/?q=1\", \"x\": 1 } ] }, "
              "\"keys\": { \"items\": [ { \"id\": \"k1\", \"weight\": 5000, \"instance\": \"nowhere\" }, 7 ] } "
              "} ";
        const ga::config::ParseResult parsed = ga::config::schema::parseForSave(bad, QJsonObject());
        QVERIFY(parsed.problems.size() >= 10);
        for (const ga::config::Problem &p : parsed.problems) {
            messages.append(p.message);
        }
        messages.append(ga::config::schema::parse("{ \"version\": tru }").problems.value(0).message);
        messages.append(ga::config::schema::parse("[]").problems.value(0).message);
        // Pasted or imported key files (the add-keys form shows these).
        messages.append(ga::keys::planFileImport("{ \"format\": \"other\" }", {}, std::nullopt).error);
        messages.append(ga::keys::planFileImport(
            "{ \"format\": \"gemini-aggregator-export\", \"secrets\": \"c2VhbGVk\" }", {}, std::nullopt)
                            .error);
        const ga::keys::FileImportPlan csv
            = ga::keys::planFileImport("key,weight\nAIza" + QByteArray(35, 'c') + ",5000\n", {}, std::nullopt);
        QCOMPARE(csv.rejectedLines.size(), 1);
        messages.append(csv.rejectedLines.at(0).second);
        const ga::keys::FileImportPlan pasted = ga::keys::planFileImport("AIza-too-short\n", {}, std::nullopt);
        QCOMPARE(pasted.rejectedLines.size(), 1);
        messages.append(pasted.rejectedLines.at(0).second);
        // What a key pool says about its keys (the Keys page's reason column, tray messages) and why it has none
        // to give (a request's error), from a real pool: a per-day quota, a key Google calls invalid, a 403 twice.
        {
            ga::time::ManualClock clock(1'767'225'600'000); // 2026-01-01T00:00:00Z
            ga::keys::KeyPool pool(clock);
            QStringList said;
            QObject::connect(&pool, &ga::keys::KeyPool::keyStatusChanged,
                [&](const QString &, ga::keys::KeyStatus, const QString &reason) { said.append(reason); });
            pool.setKeys({ { QStringLiteral("k1"), "AIza-one", QString(), 1, true },
                { QStringLiteral("k2"), "AIza-two", QString(), 1, true },
                { QStringLiteral("k3"), "AIza-three", QString(), 1, true } });
            const QByteArray perDay = R"({"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED",
                "details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":
                "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]}]}})";
            pool.reportFailure(
                QStringLiteral("k1"), QStringLiteral("gemini-2.5-pro"), ga::keys::classifyResponse(429, perDay));
            pool.reportFailure(QStringLiteral("k2"), QStringLiteral("gemini-2.5-pro"),
                ga::keys::classifyResponse(400,
                    R"({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.",
                    "status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo",
                    "reason":"API_KEY_INVALID"}]}})"));
            for (int i = 0; i < 2; ++i) {
                pool.reportFailure(QStringLiteral("k3"), QStringLiteral("gemini-2.5-pro"),
                    ga::keys::classifyResponse(
                        403, R"({"error":{"code":403,"message":"Forbidden","status":"PERMISSION_DENIED"}})"));
            }
            for (const ga::keys::KeyReport &r : pool.report()) {
                if (!r.reason.isEmpty()) {
                    messages.append(r.reason);
                }
            }
            QVERIFY2(said.size() >= 2, qPrintable(said.join(u'\n')));
            messages += said;
            ga::keys::Pick pick;
            ga::keys::NoKeyReason why;
            QVERIFY(!pool.pick(QStringLiteral("gemini-2.5-pro"), {}, &pick, &why));
            messages.append(why.describe(QStringLiteral("gemini-2.5-pro")));
            messages.append(why.describe(QString()));
            ga::keys::NoKeyReason none;
            messages.append(none.describe(QString()));
        }
        // How an attempt ended, as the Logs page shows it.
        for (int k = int(ga::keys::FailureKind::None); k <= int(ga::keys::FailureKind::NetworkError); ++k) {
            messages.append(ga::keys::failureKindName(ga::keys::FailureKind(k)));
        }
        messages.append(ga::proxy::outcome::kClientAborted.text());
        messages.append(ga::proxy::outcome::kStreamBroken.text().arg(
            QStringLiteral("The upstream closed the connection in the middle of the response.")));
        // The secret stores translate where they speak (tr()): their sentences are in the .ts files too.
        ga::secrets::MemorySecretStore memory;
        const ga::secrets::SecretResult missing
            = ga::secrets::waitFor([&](QObject *context, ga::secrets::SecretStore::Callback done) {
                  memory.read(QStringLiteral("absent"), context, std::move(done));
              });
        QVERIFY(!missing.ok());
        if (!hasChinese(missing.message)) {
            problems.append(QStringLiteral("\"%1\": the secret store's sentence is not Chinese").arg(missing.message));
        }
        for (const QString &m : std::as_const(messages)) {
            QVERIFY(!m.isEmpty());
            if (const QString why = notChinese(m); !why.isEmpty()) {
                problems.append(why);
            }
        }
        QVERIFY2(
            problems.isEmpty(), report(QStringLiteral("core sentences not shown in Chinese"), problems).constData());

        // The check fails on an English sentence no pattern makes, and on a pattern without a translation.
        QVERIFY(!notChinese(QStringLiteral("70000 is no port at all")).isEmpty());
        QVERIFY(ga::logging::translated(QStringLiteral("70000 is no port at all")) == u"70000 is no port at all");
        QCoreApplication::removeTranslator(&zh);
        QVERIFY(!notChinese(ga::keys::keyFormatProblem("hello")).isEmpty());
        QCoreApplication::installTranslator(&zh);
        // Arguments are put back, and translated in turn.
        const QString port = ga::logging::translated(QStringLiteral("70000 is not a port (1–65535)"));
        QVERIFY2(port.contains(u"70000") && port.contains(u"65535") && hasChinese(port), qPrintable(port));
    }

    // The checks on files made broken on purpose: each kind of problem is found, and a complete file passes.
    void theChecksCatchProblems()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QString enPath = tmp.filePath(QStringLiteral("gemini-aggregator_en.ts"));
        const QString zhPath = tmp.filePath(QStringLiteral("gemini-aggregator_zh_CN.ts"));
        QVERIFY(write(enPath, kEnglish));
        QVERIFY(write(zhPath, R"(<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Main</name>
    <message><source>Done</source><translation>完成</translation></message>
    <message><source>Waiting</source><translation type="unfinished">等待</translation></message>
    <message><source>Empty</source><translation>  </translation></message>
    <message numerus="yes"><source>%n key(s)</source><translation><numerusform></numerusform></translation></message>
    <message><source>Open</source><comment>menu</comment><translation>打开</translation></message>
    <message><source>Gone</source><translation type="vanished">没了</translation></message>
    <message><source>Older</source><translation type="obsolete">旧的</translation></message>
    <message><source>Only here</source><translation>只在这里</translation></message>
    <message><source>Open</source><comment>button</comment><translation>打开</translation></message>
</context>
</TS>
)"));
        const TsFile en = readTs(enPath);
        const TsFile zh = readTs(zhPath);
        QVERIFY2(zh.error.isEmpty(), qPrintable(zh.error));
        QCOMPARE(zh.messages.size(), 9);

        const QStringList problems = incomplete(zh);
        QCOMPARE(problems.size(), 5);
        QVERIFY(problems.at(0).contains(QStringLiteral("\"Waiting\""))
            && problems.at(0).endsWith(QStringLiteral("unfinished")));
        QVERIFY(problems.at(1).contains(QStringLiteral("\"Empty\""))
            && problems.at(1).endsWith(QStringLiteral("empty translation")));
        QVERIFY(problems.at(2).contains(QStringLiteral("%n key(s)"))
            && problems.at(2).contains(QStringLiteral("numerus form 1")));
        QVERIFY(
            problems.at(3).contains(QStringLiteral("\"Gone\"")) && problems.at(3).contains(QStringLiteral("vanished")));
        QVERIFY(problems.at(4).contains(QStringLiteral("\"Older\""))
            && problems.at(4).contains(QStringLiteral("obsolete")));

        // Not in English: a source of its own, and a known source with another disambiguation.
        const QStringList missing = missingFrom(zh, en);
        QCOMPARE(missing.size(), 2);
        QVERIFY(missing.at(0).contains(QStringLiteral("Only here")));
        QVERIFY(missing.at(1).contains(QStringLiteral("(button)")));
        QVERIFY(missingFrom(en, zh).isEmpty());

        // A copy of the real zh_CN file with one unfinished message added is caught too.
        QByteArray real;
        {
            QFile f(m_zh.path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            real = f.readAll();
        }
        const qsizetype at = real.indexOf("</context>");
        QVERIFY2(at > 0, "the real zh_CN file has no context");
        real.insert(
            at, "<message><source>Probe %1</source><translation type=\"unfinished\">探测</translation></message>\n");
        const QString brokenPath = tmp.filePath(QStringLiteral("broken_zh_CN.ts"));
        QVERIFY(write(brokenPath, real));
        const TsFile broken = readTs(brokenPath);
        QVERIFY2(broken.error.isEmpty(), qPrintable(broken.error));
        QCOMPARE(broken.messages.size(), m_zh.messages.size() + 1);
        QCOMPARE(incomplete(broken).size(), incomplete(m_zh).size() + 1);
        const QStringList brokenProblems = incomplete(broken);
        QVERIFY(std::any_of(brokenProblems.begin(), brokenProblems.end(), [](const QString &p) {
            return p.contains(QStringLiteral("\"Probe %1\"")) && p.endsWith(QStringLiteral("unfinished"));
        }));

        // A complete file passes.
        QVERIFY(write(zhPath, R"(<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Main</name>
    <message><source>Done</source><translation>完成</translation></message>
    <message><source>Waiting</source><translation>等待</translation></message>
    <message><source>Empty</source><translation>空</translation></message>
    <message numerus="yes"><source>%n key(s)</source><translation><numerusform>%n 个密钥</numerusform></translation></message>
    <message><source>Open</source><comment>menu</comment><translation>打开</translation></message>
</context>
</TS>
)"));
        const TsFile complete = readTs(zhPath);
        QVERIFY(incomplete(complete).isEmpty());
        QVERIFY(missingFrom(complete, en).isEmpty());
        QVERIFY(missingFrom(en, complete).isEmpty());

        // Broken XML is an error, not an empty (and so "complete") file.
        QVERIFY(write(zhPath, "<TS language=\"zh_CN\"><context><name>Main</name><message>"));
        QVERIFY(!readTs(zhPath).error.isEmpty());
        QVERIFY(!readTs(tmp.filePath(QStringLiteral("absent.ts"))).error.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestTranslations)
#include "tst_translations.moc"
