// SPDX-License-Identifier: GPL-3.0-or-later
import QtQuick

// Formatting helpers (durations, counts, times) shared by the pages. Make one where needed: Fmt { id: fmt }
QtObject {
    function pad(n) {
        return n < 10 ? "0" + n : String(n)
    }
    // "2 h 05 min", "3 min 07 s", "12 s"
    function duration(ms) {
        let s = Math.max(0, Math.ceil(ms / 1000))
        const h = Math.floor(s / 3600)
        const m = Math.floor((s % 3600) / 60)
        s = s % 60
        if (h > 0)
            return qsTr("%1 h %2 min").arg(h).arg(pad(m))
        if (m > 0)
            return qsTr("%1 min %2 s").arg(m).arg(pad(s))
        return qsTr("%1 s").arg(s)
    }
    function number(n) {
        return Number(n || 0).toLocaleString(Qt.locale(), "f", 0)
    }
    // 1234 → "1.2k", 3400000 → "3.4M"
    function compact(n) {
        n = Number(n || 0)
        if (n >= 1e6)
            return qsTr("%1M").arg(Number(n / 1e6).toLocaleString(Qt.locale(), "f", 1))
        if (n >= 1e4)
            return qsTr("%1k").arg(Number(n / 1e3).toLocaleString(Qt.locale(), "f", 1))
        return number(n)
    }
    function percent(fraction) {
        if (fraction === undefined || fraction < 0)
            return qsTr("—")
        return qsTr("%1%").arg(Number(fraction * 100).toLocaleString(Qt.locale(), "f", fraction >= 0.995 || fraction === 0 ? 0 : 1))
    }
    function millis(ms) {
        if (ms === undefined || ms === null || ms < 0)
            return qsTr("—")
        if (ms < 1000)
            return qsTr("%1 ms").arg(Math.round(ms))
        return qsTr("%1 s").arg(Number(ms / 1000).toLocaleString(Qt.locale(), "f", 1))
    }
    function time(date) {
        return date ? Qt.formatTime(date, "hh:mm:ss") : ""
    }
    function dateTime(date) {
        return date ? Qt.formatDateTime(date, "yyyy-MM-dd hh:mm:ss") : ""
    }
    // An ISO date string ("2025-01-02T03:04:05Z") as a local date, or "" when empty.
    function isoDate(text) {
        if (!text)
            return ""
        const d = new Date(text)
        return isNaN(d.getTime()) ? text : Qt.formatDate(d, "yyyy-MM-dd")
    }
    // "in 3 min 07 s" until `untilMs`, given the ticking `nowMs`.
    function countdown(untilMs, nowMs) {
        return duration(untilMs - nowMs)
    }
    // "in 47 h", "in 12 min", "expired": how long until `untilMs`, given the ticking `nowMs` (whole hours from
    // one hour on, never more than is left; minutes below, rounded up).
    function expiresIn(untilMs, nowMs) {
        const left = untilMs - nowMs
        if (left <= 0)
            return qsTr("expired")
        if (left >= 3600000)
            return qsTr("in %1 h").arg(Math.floor(left / 3600000))
        return qsTr("in %1 min").arg(Math.ceil(left / 60000))
    }
    // 512 → "512 B", 1536 → "1.5 kB", 2500000 → "2.5 MB" (decimal units); "—" when unknown (negative).
    function bytes(n) {
        n = Number(n)
        if (isNaN(n) || n < 0)
            return qsTr("—")
        if (n < 1000)
            return qsTr("%1 B").arg(Math.round(n))
        const one = (v) => Number(v).toLocaleString(Qt.locale(), "f", v < 10 ? 1 : 0)
        if (n < 1e6)
            return qsTr("%1 kB").arg(one(n / 1e3))
        if (n < 1e9)
            return qsTr("%1 MB").arg(one(n / 1e6))
        return qsTr("%1 GB").arg(one(n / 1e9))
    }
    // The count of a field that may be a number or a list.
    function countOf(v) {
        return Array.isArray(v) ? v.length : Number(v || 0)
    }
}
