// SPDX-License-Identifier: GPL-3.0-or-later
// hiredis's own Qt adapter (hiredis/adapters/qt.h) connects by SIGNAL(activated(int)), which Qt 6's QSocketNotifier
// no longer has, and needs moc to run over a system header; the adapter here is the same few lines with lambdas.
#include "cluster/redisclient.h"

#include "logging/logging.h"

#include <QDateTime>
#include <QFile>
#include <QSocketNotifier>

#ifdef GA_HAVE_HIREDIS
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#endif

namespace ga::cluster {

#ifdef GA_HAVE_HIREDIS

bool redisAvailable()
{
    return true;
}

namespace {
RedisValue copyReply(const redisReply *r)
{
    RedisValue v;
    if (!r) {
        v.type = RedisValue::Type::Disconnected;
        return v;
    }
    switch (r->type) {
    case REDIS_REPLY_INTEGER:
        v.type = RedisValue::Type::Integer;
        v.integer = r->integer;
        break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        v.type = r->type == REDIS_REPLY_STRING ? RedisValue::Type::String
            : r->type == REDIS_REPLY_STATUS    ? RedisValue::Type::Status
                                               : RedisValue::Type::Error;
        v.str = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_ARRAY:
        v.type = RedisValue::Type::Array;
        v.elements.reserve(r->elements);
        for (size_t i = 0; i < r->elements; ++i) {
            v.elements.push_back(copyReply(r->element[i]));
        }
        break;
    default:
        v.type = RedisValue::Type::Nil;
    }
    return v;
}
} // namespace

struct RedisClient::Impl
{
    RedisClient *q;
    redisAsyncContext *ctx = nullptr;
    std::unique_ptr<QSocketNotifier> reader;
    std::unique_ptr<QSocketNotifier> writer;
    QByteArray password;
    QByteArray user;
    int db = 0;
    bool subscribed = false; // subscribe mode: no PINGs (hiredis 0.14 would route their answers as messages)

    // The event-loop adapter (hiredis calls these to start and stop watching its socket).
    void watch(std::unique_ptr<QSocketNotifier> &n, QSocketNotifier::Type type, void (*handle)(redisAsyncContext *))
    {
        if (!n) {
            n = std::make_unique<QSocketNotifier>(ctx->c.fd, type);
            QObject::connect(n.get(), &QSocketNotifier::activated, q, [this, handle] {
                if (ctx) {
                    handle(ctx);
                }
            });
        }
        n->setEnabled(true);
    }
    static void unwatch(std::unique_ptr<QSocketNotifier> &n)
    {
        if (n) {
            n->setEnabled(false);
        }
    }
    static void addRead(void *p)
    {
        auto *d = static_cast<Impl *>(p);
        d->watch(d->reader, QSocketNotifier::Read, &redisAsyncHandleRead);
    }
    static void delRead(void *p) { unwatch(static_cast<Impl *>(p)->reader); }
    static void addWrite(void *p)
    {
        auto *d = static_cast<Impl *>(p);
        d->watch(d->writer, QSocketNotifier::Write, &redisAsyncHandleWrite);
    }
    static void delWrite(void *p) { unwatch(static_cast<Impl *>(p)->writer); }
    static void cleanup(void *p)
    {
        auto *d = static_cast<Impl *>(p);
        // hiredis closes the socket after this: the notifiers stop watching it now and go later (this may run
        // inside their own signal).
        for (auto *n : { &d->reader, &d->writer }) {
            if (*n) {
                (*n)->setEnabled(false);
                n->release()->deleteLater();
            }
        }
    }

