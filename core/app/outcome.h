// SPDX-License-Identifier: GPL-3.0-or-later
// What an application operation ended with. The adapters map it: the admin API to an HTTP status and its JSON
// error, the CLI to an exit code and one sentence on stderr, the GUI to a message. Operations never print.
#pragma once

#include "config/configstore.h"

#include <QList>
#include <QString>

#include <functional>

namespace ga::app {

enum class Fault
{
    None,
    Invalid, // the input breaks a rule; `problems` say where (HTTP 400, CLI usage or failure)
    NotFound, // the named key/instance/token does not exist (404)
    Conflict, // it exists already, or the port is taken (409)
    Busy, // another writer holds the secrets journal (503)
    Failed // the secret store or the disk refused (500)
};

struct Outcome
{
    Fault fault = Fault::None;
    QString message; // one sentence that says what to do; may name, never contain, a secret
    QList<config::Problem> problems;

    bool ok() const { return fault == Fault::None; }

    static Outcome done() { return {}; }
    static Outcome invalid(const QString &message, const QList<config::Problem> &problems = {})
    {
        return { Fault::Invalid, message, problems };
    }
    static Outcome notFound(const QString &message) { return { Fault::NotFound, message, {} }; }
    static Outcome conflict(const QString &message, const QList<config::Problem> &problems = {})
    {
        return { Fault::Conflict, message, problems };
    }
    static Outcome busy(const QString &message) { return { Fault::Busy, message, {} }; }
    static Outcome failed(const QString &message) { return { Fault::Failed, message, {} }; }
    // A config save the store refused: Invalid when the result broke a rule, Failed when the write itself failed.
    static Outcome refused(const config::ConfigStore::UpdateResult &saved)
    {
        return { saved.problems.isEmpty() ? Fault::Failed : Fault::Invalid, saved.error, saved.problems };
    }
};

inline config::Problem problemAt(const QString &path, const QString &message)
{
    config::Problem p;
    p.path = path;
    p.message = message;
    return p;
}

// The completion of an asynchronous operation (the secret store answers later); called once, on the thread of the
// workspace's context.
using Done = std::function<void(const Outcome &)>;

} // namespace ga::app
