// SPDX-License-Identifier: GPL-3.0-or-later
#include "proxy/proxytunnel.h"

#include "http/requestparser.h"
#include "logging/usertext.h"

#include <QHostAddress>
#include <QUrl>

#include <algorithm>
#include <initializer_list>
#include <iterator>

namespace ga::proxy {
namespace {

// What this file says to people (logging/usertext.h): English here, translated where it is shown. %1 is the proxy
// (host:port, never its credentials), %2 where the tunnel goes.
const logging::UserText kRefusedTheTunnel(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "the proxy %1 refused the tunnel to %2 (HTTP %3)"));
const logging::UserText kAsksForCredentials("ga::proxy",
    QT_TRANSLATE_NOOP("ga::proxy",
        "the proxy %1 asks for a user name and password (HTTP 407): give the user in upstream.proxy "
        "(http://user@host:port) and store the password with gemini-aggregatord proxy password"));
const logging::UserText kLoginBasicNext("ga::proxy",
    QT_TRANSLATE_NOOP("ga::proxy",
        "the proxy %1 asks for a login (Basic): the request goes again, on a new connection that sends the user name "
        "and password"));
const logging::UserText kLoginThroughQt("ga::proxy",
    QT_TRANSLATE_NOOP("ga::proxy",
        "the proxy %1 asks for a login (%2): the request goes again, through Qt's proxy engine, which answers it"));
const logging::UserText kLoginRefused(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "the proxy %1 refused the user name and password (HTTP 407)"));
const logging::UserText kLoginUnnamed("ga::proxy",
    QT_TRANSLATE_NOOP(
        "ga::proxy", "the proxy %1 asks for a login (HTTP 407) without naming how to give it (no Proxy-Authenticate)"));
const logging::UserText kProxyUnreachable(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "the proxy %1 could not be reached: %2"));
const logging::UserText kNotAnHttpProxy(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "the proxy %1 did not answer CONNECT as an HTTP proxy does"));
const logging::UserText kNotASocks5Proxy(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "the proxy %1 does not answer as a SOCKS5 proxy does"));
const logging::UserText kMoreThanItsAnswer("ga::proxy",
    QT_TRANSLATE_NOOP("ga::proxy", "the proxy %1 sent more than its answer before the upstream's TLS began"));
const logging::UserText kSocksNeedsLogin("ga::proxy",
    QT_TRANSLATE_NOOP("ga::proxy",
        "the SOCKS5 proxy %1 asks for a user name and password: give the user in upstream.proxy "
        "(socks5://user@host:port) and store the password with gemini-aggregatord proxy password"));
const logging::UserText kSocksNoMethod("ga::proxy",
    QT_TRANSLATE_NOOP("ga::proxy", "the SOCKS5 proxy %1 accepts neither no login nor a user name and password"));
const logging::UserText kSocksLoginRefused(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "the SOCKS5 proxy %1 refused the user name and password"));
const logging::UserText kSocksRefused(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "the SOCKS5 proxy %1 could not open the tunnel to %2: %3"));
const logging::UserText kSocksTooLong("ga::proxy",
    QT_TRANSLATE_NOOP(
        "ga::proxy", "the SOCKS5 proxy %1 cannot be sent a host name, user name or password longer than 255 bytes"));
