// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/settingsops.h"
#include "cli/commands.h"
#include "cli/terminal.h"
#include "config/configschema.h"
#include "proxy/proxyserver.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace ga::cli {
namespace {

QString valueText(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Bool:
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double:
        return QString::number(v.toDouble(), 'g', 15);
    case QJsonValue::String:
        return v.toString();
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Indented)).trimmed();
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Indented)).trimmed();
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        break;
    }
    return QString();
}

int configGet(Context &ctx, const QStringList &words)
{
    if (words.size() > 1) {
        return ctx.usage(QStringLiteral("usage: config get [PATH]"));
    }
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    const QJsonObject effective = config::schema::effectiveDocument(store->document());
    if (words.isEmpty()) {
        ctx.out() << QJsonDocument(effective).toJson(QJsonDocument::Indented);
        return kExitOk;
    }
    const QJsonValue v = config::schema::valueAt(effective, words.first());
    if (v.isUndefined()) {
        QString error;
        config::schema::valueFromText(words.first(), QString(), &error); // for the "did you mean" hint
        return ctx.usage(error);
    }
    ctx.out() << valueText(v) << Qt::endl;
    return kExitOk;
}

int configSet(Context &ctx, const QStringList &words)
{
    if (words.size() != 2) {
        return ctx.usage(QStringLiteral("usage: config set PATH VALUE (for example: config set listen.port 3146)"));
    }
    const QString &path = words.at(0);
    if (!config::schema::isSetting(path)) {
        QString error;
        config::schema::valueFromText(path, words.at(1), &error);
        return ctx.usage(error + QStringLiteral("; 'config get' lists the settings"));
    }
    QString error;
    const std::optional<QJsonValue> value = config::schema::valueFromText(path, words.at(1), &error);
    if (!value) {
        return ctx.fail(error);
    }
    app::Workspace *ws = ctx.workspace(false);
    if (!ws) {
        return kExitFailure;
    }
    // A port that cannot be bound is refused here rather than written for the daemon (or the next start) to fail
    // on. An unchanged port is not checked: the running daemon holds it and moves hosts itself (and sets the file
    // back if it cannot).
    const int portInForce = ws->config().listenPort;
    app::ListenGate probe;
    probe.prepare = [portInForce](const QString &host, int port, QString *why) {
        return port == 0 || port == portInForce || proxy::ProxyServer::canListen(host, quint16(port), why);
    };
    if (const app::Outcome set = app::SettingsOps(*ws).set(QJsonObject { { path, *value } }, probe); !set.ok()) {
        return set.fault == app::Fault::Conflict ? ctx.fail(set.message) : ctx.finish(set);
    }
    ctx.out() << path << " = " << valueText(*value) << Qt::endl;
    return kExitOk;
}

int configCheck(Context &ctx)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    ctx.out() << (store->fileExists() ? QStringLiteral("%1 is valid").arg(store->path())
                                      : QStringLiteral("%1 does not exist yet; the defaults apply").arg(store->path()))
              << Qt::endl;
    return kExitOk;
}

} // namespace

int configCommand(Context &ctx, const QStringList &words)
{
    const QString sub = words.value(0);
    const QStringList rest = words.mid(1);
    if (sub == u"get") {
        return configGet(ctx, rest);
    }
    if (sub == u"set") {
        return configSet(ctx, rest);
    }
    if (sub == u"check") {
        return rest.isEmpty() ? configCheck(ctx) : ctx.usage(QStringLiteral("'config check' takes no arguments"));
    }
    if (sub == u"path") {
        if (!rest.isEmpty()) {
            return ctx.usage(QStringLiteral("'config path' takes no arguments"));
        }
        ctx.out() << ctx.configPath() << Qt::endl;
        return kExitOk;
    }
    return ctx.usage(sub.isEmpty() ? QStringLiteral("'config' needs a subcommand: get, set, check, path")
                                   : QStringLiteral("'config %1' is not a command").arg(sub));
}

int modeCommand(Context &ctx, const QStringList &words)
{
    if (words.size() > 1) {
        return ctx.usage(QStringLiteral("usage: mode [local|serverless|hybrid]"));
    }
    if (words.isEmpty()) {
        config::ConfigStore *store = ctx.loadConfig();
        if (!store) {
            return kExitFailure;
        }
        ctx.out() << config::routingModeName(store->config().routingMode) << Qt::endl;
        return kExitOk;
    }
    const QString mode = words.first();
    app::Workspace *ws = ctx.workspace(false);
    if (!ws) {
        return kExitFailure;
    }
    if (const app::Outcome set = app::SettingsOps(*ws).setMode(mode); !set.ok()) {
        return set.fault == app::Fault::Invalid ? ctx.usage(set.message) : ctx.finish(set);
    }
    ctx.out() << "mode " << mode << Qt::endl;
    return kExitOk;
}

void printTable(QTextStream &out, const QList<QStringList> &rawRows)
{
    // Values come from the config and from servers; a config written before text was checked may hold control
    // characters. Shown escaped, a newline cannot fake a row and an escape sequence cannot drive the terminal.
    QList<QStringList> rows;
    rows.reserve(rawRows.size());
    for (const QStringList &raw : rawRows) {
        QStringList row;
        row.reserve(raw.size());
        for (const QString &cell : raw) {
            row.append(printable(cell));
        }
        rows.append(row);
    }
    QList<qsizetype> widths;
    for (const QStringList &row : rows) {
        for (qsizetype c = 0; c < row.size(); ++c) {
            if (widths.size() <= c) {
                widths.append(0);
            }
            widths[c] = std::max(widths[c], row.at(c).size());
        }
    }
    for (const QStringList &row : rows) {
        QString line;
        for (qsizetype c = 0; c < row.size(); ++c) {
            line += c + 1 < row.size() ? row.at(c).leftJustified(widths.at(c) + 2) : row.at(c);
        }
        out << line << Qt::endl;
    }
}

} // namespace ga::cli
