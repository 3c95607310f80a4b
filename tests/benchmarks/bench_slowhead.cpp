// SPDX-License-Identifier: GPL-3.0-or-later
// What a request head costs the proxy's worker thread when it arrives a byte at a time (slowloris, or a client
// that writes each header separately) compared with the same head in one write. The worker thread's CPU time is
// read from /proc/self/task/TID/schedstat (nanoseconds), so the client's own cost is not counted.
//   cmake --build <dir> --target bench_slowhead && <dir>/tests/benchmarks/bench_slowhead [HEAD_KIB]
// Prints one line per case: bytes, writes, worker CPU ms, and the ratio to the one-write case.
#include "fakegemini.h"
#include "keys/keypool.h"
#include "proxy/proxyserver.h"
#include "proxy/proxysettings.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>

#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

// Summed CPU nanoseconds of this process's threads named proxy-worker-*.
qint64 workerCpuNs()
{
    qint64 total = 0;
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(tid + QStringLiteral("/comm")));
        if (!comm.open(QIODevice::ReadOnly) || !comm.readAll().startsWith("proxy-worker")) {
            continue;
        }
        QFile stat(tasks.filePath(tid + QStringLiteral("/schedstat")));
        if (stat.open(QIODevice::ReadOnly)) {
            total += stat.readAll().split(' ').value(0).toLongLong();
        }
    }
    return total;
}

QByteArray head(int kib)
{
    QByteArray h = "GET /v1beta/models HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (int i = 0; h.size() < kib * 1024 - 64; ++i) {
        h += "X-Pad-" + QByteArray::number(i) + ": " + QByteArray(500, 'p') + "\r\n"; // < 128 header lines
    }
    return h + "\r\n";
}

// Sends `raw` in writes of `chunk` bytes (Nagle off) and waits for the answer's status line. Plain blocking POSIX
// sockets on a thread of its own: the proxy and the fake upstream need the main thread's event loop running.
bool send(quint16 port, const QByteArray &raw, int chunk, int paceUs, double *cpuMs, double *wallMs)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        return false;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const qint64 before = workerCpuNs();
    QElapsedTimer wall;
    wall.start();
    for (qsizetype at = 0; at < raw.size(); at += chunk) {
        const qsizetype n = std::min<qsizetype>(chunk, raw.size() - at);
        if (::write(fd, raw.constData() + at, size_t(n)) != n) {
            ::close(fd);
            return false;
        }
        if (paceUs > 0) {
            ::usleep(useconds_t(paceUs)); // so that (nearly) every write is a read of its own at the proxy
        }
    }
    char buf[64] = {};
    const ssize_t got = ::read(fd, buf, sizeof buf - 1);
    *wallMs = wall.nsecsElapsed() / 1e6;
    *cpuMs = (workerCpuNs() - before) / 1e6;
    ::close(fd);
    return got > 9 && QByteArray(buf).startsWith("HTTP/1.1 ");
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int kib = argc > 1 ? std::clamp(atoi(argv[1]), 1, 63) : 60; // the head limit is 64 KiB
    ga::test::FakeGemini fake;
    fake.setAcceptAnyKey(true);
    if (!fake.listen()) {
        std::fprintf(stderr, "fake upstream did not start\n");
        return 1;
    }
    ga::keys::KeyPool pool;
    pool.setKeys({ { QStringLiteral("k1"), "AIzaSyBenchmarkBenchmarkBenchmarkBench1", QString(), 1, true } });
    ga::proxy::ProxyServer proxy(&pool, 1);
    proxy.authenticator()->setAllowAnonymousLoopback(true);
    QString error;
    ga::config::Config c;
    c.upstreamBaseUrl = fake.baseUrl();
    const ga::proxy::SettingsPtr settings = ga::proxy::settingsFromConfig(c, &error);
    if (!settings || !proxy.listen(QStringLiteral("127.0.0.1"), 0, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    proxy.applySettings(settings);
    const QByteArray raw = head(kib);
    int rc = 0;
    std::thread client([&] {
        std::printf("head of %lld bytes, proxy with one worker thread\n", qlonglong(raw.size()));
        double baseCpu = 0;
        const std::pair<int, int> cases[] = { { int(raw.size()), 0 }, { 1024, 0 }, { 64, 0 }, { 1, 0 }, { 1, 20 } };
        for (const auto &[chunk, pace] : cases) {
            double cpu = 0;
            double wall = 0;
            if (!send(proxy.port(), raw, chunk, pace, &cpu, &wall)) {
                std::fprintf(stderr, "no answer for writes of %d bytes\n", chunk);
                rc = 1;
                break;
            }
            if (chunk == raw.size()) {
                baseCpu = std::max(cpu, 0.001);
            }
            std::printf("writes of %6d bytes (%6lld writes%s): worker CPU %9.2f ms (%7.1fx one write), wall %9.2f ms\n",
                chunk, qlonglong((raw.size() + chunk - 1) / chunk), pace ? ", 20 us apart" : "", cpu, cpu / baseCpu,
                wall);
        }
        QMetaObject::invokeMethod(&app, &QCoreApplication::quit, Qt::QueuedConnection);
    });
    app.exec();
    client.join();
    return rc;
}
