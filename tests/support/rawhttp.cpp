// SPDX-License-Identifier: GPL-3.0-or-later
#include "rawhttp.h"

namespace ga::test {

qsizetype parseReply(const QByteArray &buf, Reply *r, bool headRequest)
{
    const qsizetype end = buf.indexOf("\r\n\r\n");
    if (end < 0) {
        return 0;
    }
    const QList<QByteArray> lines = buf.first(end).split('\n');
    *r = Reply();
    r->status = lines.first().mid(9, 3).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        r->headers.append({ line.first(colon), line.sliced(colon + 1).trimmed() });
    }
    qsizetype pos = end + 4;
    if (headRequest || r->status == 204 || r->status == 304 || (r->status >= 100 && r->status < 200)) {
        r->complete = true;
        return pos;
    }
    if (r->header("transfer-encoding").toLower() == "chunked") {
        r->chunked = true;
        for (;;) {
            const qsizetype nl = buf.indexOf("\r\n", pos);
            if (nl < 0) {
                return 0;
            }
            bool ok = false;
            const qsizetype size = buf.mid(pos, nl - pos).toLongLong(&ok, 16);
            if (!ok || buf.size() < nl + 2 + size + 2) {
                return 0;
            }
            if (size == 0) {
                r->complete = true;
                return nl + 4;
            }
            r->body += buf.mid(nl + 2, size);
            pos = nl + 2 + size + 2;
        }
    }
    const qsizetype length = r->header("content-length").toLongLong();
    if (buf.size() < pos + length) {
        return 0;
    }
    r->body = buf.mid(pos, length);
    r->complete = true;
    return pos + length;
}

QByteArray post(const QByteArray &path, const QByteArray &body, const QByteArray &extraHeaders)
{
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n" + extraHeaders + "\r\n" + body;
}

} // namespace ga::test
