// SPDX-License-Identifier: GPL-3.0-or-later
// The desktop app's C++ layer below the QML: the id-diffing list model, the list models over a running
// Service, search/filter, the dashboard figures, the notification rules, start at login, the single-instance
// guard, the Files page's model (the resource map, deletion at the fake upstream), and the actions of the Backend
// and the pages' controllers (through the in-process admin API, against the fake upstream), observed through the
// signals the pages listen to.
// Every model is watched by a QAbstractItemModelTester that aborts at the first inconsistency.
#include "affinity/resourcemap.h"
#include "autostart.h"
#include "backend.h"
#include "dashboard.h"
#include "filtermodel.h"
#include "guitestenv.h"
#include "instancescontroller.h"
#include "keys/failure.h"
#include "keyscontroller.h"
#include "listmodels.h"
#include "notifier.h"
#include "resourcesmodel.h"
#include "rowlistmodel.h"
#include "settingscontroller.h"
#include "setupcontroller.h"
#include "singleinstance.h"
#include "time/clock.h"
#include "tokenscontroller.h"
#include "upstream/upstream.h"

#include <QAbstractItemModelTester>
#include <QClipboard>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLoggingCategory>
#include <QMetaMethod>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QUuid>

#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using ga::affinity::Resource;
using ga::test::fakeKey;
using ga::test::gui::kWaitMs;
using ga::test::gui::ServiceEnv;
using ga::ui::Backend;
using ga::ui::ResourcesModel;
using ga::ui::RowListModel;

namespace {

constexpr auto kFatal = QAbstractItemModelTester::FailureReportingMode::Fatal;

// A RowListModel whose rows the test sets directly.
class Rows final : public RowListModel
{
public:
    explicit Rows(QStringList roles = { QStringLiteral("id"), QStringLiteral("value") })
        : RowListModel(std::move(roles))
    { }
    using RowListModel::setRows;
};

QStringList words(const char *text)
{
    return QString::fromLatin1(text).split(u' ', Qt::SkipEmptyParts);
}

// Rows for `ids`; the rows named in `changed` carry a second version of their data.
QList<QVariantMap> rowsFor(const QStringList &ids, const QStringList &changed = {})
{
    QList<QVariantMap> rows;
    for (const QString &id : ids) {
        rows.append({ { QStringLiteral("id"), id },
            { QStringLiteral("value"), id + (changed.contains(id) ? QStringLiteral("-v2") : QStringLiteral("-v1")) } });
    }
    return rows;
}

QStringList only(const QStringList &list, const QSet<QString> &keep)
{
    QStringList out;
    for (const QString &s : list) {
        if (keep.contains(s)) {
            out.append(s);
        }
    }
    return out;
}

int spannedRows(const QSignalSpy &spy)
{
    int n = 0;
    for (const QList<QVariant> &args : spy) {
        n += args.at(2).toInt() - args.at(1).toInt() + 1;
    }
    return n;
}

QVariantMap rowOf(const RowListModel *model, const QString &id)
{
    return model->get(model->indexOf(id));
}

QByteArray jsonOf(const QVariant &value)
{
    return QJsonDocument::fromVariant(value).toJson(QJsonDocument::Compact);
}

// Everything a model shows, through its roles, as one JSON text (for secret checks).
QByteArray everything(const QAbstractItemModel *model)
{
    QVariantList all;
    const QHash<int, QByteArray> roles = model->roleNames();
    for (int r = 0; r < model->rowCount(); ++r) {
        QVariantMap row;
        for (auto it = roles.begin(); it != roles.end(); ++it) {
            row.insert(QString::fromUtf8(it.value()), model->data(model->index(r, 0), it.key()));
        }
        all.append(row);
    }
    return jsonOf(all);
}

QString clipboardText()
{
    return QGuiApplication::clipboard()->text();
}

// Desktop Entry Exec value → argv, strictly by the Desktop Entry spec (as desktop-file-validate checks it):
// the string escapes first (only \s \n \t \r \\ exist), then the quoting rules (inside double quotes a
// backslash escapes exactly " ` $ \), then %% → %. Any other field code is an error here.
QStringList parseExec(const QString &value, QString *error)
{
    QString unescaped;
    for (qsizetype i = 0; i < value.size(); ++i) {
        if (value.at(i) == u'\\' && i + 1 < value.size()) {
            const QChar next = value.at(i + 1);
            const QString mapped = next == u's' ? QStringLiteral(" ")
                : next == u'n'                  ? QStringLiteral("\n")
                : next == u't'                  ? QStringLiteral("\t")
                : next == u'r'                  ? QStringLiteral("\r")
                : next == u'\\'                 ? QStringLiteral("\\")
                                                : QString();
            if (mapped.isEmpty()) {
                *error = QStringLiteral("invalid string escape \\%1").arg(next);
                return {};
            }
            unescaped += mapped;
            ++i;
            continue;
        }
        unescaped += value.at(i);
    }
    QStringList argv;
    QString current;
    bool inWord = false;
    bool quoted = false;
    for (qsizetype i = 0; i < unescaped.size(); ++i) {
        const QChar c = unescaped.at(i);
        if (quoted) {
            if (c == u'\\') {
                if (i + 1 >= unescaped.size() || !QStringView(u"\"`$\\").contains(unescaped.at(i + 1))) {
                    *error = QStringLiteral("a backslash in quotes that escapes nothing");
                    return {};
                }
                current += unescaped.at(++i);
            } else if (c == u'"') {
                quoted = false;
            } else {
                current += c;
            }
            continue;
        }
        if (c == u' ' || c == u'\t') {
            if (inWord) {
                argv.append(current);
                current.clear();
                inWord = false;
            }
            continue;
        }
        inWord = true;
        if (c == u'"') {
            quoted = true;
        } else if (QStringView(u"`$\\'><~|&;*?#()").contains(c)) {
            *error = QStringLiteral("reserved character %1 outside quotes").arg(c);
            return {};
        } else {
            current += c;
        }
    }
    if (quoted) {
        *error = QStringLiteral("unterminated quote");
        return {};
    }
    if (inWord) {
        argv.append(current);
    }
    for (QString &arg : argv) {
        QString out;
        for (qsizetype i = 0; i < arg.size(); ++i) {
            if (arg.at(i) == u'%') {
                if (i + 1 < arg.size() && arg.at(i + 1) == u'%') {
                    out += u'%';
                    ++i;
                    continue;
                }
                *error = QStringLiteral("field code %%1").arg(i + 1 < arg.size() ? arg.at(i + 1) : QChar(u' '));
                return {};
            }
            out += arg.at(i);
        }
        arg = out;
    }
    return argv;
}

// How one request of a controller ended, as a page's Connections sees it: the signal that carried its id, and that
// signal's other arguments. `count` is how many outcome signals named the request (exactly one is right).
struct Outcome
{
    int count = 0;
    QByteArray signal;
    QVariantList args; // after the request id

    bool ok() const { return count == 1 && signal != "failed"; }
    bool failed() const { return count == 1 && signal == "failed"; }
    // failed(request, message, problems, fault)
    QString message() const { return signal == "failed" ? args.value(0).toString() : QString(); }
    QVariantList problems() const { return signal == "failed" ? args.value(1).toList() : QVariantList(); }
    QString fault() const { return signal == "failed" ? args.value(2).toString() : QString(); }
    // For failure messages: never the arguments of a success (they could name what a test must not print).
    QString describe() const
    {
        return QStringLiteral("%1 outcome(s), last %2: %3").arg(count).arg(QString::fromLatin1(signal), message());
    }
};

// Records every outcome signal of a controller (a signal whose first parameter is `int request`).
class Outcomes
{
public:
    explicit Outcomes(QObject *controller)
    {
        const QMetaObject *mo = controller->metaObject();
        for (int i = 0; i < mo->methodCount(); ++i) {
            const QMetaMethod m = mo->method(i);
            if (m.methodType() == QMetaMethod::Signal && m.parameterNames().value(0) == "request") {
                m_spies.push_back(std::make_unique<QSignalSpy>(controller, m));
                m_names.append(m.name());
            }
        }
    }

    int count(int request) const
    {
        int n = 0;
        for (const auto &spy : m_spies) {
            for (const QList<QVariant> &args : *spy) {
                n += args.value(0).toInt() == request ? 1 : 0;
            }
        }
        return n;
    }

    // How `request` ended; waits up to kWaitMs for its signal, then a moment more for a second one.
    Outcome wait(int request) const
    {
        QElapsedTimer waited;
        waited.start();
        while (count(request) == 0 && waited.elapsed() < kWaitMs) {
            QTest::qWait(5);
        }
        QCoreApplication::processEvents();
        Outcome o;
        for (size_t i = 0; i < m_spies.size(); ++i) {
            for (const QList<QVariant> &args : *m_spies[i]) {
                if (args.value(0).toInt() == request) {
                    ++o.count;
                    o.signal = m_names.at(qsizetype(i));
                    o.args = args.mid(1);
                }
            }
        }
        return o;
    }

    // Every argument every outcome signal carried (for secret checks).
    QByteArray json() const
    {
        QVariantList all;
        for (const auto &spy : m_spies) {
            for (const QList<QVariant> &args : *spy) {
                all.append(QVariant(args));
            }
        }
        return jsonOf(all);
    }

private:
    std::vector<std::unique_ptr<QSignalSpy>> m_spies;
    QByteArrayList m_names;
};

// The Backend and its controllers over a started ServiceEnv, every outcome signal recorded; testers on its models.
struct BackendFixture
{
    ServiceEnv env;
    std::unique_ptr<Backend> backend;
    std::map<const QObject *, std::unique_ptr<Outcomes>> outcomes;

    ~BackendFixture()
    {
        outcomes.clear();
        Backend::setInstance(nullptr);
        backend.reset();
    }

    bool start(const QJsonObject &extra, QString *why)
    {
        if (!env.start(extra, why)) {
            return false;
        }
        backend = std::make_unique<Backend>(env.service.get());
        Backend::setInstance(backend.get());
        for (QAbstractItemModel *m : std::initializer_list<QAbstractItemModel *> {
                 backend->keys(), backend->instances(), backend->tokens(), backend->history() }) {
            new QAbstractItemModelTester(m, kFatal, backend.get());
        }
        for (const QObject *c : std::initializer_list<const QObject *> {
                 backend.get(), keys(), instances(), tokens(), settings(), setup() }) {
            outcomes[c] = std::make_unique<Outcomes>(const_cast<QObject *>(c));
        }
        return true;
    }

    ga::ui::KeysController *keys() const { return backend->keysController(); }
    ga::ui::InstancesController *instances() const { return backend->instancesController(); }
    ga::ui::TokensController *tokens() const { return backend->tokensController(); }
    ga::ui::SettingsController *settings() const { return backend->settingsController(); }
    ga::ui::SetupController *setup() const { return backend->setupController(); }

    // How `request` of `controller` ended (waits for it).
    Outcome wait(const QObject *controller, int request) const { return outcomes.at(controller)->wait(request); }

    // Secrets in anything QML can see: every model row, every outcome signal, the config file.
    QString leaks() const
    {
        QByteArray signalled;
        for (const auto &[controller, recorded] : outcomes) {
            signalled += recorded->json();
        }
        const QList<QPair<QString, QByteArray>> seen {
            { QStringLiteral("keys model"), everything(backend->keys()) },
            { QStringLiteral("instances model"), everything(backend->instances()) },
            { QStringLiteral("tokens model"), everything(backend->tokens()) },
            { QStringLiteral("outcome signals"), signalled },
            { QStringLiteral("config file"), ga::test::readAll(env.configPath) },
        };
        for (const auto &[where, text] : seen) {
            if (const QString leak = env.leakIn(text); !leak.isEmpty()) {
                return where + QStringLiteral(" contains ") + leak;
            }
        }
        return QString();
    }
};

// A resource the way the proxy remembers one it saw made.
Resource resource(const QString &name, ga::affinity::Kind kind, const QString &keyId, const QString &group)
{
    Resource r;
    r.name = name;
    r.kind = kind;
    r.keyId = keyId;
    r.group = group;
    r.expiresMs = QDateTime::currentMSecsSinceEpoch() + 2LL * 3600 * 1000;
    return r;
}

// One request through the proxy (raw, independent of the proxy's parser), with `token` as the client's key.
ga::test::Reply throughProxy(quint16 port, const QByteArray &token, const QByteArray &method, const QByteArray &target,
    const QByteArray &body, const QByteArray &headers = {})
{
    ga::test::Client c(port);
    c.send(method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nx-goog-api-key: " + token + "\r\n" + headers
        + "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\nConnection: close\r\n\r\n" + body);
    return c.read(30'000);
}

bool fakeHas(const ga::test::FakeGemini &fake, const QString &name)
{
    for (const ga::test::Resource &r : fake.resources()) {
        if (r.name == name) {
            return true;
        }
    }
    return false;
}

bool refusesConnections(quint16 port)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    return !s.waitForConnected(2000) && s.error() == QAbstractSocket::ConnectionRefusedError;
}

bool acceptsConnections(quint16 port)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    return s.waitForConnected(2000);
}

