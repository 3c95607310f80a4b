// SPDX-License-Identifier: GPL-3.0-or-later
// files list|show|delete, caches list|delete.
#include "affinity/resourcemap.h"
#include "cli/commands.h"
#include "config/configpaths.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>

namespace ga::cli {
namespace {

// What the daemon last saved (it saves within a second of a change). Missing: nothing known yet.
bool loadResources(Context &ctx, affinity::ResourceMap *map)
{
    const QString path = config::resourceStatePath(ctx.configPath());
    QFile f(path);
    if (!f.exists()) {
        return true;
    }
    if (!f.open(QIODevice::ReadOnly)) {
        ctx.fail(QStringLiteral("cannot read %1: %2").arg(path, f.errorString()));
        return false;
    }
    QString why;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll());
    if (!doc.isObject() || !map->load(doc.object(), &why)) {
        ctx.fail(QStringLiteral("%1 is not a resource owners file (%2); the daemon keeps it aside and starts a new "
                                "one when it next starts")
                     .arg(path, why.isEmpty() ? QStringLiteral("not JSON") : why));
        return false;
    }
    return true;
}

QString sizeText(qint64 bytes)
{
    return bytes < 0 ? QStringLiteral("-") : QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat);
}

QString untilText(qint64 ms)
{
    const qint64 left = ms - QDateTime::currentMSecsSinceEpoch();
    if (left <= 0) {
        return QStringLiteral("expired");
    }
    if (left < 2 * 3600'000) {
        return QStringLiteral("in %1 min").arg((left + 59'999) / 60'000);
    }
    return QStringLiteral("in %1 h").arg(left / 3600'000);
}

QString orDash(const QString &s)
{
    return s.isEmpty() ? QStringLiteral("-") : s;
}

int listKind(Context &ctx, affinity::Kind kind, const QString &noneHint)
{
    affinity::ResourceMap map;
    if (!loadResources(ctx, &map)) {
        return kExitFailure;
    }
    const std::vector<affinity::Resource> all = map.list(kind);
    if (ctx.args().has(QStringLiteral("json"))) {
        QJsonArray arr;
        for (const affinity::Resource &r : all) {
            arr.append(affinity::toJson(r));
        }
        ctx.out() << QJsonDocument(arr).toJson(QJsonDocument::Indented);
        return kExitOk;
    }
    if (all.empty()) {
        ctx.note(noneHint);
        return kExitOk;
    }
    QList<QStringList> rows { { QStringLiteral("NAME"), QStringLiteral("DISPLAY NAME"), QStringLiteral("SIZE"),
        QStringLiteral("KEY"), QStringLiteral("GROUP"), QStringLiteral("EXPIRES"), QStringLiteral("TYPE") } };
    for (const affinity::Resource &r : all) {
        rows.append({ r.name, orDash(r.displayName.left(40)), sizeText(r.sizeBytes), r.keyId, orDash(r.group),
            untilText(r.expiresMs), orDash(kind == affinity::Kind::CachedContent ? r.model : r.mimeType) });
    }
    printTable(ctx.out(), rows);
    return kExitOk;
}

QString withPrefix(const QString &name, const QString &collection)
{
    return name.startsWith(collection + u'/') ? name : collection + u'/' + name;
}

int showResource(Context &ctx, const QString &name)
{
    affinity::ResourceMap map;
    if (!loadResources(ctx, &map)) {
        return kExitFailure;
    }
    const std::optional<affinity::Resource> r = map.find(name);
    if (!r) {
        return ctx.fail(QStringLiteral("%1 is not known: only files uploaded or listed through the proxy are (see "
                                       "'gemini-aggregatord files list')")
                            .arg(name));
    }
    ctx.out() << QJsonDocument(affinity::toJson(*r)).toJson(QJsonDocument::Indented);
    return kExitOk;
}

// Deletes through the running daemon's admin API: only it can reach Google with the owner's key and route.
int deleteResource(Context &ctx, const QString &adminPath, const QString &name)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    bool created = false;
    const QByteArray token = ensureAdminToken(ctx, false, &created);
    if (token.isEmpty()) {
        return kExitFailure;
    }
    const config::Config &cfg = store->config();
    const QString host = cfg.listenHost == u"0.0.0.0" || cfg.listenHost == u"::" || cfg.listenHost.isEmpty()
        ? QStringLiteral("127.0.0.1")
        : cfg.listenHost;
    QUrl base;
    base.setScheme(QStringLiteral("http"));
    base.setHost(host);
    base.setPort(cfg.listenPort);
    const AdminAnswer a = callAdmin(base, token, "DELETE", adminPath);
    if (a.status == 0) {
        return ctx.fail(QStringLiteral("the daemon is not reachable at %1 (%2): start it with 'gemini-aggregatord "
                                       "run', then delete again")
                            .arg(base.toString(), a.networkError));
    }
    if (a.status >= 300) {
        const QString message = a.json.object().value(u"error").toObject().value(u"message").toString();
        return ctx.fail(message.isEmpty() ? QStringLiteral("the daemon answered %1").arg(a.status) : message);
    }
    ctx.out() << "deleted " << name << Qt::endl;
    return kExitOk;
}

} // namespace

int filesCommand(Context &ctx, const QStringList &words)
{
    const QString sub = words.value(0);
    if (sub == u"list" && words.size() == 1) {
        return listKind(ctx, affinity::Kind::File,
            QStringLiteral("no files known yet: files uploaded (or listed) through the proxy show here"));
    }
    if (sub == u"show" && words.size() == 2) {
        return showResource(ctx, withPrefix(words.at(1), QStringLiteral("files")));
    }
    if (sub == u"delete" && words.size() == 2) {
        const QString name = withPrefix(words.at(1), QStringLiteral("files"));
        return deleteResource(ctx, u'/' + name, name);
    }
    return ctx.usage(QStringLiteral("use: files list [--json] | files show NAME | files delete NAME"));
}

int cachesCommand(Context &ctx, const QStringList &words)
{
    const QString sub = words.value(0);
    if (sub == u"list" && words.size() == 1) {
        return listKind(ctx, affinity::Kind::CachedContent,
            QStringLiteral("no cached contents known yet: those made through the proxy show here"));
    }
    if (sub == u"delete" && words.size() == 2) {
        const QString name = withPrefix(words.at(1), QStringLiteral("cachedContents"));
        return deleteResource(ctx, u'/' + name, name);
    }
    return ctx.usage(QStringLiteral("use: caches list [--json] | caches delete NAME"));
}

} // namespace ga::cli
