// SPDX-License-Identifier: GPL-3.0-or-later
// Writes <file>.gz beside every .js/.css/.html/.svg file under a directory (node:zlib, level 9).
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'

const compressible = /\.(js|css|html|svg)$/

function* walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) yield* walk(full)
    else if (entry.isFile()) yield full
  }
}

export function gzipOutputs(dir) {
  let files = 0
  let bytesIn = 0
  let bytesOut = 0
  for (const file of walk(dir)) {
    if (!compressible.test(file)) continue
    const data = fs.readFileSync(file)
    const gz = zlib.gzipSync(data, { level: 9 })
    fs.writeFileSync(`${file}.gz`, gz)
    files += 1
    bytesIn += data.length
    bytesOut += gz.length
  }
  return { files, bytesIn, bytesOut }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = gzipOutputs(path.resolve(process.argv[2] || 'dist'))
  console.log(`gzip: ${r.files} files`)
}