// RFC 1928 §6, the replies 01–08.
const logging::UserText kSocksGeneralFailure(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "general SOCKS server failure"));
const logging::UserText kSocksNotAllowed(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "connection not allowed by its rules"));
const logging::UserText kSocksNetworkUnreachable("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "network unreachable"));
const logging::UserText kSocksHostUnreachable("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "host unreachable"));
const logging::UserText kSocksConnectionRefused("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "connection refused"));
const logging::UserText kSocksTtlExpired("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "TTL expired"));
const logging::UserText kSocksCommandNotSupported("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "command not supported"));
const logging::UserText kSocksAddressNotSupported(
    "ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "address type not supported"));
const logging::UserText kSocksReply("ga::proxy", QT_TRANSLATE_NOOP("ga::proxy", "reply %1"));

// An HTTP proxy's answer to CONNECT is a status line and headers; a longer one is not an answer.
constexpr qsizetype kMaxHttpAnswer = 16 * 1024;

constexpr char kSocksVersion = 0x05;
constexpr char kNoLogin = 0x00;
constexpr char kUserPassword = 0x02;
constexpr char kNoAcceptableMethod = char(0xff);

QByteArray bytes(std::initializer_list<char> list)
{
    return QByteArray(list.begin(), qsizetype(list.size()));
}

// Text from the proxy shown in a sentence: printable ASCII, 80 characters at most.
QString shownText(QByteArrayView text)
{
    QString out;
    for (const char c : text.first(std::min<qsizetype>(text.size(), 80))) {
        out += c >= 0x20 && c < 0x7f ? QChar(c) : QChar(u'?');
    }
    return out;
}

bool isTokenChar(char c)
{
    // RFC 9110 §5.6.2's tchar
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

// The schemes of the challenges in a Proxy-Authenticate value (RFC 9110 §11.6.1), appended to `schemes`: in
// `Basic realm="a, b", Digest realm="c", nonce="d"` an element between commas (outside quoted strings) that begins
// with a token not followed by '=' begins a challenge; the others are its parameters.
void appendSchemes(QByteArrayView value, QList<QByteArray> &schemes)
{
    const qsizetype n = value.size();
    qsizetype i = 0;
    while (i < n) {
        while (i < n && (value[i] == ' ' || value[i] == '\t' || value[i] == ',')) {
            ++i;
        }
        const qsizetype start = i;
        while (i < n && isTokenChar(value[i])) {
            ++i;
        }
        qsizetype after = i;
        while (after < n && (value[after] == ' ' || value[after] == '\t')) {
            ++after;
        }
        if (i > start && (after == n || value[after] != '=')) {
            schemes.append(value.sliced(start, i - start).toByteArray());
        }
        // The rest of the element: a parameter's value or a token68, quoted strings (with their escapes) whole.
        bool quoted = false;
        for (; i < n && (quoted || value[i] != ','); ++i) {
            if (value[i] == '"') {
                quoted = !quoted;
            } else if (quoted && value[i] == '\\') {
                ++i;
            }
        }
    }
}

// "host:port", with an IPv6 address in brackets.
QString hostPort(const QString &host, quint16 port)
{
    const bool v6 = QHostAddress(host).protocol() == QAbstractSocket::IPv6Protocol;
    return (v6 ? u'[' + host + u']' : host) + u':' + QString::number(port);
}

} // namespace

QString ProxyTunnel::loginRefused(const QString &host, quint16 port)
{
    return kLoginRefused.text().arg(hostPort(host, port));
}

QString ProxyTunnel::unreachable(const QString &host, quint16 port, const QString &why)
{
    return kProxyUnreachable.text().arg(hostPort(host, port), why);
}

QString ProxyTunnel::credentialsWanted(const QString &host, quint16 port)
{
    return kAsksForCredentials.text().arg(hostPort(host, port));
}

bool ProxyTunnel::handles(const QNetworkProxy &proxy)
{
    return proxy.type() == QNetworkProxy::Socks5Proxy || proxy.type() == QNetworkProxy::HttpProxy;
}

ProxyTunnel::ProxyTunnel(const QNetworkProxy &proxy, const QString &host, quint16 port, Login login)
    : m_proxy(proxy)
    , m_host(QString::fromLatin1(QUrl::toAce(host))) // an internationalised name as the DNS knows it
    , m_port(port)
    , m_login(login)
{
    if (m_host.isEmpty()) {
        m_host = host; // an address
    }
}

bool ProxyTunnel::offersLogin() const
{
    return !m_proxy.user().isEmpty() || !m_proxy.password().isEmpty();
}

QString ProxyTunnel::proxyName() const
{
    return hostPort(m_proxy.hostName(), m_proxy.port());
}

QString ProxyTunnel::target() const
{
    return hostPort(m_host, m_port);
}

ProxyTunnel::State ProxyTunnel::fail(const QString &reason)
{
    m_state = State::Failed;
    m_error = reason;
    return m_state;
}

QByteArray ProxyTunnel::start()
{
    if (m_proxy.type() == QNetworkProxy::HttpProxy) {
        m_step = Step::HttpAnswer;
        const QByteArray where = target().toLatin1();
        QByteArray question = "CONNECT " + where + " HTTP/1.1\r\nHost: " + where + "\r\n";
        if (m_login == Login::Basic) {
            // RFC 7617, in UTF-8 (its §2.1; what curl sends). Only once the proxy asked for Basic and nothing else.
            question += "Proxy-Authorization: Basic " + (m_proxy.user() + u':' + m_proxy.password()).toUtf8().toBase64()
                + "\r\n";
        }
        return question + "\r\n";
    }
    if (m_host.toUtf8().size() > 255 || m_proxy.user().toUtf8().size() > 255
        || m_proxy.password().toUtf8().size() > 255) {
        fail(kSocksTooLong.text().arg(proxyName()));
        return {};
    }
    m_step = Step::SocksMethod;
    // The methods offered: no login, and a user name and password when the proxy setting has them.
    return offersLogin() ? bytes({ kSocksVersion, 2, kNoLogin, kUserPassword }) : bytes({ kSocksVersion, 1, kNoLogin });
}

ProxyTunnel::State ProxyTunnel::feed(QByteArrayView in, QByteArray &out)
{
    if (m_state != State::Opening) {
        return in.isEmpty() || m_state == State::Failed ? m_state : fail(kMoreThanItsAnswer.text().arg(proxyName()));
    }
    m_in.append(in);
    const Step step = m_step;
    State s = State::Opening;
    switch (step) {
    case Step::HttpAnswer:
        s = httpAnswer(out);
        break;
    case Step::SocksMethod:
        s = socksMethod(out);
        break;
    case Step::SocksLogin:
        s = socksLogin(out);
        break;
    case Step::SocksAnswer:
        s = socksAnswer(out);
        break;
    }
    if (s == State::Failed) {
        m_in = QByteArray();
        return s;
    }
    // An answer taken whole (the tunnel open, or the next question in `out`): nothing may follow it, neither the
    // upstream's bytes before the TLS hello nor an answer to a question not sent yet.
    if ((s == State::Open || m_step != step) && !m_in.isEmpty()) {
        return fail(kMoreThanItsAnswer.text().arg(proxyName()));
    }
    m_state = s;
    return s;
}

ProxyTunnel::State ProxyTunnel::httpAnswer(QByteArray &)
{
    const qsizetype end = m_in.indexOf("\r\n\r\n");
    if (end < 0) {
        return m_in.size() > kMaxHttpAnswer ? fail(kNotAnHttpProxy.text().arg(proxyName())) : State::Opening;
    }
    const QByteArrayView head = QByteArrayView(m_in).first(end);
    const qsizetype lineEnd = head.indexOf("\r\n");
    const QByteArrayView line = lineEnd < 0 ? head : head.first(lineEnd);
    // "HTTP/1.1 200 Connection established": a version, a three-digit status, a reason phrase (maybe empty).
    const bool shaped = (line.startsWith("HTTP/1.1 ") || line.startsWith("HTTP/1.0 ")) && line.size() >= 12
        && std::all_of(line.begin() + 9, line.begin() + 12, [](char c) { return c >= '0' && c <= '9'; })
        && (line.size() == 12 || line.at(12) == ' ');
    if (!shaped) {
        return fail(kNotAnHttpProxy.text().arg(proxyName()));
    }
    const int status = QByteArrayView(line).sliced(9, 3).toInt();
    if (status >= 200 && status < 300) {
        m_in.remove(0, end + 4); // what follows is not the upstream's to send yet (feed())
        return State::Open;
    }
    // Failed from here on: m_in, which `head` points into, is dropped after the reason is made.
    if (status == 407) {
        return loginAsked(QByteArrayView(m_in).first(end + 4));
    }
    return fail(kRefusedTheTunnel.text().arg(proxyName(), target(), shownText(line.sliced(9))));
}

ProxyTunnel::State ProxyTunnel::loginAsked(QByteArrayView head)
{
    if (m_proxy.password().isEmpty()) {
        return fail(kAsksForCredentials.text().arg(proxyName())); // no user, or no password stored for it
    }
    QList<QByteArray> schemes;
    http::Response answer;
    if (http::parseResponseHead(head, false, kMaxHttpAnswer, &answer).state == http::ParseOutcome::Complete) {
        for (const http::Header &h : answer.headers) {
            if (http::equalsIgnoreCase(h.name, "Proxy-Authenticate")) {
                appendSchemes(h.value, schemes);
            }
        }
    }
    if (schemes.isEmpty()) {
        return fail(kLoginUnnamed.text().arg(proxyName()));
    }
    const bool onlyBasic = std::all_of(
        schemes.cbegin(), schemes.cend(), [](const QByteArray &s) { return http::equalsIgnoreCase(s, "Basic"); });
    if (!onlyBasic) {
        // Digest, NTLM, Negotiate or one not known: Qt's engine answers those (and prefers them to Basic).
        QStringList names;
        for (const QByteArray &s : std::as_const(schemes)) {
            const QString name = shownText(s);
            if (!names.contains(name) && names.size() < 4) {
                names.append(name);
            }
        }
        m_learnt = Login::ThroughQt;
        return fail(kLoginThroughQt.text().arg(proxyName(), names.join(QStringLiteral(", "))));
    }
    if (m_login == Login::Basic) {
        return fail(loginRefused(m_proxy.hostName(), m_proxy.port()));
    }
    m_learnt = Login::Basic;
    return fail(kLoginBasicNext.text().arg(proxyName()));
}

ProxyTunnel::State ProxyTunnel::socksMethod(QByteArray &out)
{
    if (m_in.size() < 2) {
        return State::Opening;
    }
    const char version = m_in.at(0);
    const char method = m_in.at(1);
    m_in.remove(0, 2);
    if (version != kSocksVersion) {
        return fail(kNotASocks5Proxy.text().arg(proxyName()));
    }
    if (method == kNoLogin) {
        out += socksConnect();
        m_step = Step::SocksAnswer;
        return State::Opening;
    }
    if (method == kUserPassword && offersLogin()) {
        // RFC 1929: version 1, the user name and the password, each after its length.
        const QByteArray user = m_proxy.user().toUtf8();
        const QByteArray password = m_proxy.password().toUtf8();
        out += char(0x01);
        out += char(user.size());
        out += user;
        out += char(password.size());
        out += password;
        m_step = Step::SocksLogin;
        return State::Opening;
    }
    if (method == kNoAcceptableMethod && !offersLogin()) {
        return fail(kSocksNeedsLogin.text().arg(proxyName()));
    }
    if (method == kNoAcceptableMethod) {
        return fail(kSocksNoMethod.text().arg(proxyName()));
    }
    return fail(kNotASocks5Proxy.text().arg(proxyName())); // a method it was not offered
}

ProxyTunnel::State ProxyTunnel::socksLogin(QByteArray &out)
{
    if (m_in.size() < 2) {
        return State::Opening;
    }
    const char status = m_in.at(1); // the version byte is 1 (some proxies say 5): only the status matters
    m_in.remove(0, 2);
    if (status != 0) {
        return fail(kSocksLoginRefused.text().arg(proxyName()));
    }
    out += socksConnect();
    m_step = Step::SocksAnswer;
    return State::Opening;
}

QByteArray ProxyTunnel::socksConnect() const
{
    QByteArray r = bytes({ kSocksVersion, 0x01 /* CONNECT */, 0x00 });
    const QHostAddress address(m_host);
    if (address.protocol() == QAbstractSocket::IPv4Protocol) {
        const quint32 v4 = address.toIPv4Address();
        r += char(0x01);
        r += char(v4 >> 24);
        r += char(v4 >> 16);
        r += char(v4 >> 8);
        r += char(v4);
    } else if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        const Q_IPV6ADDR v6 = address.toIPv6Address();
        r += char(0x04);
        r.append(reinterpret_cast<const char *>(v6.c), 16);
    } else {
        // A name, resolved by the proxy (as Qt's SOCKS5 engine asks it to): the proxy may see names this host cannot.
        const QByteArray name = m_host.toUtf8();
        r += char(0x03);
        r += char(name.size());
        r += name;
    }
    r += char(m_port >> 8);
    r += char(m_port & 0xff);
    return r;
}

ProxyTunnel::State ProxyTunnel::socksAnswer(QByteArray &)
{
    // VER REP RSV ATYP BND.ADDR BND.PORT; the address's length depends on its type.
    if (m_in.size() < 5) {
        return State::Opening;
    }
    if (m_in.at(0) != kSocksVersion) {
        return fail(kNotASocks5Proxy.text().arg(proxyName()));
    }
    const auto reply = quint8(m_in.at(1));
    qsizetype address = 0;
    switch (m_in.at(3)) {
    case 0x01:
        address = 4;
        break;
    case 0x03:
        address = 1 + quint8(m_in.at(4));
        break;
    case 0x04:
        address = 16;
        break;
    default:
        // A refusal may come without a usable address: the reply code is what it says.
        if (reply == 0) {
            return fail(kNotASocks5Proxy.text().arg(proxyName()));
        }
        address = -1;
        break;
    }
    if (address >= 0) {
        if (m_in.size() < 4 + address + 2) {
            return State::Opening;
        }
        m_in.remove(0, 4 + address + 2);
    } else {
        m_in.clear();
    }
    if (reply == 0) {
        return State::Open;
    }
    static const logging::UserText *const kReplies[]
        = { &kSocksGeneralFailure, &kSocksNotAllowed, &kSocksNetworkUnreachable, &kSocksHostUnreachable,
              &kSocksConnectionRefused, &kSocksTtlExpired, &kSocksCommandNotSupported, &kSocksAddressNotSupported };
    const QString why = reply <= std::size(kReplies) ? kReplies[reply - 1]->text() : kSocksReply.text().arg(reply);
    return fail(kSocksRefused.text().arg(proxyName(), target(), why));
}

} // namespace ga::proxy
