// SPDX-License-Identifier: GPL-3.0-or-later
#include "http/httperror.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace ga::http {

const char *reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 417:
        return "Expectation Failed";
    case 421:
        return "Misdirected Request";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

const char *canonicalStatus(int status)
{
    switch (status) {
    case 400:
    case 411:
    case 413:
    case 414:
    case 417:
    case 431:
        return "INVALID_ARGUMENT";
    case 401:
        return "UNAUTHENTICATED";
    case 403:
    case 421:
        return "PERMISSION_DENIED";
    case 404:
        return "NOT_FOUND";
    case 408:
    case 504:
        return "DEADLINE_EXCEEDED";
    case 429:
        return "RESOURCE_EXHAUSTED";
    case 499:
        return "CANCELLED";
    case 501:
    case 505:
        return "UNIMPLEMENTED";
    case 502:
    case 503:
        return "UNAVAILABLE";
    default:
        return status >= 500 ? "INTERNAL" : "UNKNOWN";
    }
}

QByteArray errorBody(int status, const QString &message)
{
    const QJsonObject error { { QStringLiteral("code"), status }, { QStringLiteral("message"), message },
        { QStringLiteral("status"), QLatin1String(canonicalStatus(status)) } };
    return QJsonDocument(QJsonObject { { QStringLiteral("error"), error } }).toJson(QJsonDocument::Indented);
}

QByteArray errorResponse(int status, const QString &message, bool close, const QByteArray &extraHeaders)
{
    const QByteArray body = errorBody(status, message);
    QByteArray out;
    out.reserve(body.size() + 160);
    out += "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    out += "Content-Type: application/json; charset=UTF-8\r\n";
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    out += extraHeaders; // complete "Name: value\r\n" lines
    if (close) {
        out += "Connection: close\r\n";
    }
    out += "\r\n";
    out += body;
    return out;
}

} // namespace ga::http
