// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import GeminiAggregator.Ui

// Display names for ids that requests and bindings refer to.
QtObject {
    // "work (AIza…x9Q2)" for a key id, or the id when the key is gone.
    function keyName(id) {
        const row = Backend.keys.indexOf(id)
        if (row < 0)
            return id
        const k = Backend.keys.get(row)
        return k.label ? k.label + " (" + k.masked + ")" : k.masked
    }
    function keyLabel(id) {
        const row = Backend.keys.indexOf(id)
        if (row < 0)
            return id
        const k = Backend.keys.get(row)
        return k.label ? k.label : k.masked
    }
    // "Direct" for direct routes, the relay's name for a relay id.
    function routeName(route) {
        if (!route || route === "direct")
            return qsTr("Direct")
        const row = Backend.instances.indexOf(route)
        return row < 0 ? route : Backend.instances.get(row).name
    }
}
