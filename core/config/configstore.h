// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "config/configschema.h"

#include <QObject>
#include <QTimer>

#include <functional>

class QFileSystemWatcher;

namespace ga::config {

// Owns the config file: loads it, saves it atomically under a lock, and (once watch() is called)
// reloads it when anyone edits it, emitting changed() for valid edits and rejected() for invalid ones.
// A file that does not parse or validate is never written to.
class ConfigStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConfigStore)

public:
    struct UpdateResult
    {
        bool ok = false;
        QString error; // one sentence for the user
        QList<Problem> problems; // validation problems of the result, if that was the cause
    };
    // Edits the document; returns an error sentence to abort, or an empty string.
    using Change = std::function<QString(QJsonObject &document)>;

    explicit ConfigStore(const QString &path, QObject *parent = nullptr);
    ~ConfigStore() override;

    QString path() const { return m_path; }
    bool fileExists() const;

    // Reads the file. A missing file gives the defaults. When the result has errors, config() is unchanged.
    ParseResult load();
    const Config &config() const { return m_config; }
    QJsonObject document() const { return m_document; }

    // Read-modify-write under a lock file: re-reads the file, applies `change`, validates, saves.
    UpdateResult update(const Change &change);
    // Writes the default file when there is none (first run).
    UpdateResult ensureExists();

    void watch();
    int reloadDelayMs() const { return m_debounce.interval(); }
    bool reloadPending() const { return m_debounce.isActive(); } // a change was seen; the file is read shortly

Q_SIGNALS:
    void changed(const ga::config::Config &current, const ga::config::Config &previous);
    void rejected(const QString &reason);

private:
    void scheduleReload();
    void folderChanged();
    void reloadFromDisk();
    bool readFile(QByteArray *bytes, QString *error) const;
    bool writeFile(const QByteArray &bytes, QString *error) const;
    void adopt(const ParseResult &result, const QByteArray &bytes);

    QString m_path;
    Config m_config;
    QJsonObject m_document;
    QByteArray m_lastBytes;
    QFileSystemWatcher *m_watcher = nullptr;
    // The file as the folder's last change left it: the folder holds files the daemon writes all the time (the key
    // state every second under load), and a change of one of them is not a reason to read this.
    struct Stamp
    {
        bool exists = false;
        qint64 size = 0;
        qint64 modifiedMs = 0;
        qint64 changedMs = 0; // the metadata (a new file renamed over it has its own)
        bool operator==(const Stamp &) const = default;
    };
    static Stamp stampOf(const QString &path);
    Stamp m_stamp;
    QTimer m_debounce;
};

} // namespace ga::config
