// SPDX-License-Identifier: GPL-3.0-or-later
// A minimal raw HTTP/1.1 client for tests, independent of the proxy's own parser so that it cannot hide the
// proxy's bugs. Waits run the event loop (servers on the test thread keep working).
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QSignalSpy>
#include <QTcpSocket>

namespace ga::test {

struct Reply
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    bool complete = false; // body framing finished cleanly
    bool chunked = false;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0) {
                return h.second;
            }
        }
        return {};
    }
    bool hasHeader(const QByteArray &name) const { return headerCount(name) > 0; }
    int headerCount(const QByteArray &name) const
    {
        int n = 0;
        for (const auto &h : headers) {
            n += h.first.compare(name, Qt::CaseInsensitive) == 0 ? 1 : 0;
        }
        return n;
    }
};

// Parses one response from the front of `buf`; returns bytes used, 0 when incomplete.
qsizetype parseReply(const QByteArray &buf, Reply *r, bool headRequest = false);

class Client
{
public:
    explicit Client(quint16 port, const QHostAddress &host = QHostAddress(QHostAddress::LocalHost))
    {
        m_socket.connectToHost(host, port);
        m_socket.waitForConnected(5000);
    }
    QTcpSocket &socket() { return m_socket; }

    void send(const QByteArray &raw) { m_socket.write(raw); }

    // Waits (on readyRead, with a deadline) for one complete response.
    Reply read(int timeoutMs = 10'000, bool head = false)
    {
        QElapsedTimer t;
        t.start();
        Reply r;
        for (;;) {
            m_buffer += m_socket.readAll();
            if (const qsizetype used = parseReply(m_buffer, &r, head)) {
                m_buffer.remove(0, used);
                return r;
            }
            if (t.elapsed() > timeoutMs || m_socket.state() != QAbstractSocket::ConnectedState) {
                m_buffer += m_socket.readAll();
                if (const qsizetype used = parseReply(m_buffer, &r, head)) {
                    m_buffer.remove(0, used);
                    return r;
                }
                return Reply();
            }
            waitForData(int(std::max<qint64>(1, timeoutMs - t.elapsed())));
        }
    }

    // Waits for more bytes while running the event loop (the fake upstream's acceptor lives on this thread).
    bool waitForData(int timeoutMs)
    {
        if (m_socket.bytesAvailable() > 0) {
            return true;
        }
        QSignalSpy spy(&m_socket, &QIODevice::readyRead);
        QSignalSpy gone(&m_socket, &QAbstractSocket::disconnected);
        QElapsedTimer t;
        t.start();
        while (spy.isEmpty() && gone.isEmpty() && t.elapsed() < timeoutMs) {
            spy.wait(int(std::max<qint64>(1, std::min<qint64>(50, timeoutMs - t.elapsed()))));
        }
        return !spy.isEmpty();
    }
    QByteArray &buffer() { return m_buffer; }

private:
    QTcpSocket m_socket;
    QByteArray m_buffer;
};

// A POST with a JSON body (Host: 127.0.0.1, Content-Length) plus extra header lines.
QByteArray post(const QByteArray &path, const QByteArray &body, const QByteArray &extraHeaders = {});

} // namespace ga::test
