// SPDX-License-Identifier: GPL-3.0-or-later
// Calls to the daemon: the admin session cookie goes with every request (same origin), and every call that
// changes something carries the CSRF token the session handed out. A 401 anywhere sends the app to sign-in.
import { useSession } from '../stores/session'

export const API = '/admin/api/v1'

export interface Problem {
  path: string
  message: string
}

export class ApiError extends Error {
  readonly status: number
  readonly problems: Problem[]
  constructor(status: number, message: string, problems: Problem[] = []) {
    super(message)
    this.status = status
    this.problems = problems
  }
}

let onUnauthorized: () => void = () => {}
export function setUnauthorizedHandler(handler: () => void) {
  onUnauthorized = handler
}

async function errorOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`
  let problems: Problem[] = []
  try {
    const body = await res.json()
    if (body && body.error) {
      message = body.error.message || message
      problems = Array.isArray(body.error.problems) ? body.error.problems : []
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, message, problems)
}

export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = useSession().csrfToken
    if (csrf) headers['X-CSRF-Token'] = csrf
  }
  let res: Response
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    })
  } catch (e) {
    throw new ApiError(0, e instanceof Error ? e.message : String(e))
  }
  if (res.status === 401 && !url.startsWith('/admin/session')) {
    onUnauthorized()
  }
  if (!res.ok) {
    throw await errorOf(res)
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

export const api = {
  get: <T>(path: string) => request<T>('GET', API + path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', API + path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', API + path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', API + path, body),
  del: <T>(path: string) => request<T>('DELETE', API + path),
}

// Runs `work` over `items` with at most `limit` calls in flight.
export async function pool<I>(items: I[], limit: number, work: (item: I) => Promise<void>): Promise<void> {
  let next = 0
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]
      await work(item)
    }
  })
  await Promise.all(runners)
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
