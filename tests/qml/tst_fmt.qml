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

    function test_expiresIn_data() {
        return [
            { tag: "two days", left: 47 * 3600000 + 59 * 60000, text: "in 47 h" },
            { tag: "one hour", left: 3600000, text: "in 1 h" },
            { tag: "under an hour", left: 3599000, text: "in 60 min" },
            { tag: "minutes round up", left: 12 * 60000 + 1, text: "in 13 min" },
            { tag: "seconds", left: 5000, text: "in 1 min" },
            { tag: "now", left: 0, text: "expired" },
            { tag: "past", left: -60000, text: "expired" }
        ]
    }
    function test_expiresIn(row) {
        compare(fmt.expiresIn(1000000 + row.left, 1000000), row.text)
    }

    function test_bytes_data() {
        return [
            { tag: "unknown", n: -1, text: "—" },
            { tag: "zero", n: 0, text: "0 B" },
            { tag: "bytes", n: 999, text: "999 B" },
            { tag: "kilobytes", n: 1500, text: "1.5 kB" },
            { tag: "tens of kilobytes", n: 45200, text: "45 kB" },
            { tag: "megabytes", n: 2500000, text: "2.5 MB" },
            { tag: "gigabytes", n: 2000000000, text: "2.0 GB" }
        ]
    }
    function test_bytes(row) {
        compare(fmt.bytes(row.n), row.text)
    }
}
