// SPDX-License-Identifier: GPL-3.0-or-later
#include "acme/certrequest.h"

#include <memory>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace ga::acme {

namespace {

struct ReqFree
{
    void operator()(X509_REQ *req) const { X509_REQ_free(req); }
};
struct X509Free
{
    void operator()(X509 *certificate) const { X509_free(certificate); }
};
struct BioFree
{
    void operator()(BIO *bio) const { BIO_free(bio); }
};
struct ExtensionsFree
{
    void operator()(STACK_OF(X509_EXTENSION) * extensions) const
    {
        sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
    }
};

QByteArray failed()
{
    ERR_clear_error();
    return {};
}

} // namespace

bool isPlainDnsName(const QString &name)
{
    if (name.isEmpty() || name.size() > 253)
        return false;
    const QStringList labels = name.split(QLatin1Char('.'));
    for (const QString &label : labels) {
        if (label.isEmpty() || label.size() > 63 || label.startsWith(QLatin1Char('-'))
            || label.endsWith(QLatin1Char('-')))
            return false;
        for (const QChar c : label) {
            const bool ok = (c >= QLatin1Char('a') && c <= QLatin1Char('z'))
                || (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('-');
            if (!ok)
                return false;
        }
    }
    return true;
}

QByteArray certificateRequestDer(const EcKey &key, const QStringList &domains)
{
    if (key.isNull() || domains.isEmpty())
        return {};
    QByteArray san;
    for (const QString &domain : domains) {
        if (!isPlainDnsName(domain))
            return {};
        san += (san.isEmpty() ? "DNS:" : ",DNS:") + domain.toLatin1();
    }
    auto *pkey = static_cast<EVP_PKEY *>(key.handle());
    std::unique_ptr<X509_REQ, ReqFree> req(X509_REQ_new());
    if (!req || X509_REQ_set_version(req.get(), 0) != 1)
        return failed();
    const QByteArray commonName = domains.constFirst().toLatin1();
    X509_NAME *subject = X509_REQ_get_subject_name(req.get());
    if (X509_NAME_add_entry_by_txt(
            subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>(commonName.constData()), -1, -1, 0)
        != 1)
        return failed();
    if (X509_REQ_set_pubkey(req.get(), pkey) != 1)
        return failed();
    std::unique_ptr<STACK_OF(X509_EXTENSION), ExtensionsFree> extensions(sk_X509_EXTENSION_new_null());
    X509_EXTENSION *altNames = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.constData());
    if (!extensions || altNames == nullptr || sk_X509_EXTENSION_push(extensions.get(), altNames) <= 0) {
        X509_EXTENSION_free(altNames);
        return failed();
    }
    if (X509_REQ_add_extensions(req.get(), extensions.get()) != 1 || X509_REQ_sign(req.get(), pkey, EVP_sha256()) <= 0)
        return failed();
    const int length = i2d_X509_REQ(req.get(), nullptr);
    if (length <= 0)
        return failed();
    QByteArray der(length, '\0');
    auto *cursor = reinterpret_cast<unsigned char *>(der.data());
    if (i2d_X509_REQ(req.get(), &cursor) != length)
        return failed();
    return der;
}

bool certificateMatchesKey(const QByteArray &chainPem, const EcKey &key)
{
    if (key.isNull())
        return false;
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(chainPem.constData(), static_cast<int>(chainPem.size())));
    std::unique_ptr<X509, X509Free> leaf(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    const bool matches = leaf && X509_check_private_key(leaf.get(), static_cast<EVP_PKEY *>(key.handle())) == 1;
    ERR_clear_error();
    return matches;
}

} // namespace ga::acme
