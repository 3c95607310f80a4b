// SPDX-License-Identifier: GPL-3.0-or-later
#include "secrets/secretservicebulk.h"

#ifdef GA_HAVE_LIBSECRET
// libsecret's headers are C; they declare a schema struct we fill in below the way QtKeychain does.
#include <libsecret/secret.h>
#endif

namespace ga::secrets {

#ifdef GA_HAVE_LIBSECRET

namespace {

// The schema QtKeychain writes its entries with: "user" is the entry name, "server" the service, "type" says
// whether the value is the text itself ("plaintext") or base64 of binary data ("base64").
const SecretSchema *qtKeychainSchema()
{
    static const SecretSchema schema = { "org.qt.keychain", SECRET_SCHEMA_DONT_MATCH_NAME,
        { { "user", SECRET_SCHEMA_ATTRIBUTE_STRING }, { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
            { "type", SECRET_SCHEMA_ATTRIBUTE_STRING }, { nullptr, SECRET_SCHEMA_ATTRIBUTE_STRING } },
        0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr };
    return &schema;
}

QString takeError(GError *error)
{
    const QString message = QString::fromUtf8(error->message);
    g_error_free(error);
    return message;
}

} // namespace

bool secretServiceBulkReadAvailable()
{
    return true;
}

SecretServiceRead readAllFromSecretService(const QString &service)
{
    SecretServiceRead out;
    GError *error = nullptr;
    const QByteArray server = service.toUtf8();
    const auto flags = SecretSearchFlags(SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS);
    GList *items = secret_password_search_sync(
        qtKeychainSchema(), flags, nullptr, &error, "server", server.constData(), static_cast<const char *>(nullptr));
    if (error) {
        out.error = takeError(error);
        return out;
    }
    QMap<QString, QByteArray> plaintext; // QtKeychain looks for a "plaintext" entry first: it wins over "base64"
    bool complete = true;
    for (GList *l = items; l && complete; l = l->next) {
        auto *item = static_cast<SecretRetrievable *>(l->data);
        GHashTable *attributes = secret_retrievable_get_attributes(item);
        const auto *user = static_cast<const char *>(g_hash_table_lookup(attributes, "user"));
        const auto *type = static_cast<const char *>(g_hash_table_lookup(attributes, "type"));
        // Loaded by the search (SECRET_SEARCH_LOAD_SECRETS): no second round trip per item.
        SecretValue *value = SECRET_IS_ITEM(item) ? secret_item_get_secret(SECRET_ITEM(item)) : nullptr;
        if (user && value) {
            gsize length = 0;
            const gchar *data = secret_value_get(value, &length);
            const QByteArray raw(data, qsizetype(length));
            const QString name = QString::fromUtf8(user);
            if (type && qstrcmp(type, "base64") == 0) {
                out.values.insert(name, QByteArray::fromBase64(raw));
            } else {
                plaintext.insert(name, raw);
            }
        } else if (user) {
            complete = false; // locked, or not loaded: entry by entry will say why
            out.error = QStringLiteral("the secret of %1 was not loaded").arg(QString::fromUtf8(user));
        }
        if (value) {
            secret_value_unref(value);
        }
        g_hash_table_unref(attributes);
    }
    g_list_free_full(items, g_object_unref);
    if (!complete) {
        out.values.clear();
        return out;
    }
    for (auto it = plaintext.cbegin(); it != plaintext.cend(); ++it) {
        out.values.insert(it.key(), it.value());
    }
    out.ok = true;
    return out;
}

#else

bool secretServiceBulkReadAvailable()
{
    return false;
}

SecretServiceRead readAllFromSecretService(const QString &)
{
    SecretServiceRead out;
    out.error = QStringLiteral("this build reads the Secret Service through QtKeychain only");
    return out;
}

#endif

} // namespace ga::secrets
