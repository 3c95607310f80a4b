// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtTest
import GeminiAggregator.Ui

// The Keys page's actions go through KeysController and come back through its signals: disable says so and the
// row follows; a test shows "pending", then the result.
Item {
    id: root
    width: 1000
    height: 700

    SignalSpy {
        id: toastSpy
        target: Backend
        signalName: "toast"
    }

    TestCase {
        name: "KeysPage"
        when: windowShown

        // A key-shaped string made here ("AIza" + 35 characters), never a real key.
        function fakeKey(n) {
            let tail = "QMLPAGE" + n
            while (tail.length < 35)
                tail += "x"
            return "AIza" + tail
        }
        function idOf(label) {
            for (let i = 0; i < Backend.keys.count; ++i) {
                if (Backend.keys.get(i).label === label)
                    return Backend.keys.get(i).id
            }
            return ""
        }

        function rowItem(item, id) {
            if (item.testText !== undefined && item.model && item.model.id === id)
                return item
            for (let i = 0; i < item.children.length; ++i) {
                const found = rowItem(item.children[i], id)
                if (found)
                    return found
            }
            if (item.contentItem && item.contentItem !== item && item.contentItem.parent !== item) {
                const found = rowItem(item.contentItem, id)
                if (found)
                    return found
            }
            return null
        }

        function test_disableAndTest() {
            const component = Qt.createComponent("qrc:/GeminiAggregator/Ui/pages/KeysPage.qml")
            compare(component.status, Component.Ready, component.errorString())
            const page = createTemporaryObject(component, root, { width: root.width, height: root.height })
            verify(page)

            KeysController.addKeys(fakeKey(1), "page-key", "", false)
            tryVerify(function () { return idOf("page-key") !== "" }, 10000)
            const id = idOf("page-key")

            toastSpy.clear()
            page.setEnabled([id], false)
            tryCompare(toastSpy, "count", 1, 10000)
            // "Disabled 1 key." (or the untranslated "Disabled 1 key(s).")
            verify(String(toastSpy.signalArguments[0][0]).indexOf("Disabled 1 key") === 0, toastSpy.signalArguments[0][0])
            tryVerify(function () { return Backend.keys.get(Backend.keys.indexOf(id)).enabled === false }, 10000)

            // A test shows its result without changing the row's height (the row may be under the mouse).
            const keyRow = rowItem(page, id)
            verify(keyRow, "no row for the key")
            const height = keyRow.height
            toastSpy.clear()
            page.test([id])
            compare(page.testResults[id].result, "pending")
            compare(page.testsRunning, 1)
            tryCompare(toastSpy, "count", 1, 10000)
            verify(/^0 of 1 key/.test(String(toastSpy.signalArguments[0][0])), toastSpy.signalArguments[0][0])
            verify(page.testResults[id].result !== "pending")
            compare(page.testsRunning, 0)
            tryVerify(function () { return keyRow.test !== undefined && keyRow.test.result !== "pending" })
            compare(keyRow.height, height)
        }
    }
}
