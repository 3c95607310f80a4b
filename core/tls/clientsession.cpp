// SPDX-License-Identifier: GPL-3.0-or-later
#include "tls/clientsession.h"

#include <QHostAddress>
#include <QSslConfiguration>
#include <QUrl>

#include <cstring>

#if !defined(Q_OS_DARWIN) && !defined(Q_OS_WIN)
#include <dirent.h>
#endif
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <utility>

namespace ga::tls {

// The one place that reaches into a session from OpenSSL's callbacks.
struct SessionAccess
{
    static ClientSession *of(SSL *ssl);
    static QByteArrayView &in(ClientSession *s) { return s->m_in; }
    static QByteArray *out(ClientSession *s) { return s->m_out; }
    static void offered(ClientSession *s, SSL_SESSION *session, QByteArray der)
    {
        Session kept;
        kept.m_data = std::make_shared<Session::Data>();
        kept.m_data->der = std::move(der);
        kept.m_data->parsed = session; // the caller's reference
        s->m_newSession = std::move(kept);
    }
};

namespace {

int sessionIndex()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// A BIO over the session's bytes: it reads what the caller fed and writes into the caller's output, so no BIO buffer
// lives as long as the connection (OpenSSL's memory BIOs keep theirs at the largest size they held).
int bioWrite(BIO *bio, const char *data, size_t size, size_t *written)
{
    QByteArray *out = SessionAccess::out(static_cast<ClientSession *>(BIO_get_data(bio)));
    BIO_clear_retry_flags(bio);
    if (out == nullptr) {
        BIO_set_retry_write(bio); // outside a call: cannot happen, and would not be lost
        return 0;
    }
    out->append(data, qsizetype(size));
    *written = size;
    return 1;
}

int bioRead(BIO *bio, char *data, size_t size, size_t *read)
{
    QByteArrayView &in = SessionAccess::in(static_cast<ClientSession *>(BIO_get_data(bio)));
    BIO_clear_retry_flags(bio);
    if (in.isEmpty()) {
        BIO_set_retry_read(bio);
        return 0;
    }
    const size_t n = std::min(size, size_t(in.size()));
    std::memcpy(data, in.data(), n);
    in = in.sliced(qsizetype(n));
    *read = n;
    return 1;
}

long bioControl(BIO *bio, int command, long, void *)
{
    switch (command) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_PENDING:
        return long(SessionAccess::in(static_cast<ClientSession *>(BIO_get_data(bio))).size());
    default:
        return 0;
    }
}

int bioCreate(BIO *bio)
{
    BIO_set_init(bio, 1);
    return 1;
}

BIO_METHOD *bioMethod()
{
    static BIO_METHOD *const method = [] {
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ga-upstream");
        BIO_meth_set_write_ex(m, bioWrite);
        BIO_meth_set_read_ex(m, bioRead);
        BIO_meth_set_ctrl(m, bioControl);
        BIO_meth_set_create(m, bioCreate);
        return m;
    }();
    return method;
}

// A session the server offers: kept for the next connection, parsed and serialized (SSL_SESSION_is_resumable: not
// one OpenSSL would refuse to offer). Returns 1 when it took OpenSSL's reference.
int newSession(SSL *ssl, SSL_SESSION *session)
{
    ClientSession *s = SessionAccess::of(ssl);
    const int size = i2d_SSL_SESSION(session, nullptr);
    if (s == nullptr || size <= 0 || !SSL_SESSION_is_resumable(session)) {
        return 0;
    }
    QByteArray der(size, Qt::Uninitialized);
    auto *p = reinterpret_cast<unsigned char *>(der.data());
    if (i2d_SSL_SESSION(session, &p) != size) {
        return 0;
    }
    SessionAccess::offered(s, session, std::move(der));
    return 1; // the reference is the kept session's now
}

bool addCertificate(X509_STORE *store, const QSslCertificate &certificate)
{
    const QByteArray der = certificate.toDer();
    const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
    X509 *x509 = d2i_X509(nullptr, &p, long(der.size()));
    if (x509 == nullptr) {
        return false;
    }
    X509_STORE_add_cert(store, x509); // a duplicate is not an error worth failing for
    X509_free(x509);
    return true;
}

// The system's CAs, where Qt finds them too. On Apple systems and Windows the store's, as Qt reads them. Elsewhere
// OpenSSL's default directory (or SSL_CERT_DIR's) where it holds certificates by subject hash: one file is read when
// a chain needs it, as Qt loads roots on demand. Only without such a directory is a bundle file (SSL_CERT_FILE, or
// OpenSSL's default) read, and whole: SSL_CTX_set_default_verify_paths always read it, 28 ms for Debian's 140 CAs
// that every worker's first TLS connection waited for, ~1 MB kept, seconds under a sanitizer. CAs of one's own go in
// upstream.caBundle.
#if !defined(Q_OS_DARWIN) && !defined(Q_OS_WIN)
// Whether `dir` has a file named as OpenSSL names certificates by subject hash ("5ad8a5d6.0"): stops at the first
// (readdir: no allocation per entry, where a QDirIterator made several for each of Debian's ~300).
bool holdsHashedCertificates(const QByteArray &dir)
{
    DIR *d = opendir(dir.constData());
    if (d == nullptr) {
        return false;
    }
    bool found = false;
    while (const dirent *e = readdir(d)) {
        const size_t n = std::strlen(e->d_name);
        if (n == 10 && e->d_name[8] == '.' && e->d_name[9] == '0') {
            found = true;
            break;
        }
    }
    closedir(d);
    return found;
}
#endif

void addSystemCas(X509_STORE *store)
{
#if defined(Q_OS_DARWIN) || defined(Q_OS_WIN)
    for (const QSslCertificate &ca : QSslConfiguration::systemCaCertificates()) {
        addCertificate(store, ca);
    }
#else
    const QByteArray dirs = !qEnvironmentVariableIsEmpty(X509_get_default_cert_dir_env())
        ? qgetenv(X509_get_default_cert_dir_env())
        : QByteArray(X509_get_default_cert_dir());
    bool hashed = false;
    for (const QByteArray &dir : dirs.split(':')) {
        hashed = hashed || (!dir.isEmpty() && holdsHashedCertificates(dir));
    }
    if (hashed) {
        X509_STORE_load_path(store, dirs.constData());
    } else {
        const QByteArray file = !qEnvironmentVariableIsEmpty(X509_get_default_cert_file_env())
            ? qgetenv(X509_get_default_cert_file_env())
            : QByteArray(X509_get_default_cert_file());
        X509_STORE_load_file(store, file.constData()); // none there: only the extra CAs are trusted
    }
    ERR_clear_error();
#endif
}

QString lastError(const char *fallback)
{
    const unsigned long code = ERR_peek_last_error();
    const char *reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
    ERR_clear_error();
    return QString::fromLatin1(reason != nullptr ? reason : fallback);
}

} // namespace

