// SPDX-License-Identifier: GPL-3.0-or-later
// `npm run size [-- <outDir>]`: the first load of the console — every script, module preload and stylesheet that
// index.html pulls in — as gzip-compressed bytes. Fails when it is over the budget (350 KB).
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import zlib from 'node:zlib'

const BUDGET = 350 * 1000
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outDir = path.resolve(root, process.argv[2] || 'dist')
const indexFile = path.join(outDir, 'index.html')
if (!fs.existsSync(indexFile)) {
  console.error(`no ${indexFile}: run npm run build first`)
  process.exit(2)
}
const html = fs.readFileSync(indexFile, 'utf8')
const urls = new Set()
for (const m of html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)) urls.add(m[1])
for (const m of html.matchAll(/<link[^>]*\brel="(?:modulepreload|stylesheet)"[^>]*>/g)) {
  const href = /\bhref="([^"]+)"/.exec(m[0])
  if (href) urls.add(href[1])
}
const rows = [['index.html', zlib.gzipSync(html, { level: 9 }).length, Buffer.byteLength(html)]]
let js = 0
for (const url of urls) {
  const rel = url.replace(/^\/admin\//, '').replace(/^\//, '')
  const data = fs.readFileSync(path.join(outDir, rel))
  const gz = zlib.gzipSync(data, { level: 9 }).length
  rows.push([rel, gz, data.length])
  js += gz
}
const width = Math.max(...rows.map((r) => r[0].length))
for (const [name, gz, raw] of rows) {
  console.log(`${name.padEnd(width)}  ${(gz / 1000).toFixed(1).padStart(7)} kB gzip  (${(raw / 1000).toFixed(1)} kB)`)
}
console.log(`first load (JS + CSS, gzip): ${(js / 1000).toFixed(1)} kB of ${BUDGET / 1000} kB budget` +
  ` (index.html itself: ${(rows[0][1] / 1000).toFixed(1)} kB)`)
if (js > BUDGET) {
  console.error('over budget')
  process.exit(1)
}
