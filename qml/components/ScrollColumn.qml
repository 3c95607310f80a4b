// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A vertically scrolling column that fills the width. Keyboard focus moving to a field outside the view
// scrolls it into view, so Tab through a long page works.
ScrollView {
    id: root
    default property alias content: column.data
    property alias columnSpacing: column.spacing

    Theme {
        id: theme
        palette: root.palette
        font: root.font
    }

    // Always laid out to fill its place: a fixed implicit size keeps the width out of binding loops.
    implicitWidth: theme.em * 20
    implicitHeight: theme.em * 10
    clip: true
    contentWidth: availableWidth
    ScrollBar.horizontal.policy: ScrollBar.AlwaysOff
    padding: theme.em
    rightPadding: theme.em + (ScrollBar.vertical.visible ? ScrollBar.vertical.width : 0)

    contentData: ColumnLayout {
        id: column
        width: root.availableWidth
        spacing: theme.em
    }

    function ensureVisible(item) {
        const flick = root.contentItem
        if (!item || !flick || flick.contentY === undefined)
            return
        let p = item
        while (p && p !== column)
            p = p.parent
        if (!p)
            return
        const top = item.mapToItem(column, 0, 0).y
        const bottom = top + item.height
        const margin = theme.em
        if (top - margin < flick.contentY)
            flick.contentY = Math.max(0, top - margin)
        else if (bottom + margin > flick.contentY + flick.height)
            flick.contentY = Math.max(0, Math.min(column.height - flick.height, bottom + margin - flick.height))
    }

    Connections {
        target: root.Window.window
        function onActiveFocusItemChanged() {
            if (root.visible && root.Window.window)
                root.ensureVisible(root.Window.window.activeFocusItem)
        }
    }
}
