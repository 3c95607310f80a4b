// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <functional>
#include <optional>

namespace ga::http {

// A query parameter's name as a server reads it: percent-decoded ("k%65y" is "key").
QByteArray parameterName(QByteArrayView item);
// The percent-decoded value of the first parameter whose decoded name is `name` ("" when it has no '='); nullopt
// when there is none. '+' is kept as it is (tokens and ids may hold one).
std::optional<QByteArray> queryParameter(QByteArrayView query, QByteArrayView name);
// The query without the parameters whose decoded name `drop` accepts, and without empty items; the order and
// the encoding of the rest are kept.
QByteArray withoutParameters(QByteArrayView query, const std::function<bool(const QByteArray &name)> &drop);

} // namespace ga::http
