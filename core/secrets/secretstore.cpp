// SPDX-License-Identifier: GPL-3.0-or-later
#include "secrets/secretstore.h"

#include <QEventLoop>
#include <QMetaObject>

#include <utility>

namespace ga::secrets {

SecretResult SecretResult::success(QByteArray value)
{
    SecretResult result;
    result.value = std::move(value);
    return result;
}

SecretResult SecretResult::failure(SecretError error, QString message)
{
    Q_ASSERT(error != SecretError::None);
    SecretResult result;
    result.error = error;
    result.message = std::move(message);
    return result;
}

SecretStore::SecretStore(QObject *parent)
    : QObject(parent)
{ }

SecretStore::~SecretStore() = default;

void SecretStore::deliver(QObject *context, Callback done, SecretResult result)
{
    Q_ASSERT(context);
    if (!context || !done) [[unlikely]] {
        return;
    }
    // A queued functor call is a posted event for `context`: Qt discards it if `context` dies first.
    QMetaObject::invokeMethod(
        context, [done = std::move(done), result = std::move(result)] { done(result); }, Qt::QueuedConnection);
}

SecretResult waitFor(const std::function<void(QObject *context, SecretStore::Callback done)> &call)
{
    QEventLoop loop;
    QObject context; // declared after the loop: destroyed first, so a late callback can never reach `loop`
    SecretResult result;
    bool finished = false;
    call(&context, [&](const SecretResult &r) {
        result = r;
        finished = true;
        loop.quit();
    });
    if (!finished) {
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    }
    return result;
}

} // namespace ga::secrets
