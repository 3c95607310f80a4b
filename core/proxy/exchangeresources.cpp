// SPDX-License-Identifier: GPL-3.0-or-later
// The Exchange and the resources it touches (core/affinity): which project owns what a request uses (so only that
// project's keys may try it), the error when none of them can, and what a successful answer created, listed or ended.
#include "proxy/exchange.h"

namespace ga::proxy {

Exchange::Resources &Exchange::resources()
{
    if (!m_res) {
        m_res = std::make_unique<Resources>();
    }
    return *m_res;
}

bool Exchange::findOwner()
{
    if (m_request.scope && !m_request.scope->keys.isNull()) {
        resources().owner = m_request.scope->keys;
        resources().ownerResource = m_request.scope->label;
        return true;
    }
    if (!m_resources) {
        return true;
    }
    // The owner of every resource the request uses: they must all be of one project.
    for (const QString &name : std::as_const(m_request.resources.names)) {
        const std::optional<affinity::Resource> r = m_resources->find(name);
        if (!r) {
            continue; // not created through this proxy: any key may try (a 403 then blames no key)
        }
        const keys::KeyScope scope { r->keyId, r->group };
        if (!owner()) {
            resources().owner = scope;
            resources().ownerResource = name;
        } else if (!(m_res->owner == scope)) {
            m_done = true;
            m_sink->exchangeFailed(400,
                QStringLiteral("This request uses %1 and %2, which belong to different Google projects (%3 and "
                               "%4). Files, cached contents and batches can only be used by keys of the project "
                               "that created them, so one request can only use resources of one project.")
                    .arg(m_res->ownerResource, name,
                        m_res->owner.group.isEmpty() ? QStringLiteral("key ") + m_res->owner.keyId : m_res->owner.group,
                        scope.group.isEmpty() ? QStringLiteral("key ") + scope.keyId : scope.group));
            return false;
        }
    }
    return true;
}

void Exchange::ownerUnavailable(const keys::NoKeyReason &why)
{
    const Resources &owned = resources(); // there is an owner (AttemptPolicy::NoKey::OwnerUnavailable)
    const QString project = owned.owner.group.isEmpty()
        ? QStringLiteral("the Google project of key %1").arg(owned.owner.keyId)
        : QStringLiteral("the Google project of group '%1'").arg(owned.owner.group);
    const QString rule = QStringLiteral(
        "Files, cached contents, batches and uploads can only be used by keys of the project that created them.");
    if (why.total == 0) {
        m_sink->exchangeFailed(404,
            QStringLiteral("%1 belongs to %2, and no key of that project is configured any more. %3 Add the key "
                           "again, or create the resource again.")
                .arg(owned.ownerResource, project, rule));
        return;
    }
    if (why.cooling > 0) {
        const qint64 seconds = (std::max<qint64>(why.retryAfterMs, 0) + 999) / 1000;
        m_sink->exchangeFailed(429,
            QStringLiteral("%1 belongs to %2, whose keys are all cooling down%3; retry in %4 s. %5")
                .arg(owned.ownerResource, project,
                    m_request.model.isEmpty() ? QString() : QStringLiteral(" for ") + m_request.model)
                .arg(seconds)
                .arg(rule),
            seconds);
        return;
    }
    QStringList states;
    if (why.invalid) {
        states << QStringLiteral("%1 invalid").arg(why.invalid);
    }
    if (why.disabled) {
        states << QStringLiteral("%1 disabled").arg(why.disabled);
    }
    if (why.tried) {
        states << QStringLiteral("%1 already tried for this request").arg(why.tried);
    }
    m_sink->exchangeFailed(why.tried ? 502 : 400,
        QStringLiteral("%1 belongs to %2, and none of its keys can be used (%3). %4 Enable or fix that key "
                       "('gemini-aggregatord keys enable ID'), or create the resource again with another key.")
            .arg(owned.ownerResource, project, states.join(QStringLiteral(", ")), rule));
}

void Exchange::learnFromHead(const http::Response &head)
{
    if (!(m_resources && m_request.resources.captureAnswer && head.status >= 200 && head.status < 300)) {
        if (m_res) {
            m_res->capture = false; // an earlier attempt's answer was read; this one is not
            m_res->captured.clear();
        }
        return;
    }
    resources().capture = true;
    // An upload session is known before the client can send its first chunk to it.
    if (const QByteArray *url = http::findHeader(head.headers, "x-goog-upload-url")) {
        if (const QByteArray id = affinity::uploadIdOf(*url); !id.isEmpty()) {
            affinity::Resource r;
            r.name = QStringLiteral("uploads/") + QString::fromLatin1(id);
            r.kind = affinity::Kind::Upload;
            r.keyId = m_key.id;
            r.group = m_key.group;
            m_resources->remember(std::move(r));
        }
    }
}

void Exchange::learnResources()
{
    const http::Response &answer = m_client.response();
    if (!m_resources || answer.status < 200 || answer.status >= 300) {
        return;
    }
    const affinity::RequestResources &rr = m_request.resources;
    if (!rr.addressed.isEmpty()) {
        if (m_request.method == "DELETE" || (m_uploadEnded && rr.addressed.startsWith(u"uploads/"))) {
            m_resources->forget(rr.addressed); // a finished upload's URL no longer opens anything
        }
        if (m_request.method == "DELETE") {
            return;
        }
    }
    if (!m_res || !m_res->capture) {
        return;
    }
    for (affinity::Learned &l : affinity::learnFromAnswer(m_res->captured)) {
        affinity::Resource r;
        // An ephemeral token's name is what opens a Live session: kept as a hash only.
        r.name = l.kind == affinity::Kind::AuthToken ? affinity::hashedResourceName(l.kind, l.name.toUtf8())
                                                     : std::move(l.name);
        r.kind = l.kind;
        r.keyId = m_key.id;
        r.group = m_key.group;
        r.expiresMs = l.expiresMs;
        r.sizeBytes = l.sizeBytes;
        r.displayName = std::move(l.displayName);
        r.mimeType = std::move(l.mimeType);
        r.model = std::move(l.model);
        m_resources->remember(std::move(r));
    }
    m_res->captured.clear();
}

} // namespace ga::proxy
