// The Node binary for a major line, for the scripts that run code on more than one Node.
import { execFileSync } from 'node:child_process'

/** This process's binary when it is that line; else `npx -y node@<line>`, the official binary as an npm package. */
export function nodeBinary(line) {
  if (process.versions.node.split('.')[0] === line) return process.execPath
  return execFileSync('npx', ['-y', `node@${line}`, '-p', 'process.execPath'], { encoding: 'utf8' }).trim()
}
