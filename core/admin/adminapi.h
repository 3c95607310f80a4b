// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "affinity/resourceref.h"
#include "app/runtime.h"
#include "config/configstore.h"
#include "proxy/adminport.h"

#include <QJsonObject>
#include <QObject>
#include <QRegularExpression>

#include <vector>

namespace ga::admin {

using Request = proxy::AdminRequest;
using Response = proxy::AdminResponse;
inline constexpr qint64 kMaxRequestBodyBytes = proxy::kMaxAdminBodyBytes;

// The admin REST API (/admin/api/v1/…) over a running proxy (an app::Runtime: the daemon's or the desktop app's).
// Calls arrive from proxy worker threads and are served on this object's thread (the runtime's), where the config
// store, the secret store and the key pool are safe to use. Every write is an app:: operation (app/*ops.h): this
// file only maps JSON to them and their outcomes to HTTP. Every answer is JSON; errors have one shape:
//   {"error": {"code": 404, "status": "NOT_FOUND", "message": "…", "problems": [{"path", "message"}]}}
class AdminApi final : public QObject, public proxy::AdminHandler
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminApi)

public:
    explicit AdminApi(std::unique_ptr<app::Runtime> runtime, QObject *parent = nullptr);

    void handle(Request request, std::function<void(Response)> reply) override;

    // The OpenAPI 3 document describing exactly the routes below.
    QJsonObject openApi() const;

    struct Route
    {
        QByteArray method;
        QString pattern; // "/keys/{id}"
        QString summary;
        void (AdminApi::*run)(const Request &, const QStringList &args, std::function<void(Response)> reply);
        QRegularExpression re;
    };
    const std::vector<Route> &routes() const { return m_routes; }

private:
    void route(const Request &request, std::function<void(Response)> reply);

    void getStatus(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getKeys(const Request &, const QStringList &, std::function<void(Response)> reply);
    void postKeysImport(const Request &, const QStringList &, std::function<void(Response)> reply);
    void postKeysBulk(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getKeysExport(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getConfigSchema(const Request &, const QStringList &, std::function<void(Response)> reply);
    void postConfigCheck(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getHistorySummary(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getHistoryTail(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getTls(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getCluster(const Request &, const QStringList &, std::function<void(Response)> reply);
    void postKey(const Request &, const QStringList &, std::function<void(Response)> reply);
    void patchKey(const Request &, const QStringList &, std::function<void(Response)> reply);
    void deleteKey(const Request &, const QStringList &, std::function<void(Response)> reply);
    void testKey(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getInstances(const Request &, const QStringList &, std::function<void(Response)> reply);
    void deleteInstance(const Request &, const QStringList &, std::function<void(Response)> reply);
    void postInstance(const Request &, const QStringList &, std::function<void(Response)> reply);
    void patchInstance(const Request &, const QStringList &, std::function<void(Response)> reply);
    void testInstance(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getMode(const Request &, const QStringList &, std::function<void(Response)> reply);
    void putMode(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getConfig(const Request &, const QStringList &, std::function<void(Response)> reply);
    void patchConfig(const Request &, const QStringList &, std::function<void(Response)> reply);
    void putProxyPassword(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getStats(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getHistory(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getTokens(const Request &, const QStringList &, std::function<void(Response)> reply);
    void postToken(const Request &, const QStringList &, std::function<void(Response)> reply);
    void deleteToken(const Request &, const QStringList &, std::function<void(Response)> reply);
    void rotateToken(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getOpenApi(const Request &, const QStringList &, std::function<void(Response)> reply);
    // Files, cached contents and the other project-owned resources the proxy knows the owner of.
    void getResources(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getFiles(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getCaches(const Request &, const QStringList &, std::function<void(Response)> reply);
    void getFile(const Request &, const QStringList &, std::function<void(Response)> reply);
    void deleteFile(const Request &, const QStringList &, std::function<void(Response)> reply);
    void deleteCache(const Request &, const QStringList &, std::function<void(Response)> reply);
    void listResources(std::optional<affinity::Kind> kind, std::function<void(Response)> reply);
    // Deletes `name` at Google through a key of its owner's project; 200 {"deleted": name}.
    void deleteResource(const QString &name, std::function<void(Response)> reply);

    std::unique_ptr<app::Runtime> m_runtime;
    std::vector<Route> m_routes;
};

// Serves the admin API for `runtime` (its proxy's /admin/api/v1/ and in-process callers), which it keeps: call before
// the service starts. For a daemon::Service: install(app::serviceRuntime(service)).
void install(std::unique_ptr<app::Runtime> runtime);

} // namespace ga::admin
