// SPDX-License-Identifier: GPL-3.0-or-later
// The Service reads what the config names from the secret store: keys, relay secrets, access tokens and JWT keys.
#include "config/configpaths.h"
#include "config/configschema.h"
#include "daemon/orphansecrets.h"
#include "daemon/service.h"
#include "keys/apikey.h"
#include "keys/healthcheck.h"
#include "logging/logging.h"
#include "logging/messagehandler.h"
#include "logging/redact.h"
#include "proxy/proxyserver.h"
#include "secrets/secretstore.h"
#include "security/accesstoken.h"
#include "security/authenticator.h"
#include "security/browserguard.h"
#include "security/jwt.h"
#include "upstream/upstream.h"

#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace ga::daemon {

namespace {
void flush(std::vector<std::function<void()>> &waiters)
{
    std::vector<std::function<void()>> now;
    now.swap(waiters);
    for (const auto &fn : now) {
        fn();
    }
}
} // namespace

void Service::loadKeys(std::function<void()> done)
{
    const quint64 generation = ++m_keyGeneration;
    if (done) {
        m_keyWaiters.push_back(std::move(done));
    }
    struct Pending
    {
        std::vector<keys::PoolKeyConfig> keys;
    };
    auto pending = std::make_shared<Pending>();
    const QList<config::KeyEntry> entries = m_config->config().keys;
    for (const config::KeyEntry &k : entries) {
        pending->keys.push_back(keys::PoolKeyConfig { k.id, QByteArray(), k.group, k.weight, k.enabled });
    }
    auto finish = [this, pending] {
        std::erase_if(pending->keys, [](const keys::PoolKeyConfig &k) { return k.enabled && k.secret.isEmpty(); });
        const int usable = int(std::count_if(
            pending->keys.begin(), pending->keys.end(), [](const keys::PoolKeyConfig &k) { return k.enabled; }));
        m_keys.setKeys(std::move(pending->keys));
        if (!m_stateLoaded) {
            m_stateLoaded = true;
            loadKeyState();
        }
        // `keys enable` or a passing `keys test` set resetAt: forget what the pool learned about that key.
        for (const config::KeyEntry &k : m_config->config().keys) {
            if (!k.resetAt.isValid()) {
                continue;
            }
            const auto seen = m_resetAt.constFind(k.id);
            const bool changed
                = seen == m_resetAt.constEnd() ? k.resetAt.toMSecsSinceEpoch() > m_stateSavedAtMs : *seen != k.resetAt;
            m_resetAt.insert(k.id, k.resetAt);
            if (changed) {
                m_keys.clearKeyState(k.id); // before saying so: a client that reads the line may send at once
                qCInfo(lcKeys).noquote() << "key" << k.id << "was re-enabled: back in rotation";
            }
        }
        if (usable == 0) {
            qCWarning(lcKeys).noquote() << "no enabled API key; add one with: gemini-aggregatord keys add";
        } else {
            qCInfo(lcKeys) << "keys in use:" << usable;
        }
        m_usableKeys = usable;
        if (m_cluster) {
            m_cluster->pullAgain(); // what the cluster knows about keys the pool did not have until now
        }
        Q_EMIT keysLoaded(usable);
        flush(m_keyWaiters);
    };
    QStringList names;
    for (const keys::PoolKeyConfig &k : pending->keys) {
        if (k.enabled) {
            names.append(keys::secretEntryName(k.id));
        }
    }
    if (names.isEmpty()) {
        finish();
        return;
    }
    // One call for all of them: the keychain store reads every entry in one search where it can (100 keys: one
    // D-Bus round trip instead of 200), the file store decrypts its file once.
    m_secrets->readMany(names, this,
        [this, pending, generation, finish](const secrets::SecretResult &r, const QMap<QString, QByteArray> &values) {
            if (generation != m_keyGeneration) {
                return; // a newer load superseded this one
            }
            for (keys::PoolKeyConfig &k : pending->keys) {
                if (!k.enabled) {
                    continue;
                }
                const QString entry = keys::secretEntryName(k.id);
                const QByteArray secret = values.value(entry);
                if (r.ok() && !secret.isEmpty()) {
                    logging::Redactor::addSecret(secret);
                    k.secret = secret;
                } else if (!r.ok()) {
                    qCWarning(lcKeys).noquote() << "key" << k.id << "is not usable:" << r.message;
                } else {
                    qCWarning(lcKeys).noquote() << "key" << k.id << "is not usable: its secret" << entry
                                                << "is not in the secret store (" + m_secrets->description()
                            + "); add the key again with: gemini-aggregatord keys add";
                }
            }
            finish();
        });
}

