// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/headers.h"
#include "http/websocket.h"
#include "keys/failure.h"
#include "keys/keypool.h"
#include "metrics/accessrecord.h"
#include "proxy/proxysettings.h"
#include "routing/router.h"

#include <QObject>
#include <QPointer>
#include <QTcpSocket>

#include <optional>
#include <vector>

namespace ga::proxy {

class ProxyWorker;

// The client side of a Live session, as the session sees it (the ClientConnection that upgraded).
class LiveClient
{
public:
    // Bytes for the client, buffered until liveFlush() (or the next turn of the event loop).
    virtual void liveSend(QByteArrayView bytes) = 0;
    // Sends what liveSend() buffered now.
    virtual void liveFlush() = 0;
    // Bytes still waiting to go to the client.
    virtual qint64 liveClientPending() const = 0;
    // Stop (false) or resume (true) reading the client: backpressure from the upstream side.
    virtual void liveReadClient(bool on) = 0;
    // The session is over: close the client connection once what was sent is written.
    virtual void liveEnded() = 0;

protected:
    ~LiveClient() = default;
};

// Where the session goes and with what, prepared from the client's upgrade request (credentials removed).
struct LiveTarget
{
    QByteArray path; // "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
    QByteArray query; // without key or access_token
    http::HeaderList headers; // end-to-end headers for the upstream handshake (User-Agent, x-goog-api-client)
    QByteArray ephemeralToken; // "auth_tokens/…": a Constrained session goes up with it instead of a pool key
    keys::KeyScope tokenOwner; // the key that created the ephemeral token
};

// What a close from Google before setupComplete says about the key (nullopt: the client's problem, passed on).
std::optional<keys::Failure> classifyLiveClose(quint16 code, QByteArrayView reason);

// One Live API session (WebSocket) relayed to Google or through a relay, frame by frame: headers are parsed and
// checked, payloads pass unchanged (the client's masking is kept towards the upstream, which a client frame may
// carry), so text/binary, fragmentation, ping/pong and close codes arrive as sent. The client's frames are kept
// until the upstream says setupComplete: a refused handshake, a close 1007 (bad key) or 1011 (quota) or a network
// failure before it is replayed on the next key or route; after it every close passes through.
class LiveSession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LiveSession)

public:
    static constexpr quint64 kMaxMessageBytes = 16 * 1024 * 1024;
    static constexpr qint64 kHandleLifetimeMs = 2LL * 3600 * 1000;

    LiveSession(LiveClient *client, ProxyWorker *worker, LiveTarget target, QObject *parent = nullptr);
    ~LiveSession() override;

    // Frames from the client; consumes what it used from `in` (a partial frame stays).
    void clientData(QByteArray &in);
    // The client's TCP connection ended.
    void clientGone();
    // The client socket's buffer drained below the low-water mark.
    void clientDrained();
    void checkTimeouts(qint64 nowMs);
    bool isOver() const { return m_phase == Phase::Over; }

    // For the access record.
    QString keyId() const { return m_key.id; }
    QString routeName() const { return m_routeName; }
    QString model() const { return m_model; }
    const metrics::LiveFigures &figures() const { return m_figures; }
    keys::Usage usage() const { return m_usage; }
    std::vector<metrics::Attempt> attemptLog() const { return m_attempts; }
    int fallbacks() const { return m_fallbacks; }

private:
    enum class Phase
    {
        AwaitSetup, // reading the client's first message
        Connecting, // upstream TCP/TLS and handshake
        AwaitSetupComplete, // upstream open, setup sent, Google has not confirmed it
        Open, // relaying
        Closing, // a close went one way; waiting for the other side's
        Over,
    };

    // One direction's frame parser state.
    struct Direction
    {
        explicit Direction(bool masked)
            : checker(masked, kMaxMessageBytes)
        { }
        // The header of the next frame at the start of `rest`, checked: nullopt when it is not complete yet.
        std::optional<http::ws::FrameChecker::Verdict> readHeader(QByteArrayView rest, http::ws::FrameHeader *h)
        {
            const http::ws::HeaderParse parsed = http::ws::parseFrameHeader(rest, h);
            if (parsed == http::ws::HeaderParse::NeedMore) {
                return std::nullopt;
            }
            return parsed == http::ws::HeaderParse::Invalid ? http::ws::FrameChecker::Verdict::ProtocolError
                                                            : checker.check(*h);
        }
        http::ws::FrameChecker checker;
        quint64 remaining = 0; // payload bytes of the current data frame not seen yet
        quint64 offset = 0; // payload bytes of it already seen (mask position)
        quint32 mask = 0;
        bool masked = false;
        bool fin = true;
        QByteArray message; // the current message unmasked, while it is inspected
        bool inspect = false;
        qint64 frames = 0;
        qint64 bytes = 0;
    };

    void pumpClient(QByteArray &in);
    void pumpUpstream();
    void toUpstream(QByteArrayView bytes);
    void clientMessage(const QByteArray &message);
    void upstreamMessage(const QByteArray &message);
    void nextAttempt();
    void startRoute(const routing::Route &route);
    void onConnected();
    void onUpstreamRead();
    void onUpstreamGone();
    void onUpstreamDrained();
    enum class Handshake
    {
        NeedMore,
        Upgraded,
        Failed, // handled: retried elsewhere or the client told
    };
    Handshake readHandshake();
    // The attempt failed before setupComplete: retried elsewhere, or the client is told.
    void attemptFailed(const keys::Failure &failure, bool relayFault, int logStatus, const QString &outcome);
    void closeUpstream();
    // A close frame to the client (code and reason), then the end once it is written.
    void closeClient(quint16 code, QByteArrayView reason);
    void finish();
    void logAttempt(int status, const QString &outcome);
    void noteUsage(const QJsonObject &usage);

    LiveClient *m_client;
    ProxyWorker *m_worker;
    SettingsPtr m_settings;
    LiveTarget m_target;
    Phase m_phase = Phase::AwaitSetup;
    qint64 m_deadline = 0;
    Direction m_fromClient { true };
    Direction m_fromUpstream { false };
    QByteArray m_replay; // client bytes since the start, until setupComplete
    QString m_model;
    QString m_resumeHandle; // the handle a setup asked to resume, hashed for the resource map
    keys::KeyScope m_scope; // set: only this key (resumption, ephemeral token)
    std::vector<QString> m_tried;
    keys::Pick m_key;
    routing::Route m_route;
    std::vector<int> m_triedRelays;
    bool m_viaRelay = false;
    QString m_routeName;
    routing::Relay m_relay;
    QTcpSocket *m_upstream = nullptr;
    QByteArray m_upstreamIn;
    QByteArray m_handshakeKey;
    bool m_handshakeDone = false;
    qint64 m_attemptStart = 0;
    int m_countedAttempts = 0;
    int m_quotaSkips = 0;
    int m_fallbacks = 0;
    std::vector<metrics::Attempt> m_attempts;
    bool m_upstreamPaused = false; // the client is slow: upstream bytes wait
    bool m_clientPaused = false; // the upstream is slow: client bytes wait
    bool m_clientClosedSent = false; // a close frame went to the client
    bool m_upstreamCloseSent = false; // a close frame went upstream
    bool m_clientClosedReceived = false;
    bool m_upstreamClosedReceived = false;
    quint16 m_failCode = 0; // the last attempt's failure as a close code for the client, if none is left
    QByteArray m_failReason;
    metrics::LiveFigures m_figures;
    keys::Usage m_usage;
    bool m_reported = false;
};

} // namespace ga::proxy