    static void onConnect(const redisAsyncContext *c, int status)
    {
        auto *d = static_cast<Impl *>(c->data);
        if (!d) {
            return;
        }
        if (status != REDIS_OK) {
            const QString why = QString::fromLocal8Bit(c->errstr);
            d->ctx = nullptr; // hiredis frees it after this callback
            d->q->fail(why);
            return;
        }
        d->handshake();
    }
    static void onDisconnect(const redisAsyncContext *c, int status)
    {
        auto *d = static_cast<Impl *>(c->data);
        if (!d) {
            return;
        }
        const QString why = status == REDIS_OK ? QStringLiteral("closed") : QString::fromLocal8Bit(c->errstr);
        d->ctx = nullptr;
        d->q->fail(why.isEmpty() ? QStringLiteral("connection lost") : why);
    }
    static void onReply(redisAsyncContext *, void *reply, void *priv)
    {
        std::unique_ptr<Callback> cb(static_cast<Callback *>(priv));
        if (*cb) {
            (*cb)(copyReply(static_cast<redisReply *>(reply)));
        }
    }
    static void onMessage(redisAsyncContext *c, void *reply, void *)
    {
        auto *d = static_cast<Impl *>(c->data);
        const auto *r = static_cast<redisReply *>(reply);
        if (!d || !r || r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
            return;
        }
        const QByteArray kind(r->element[0]->str, qsizetype(r->element[0]->len));
        if (kind == "message") {
            Q_EMIT d->q->message(QByteArray(r->element[1]->str, qsizetype(r->element[1]->len)),
                QByteArray(r->element[2]->str, qsizetype(r->element[2]->len)));
        } else if (kind == "subscribe") {
            Q_EMIT d->q->subscribed(QByteArray(r->element[1]->str, qsizetype(r->element[1]->len)));
        }
    }

