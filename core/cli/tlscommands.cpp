// SPDX-License-Identifier: GPL-3.0-or-later
// `tls status` and `tls trust`: the HTTPS listener's certificate as the config names it, and how to trust the local
// CA that listen.tls.selfSigned uses.
#include "cli/commands.h"
#include "cli/context.h"
#include "config/configpaths.h"
#include "config/configstore.h"
#include "tls/tlsidentity.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>

namespace ga::cli {
namespace {

int tlsStatus(Context &ctx)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    const config::Config &cfg = store->config();
    const QString dir = config::tlsDirectory(store->path());
    tls::CertificateStatus status;
    QString error;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    std::optional<tls::Identity> id;
    // The order the daemon uses: ACME's certificate (when ACME is on and it has one), the files, the local CA's.
    const QString acmeCert = QDir(dir).filePath(QStringLiteral("acme-cert.pem"));
    if (!cfg.acmeDirectoryUrl.isEmpty() && QFile::exists(acmeCert)) {
        id = tls::loadIdentity(acmeCert, QDir(dir).filePath(QStringLiteral("acme-key.pem")), now, &error);
        if (id) {
            id->source = QStringLiteral("acme");
        }
    }
    if (id) {
        // ACME's, above
    } else if (!cfg.tlsCertFile.isEmpty()) {
        id = tls::loadIdentity(cfg.tlsCertFile, cfg.tlsKeyFile, now, &error);
    } else if (cfg.tlsSelfSigned) {
        const QString leaf = QDir(dir).filePath(QStringLiteral("local-tls.pem"));
        const QString key = QDir(dir).filePath(QStringLiteral("local-tls.key"));
        if (QFile::exists(leaf)) {
            id = tls::loadIdentity(leaf, key, now, &error);
            if (id) {
                id->source = QStringLiteral("self-signed");
            }
        } else {
            error = QStringLiteral("not made yet: the daemon makes it when it starts with listen.tls.port set");
        }
    } else if (!cfg.acmeDirectoryUrl.isEmpty()) {
        error = QStringLiteral("no certificate from the ACME CA yet: the running daemon orders it (its GET "
                               "/admin/api/v1/tls says how that goes)");
    }
    if (id) {
        status = tls::statusOf(*id);
    }
    status.lastError = error;
    QJsonObject o = tls::toJson(status);
    o.insert(QStringLiteral("port"), cfg.tlsPort);
    o.insert(QStringLiteral("enabled"), cfg.tlsPort > 0);
    if (ctx.args().has(QStringLiteral("json"))) {
        ctx.out() << QJsonDocument(o).toJson(QJsonDocument::Indented);
        return id || cfg.tlsPort == 0 ? kExitOk : kExitFailure;
    }
    QTextStream &out = ctx.out();
    if (cfg.tlsPort == 0) {
        out << "HTTPS: off (set listen.tls.port, and listen.tls.certFile/keyFile or listen.tls.selfSigned)" << Qt::endl;
    } else {
        out << "HTTPS: port " << cfg.tlsPort << " on " << cfg.listenHost << Qt::endl;
    }
    if (status.present) {
        out << "certificate: " << status.subject << " (" << status.source << ")" << Qt::endl;
        out << "names:       " << status.names.join(QStringLiteral(", ")) << Qt::endl;
        out << "issuer:      " << status.issuer << Qt::endl;
        out << "valid:       " << status.notBefore.toString(Qt::ISODate) << " to "
            << status.notAfter.toString(Qt::ISODate) << " ("
            << QString::number(double(now.secsTo(status.notAfter)) / 86400.0, 'f', 1) << " days left)" << Qt::endl;
        if (!status.certFile.isEmpty()) {
            out << "file:        " << status.certFile << Qt::endl;
        }
    }
    if (!error.isEmpty()) {
        return cfg.tlsPort == 0 ? kExitOk : ctx.fail(QStringLiteral("the HTTPS certificate: %1").arg(error));
    }
    return kExitOk;
}

int tlsTrust(Context &ctx)
{
    config::ConfigStore *store = ctx.loadConfig();
    if (!store) {
        return kExitFailure;
    }
    const QString ca = tls::localCaFile(config::tlsDirectory(store->path()));
    if (!QFile::exists(ca)) {
        return ctx.fail(QStringLiteral("there is no local CA yet (%1): set listen.tls.selfSigned and listen.tls.port, "
                                       "start the daemon once, then run this again")
                            .arg(ca));
    }
    QTextStream &out = ctx.out();
    out << "The local CA that signs the HTTPS certificate of listen.tls.selfSigned:" << Qt::endl
        << "  " << ca << Qt::endl
        << Qt::endl
        << "Trust it for one program:" << Qt::endl
        << "  Node (SDKs, Gemini CLI):  export NODE_EXTRA_CA_CERTS=" << ca << Qt::endl
        << "  Python (requests, httpx): export SSL_CERT_FILE=" << ca << "   (or REQUESTS_CA_BUNDLE)" << Qt::endl
        << "  curl:                     curl --cacert " << ca << " https://localhost:PORT/healthz" << Qt::endl
        << "Trust it for the whole machine:" << Qt::endl
        << "  Debian/Ubuntu: sudo cp " << ca
        << " /usr/local/share/ca-certificates/gemini-aggregator-local-ca.crt && sudo update-ca-certificates" << Qt::endl
        << "  macOS:         sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "
        << ca << Qt::endl
        << "  Windows:       certutil -addstore -f Root " << ca << Qt::endl
        << "It signs certificates for this machine's loopback names only; its key stays in the same folder (0600)."
        << Qt::endl;
    return kExitOk;
}

} // namespace

int tlsCommand(Context &ctx, const QStringList &words)
{
    const QString sub = words.value(0);
    if (words.size() > 1) {
        return ctx.usage(QStringLiteral("'tls %1' takes no arguments").arg(sub));
    }
    if (sub == u"status") {
        return tlsStatus(ctx);
    }
    if (sub == u"trust") {
        return tlsTrust(ctx);
    }
    return ctx.usage(sub.isEmpty() ? QStringLiteral("'tls' needs a subcommand: status, trust")
                                   : QStringLiteral("'tls %1' is not a command").arg(sub));
}

} // namespace ga::cli
