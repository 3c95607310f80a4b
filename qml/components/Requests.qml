// SPDX-License-Identifier: GPL-3.0-or-later
import QtQml

// The requests one page or dialog started on a controller, each with what it wants done with the outcome.
// The controllers are singletons that every page listens to, and each outcome signal names its request:
// take() answers only for this one's own, so a page never reacts to another page's request.
//   const request = KeysController.removeKeys(ids); requests.add(request, { ids: ids })
//   Connections { target: KeysController; function onKeysRemoved(request) { const mine = requests.take(request); … } }
QtObject {
    id: requests

    property var open: ({})
    // Requests still on their way.
    readonly property int count: Object.keys(requests.open).length

    // Remembers `request` (what a controller's action returned) with `context`; returns `request`.
    function add(request, context) {
        const next = Object.assign({}, requests.open)
        next[request] = context === undefined ? true : context
        requests.open = next
        return request
    }
    // The context of `request` when it is one of these (and forgets it); undefined for any other.
    function take(request) {
        if (!(request in requests.open))
            return undefined
        const context = requests.open[request]
        const next = Object.assign({}, requests.open)
        delete next[request]
        requests.open = next
        return context
    }
}
