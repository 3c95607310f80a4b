// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick

// Turns a list model (anything with count and get(row)) into [{value, text}] for a ComboBox, kept in step with
// the model. `leading` entries come first ("All keys", "Direct"). With `distinct`, rows with the same value
// appear once, sorted. `live: false` rebuilds only when rebuild() is called (for busy models such as the history).
QtObject {
    id: list
    property var model: null
    property string valueRole: "id"
    property string textRole: "name"
    // Shown after the text in parentheses when set (e.g. the masked key after its label).
    property string detailRole
    property var leading: []
    property bool distinct: false
    property bool live: true
    property var choices: []

    function rebuild() {
        const out = (list.leading || []).slice()
        const seen = {}
        const rows = []
        const m = list.model
        if (m) {
            for (let i = 0; i < m.count; ++i) {
                const row = m.get(i)
                const value = row[list.valueRole]
                if (value === undefined || value === null || value === "")
                    continue
                if (list.distinct) {
                    if (seen[value])
                        continue
                    seen[value] = true
                }
                let text = row[list.textRole] ? String(row[list.textRole]) : String(value)
                if (list.detailRole && row[list.detailRole])
                    text += " (" + row[list.detailRole] + ")"
                rows.push({ value: String(value), text: text })
            }
        }
        if (list.distinct)
            rows.sort((a, b) => a.text.localeCompare(b.text))
        list.choices = out.concat(rows)
    }
    // The text for a value, or the value itself.
    function textFor(value) {
        for (let i = 0; i < list.choices.length; ++i) {
            if (list.choices[i].value === value)
                return list.choices[i].text
        }
        return value
    }

    onModelChanged: rebuild()
    onLeadingChanged: rebuild()
    Component.onCompleted: rebuild()

    property Connections watcher: Connections {
        target: list.live ? list.model : null
        function onRowsInserted() { list.rebuild() }
        function onRowsRemoved() { list.rebuild() }
        function onRowsMoved() { list.rebuild() }
        function onModelReset() { list.rebuild() }
        function onDataChanged() { list.rebuild() }
    }
}
