// SPDX-License-Identifier: GPL-3.0-or-later
// The building blocks of "who may use the proxy": token matching, sliding-window rate limits, CIDR rules.
#include "security/authenticator.h"
#include "security/iprules.h"
#include "security/jwt.h"
#include "security/ratelimiter.h"

#include <QJsonObject>
#include <QTest>

using ga::config::RateLimits;
using ga::security::Authenticator;
using ga::security::IpRules;
using ga::security::RateLimiter;
using ga::security::SlidingWindow;

class TestAccessControl : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void authenticate_data()
    {
        QTest::addColumn<QByteArray>("credential");
        QTest::addColumn<bool>("loopback");
        QTest::addColumn<bool>("anonymous");
        QTest::addColumn<QString>("client"); // empty: refused

        const QByteArray cline = "gat_cline-0123456789abcdefghijklmnopqrstuvwxyzAB";
        QTest::newRow("named token") << cline << true << false << QStringLiteral("cline");
        QTest::newRow("second token") << QByteArray("gat_cursor-0123456789abcdefghijklmnopqrstuvwx") << false << false
                                      << QStringLiteral("cursor");
        QTest::newRow("unknown token") << QByteArray("gat_nope-0123456789abcdefghijklmnopqrstuvwxyz") << true << false
                                       << QString();
        QTest::newRow("prefix of a token") << cline.left(cline.size() - 1) << true << false << QString();
        QTest::newRow("token plus junk") << cline + "x" << true << false << QString();
        QTest::newRow("empty") << QByteArray() << true << false << QString();
        QTest::newRow("a Gemini key") << QByteArray("AIzaSyFAKE-not-a-token-0123456789abcdefg") << true << false
                                      << QString();
        QTest::newRow("anonymous, loopback, nothing sent")
            << QByteArray() << true << true << QStringLiteral("anonymous");
        QTest::newRow("anonymous, loopback, any string")
            << QByteArray("sk-whatever") << true << true << QStringLiteral("anonymous");
        QTest::newRow("anonymous, but a named token wins") << cline << true << true << QStringLiteral("cline");
        QTest::newRow("anonymous is loopback only") << QByteArray() << false << true << QString();
        QTest::newRow("valid JWT") << QByteArray("JWT:ok") << false << false << QStringLiteral("jwt:ci-bot");
        QTest::newRow("expired JWT") << QByteArray("JWT:expired") << false << false << QString();
        QTest::newRow("JWT signed with another secret") << QByteArray("JWT:other") << false << false << QString();
    }

    void authenticate()
    {
        QFETCH(QByteArray, credential);
        QFETCH(bool, loopback);
        QFETCH(bool, anonymous);
        QFETCH(QString, client);

        const qint64 now = 1'800'000'000;
        const QByteArray secret = "an-hs256-secret-of-at-least-32-bytes!!";
        if (credential.startsWith("JWT:")) {
            const QByteArray which = credential.mid(4);
            const QJsonObject claims { { QStringLiteral("sub"), QStringLiteral("ci-bot") },
                { QStringLiteral("exp"), which == "expired" ? now - 3600 : now + 3600 } };
            credential = ga::security::signHs256(claims, which == "other" ? QByteArray(secret).append('x') : secret);
        }
        Authenticator auth;
        auth.setTokens({ { QStringLiteral("cline"), "gat_cline-0123456789abcdefghijklmnopqrstuvwxyzAB" },
            { QStringLiteral("cursor"), "gat_cursor-0123456789abcdefghijklmnopqrstuvwx" } });
        auto verifier = std::make_shared<ga::security::JwtVerifier>();
        ga::security::JwtConfig jc;
        jc.hmacSecret = secret;
        QString error;
        QVERIFY(verifier->configure(jc, &error));
        auth.setJwtVerifier(verifier);
        auth.setAllowAnonymousLoopback(anonymous);

        const Authenticator::Result r = auth.authenticate(credential, loopback, now);
        QCOMPARE(r.ok(), !client.isEmpty());
        QCOMPARE(r.client, client);
        if (!r.ok()) {
            QVERIFY(!r.reason.isEmpty());
            QVERIFY(credential.isEmpty() || !r.reason.contains(QString::fromLatin1(credential)));
        }
    }

    void revokedTokenIsRefusedAtOnce()
    {
        Authenticator auth;
        auth.setTokens({ { QStringLiteral("a"), "gat_aaaaaaaaaaaaaaaaaaaaaaaaaaaa" } });
        QVERIFY(auth.authenticate("gat_aaaaaaaaaaaaaaaaaaaaaaaaaaaa", true, 0).ok());
        auth.setTokens({});
        QVERIFY(!auth.authenticate("gat_aaaaaaaaaaaaaaaaaaaaaaaaaaaa", true, 0).ok());
        QCOMPARE(auth.tokenCount(), 0);
    }

    // A connection remembers what its token was (Authenticator::Memo): the answer is the same as without the memo,
    // and a revocation, a rotation or another credential on the same connection is seen at once.
    void connectionMemoFollowsTheTokens()
    {
        Authenticator auth;
        const QByteArray a = "gat_aaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        const QByteArray b = "gat_bbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        auth.setTokens({ { QStringLiteral("a"), a }, { QStringLiteral("b"), b } });
        Authenticator::Memo memo;
        QCOMPARE(auth.authenticate(a, false, 0, &memo).client, QStringLiteral("a"));
        QCOMPARE(auth.authenticate(a, false, 0, &memo).client, QStringLiteral("a")); // from the memo
        QCOMPARE(auth.authenticate(b, false, 0, &memo).client, QStringLiteral("b")); // another token: checked
        QVERIFY(!auth.authenticate("gat_bbbbbbbbbbbbbbbbbbbbbbbbbbbX", false, 0, &memo).ok()); // same length
        QVERIFY(!auth.authenticate("gat_b", false, 0, &memo).ok());
        QVERIFY(!auth.authenticate(QByteArrayView(), false, 0, &memo).ok());
        QCOMPARE(auth.authenticate(b, false, 0, &memo).client, QStringLiteral("b"));
        auth.setTokens({ { QStringLiteral("a"), a } }); // b revoked
        QVERIFY(!auth.authenticate(b, false, 0, &memo).ok());
        auth.setTokens({ { QStringLiteral("a"), "gat_rotatedrotatedrotatedrotated" } }); // a rotated
        QVERIFY(!auth.authenticate(a, false, 0, &memo).ok());
        QCOMPARE(auth.authenticate("gat_rotatedrotatedrotatedrotated", false, 0, &memo).client, QStringLiteral("a"));
    }

    // A memo holds the generation of the tokens it was made under, unique in the process: shown to another
    // authenticator (whose tokens name the same bytes otherwise) it is not taken for that one's answer.
    void memoIsTheAuthenticatorsOwn()
    {
        const QByteArray t = "gat_tttttttttttttttttttttttttttt";
        Authenticator first;
        Authenticator second;
        first.setTokens({ { QStringLiteral("first"), t } });
        second.setTokens({ { QStringLiteral("second"), t } });
        Authenticator::Memo memo;
        QCOMPARE(first.authenticate(t, false, 0, &memo).client, QStringLiteral("first"));
        QCOMPARE(second.authenticate(t, false, 0, &memo).client, QStringLiteral("second"));
        second.setTokens({});
        QVERIFY(!second.authenticate(t, false, 0, &memo).ok());
        QCOMPARE(first.authenticate(t, false, 0, &memo).client, QStringLiteral("first"));
    }

    // Subjects without limits (the default) are let through uncounted, streams too; a limit on streams alone is
    // still kept.
    void unlimitedSubjectsAreNotCounted()
    {
        RateLimiter limiter;
        const RateLimiter::Subject open { QStringLiteral("token:open"), QStringLiteral("token 'open'"), {} };
        std::vector<RateLimiter::Decision> held;
        for (int i = 0; i < 100; ++i) {
            held.push_back(limiter.admit({ open }, true, i));
            QVERIFY(held.back().allowed);
        }
        QCOMPARE(limiter.openStreams(QStringLiteral("token:open")), 0);
        const RateLimiter::Subject capped { QStringLiteral("token:capped"), QStringLiteral("token 'capped'"),
            RateLimits { 0, 0, 1, 0 } };
        const RateLimiter::Decision one = limiter.admit({ open, capped }, true, 200);
        QVERIFY(one.allowed);
        QCOMPARE(limiter.openStreams(QStringLiteral("token:capped")), 1);
        QVERIFY(!limiter.admit({ open, capped }, true, 201).allowed);
    }

    void slidingWindow()
    {
        SlidingWindow w(60, 1000); // a minute in 1 s slots
        const qint64 t0 = 1'000'000;
        for (int i = 0; i < 5; ++i) {
            w.add(t0 + i * 100);
        }
        QCOMPARE(w.count(t0 + 500), 5);
        QCOMPARE(w.retryAfterMs(t0 + 500, 6), qint64(0));
        // Limit 5 reached: the first requests (slot t0) leave the window 60 s after their slot began.
        QCOMPARE(w.retryAfterMs(t0 + 500, 5), qint64(59'500));
        QCOMPARE(w.count(t0 + 59'999), 5);
        QCOMPARE(w.count(t0 + 60'000), 0);
        // Spread over time: only the slots older than a minute drop out.
        w.add(t0 + 61'000);
        w.add(t0 + 90'000);
        QCOMPARE(w.count(t0 + 120'500), 2); // slot t0+61 s is the oldest still inside
        QCOMPARE(w.count(t0 + 121'000), 1);
        QCOMPARE(w.count(t0 + 150'000), 0);
        // A clock that went back keeps counting in the newest slot instead of corrupting the window.
        w.add(t0 + 149'000);
        QCOMPARE(w.count(t0 + 150'000), 1);
        // Far in the future: everything expired.
        QCOMPARE(w.count(t0 + 10'000'000), 0);
    }

    void perMinuteLimitAndRetryAfter()
    {
        RateLimiter limiter;
        const std::vector<RateLimiter::Subject> subjects { { QStringLiteral("token:x"), QStringLiteral("token 'x'"),
            RateLimits { 3, 0, 0 } } };
        const qint64 t0 = 5'000'000;
        for (int i = 0; i < 3; ++i) {
            QVERIFY(limiter.admit(subjects, false, t0 + i).allowed);
        }
        const RateLimiter::Decision refused = limiter.admit(subjects, false, t0 + 10);
        QVERIFY(!refused.allowed);
        QVERIFY(refused.retryAfterMs > 59'000 && refused.retryAfterMs <= 60'000);
        QVERIFY2(refused.message.contains(QStringLiteral("token 'x'"))
                && refused.message.contains(QStringLiteral("3 "
                                                           "requests per minute")),
            qPrintable(refused.message));
        QCOMPARE(limiter.rejected(), 1);
        QVERIFY(limiter.admit(subjects, false, t0 + 60'000).allowed); // a minute later
    }

    void allOrNothingAcrossSubjects()
    {
        RateLimiter limiter;
        const RateLimiter::Subject token { QStringLiteral("token:x"), QStringLiteral("token 'x'"),
            RateLimits { 10, 0, 0 } };
        const RateLimiter::Subject address { QStringLiteral("address:10.0.0.1"), QStringLiteral("address 10.0.0.1"),
            RateLimits { 2, 0, 0 } };
        QVERIFY(limiter.admit({ token, address }, false, 0).allowed);
        QVERIFY(limiter.admit({ token, address }, false, 1).allowed);
        QVERIFY(!limiter.admit({ token, address }, false, 2).allowed); // the address is spent...
        // ...and the refused request did not count against the token.
        for (int i = 0; i < 8; ++i) {
            QVERIFY(limiter.admit({ token }, false, 3 + i).allowed);
        }
        QVERIFY(!limiter.admit({ token }, false, 20).allowed);
    }

    void perDayLimit()
    {
        RateLimiter limiter;
        const std::vector<RateLimiter::Subject> s { { QStringLiteral("token:d"), QStringLiteral("token 'd'"),
            RateLimits { 0, 2, 0 } } };
        const qint64 t0 = 86'400'000LL * 100;
        QVERIFY(limiter.admit(s, false, t0).allowed);
        QVERIFY(limiter.admit(s, false, t0 + 3'600'000).allowed);
        const RateLimiter::Decision d = limiter.admit(s, false, t0 + 7'200'000);
        QVERIFY(!d.allowed);
        QVERIFY(d.message.contains(QStringLiteral("per day")));
        // The first request leaves the 24 h window (15-minute slots) ~22 h later.
        QVERIFY(d.retryAfterMs > 21 * 3'600'000LL && d.retryAfterMs <= 22 * 3'600'000LL + 900'000);
        QVERIFY(limiter.admit(s, false, t0 + 86'400'000).allowed);
    }

    void streamCapAndTicket()
    {
        RateLimiter limiter;
        const std::vector<RateLimiter::Subject> s { { QStringLiteral("token:s"), QStringLiteral("token 's'"),
            RateLimits { 0, 0, 2 } } };
        RateLimiter::Decision a = limiter.admit(s, true, 0);
        RateLimiter::Decision b = limiter.admit(s, true, 1);
        QVERIFY(a.allowed && b.allowed);
        QCOMPARE(limiter.openStreams(QStringLiteral("token:s")), 2);
        QVERIFY(limiter.admit(s, false, 2).allowed); // not a stream: not capped
        const RateLimiter::Decision c = limiter.admit(s, true, 3);
        QVERIFY(!c.allowed);
        QVERIFY(c.retryAfterMs >= 1000);
        {
            RateLimiter::Ticket moved = std::move(a.ticket);
            QCOMPARE(limiter.openStreams(QStringLiteral("token:s")), 2);
        } // the stream ended
        QCOMPARE(limiter.openStreams(QStringLiteral("token:s")), 1);
        const RateLimiter::Decision d = limiter.admit(s, true, 4);
        QVERIFY(d.allowed);
        QCOMPARE(limiter.openStreams(QStringLiteral("token:s")), 2);
        b.ticket.release();
        b.ticket.release(); // twice is harmless
        QCOMPARE(limiter.openStreams(QStringLiteral("token:s")), 1);
    }

    void ipRules_data()
    {
        QTest::addColumn<QString>("allow");
        QTest::addColumn<QString>("deny");
        QTest::addColumn<QString>("peer");
        QTest::addColumn<bool>("allowed");

        QTest::newRow("no rules") << QString() << QString() << QStringLiteral("203.0.113.9") << true;
        QTest::newRow("denied host") << QString() << QStringLiteral("127.0.0.2") << QStringLiteral("127.0.0.2")
                                     << false;
        QTest::newRow("neighbour of a denied host")
            << QString() << QStringLiteral("127.0.0.2") << QStringLiteral("127.0.0.1") << true;
        QTest::newRow("denied block") << QString() << QStringLiteral("10.0.0.0/8") << QStringLiteral("10.200.3.4")
                                      << false;
        QTest::newRow("allow list hit") << QStringLiteral("192.168.1.0/24, 127.0.0.1") << QString()
                                        << QStringLiteral("192.168.1.77") << true;
        QTest::newRow("allow list miss") << QStringLiteral("192.168.1.0/24") << QString()
                                         << QStringLiteral("192.168.2.1") << false;
        QTest::newRow("deny wins over allow") << QStringLiteral("192.168.0.0/16") << QStringLiteral("192.168.1.66")
                                              << QStringLiteral("192.168.1.66") << false;
        QTest::newRow("IPv6 block") << QStringLiteral("fd00::/8") << QString() << QStringLiteral("fd12::1") << true;
        QTest::newRow("IPv6 outside") << QStringLiteral("fd00::/8") << QString() << QStringLiteral("2001:db8::1")
                                      << false;
        QTest::newRow("IPv4-mapped peer counts as IPv4")
            << QString() << QStringLiteral("198.51.100.0/24") << QStringLiteral("::ffff:198.51.100.7") << false;
        QTest::newRow("IPv4-mapped peer on the allow list")
            << QStringLiteral("127.0.0.1") << QString() << QStringLiteral("::ffff:127.0.0.1") << true;
    }

    void ipRules()
    {
        QFETCH(QString, allow);
        QFETCH(QString, deny);
        QFETCH(QString, peer);
        QFETCH(bool, allowed);
        IpRules rules;
        QVERIFY(rules.parse(allow, deny));
        QCOMPARE(rules.allows(QHostAddress(peer)), allowed);
    }

    void ipRulesRejectGarbage()
    {
        IpRules rules;
        QString error;
        QVERIFY(!rules.parse(QStringLiteral("10.0.0.0/8, bogus/99"), QString(), &error));
        QVERIFY2(error.contains(QStringLiteral("bogus/99")), qPrintable(error));
        QVERIFY(!rules.parse(QString(), QStringLiteral("300.1.1.1"), &error));
    }
};

QTEST_GUILESS_MAIN(TestAccessControl)
#include "tst_accesscontrol.moc"
