// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtTest
import GeminiAggregator.Ui

// Keyboard only: Return presses the focused button (as Space does), a dialog's fields end in its default action,
// and the Settings page saves with Ctrl+S and with Return in a field.
Item {
    id: root
    width: 1000
    height: 700

    EnterPressesButtons {
        window: root.Window.window
    }

    SignalSpy {
        id: toastSpy
        target: Backend
        signalName: "toast"
    }
    SignalSpy {
        id: savedSpy
        target: SettingsController
        signalName: "settingsSaved"
    }

    Button {
        id: opener
        text: "Add keys"
        onClicked: addDialog.open()
    }
    AddKeysDialog {
        id: addDialog
    }
    EditKeyDialog {
        id: editDialog
    }

    TestCase {
        name: "Keyboard"
        when: windowShown

        // A key-shaped string made here ("AIza" + 35 characters), never a real key.
        function fakeKey(n) {
            let tail = "KEYBOARD" + n
            while (tail.length < 35)
                tail += "x"
            return "AIza" + tail
        }
        function rowOf(label) {
            for (let i = 0; i < Backend.keys.count; ++i) {
                if (Backend.keys.get(i).label === label)
                    return Backend.keys.get(i)
            }
            return null
        }
        function type(text) {
            for (const c of text)
                keyClick(c)
        }

        function test_1_returnPressesTheFocusedButton() {
            let clicks = 0
            const button = createTemporaryObject(buttonComponent, root, { y: 100 })
            button.clicked.connect(function () { ++clicks })
            button.forceActiveFocus()
            verify(button.activeFocus)
            keyClick(Qt.Key_Return)
            compare(clicks, 1)
            keyClick(Qt.Key_Enter)
            compare(clicks, 2)
            // Space still works, and a disabled button ignores Return.
            keyClick(Qt.Key_Space)
            compare(clicks, 3)
            button.enabled = false
            keyClick(Qt.Key_Return)
            compare(clicks, 3)
        }

        function test_2_addAKeyAndEditItWithReturn() {
            // Open the dialog from a focused button with Return.
            opener.forceActiveFocus()
            keyClick(Qt.Key_Return)
            tryCompare(addDialog, "opened", true)
            // The keys box has focus; type a key, Tab to the label, Return adds.
            type(fakeKey(1))
            keyClick(Qt.Key_Tab)
            type("kbd")
            keyClick(Qt.Key_Return)
            tryVerify(function () { return rowOf("kbd") !== null }, 10000)
            tryCompare(addDialog, "opened", false)

            // Edit: the label field has focus; replace the label, Return saves and closes.
            editDialog.openFor(rowOf("kbd"))
            tryCompare(editDialog, "opened", true)
            keySequence(StandardKey.SelectAll)
            type("kbd-edited")
            keyClick(Qt.Key_Return)
            tryVerify(function () { return rowOf("kbd-edited") !== null }, 10000)
            tryCompare(editDialog, "opened", false)

            // Open it again and save from the focused Save button with Return.
            const row = rowOf("kbd-edited")
            editDialog.openFor(row)
            tryCompare(editDialog, "opened", true)
            keySequence(StandardKey.SelectAll)
            type("kbd-button")
            const save = findSaveButton(editDialog.footer)
            verify(save)
            save.forceActiveFocus()
            keyClick(Qt.Key_Return)
            tryVerify(function () { return rowOf("kbd-button") !== null }, 10000)
            tryCompare(editDialog, "opened", false)
        }

        function findSaveButton(item) {
            if (!item)
                return null
            if (item.text === qsTr("Save") && item.clicked !== undefined)
                return item
            const children = item.contentChildren !== undefined ? item.contentChildren : item.children
            for (let i = 0; i < children.length; ++i) {
                const found = findSaveButton(children[i])
                if (found)
                    return found
            }
            return null
        }

        function test_3_settingsSaveWithCtrlSAndReturn() {
            const component = Qt.createComponent("qrc:/GeminiAggregator/Ui/pages/SettingsPage.qml")
            compare(component.status, Component.Ready, component.errorString())
            const page = createTemporaryObject(component, root, { width: root.width, height: root.height })
            verify(page)
            const path = "upstream.connectTimeoutMs"
            const before = SettingsController.setting(path).value

            page.forceActiveFocus()
            savedSpy.clear()
            page.setValue(path, before + 7)
            keySequence(StandardKey.Save)
            tryCompare(savedSpy, "count", 1, 10000)
            tryVerify(function () { return SettingsController.setting(path).value === before + 7 }, 10000)

            // Return in a field saves too.
            const field = findField(page, path)
            verify(field, "no field for " + path)
            const input = findTextInput(field)
            verify(input, "the field has no text input")
            input.forceActiveFocus()
            keySequence(StandardKey.SelectAll)
            type(String(before))
            savedSpy.clear()
            keyClick(Qt.Key_Return)
            tryCompare(savedSpy, "count", 1, 10000)
            tryVerify(function () { return SettingsController.setting(path).value === before }, 10000)
        }

        function findField(item, path) {
            if (!item)
                return null
            if (item.path === path && item.form !== undefined)
                return item
            for (let i = 0; i < item.children.length; ++i) {
                const found = findField(item.children[i], path)
                if (found)
                    return found
            }
            if (item.contentItem && item.contentItem !== item) {
                const found = findField(item.contentItem, path)
                if (found)
                    return found
            }
            return null
        }
        function findTextInput(item) {
            if (!item)
                return null
            if (item.cursorPosition !== undefined && item.selectAll !== undefined && item.visible)
                return item
            for (let i = 0; i < item.children.length; ++i) {
                const found = findTextInput(item.children[i])
                if (found)
                    return found
            }
            return null
        }
    }

    Component {
        id: buttonComponent
        Button {
            text: "Press me"
        }
    }
}