ClientSession *SessionAccess::of(SSL *ssl)
{
    return static_cast<ClientSession *>(SSL_get_ex_data(ssl, sessionIndex()));
}

std::shared_ptr<ClientContext> ClientContext::create(const QList<QSslCertificate> &extraCas, QString *error)
{
    std::shared_ptr<ClientContext> c(new ClientContext);
    c->m_extraCas = extraCas;
    c->m_ctx = SSL_CTX_new(TLS_client_method());
    if (c->m_ctx == nullptr) {
        *error = lastError("OpenSSL could not make a TLS context");
        return nullptr;
    }
    SSL_CTX *ctx = c->m_ctx;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    // Buffers are freed while a connection has nothing in flight: a held stream costs its socket, not 34 KiB more.
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    static const unsigned char kAlpn[] = { 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
    SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn);
    // Sessions are kept by the caller (takeNewSession()), not in the context's cache.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, newSession);
    addSystemCas(SSL_CTX_get_cert_store(ctx));
    for (const QSslCertificate &ca : extraCas) {
        if (!addCertificate(SSL_CTX_get_cert_store(ctx), ca)) {
            *error = QStringLiteral("a CA certificate of upstream.caBundle could not be read by OpenSSL");
            return nullptr;
        }
    }
    ERR_clear_error();
    return c;
}

ClientContext::~ClientContext()
{
    SSL_CTX_free(m_ctx);
}

Session::Session(QByteArray der)
{
    if (!der.isEmpty()) {
        m_data = std::make_shared<Data>();
        m_data->der = std::move(der);
    }
}

Session::Data::~Data()
{
    SSL_SESSION_free(parsed);
}

ClientSession::ClientSession(std::shared_ptr<ClientContext> context, const QString &host, const Session &resume)
    : m_context(std::move(context))
{
    m_ssl = SSL_new(m_context->m_ctx);
    if (m_ssl == nullptr) {
        m_state = State::Failed;
        m_error = lastError("OpenSSL could not start a TLS session");
        return;
    }
    SSL_set_ex_data(m_ssl, sessionIndex(), this);
    BIO *bio = BIO_new(bioMethod());
    BIO_set_data(bio, this);
    SSL_set_bio(m_ssl, bio, bio); // one reference, owned by the session
    SSL_set_connect_state(m_ssl);

    // The name the certificate must carry: an IP address as such (no SNI then, RFC 6066), a DNS name in its ASCII form.
    const QHostAddress address(host);
    bool named = false;
    if (!address.isNull()) {
        named = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(m_ssl), address.toString().toLatin1().constData()) == 1;
    } else {
        const QByteArray ace = QUrl::toAce(host);
        named = !ace.isEmpty() && SSL_set_tlsext_host_name(m_ssl, ace.constData()) == 1
            && SSL_set1_host(m_ssl, ace.constData()) == 1;
        SSL_set_hostflags(m_ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    }
    if (!named) {
        m_state = State::Failed;
        m_error = QStringLiteral("the upstream host name cannot be checked against a certificate");
        ERR_clear_error();
        return;
    }
    if (!resume.isEmpty()) {
        Session::Data &kept = *resume.m_data;
        if (kept.parsed == nullptr) { // parsed once, for every connection that resumes it
            const auto *p = reinterpret_cast<const unsigned char *>(kept.der.constData());
            kept.parsed = d2i_SSL_SESSION(nullptr, &p, long(kept.der.size()));
            ERR_clear_error(); // a session that does not parse: a full handshake
        }
        if (kept.parsed != nullptr) {
            SSL_set_session(m_ssl, kept.parsed); // a session it cannot take: a full handshake
        }
    }
}

