// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/proxyserver.h"

#include "logging/logging.h"
#include "logging/usertext.h"
#include "proxy/epolldispatcher.h"
#include "proxy/proxyworker.h"

#include <QMutexLocker>
#include <QNetworkProxy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#ifdef Q_OS_UNIX
#include <sys/resource.h>
#endif

namespace ga::proxy {

namespace {

// Desktop sessions start programs with a soft limit of 1,024 open files, which listen.maxConnections alone
// (1,024 client sockets, plus their upstream sockets) would exhaust. Servers raise it to the hard limit, as
// nginx's worker_rlimit_nofile and Go's runtime do; the hard limit stays the administrator's choice.
void raiseOpenFileLimit()
{
#ifdef Q_OS_UNIX
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
        return;
    }
    constexpr rlim_t kWanted = 65536;
    const rlim_t target = limit.rlim_max == RLIM_INFINITY ? kWanted : std::min(limit.rlim_max, kWanted);
    if (limit.rlim_cur < target) {
        const rlim_t before = limit.rlim_cur;
        limit.rlim_cur = target;
        if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
            qCDebug(lcProxy) << "open file limit raised from" << quint64(before) << "to" << quint64(target);
        }
    }
#endif
}

constexpr int kAcceptRetryMs = 100;

} // namespace

class ProxyServer::Listener final : public QTcpServer
{
public:
    Listener(ProxyServer *server, bool tls)
        : m_server(server)
        , m_tls(tls)
    {
        setProxy(QNetworkProxy::NoProxy); // the listener never goes through a proxy
        // Qt pauses accepting for good after a failed accept (EMFILE, ENOBUFS, ECONNABORTED): the proxy would
        // stop taking connections while still listening. Count it, log it (rate-limited), and accept again shortly.
        connect(this, &QTcpServer::acceptError, this, [this](QAbstractSocket::SocketError) {
            ProxyCounters &counters = m_server->m_counters;
            const quint64 n = counters.acceptErrors.fetch_add(1, std::memory_order_relaxed) + 1;
            if ((n & (n - 1)) == 0) { // the 1st, 2nd, 4th, 8th… time
                qCWarning(lcProxy).noquote() << "accepting a connection failed:" << errorString() << "(" << n
                                             << "time(s) so far); accepting again in" << kAcceptRetryMs << "ms";
            }
            QTimer::singleShot(kAcceptRetryMs, this, [this] { resumeAccepting(); });
        });
    }

protected:
    void incomingConnection(qintptr descriptor) override { m_server->dispatch(descriptor, m_tls); }

private:
    ProxyServer *m_server;
    bool m_tls;
};

ProxyServer::ProxyServer(
    keys::KeyPool *keys, int workers, routing::Router *router, affinity::ResourceMap *resources, QObject *parent)
    : QObject(parent)
    , m_keys(keys)
    , m_ownRouter(router ? nullptr : std::make_unique<routing::Router>())
    , m_router(router ? router : m_ownRouter.get())
    , m_ownResources(resources ? nullptr : std::make_unique<affinity::ResourceMap>())
    , m_resources(resources ? resources : m_ownResources.get())
{
    raiseOpenFileLimit();
    const int count = workers > 0 ? workers : defaultWorkerCount();
    // Workers run our epoll dispatcher on Linux (epolldispatcher.h), elsewhere Qt's own, never GLib's: each turn of a
    // GLib loop costs more, for nothing a worker uses (profile.sh, bench-proxy.sh). The thread that made the server
    // keeps its dispatcher (the desktop app's and the Secret Service client's answers come through GLib there). Qt
    // picks a thread's dispatcher from QT_NO_GLIB as the thread starts, so where there is no epoll the variable is
    // set until every worker has its dispatcher, unless the user set it already.
    bool pickDispatcher = false;
    for (int i = 0; i < count; ++i) {
        auto *thread = new QThread;
        thread->setObjectName(QStringLiteral("proxy-worker-%1").arg(i));
        auto *worker = new ProxyWorker(m_keys, m_router, m_resources, &m_counters, &m_workerCounters.emplace_back(),
            &m_auth, &m_limiter, &m_recorder, &m_admin, &m_challenges);
        worker->moveToThread(thread);
        connect(thread, &QThread::finished, worker, &QObject::deleteLater);
        if (auto dispatcher = makeWorkerDispatcher()) {
            thread->setEventDispatcher(dispatcher.release()); // the thread owns it
        } else if (!pickDispatcher && qEnvironmentVariableIsEmpty("QT_NO_GLIB")) {
            pickDispatcher = true;
            qputenv("QT_NO_GLIB", "1");
        }
        thread->start();
        m_threads.push_back(thread);
        m_workers.push_back(worker);
    }
    if (pickDispatcher) {
        for (QThread *thread : m_threads) {
            while (!thread->eventDispatcher() && thread->isRunning()) {
                QThread::yieldCurrentThread(); // a moment: the dispatcher is the first thing a thread makes
            }
        }
        qunsetenv("QT_NO_GLIB");
    }
}

