import { readFileSync } from 'node:fs'

/** The release, from package.json (two levels above dist/daemon/cli and .build/cli/daemon/cli alike). */
export const SOFTWARE_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    try {
      return (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version
    } catch {
      return 'unknown'
    }
  }
})()
