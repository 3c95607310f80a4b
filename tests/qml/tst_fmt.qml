// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick
import QtTest
import GeminiAggregator.Ui

// The formatting helpers every page uses for countdowns, counts and rates.
TestCase {
    name: "Fmt"

    Fmt {
        id: fmt
    }

    function test_duration_data() {
        return [
            { tag: "seconds", ms: 12000, text: "12 s" },
            { tag: "rounds up", ms: 11001, text: "12 s" },
            { tag: "minutes", ms: 187000, text: "3 min 07 s" },
            { tag: "hours", ms: 7500000, text: "2 h 05 min" },
            { tag: "past", ms: -5000, text: "0 s" }
        ]
    }
    function test_duration(row) {
        compare(fmt.duration(row.ms), row.text)
    }

    function test_percent_data() {
        return [
            { tag: "none", fraction: -1, text: "—" },
            { tag: "zero", fraction: 0, text: "0%" },
            { tag: "half", fraction: 0.5, text: "50.0%" },
            { tag: "all", fraction: 1, text: "100%" }
        ]
    }
    function test_percent(row) {
        compare(fmt.percent(row.fraction), row.text)
    }

    function test_millis() {
        compare(fmt.millis(-1), "—")
        compare(fmt.millis(42), "42 ms")
        verify(fmt.millis(1500).indexOf("1") === 0)
    }

    function test_countdown() {
        compare(fmt.countdown(1000 + 65000, 1000), "1 min 05 s")
    }
}
