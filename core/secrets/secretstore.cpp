// SPDX-License-Identifier: GPL-3.0-or-later
#include "secrets/secretstore.h"

#include <QEventLoop>
#include <QMetaObject>
#include <QPointer>

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

void SecretStore::deliverNames(QObject *context, NamesCallback done, SecretResult result, QStringList names)
{
    Q_ASSERT(context);
    if (!context || !done) [[unlikely]] {
        return;
    }
    QMetaObject::invokeMethod(
        context,
        [done = std::move(done), result = std::move(result), names = std::move(names)] { done(result, names); },
        Qt::QueuedConnection);
}

bool SecretStore::canList() const
{
    return false;
}

void SecretStore::list(QObject *context, NamesCallback done)
{
    deliverNames(context, std::move(done),
        SecretResult::failure(SecretError::Other, tr("%1 cannot list its entries.").arg(description())), {});
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

struct SecretStore::WriteChain
{
    Entries entries;
    qsizetype next = 0;
    QPointer<QObject> context;
    Callback done;
};

void SecretStore::writeMany(const Entries &entries, QObject *context, Callback done)
{
    auto chain = std::make_shared<WriteChain>();
    chain->entries = entries;
    chain->context = context;
    chain->done = std::move(done);
    writeNext(chain);
}

void SecretStore::writeNext(const std::shared_ptr<WriteChain> &chain)
{
    if (!chain->context) {
        return;
    }
    if (chain->next >= chain->entries.size()) {
        deliver(chain->context, std::move(chain->done), SecretResult::success());
        return;
    }
    const auto &[name, secret] = chain->entries.at(chain->next++);
    write(name, secret, chain->context, [this, chain](const SecretResult &r) {
        if (!r.ok()) {
            chain->done(r);
            return;
        }
        writeNext(chain);
    });
}

struct SecretStore::ReadChain
{
    QStringList names;
    qsizetype next = 0;
    QMap<QString, QByteArray> values;
    QPointer<QObject> context;
    ManyCallback done;
};

void SecretStore::readMany(const QStringList &names, QObject *context, ManyCallback done)
{
    auto chain = std::make_shared<ReadChain>();
    chain->names = names;
    chain->context = context;
    chain->done = std::move(done);
    readNext(chain);
}

void SecretStore::readNext(const std::shared_ptr<ReadChain> &chain)
{
    if (!chain->context) {
        return;
    }
    if (chain->next >= chain->names.size()) {
        QMetaObject::invokeMethod(
            chain->context, [chain] { chain->done(SecretResult::success(), chain->values); }, Qt::QueuedConnection);
        return;
    }
    const QString name = chain->names.at(chain->next++);
    read(name, chain->context, [this, chain, name](const SecretResult &r) {
        if (r.ok()) {
            chain->values.insert(name, r.value);
        } else if (r.error != SecretError::NotFound) {
            chain->done(r, {});
            return;
        }
        readNext(chain);
    });
}

} // namespace ga::secrets
