// SPDX-License-Identifier: GPL-3.0-or-later
// Debian's pebble (the ACME test CA) and pebble-challtestsrv (its DNS: every name is 127.0.0.1) on loopback, for
// the tests that order real certificates with real HTTP-01 validation.
#pragma once

#include <QProcess>
#include <QSslCertificate>
#include <QTemporaryDir>
#include <QUrl>

namespace ga::test {

class PebbleServer
{
public:
    PebbleServer();
    ~PebbleServer();
    PebbleServer(const PebbleServer &) = delete;
    PebbleServer &operator=(const PebbleServer &) = delete;

    // Whether pebble, pebble-challtestsrv and openssl are installed.
    static bool available();
    // Starts the DNS server and pebble, validating HTTP-01 on 127.0.0.1:`httpPort`. False with *error.
    bool start(quint16 httpPort, QString *error);
    void stop(); // pebble only (the CA "unreachable"); start() again on the same ports
    bool restart(QString *error);

    QUrl directoryUrl() const; // https://127.0.0.1:PORT/dir
    // Trusted for pebble's own HTTPS (the directory): a throwaway CA made at start.
    QList<QSslCertificate> directoryCa() const { return m_ca; }
    QString directoryCaFile() const;
    // The root the certificates pebble issues chain to (new at each pebble start), PEM.
    QByteArray issuingRootPem() const;

private:
    bool startPebble(QString *error);

    QTemporaryDir m_dir;
    QProcess m_pebble;
    QProcess m_dns;
    QList<QSslCertificate> m_ca;
    quint16 m_httpPort = 0;
    quint16 m_port = 0;
    quint16 m_managementPort = 0;
    quint16 m_dnsPort = 0;
};

} // namespace ga::test