void Service::loadProxyPassword(std::function<void()> done)
{
    const quint64 generation = ++m_proxyPasswordGeneration;
    // In force at once: new upstream connections log in with it (pooled ones were made under the old settings and
    // are closed when the settings change, proxy/proxyworker.cpp).
    auto apply = [this, done = std::move(done)] {
        QString error;
        if (const proxy::SettingsPtr s = proxy::settingsFromConfig(m_config->config(), &error, m_proxyPassword);
            s && m_proxy) {
            m_proxy->applySettings(s);
        }
        if (done) {
            done();
        }
    };
    if (!upstream::proxyNamesUser(m_config->config().upstreamProxy)) {
        m_proxyPassword.clear();
        apply();
        return;
    }
    m_secrets->read(QString::fromLatin1(upstream::kProxyPasswordEntry), this,
        [this, generation, apply = std::move(apply)](const secrets::SecretResult &r) {
            if (generation == m_proxyPasswordGeneration) { // else a newer read is under way and will apply its own
                m_proxyPassword.clear();
                if (r.ok()) {
                    m_proxyPassword = QString::fromUtf8(r.value);
                    if (!r.value.isEmpty()) {
                        logging::Redactor::addSecret(r.value);
                    }
                } else if (r.error == secrets::SecretError::NotFound) {
                    qCWarning(lcProxy).noquote()
                        << "upstream.proxy names a user but no password is stored: the proxy is asked without one "
                           "(store it with: printf %s \"$PROXY_PASSWORD\" | gemini-aggregatord proxy password)";
                } else {
                    qCWarning(lcProxy).noquote() << "the upstream proxy's password cannot be read (" + r.message
                            + "): the proxy is asked without one";
                }
            }
            apply();
        });
}

void Service::loadRelays(std::function<void()> done)
{
    const quint64 generation = ++m_relayGeneration;
    if (done) {
        m_relayWaiters.push_back(std::move(done));
    }
    const config::Config cfg = m_config->config();
    QString error;
    const proxy::SettingsPtr settings = proxy::settingsFromConfig(cfg, &error, m_proxyPassword);
    if (!settings) {
        flush(m_relayWaiters);
        return;
    }
    QHash<QString, QString> bindings;
    for (const config::KeyEntry &k : cfg.keys) {
        if (!k.instance.isEmpty()) {
            bindings.insert(k.id, k.instance);
        }
    }
    auto relays = std::make_shared<std::vector<routing::Relay>>();
    for (const config::InstanceEntry &i : cfg.instances) {
        routing::Relay r;
        r.id = i.id;
        r.name = i.name;
        r.enabled = i.enabled;
        r.upstream = upstream::upstreamAt(settings->upstream, i.url);
        r.upstream.connectTimeoutMs = cfg.relayConnectTimeoutMs;
        relays->push_back(r);
    }
    auto apply = [this, generation, relays, bindings, cfg] {
        if (generation != m_relayGeneration) {
            return;
        }
        m_router.configure(cfg.routingMode, cfg.fallbackToLocal, std::move(*relays), bindings);
        flush(m_relayWaiters);
    };
    if (relays->empty()) {
        apply();
        return;
    }
    // Mode and bindings apply now; relays become usable once their secrets are read (never direct by mistake).
    m_router.configure(cfg.routingMode, cfg.fallbackToLocal, *relays, bindings);
    auto pending = std::make_shared<int>(int(relays->size()));
    for (size_t i = 0; i < relays->size(); ++i) {
        const QString id = (*relays)[i].id;
        m_secrets->read(
            QStringLiteral("relay/") + id, this, [relays, pending, i, id, apply](const secrets::SecretResult &r) {
                if (r.ok() && !r.value.isEmpty()) {
                    logging::Redactor::addSecret(r.value);
                    (*relays)[i].secret = r.value;
                } else {
                    qCWarning(lcRouting).noquote()
                        << "relay" << id << "has no usable secret and is skipped:" << r.message;
                }
                if (--*pending == 0) {
                    apply();
                }
            });
    }
}

