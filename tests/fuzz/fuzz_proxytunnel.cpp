// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for core/proxy/proxytunnel: a tunnel proxy's answers, which come from whatever listens at the
// address in upstream.proxy, cut into pieces anywhere. Besides crashes and sanitizer reports it checks the state
// machine's promises: Failed is final and says why, Open takes no further byte, the password never appears in what
// it says, and a login is learnt only from a 407 that ends it (Failed) and only for a proxy with a login.
#include "proxy/proxytunnel.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using ga::proxy::ProxyTunnel;
using State = ProxyTunnel::State;

namespace {

void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "invariant failed: %s\n", what);
        std::abort();
    }
}

} // namespace

// Byte 0: the proxy (HTTP; SOCKS5; SOCKS5 with a login; HTTP with a login, not known how it takes it; HTTP known
// to take Basic) and the target (a name, IPv4, IPv6); byte 1: the size of each piece the rest is fed in (0: all at
// once).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    const QString password = QStringLiteral("pw-never-shown");
    QNetworkProxy proxy;
    ProxyTunnel::Login login = ProxyTunnel::Login::Unknown;
    switch (data[0] % 5) {
    case 0:
        proxy = QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), 3128);
        break;
    case 1:
        proxy = QNetworkProxy(QNetworkProxy::Socks5Proxy, QStringLiteral("127.0.0.1"), 1080);
        break;
    case 2:
        proxy = QNetworkProxy(
            QNetworkProxy::Socks5Proxy, QStringLiteral("127.0.0.1"), 1080, QStringLiteral("u"), password);
        break;
    default:
        proxy
            = QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), 3128, QStringLiteral("u"), password);
        login = data[0] % 5 == 4 ? ProxyTunnel::Login::Basic : ProxyTunnel::Login::Unknown;
        break;
    }
    static const QString targets[] = { QStringLiteral("generativelanguage.googleapis.com"), QStringLiteral("192.0.2.1"),
        QStringLiteral("2001:db8::1") };
    ProxyTunnel tunnel(proxy, targets[(data[0] / 5) % 3], 443, login);
    check(!tunnel.start().isEmpty(), "no first question");
    const size_t piece = data[1] == 0 ? size : data[1];
    State last = State::Opening;
    for (size_t at = 2; at < size; at += piece) {
        QByteArray out;
        const size_t n = std::min(piece, size - at);
        const State s = tunnel.feed(QByteArrayView(reinterpret_cast<const char *>(data + at), qsizetype(n)), out);
        check(s == tunnel.state(), "the state returned is not the state kept");
        check(last != State::Failed || s == State::Failed, "Failed was not final");
        check(last != State::Open || s == State::Failed, "a byte after Open was taken");
        check((s == State::Failed) == !tunnel.errorString().isEmpty(), "Failed without a reason, or a reason without");
        check(!tunnel.errorString().contains(password), "the password in an error");
        check(s == State::Opening || out.isEmpty() || s == State::Failed, "a question after the tunnel opened");
        check(tunnel.learnt() == ProxyTunnel::Login::Unknown
                || (s == State::Failed && proxy.type() == QNetworkProxy::HttpProxy && !proxy.user().isEmpty()),
            "a login learnt from what was not a 407 to a proxy with a login");
        check(tunnel.learnt() != ProxyTunnel::Login::Basic || login == ProxyTunnel::Login::Unknown,
            "Basic learnt again after it was sent");
        last = s;
    }
    return 0;
}
