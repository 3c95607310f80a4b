// SPDX-License-Identifier: GPL-3.0-or-later
#include "traycontroller.h"

#include "backend.h"
#include "setupcontroller.h"
#include "tokenscontroller.h"

namespace ga::ui {

TrayController::TrayController(Backend *backend, QObject *parent)
    : QObject(parent)
    , m_backend(backend)
    , m_modes(this)
{
    build();
    m_tray.setContextMenu(&m_menu);
    connect(&m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick) {
            Q_EMIT openRequested();
        }
    });
    connect(m_backend, &Backend::statusChanged, this, &TrayController::update);
    connect(m_backend, &Backend::languageChanged, this, &TrayController::update);
    update();
}

QString TrayController::iconPath(const QString &state)
{
    return QStringLiteral(":/GeminiAggregator/Ui/icons/tray-%1.svg").arg(state);
}

void TrayController::show()
{
    m_tray.show();
}

QAction *TrayController::action(const QString &name) const
{
    return m_actions.value(name);
}

void TrayController::build()
{
    auto add = [this](const QString &name, auto slot) {
        QAction *a = m_menu.addAction(QString());
        a->setObjectName(name);
        connect(a, &QAction::triggered, this, slot);
        m_actions.insert(name, a);
        return a;
    };
    add(QStringLiteral("open"), [this] { Q_EMIT openRequested(); });
    add(QStringLiteral("toggle"), [this] { m_backend->setListening(!m_backend->listening()); });
    m_menu.addSeparator();
    QMenu *modes = m_menu.addMenu(QString());
    modes->setObjectName(QStringLiteral("modeMenu"));
    m_actions.insert(QStringLiteral("modeMenu"), modes->menuAction());
    for (const QString &mode : { QStringLiteral("local"), QStringLiteral("serverless"), QStringLiteral("hybrid") }) {
        QAction *a = modes->addAction(QString());
        a->setObjectName(mode);
        a->setCheckable(true);
        m_modes.addAction(a);
        connect(a, &QAction::triggered, this, [this, mode] { m_backend->setMode(mode); });
        m_actions.insert(mode, a);
    }
    m_menu.addSeparator();
    add(QStringLiteral("copyEndpoint"), [this] { m_backend->copyEndpoint(); });
    // No page listens for how these end: they report on the toast line (the tray says it while the window is hidden).
    add(QStringLiteral("copyToken"),
        [this] { m_backend->tokensController()->copyToken(QString(), Controller::Report::Toast); });
    add(QStringLiteral("copyGeminiCli"),
        [this] { m_backend->setupController()->copySetup(QStringLiteral("gemini-cli"), Controller::Report::Toast); });
    m_menu.addSeparator();
    add(QStringLiteral("test"), [this] { m_backend->testAll(Controller::Report::Toast); });
    add(QStringLiteral("logs"), [this] { m_backend->openLogsFolder(); });
    m_menu.addSeparator();
    add(QStringLiteral("quit"), [this] { Q_EMIT quitRequested(); });
}

void TrayController::update()
{
    m_actions.value(QStringLiteral("open"))->setText(tr("Open Gemini Aggregator"));
    m_actions.value(QStringLiteral("toggle"))->setText(m_backend->listening() ? tr("Stop proxy") : tr("Start proxy"));
    m_actions.value(QStringLiteral("modeMenu"))->setText(tr("Deployment mode"));
    m_actions.value(QStringLiteral("local"))->setText(tr("Local (direct to Google)"));
    m_actions.value(QStringLiteral("serverless"))->setText(tr("Serverless (relays only)"));
    m_actions.value(QStringLiteral("hybrid"))->setText(tr("Hybrid (relay first, then direct)"));
    m_actions.value(QStringLiteral("copyEndpoint"))->setText(tr("Copy endpoint URL"));
    m_actions.value(QStringLiteral("copyToken"))->setText(tr("Copy access token"));
    m_actions.value(QStringLiteral("copyGeminiCli"))->setText(tr("Copy setup for Gemini CLI"));
    m_actions.value(QStringLiteral("test"))->setText(tr("Test keys and relays"));
    m_actions.value(QStringLiteral("logs"))->setText(tr("Open logs folder"));
    m_actions.value(QStringLiteral("quit"))->setText(tr("Quit"));
    if (QAction *current = m_actions.value(m_backend->mode())) {
        current->setChecked(true);
    }
    m_actions.value(QStringLiteral("copyEndpoint"))->setEnabled(m_backend->listening());
    const QString state = m_backend->state();
    if (state != m_iconState) {
        m_iconState = state;
        m_tray.setIcon(QIcon(iconPath(state)));
    }
    m_tray.setToolTip(m_backend->statusText());
}

void TrayController::showMessage(const QString &title, const QString &message, bool warning)
{
    m_notice.replacedByMessage();
    m_tray.showMessage(title, message, warning ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information, 8000);
    Q_EMIT messageShown(title, message);
}

void TrayController::showNotice(const QString &title, const QString &message)
{
    m_notice.show(title, message);
    Q_EMIT messageShown(title, message);
}

void TrayController::withdrawNotice()
{
    m_notice.withdraw();
}

} // namespace ga::ui
