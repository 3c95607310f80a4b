// SPDX-License-Identifier: GPL-3.0-or-later
// The opening of a tunnel through `upstream.proxy`, byte by byte (proxy/proxytunnel.h): what goes to an HTTP CONNECT
// or SOCKS5 proxy for names and addresses, answers arriving in pieces, and every way a proxy refuses or answers
// wrong ending in a sentence that names the proxy and never its password. Against real proxies: tst_upstreamtls.
#include "proxy/proxytunnel.h"

#include <QTest>

using ga::proxy::ProxyTunnel;
using State = ProxyTunnel::State;

namespace {

QNetworkProxy http()
{
    return QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("proxy.example"), 3128);
}

QNetworkProxy httpWithLogin()
{
    return QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("proxy.example"), 3128, QStringLiteral("alice"),
        QStringLiteral("pa:ss wörd"));
}

QNetworkProxy socks(const QString &user = {}, const QString &password = {})
{
    return QNetworkProxy(QNetworkProxy::Socks5Proxy, QStringLiteral("10.0.0.9"), 1080, user, password);
}

// Feeds `answer` to `t` one byte at a time; what it asks to send is appended to *sent.
State feedSlowly(ProxyTunnel &t, QByteArrayView answer, QByteArray *sent)
{
    State s = t.state();
    for (const char c : answer) {
        s = t.feed(QByteArrayView(&c, 1), *sent);
        if (s == State::Failed) {
            break;
        }
    }
    return s;
}

const QByteArray kSocksOpen("\x05\x00\x00\x01\x7f\x00\x00\x01\x01\xbb", 10);

} // namespace