ClientSession::~ClientSession()
{
    SSL_free(m_ssl);
}

void ClientSession::failed(int sslError)
{
    m_state = State::Failed;
    const long verify = SSL_get_verify_result(m_ssl);
    if (verify != X509_V_OK) {
        m_certificateRejected = true;
        m_error = QString::fromLatin1(X509_verify_cert_error_string(verify));
        ERR_clear_error();
    } else if (sslError == SSL_ERROR_SSL) {
        m_error = lastError("the TLS session failed");
    } else {
        m_error = QStringLiteral("the TLS session failed");
        ERR_clear_error();
    }
}

namespace {

// Runs one OpenSSL call with `out` as the session's output, the thread's error queue empty first (SSL_get_error reads
// it: an entry left by another caller on this thread would turn "wants more bytes" into a failure).
class Call
{
public:
    Call(QByteArray *&slot, QByteArray &out)
        : m_slot(slot)
    {
        m_slot = &out;
        if (ERR_peek_error() != 0) {
            ERR_clear_error();
        }
    }
    ~Call() { m_slot = nullptr; }
    Q_DISABLE_COPY_MOVE(Call)

private:
    QByteArray *&m_slot;
};

// From these versions on SSL_free_buffers() keeps a buffer that holds part of a record; before, it could free one
// still in use (CVE-2024-4741), and a handshake there keeps its buffers while it waits.
bool freeBuffersIsSafe()
{
    static const bool safe = [] {
        const unsigned long v = OpenSSL_version_num() >> 4; // 0xMNN00PP
        const unsigned long major = v >> 24;
        const unsigned long minor = v >> 16 & 0xff;
        const unsigned long patch = v & 0xff;
        if (major != 3) {
            return major > 3;
        }
        switch (minor) {
        case 0:
            return patch >= 14;
        case 1:
            return patch >= 6;
        case 2:
            return patch >= 2;
        case 3:
            return patch >= 1;
        default:
            return minor > 3;
        }
    }();
    return safe;
}

} // namespace

ClientSession::State ClientSession::handshake(QByteArrayView in, QByteArray &out)
{
    if (m_state != State::Handshaking) {
        return m_state;
    }
    m_in = in;
    Call call(m_out, out);
    const int r = SSL_do_handshake(m_ssl);
    if (r == 1) {
        m_state = State::Open; // bytes after the handshake's last message, if any, are read() next
        return m_state;
    }
    const int e = SSL_get_error(m_ssl, r);
    if (e == SSL_ERROR_WANT_READ) {
        // Waiting for the server's next flight (a round trip): the read buffer OpenSSL set up for it, 17 KiB,
        // goes until the bytes come (SSL_MODE_RELEASE_BUFFERS frees it only once a record was read). A burst of
        // a thousand handshakes held 17 MB so, and left the holes behind. Kept when a record is partly read.
        if (freeBuffersIsSafe()) {
            SSL_free_buffers(m_ssl);
        }
        return m_state;
    }
    failed(e);
    return m_state;
}

qsizetype ClientSession::read(char *to, qsizetype max, QByteArray &out)
{
    if (m_state != State::Open) {
        return 0;
    }
    // Asking OpenSSL with nothing new and nothing it holds costs a failing SSL_read (~2,000 instructions in OpenSSL 3).
    if (m_in.isEmpty() && SSL_has_pending(m_ssl) == 0) {
        return 0;
    }
    Call call(m_out, out);
    size_t got = 0;
    if (SSL_read_ex(m_ssl, to, size_t(max), &got) == 1) {
        return qsizetype(got);
    }
    const int e = SSL_get_error(m_ssl, 0);
    if (e == SSL_ERROR_WANT_READ) {
        return 0;
    }
    if (e == SSL_ERROR_ZERO_RETURN) {
        m_state = State::Closed;
        return 0;
    }
    failed(e);
    return 0;
}

void ClientSession::close(QByteArray &out)
{
    if (m_state != State::Open && m_state != State::Closed) {
        return;
    }
    Call call(m_out, out);
    SSL_shutdown(m_ssl); // one direction: the answer to the server's is not awaited
    ERR_clear_error();
    m_state = State::Closed;
}

bool ClientSession::write(QByteArrayView data, QByteArray &out)
{
    if (m_state != State::Open) {
        return false;
    }
    Call call(m_out, out);
    while (!data.isEmpty()) {
        size_t written = 0;
        if (SSL_write_ex(m_ssl, data.data(), size_t(data.size()), &written) != 1) {
            failed(SSL_get_error(m_ssl, 0));
            return false;
        }
        data = data.sliced(qsizetype(written));
    }
    return true;
}

} // namespace ga::tls
