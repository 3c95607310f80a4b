// SPDX-License-Identifier: GPL-3.0-or-later
// The admin API's JSON shapes, as far as the console reads them (see CONTRACT.md and core/admin/*.cpp).

export type Mode = 'local' | 'serverless' | 'hybrid'

export interface Status {
  version: string
  endpoint: string
  mode: Mode
  ready: boolean
  missing: string[]
  keys: Record<string, number>
  relays: { configured: number; usable: number }
  requests: number
  activeStreams: number
  liveSessions: number
  activeConnections: number
  workers?: number
  cluster?: 'off' | 'connecting' | 'connected' | 'down'
  quota?: { resetAt: string }
}

export interface KeyItem {
  id: string
  label: string
  key: string // masked
  weight: number
  group: string
  enabled: boolean
  instance: string
  state: string
  requestsToday: number
  reason?: string
  until?: string
}

export interface DayUsage {
  requests: number
  promptTokens: number
  outputTokens: number
  totalTokens: number
  errors: Record<string, number>
}

export interface KeyStats {
  id: string
  state: string
  requestsToday: number
  days: Record<string, Record<string, DayUsage>>
  lastUsed?: string
  lastError?: string
}

export interface KeyTest {
  id: string
  result: 'valid' | 'invalid' | 'quota' | 'network' | 'error'
  status: number
  latencyMs: number
  detail: string
}

export interface ImportResult {
  line: number
  status: 'added' | 'valid' | 'duplicate' | 'invalid'
  id?: string
  message: string
}

export interface Instance {
  id: string
  name: string
  url: string
  enabled: boolean
  health?: string
  usable?: boolean
  latencyMs?: number
  lastError?: string
  secret?: string // only in the answer to POST /instances, when generated
}

export interface RelayTest {
  id: string
  result: string
  status: number
  latencyMs: number
  detail: string
}

export interface Limits {
  requestsPerMinute: number
  requestsPerDay: number
  concurrentStreams: number
}

export interface TokenItem {
  name: string
  created?: string
  rotated?: string
  requestsPerMinute?: number
  requestsPerDay?: number
  concurrentStreams?: number
  effectiveLimits?: Limits
}

export interface Attempt {
  key: string
  route: string
  status: number
  outcome: string
  ms: number
}

export interface HistoryItem {
  id: number
  time: string
  client: string
  peer: string
  method: string
  path: string
  kind: string
  model: string
  mode: string
  key: string
  route: string
  status: number
  stream: boolean
  broken: boolean
  bytesIn: number
  bytesOut: number
  ttfbMs: number
  totalMs: number
  tokensIn: number
  tokensOut: number
  retries: number
  fallbacks: number
  attempts: Attempt[]
  live?: Record<string, unknown>
}

export interface SummaryFigures {
  requests: number
  errors: number
  tokens: number
}

export interface Summary {
  window: string
  bucketSeconds: number
  buckets: (SummaryFigures & { t: string })[]
  byKey: (SummaryFigures & { keyId: string })[]
  byModel: (SummaryFigures & { model: string })[]
}

export type SettingKind = 'bool' | 'int' | 'string' | 'enum'
export type SettingValue = boolean | number | string | null

export interface SettingSchema {
  path: string
  tab: string
  kind: SettingKind
  default?: SettingValue
  min?: number
  max?: number
  choices?: string[]
  help?: string
  unit?: string
}

export interface ConfigCheck {
  ok: boolean
  problems: { path: string; message: string }[]
  changes: { path: string; from: unknown; to: unknown }[]
}

// One resource made (or listed) through the proxy, with the key that owns it (core/affinity/resourcemap.cpp toJson).
export type ResourceKind =
  | 'upload'
  | 'file'
  | 'cachedContent'
  | 'batch'
  | 'fileSearchStore'
  | 'operation'
  | 'authToken'
  | 'liveHandle'

export interface ResourceItem {
  name: string // e.g. files/abc, cachedContents/xyz, batches/…
  kind: ResourceKind | string
  key: string // owner key id
  group?: string
  created: string
  expires: string
  lastUsed: string
  sizeBytes?: number
  displayName?: string
  mimeType?: string
  model?: string
}

// The HTTPS listener (GET /tls → {listener}: core/admin/adminapi.cpp getTls, core/tls/tlsidentity.cpp toJson).
// The certificate fields are there only when `present`; nextRenewal (ACME) and lastError only when known.
export type TlsSource = 'files' | 'self-signed' | 'acme'

export interface TlsListener {
  enabled: boolean // listen.tls.port > 0
  port: number
  url: string // https://host:port, or "" while no HTTPS listener is up
  present: boolean // a certificate is in service
  subject?: string
  names?: string[]
  issuer?: string
  notBefore?: string
  notAfter?: string
  daysLeft?: number // fractional, at the time of the answer
  source?: TlsSource | string
  certFile?: string
  nextRenewal?: string
  lastError?: string
}
