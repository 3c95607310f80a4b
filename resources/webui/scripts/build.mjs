// SPDX-License-Identifier: GPL-3.0-or-later
// `npm run build [-- --outDir <dir> --emptyOutDir]`: vite build, then a gzip copy (<file>.gz) beside every
// .js/.css/.html/.svg file of the output, which the daemon sends to clients that accept gzip.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipOutputs } from './gzip.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)

function outDirOf(argv) {
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === '--outDir' && i + 1 < argv.length) return argv[i + 1]
    if (argv[i].startsWith('--outDir=')) return argv[i].slice('--outDir='.length)
  }
  return 'dist'
}

const started = Date.now()
const viteBin = path.join(path.dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js')
const run = spawnSync(process.execPath, [viteBin, 'build', ...args], { cwd: root, stdio: 'inherit' })
if (run.status !== 0) {
  process.exit(run.status ?? 1)
}
const outDir = path.resolve(root, outDirOf(args))
const { files, bytesIn, bytesOut } = gzipOutputs(outDir)
console.log(
  `gzip: ${files} files, ${(bytesIn / 1024).toFixed(1)} KiB -> ${(bytesOut / 1024).toFixed(1)} KiB ` +
    `(build ${((Date.now() - started) / 1000).toFixed(1)} s, ${outDir})`,
)
