// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QtQml/qqmlregistration.h>

namespace ga::ui {

// What the QML window knows about the app. The full models (keys, instances, metrics) arrive with the
// desktop app issue; this is the seam they plug into.
class UiBackend : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_PROPERTY(QString version READ version CONSTANT)
    Q_PROPERTY(QString configPath READ configPath CONSTANT)

public:
    explicit UiBackend(QObject *parent = nullptr);

    QString version() const;
    QString configPath() const;
};

} // namespace ga::ui
