// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtQuick.Controls
import QtTest
import GeminiAggregator.Ui

// Pasting keys: each line is checked as it is typed, only valid new keys are added, and the pasted text is
// gone from the screen once they are.
Item {
    id: root
    width: 800
    height: 600

    Component {
        id: formComponent
        AddKeysForm {
            width: root.width
        }
    }

    SignalSpy {
        id: addedSpy
        signalName: "added"
    }
    SignalSpy {
        id: otherSpy
        signalName: "added"
    }
    SignalSpy {
        id: toastSpy
        target: Backend
        signalName: "toast"
    }

    TestCase {
        name: "AddKeysForm"
        when: windowShown

        // A key-shaped string made here ("AIza" + 35 characters), never a real key.
        function fakeKey(n) {
            let tail = "QMLTEST" + n
            while (tail.length < 35)
                tail += "x"
            return "AIza" + tail
        }

        function findByName(item, name) {
            if (item.objectName === name)
                return item
            for (let i = 0; i < item.children.length; ++i) {
                const found = findByName(item.children[i], name)
                if (found)
                    return found
            }
            return null
        }

        function test_checksAndAdds() {
            const form = createTemporaryObject(formComponent, root)
            verify(form)
            const area = findByName(form, "keysArea")
            verify(area, "the key text area has objectName keysArea")
            compare(form.canAdd, false)

            const before = Backend.keys.count
            area.text = fakeKey(1) + "\nnot a key\n" + fakeKey(2) + "\n"
            compare(form.validCount, 2)
            compare(form.problems.length, 1)
            verify(form.canAdd)

            addedSpy.target = form
            addedSpy.clear()
            form.submit()
            addedSpy.wait(10000)
            compare(addedSpy.signalArguments[0][0].length, 2)
            tryCompare(Backend.keys, "count", before + 2, 10000)
            compare(area.text, "", "the pasted keys are cleared once added")

            // The same keys again: duplicates, nothing to add.
            area.text = fakeKey(1)
            compare(form.validCount, 0)
            compare(form.duplicateCount, 1)
            compare(form.canAdd, false)
            area.text = ""
        }

        // The toast says what was added, what was skipped (duplicates, invalid lines) and how a test went.
        function test_summarySaysWhatWasSkipped() {
            const form = createTemporaryObject(formComponent, root)
            verify(form)
            const area = findByName(form, "keysArea")
            area.text = fakeKey(11)
            addedSpy.target = form
            addedSpy.clear()
            form.submit()
            addedSpy.wait(10000)

            toastSpy.clear()
            addedSpy.clear()
            // One known key (a duplicate), one line that is no key, one new key.
            area.text = fakeKey(11) + "\nnot a key\n" + fakeKey(12) + "\n"
            form.submit()
            addedSpy.wait(10000)
            tryCompare(toastSpy, "count", 1, 5000)
            const toast = String(toastSpy.signalArguments[0][0])
            // Untranslated here: the numerus source texts with %n filled in.
            verify(/^Added 1 key/.test(toast), toast)
            verify(toast.indexOf("1 duplicate") >= 0, toast)
            verify(toast.indexOf("1 invalid line") >= 0, toast)

            const tested = form.summary([{ id: "a", result: "valid" }, { id: "b", result: "invalid" }], 0, 0, 0)
            verify(/^Added 2 key.*Test: 1 of 2 key/.test(tested), tested)
            verify(tested.indexOf("duplicate") < 0 && tested.indexOf("invalid line") < 0, tested)
        }

        // The controller is one singleton for every form: each form answers only to its own request.
        function test_onlyTheAskingFormHears() {
            const asking = createTemporaryObject(formComponent, root)
            const other = createTemporaryObject(formComponent, root)
            verify(asking && other)
            const otherArea = findByName(other, "keysArea")
            otherArea.text = fakeKey(6)
            findByName(asking, "keysArea").text = fakeKey(5)
            const before = Backend.keys.count
            addedSpy.target = asking
            addedSpy.clear()
            otherSpy.target = other
            otherSpy.clear()
            asking.submit()
            verify(asking.busy)
            verify(!other.busy)
            addedSpy.wait(10000)
            compare(addedSpy.count, 1)
            tryCompare(Backend.keys, "count", before + 1, 10000)
            compare(otherSpy.count, 0)
            compare(other.errorText, "")
            compare(otherArea.text, fakeKey(6), "the other form keeps its text")
            otherArea.text = ""
        }

        function test_rowsNeverShowSecrets() {
            for (let i = 0; i < Backend.keys.count; ++i) {
                const row = Backend.keys.get(i)
                verify(String(row.masked).indexOf("QMLTEST") < 0, "row " + i + " shows only the masked key")
                verify(String(row.masked).length < 20)
            }
        }
    }
}
