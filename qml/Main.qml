// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl
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
        window.readStyle()
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
    ProxyStatus {
        id: proxyStatus
    }

    // The palette every page reads. It is the system's (light or dark, following the desktop), with the roles
    // text is drawn in made readable by the Theme. A style with colours of its own (Material, Universal) ignores
    // the palette; then its colours become the palette, so text the pages colour themselves reads on what the
    // style draws. The probes tell: they carry a marker colour that only a palette-following style shows.
    SystemPalette {
        id: systemColors
        colorGroup: SystemPalette.Active
    }
    readonly property color probeMarker: "#010203"
    // In a window of their own (never shown), so the palette set here cannot feed back into them.
    readonly property Window probes: Window {
        visible: false
        width: 10
        height: 10
        Label {
            id: textProbe
            palette.windowText: window.probeMarker
        }
        Pane {
            id: surfaceProbe
            palette.window: window.probeMarker
        }
    }
    // Read when the probes change, not bound: the palette set from them must not feed back into them.
    property color styleText: window.probeMarker
    property color styleSurface: window.probeMarker
    function readStyle() {
        window.styleText = textProbe.color
        const bg = surfaceProbe.background
        window.styleSurface = bg && bg.color !== undefined ? bg.color : window.probeMarker
    }
    Connections {
        target: textProbe
        function onColorChanged() { Qt.callLater(window.readStyle) }
    }
    Connections {
        target: surfaceProbe.background
        ignoreUnknownSignals: true
        function onColorChanged() { Qt.callLater(window.readStyle) }
    }
    readonly property bool styleHasOwnColours: !Qt.colorEqual(window.styleText, window.probeMarker)
                                               && !Qt.colorEqual(window.styleSurface, window.probeMarker)
    readonly property var sourcePalette: {
        if (!window.styleHasOwnColours)
            return systemColors
        const surface = window.styleSurface
        const text = window.styleText
        const m = (t) => sourceTheme.mix(surface, text, t)
        return {
            window: surface, windowText: text, base: m(0.05), alternateBase: m(0.09), text: text,
            button: m(0.12), buttonText: text, toolTipBase: m(0.14), toolTipText: text,
            placeholderText: Qt.rgba(text.r, text.g, text.b, 0.6), mid: m(0.3), light: m(0.2), midlight: m(0.15),
            dark: m(0.4), shadow: m(0.5), highlight: systemColors.highlight,
            highlightedText: systemColors.highlightedText
        }
    }
    Theme {
        id: sourceTheme
        palette: window.sourcePalette
    }
    readonly property color selectionText: sourceTheme.onColor(sourcePalette.highlight, sourcePalette.highlightedText)
    readonly property color selection: sourceTheme.fillFor(sourcePalette.highlight, window.selectionText)
    palette.active.window: window.sourcePalette.window
    palette.active.windowText: window.sourcePalette.windowText
    palette.active.base: window.sourcePalette.base
    palette.active.alternateBase: window.sourcePalette.alternateBase
    palette.active.text: window.sourcePalette.text
    palette.active.button: window.sourcePalette.button
    palette.active.buttonText: window.sourcePalette.buttonText
    palette.active.toolTipBase: window.sourcePalette.toolTipBase
    palette.active.toolTipText: window.sourcePalette.toolTipText
    palette.active.mid: window.sourcePalette.mid
    palette.active.placeholderText: sourceTheme.neutral
    palette.active.highlight: window.selection
    palette.active.highlightedText: window.selectionText
    palette.inactive.window: window.sourcePalette.window
    palette.inactive.windowText: window.sourcePalette.windowText
    palette.inactive.base: window.sourcePalette.base
    palette.inactive.alternateBase: window.sourcePalette.alternateBase
    palette.inactive.text: window.sourcePalette.text
    palette.inactive.button: window.sourcePalette.button
    palette.inactive.buttonText: window.sourcePalette.buttonText
    palette.inactive.toolTipBase: window.sourcePalette.toolTipBase
    palette.inactive.toolTipText: window.sourcePalette.toolTipText
    palette.inactive.mid: window.sourcePalette.mid
    palette.inactive.placeholderText: sourceTheme.neutral
    palette.inactive.highlight: window.selection
    palette.inactive.highlightedText: window.selectionText

    onClosing: (close) => {
        close.accepted = false
        window.hideToTray()
    }

    Connections {
        target: Backend
        function onShowWindowRequested() { window.bringToFront() }
        function onToast(message) { toast.show(message) }
    }

    // Return and Enter press the focused button, as Space does.
    EnterPressesButtons {
        window: window
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
            // Wide enough for the app's name and every page name (with its badge) in the current language.
            Layout.preferredWidth: Math.max(theme.em * 12.5, navList.widest + theme.em,
                                            appName.implicitWidth + theme.em * 1.5 + theme.spacing + theme.em * 1.6)
            padding: theme.em * 0.5
            background: Rectangle {
                color: theme.sidebar
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
                        id: appName
                        Layout.fillWidth: true
                        text: qsTr("Gemini Aggregator")
                        font.bold: true
                        wrapMode: Text.Wrap
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
                        // The selected page on the highlight, in the highlighted text's colour, in every style (Basic
                        // puts it on palette.light, Universal and Material in colours of their own, where the
                        // palette's text colours do not read).
                        contentItem: IconLabel {
                            spacing: navItem.spacing
                            mirrored: navItem.mirrored
                            display: navItem.display
                            alignment: Qt.AlignLeft | Qt.AlignVCenter
                            icon: navItem.icon
                            text: navItem.text
                            font: navItem.font
                            color: navItem.highlighted ? window.palette.highlightedText : window.palette.windowText
                        }
                        background: Rectangle {
                            implicitWidth: 100
                            implicitHeight: 20
                            color: navItem.highlighted ? window.palette.highlight
                                                       : navItem.down ? window.palette.midlight : "transparent"
                        }
                        Accessible.role: Accessible.PageTab
                        Accessible.name: modelData.title
                        ToolTip.visible: hovered
                        ToolTip.delay: 1200
                        ToolTip.text: qsTr("Ctrl+%1").arg(index + 1)
                        onClicked: window.currentPage = modelData.id
                        Component.onCompleted: navList.widest = Math.max(navList.widest, implicitWidth
                                                                         + (keysBadge.visible ? keysBadge.implicitWidth + theme.em * 0.4 : 0))
                        // Shows keyboard focus on the list (the delegate itself takes none).
                        // Inset and 2 px wide in the highlighted text's colour: it shows on the selected item's highlight.
                        Rectangle {
                            objectName: "navFocusRing"
                            anchors.fill: parent
                            anchors.margins: 3
                            visible: navItem.highlighted && navList.activeFocus
                            color: "transparent"
                            border.color: window.palette.highlightedText
                            border.width: 2
                            radius: 2
                        }
                        // Unread counters: keys that need attention.
                        StateBadge {
                            id: keysBadge
                            anchors.right: parent.right
                            anchors.rightMargin: theme.em * 0.4
                            anchors.verticalCenter: parent.verticalCenter
                            visible: navItem.modelData.id === "keys" && (Backend.invalidKeys > 0)
                            text: String(Backend.invalidKeys)
                            kind: "bad"
                            // Solid, so it reads on the selected item's highlight as well.
                            solid: true
                            Accessible.name: qsTr("%n key(s) invalid", "", Backend.invalidKeys)
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
                        StateBadge {
                            id: stateBadge
                            text: proxyStatus.name
                            kind: proxyStatus.kind
                            solid: true
                            Layout.maximumWidth: parent.width
                            HoverHandler {
                                id: statusHover
                            }
                            ToolTip.visible: statusHover.hovered
                            ToolTip.text: proxyStatus.why !== "" ? proxyStatus.why : Backend.statusText
                            Accessible.description: proxyStatus.why
                        }
                        Label {
                            Layout.fillWidth: true
                            text: window.modeName(Backend.mode)
                            elide: Text.ElideRight
                            color: theme.neutral
                        }
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: proxyStatus.why !== ""
                        text: proxyStatus.reasons.length > 0 ? proxyStatus.reasons[0] : ""
                        wrapMode: Text.Wrap
                        maximumLineCount: 3
                        elide: Text.ElideRight
                        color: theme.neutral
                        font.pointSize: Qt.application.font.pointSize > 0 ? Math.max(7, Qt.application.font.pointSize - 1) : 9
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
        objectName: "toast"
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