int ProxyServer::requestsInFlight() const
{
    int sum = 0;
    for (const WorkerCounters &c : m_workerCounters) {
        sum += c.requestsInFlight.load(std::memory_order_relaxed);
    }
    return sum;
}

quint64 ProxyServer::clientReads() const
{
    quint64 sum = 0;
    for (const WorkerCounters &c : m_workerCounters) {
        sum += c.clientReads.load(std::memory_order_relaxed);
    }
    return sum;
}

int ProxyServer::defaultWorkerCount()
{
    return std::max(1, QThread::idealThreadCount() / 2);
}

ProxyServer::~ProxyServer()
{
    close();
    for (ProxyWorker *w : m_workers) {
        w->shutdown();
    }
    for (QThread *t : m_threads) {
        t->quit();
        t->wait();
        delete t;
    }
}

namespace {

QHostAddress addressOf(const QString &host)
{
    return host == u"localhost" ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(host);
}

// What this file says to people (logging/usertext.h): English here, translated where it is shown.
const logging::UserText kPortInUse("ga::proxy",
    QT_TRANSLATE_NOOP("ga::proxy",
        "port %1 on %2 is already in use (another gemini-aggregatord, or the VS Code extension?); stop that program "
        "or choose another port with: gemini-aggregatord config set listen.port PORT"));
const logging::UserText kCannotListen("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "cannot listen on %1:%2: %3"));

QString bindFailure(const QTcpServer &server, const QString &host, quint16 port)
{
    if (server.serverError() == QAbstractSocket::AddressInUseError) {
        return kPortInUse.text().arg(port).arg(host);
    }
    return kCannotListen.text().arg(host).arg(port).arg(server.errorString());
}

} // namespace

bool ProxyServer::canListen(const QString &host, quint16 port, QString *error)
{
    QTcpServer probe;
    probe.setProxy(QNetworkProxy::NoProxy);
    if (!probe.listen(addressOf(host), port)) {
        *error = bindFailure(probe, host, port);
        return false;
    }
    return true;
}

bool ProxyServer::bindListeners(Listeners &slot, bool tls, const QString &host, quint16 port, QString *error)
{
    const QHostAddress address = addressOf(host);
    bool ok = false;
    // The listeners live on the first worker's thread, so accepting never waits for the owner's (possibly GUI)
    // thread.
    QMetaObject::invokeMethod(
        m_workers.front(),
        [&] {
            if (slot.v4 && slot.v4->isListening() && slot.v4->serverAddress() == address && port != 0
                && slot.v4->serverPort() == port) {
                ok = true;
                return;
            }
            auto open = [this, tls](const QHostAddress &a, quint16 p) {
                auto fresh = std::make_unique<Listener>(this, tls);
                fresh->setMaxPendingConnections(kListenBacklog);
                // The kernel's queue too (Qt's default is 50): a burst of connects beyond it is dropped by the
                // kernel and retried by clients a second later (ListenOverflows). The kernel caps it at
                // net.core.somaxconn.
                fresh->setListenBacklogSize(kListenBacklog);
                fresh->listen(a, p);
                return fresh;
            };
            auto fresh = open(address, port);
            if (!fresh->isListening() && fresh->serverError() == QAbstractSocket::AddressInUseError && slot.v4
                && slot.v4->serverPort() == port) {
                // Same port, another host (127.0.0.1 → 0.0.0.0, say): our own listener is in the way. Close it
                // and try again; put it back when the new address still cannot be bound.
                const QHostAddress oldAddress = slot.v4->serverAddress();
                slot.v4.reset();
                slot.v6.reset();
                fresh = open(address, port);
                if (!fresh->isListening()) {
                    slot.v4 = open(oldAddress, port);
                }
            }
            if (!fresh->isListening()) {
                *error = bindFailure(*fresh, host, port);
                return;
            }
            // The old listeners close here; the connections they accepted live on in the workers.
            std::unique_ptr<Listener> fresh6;
            if (address == QHostAddress(QHostAddress::LocalHost)) {
                fresh6 = open(QHostAddress(QHostAddress::LocalHostIPv6), fresh->serverPort());
                if (!fresh6->isListening()) {
                    qCDebug(lcProxy).noquote()
                        << "not listening on [::1]:" << fresh->serverPort() << "-" << fresh6->errorString();
                    fresh6.reset();
                }
            }
            slot.v6 = std::move(fresh6);
            slot.v4 = std::move(fresh);
            ok = true;
        },
        Qt::BlockingQueuedConnection);
    return ok;
}

bool ProxyServer::listen(const QString &host, quint16 port, QString *error)
{
    const bool ok = bindListeners(m_plain, false, host, port, error);
    QMutexLocker lock(&m_addressMutex);
    const bool listening = m_plain.v4 && m_plain.v4->isListening();
    m_address = listening ? m_plain.v4->serverAddress() : QHostAddress();
    m_port = listening ? m_plain.v4->serverPort() : 0;
    return ok;
}

void ProxyServer::close()
{
    if (m_workers.empty()) {
        return;
    }
    QMetaObject::invokeMethod(
        m_workers.front(),
        [this] {
            m_plain = Listeners();
            m_secure = Listeners();
        },
        Qt::BlockingQueuedConnection);
    QMutexLocker lock(&m_addressMutex);
    m_address = QHostAddress();
    m_port = 0;
    m_tlsPort = 0;
}

bool ProxyServer::isListening() const
{
    QMutexLocker lock(&m_addressMutex);
    return m_port != 0;
}

QHostAddress ProxyServer::address() const
{
    QMutexLocker lock(&m_addressMutex);
    return m_address;
}

quint16 ProxyServer::port() const
{
    QMutexLocker lock(&m_addressMutex);
    return m_port;
}

void ProxyServer::applySettings(SettingsPtr settings)
{
    m_settings = settings;
    for (ProxyWorker *w : m_workers) {
        w->applySettings(settings);
    }
}

void ProxyServer::dispatch(qintptr descriptor, bool tls)
{
    ProxyWorker *w = m_workers[m_next++ % m_workers.size()];
    std::shared_ptr<const QSslConfiguration> configuration;
    if (tls) {
        configuration = tlsConfiguration();
        if (!configuration) { // no certificate (yet): nothing to answer with
            QTcpSocket refused;
            refused.setSocketDescriptor(descriptor);
            refused.abort();
            return;
        }
    }
    w->adoptSocket(descriptor, std::move(configuration));
}

bool ProxyServer::listenTls(const QString &host, quint16 port, QString *error)
{
    const bool ok = bindListeners(m_secure, true, host, port, error);
    QMutexLocker lock(&m_addressMutex);
    m_tlsPort = ok && m_secure.v4 ? m_secure.v4->serverPort() : 0;
    return ok;
}

void ProxyServer::closeTls()
{
    if (m_workers.empty()) {
        return;
    }
    QMetaObject::invokeMethod(
        m_workers.front(), [this] { m_secure = Listeners(); }, Qt::BlockingQueuedConnection);
    QMutexLocker lock(&m_addressMutex);
    m_tlsPort = 0;
}

quint16 ProxyServer::tlsPort() const
{
    QMutexLocker lock(&m_addressMutex);
    return m_tlsPort;
}

void ProxyServer::setTlsConfiguration(std::shared_ptr<const QSslConfiguration> configuration)
{
    m_counters.tlsNotAfterSecs.store(
        configuration ? configuration->localCertificate().expiryDate().toSecsSinceEpoch() : 0,
        std::memory_order_relaxed);
    QMutexLocker lock(&m_addressMutex);
    m_tls = std::move(configuration);
}

std::shared_ptr<const QSslConfiguration> ProxyServer::tlsConfiguration() const
{
    QMutexLocker lock(&m_addressMutex);
    return m_tls;
}

} // namespace ga::proxy
