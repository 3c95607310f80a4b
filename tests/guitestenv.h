// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the GUI suites (tst_uimodels, tst_tray): a real daemon::Service started in-process on a temporary
// config, with a memory secret store and the fake Gemini upstream, plus small helpers to drive it (admin API
// calls that wait for their answer and for the config to be in force, Gemini calls through the proxy).
// Header-only on purpose: the UI suites are the only users.
#pragma once

#include "admin/adminapi.h"
#include "config/configstore.h"
#include "daemon/service.h"
#include "fakegemini/fakegemini.h"
#include "rawhttp.h"
#include "secrets/memorysecretstore.h"
#include "security/accesstoken.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>

#include <memory>
#include <optional>

namespace ga::test::gui {

inline constexpr int kWaitMs = 10'000;

struct AdminAnswer
{
    int status = 0; // 0: no answer in time
    QJsonValue body;

    QJsonObject obj() const { return body.toObject(); }
};

// Merges `extra` into `base` (objects recursively, anything else replaced).
inline QJsonObject merged(QJsonObject base, const QJsonObject &extra)
{
    for (auto it = extra.begin(); it != extra.end(); ++it) {
        if (it.value().isObject() && base.value(it.key()).isObject()) {
            base.insert(it.key(), merged(base.value(it.key()).toObject(), it.value().toObject()));
        } else {
            base.insert(it.key(), it.value());
        }
    }
    return base;
}

class ServiceEnv
{
public:
    QTemporaryDir dir;
    QString configPath;
    quint16 port = 0; // set before start() to use that port (a busy one, say); otherwise a free one
    bool startWithoutListener = false; // as the desktop app starts it (a port that cannot be bound is no failure)
    std::unique_ptr<FakeGemini> fake; // the direct upstream
    std::unique_ptr<config::ConfigStore> store;
    std::unique_ptr<secrets::MemorySecretStore> secrets;
    std::unique_ptr<daemon::Service> service;
    QByteArray accessToken; // of the token "default"
    // Every secret this environment handed out: no model row, callback or config file may contain one.
    QList<QByteArray> secretValues;

    ~ServiceEnv()
    {
        service.reset();
        secrets.reset();
        store.reset();
        fake.reset();
    }