void Service::loadTokens(std::function<void()> done)
{
    const quint64 generation = ++m_tokenGeneration;
    if (done) {
        m_tokenWaiters.push_back(std::move(done));
    }
    const config::Config cfg = m_config->config();
    struct Pending
    {
        int outstanding = 1; // released at the end of this function
        QList<security::Authenticator::Token> tokens;
        QByteArray hmacSecret;
        QByteArray adminToken;
    };
    auto pending = std::make_shared<Pending>();
    auto finish = [this, pending, generation, cfg] {
        if (--pending->outstanding > 0 || generation != m_tokenGeneration) {
            return;
        }
        security::Authenticator *auth = m_proxy->authenticator();
        auth->setTokens(pending->tokens);
        auth->setAllowAnonymousLoopback(cfg.allowAnonymousLoopback);
        auth->setAdminToken(pending->adminToken);
        std::shared_ptr<security::JwtVerifier> verifier;
        if (cfg.jwt.enabled()) {
            security::JwtConfig jc;
            jc.hmacSecret = pending->hmacSecret;
            jc.audience = cfg.jwt.audience;
            jc.issuer = cfg.jwt.issuer;
            jc.leewaySeconds = cfg.jwt.leewaySeconds;
            if (!cfg.jwt.publicKeyFile.isEmpty()) {
                QFile pem(cfg.jwt.publicKeyFile);
                if (pem.open(QIODevice::ReadOnly)) {
                    jc.publicKeyPem = pem.readAll();
                } else {
                    qCWarning(lcSecurity).noquote() << "auth.jwt.publicKeyFile: cannot read" << cfg.jwt.publicKeyFile
                                                    << "-" << pem.errorString() << "- RS256/ES256 JWTs are refused";
                }
            }
            verifier = std::make_shared<security::JwtVerifier>();
            QString error;
            if (!verifier->configure(jc, &error)) {
                qCWarning(lcSecurity).noquote() << "JWTs are refused:" << error;
                verifier.reset();
            }
        }
        auth->setJwtVerifier(verifier);
        qCInfo(lcSecurity).noquote() << "access tokens in use:" << pending->tokens.size()
                                     << (verifier ? QStringLiteral("(JWTs accepted)") : QString());
        flush(m_tokenWaiters);
    };
    for (const config::TokenEntry &t : cfg.tokens) {
        ++pending->outstanding;
        const QString name = t.name;
        m_secrets->read(security::tokenEntryName(name), this, [pending, finish, name](const secrets::SecretResult &r) {
            if (r.ok() && !r.value.isEmpty()) {
                logging::Redactor::addSecret(r.value);
                pending->tokens.append({ name, r.value });
            } else {
                qCWarning(lcSecurity).noquote()
                    << "access token" << name << "cannot be read and is not accepted:" << r.message;
            }
            finish();
        });
    }
    ++pending->outstanding;
    m_secrets->read(
        QString::fromLatin1(security::kAdminTokenEntry), this, [pending, finish](const secrets::SecretResult &r) {
            if (r.ok() && !r.value.isEmpty()) {
                logging::Redactor::addSecret(r.value);
                pending->adminToken = r.value;
            }
            finish();
        });
    if (cfg.jwt.hs256) {
        ++pending->outstanding;
        m_secrets->read(
            QString::fromLatin1(security::kJwtSecretEntry), this, [pending, finish](const secrets::SecretResult &r) {
                if (r.ok() && !r.value.isEmpty()) {
                    logging::Redactor::addSecret(r.value);
                    pending->hmacSecret = r.value;
                } else {
                    qCWarning(lcSecurity).noquote()
                        << "auth.jwt.hs256 is on but the HS256 secret cannot be read (set it with: "
                           "gemini-aggregatord token jwt-secret):"
                        << r.message;
                }
                finish();
            });
    }
    finish();
}

} // namespace ga::daemon