class TstProxyTunnel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void whichProxies()
    {
        QVERIFY(ProxyTunnel::handles(http()));
        QVERIFY(ProxyTunnel::handles(socks()));
        QVERIFY(ProxyTunnel::handles(socks(QStringLiteral("u"), QStringLiteral("p"))));
        QVERIFY(ProxyTunnel::handles(httpWithLogin())); // its 407 tells the pool whether Qt's engine answers it

        QVERIFY(!ProxyTunnel::handles(QNetworkProxy(QNetworkProxy::NoProxy)));
        QVERIFY(!ProxyTunnel::handles(QNetworkProxy(QNetworkProxy::HttpCachingProxy, QStringLiteral("p"), 1)));
    }

    void connectRequest_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<QByteArray>("request");
        QTest::newRow("name") << QStringLiteral("generativelanguage.googleapis.com")
                              << QByteArray("CONNECT generativelanguage.googleapis.com:443 HTTP/1.1\r\n"
                                            "Host: generativelanguage.googleapis.com:443\r\n\r\n");
        QTest::newRow("IPv4") << QStringLiteral("127.0.0.1")
                              << QByteArray("CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n");
        QTest::newRow("IPv6 in brackets")
            << QStringLiteral("::1") << QByteArray("CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n");
        QTest::newRow("internationalised name as the DNS knows it")
            << QStringLiteral("bücher.example")
            << QByteArray("CONNECT xn--bcher-kva.example:443 HTTP/1.1\r\nHost: xn--bcher-kva.example:443\r\n\r\n");
    }

    void connectRequest()
    {
        QFETCH(QString, host);
        QFETCH(QByteArray, request);
        ProxyTunnel t(http(), host, 443);
        QCOMPARE(t.start(), request);
        QByteArray sent;
        QCOMPARE(feedSlowly(t, "HTTP/1.1 200 Connection established\r\nVia: 1.1 squid\r\n\r\n", &sent), State::Open);
        QVERIFY(sent.isEmpty());
    }

    void httpAnswers_data()
    {
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<int>("state");
        QTest::addColumn<QString>("says");
        QTest::newRow("200, HTTP/1.0") << QByteArray("HTTP/1.0 200 OK\r\n\r\n") << int(State::Open) << QString();
        QTest::newRow("200 without a reason") << QByteArray("HTTP/1.1 200\r\n\r\n") << int(State::Open) << QString();
        QTest::newRow("not yet whole") << QByteArray("HTTP/1.1 200 OK\r\n") << int(State::Opening) << QString();
        QTest::newRow("403") << QByteArray("HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!")
                             << int(State::Failed)
                             << QStringLiteral(
                                    "the proxy proxy.example:3128 refused the tunnel to up.example:443 (HTTP 403 "
                                    "Forbidden)");
        QTest::newRow("403 with a body longer than its status line's reason")
            << QByteArray("HTTP/1.1 403 Forbidden\r\nContent-Length: 40\r\n\r\n" + QByteArray(40, 'b'))
            << int(State::Failed) << QStringLiteral("(HTTP 403 Forbidden)");
        QTest::newRow("407") << QByteArray("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n") << int(State::Failed)
                             << QStringLiteral("asks for a user name and password (HTTP 407)");
        QTest::newRow("a reason with control characters")
            << QByteArray("HTTP/1.1 502 Bad\x1b[31m Gateway\r\n\r\n") << int(State::Failed)
            << QStringLiteral("(HTTP 502 Bad?[31m Gateway)");
        QTest::newRow("not HTTP") << QByteArray("SSH-2.0-OpenSSH_9.2\r\n\r\n") << int(State::Failed)
                                  << QStringLiteral("did not answer CONNECT as an HTTP proxy does");
        QTest::newRow("a four-digit status")
            << QByteArray("HTTP/1.1 2000 OK\r\n\r\n") << int(State::Failed) << QStringLiteral("did not answer CONNECT");
        QTest::newRow("a head without an end") << QByteArray("HTTP/1.1 200 OK\r\n" + QByteArray(17 * 1024, 'x'))
                                               << int(State::Failed) << QStringLiteral("did not answer CONNECT");
        QTest::newRow("bytes after 200") << QByteArray("HTTP/1.1 200 OK\r\n\r\n\x16\x03\x01") << int(State::Failed)
                                         << QStringLiteral("sent more than its answer");
    }

    void httpAnswers()
    {
        QFETCH(QByteArray, answer);
        QFETCH(int, state);
        QFETCH(QString, says);
        // Whole, and a byte at a time.
        for (const bool slowly : { false, true }) {
            ProxyTunnel t(http(), QStringLiteral("up.example"), 443);
            QVERIFY(!t.start().isEmpty());
            QByteArray sent;
            const State s = slowly ? feedSlowly(t, answer, &sent) : t.feed(answer, sent);
            QCOMPARE(int(s), state);
            QVERIFY2(t.errorString().contains(says), qPrintable(t.errorString()));
            QVERIFY(sent.isEmpty());
        }
    }

    // A proxy with a login: its 407 names how it takes one. Basic alone is sent with the next CONNECT (on a new
    // connection); anything else goes through Qt's engine; Basic refused once sent is final.
    void httpLogin_data()
    {
        QTest::addColumn<QByteArray>("fields");
        QTest::addColumn<bool>("basicSent");
        QTest::addColumn<int>("learnt");
        QTest::addColumn<QString>("says");
        const int basic = int(ProxyTunnel::Login::Basic);
        const int qt = int(ProxyTunnel::Login::ThroughQt);
        const int final = int(ProxyTunnel::Login::Unknown);
        QTest::newRow("Basic") << QByteArray("Proxy-Authenticate: Basic realm=\"squid\"\r\n") << false << basic
                               << QStringLiteral("the proxy proxy.example:3128 asks for a login (Basic)");
        QTest::newRow("basic, in lower case, no parameters")
            << QByteArray("proxy-authenticate: basic\r\n") << false << basic << QStringLiteral("(Basic)");
        QTest::newRow("Basic in two fields") << QByteArray(
            "Proxy-Authenticate: Basic realm=\"a\"\r\nVia: 1.1 p\r\nProxy-Authenticate: Basic realm=\"b\"\r\n")
                                             << false << basic << QStringLiteral("(Basic)");
        QTest::newRow("a scheme's name in a quoted realm")
            << QByteArray("Proxy-Authenticate: Basic realm=\"a, Digest b=c\", charset=\"UTF-8\"\r\n") << false << basic
            << QStringLiteral("(Basic)");
        QTest::newRow("an escaped quote in a realm")
            << QByteArray("Proxy-Authenticate: Basic realm=\"a\\\", NTLM\"\r\n") << false << basic
            << QStringLiteral("(Basic)");
        QTest::newRow("Digest and Basic in one field")
            << QByteArray("Proxy-Authenticate: Digest realm=\"x\", nonce=\"abc\", qop=\"auth\", Basic realm=\"x\"\r\n")
            << false << qt << QStringLiteral("asks for a login (Digest, Basic): the request goes again, through Qt");
        QTest::newRow("NTLM and Basic in two fields")
            << QByteArray("Proxy-Authenticate: NTLM\r\nProxy-Authenticate: Basic realm=\"x\"\r\n") << false << qt
            << QStringLiteral("(NTLM, Basic)");
        QTest::newRow("Negotiate with a token68")
            << QByteArray("Proxy-Authenticate: Negotiate YIIBhAYGKwYBBQUCoIIBeDCCAXSgMDAuBgkqhkiC9xIBAgIGCSqG==\r\n")
            << false << qt << QStringLiteral("(Negotiate)");
        QTest::newRow("no Proxy-Authenticate")
            << QByteArray("Via: 1.1 p\r\n") << false << final << QStringLiteral("without naming how to give it");
        QTest::newRow("parameters without a scheme") << QByteArray("Proxy-Authenticate: realm=\"x\"\r\n") << false
                                                     << final << QStringLiteral("without naming how to give it");
        QTest::newRow("Basic refused once sent")
            << QByteArray("Proxy-Authenticate: Basic realm=\"squid\"\r\n") << true << final
            << QStringLiteral("refused the user name and password (HTTP 407)");
        QTest::newRow("Digest asked for once Basic was sent")
            << QByteArray("Proxy-Authenticate: Digest realm=\"x\", nonce=\"n\"\r\n") << true << qt
            << QStringLiteral("(Digest)");
    }

    void httpLogin()
    {
        QFETCH(QByteArray, fields);
        QFETCH(bool, basicSent);
        QFETCH(int, learnt);
        QFETCH(QString, says);
        const QByteArray answer
            = "HTTP/1.1 407 Proxy Authentication Required\r\n" + fields + "Content-Length: 12\r\n\r\nlog in first";
        for (const bool slowly : { false, true }) {
            ProxyTunnel t(httpWithLogin(), QStringLiteral("up.example"), 443,
                basicSent ? ProxyTunnel::Login::Basic : ProxyTunnel::Login::Unknown);
            QCOMPARE(t.start().contains("Proxy-Authorization"), basicSent);
            QByteArray sent;
            const State s = slowly ? feedSlowly(t, answer, &sent) : t.feed(answer, sent);
            QCOMPARE(s, State::Failed);
            QCOMPARE(int(t.learnt()), learnt);
            QVERIFY2(t.errorString().contains(says), qPrintable(t.errorString()));
            QVERIFY(!t.errorString().contains(QStringLiteral("wörd")));
            QVERIFY(!t.errorString().contains(QStringLiteral("alice")));
            QVERIFY(sent.isEmpty());
        }
    }

    void basicLoginSent()
    {
        // Not before the proxy asked for it (as Qt's engine), then with every CONNECT: RFC 7617, in UTF-8.
        ProxyTunnel first(httpWithLogin(), QStringLiteral("up.example"), 443);
        QCOMPARE(first.start(), QByteArray("CONNECT up.example:443 HTTP/1.1\r\nHost: up.example:443\r\n\r\n"));
        QByteArray sent;
        QCOMPARE(first.feed("HTTP/1.1 200 OK\r\n\r\n", sent), State::Open); // a proxy that does not ask
        ProxyTunnel t(httpWithLogin(), QStringLiteral("up.example"), 443, ProxyTunnel::Login::Basic);
        QCOMPARE(t.start(),
            "CONNECT up.example:443 HTTP/1.1\r\nHost: up.example:443\r\nProxy-Authorization: Basic "
                + QByteArray("alice:pa:ss w\xc3\xb6rd").toBase64() + "\r\n\r\n");
        QCOMPARE(feedSlowly(t, "HTTP/1.1 200 Connection established\r\n\r\n", &sent), State::Open);
        QVERIFY(sent.isEmpty());
        QCOMPARE(t.learnt(), ProxyTunnel::Login::Unknown);
    }

    void bytesAfterTheTunnelOpened()
    {
        ProxyTunnel t(http(), QStringLiteral("up.example"), 443);
        t.start();
        QByteArray sent;
        QCOMPARE(t.feed("HTTP/1.1 200 OK\r\n\r\n", sent), State::Open);
        QCOMPARE(t.feed("x", sent), State::Failed);
        QVERIFY(t.errorString().contains(QStringLiteral("sent more than its answer")));
    }

    void socksConnect_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<QByteArray>("request");
        QTest::newRow("name (resolved by the proxy)")
            << QStringLiteral("up.example") << QByteArray("\x05\x01\x00\x03\x0aup.example\x01\xbb", 17);
        QTest::newRow("IPv4") << QStringLiteral("192.0.2.7")
                              << QByteArray("\x05\x01\x00\x01\xc0\x00\x02\x07\x01\xbb", 10);
        QTest::newRow("IPv6") << QStringLiteral("2001:db8::1")
                              << QByteArray("\x05\x01\x00\x04\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                                            "\x00\x01\x01\xbb",
                                     22);
    }

    void socksConnect()
    {
        QFETCH(QString, host);
        QFETCH(QByteArray, request);
        ProxyTunnel t(socks(), host, 443);
        QCOMPARE(t.start(), QByteArray("\x05\x01\x00", 3)); // no login offered
        QByteArray sent;
        QCOMPARE(feedSlowly(t, QByteArray("\x05\x00", 2), &sent), State::Opening);
        QCOMPARE(sent, request);
        sent.clear();
        QCOMPARE(feedSlowly(t, kSocksOpen, &sent), State::Open);
        QVERIFY(sent.isEmpty());
    }

    void socksLogin()
    {
        ProxyTunnel t(socks(QStringLiteral("alice"), QStringLiteral("s3cret")), QStringLiteral("up.example"), 443);
        QCOMPARE(t.start(), QByteArray("\x05\x02\x00\x02", 4)); // no login, or a login
        QByteArray sent;
        QCOMPARE(t.feed(QByteArray("\x05\x02", 2), sent), State::Opening);
        QCOMPARE(sent,
            QByteArray("\x01\x05"
                       "alice\x06"
                       "s3cret"));
        sent.clear();
        QCOMPARE(t.feed(QByteArray("\x01\x00", 2), sent), State::Opening);
        QCOMPARE(sent, QByteArray("\x05\x01\x00\x03\x0aup.example\x01\xbb", 17));
        sent.clear();
        // The proxy's bound address as a name this time.
        QCOMPARE(feedSlowly(t, QByteArray("\x05\x00\x00\x03\x04host\x12\x34", 11), &sent), State::Open);
    }

    void socksAnswers_data()
    {
        QTest::addColumn<QString>("user");
        QTest::addColumn<QList<QByteArray>>("answers"); // each after the question it answers
        QTest::addColumn<QString>("says");
        QTest::addColumn<bool>("inPieces"); // each answer also fed a byte at a time
        const QByteArray noLogin("\x05\x00", 2);
        QTest::newRow("refused (05)") << QString()
                                      << QList<QByteArray> { noLogin, QByteArray("\x05\x05\x00\x01\0\0\0\0\0\0", 10) }
                                      << QStringLiteral("the SOCKS5 proxy 10.0.0.9:1080 could not open the tunnel to "
                                                        "up.example:443: connection refused")
                                      << true;
        QTest::newRow("not allowed (02)")
            << QString() << QList<QByteArray> { noLogin, QByteArray("\x05\x02\x00\x01\0\0\0\0\0\0", 10) }
            << QStringLiteral("connection not allowed by its rules") << true;
        QTest::newRow("refused, no address")
            << QString() << QList<QByteArray> { noLogin, QByteArray("\x05\x04\x00\x00\0", 5) }
            << QStringLiteral("host unreachable") << true;
        QTest::newRow("an unknown reply")
            << QString() << QList<QByteArray> { noLogin, QByteArray("\x05\x2a\x00\x01\0\0\0\0\0\0", 10) }
            << QStringLiteral("reply 42") << true;
        QTest::newRow("wants a login we do not have") << QString() << QList<QByteArray> { QByteArray("\x05\xff", 2) }
                                                      << QStringLiteral("asks for a user name and password") << true;
        QTest::newRow("takes none of the methods offered")
            << QStringLiteral("alice") << QList<QByteArray> { QByteArray("\x05\xff", 2) }
            << QStringLiteral("accepts neither no login nor a user name and password") << true;
        QTest::newRow("login refused") << QStringLiteral("alice")
                                       << QList<QByteArray> { QByteArray("\x05\x02", 2), QByteArray("\x01\x01", 2) }
                                       << QStringLiteral("refused the user name and password") << true;
        QTest::newRow("a method not offered") << QString() << QList<QByteArray> { QByteArray("\x05\x02", 2) }
                                              << QStringLiteral("does not answer as a SOCKS5 proxy does") << true;
        QTest::newRow("not SOCKS5") << QString() << QList<QByteArray> { QByteArray("HTTP/1.1 400 Bad Request\r\n\r\n") }
                                    << QStringLiteral("does not answer as a SOCKS5 proxy does") << true;
        // Both answers at once: the second came before its question was sent.
        QTest::newRow("an answer before the question") << QString() << QList<QByteArray> { noLogin + kSocksOpen }
                                                       << QStringLiteral("sent more than its answer") << false;
        QTest::newRow("bytes after the tunnel opened")
            << QString() << QList<QByteArray> { noLogin, kSocksOpen + "\x16" }
            << QStringLiteral("sent more than its answer") << true;
    }

    void socksAnswers()
    {
        QFETCH(QString, user);
        QFETCH(QList<QByteArray>, answers);
        QFETCH(QString, says);
        QFETCH(bool, inPieces);
        for (const bool slowly : { false, true }) {
            if (slowly && !inPieces) {
                continue;
            }
            ProxyTunnel t(
                socks(user, user.isEmpty() ? QString() : QStringLiteral("s3cret")), QStringLiteral("up.example"), 443);
            QVERIFY(!t.start().isEmpty());
            State s = State::Opening;
            for (const QByteArray &answer : answers) {
                QByteArray sent;
                s = slowly ? feedSlowly(t, answer, &sent) : t.feed(answer, sent);
            }
            QCOMPARE(s, State::Failed);
            QVERIFY2(t.errorString().contains(says), qPrintable(t.errorString()));
            QVERIFY2(!t.errorString().contains(QStringLiteral("s3cret")), qPrintable(t.errorString()));
        }
    }

    void tooLongForSocks()
    {
        ProxyTunnel name(socks(), QString(256, u'a'), 443);
        QVERIFY(name.start().isEmpty());
        QCOMPARE(name.state(), State::Failed);
        QVERIFY(name.errorString().contains(QStringLiteral("longer than 255 bytes")));
        ProxyTunnel password(socks(QStringLiteral("u"), QString(256, u'p')), QStringLiteral("up.example"), 443);
        QVERIFY(password.start().isEmpty());
        QCOMPARE(password.state(), State::Failed);
        QVERIFY(!password.errorString().contains(QString(20, u'p')));
    }
};

QTEST_GUILESS_MAIN(TstProxyTunnel)
#include "tst_proxytunnel.moc"
