// SPDX-License-Identifier: GPL-3.0-or-later
#include "secrets/secretservicebulk.h"

#ifdef GA_HAVE_LIBSECRET
// libsecret's headers are C; they declare a schema struct we fill in below the way QtKeychain does. Only its types
// are used here: the functions are looked up at run time (below), none is linked.
#include <QLibrary>

#include <libsecret/secret.h>
#include <type_traits>
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

// libsecret, loaded when the keychain is first read in one search, as QtKeychain loads it for its own jobs. Linked,
// it and what it needs (GIO, GObject, libmount, libblkid, libselinux, libffi) were mapped into every process at
// start, the daemon on the encrypted file store that never talks to a keychain included: 1.3 MB of its idle
// memory. GLib's and GObject's functions are found through libsecret's handle (a lookup searches the library and
// what it depends on).
struct LibSecret
{
    GList *(*passwordSearchSync)(const SecretSchema *, SecretSearchFlags, GCancellable *, GError **, ...) = nullptr;
    GHashTable *(*retrievableGetAttributes)(SecretRetrievable *) = nullptr;
    GType (*itemGetType)() = nullptr;
    SecretValue *(*itemGetSecret)(SecretItem *) = nullptr;
    const gchar *(*valueGet)(SecretValue *, gsize *) = nullptr;
    void (*valueUnref)(gpointer) = nullptr;
    gboolean (*typeCheckInstanceIsA)(GTypeInstance *, GType) = nullptr;
    void (*objectUnref)(gpointer) = nullptr;
    void (*listFreeFull)(GList *, GDestroyNotify) = nullptr;
    gpointer (*hashTableLookup)(GHashTable *, gconstpointer) = nullptr;
    void (*hashTableUnref)(GHashTable *) = nullptr;
    void (*errorFree)(GError *) = nullptr;
    QString problem; // why it cannot be used; empty when every function was found
};

// Loaded once, by the first caller (thread-safe); never unloaded.
const LibSecret &libSecret()
{
    static const LibSecret lib = [] {
        LibSecret l;
        QLibrary library(QStringLiteral("secret-1"), 0);
        if (!library.load()) {
            l.problem = QStringLiteral("libsecret could not be loaded (%1)").arg(library.errorString());
            return l;
        }
        auto find = [&](auto &fn, const char *name) {
            fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(library.resolve(name));
            if (!fn && l.problem.isEmpty()) {
                l.problem = QStringLiteral("libsecret has no %1").arg(QLatin1StringView(name));
            }
        };
        find(l.passwordSearchSync, "secret_password_search_sync");
        find(l.retrievableGetAttributes, "secret_retrievable_get_attributes");
        find(l.itemGetType, "secret_item_get_type");
        find(l.itemGetSecret, "secret_item_get_secret");
        find(l.valueGet, "secret_value_get");
        find(l.valueUnref, "secret_value_unref");
        find(l.typeCheckInstanceIsA, "g_type_check_instance_is_a");
        find(l.objectUnref, "g_object_unref");
        find(l.listFreeFull, "g_list_free_full");
        find(l.hashTableLookup, "g_hash_table_lookup");
        find(l.hashTableUnref, "g_hash_table_unref");
        find(l.errorFree, "g_error_free");
        return l;
    }();
    return lib;
}

} // namespace

bool secretServiceBulkReadAvailable()
{
    return true;
}

SecretServiceRead readAllFromSecretService(const QString &service)
{
    SecretServiceRead out;
    const LibSecret &lib = libSecret();
    if (!lib.problem.isEmpty()) {
        out.error = lib.problem;
        return out;
    }
    auto takeError = [&](GError *error) {
        const QString message = QString::fromUtf8(error->message);
        lib.errorFree(error);
        return message;
    };
    GError *error = nullptr;
    const QByteArray server = service.toUtf8();
    const auto flags = SecretSearchFlags(SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS);
    GList *items = lib.passwordSearchSync(
        qtKeychainSchema(), flags, nullptr, &error, "server", server.constData(), static_cast<const char *>(nullptr));
    if (error) {
        out.error = takeError(error);
        return out;
    }
    const GType itemType = lib.itemGetType();
    QMap<QString, QByteArray> plaintext; // QtKeychain looks for a "plaintext" entry first: it wins over "base64"
    bool complete = true;
    for (GList *l = items; l && complete; l = l->next) {
        auto *item = static_cast<SecretRetrievable *>(l->data);
        GHashTable *attributes = lib.retrievableGetAttributes(item);
        const auto *user = static_cast<const char *>(lib.hashTableLookup(attributes, "user"));
        const auto *type = static_cast<const char *>(lib.hashTableLookup(attributes, "type"));
        // Loaded by the search (SECRET_SEARCH_LOAD_SECRETS): no second round trip per item. (SECRET_IS_ITEM and
        // SECRET_ITEM, spelt out: the macros call GObject's functions by name.)
        const bool isItem = lib.typeCheckInstanceIsA(static_cast<GTypeInstance *>(l->data), itemType);
        SecretValue *value = isItem ? lib.itemGetSecret(static_cast<SecretItem *>(l->data)) : nullptr;
        if (user && value) {
            gsize length = 0;
            const gchar *data = lib.valueGet(value, &length);
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
            lib.valueUnref(value);
        }
        lib.hashTableUnref(attributes);
    }
    lib.listFreeFull(items, lib.objectUnref);
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