ga::metrics::AccessRecord record(int status, bool broken = false)
{
    ga::metrics::AccessRecord r;
    r.status = status;
    r.broken = broken;
    r.model = QStringLiteral("gemini-2.5-flash");
    return r;
}

int sum(const QVariantList &list)
{
    int n = 0;
    for (const QVariant &v : list) {
        n += v.toInt();
    }
    return n;
}

} // namespace

class TestUiModels : public QObject
{
    Q_OBJECT

    QTemporaryDir m_xdg;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_xdg.isValid());
        // Start at login writes to $XDG_CONFIG_HOME/autostart: a private one (QStandardPaths reads it on use).
        // The data and state homes too, so nothing here touches the real user's files.
        for (const char *name : { "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME" }) {
            const QString dir = m_xdg.filePath(QString::fromLatin1(name).toLower());
            QVERIFY(QDir().mkpath(dir));
            qputenv(name, QFile::encodeName(dir));
        }
        QCOMPARE(QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation),
            m_xdg.filePath(QStringLiteral("xdg_config_home")));
        QLoggingCategory::setFilterRules(QStringLiteral("ga.access.info=false"));
    }

    // ---- RowListModel ---------------------------------------------------------------------------------------

    void rowListModelDiffs_data()
    {
        QTest::addColumn<QStringList>("before");
        QTest::addColumn<QStringList>("after");
        QTest::addColumn<QStringList>("changed"); // ids whose data differs afterwards

        QTest::newRow("insert at front") << words("b c d") << words("a b c d") << QStringList();
        QTest::newRow("insert in the middle") << words("a b d") << words("a b c d") << QStringList();
        QTest::newRow("insert at the end") << words("a b c") << words("a b c d") << QStringList();
        QTest::newRow("insert several apart") << words("b d") << words("a b c d e") << QStringList();
        QTest::newRow("remove first") << words("a b c d") << words("b c d") << QStringList();
        QTest::newRow("remove middle") << words("a b c d") << words("a b d") << QStringList();
        QTest::newRow("remove last") << words("a b c d") << words("a b c") << QStringList();
        QTest::newRow("remove several apart") << words("a b c d e") << words("b d") << QStringList();
        QTest::newRow("move last to front") << words("a b c d") << words("d a b c") << QStringList();
        QTest::newRow("move first to end") << words("a b c d") << words("b c d a") << QStringList();
        QTest::newRow("swap neighbours") << words("a b c d") << words("a c b d") << QStringList();
        QTest::newRow("reverse") << words("a b c d e") << words("e d c b a") << QStringList();
        QTest::newRow("data only, one row") << words("a b c") << words("a b c") << words("b");
        QTest::newRow("data only, every row") << words("a b c") << words("a b c") << words("a b c");
        QTest::newRow("nothing changes") << words("a b c") << words("a b c") << QStringList();
        QTest::newRow("move and change") << words("a b c") << words("c a b") << words("c a");
        QTest::newRow("insert, remove, move, change") << words("a b c d e") << words("f d a g c") << words("a");
        QTest::newRow("replace every row") << words("a b") << words("c d") << QStringList();
        QTest::newRow("empty to full") << QStringList() << words("a b c") << QStringList();
        QTest::newRow("full to empty") << words("a b c") << QStringList() << QStringList();
        QTest::newRow("empty to empty") << QStringList() << QStringList() << QStringList();

        // Random subsets in random orders (no duplicates), reproducible.
        QRandomGenerator random(20260101);
        QStringList pool;
        for (int i = 0; i < 16; ++i) {
            pool.append(QStringLiteral("r%1").arg(i, 2, 10, QLatin1Char('0')));
        }
        auto shuffled = [&random](QStringList list) {
            for (qsizetype i = list.size() - 1; i > 0; --i) {
                list.swapItemsAt(i, qsizetype(random.bounded(int(i + 1))));
            }
            return list;
        };
        auto subset = [&random, &pool, &shuffled] {
            QStringList out;
            for (const QString &id : pool) {
                if (random.bounded(3) != 0) {
                    out.append(id);
                }
            }
            return shuffled(out);
        };
        for (int n = 0; n < 40; ++n) {
            const QStringList before = subset();
            const QStringList after = n % 4 == 0 ? shuffled(before) : subset(); // every 4th: a pure permutation
            QStringList changed;
            for (const QString &id : after) {
                if (random.bounded(4) == 0) {
                    changed.append(id);
                }
            }
            QTest::addRow("random %d", n) << before << after << changed;
        }
    }

    void rowListModelDiffs()
    {
        QFETCH(QStringList, before);
        QFETCH(QStringList, after);
        QFETCH(QStringList, changed);

        Rows model;
        QAbstractItemModelTester tester(&model, kFatal);
        model.setRows(rowsFor(before));
        QCOMPARE(model.ids(), before);
        QCOMPARE(model.count(), before.size());

        QList<QPersistentModelIndex> persistent;
        for (int i = 0; i < model.rowCount(); ++i) {
            persistent.append(QPersistentModelIndex(model.index(i)));
        }
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy layout(&model, &QAbstractItemModel::layoutChanged);
        QSignalSpy count(&model, &RowListModel::countChanged);
        QStringList dataChangedIds;
        connect(&model, &QAbstractItemModel::dataChanged, this,
            [&](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
                for (int r = topLeft.row(); r <= bottomRight.row(); ++r) {
                    dataChangedIds.append(model.get(r).value(QStringLiteral("id")).toString());
                }
            });

        const QList<QVariantMap> target = rowsFor(after, changed);
        model.setRows(target);

        QCOMPARE(model.ids(), after);
        QCOMPARE(model.rowCount(), after.size());
        for (int i = 0; i < after.size(); ++i) {
            QCOMPARE(model.get(i), target.at(i));
            QCOMPARE(model.data(model.index(i), Qt::UserRole + 2), target.at(i).value(QStringLiteral("value")));
            QCOMPARE(model.indexOf(after.at(i)), i);
        }

        const QSet<QString> was(before.begin(), before.end());
        const QSet<QString> is(after.begin(), after.end());
        const QSet<QString> kept = was & is;
        QCOMPARE(spannedRows(inserted), int((is - was).size()));
        QCOMPARE(spannedRows(removed), int((was - is).size()));
        // Kept rows change order only when their relative order differs; never a reset or a layout change.
        if (only(before, kept) == only(after, kept)) {
            QCOMPARE(moved.size(), 0);
        } else {
            QVERIFY(!moved.isEmpty());
        }
        QCOMPARE(reset.size(), 0);
        QCOMPARE(layout.size(), 0);
        // dataChanged exactly for the kept rows whose data changed (new rows come with their data).
        const QSet<QString> expectChanged = QSet<QString>(changed.begin(), changed.end()) & kept;
        QCOMPARE(QSet<QString>(dataChangedIds.begin(), dataChangedIds.end()), expectChanged);
        QCOMPARE(dataChangedIds.size(), expectChanged.size());
        QCOMPARE(count.size(), before.size() == after.size() ? 0 : 1);

        // Views keep their place: a persistent index follows its row; the rows that went are invalid.
        for (int i = 0; i < persistent.size(); ++i) {
            const QString id = before.at(i);
            if (is.contains(id)) {
                QVERIFY2(persistent.at(i).isValid(), qPrintable(id));
                QCOMPARE(model.get(persistent.at(i).row()).value(QStringLiteral("id")).toString(), id);
            } else {
                QVERIFY2(!persistent.at(i).isValid(), qPrintable(id));
            }
        }
    }

    void rowListModelBasics()
    {
        Rows model;
        QAbstractItemModelTester tester(&model, kFatal);
        model.setRows(rowsFor(words("a b")));
        const QHash<int, QByteArray> roles = model.roleNames();
        QCOMPARE(roles.value(Qt::UserRole + 1), QByteArray("id"));
        QCOMPARE(roles.value(Qt::UserRole + 2), QByteArray("value"));
        QCOMPARE(model.data(model.index(1), Qt::DisplayRole).toString(), QStringLiteral("b"));
        QVERIFY(!model.data(model.index(0), Qt::UserRole + 3).isValid());
        QVERIFY(model.get(2).isEmpty());
        QVERIFY(model.get(-1).isEmpty());
        QCOMPARE(model.indexOf(QStringLiteral("zz")), -1);
    }

    // ---- List models over a running Service -----------------------------------------------------------------

    void listModelsFollowTheService()
    {
        BackendFixture f;
        QString why;
        QVERIFY2(f.start({}, &why), qPrintable(why));
        ServiceEnv &env = f.env;
        const QString k1 = env.addKey(1, QStringLiteral("alpha"));
        const QString k2 = env.addKey(2, QStringLiteral("beta"));
        const QString k3 = env.addKey(3, QStringLiteral("gamma"), QStringLiteral("project-g"));
        QVERIFY(!k1.isEmpty() && !k2.isEmpty() && !k3.isEmpty());
        const QString i1 = env.addInstance(QStringLiteral("relay-one"),
            QStringLiteral("http://127.0.0.1:%1").arg(ga::test::freePort()), "relay-secret-one-0123456789");
        const QString i2 = env.addInstance(QStringLiteral("relay-two"),
            QStringLiteral("http://127.0.0.1:%1").arg(ga::test::freePort()), "relay-secret-two-0123456789");
        QVERIFY(!i1.isEmpty() && !i2.isEmpty());
        const ga::test::gui::AdminAnswer token = env.edit(
            "POST", QStringLiteral("/tokens"), QJsonObject { { QStringLiteral("name"), QStringLiteral("cline") } });
        QCOMPARE(token.status, 201);
        env.secretValues.append(token.obj().value(u"token").toString().toLatin1());

        ga::ui::KeysModel *keys = f.backend->keys();
        ga::ui::InstancesModel *instances = f.backend->instances();
        ga::ui::TokensModel *tokens = f.backend->tokens();

        // Roles as documented in listmodels.h.
        QSet<QByteArray> keyRoles;
        for (const QByteArray &r : keys->roleNames()) {
            keyRoles.insert(r);
        }
        for (const char *role :
            { "id", "label", "masked", "group", "weight", "instance", "instanceName", "enabled", "state", "reason",
                "untilMs", "coolingModels", "requestsToday", "tokensToday", "lastError", "lastUsedMs" }) {
            QVERIFY2(keyRoles.contains(role), role);
        }
        QSet<QByteArray> instanceRoles;
        for (const QByteArray &r : instances->roleNames()) {
            instanceRoles.insert(r);
        }
        for (const char *role : { "id", "name", "url", "enabled", "health", "usable", "latencyMs", "lastError",
                 "unhealthyUntilMs", "boundKeys" }) {
            QVERIFY2(instanceRoles.contains(role), role);
        }
        QSet<QByteArray> tokenRoles;
        for (const QByteArray &r : tokens->roleNames()) {
            tokenRoles.insert(r);
        }
        for (const char *role :
            { "id", "name", "created", "rotated", "requestsPerMinute", "requestsPerDay", "concurrentStreams" }) {
            QVERIFY2(tokenRoles.contains(role), role);
        }

        // Rows in config order, secrets never shown.
        QTRY_COMPARE_WITH_TIMEOUT(keys->ids(), QStringList({ k1, k2, k3 }), kWaitMs);
        QCOMPARE(rowOf(keys, k1).value(QStringLiteral("label")).toString(), QStringLiteral("alpha"));
        QCOMPARE(rowOf(keys, k3).value(QStringLiteral("group")).toString(), QStringLiteral("project-g"));
        for (int n = 1; n <= 3; ++n) {
            const QString masked = keys->get(n - 1).value(QStringLiteral("masked")).toString();
            QVERIFY(masked.startsWith(QStringLiteral("AIza")));
            QVERIFY(masked.endsWith(fakeKey(n).right(4)));
            QVERIFY(masked.size() < 16);
            QVERIFY2(!masked.contains(fakeKey(n)), "the masked form holds the whole key");
            QCOMPARE(keys->get(n - 1).value(QStringLiteral("state")).toString(), QStringLiteral("active"));
        }
        QTRY_COMPARE_WITH_TIMEOUT(instances->ids(), QStringList({ i1, i2 }), kWaitMs);
        QCOMPARE(rowOf(instances, i1).value(QStringLiteral("name")).toString(), QStringLiteral("relay-one"));
        QCOMPARE(rowOf(instances, i2).value(QStringLiteral("health")).toString(), QStringLiteral("unknown"));
        QCOMPARE(rowOf(instances, i1).value(QStringLiteral("boundKeys")).toInt(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(
            tokens->ids(), QStringList({ QStringLiteral("default"), QStringLiteral("cline") }), kWaitMs);
        QCOMPARE(rowOf(tokens, QStringLiteral("cline")).value(QStringLiteral("concurrentStreams")).toInt(), -1);
        QVERIFY(!rowOf(tokens, QStringLiteral("cline")).value(QStringLiteral("created")).toString().isEmpty());
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));

        // beta turns invalid through a real request: the fake answers API_KEY_INVALID for it, the proxy
        // retries with another key, and the pool's verdict reaches the row.
        env.fake->setBehaviour(fakeKey(2), ga::test::Behaviour::Invalid);
        bool betaTried = false;
        for (int i = 0; i < 6 && !betaTried; ++i) {
            QCOMPARE(env.generateStatus(env.accessToken), 200);
            for (const ga::test::RecordedRequest &r : env.fake->requests()) {
                betaTried = betaTried || r.key == fakeKey(2);
            }
        }
        QVERIFY(betaTried);
        QTRY_COMPARE_WITH_TIMEOUT(
            rowOf(keys, k2).value(QStringLiteral("state")).toString(), QStringLiteral("invalid"), kWaitMs);
        QVERIFY(!rowOf(keys, k2).value(QStringLiteral("reason")).toString().isEmpty());
        QCOMPARE(rowOf(keys, k1).value(QStringLiteral("state")).toString(), QStringLiteral("active"));
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->invalidKeys(), 1, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(keys, k1).value(QStringLiteral("requestsToday")).toInt()
                    + rowOf(keys, k3).value(QStringLiteral("requestsToday")).toInt()
                >= 1,
            kWaitMs);

        // The pool reports gamma's project cooling for a model: the row says so, with when it ends.
        ga::keys::Failure quota;
        quota.kind = ga::keys::FailureKind::QuotaPerMinute;
        quota.retryDelayMs = 60'000;
        quota.reason = QStringLiteral("per-minute quota");
        env.service->keyPool().reportFailure(k3, QStringLiteral("gemini-2.5-pro"), quota);
        QTRY_COMPARE_WITH_TIMEOUT(
            rowOf(keys, k3).value(QStringLiteral("state")).toString(), QStringLiteral("cooling"), kWaitMs);
        QVERIFY(
            rowOf(keys, k3).value(QStringLiteral("untilMs")).toDouble() > double(QDateTime::currentMSecsSinceEpoch()));
        QCOMPARE(rowOf(keys, k3).value(QStringLiteral("coolingModels")).toStringList(),
            QStringList { QStringLiteral("gemini-2.5-pro") });
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));

        // Binding shows the instance's name; the instance counts its keys.
        QCOMPARE(
            env.edit("PATCH", QStringLiteral("/keys/%1").arg(k1), QJsonObject { { QStringLiteral("instance"), i1 } })
                .status,
            200);
        QTRY_COMPARE_WITH_TIMEOUT(
            rowOf(keys, k1).value(QStringLiteral("instanceName")).toString(), QStringLiteral("relay-one"), kWaitMs);
        QCOMPARE(rowOf(keys, k1).value(QStringLiteral("instance")).toString(), i1);
        QCOMPARE(rowOf(keys, k2).value(QStringLiteral("instanceName")).toString(), QString());
        QTRY_COMPARE_WITH_TIMEOUT(rowOf(instances, i1).value(QStringLiteral("boundKeys")).toInt(), 1, kWaitMs);
        // Renaming the instance renames it in the key's row.
        QCOMPARE(env.edit("PATCH", QStringLiteral("/instances/%1").arg(i1),
                        QJsonObject { { QStringLiteral("name"), QStringLiteral("relay-renamed") } })
                     .status,
            200);
        QTRY_COMPARE_WITH_TIMEOUT(
            rowOf(keys, k1).value(QStringLiteral("instanceName")).toString(), QStringLiteral("relay-renamed"), kWaitMs);

        // Config edits from elsewhere: a key added and one removed (as the CLI or the REST API would) …
        QSignalSpy keyRows(keys, &RowListModel::countChanged);
        const QString k4 = env.addKey(4, QStringLiteral("delta"));
        QVERIFY(!k4.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(keys->ids(), QStringList({ k1, k2, k3, k4 }), kWaitMs);
        QCOMPARE(env.edit("DELETE", QStringLiteral("/keys/%1").arg(k2)).status, 204);
        QTRY_COMPARE_WITH_TIMEOUT(keys->ids(), QStringList({ k1, k3, k4 }), kWaitMs);
        QVERIFY(keyRows.size() >= 2);
        QCOMPARE(env.edit("DELETE", QStringLiteral("/instances/%1").arg(i2)).status, 200); // answers the unbound keys
        QTRY_COMPARE_WITH_TIMEOUT(instances->ids(), QStringList({ i1 }), kWaitMs);

        // … and the file edited by hand: the label changes in place.
        QJsonObject doc = QJsonDocument::fromJson(ga::test::readAll(env.configPath)).object();
        QJsonObject keysSection = doc.value(u"keys").toObject();
        QJsonArray items = keysSection.value(u"items").toArray();
        QJsonObject first = items.at(0).toObject();
        QCOMPARE(first.value(u"id").toString(), k1);
        first.insert(QStringLiteral("label"), QStringLiteral("alpha (edited)"));
        items.replace(0, first);
        keysSection.insert(QStringLiteral("items"), items);
        doc.insert(QStringLiteral("keys"), keysSection);
        QSignalSpy applied(env.service.get(), &ga::daemon::Service::configApplied);
        QSignalSpy moves(keys, &QAbstractItemModel::rowsMoved);
        QVERIFY(ga::test::writeAll(env.configPath, QJsonDocument(doc).toJson()));
        QVERIFY(applied.wait(kWaitMs));
        QTRY_COMPARE_WITH_TIMEOUT(
            rowOf(keys, k1).value(QStringLiteral("label")).toString(), QStringLiteral("alpha (edited)"), kWaitMs);
        QCOMPARE(keys->ids(), QStringList({ k1, k3, k4 }));
        QCOMPARE(moves.size(), 0);
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));
    }

    // ---- FilterModel --------------------------------------------------------------------------------------

    void filterModel()
    {
        Rows source(
            { QStringLiteral("id"), QStringLiteral("label"), QStringLiteral("group"), QStringLiteral("status") });
        auto row = [](const char *id, const char *label, const char *group, int status) {
            return QVariantMap { { QStringLiteral("id"), QString::fromLatin1(id) },
                { QStringLiteral("label"), QString::fromLatin1(label) },
                { QStringLiteral("group"), QString::fromLatin1(group) }, { QStringLiteral("status"), status } };
        };
        source.setRows({ row("a", "Alpha key", "proj-x", 200), row("b", "beta", "proj-y", 404),
            row("c", "Gamma", "", 429), row("d", "delta", "PROJ-X", 500), row("e", "", "", 401) });
        ga::ui::FilterModel filter;
        QAbstractItemModelTester sourceTester(&source, kFatal);
        QAbstractItemModelTester filterTester(&filter, kFatal);
        filter.setSourceModel(&source);
        QSignalSpy count(&filter, &ga::ui::FilterModel::countChanged);
        QSignalSpy changed(&filter, &ga::ui::FilterModel::filterChanged);
        auto ids = [&filter] {
            QStringList out;
            for (int i = 0; i < filter.rowCount(); ++i) {
                out.append(filter.get(i).value(QStringLiteral("id")).toString());
            }
            return out;
        };
        QCOMPARE(filter.count(), 5);

        filter.setTextRoles({ QStringLiteral("label"), QStringLiteral("group"), QStringLiteral("no-such-role") });
        filter.setText(QStringLiteral("proj-x"));
        QCOMPARE(ids(), words("a d")); // case-insensitive, any of the roles
        QCOMPARE(filter.count(), 2);
        QVERIFY(!count.isEmpty());
        QCOMPARE(changed.size(), 2);
        filter.setText(QStringLiteral("ALPHA"));
        QCOMPARE(ids(), words("a"));
        filter.setText(QStringLiteral("  beta "));
        QCOMPARE(ids(), words("b"));
        filter.setText(QStringLiteral("zzz"));
        QCOMPARE(filter.count(), 0);
        filter.setText(QString());
        QCOMPARE(filter.count(), 5);

        // matchRole/matchValue: a prefix of the value as text ("4" matches 404, 429, 401).
        count.clear();
        filter.setMatchRole(QStringLiteral("status"));
        filter.setMatchValue(QStringLiteral("4"));
        QCOMPARE(ids(), words("b c e"));
        QCOMPARE(filter.count(), 3);
        QVERIFY(!count.isEmpty());
        filter.setMatchValue(QStringLiteral("42"));
        QCOMPARE(ids(), words("c"));
        filter.setMatchValue(QStringLiteral("4"));
        filter.setText(QStringLiteral("gamma"));
        QCOMPARE(ids(), words("c")); // both conditions
        QCOMPARE(filter.mapToSourceRow(0), 2);
        QCOMPARE(filter.get(0).value(QStringLiteral("status")).toInt(), 429);
        QVERIFY(filter.get(1).isEmpty());
        filter.setText(QString());
        filter.setMatchValue(QString()); // an empty value matches everything
        QCOMPARE(filter.count(), 5);

        // The source changes under a filter: count follows inserts, removals and data changes.
        filter.setMatchValue(QStringLiteral("4"));
        QCOMPARE(filter.count(), 3);
        count.clear();
        source.setRows(
            { row("a", "Alpha key", "proj-x", 200), row("b", "beta", "proj-y", 404), row("c", "Gamma", "", 429),
                row("d", "delta", "PROJ-X", 500), row("e", "", "", 401), row("f", "zeta", "", 403) });
        QCOMPARE(filter.count(), 4);
        QVERIFY(!count.isEmpty());
        count.clear();
        source.setRows({ row("a", "Alpha key", "proj-x", 429), row("b", "beta", "proj-y", 404),
            row("c", "Gamma", "", 200), row("e", "", "", 401), row("f", "zeta", "", 403) });
        QCOMPARE(ids(), words("a b e f"));
        QCOMPARE(filter.count(), 4);
        QVERIFY(!count.isEmpty());
        source.setRows({});
        QCOMPARE(filter.count(), 0);
    }

    // ---- Dashboard ----------------------------------------------------------------------------------------

    void dashboardSeries()
    {
        ga::time::ManualClock clock; // 2026-01-01T00:00:00Z, a whole minute
        ga::ui::Dashboard dash(nullptr, clock);
        QSignalSpy figures(&dash, &ga::ui::Dashboard::figuresChanged);
        auto check = [&dash](int last, int previous, int hour) {
            const QVariantList series = dash.requestsPerMinute();
            return series.size() == 60 && series.at(59).toInt() == last && series.at(58).toInt() == previous
                && dash.requestsLastHour() == hour && sum(series) == hour;
        };
        QCOMPARE(dash.requestsPerMinute().size(), 60);
        QCOMPARE(dash.successesPerMinute().size(), 60);
        QVERIFY(check(0, 0, 0));
        QCOMPARE(dash.successRate(), -1.0);
        QCOMPARE(dash.nowMs(), double(clock.nowMs()));
        QCOMPARE(dash.quotaResetMs(), double(ga::time::nextPacificMidnightMs(clock.nowMs())));
        QVERIFY(dash.quotaResetMs() > dash.nowMs());

        clock.advance(10'000);
        dash.add(record(200));
        dash.add(record(204));
        dash.add(record(500));
        QCOMPARE(figures.size(), 3);
        QVERIFY(check(3, 0, 3));
        QCOMPARE(dash.successesPerMinute().at(59).toInt(), 2);
        QCOMPARE(dash.requestsLastMinute(), 3);
        QCOMPARE(dash.successRate(), 2.0 / 3.0);

        clock.advance(60'000); // minute 1
        QVERIFY(check(0, 3, 3));
        QCOMPARE(dash.requestsLastMinute(), 0);
        dash.add(record(200));
        dash.add(record(200, true)); // a stream that broke is no success
        QVERIFY(check(2, 3, 5));
        QCOMPARE(dash.successesPerMinute().at(59).toInt(), 1);
        QCOMPARE(dash.successRate(), 3.0 / 5.0);

        clock.advance(58 * 60'000); // minute 59: minute 0 is the oldest bucket shown
        QCOMPARE(dash.requestsPerMinute().at(0).toInt(), 3);
        QCOMPARE(dash.requestsPerMinute().at(1).toInt(), 2);
        QVERIFY(check(0, 0, 5));

        clock.advance(60'000); // minute 60: minute 0 has expired
        QCOMPARE(dash.requestsPerMinute().at(0).toInt(), 2);
        QVERIFY(check(0, 0, 2));
        QCOMPARE(dash.successRate(), 0.5);
        // Minute 60 reuses minute 0's bucket: it starts from zero.
        dash.add(record(200));
        QVERIFY(check(1, 0, 3));
        QCOMPARE(dash.successesPerMinute().at(59).toInt(), 1);

        clock.advance(61 * 60'000); // more than an hour after everything
        QVERIFY(check(0, 0, 0));
        QCOMPARE(sum(dash.successesPerMinute()), 0);
        QCOMPARE(dash.successRate(), -1.0);
        QCOMPARE(dash.activeStreams(), 0);
    }

    // The desktop app after a relaunch: Logs lists the last run's requests and the last-hour chart counts them
    // (both read back from history.sqlite beside the config), while nothing new has been served yet.
    void historyAndChartComeBackAfterARestart()
    {
        BackendFixture f;
        QString why;
        QVERIFY2(f.start({}, &why), qPrintable(why));
        QVERIFY(!f.env.addKey(21, QStringLiteral("h")).isEmpty());
        for (int i = 0; i < 50; ++i) {
            QCOMPARE(f.env.generateStatus(f.env.accessToken), 200);
        }
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->history()->rowCount(), 50, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->dashboard()->requestsLastHour(), 50, kWaitMs);

        // Quit: the window's models go first, then the service (which writes what is still queued).
        f.outcomes.clear();
        Backend::setInstance(nullptr);
        f.backend.reset();
        f.env.service.reset();
        f.env.store.reset();
        QVERIFY(QFile::exists(QFileInfo(f.env.configPath).absoluteDir().filePath(QStringLiteral("history.sqlite"))));

        QVERIFY2(f.start({}, &why), qPrintable(why));
        QCOMPARE(f.backend->history()->rowCount(), 50);
        const QModelIndex newest = f.backend->history()->index(0);
        QCOMPARE(newest.data(ga::metrics::HistoryModel::StatusRole).toInt(), 200);
        QCOMPARE(newest.data(ga::metrics::HistoryModel::ModelRole).toString(), QStringLiteral("gemini-2.5-flash"));
        ga::ui::Dashboard *dash = f.backend->dashboard();
        QCOMPARE(dash->requestsLastHour(), 50);
        int charted = 0;
        for (const QVariant &v : dash->requestsPerMinute()) {
            charted += v.toInt();
        }
        QCOMPARE(charted, 50);
        QCOMPARE(dash->successRate(), 1.0);
    }

    void dailyLimitFor_data()
    {
        QTest::addColumn<QString>("limits");
        QTest::addColumn<int>("daily");
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("expected");
        const QString two = QStringLiteral("gemini-2.5-pro=100, gemini-2.5-flash=250");
        QTest::newRow("first") << two << 50 << QStringLiteral("gemini-2.5-pro") << 100;
        QTest::newRow("second") << two << 50 << QStringLiteral("gemini-2.5-flash") << 250;
        QTest::newRow("not listed") << two << 50 << QStringLiteral("gemini-2.0-flash") << 50;
        QTest::newRow("no limits") << QString() << 250 << QStringLiteral("gemini-2.5-pro") << 250;
        QTest::newRow("no limits, no default") << QString() << 0 << QStringLiteral("gemini-2.5-pro") << 0;
        QTest::newRow("spaces") << QStringLiteral("  a = 7 ,b=8,  ") << 1 << QStringLiteral("a") << 7;
        QTest::newRow("no trailing match") << QStringLiteral("a=7,b=8") << 1 << QStringLiteral("b") << 8;
        QTest::newRow("whole names only")
            << QStringLiteral("gemini-2.5-pro=100") << 9 << QStringLiteral("gemini-2.5-pro-preview") << 9;
        QTest::newRow("prefix of a listed name")
            << QStringLiteral("gemini-2.5-pro-preview=5") << 9 << QStringLiteral("gemini-2.5-pro") << 9;
        QTest::newRow("zero means none") << QStringLiteral("m=0") << 250 << QStringLiteral("m") << 0;
    }

    void dailyLimitFor()
    {
        QFETCH(QString, limits);
        QFETCH(int, daily);
        QFETCH(QString, model);
        QFETCH(int, expected);
        QCOMPARE(ga::ui::dailyLimitFor(limits, daily, model), expected);
    }

    void dashboardQuotaAfterRealRequests()
    {
        ServiceEnv env;
        QString why;
        QVERIFY2(env.start(QJsonObject { { QStringLiteral("quota"),
                               QJsonObject { { QStringLiteral("dailyRequests"), 250 },
                                   { QStringLiteral("modelLimits"), QStringLiteral("gemini-2.5-pro=100") } } } },
                     &why),
            qPrintable(why));
        QVERIFY(!env.addKey(11, QStringLiteral("alpha"), QStringLiteral("proj-a")).isEmpty());
        QVERIFY(!env.addKey(12, QStringLiteral("beta"), QStringLiteral("proj-a")).isEmpty());
        QVERIFY(!env.addKey(13, QStringLiteral("solo")).isEmpty());
        // Usage is kept per Pacific day by the real clock: the dashboard reads "today" the same way.
        ga::ui::Dashboard dash(env.service.get(), ga::time::Clock::system());
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(env.generateStatus(env.accessToken, "gemini-2.5-flash"), 200);
        }
        for (int i = 0; i < 2; ++i) {
            QCOMPARE(env.generateStatus(env.accessToken, "gemini-2.5-pro"), 200);
        }
        auto used = [&dash](const QString &model) {
            dash.refresh();
            int n = 0;
            for (const QVariant &v : dash.quota()) {
                n += v.toMap().value(QStringLiteral("model")).toString() == model
                    ? v.toMap().value(QStringLiteral("used")).toInt()
                    : 0;
            }
            return n;
        };
        QTRY_COMPARE_WITH_TIMEOUT(used(QStringLiteral("gemini-2.5-flash")), 3, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(used(QStringLiteral("gemini-2.5-pro")), 2, kWaitMs);
        QCOMPARE(dash.requestsToday(), 5.0);
        QVERIFY(dash.tokensToday() > 0);
        // The finished requests reached the chart through the recorder (queued onto this thread).
        QTRY_COMPARE_WITH_TIMEOUT(dash.requestsLastHour(), 5, kWaitMs);
        QCOMPARE(dash.successRate(), 1.0);

        // One row per project (the group, or the label of an ungrouped key) and model, busiest first.
        const QVariantList quota = dash.quota();
        QVERIFY(!quota.isEmpty());
        double previous = 2.0;
        QSet<QPair<QString, QString>> seen;
        for (const QVariant &v : quota) {
            const QVariantMap r = v.toMap();
            const QString project = r.value(QStringLiteral("project")).toString();
            const QString model = r.value(QStringLiteral("model")).toString();
            QVERIFY2(project == u"proj-a" || project == u"solo", qPrintable(project));
            QVERIFY2(!seen.contains({ project, model }), "one row per project and model");
            seen.insert({ project, model });
            const int limit = model == u"gemini-2.5-pro" ? 100 : 250;
            QCOMPARE(r.value(QStringLiteral("limit")).toInt(), limit);
            QCOMPARE(
                r.value(QStringLiteral("fraction")).toDouble(), r.value(QStringLiteral("used")).toDouble() / limit);
            QVERIFY(r.value(QStringLiteral("fraction")).toDouble() <= previous);
            previous = r.value(QStringLiteral("fraction")).toDouble();
        }
        // Both proj-a keys served something (round robin over three keys, five requests): one row each model.
        QVERIFY(seen.contains({ QStringLiteral("proj-a"), QStringLiteral("gemini-2.5-flash") }));
    }

    // ---- Notifier -----------------------------------------------------------------------------------------

    void notifierInvalidKeyOncePerTenMinutes()
    {
        ServiceEnv env;
        QString why;
        QVERIFY2(env.start({}, &why), qPrintable(why));
        const QString k1 = env.addKey(21, QStringLiteral("alpha"));
        const QString k2 = env.addKey(22, QString()); // no label: the masked form alone
        QVERIFY(!k1.isEmpty() && !k2.isEmpty());
        ga::time::ManualClock clock;
        ga::ui::Notifier notifier(env.service.get(), clock);
        QVERIFY(notifier.isEnabled());
        QSignalSpy spy(&notifier, &ga::ui::Notifier::notify);

        notifier.keyStatusChanged(k1, ga::keys::KeyStatus::Invalid, QStringLiteral("API_KEY_INVALID"));
        QCOMPARE(spy.size(), 1);
        const QString title = spy.at(0).at(0).toString();
        const QString message = spy.at(0).at(1).toString();
        QVERIFY2(env.leakIn(message.toUtf8() + title.toUtf8()).isEmpty(), "the notification names the secret");
        QCOMPARE(title, QStringLiteral("A key is invalid"));
        const QString masked = env.service->config().findKey(k1)->masked();
        QVERIFY2(message.contains(QStringLiteral("alpha")), qPrintable(message));
        QVERIFY2(message.contains(masked), qPrintable(message));
        QVERIFY(message.contains(QStringLiteral("API_KEY_INVALID")));

        // The same subject again within 10 minutes: nothing; at 10 minutes: told again.
        clock.advance(ga::ui::Notifier::kSubjectGapMs - 1000);
        notifier.keyStatusChanged(k1, ga::keys::KeyStatus::Invalid, QStringLiteral("API_KEY_INVALID"));
        QCOMPARE(spy.size(), 1);
        clock.advance(1000);
        notifier.keyStatusChanged(k1, ga::keys::KeyStatus::Invalid, QStringLiteral("API_KEY_INVALID"));
        QCOMPARE(spy.size(), 2);

        // Another key is another subject; without a label it is named by its masked form.
        notifier.keyStatusChanged(k2, ga::keys::KeyStatus::Invalid, QStringLiteral("expired"));
        QCOMPARE(spy.size(), 3);
        const QString second = spy.at(2).at(1).toString();
        QVERIFY2(env.leakIn(second.toUtf8()).isEmpty(), "the notification names the secret");
        QVERIFY2(second.contains(env.service->config().findKey(k2)->masked()), qPrintable(second));

        // Only "invalid" is news about a single key.
        clock.advance(ga::ui::Notifier::kWindowMs);
        notifier.keyStatusChanged(k1, ga::keys::KeyStatus::Active, QString());
        notifier.keyStatusChanged(k1, ga::keys::KeyStatus::Disabled, QString());
        QCOMPARE(spy.size(), 3);
    }

    void notifierBurstLimit()
    {
        ServiceEnv env;
        QString why;
        QVERIFY2(env.start({}, &why), qPrintable(why));
        QStringList ids;
        for (int n = 31; n < 36; ++n) {
            ids.append(env.addKey(n, QStringLiteral("key %1").arg(n)));
            QVERIFY(!ids.last().isEmpty());
        }
        ga::time::ManualClock clock;
        ga::ui::Notifier notifier(env.service.get(), clock);
        QSignalSpy spy(&notifier, &ga::ui::Notifier::notify);
        for (const QString &id : ids) { // five subjects within a second
            notifier.keyStatusChanged(id, ga::keys::KeyStatus::Invalid, QStringLiteral("API_KEY_INVALID"));
            clock.advance(200);
        }
        QCOMPARE(spy.size(), ga::ui::Notifier::kBurst);
        for (const QList<QVariant> &args : std::as_const(spy)) {
            QVERIFY(!args.at(1).toString().contains(QStringLiteral("held back")));
        }
        // Still inside the minute: held back too.
        clock.advance(ga::ui::Notifier::kWindowMs - 5000);
        notifier.relayHealthChanged(
            QStringLiteral("i-x"), ga::routing::RelayHealth::Unhealthy, QStringLiteral("refused"));
        QCOMPARE(spy.size(), ga::ui::Notifier::kBurst);
        // A minute after the first: the next one goes out and sums up what was held back.
        clock.advance(5000);
        notifier.relayHealthChanged(
            QStringLiteral("i-y"), ga::routing::RelayHealth::Unhealthy, QStringLiteral("refused"));
        QCOMPARE(spy.size(), ga::ui::Notifier::kBurst + 1);
        const QString summary = spy.last().at(1).toString();
        QVERIFY2(summary.contains(QStringLiteral("and 3 more held back")), qPrintable(summary));
        // The count starts over.
        clock.advance(1000);
        notifier.relayHealthChanged(
            QStringLiteral("i-z"), ga::routing::RelayHealth::Unhealthy, QStringLiteral("refused"));
        QCOMPARE(spy.size(), ga::ui::Notifier::kBurst + 2);
        QVERIFY(!spy.last().at(1).toString().contains(QStringLiteral("held back")));
    }

    void notifierRelayDownAndUp()
    {
        ServiceEnv env;
        QString why;
        QVERIFY2(env.start({}, &why), qPrintable(why));
        const QString relay = env.addInstance(QStringLiteral("berlin-relay"),
            QStringLiteral("http://127.0.0.1:%1").arg(ga::test::freePort()), "relay-secret-berlin-0123456789");
        QVERIFY(!relay.isEmpty());
        ga::time::ManualClock clock;
        ga::ui::Notifier notifier(env.service.get(), clock);
        QSignalSpy spy(&notifier, &ga::ui::Notifier::notify);
        using ga::routing::RelayHealth;

        notifier.relayHealthChanged(relay, RelayHealth::Healthy, QString()); // unknown → healthy: no news
        QCOMPARE(spy.size(), 0);
        notifier.relayHealthChanged(relay, RelayHealth::Unhealthy, QStringLiteral("connection refused"));
        QCOMPARE(spy.size(), 1);
        QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("A relay is down"));
        QVERIFY(spy.at(0).at(1).toString().contains(QStringLiteral("berlin-relay")));
        QVERIFY(spy.at(0).at(1).toString().contains(QStringLiteral("connection refused")));
        QCOMPARE(spy.at(0).at(2).toBool(), true); // a warning: the tray shows it with the warning icon
        notifier.relayHealthChanged(relay, RelayHealth::Unhealthy, QStringLiteral("still refused"));
        QCOMPARE(spy.size(), 1); // still down: nothing new
        clock.advance(30'000);
        notifier.relayHealthChanged(relay, RelayHealth::Healthy, QString());
        QCOMPARE(spy.size(), 2);
        QCOMPARE(spy.at(1).at(0).toString(), QStringLiteral("A relay is back up"));
        QVERIFY(spy.at(1).at(1).toString().contains(QStringLiteral("berlin-relay")));
        QCOMPARE(spy.at(1).at(2).toBool(), false); // good news: the information icon
        notifier.relayHealthChanged(relay, RelayHealth::Healthy, QString());
        QCOMPARE(spy.size(), 2);
        // Flapping within 10 minutes is not told again; after that it is.
        clock.advance(60'000);
        notifier.relayHealthChanged(relay, RelayHealth::Unhealthy, QStringLiteral("timeout"));
        notifier.relayHealthChanged(relay, RelayHealth::Healthy, QString());
        QCOMPARE(spy.size(), 2);
        clock.advance(ga::ui::Notifier::kSubjectGapMs);
        notifier.relayHealthChanged(relay, RelayHealth::Unhealthy, QStringLiteral("timeout"));
        QCOMPARE(spy.size(), 3);
        QCOMPARE(spy.at(2).at(0).toString(), QStringLiteral("A relay is down"));
        QVERIFY(env.leakIn(jsonOf(QVariant::fromValue(spy.at(2)))).isEmpty());
    }

    void notifierAllKeysCoolingOnce()
    {
        ServiceEnv env;
        QString why;
        QVERIFY2(env.start({}, &why), qPrintable(why));
        // Two keys: three projects with a 429 within seconds would read as throttling of the connection instead.
        const QStringList ids { env.addKey(41, QStringLiteral("a")), env.addKey(42, QStringLiteral("b")) };
        QVERIFY(!ids.contains(QString()));
        ga::time::ManualClock clock;
        ga::ui::Notifier notifier(env.service.get(), clock); // follows the pool's own events
        QSignalSpy spy(&notifier, &ga::ui::Notifier::notify);
        ga::keys::Failure quota;
        quota.kind = ga::keys::FailureKind::QuotaPerMinute;
        quota.retryDelayMs = 120'000;
        quota.reason = QStringLiteral("per-minute quota");
        ga::keys::KeyPool &pool = env.service->keyPool();

        pool.reportFailure(ids.at(0), QStringLiteral("gemini-2.5-flash"), quota);
        QSignalSpy poolEvents(&pool, &ga::keys::KeyPool::keyStatusChanged);
        pool.reportFailure(ids.at(1), QStringLiteral("gemini-2.5-flash"), quota);
        QVERIFY(!poolEvents.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 1, kWaitMs);
        QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("Every key is cooling"));
        QVERIFY2(spy.at(0).at(1).toString().contains(QStringLiteral("per-minute quota")),
            qPrintable(spy.at(0).at(1).toString()));
        // More cooling while everything cools: nothing new.
        clock.advance(ga::ui::Notifier::kWindowMs);
        pool.reportFailure(ids.at(0), QStringLiteral("gemini-2.5-pro"), quota);
        QCoreApplication::processEvents(); // the queued pool event
        QCOMPARE(spy.size(), 1);

        // One key back, then cooling again: told again once the subject's gap has passed.
        QSignalSpy back(&pool, &ga::keys::KeyPool::keyStatusChanged);
        pool.clearKeyState(ids.at(1));
        QTRY_VERIFY_WITH_TIMEOUT(!back.isEmpty(), kWaitMs);
        QCoreApplication::processEvents();
        clock.advance(ga::ui::Notifier::kSubjectGapMs);
        pool.reportFailure(ids.at(1), QStringLiteral("gemini-2.5-flash"), quota);
        QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 2, kWaitMs);
        QCOMPARE(spy.at(1).at(0).toString(), QStringLiteral("Every key is cooling"));
    }

    void notifierDisabledSaysNothing()
    {
        ServiceEnv env;
        QString why;
        QVERIFY2(env.start({}, &why), qPrintable(why));
        const QString k = env.addKey(51, QStringLiteral("quiet"));
        QVERIFY(!k.isEmpty());
        ga::time::ManualClock clock;
        ga::ui::Notifier notifier(env.service.get(), clock);
        QSignalSpy spy(&notifier, &ga::ui::Notifier::notify);
        notifier.setEnabled(false);
        QVERIFY(!notifier.isEnabled());
        notifier.keyStatusChanged(k, ga::keys::KeyStatus::Invalid, QStringLiteral("API_KEY_INVALID"));
        notifier.relayHealthChanged(QStringLiteral("i1"), ga::routing::RelayHealth::Unhealthy, QStringLiteral("x"));
        notifier.relayHealthChanged(QStringLiteral("i1"), ga::routing::RelayHealth::Healthy, QString());
        ga::keys::Failure quota;
        quota.kind = ga::keys::FailureKind::QuotaPerMinute;
        quota.retryDelayMs = 60'000;
        quota.reason = QStringLiteral("per-minute quota");
        QSignalSpy poolEvents(&env.service->keyPool(), &ga::keys::KeyPool::keyStatusChanged);
        env.service->keyPool().reportFailure(k, QStringLiteral("gemini-2.5-flash"), quota); // every key cooling
        QVERIFY(!poolEvents.isEmpty());
        QCoreApplication::processEvents();
        QCOMPARE(spy.size(), 0);
        // Switched back on, the next event is told (disabled time does not count against the limits).
        notifier.setEnabled(true);
        notifier.keyStatusChanged(k, ga::keys::KeyStatus::Invalid, QStringLiteral("API_KEY_INVALID"));
        QCOMPARE(spy.size(), 1);
    }

    // ---- Autostart ----------------------------------------------------------------------------------------

    void autostart_data()
    {
        QTest::addColumn<QString>("program");
        QTest::newRow("plain") << QStringLiteral("/usr/bin/gemini-aggregator");
        QTest::newRow("spaces and quotes")
            << QStringLiteral("/opt/My Apps/\"Gemini\" Aggregator/bin/gemini-aggregator");
        QTest::newRow("shell characters") << QStringLiteral("/home/u/it's $HOME/`x`/a\\b/50%/app");
    }

    void autostart()
    {
        QFETCH(QString, program);
        ga::ui::Autostart autostart(program);
        const QString expected = m_xdg.filePath(QStringLiteral("xdg_config_home/autostart/gemini-aggregator.desktop"));
        QCOMPARE(autostart.location(), expected);
        QString error;
        QVERIFY2(autostart.setEnabled(false, &error), qPrintable(error)); // nothing to remove: fine
        QVERIFY(!autostart.isEnabled());

        QVERIFY2(autostart.setEnabled(true, &error), qPrintable(error));
        QVERIFY(autostart.isEnabled());
        QVERIFY(QFileInfo::exists(expected));
        const QString text = QString::fromUtf8(ga::test::readAll(expected));
        QVERIFY(text.startsWith(QStringLiteral("[Desktop Entry]\n")));
        QString exec;
        for (const QString &line : text.split(u'\n')) {
            if (line.startsWith(QStringLiteral("Exec="))) {
                QVERIFY2(exec.isEmpty(), "two Exec lines");
                exec = line.mid(5);
            }
        }
        QVERIFY(text.contains(QStringLiteral("\nType=Application\n")));
        const QStringList argv = parseExec(exec, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error + QStringLiteral(" in ") + exec));
        QCOMPARE(argv, QStringList({ program, QStringLiteral("--minimized") }));

        const QString validator = QStandardPaths::findExecutable(QStringLiteral("desktop-file-validate"));
        if (!validator.isEmpty()) {
            QProcess p;
            p.start(validator, { expected });
            QVERIFY(p.waitForFinished(30'000));
            const QString out = QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError());
            QVERIFY2(p.exitCode() == 0, qPrintable(out));
            QVERIFY2(!out.contains(QStringLiteral("error")), qPrintable(out));
        } else {
            qWarning("desktop-file-validate is not in PATH: the entry was only parsed");
        }

        // Enabling twice rewrites the one entry; disabling removes it.
        QVERIFY2(autostart.setEnabled(true, &error), qPrintable(error));
        QCOMPARE(QDir(QFileInfo(expected).absolutePath()).entryList(QDir::Files),
            QStringList({ QStringLiteral("gemini-aggregator.desktop") }));
        QVERIFY2(autostart.setEnabled(false, &error), qPrintable(error));
        QVERIFY(!autostart.isEnabled());
        QVERIFY(!QFileInfo::exists(expected));
    }

    void autostartDefaultsToThisProgram()
    {
        ga::ui::Autostart autostart;
        QString error;
        QVERIFY2(autostart.setEnabled(true, &error), qPrintable(error));
        const QString text = QString::fromUtf8(ga::test::readAll(autostart.location()));
        QVERIFY(text.contains(QCoreApplication::applicationFilePath()));
        QVERIFY2(autostart.setEnabled(false, &error), qPrintable(error));
    }

    // ---- SingleInstance -----------------------------------------------------------------------------------

    void singleInstance()
    {
        const QString key
            = QStringLiteral("/tmp/config-%1.json").arg(QUuid::createUuid().toString(QUuid::WithoutBraces));
        auto first = std::make_unique<ga::ui::SingleInstance>(key);
        QString error;
        QVERIFY2(first->listen(&error), qPrintable(error));
        QSignalSpy activated(first.get(), &ga::ui::SingleInstance::activationRequested);

        // A second launch (its blocking handshake on another thread; the first answers on this one).
        QCOMPARE(notifyFromAnotherThread(key), true);
        QCOMPARE(activated.size(), 1);
        QCOMPARE(notifyFromAnotherThread(key), true);
        QCOMPARE(activated.size(), 2);

        // Another key (another config file) is another instance: it does not reach the first and may listen.
        const QString otherKey = key + QStringLiteral(".other");
        ga::ui::SingleInstance other(otherKey);
        QVERIFY(other.serverName() != first->serverName());
        QVERIFY(!other.notifyRunning(1000));
        QVERIFY2(other.listen(&error), qPrintable(error));
        QSignalSpy otherActivated(&other, &ga::ui::SingleInstance::activationRequested);
        QCOMPARE(notifyFromAnotherThread(otherKey), true);
        QCOMPARE(otherActivated.size(), 1);
        QCOMPARE(activated.size(), 2);

        // The first quits: its name is free again.
        first.reset();
        ga::ui::SingleInstance next(key);
        QVERIFY(!next.notifyRunning(1000));
        QVERIFY2(next.listen(&error), qPrintable(error));
        QSignalSpy nextActivated(&next, &ga::ui::SingleInstance::activationRequested);
        QCOMPARE(notifyFromAnotherThread(key), true);
        QCOMPARE(nextActivated.size(), 1);
    }

    void singleInstanceTakesOverAStaleSocket()
    {
        const QString key
            = QStringLiteral("/tmp/config-%1.json").arg(QUuid::createUuid().toString(QUuid::WithoutBraces));
        QString path;
        {
            ga::ui::SingleInstance probe(key);
            path = QDir(QDir::tempPath()).filePath(probe.serverName());
            QString error;
            QVERIFY2(probe.listen(&error), qPrintable(error));
            QVERIFY2(QFileInfo::exists(path), qPrintable(path));
        }
        QVERIFY(!QFileInfo::exists(path));
        // What a crashed instance leaves: a bound socket file nobody listens on.
        const QByteArray native = QFile::encodeName(path);
        sockaddr_un addr {};
        addr.sun_family = AF_UNIX;
        QVERIFY(size_t(native.size()) < sizeof(addr.sun_path));
        memcpy(addr.sun_path, native.constData(), size_t(native.size()));
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        QVERIFY(fd >= 0);
        QCOMPARE(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)), 0);
        ::close(fd);
        QVERIFY(QFileInfo::exists(path));

        ga::ui::SingleInstance fresh(key);
        QVERIFY(!fresh.notifyRunning(1000)); // nobody answers
        QString error;
        QVERIFY2(fresh.listen(&error), qPrintable(error));
        QSignalSpy activated(&fresh, &ga::ui::SingleInstance::activationRequested);
        QCOMPARE(notifyFromAnotherThread(key), true);
        QCOMPARE(activated.size(), 1);
    }

    // ---- Files and cached contents (the Files page) ---------------------------------------------------------

    void resourcesModelFollowsTheMap()
    {
        BackendFixture f;
        QString why;
        QVERIFY2(f.start({}, &why), qPrintable(why));
        ServiceEnv &env = f.env;
        const QString k1 = env.addKey(101, QStringLiteral("alpha"), QStringLiteral("project-a"));
        const QString k2 = env.addKey(102, QString(), QStringLiteral("project-b"));
        QVERIFY(!k1.isEmpty() && !k2.isEmpty());
        ga::affinity::ResourceMap &map = env.service->resources();

        ResourcesModel model(f.backend.get());
        QAbstractItemModelTester tester(&model, kFatal);
        QCOMPARE(model.count(), 0);
        QSet<QByteArray> roles;
        for (const QByteArray &r : model.roleNames()) {
            roles.insert(r);
        }
        for (const char *role : { "id", "name", "kind", "displayName", "sizeBytes", "keyId", "keyLabel", "keyMasked",
                 "group", "createdMs", "expiresMs", "mimeType", "modelName", "deleting" }) {
            QVERIFY2(roles.contains(role), role);
        }

        // Remembered by the proxy: the row appears, with its owner key's label and masked form.
        Resource file
            = resource(QStringLiteral("files/notes0001"), ga::affinity::Kind::File, k1, QStringLiteral("project-a"));
        file.sizeBytes = 1234;
        file.displayName = QStringLiteral("notes.txt");
        file.mimeType = QStringLiteral("text/plain");
        map.remember(file);
        QTRY_COMPARE_WITH_TIMEOUT(model.ids(), QStringList({ file.name }), kWaitMs);
        QVariantMap row = rowOf(&model, file.name);
        QCOMPARE(row.value(QStringLiteral("name")).toString(), file.name);
        QCOMPARE(row.value(QStringLiteral("kind")).toString(), QStringLiteral("file"));
        QCOMPARE(row.value(QStringLiteral("displayName")).toString(), QStringLiteral("notes.txt"));
        QCOMPARE(row.value(QStringLiteral("sizeBytes")).toDouble(), 1234.0);
        QCOMPARE(row.value(QStringLiteral("keyId")).toString(), k1);
        QCOMPARE(row.value(QStringLiteral("keyLabel")).toString(), QStringLiteral("alpha"));
        QVERIFY(row.value(QStringLiteral("keyMasked")).toString().startsWith(QStringLiteral("AIza")));
        QCOMPARE(row.value(QStringLiteral("group")).toString(), QStringLiteral("project-a"));
        QCOMPARE(row.value(QStringLiteral("mimeType")).toString(), QStringLiteral("text/plain"));
        QCOMPARE(row.value(QStringLiteral("expiresMs")).toDouble(), double(file.expiresMs));
        QVERIFY(row.value(QStringLiteral("createdMs")).toDouble() > 0);
        QCOMPARE(row.value(QStringLiteral("deleting")).toBool(), false);

        // From a proxy worker thread, as answers are read: a cached content shows, a batch does not (the page
        // is about files and caches).
        Resource cache = resource(QStringLiteral("cachedContents/ctx0001"), ga::affinity::Kind::CachedContent, k2,
            QStringLiteral("project-b"));
        cache.model = QStringLiteral("models/gemini-2.5-flash");
        const Resource batch
            = resource(QStringLiteral("batches/b0001"), ga::affinity::Kind::Batch, k2, QStringLiteral("project-b"));
        QTest::qWait(5); // a later creation time: newest first
        std::unique_ptr<QThread> worker(QThread::create([&map, cache, batch] {
            map.remember(cache);
            map.remember(batch);
        }));
        worker->start();
        QVERIFY(worker->wait(kWaitMs));
        QTRY_COMPARE_WITH_TIMEOUT(model.ids(), QStringList({ cache.name, file.name }), kWaitMs);
        row = rowOf(&model, cache.name);
        QCOMPARE(row.value(QStringLiteral("kind")).toString(), QStringLiteral("cachedContent"));
        QCOMPARE(row.value(QStringLiteral("modelName")).toString(), QStringLiteral("models/gemini-2.5-flash"));
        QCOMPARE(row.value(QStringLiteral("sizeBytes")).toDouble(), -1.0);
        QCOMPARE(row.value(QStringLiteral("keyLabel")).toString(), QString()); // the key has no label
        QVERIFY(!row.value(QStringLiteral("keyMasked")).toString().isEmpty());

        // The owner's label follows config edits.
        QCOMPARE(env.edit("PATCH", QStringLiteral("/keys/%1").arg(k2),
                        QJsonObject { { QStringLiteral("label"), QStringLiteral("beta") } })
                     .status,
            200);
        QTRY_COMPARE_WITH_TIMEOUT(
            rowOf(&model, cache.name).value(QStringLiteral("keyLabel")).toString(), QStringLiteral("beta"), kWaitMs);

        // Forgotten (deleted elsewhere, expired at Google): the row goes.
        map.forget(file.name);
        QTRY_COMPARE_WITH_TIMEOUT(model.ids(), QStringList({ cache.name }), kWaitMs);

        // A burst from a worker is coalesced: at most one refresh per interval (plus the first and the last),
        // not one per change.
        QSignalSpy counts(&model, &RowListModel::countChanged);
        constexpr int kBurst = 300;
        QElapsedTimer clock;
        clock.start();
        std::unique_ptr<QThread> burst(QThread::create([&map, k1] {
            for (int i = 0; i < kBurst; ++i) {
                map.remember(resource(QStringLiteral("files/burst%1").arg(i, 4, 10, QLatin1Char('0')),
                    ga::affinity::Kind::File, k1, QStringLiteral("project-a")));
                QThread::usleep(1000);
            }
        }));
        QSignalSpy finished(burst.get(), &QThread::finished);
        burst->start();
        QVERIFY(finished.wait(30'000));
        QVERIFY(burst->wait(kWaitMs));
        const qint64 elapsed = clock.elapsed();
        QTRY_COMPARE_WITH_TIMEOUT(model.count(), kBurst + 1, kWaitMs);
        QVERIFY2(counts.size() <= elapsed / ResourcesModel::kRefreshMs + 3,
            qPrintable(QStringLiteral("%1 refreshes changed the count in %2 ms").arg(counts.size()).arg(elapsed)));
        QVERIFY(counts.size() < kBurst / 4);
        for (int i = 0; i < kBurst; ++i) {
            map.forget(QStringLiteral("files/burst%1").arg(i, 4, 10, QLatin1Char('0')));
        }
        QTRY_COMPARE_WITH_TIMEOUT(model.ids(), QStringList({ cache.name }), kWaitMs);
        QVERIFY(env.leakIn(everything(&model)).isEmpty());
    }

    void resourcesModelDeletesAtGoogle()
    {
        BackendFixture f;
        QString why;
        QVERIFY2(f.start({}, &why), qPrintable(why));
        ServiceEnv &env = f.env;
        const QString k1 = env.addKey(111, QStringLiteral("alpha"), QStringLiteral("project-a"));
        const QString k2 = env.addKey(112, QStringLiteral("beta"), QStringLiteral("project-b"));
        QVERIFY(!k1.isEmpty() && !k2.isEmpty());
        ResourcesModel model(f.backend.get());
        QAbstractItemModelTester tester(&model, kFatal);
        QSignalSpy removed(&model, &ResourcesModel::removed);
        QSignalSpy failed(&model, &ResourcesModel::removeFailed);
        auto failure = [&failed] { return failed.isEmpty() ? QString() : failed.last().at(1).toString(); };

        // A file at Google in beta's project, known to the proxy as beta's.
        const QString name = env.fake->addFile(
            QStringLiteral("project-b"), "hello, world", QStringLiteral("text/plain"), QStringLiteral("hello.txt"));
        QVERIFY(name.startsWith(QStringLiteral("files/")));
        Resource file = resource(name, ga::affinity::Kind::File, k2, QStringLiteral("project-b"));
        file.sizeBytes = 12;
        env.service->resources().remember(file);
        QTRY_COMPARE_WITH_TIMEOUT(model.ids(), QStringList({ name }), kWaitMs);

        // Deleted with the owner's key: the row says so while the call runs, then goes; Google has it no more.
        env.fake->clearRequests();
        model.remove(name);
        QCOMPARE(rowOf(&model, name).value(QStringLiteral("deleting")).toBool(), true);
        QTRY_COMPARE_WITH_TIMEOUT(removed.size() + failed.size(), 1, 30'000);
        QVERIFY2(failed.isEmpty(), qPrintable(failure()));
        QCOMPARE(removed.at(0).at(0).toString(), name);
        QTRY_COMPARE_WITH_TIMEOUT(model.indexOf(name), -1, kWaitMs);
        QVERIFY(!env.service->resources().find(name));
        QVERIFY(!fakeHas(*env.fake, name));
        bool sentWithOwner = false;
        for (const ga::test::RecordedRequest &r : env.fake->requests()) {
            if (r.method == "DELETE" && r.path.contains(name.toLatin1())) {
                QCOMPARE(r.key, fakeKey(112));
                sentWithOwner = r.status == 200;
            }
        }
        QVERIFY(sentWithOwner);

        // A cached content made through the proxy by a client: the proxy learns its owner from the answer, the
        // row appears, and it is deleted the same way.
        const ga::test::Reply made = throughProxy(env.port, env.accessToken, "POST", "/v1beta/cachedContents",
            R"({"model":"models/gemini-2.5-flash","contents":[{"role":"user","parts":[{"text":"context"}]}]})");
        QCOMPARE(made.status, 200);
        const QString cache = QJsonDocument::fromJson(made.body).object().value(u"name").toString();
        QVERIFY2(cache.startsWith(QStringLiteral("cachedContents/")), made.body.constData());
        QTRY_COMPARE_WITH_TIMEOUT(model.indexOf(cache), 0, kWaitMs);
        const QVariantMap row = rowOf(&model, cache);
        QCOMPARE(row.value(QStringLiteral("kind")).toString(), QStringLiteral("cachedContent"));
        QVERIFY(QStringList({ k1, k2 }).contains(row.value(QStringLiteral("keyId")).toString()));
        QVERIFY(fakeHas(*env.fake, cache));
        model.remove(cache);
        QTRY_COMPARE_WITH_TIMEOUT(removed.size() + failed.size(), 2, 30'000);
        QVERIFY2(failed.isEmpty(), qPrintable(failure()));
        QTRY_COMPARE_WITH_TIMEOUT(model.indexOf(cache), -1, kWaitMs);
        QVERIFY(!fakeHas(*env.fake, cache));

        // Google refuses (already gone there): the message comes back, nothing is reported deleted.
        const Resource ghost
            = resource(QStringLiteral("files/ghost00001"), ga::affinity::Kind::File, k1, QStringLiteral("project-a"));
        env.service->resources().remember(ghost);
        QTRY_COMPARE_WITH_TIMEOUT(model.indexOf(ghost.name), 0, kWaitMs);
        model.remove(ghost.name);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 30'000);
        QCOMPARE(removed.size(), 2);
        QCOMPARE(failed.at(0).at(0).toString(), ghost.name);
        QVERIFY(!failure().isEmpty());
        if (model.indexOf(ghost.name) >= 0) {
            QCOMPARE(rowOf(&model, ghost.name).value(QStringLiteral("deleting")).toBool(), false);
        }

        // Unknown to the proxy: refused without asking Google (any key would be a guess).
        env.fake->clearRequests();
        model.remove(QStringLiteral("files/neverseen01"));
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 2, kWaitMs);
        QVERIFY(failure().contains(QStringLiteral("files/neverseen01")));
        QVERIFY(env.fake->requests().isEmpty());
        // Not a file or a cached content: refused at once.
        model.remove(QStringLiteral("batches/b0001"));
        QCOMPARE(failed.size(), 3);
        QVERIFY(!failure().isEmpty());
        QCOMPARE(removed.size(), 2);
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));
        QVERIFY(env.leakIn(everything(&model)).isEmpty());
    }

    // ---- Actions of the Backend and the pages' controllers -------------------------------------------------

    void backendAddsChecksEnablesAndRemovesKeys()
    {
        BackendFixture f;
        QString why;
        QVERIFY2(f.start({}, &why), qPrintable(why));
        ServiceEnv &env = f.env;
        const QString k1 = env.addKey(61, QStringLiteral("first"));
        QVERIFY(!k1.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->keys()->count(), 1, kWaitMs);
        for (int n : { 62, 63, 64 }) {
            env.fake->addKey(fakeKey(n));
            env.secretValues.append(fakeKey(n).toLatin1());
        }
        const QString text = fakeKey(62) + QStringLiteral("\nthis line is not a key\n") + fakeKey(63) + u'\n'
            + fakeKey(62) + u'\n' + fakeKey(61) + u'\n';

        const QVariantMap checked = f.keys()->checkKeyText(text);
        QCOMPARE(checked.value(QStringLiteral("valid")).toInt(), 2);
        QCOMPARE(checked.value(QStringLiteral("duplicates")).toInt(), 2); // repeated in the paste, already configured
        const QVariantList problems = checked.value(QStringLiteral("problems")).toList();
        QCOMPARE(problems.size(), 1);
        QCOMPARE(problems.at(0).toMap().value(QStringLiteral("line")).toInt(), 2);
        QVERIFY(env.leakIn(jsonOf(checked)).isEmpty());
        QCOMPARE(env.service->config().keys.size(), 1); // checking adds nothing

        QSignalSpy busy(f.keys(), &ga::ui::KeysController::busyChanged);
        const int adding = f.keys()->addKeys(text, QStringLiteral("pasted"), QStringLiteral("team"), false);
        QVERIFY(f.keys()->busy());
        QCOMPARE(busy.size(), 1);
        Outcome result = f.wait(f.keys(), adding);
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QCOMPARE(result.signal, QByteArray("keysAdded")); // (request, added, duplicates, rejected, failures)
        QVERIFY(!f.keys()->busy());
        QCOMPARE(busy.size(), 2);
        const QVariantList added = result.args.at(0).toList();
        QCOMPARE(added.size(), 2);
        QCOMPARE(result.args.at(1).toInt(), 2);
        QCOMPARE(result.args.at(2).toInt(), 1);
        QCOMPARE(result.args.at(3).toInt(), 0);
        const QString a1 = added.at(0).toMap().value(QStringLiteral("id")).toString();
        const QString a2 = added.at(1).toMap().value(QStringLiteral("id")).toString();
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->keys()->ids(), QStringList({ k1, a1, a2 }), kWaitMs);
        QCOMPARE(rowOf(f.backend->keys(), a1).value(QStringLiteral("label")).toString(), QStringLiteral("pasted 1"));
        QCOMPARE(rowOf(f.backend->keys(), a2).value(QStringLiteral("label")).toString(), QStringLiteral("pasted 2"));
        QCOMPARE(rowOf(f.backend->keys(), a2).value(QStringLiteral("group")).toString(), QStringLiteral("team"));
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->totalKeys(), 3, kWaitMs);

        // Nothing new in the text: refused, with the reason — after the caller has its request id, although
        // nothing had to be asked (a page compares the id it got with the signal's).
        int request = f.keys()->addKeys(fakeKey(62), QString(), QString(), false);
        QCOMPARE(f.outcomes.at(f.keys())->count(request), 0);
        result = f.wait(f.keys(), request);
        QVERIFY2(result.failed(), qPrintable(result.describe()));
        QVERIFY(!result.message().isEmpty());
        QCOMPARE(f.keys()->lastError(), result.message());
        result = f.wait(f.keys(), f.keys()->addKeys(QStringLiteral("nothing here"), QString(), QString(), false));
        QVERIFY2(result.failed(), qPrintable(result.describe()));

        // With `test`, each new key is tested against the upstream right away.
        result = f.wait(f.keys(), f.keys()->addKeys(fakeKey(64), QStringLiteral("tested"), QString(), true));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QVERIFY(f.keys()->lastError().isEmpty()); // a success ends the last failure's message
        const QVariantMap tested = result.args.at(0).toList().value(0).toMap();
        QCOMPARE(tested.value(QStringLiteral("result")).toString(), QStringLiteral("valid"));
        const QString a3 = tested.value(QStringLiteral("id")).toString();
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->keys()->count(), 4, kWaitMs);
        QCOMPARE(rowOf(f.backend->keys(), a3).value(QStringLiteral("label")).toString(), QStringLiteral("tested"));
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));

        // Disable two, enable them again.
        result = f.wait(f.keys(), f.keys()->setKeysEnabled({ a1, a2 }, false));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QCOMPARE(result.signal, QByteArray("keysEnabledSet"));
        QTRY_COMPARE_WITH_TIMEOUT(rowOf(f.backend->keys(), a2).value(QStringLiteral("state")).toString(),
            QStringLiteral("disabled"), kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(rowOf(f.backend->keys(), a1).value(QStringLiteral("state")).toString(),
            QStringLiteral("disabled"), kWaitMs);
        QCOMPARE(rowOf(f.backend->keys(), a1).value(QStringLiteral("enabled")).toBool(), false);
        QCOMPARE(rowOf(f.backend->keys(), k1).value(QStringLiteral("state")).toString(), QStringLiteral("active"));
        QVERIFY(!env.service->config().findKey(a1)->enabled);
        result = f.wait(f.keys(), f.keys()->setKeysEnabled({ a1, a2 }, true));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QTRY_COMPARE_WITH_TIMEOUT(
            rowOf(f.backend->keys(), a1).value(QStringLiteral("state")).toString(), QStringLiteral("active"), kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(
            rowOf(f.backend->keys(), a2).value(QStringLiteral("enabled")).toBool(), true, kWaitMs);
        result = f.wait(f.keys(), f.keys()->setKeysEnabled({ QStringLiteral("k-no-such-key") }, false));
        QVERIFY2(result.failed(), qPrintable(result.describe()));

        // Remove: the rows go, the secrets too.
        result = f.wait(f.keys(), f.keys()->removeKeys({ a1, a3 }));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QCOMPARE(result.signal, QByteArray("keysRemoved"));
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->keys()->ids(), QStringList({ k1, a2 }), kWaitMs);
        QVERIFY(!env.secrets->contains(QStringLiteral("key/") + a1));
        QVERIFY(env.secrets->contains(QStringLiteral("key/") + a2));
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->totalKeys(), 2, kWaitMs);
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));
    }

    void backendBindsKeysEvenly()
    {
        BackendFixture f;
        QString why;
        QVERIFY2(f.start({}, &why), qPrintable(why));
        ServiceEnv &env = f.env;
        QStringList keyIds;
        for (int n = 71; n <= 75; ++n) {
            keyIds.append(env.addKey(n, QStringLiteral("k%1").arg(n)));
        }
        QVERIFY(!keyIds.contains(QString()));
        const QString i1 = env.addInstance(QStringLiteral("one"),
            QStringLiteral("http://127.0.0.1:%1").arg(ga::test::freePort()), "relay-secret-one-0123456789");
        const QString i2 = env.addInstance(QStringLiteral("two"),
            QStringLiteral("http://127.0.0.1:%1").arg(ga::test::freePort()), "relay-secret-two-0123456789");
        QVERIFY(!i1.isEmpty() && !i2.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->instances()->count(), 2, kWaitMs);

        Outcome result = f.wait(f.keys(), f.keys()->bindKeys(keyIds, { i1, i2 }));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QCOMPARE(result.signal, QByteArray("keysBound"));
        // Round robin in the given order: one, two, one, two, one.
        const QStringList expected { i1, i2, i1, i2, i1 };
        auto bound = [&] {
            QStringList out;
            for (const QString &id : keyIds) {
                const ga::config::KeyEntry *k = env.service->config().findKey(id);
                out.append(k ? k->instance : QStringLiteral("?"));
            }
            return out;
        };
        QTRY_COMPARE_WITH_TIMEOUT(bound(), expected, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(
            rowOf(f.backend->instances(), i1).value(QStringLiteral("boundKeys")).toInt(), 3, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(
            rowOf(f.backend->instances(), i2).value(QStringLiteral("boundKeys")).toInt(), 2, kWaitMs);
        for (int i = 0; i < keyIds.size(); ++i) {
            QTRY_COMPARE_WITH_TIMEOUT(
                rowOf(f.backend->keys(), keyIds.at(i)).value(QStringLiteral("instanceName")).toString(),
                expected.at(i) == i1 ? QStringLiteral("one") : QStringLiteral("two"), kWaitMs);
        }
        QCOMPARE(f.instances()->keysBoundTo(i1),
            QStringList({ QStringLiteral("k71"), QStringLiteral("k73"), QStringLiteral("k75") }));
        QCOMPARE(f.instances()->keysBoundTo(i2), QStringList({ QStringLiteral("k72"), QStringLiteral("k74") }));

        // An empty instance list unbinds.
        result = f.wait(f.keys(), f.keys()->bindKeys(keyIds, {}));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QTRY_COMPARE_WITH_TIMEOUT(bound(), QStringList(5, QString()), kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(
            rowOf(f.backend->instances(), i1).value(QStringLiteral("boundKeys")).toInt(), 0, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(
            rowOf(f.backend->keys(), keyIds.at(0)).value(QStringLiteral("instanceName")).toString(), QString(),
            kWaitMs);
        QVERIFY(f.instances()->keysBoundTo(i1).isEmpty());
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));
    }

    void backendTokens()
    {
        BackendFixture f;
        QString why;
        QVERIFY2(f.start({}, &why), qPrintable(why));
        ServiceEnv &env = f.env;
        QVERIFY(!env.addKey(81, QStringLiteral("only")).isEmpty());
        QGuiApplication::clipboard()->clear();

        QSignalSpy applied(env.service.get(), &ga::daemon::Service::configApplied);
        Outcome result = f.wait(f.tokens(), f.tokens()->createToken(QStringLiteral("cli-test")));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        // Created (201): the token is copied only from a 201 answer that holds one.
        QCOMPARE(result.signal, QByteArray("tokenCreated"));
        const QByteArray token = clipboardText().toLatin1();
        QVERIFY2(token.startsWith("gat_"), "the clipboard does not hold a new access token");
        env.secretValues.append(token);
        QVERIFY2(result.args == QVariantList({ QStringLiteral("cli-test") }),
            "tokenCreated carries more than the token's name");
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));
        QTRY_VERIFY_WITH_TIMEOUT(!applied.isEmpty(), kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->tokens()->indexOf(QStringLiteral("cli-test")), 1, kWaitMs);
        // The proxy takes it.
        const int accepted = env.generateStatus(token);
        QVERIFY2(accepted != 401, qPrintable(QString::number(accepted)));
        QCOMPARE(accepted, 200);

        // copyToken puts a named token in the clipboard, never in a signal.
        QGuiApplication::clipboard()->clear();
        result = f.wait(f.tokens(), f.tokens()->copyToken(QStringLiteral("default")));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QVERIFY2(clipboardText().toLatin1() == env.accessToken, "the clipboard does not hold the default token");
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));
        result = f.wait(f.tokens(), f.tokens()->copyToken(QStringLiteral("no-such-token")));
        QVERIFY2(result.failed(), qPrintable(result.describe()));

        // Revoked: the proxy refuses it; the other token still works.
        applied.clear();
        result = f.wait(f.tokens(), f.tokens()->revokeToken(QStringLiteral("cli-test")));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QCOMPARE(result.signal, QByteArray("tokenRevoked"));
        QTRY_VERIFY_WITH_TIMEOUT(!applied.isEmpty(), kWaitMs);
        QCOMPARE(env.generateStatus(token), 401);
        QCOMPARE(env.generateStatus(env.accessToken), 200);
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->tokens()->ids(), QStringList({ QStringLiteral("default") }), kWaitMs);
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));
    }

    void backendSettings()
    {
        BackendFixture f;
        QString why;
        QVERIFY2(f.start({}, &why), qPrintable(why));
        ServiceEnv &env = f.env;
        const QByteArray before = ga::test::readAll(env.configPath);

        const QVariantMap problems = f.settings()->checkSettings({ { QStringLiteral("listen.port"), 70000 } });
        QVERIFY2(problems.contains(QStringLiteral("listen.port")), qPrintable(jsonOf(problems)));
        QVERIFY(!problems.value(QStringLiteral("listen.port")).toString().isEmpty());
        QVERIFY(f.settings()
                    ->checkSettings({ { QStringLiteral("no.such.setting"), 1 } })
                    .contains(QStringLiteral("no.such.setting")));
        QVERIFY(f.settings()->checkSettings({ { QStringLiteral("listen.port"), 3999 } }).isEmpty());
        QVERIFY(ga::test::readAll(env.configPath) == before); // checking saves nothing

        // A refused save saves none of the values.
        Outcome result = f.wait(f.settings(),
            f.settings()->saveSettings(
                { { QStringLiteral("listen.port"), 70000 }, { QStringLiteral("quota.dailyRequests"), 321 } }));
        QVERIFY2(result.failed(), qPrintable(result.describe()));
        QStringList paths;
        for (const QVariant &p : result.problems()) {
            paths.append(p.toMap().value(QStringLiteral("path")).toString());
        }
        QCOMPARE(paths, QStringList({ QStringLiteral("listen.port") }));
        QVERIFY(ga::test::readAll(env.configPath) == before);
        // Beyond loopback without remote access: refused as `run` would.
        QVERIFY(f.settings()
                    ->checkSettings({ { QStringLiteral("listen.host"), QStringLiteral("0.0.0.0") } })
                    .contains(QStringLiteral("listen.host")));

        // A valid save changes the file and is applied.
        QSignalSpy applied(env.service.get(), &ga::daemon::Service::configApplied);
        result = f.wait(f.settings(), f.settings()->saveSettings({ { QStringLiteral("quota.dailyRequests"), 321 } }));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QCOMPARE(result.signal, QByteArray("settingsSaved"));
        QVERIFY(ga::test::readAll(env.configPath) != before);
        QTRY_COMPARE_WITH_TIMEOUT(env.service->config().quotaDailyRequests, 321, kWaitMs);
        QVERIFY(!applied.isEmpty());
        QCOMPARE(
            f.settings()->setting(QStringLiteral("quota.dailyRequests")).value(QStringLiteral("value")).toInt(), 321);
        QCOMPARE(f.settings()->setting(QStringLiteral("quota.dailyRequests")).value(QStringLiteral("kind")).toString(),
            QStringLiteral("int"));

        // The proxy's password goes to the secret store, never the file; an empty one removes it.
        const QString entry = QString::fromLatin1(ga::upstream::kProxyPasswordEntry);
        result = f.wait(f.settings(), f.settings()->saveProxyPassword(QStringLiteral("gui-pr0xy-pw")));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QCOMPARE(result.signal, QByteArray("proxyPasswordSaved"));
        QVERIFY(env.secrets->contains(entry));
        QTRY_VERIFY_WITH_TIMEOUT(!env.service->config().upstreamProxyPasswordSetAt.isEmpty(), kWaitMs);
        QVERIFY(!ga::test::readAll(env.configPath).contains("gui-pr0xy-pw"));
        result = f.wait(f.settings(), f.settings()->saveProxyPassword(QString()));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QVERIFY(!env.secrets->contains(entry));
    }

    void backendModeAndListening()
    {
        BackendFixture f;
        QString why;
        QVERIFY2(f.start({}, &why), qPrintable(why));
        ServiceEnv &env = f.env;
        QVERIFY(!env.addKey(91, QStringLiteral("only")).isEmpty());
        QCOMPARE(f.backend->mode(), QStringLiteral("local"));
        QSignalSpy status(f.backend.get(), &Backend::statusChanged);

        f.backend->setMode(QStringLiteral("hybrid"));
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->mode(), QStringLiteral("hybrid"), kWaitMs);
        QVERIFY(!status.isEmpty());
        QCOMPARE(env.service->config().routingMode, ga::config::RoutingMode::Hybrid);
        QVERIFY(f.backend->statusText().contains(QStringLiteral("Hybrid")));
        f.backend->setProperty("mode", QStringLiteral("local")); // as QML writes it
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->mode(), QStringLiteral("local"), kWaitMs);

        QVERIFY(f.backend->listening());
        QVERIFY(f.backend->state() != u"stopped");
        QCOMPARE(f.backend->endpoint(), QStringLiteral("http://127.0.0.1:%1").arg(env.port));
        status.clear();
        f.backend->setListening(false);
        QVERIFY(!f.backend->listening());
        QCOMPARE(f.backend->state(), QStringLiteral("stopped"));
        QVERIFY(!status.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(refusesConnections(env.port), kWaitMs);
        QVERIFY(f.backend->statusText().contains(QStringLiteral("stopped")));

        f.backend->setListening(true);
        QVERIFY(f.backend->listening());
        QVERIFY(f.backend->state() != u"stopped");
        QVERIFY(f.backend->errorText().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(acceptsConnections(env.port), kWaitMs);
        QCOMPARE(env.generateStatus(env.accessToken), 200);
    }

    // Defect 2: the desktop app started on a port it cannot bind used to show an exit-only dialog. Now the
    // service runs without a listener, the Backend says why (state "error", listenProblem for the Settings
    // field), a save with another busy port is refused at listen.port (409), and a free one starts listening.
    void backendStartsWithoutAPortItCannotBind()
    {
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
        QTcpServer squatter2;
        QVERIFY(squatter2.listen(QHostAddress::LocalHost, 0));
        BackendFixture f;
        f.env.port = squatter.serverPort();
        f.env.startWithoutListener = true;
        QString why;
        QVERIFY2(f.start({}, &why), qPrintable(why));
        QVERIFY(!f.backend->listening());
        QCOMPARE(f.backend->state(), QStringLiteral("error"));
        QVERIFY2(f.backend->listenProblem().contains(QStringLiteral("already in use")),
            qPrintable(f.backend->listenProblem()));
        QVERIFY(f.backend->errorText().contains(f.backend->listenProblem()));
        QCOMPARE(f.settings()->listenProblem(), f.backend->listenProblem()); // the Settings page shows it at the port
        // Other settings can still be saved meanwhile.
        Outcome result
            = f.wait(f.settings(), f.settings()->saveSettings({ { QStringLiteral("quota.dailyRequests"), 123 } }));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QTRY_COMPARE_WITH_TIMEOUT(f.env.service->config().quotaDailyRequests, 123, kWaitMs);
        QVERIFY(!f.backend->listening());
        const QByteArray before = ga::test::readAll(f.env.configPath);

        result = f.wait(f.settings(),
            f.settings()->saveSettings({ { QStringLiteral("listen.port"), int(squatter2.serverPort()) } }));
        QVERIFY2(result.failed(), qPrintable(result.describe()));
        QCOMPARE(result.fault(), QStringLiteral("conflict")); // the admin API's 409, and only that, is a conflict
        const QVariantList problems = result.problems();
        QCOMPARE(problems.size(), 1);
        QCOMPARE(problems.first().toMap().value(QStringLiteral("path")).toString(), QStringLiteral("listen.port"));
        QVERIFY(ga::test::readAll(f.env.configPath) == before);
        QVERIFY(!f.backend->listening());

        const quint16 free = ga::test::freePort();
        QSignalSpy listenProblem(f.settings(), &ga::ui::SettingsController::listenProblemChanged);
        result = f.wait(f.settings(), f.settings()->saveSettings({ { QStringLiteral("listen.port"), int(free) } }));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QVERIFY(f.backend->listening());
        QVERIFY(f.backend->listenProblem().isEmpty());
        QVERIFY(f.settings()->listenProblem().isEmpty());
        QVERIFY(!listenProblem.isEmpty());
        QVERIFY(f.backend->errorText().isEmpty());
        QVERIFY(f.backend->state() != u"error");
        QCOMPARE(f.backend->endpoint(), QStringLiteral("http://127.0.0.1:%1").arg(free));
        QTRY_COMPARE_WITH_TIMEOUT(f.env.service->config().listenPort, int(free), kWaitMs);
        f.env.port = free;
        QVERIFY(!f.env.addKey(92, QStringLiteral("after")).isEmpty());
        QCOMPARE(f.env.generateStatus(f.env.accessToken), 200);
    }

    void instancesControllerAddsTestsAndRemoves()
    {
        BackendFixture f;
        QString why;
        QVERIFY2(f.start({}, &why), qPrintable(why));
        ServiceEnv &env = f.env;
        QVERIFY(!f.instances()->checkInstanceUrl(QString()).isEmpty());
        QVERIFY(!f.instances()->checkInstanceUrl(QStringLiteral("not a url")).isEmpty());
        QVERIFY(f.instances()->checkInstanceUrl(QStringLiteral("https://relay.example.net")).isEmpty());

        // No secret given: the proxy makes one; it goes to the clipboard, and no signal carries it.
        QGuiApplication::clipboard()->clear();
        const QString url = QStringLiteral("http://127.0.0.1:%1").arg(ga::test::freePort());
        Outcome result = f.wait(f.instances(), f.instances()->addInstance(QStringLiteral("nowhere"), url, QString()));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QCOMPARE(result.signal, QByteArray("instanceAdded"));
        const QString id = result.args.at(0).toString();
        QVERIFY(!id.isEmpty());
        QCOMPARE(result.args.at(1).toBool(), true); // secretCopied
        const QByteArray secret = clipboardText().toLatin1();
        QVERIFY2(secret.size() >= 16, "the clipboard does not hold the made relay secret");
        env.secretValues.append(secret);
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->instances()->ids(), QStringList({ id }), kWaitMs);

        // Nothing listens there: a test that fails is a result (with the relay's detail), not a failure.
        result = f.wait(f.instances(), f.instances()->testInstance(id));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QCOMPARE(result.signal, QByteArray("instanceTested")); // (request, id, result, message, latencyMs)
        QCOMPARE(result.args.at(0).toString(), id);
        QCOMPARE(result.args.at(1).toString(), QStringLiteral("unreachable"));
        QVERIFY(!result.args.at(2).toString().isEmpty());

        // Refused input comes back as failed(), with its message.
        result = f.wait(f.instances(),
            f.instances()->updateInstance(id, { { QStringLiteral("url"), QStringLiteral("not a url") } }));
        QVERIFY2(result.failed(), qPrintable(result.describe()));
        QVERIFY(!result.message().isEmpty());
        result = f.wait(f.instances(), f.instances()->updateInstance(id, { { QStringLiteral("enabled"), false } }));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QCOMPARE(result.signal, QByteArray("instanceUpdated"));
        QTRY_VERIFY_WITH_TIMEOUT(!env.service->config().instances.value(0).enabled, kWaitMs);

        result = f.wait(f.instances(), f.instances()->removeInstance(id));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QCOMPARE(result.signal, QByteArray("instanceRemoved"));
        QTRY_COMPARE_WITH_TIMEOUT(f.backend->instances()->count(), 0, kWaitMs);
        result = f.wait(f.instances(), f.instances()->removeInstance(id));
        QVERIFY2(result.failed(), qPrintable(result.describe()));
        QCOMPARE(result.fault(), QStringLiteral("not-found"));
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));
    }

    void backendSetupSnippets()
    {
        BackendFixture f;
        QString why;
        QVERIFY2(f.start({}, &why), qPrintable(why));
        ServiceEnv &env = f.env;
        const QString endpoint = f.backend->endpoint();
        for (const QString &tool : { QStringLiteral("gemini-cli"), QStringLiteral("cline"), QStringLiteral("continue"),
                 QStringLiteral("openai") }) {
            const QString snippet = f.setup()->setupSnippet(tool);
            QVERIFY2(snippet.contains(endpoint), qPrintable(tool));
            QVERIFY2(snippet.contains(QStringLiteral("<your access token>")), qPrintable(tool));
            QVERIFY2(env.leakIn(snippet.toUtf8()).isEmpty(), qPrintable(tool));
        }
        QVERIFY(f.setup()->setupSnippet(QStringLiteral("no-such-tool")).isEmpty());

        QGuiApplication::clipboard()->clear();
        QSignalSpy toasts(f.backend.get(), &Backend::toast);
        Outcome result = f.wait(f.setup(), f.setup()->copySetup(QStringLiteral("gemini-cli")));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QCOMPARE(result.signal, QByteArray("setupCopied"));
        QCOMPARE(toasts.size(), 0); // a page that asked says it itself
        const QString expected = QStringLiteral("export GOOGLE_GEMINI_BASE_URL=") + endpoint
            + QStringLiteral("\nexport GEMINI_API_KEY=") + QString::fromLatin1(env.accessToken);
        QVERIFY2(clipboardText() == expected, "the clipboard does not hold the two export lines with the token");
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));

        result = f.wait(f.setup(), f.setup()->copySetup(QStringLiteral("no-such-tool")));
        QVERIFY2(result.failed(), qPrintable(result.describe()));
        QCOMPARE(toasts.size(), 0);

        // From the tray nobody listens: the outcome goes to the Backend's toast line as well.
        QGuiApplication::clipboard()->clear();
        result = f.wait(f.setup(), f.setup()->copySetup(QStringLiteral("gemini-cli"), Backend::Report::Toast));
        QVERIFY2(result.ok(), qPrintable(result.describe()));
        QCOMPARE(clipboardText(), expected);
        QCOMPARE(toasts.size(), 1);
        QCOMPARE(toasts.takeFirst().at(0).toString(), QStringLiteral("Copied the setup, access token included"));
        result = f.wait(f.tokens(), f.tokens()->copyToken(QStringLiteral("no-such-token"), Backend::Report::Toast));
        QVERIFY2(result.failed(), qPrintable(result.describe()));
        QCOMPARE(toasts.size(), 1);
        QCOMPARE(toasts.takeFirst().at(0).toString(), result.message());
        QVERIFY2(f.leaks().isEmpty(), qPrintable(f.leaks()));

        f.backend->copyEndpoint();
        QCOMPARE(clipboardText(), endpoint);
    }

private:
    // Runs notifyRunning() for `key` on a thread of its own while this one keeps its event loop going.
    static bool notifyFromAnotherThread(const QString &key)
    {
        auto answered = std::make_shared<std::atomic<bool>>(false);
        std::unique_ptr<QThread> thread(QThread::create([key, answered] {
            ga::ui::SingleInstance second(key);
            answered->store(second.notifyRunning(5000));
        }));
        QSignalSpy finished(thread.get(), &QThread::finished);
        thread->start();
        if (!finished.wait(15'000)) {
            thread->wait();
            return false;
        }
        thread->wait();
        QCoreApplication::processEvents(); // the activation signal, if the reply beat it
        return answered->load();
    }
};

QTEST_MAIN(TestUiModels)
#include "tst_uimodels.moc"