    void send(const QByteArrayList &args, Callback done)
    {
        std::vector<const char *> argv;
        std::vector<size_t> lens;
        for (const QByteArray &a : args) {
            argv.push_back(a.constData());
            lens.push_back(size_t(a.size()));
        }
        auto *cb = new Callback(std::move(done));
        if (!ctx
            || redisAsyncCommandArgv(ctx, &Impl::onReply, cb, int(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
            std::unique_ptr<Callback> owned(cb);
            if (*owned) {
                (*owned)(RedisValue { RedisValue::Type::Disconnected, 0, {}, {} });
            }
        }
    }

    // AUTH (when there is a password), SELECT, then open (or, for a subscriber, SUBSCRIBE first).
    void handshake()
    {
        auto afterSelect = [this](const RedisValue &v) {
            if (v.isError()) {
                q->fail(QStringLiteral("SELECT %1 failed: %2").arg(db).arg(QString::fromUtf8(v.str)));
                return;
            }
            q->m_open = true;
            q->m_connectTimer.stop();
            Q_EMIT q->opened();
        };
        auto select = [this, afterSelect] { send({ "SELECT", QByteArray::number(db) }, afterSelect); };
        if (password.isEmpty()) {
            select();
            return;
        }
        QByteArrayList auth { "AUTH" };
        if (!user.isEmpty()) {
            auth << user;
        }
        auth << password;
        send(auth, [this, select](const RedisValue &v) {
            if (v.isError()) {
                // Redis's own words ("WRONGPASS invalid username-password pair"): they hold no secret.
                q->fail(QStringLiteral("authentication failed: %1").arg(QString::fromUtf8(v.str.left(200))));
                return;
            }
            select();
        });
    }
};

RedisClient::RedisClient(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Impl>())
{
    d->q = this;
    m_connectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this,
        [this] { fail(QStringLiteral("no answer within %1 ms").arg(kConnectTimeoutMs)); });
    m_pingTimer.setInterval(1000);
    connect(&m_pingTimer, &QTimer::timeout, this, [this] {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (m_pingSentMs >= 0) {
            if (now - m_pingSentMs > kStallMs) {
                fail(QStringLiteral("Redis did not answer for %1 ms").arg(now - m_pingSentMs));
            }
            return;
        }
        if (!m_open || d->subscribed) {
            return;
        }
        m_pingSentMs = now;
        command({ "PING" }, [this](const RedisValue &) { m_pingSentMs = -1; });
    });
}

RedisClient::~RedisClient()
{
    close();
}

void RedisClient::open(const config::RedisAddress &address, const QByteArray &password)
{
    close();
    d->password = password;
    d->user = address.user.toUtf8();
    d->db = address.db;
    d->ctx = address.isUnix() ? redisAsyncConnectUnix(QFile::encodeName(address.socketPath).constData())
                              : redisAsyncConnect(address.host.toUtf8().constData(), address.port);
    if (!d->ctx || d->ctx->err) {
        const QString why = d->ctx ? QString::fromLocal8Bit(d->ctx->errstr) : QStringLiteral("out of memory");
        if (d->ctx) {
            redisAsyncFree(d->ctx);
            d->ctx = nullptr;
        }
        QMetaObject::invokeMethod(
            this, [this, why] { fail(why); }, Qt::QueuedConnection);
        return;
    }
    d->ctx->data = d.get();
    d->ctx->ev.data = d.get();
    d->ctx->ev.addRead = &Impl::addRead;
    d->ctx->ev.delRead = &Impl::delRead;
    d->ctx->ev.addWrite = &Impl::addWrite;
    d->ctx->ev.delWrite = &Impl::delWrite;
    d->ctx->ev.cleanup = &Impl::cleanup;
    redisAsyncSetConnectCallback(d->ctx, &Impl::onConnect);
    redisAsyncSetDisconnectCallback(d->ctx, &Impl::onDisconnect);
    m_connectTimer.start(kConnectTimeoutMs);
    m_pingSentMs = -1;
    m_pingTimer.start();
    // hiredis connects without blocking; a socket ready to write means connected (or failed).
    Impl::addWrite(d.get());
}

void RedisClient::close()
{
    m_connectTimer.stop();
    m_pingTimer.stop();
    m_open = false;
    d->subscribed = false;
    if (redisAsyncContext *c = std::exchange(d->ctx, nullptr)) {
        c->data = nullptr; // no callbacks into a closing client
        redisAsyncFree(c); // pending callbacks get a null reply (Disconnected)
    }
}

void RedisClient::fail(const QString &reason)
{
    const bool wasOpenOrOpening = d->ctx || m_open || m_connectTimer.isActive();
    close();
    if (wasOpenOrOpening) {
        Q_EMIT closed(reason);
    }
}

void RedisClient::command(const QByteArrayList &args, Callback done)
{
    if (!d->ctx) {
        if (done) {
            done(RedisValue { RedisValue::Type::Disconnected, 0, {}, {} });
        }
        return;
    }
    d->send(args, std::move(done));
}

void RedisClient::subscribe(const QByteArray &channel)
{
    if (!d->ctx) {
        return;
    }
    d->subscribed = true;
    const char *argv[] = { "SUBSCRIBE", channel.constData() };
    const size_t lens[] = { 9, size_t(channel.size()) };
    redisAsyncCommandArgv(d->ctx, &Impl::onMessage, nullptr, 2, argv, lens);
}

#else // built without hiredis: cluster mode is refused with a reason

bool redisAvailable()
{
    return false;
}

struct RedisClient::Impl
{ };

RedisClient::RedisClient(QObject *parent)
    : QObject(parent)
{ }

RedisClient::~RedisClient() = default;

void RedisClient::open(const config::RedisAddress &, const QByteArray &)
{
    QMetaObject::invokeMethod(
        this, [this] { Q_EMIT closed(QStringLiteral("this build has no Redis client (hiredis)")); },
        Qt::QueuedConnection);
}

void RedisClient::close() { }

void RedisClient::fail(const QString &reason)
{
    Q_EMIT closed(reason);
}

void RedisClient::command(const QByteArrayList &, Callback done)
{
    if (done) {
        done(RedisValue { RedisValue::Type::Disconnected, 0, {}, {} });
    }
}

void RedisClient::subscribe(const QByteArray &) { }

#endif

} // namespace ga::cluster
