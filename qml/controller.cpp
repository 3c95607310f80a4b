// SPDX-License-Identifier: GPL-3.0-or-later
#include "controller.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QPointer>

#include <memory>

namespace ga::ui {

Controller::Controller(daemon::Service *service, QObject *parent)
    : QObject(parent)
    , m_service(service)
    , m_admin(new AdminClient(service, this))
{ }

int Controller::begin(Report report)
{
    const int request = m_nextRequest++;
    const bool wasBusy = busy();
    m_open.insert(request, report);
    if (!wasBusy) {
        Q_EMIT busyChanged();
    }
    return request;
}

void Controller::close(int request)
{
    if (m_open.remove(request) > 0 && m_open.isEmpty()) {
        Q_EMIT busyChanged();
    }
}

void Controller::succeed(int request, std::function<void()> emitOutcome, const QString &summary)
{
    // Queued: a page stores the id it got before its outcome can arrive.
    QMetaObject::invokeMethod(
        this,
        [this, request, emitOutcome = std::move(emitOutcome), summary] {
            const Report report = m_open.value(request, Report::Signals);
            close(request);
            if (!m_lastError.isEmpty()) {
                m_lastError.clear();
                Q_EMIT lastErrorChanged();
            }
            emitOutcome();
            if (report == Report::Toast && !summary.isEmpty()) {
                Q_EMIT toast(summary);
            }
        },
        Qt::QueuedConnection);
}

void Controller::fail(int request, const QString &message, const QVariantList &problems, const QString &fault)
{
    QMetaObject::invokeMethod(
        this,
        [this, request, message, problems, fault] {
            const Report report = m_open.value(request, Report::Signals);
            close(request);
            if (m_lastError != message) {
                m_lastError = message;
                Q_EMIT lastErrorChanged();
            }
            Q_EMIT failed(request, message, problems, fault);
            if (report == Report::Toast) {
                Q_EMIT toast(message);
            }
        },
        Qt::QueuedConnection);
}

void Controller::fail(int request, const AdminClient::Reply &reply)
{
    fail(request, reply.message(), reply.problems(), reply.fault());
}

void Controller::toClipboard(const QString &text)
{
    if (QClipboard *clipboard = QGuiApplication::clipboard()) {
        clipboard->setText(text);
    }
}

void Controller::inTurn(const QStringList &items,
    std::function<void(const QString &item, std::function<void()> next)> step, std::function<void()> done)
{
    QPointer<Controller> self(this);
    auto index = std::make_shared<int>(0);
    auto run = std::make_shared<std::function<void()>>();
    // The loop holds itself only weakly; the `next` a step is waiting to call holds it, so it ends with the last
    // step (or when an answer never comes because this controller went away).
    *run = [self, items, step = std::move(step), done = std::move(done), index,
               loop = std::weak_ptr<std::function<void()>>(run)] {
        if (!self) {
            return;
        }
        if (*index >= items.size()) {
            done();
            return;
        }
        const QString item = items.at((*index)++);
        step(item, [again = loop.lock()] { (*again)(); });
    };
    (*run)();
}

} // namespace ga::ui
