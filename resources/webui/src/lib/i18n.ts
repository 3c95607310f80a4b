// SPDX-License-Identifier: GPL-3.0-or-later
// A tiny typed dictionary (English and Simplified Chinese): t('key', { n: 3 }) replaces {n}. The language follows
// the browser at first (zh* → zh_CN) and then the user's choice, kept in localStorage 'ga.lang' (nothing else is
// stored there).
import { ref, watch } from 'vue'
import { en, type MessageKey } from './messages-en'
import { zhCN } from './messages-zh'

export type Lang = 'en' | 'zh_CN'
export type { MessageKey }

const STORAGE_KEY = 'ga.lang'

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY)
    if (saved === 'en' || saved === 'zh_CN') return saved
  } catch {
    // storage blocked: follow the browser
  }
  const nav = (navigator.languages && navigator.languages[0]) || navigator.language || 'en'
  return nav.toLowerCase().startsWith('zh') ? 'zh_CN' : 'en'
}

export const lang = ref<Lang>(initialLang())

const tables: Record<Lang, Record<MessageKey, string>> = { en, zh_CN: zhCN }

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  let text = tables[lang.value][key] ?? en[key] ?? key
  if (params) {
    text = text.replace(/\{(\w+)\}/g, (whole, name: string) =>
      params[name] === undefined ? whole : String(params[name]),
    )
  }
  return text
}

export function setLang(next: Lang) {
  lang.value = next
  try {
    localStorage.setItem(STORAGE_KEY, next)
  } catch {
    // not remembered; still switched
  }
}

export function htmlLang(l: Lang = lang.value): string {
  return l === 'zh_CN' ? 'zh-CN' : 'en'
}

watch(lang, (l) => (document.documentElement.lang = htmlLang(l)), { immediate: true })

// Number, time and duration display in the current language.
export function num(n: number | undefined | null): string {
  if (n === undefined || n === null || Number.isNaN(n)) return '–'
  return new Intl.NumberFormat(htmlLang()).format(n)
}

export function pct(fraction: number | null): string {
  if (fraction === null || !Number.isFinite(fraction)) return '–'
  return new Intl.NumberFormat(htmlLang(), { style: 'percent', maximumFractionDigits: 1 }).format(fraction)
}

export function dateTime(iso: string | undefined): string {
  if (!iso) return '–'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return new Intl.DateTimeFormat(htmlLang(), { dateStyle: 'short', timeStyle: 'medium' }).format(d)
}

export function clock(iso: string): string {
  const d = new Date(iso)
  return new Intl.DateTimeFormat(htmlLang(), { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(d)
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const rest = s % 60
  return t('time.hms', { h, m: String(m).padStart(2, '0'), s: String(rest).padStart(2, '0') })
}
