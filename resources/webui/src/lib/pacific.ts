// SPDX-License-Identifier: GPL-3.0-or-later
// Today's date in Pacific time (YYYY-MM-DD): the day the daemon's usage ledger counts in (quotas reset there).
export function pacificToday(now = new Date()): string {
  try {
    return new Intl.DateTimeFormat('en-CA', {
      timeZone: 'America/Los_Angeles',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    }).format(now)
  } catch {
    return now.toISOString().slice(0, 10)
  }
}
