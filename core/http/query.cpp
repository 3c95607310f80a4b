// SPDX-License-Identifier: GPL-3.0-or-later
#include "http/query.h"

namespace ga::http {
namespace {

// Calls `f` with each '&'-separated item (empty ones included); stops when it returns false.
template<typename F>
void forEachItem(QByteArrayView query, F f)
{
    while (!query.isEmpty()) {
        const qsizetype amp = query.indexOf('&');
        if (!f(amp < 0 ? query : query.first(amp)) || amp < 0) {
            return;
        }
        query = query.sliced(amp + 1);
    }
}

} // namespace

QByteArray parameterName(QByteArrayView item)
{
    const qsizetype eq = item.indexOf('=');
    const QByteArrayView name = eq < 0 ? item : item.first(eq);
    return name.contains('%') ? QByteArray::fromPercentEncoding(name.toByteArray()) : name.toByteArray();
}

std::optional<QByteArray> queryParameter(QByteArrayView query, QByteArrayView name)
{
    std::optional<QByteArray> found;
    forEachItem(query, [&](QByteArrayView item) {
        if (item.isEmpty() || parameterName(item) != name) {
            return true;
        }
        const qsizetype eq = item.indexOf('=');
        found = eq < 0 ? QByteArray() : QByteArray::fromPercentEncoding(item.sliced(eq + 1).toByteArray());
        return false;
    });
    return found;
}

QByteArray withoutParameters(QByteArrayView query, const std::function<bool(const QByteArray &name)> &drop)
{
    QByteArray out;
    out.reserve(query.size());
    forEachItem(query, [&](QByteArrayView item) {
        if (!item.isEmpty() && !drop(parameterName(item))) {
            if (!out.isEmpty()) {
                out += '&';
            }
            out += item;
        }
        return true;
    });
    return out;
}

} // namespace ga::http
