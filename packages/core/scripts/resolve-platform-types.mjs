// Runs after `tsc --build`: rewrites `#runtime/<name>` and `#platform/<name>` in the emitted declarations to
// the relative path of `dist/<runtime|platform>/node/<name>.js`, the file package.json's `imports` gives
// TypeScript under its `types` condition anyway. Subpath imports exist only for nodenext and bundler resolution; with plain relative
// paths the declarations also resolve under `moduleResolution: node10`. The JavaScript keeps `#runtime/*` and `#platform/*`,
// which picks the Node or the web implementation at run time.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

const dist = join(import.meta.dirname, '..', 'dist')
const specifier = /(['"])#(runtime|platform)\/([\w-]+)\1/g

for (const entry of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  if (!entry.endsWith('.d.ts')) continue
  const file = join(dist, entry)
  const text = readFileSync(file, 'utf8')
  const rewritten = text.replace(specifier, (_match, quote, folder, name) => {
    const target = relative(dirname(file), join(dist, folder, 'node', `${name}.js`))
    return `${quote}${target.startsWith('.') ? target : `./${target}`}${quote}`
  })
  if (rewritten !== text) writeFileSync(file, rewritten)
}
