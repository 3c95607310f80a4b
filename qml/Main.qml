// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import GeminiAggregator.Ui
import "components"
import "pages"

// The main window: navigation on the left, the current page on the right, warnings on top. Closing it
// keeps the app running in the tray.
// Keyboard: Ctrl+1…8 pick a page, Ctrl+Tab / Ctrl+Shift+Tab (or Ctrl+PgDown / Ctrl+PgUp) step through them,
// arrows move in the navigation list.
ApplicationWindow {
    id: window
    width: Math.round(theme.em * 72)
    height: Math.round(theme.em * 42)
    minimumWidth: Math.round(theme.em * 40)
    minimumHeight: Math.round(theme.em * 26)
    // Shown by the app (DesktopApp) unless it starts in the tray (--minimized).
    visible: false
    title: qsTr("Gemini Aggregator")

    // dashboard | keys | instances | bindings | files | logs | settings | firstrun
    // Starts on the first-run guide while no key exists (set once: adding a key must not leave the guide).
    property string currentPage: "dashboard"
    // Pages shown so far (id → true): a page is made the first time it is shown, then kept.
    property var visited: ({})
    // The current page is made and ready (tests wait on it).
    readonly property bool pageLoaded: pageRepeater.count > window.pageIndex
                                       && pageRepeater.itemAt(window.pageIndex) !== null
                                       && pageRepeater.itemAt(window.pageIndex).status === Loader.Ready
    onCurrentPageChanged: window.markVisited()
    Component.onCompleted: {
        if (Backend.listenProblem !== "")
            window.currentPage = "settings" // the address could not be bound: where it is changed
        else if (Backend.firstRun && window.currentPage === "dashboard")
            window.currentPage = "firstrun"
        window.markVisited()
    }
    function markVisited() {
        if (window.visited[window.currentPage] !== true) {
            const next = Object.assign({}, window.visited)
            next[window.currentPage] = true
            window.visited = next
        }
    }

    readonly property var pages: [
        { id: "dashboard", title: qsTr("Dashboard"), icon: "dashboard" },
        { id: "keys", title: qsTr("Keys"), icon: "key" },
        { id: "instances", title: qsTr("Relays"), icon: "relay" },
        { id: "bindings", title: qsTr("Bindings"), icon: "link" },
        { id: "files", title: qsTr("Files"), icon: "folder" },
        { id: "logs", title: qsTr("Logs"), icon: "logs" },
        { id: "settings", title: qsTr("Settings"), icon: "settings" },
        { id: "firstrun", title: qsTr("Get started"), icon: "start" }
    ]
    readonly property int pageIndex: {
        for (let i = 0; i < pages.length; ++i) {
            if (pages[i].id === window.currentPage)
                return i
        }
        return 0
    }

    function showPage(id) {
        for (let i = 0; i < pages.length; ++i) {
            if (pages[i].id === id) {
                window.currentPage = id
                return
            }
        }
    }
    function stepPage(delta) {
        const n = pages.length
        window.currentPage = pages[(pageIndex + delta + n) % n].id
    }
    function stateName(state) {
        switch (state) {
        case "running": return qsTr("Running")
        case "degraded": return qsTr("Degraded")
        case "stopped": return qsTr("Stopped")
        case "error": return qsTr("Error")
        }
        return state
    }
    function modeName(mode) {
        switch (mode) {
        case "local": return qsTr("Local")
        case "serverless": return qsTr("Serverless")
        case "hybrid": return qsTr("Hybrid")
        }
        return mode
    }
    function bringToFront() {
        window.show()
        window.raise()
        window.requestActivate()
    }
    function hideToTray() {
        window.hide()
        if (typeof Backend.noteWindowClosed === "function")
            Backend.noteWindowClosed()
    }

    Theme {
        id: theme
        palette: window.palette
        font: window.font
    }

    onClosing: (close) => {
        close.accepted = false
        window.hideToTray()
    }

    Connections {
        target: Backend
        function onShowWindowRequested() { window.bringToFront() }
        function onToast(message) { toast.show(message) }
    }

    Shortcut {
        sequence: "Ctrl+1"
        onActivated: window.currentPage = "dashboard"
    }
    Shortcut {
        sequence: "Ctrl+2"
        onActivated: window.currentPage = "keys"
    }
    Shortcut {
        sequence: "Ctrl+3"
        onActivated: window.currentPage = "instances"
    }
    Shortcut {
        sequence: "Ctrl+4"
        onActivated: window.currentPage = "bindings"
    }
    Shortcut {
        sequence: "Ctrl+5"
        onActivated: window.currentPage = "files"
    }
    Shortcut {
        sequence: "Ctrl+6"
        onActivated: window.currentPage = "logs"
    }
    Shortcut {
        sequence: "Ctrl+7"
        onActivated: window.currentPage = "settings"
    }
    Shortcut {
        sequence: "Ctrl+8"
        onActivated: window.currentPage = "firstrun"
    }
    Shortcut {
        sequences: [StandardKey.NextChild, "Ctrl+PgDown"]
        onActivated: window.stepPage(1)
    }
    Shortcut {
        sequences: [StandardKey.PreviousChild, "Ctrl+PgUp"]
        onActivated: window.stepPage(-1)
    }
    Shortcut {
        sequences: [StandardKey.Close]
        onActivated: window.hideToTray()
    }
    Shortcut {
        sequences: [StandardKey.Quit]
        onActivated: Backend.quit()
    }

    header: ColumnLayout {
        spacing: 0
        Banner {
            Layout.fillWidth: true
            Layout.margins: theme.em * 0.4
            visible: Backend.remoteAccess
            kind: "warn"
            text: qsTr("Other machines can reach the proxy at %1. Anyone with an access token can use your keys.").arg(Backend.endpoint)
            actionText: qsTr("Settings")
            onActionTriggered: window.currentPage = "settings"
        }
        Banner {
            Layout.fillWidth: true
            Layout.margins: theme.em * 0.4
            visible: Backend.state === "error" && Backend.errorText !== ""
            kind: "bad"
            text: Backend.errorText
            actionText: qsTr("Try again")
            onActionTriggered: Backend.setListening(true)
        }
    }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        // Navigation
        Pane {
            Layout.fillHeight: true
            Layout.preferredWidth: Math.max(theme.em * 12.5, navList.widest + theme.em)
            padding: theme.em * 0.5
            background: Rectangle {
                color: Qt.tint(window.palette.window, theme.wash(window.palette.windowText, theme.dark ? 0.05 : 0.03))
                Rectangle {
                    anchors.top: parent.top
                    anchors.bottom: parent.bottom
                    anchors.right: parent.right
                    width: 1
                    color: theme.border
                }
            }
            contentItem: ColumnLayout {
                spacing: theme.spacing
                RowLayout {
                    Layout.fillWidth: true
                    Layout.margins: theme.em * 0.3
                    spacing: theme.spacing
                    Image {
                        source: Qt.resolvedUrl("icons/tray-" + (["running", "degraded", "stopped", "error"].indexOf(Backend.state) >= 0 ? Backend.state : "stopped") + ".svg")
                        sourceSize: Qt.size(theme.em * 1.5, theme.em * 1.5)
                        Layout.preferredWidth: theme.em * 1.5
                        Layout.preferredHeight: theme.em * 1.5
                    }
                    Label {
                        Layout.fillWidth: true
                        text: qsTr("Gemini Aggregator")
                        font.bold: true
                        elide: Text.ElideRight
                    }
                }
                ListView {
                    id: navList
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    model: window.pages
                    currentIndex: window.pageIndex
                    focus: true
                    activeFocusOnTab: true
                    keyNavigationEnabled: true
                    keyNavigationWraps: true
                    boundsBehavior: Flickable.StopAtBounds
                    clip: true
                    spacing: 2
                    Accessible.role: Accessible.PageTabList
                    Accessible.name: qsTr("Pages")
                    property real widest: 0
                    // Arrow keys move the current item; the page follows it.
                    onCurrentIndexChanged: {
                        if (currentIndex >= 0 && currentIndex < window.pages.length && window.pages[currentIndex].id !== window.currentPage)
                            window.currentPage = window.pages[currentIndex].id
                    }
                    Connections {
                        target: window
                        function onPageIndexChanged() {
                            if (navList.currentIndex !== window.pageIndex)
                                navList.currentIndex = window.pageIndex
                        }
                    }
                    delegate: ItemDelegate {
                        id: navItem
                        required property var modelData
                        required property int index
                        width: ListView.view.width
                        text: modelData.title
                        highlighted: ListView.isCurrentItem
                        focusPolicy: Qt.NoFocus
                        icon.source: Qt.resolvedUrl("icons/" + modelData.icon + ".svg")
                        icon.color: highlighted ? window.palette.highlightedText : window.palette.windowText
                        Accessible.role: Accessible.PageTab
                        Accessible.name: modelData.title
                        ToolTip.visible: hovered
                        ToolTip.delay: 1200
                        ToolTip.text: qsTr("Ctrl+%1").arg(index + 1)
                        onClicked: window.currentPage = modelData.id
                        Component.onCompleted: navList.widest = Math.max(navList.widest, implicitWidth)
                        // Shows keyboard focus on the list (the delegate itself takes none).
                        Rectangle {
                            anchors.fill: parent
                            visible: navItem.highlighted && navList.activeFocus
                            color: "transparent"
                            border.color: window.palette.highlightedText
                            border.width: 1
                            radius: 2
                        }
                        // Unread counters: keys that need attention.
                        StateBadge {
                            anchors.right: parent.right
                            anchors.rightMargin: theme.em * 0.4
                            anchors.verticalCenter: parent.verticalCenter
                            visible: navItem.modelData.id === "keys" && (Backend.invalidKeys > 0)
                            text: String(Backend.invalidKeys)
                            kind: "bad"
                        }
                    }
                }
                ColumnLayout {
                    Layout.fillWidth: true
                    Layout.margins: theme.em * 0.3
                    spacing: theme.spacing * 0.4
                    RowLayout {
                        Layout.fillWidth: true
                        spacing: theme.spacing * 0.6
                        Rectangle {
                            implicitWidth: theme.em * 0.6
                            implicitHeight: theme.em * 0.6
                            radius: width / 2
                            color: Backend.state === "running" ? theme.good
                                 : Backend.state === "degraded" ? theme.warn
                                 : Backend.state === "error" ? theme.bad : theme.neutral
                        }
                        Label {
                            Layout.fillWidth: true
                            text: window.stateName(Backend.state) + " · " + window.modeName(Backend.mode)
                            elide: Text.ElideRight
                            color: theme.neutral
                            ToolTip.visible: statusHover.hovered
                            ToolTip.text: Backend.statusText
                            HoverHandler {
                                id: statusHover
                            }
                        }
                    }
                }
            }
        }

        // Pages, made the first time they are shown
        StackLayout {
            id: stack
            Layout.fillWidth: true
            Layout.fillHeight: true
            currentIndex: window.pageIndex

            Repeater {
                id: pageRepeater
                model: window.pages
                delegate: Loader {
                    id: pageLoader
                    required property var modelData
                    required property int index
                    active: window.visited[modelData.id] === true
                    sourceComponent: {
                        switch (modelData.id) {
                        case "dashboard": return dashboardPage
                        case "keys": return keysPage
                        case "instances": return instancesPage
                        case "bindings": return bindingsPage
                        case "files": return filesPage
                        case "logs": return logsPage
                        case "settings": return settingsPage
                        }
                        return firstRunPage
                    }
                    Connections {
                        target: pageLoader.item
                        function onNavigateTo(page) { window.showPage(page) }
                    }
                }
            }
        }
    }

    Toast {
        id: toast
    }

    Component {
        id: dashboardPage
        DashboardPage {}
    }
    Component {
        id: keysPage
        KeysPage {}
    }
    Component {
        id: instancesPage
        InstancesPage {}
    }
    Component {
        id: bindingsPage
        BindingsPage {}
    }
    Component {
        id: filesPage
        FilesPage {}
    }
    Component {
        id: logsPage
        LogsPage {}
    }
    Component {
        id: settingsPage
        SettingsPage {}
    }
    Component {
        id: firstRunPage
        FirstRunPage {}
    }
}