    // Starts the service on a fresh config (the fake upstream, the token "default", no log file) with
    // `extra` merged in. False with the reason when something does not start.
    bool start(const QJsonObject &extra, QString *why)
    {
        if (!dir.isValid()) {
            *why = QStringLiteral("no temporary directory");
            return false;
        }
        configPath = dir.filePath(QStringLiteral("config/config.json"));
        if (port == 0) {
            port = freePort();
        }
        fake = std::make_unique<FakeGemini>();
        if (!fake->listen()) {
            *why = QStringLiteral("the fake upstream does not listen: ") + fake->errorString();
            return false;
        }
        const QJsonObject base {
            { QStringLiteral("version"), 1 },
            { QStringLiteral("listen"), QJsonObject { { QStringLiteral("port"), int(port) } } },
            { QStringLiteral("upstream"), QJsonObject { { QStringLiteral("baseUrl"), fake->baseUrl() } } },
            { QStringLiteral("auth"),
                QJsonObject { { QStringLiteral("tokens"),
                    QJsonObject { { QStringLiteral("items"),
                        QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("default") } } } } } } } },
            { QStringLiteral("log"), QJsonObject { { QStringLiteral("file"), QStringLiteral("none") } } },
        };
        if (!writeAll(configPath, QJsonDocument(merged(base, extra)).toJson())) {
            *why = QStringLiteral("cannot write the config");
            return false;
        }
        store = std::make_unique<config::ConfigStore>(configPath);
        if (store->load().hasErrors()) {
            *why = QStringLiteral("the test config does not load");
            return false;
        }
        secrets = std::make_unique<secrets::MemorySecretStore>();
        accessToken = security::generateAccessToken();
        secretValues.append(accessToken);
        if (!storeSecret(security::tokenEntryName(QStringLiteral("default")), accessToken)) {
            *why = QStringLiteral("the memory store refused the token");
            return false;
        }
        service = std::make_unique<daemon::Service>(store.get(), secrets.get());
        service->setWorkerCount(2);
        admin::install(app::serviceRuntime(*service));
        service->setFileLogging(false);
        service->setStartWithoutListener(startWithoutListener);
        QSignalSpy ready(service.get(), &daemon::Service::ready);
        if (!service->start(why)) {
            return false;
        }
        if (ready.isEmpty() && !ready.wait(kWaitMs)) {
            *why = QStringLiteral("the service never became ready");
            return false;
        }
        return true;
    }

    bool storeSecret(const QString &name, const QByteArray &value)
    {
        return secrets::waitFor([&](QObject *context, secrets::SecretStore::Callback done) {
            secrets->write(name, value, context, std::move(done));
        }).ok();
    }

    // One admin API call, served in-process (as the Backend does it); waits for the answer.
    AdminAnswer call(const QByteArray &method, const QString &path, const QJsonValue &body = QJsonValue())
    {
        admin::Request request;
        request.method = method;
        request.path = path.toUtf8();
        if (body.isObject()) {
            request.body = QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact);
        }
        auto answer = std::make_shared<std::optional<admin::Response>>();
        QEventLoop loop;
        QPointer<QEventLoop> guard(&loop);
        service->adminHandler()->handle(std::move(request), [answer, guard](admin::Response r) {
            // May come from any thread: hand it to the waiting one.
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [answer, guard, r] {
                    *answer = r;
                    if (guard) {
                        guard->quit();
                    }
                },
                Qt::QueuedConnection);
        });
        if (!answer->has_value()) {
            QTimer::singleShot(kWaitMs, &loop, &QEventLoop::quit);
            loop.exec();
        }
        if (!answer->has_value()) {
            return {};
        }
        const QJsonDocument doc = QJsonDocument::fromJson((*answer)->body);
        return { (*answer)->status, doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object()) };
    }

    // An admin call that edits the config; waits until the Service applied it. Status 0 when it was not.
    AdminAnswer edit(const QByteArray &method, const QString &path, const QJsonValue &body = QJsonValue())
    {
        QSignalSpy applied(service.get(), &daemon::Service::configApplied);
        AdminAnswer a = call(method, path, body);
        if (a.status >= 200 && a.status < 300 && applied.isEmpty() && !applied.wait(kWaitMs)) {
            a.status = 0;
        }
        return a;
    }

    // Adds fakeKey(n) (registered with the fake upstream) and returns its id; empty on failure.
    QString addKey(int n, const QString &label, const QString &group = QString())
    {
        const QString secret = fakeKey(n);
        fake->addKey(secret, group);
        secretValues.append(secret.toLatin1());
        QJsonObject body { { QStringLiteral("secret"), secret }, { QStringLiteral("label"), label } };
        if (!group.isEmpty()) {
            body.insert(QStringLiteral("group"), group);
        }
        const AdminAnswer a = edit("POST", QStringLiteral("/keys"), body);
        return a.status == 201 ? a.obj().value(u"id").toString() : QString();
    }

    // Adds a relay instance with a known secret; returns its id (empty on failure).
    QString addInstance(const QString &name, const QString &url, const QByteArray &secret)
    {
        secretValues.append(secret);
        const AdminAnswer a = edit("POST", QStringLiteral("/instances"),
            QJsonObject { { QStringLiteral("name"), name }, { QStringLiteral("url"), url },
                { QStringLiteral("secret"), QString::fromLatin1(secret) } });
        return a.status == 201 ? a.obj().value(u"id").toString() : QString();
    }

    // One generateContent call through the proxy with `token` as the client's key; the answer's status.
    Reply generate(const QByteArray &token, const QByteArray &model = "gemini-2.5-flash")
    {
        Client c(port);
        c.send(post("/v1beta/models/" + model + ":generateContent", R"({"contents":[{"parts":[{"text":"hi"}]}]})",
            "x-goog-api-key: " + token + "\r\nConnection: close\r\n"));
        return c.read(30'000);
    }
    int generateStatus(const QByteArray &token, const QByteArray &model = "gemini-2.5-flash")
    {
        return generate(token, model).status;
    }

    // The first of the secrets handed out that `text` contains, as a description (never the secret).
    QString leakIn(const QByteArray &text) const
    {
        for (qsizetype i = 0; i < secretValues.size(); ++i) {
            if (!secretValues.at(i).isEmpty() && text.contains(secretValues.at(i))) {
                return QStringLiteral("secret #%1 of this test").arg(i);
            }
        }
        return QString();
    }
};

} // namespace ga::test::gui
