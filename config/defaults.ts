/**
 * Defaults that depend on where meshkeep runs: the data dir follows systemd,
 * then the XDG base directory spec. Every other default is in the schema table.
 */
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { buildConfig, CONFIG_SCHEMA, type MeshkeepConfig } from './schema.js'

export type Env = Record<string, string | undefined>

/** `$HOME`, else the account's home directory. */
export function homeDir(env: Env): string {
  const home = env.HOME
  return home !== undefined && isAbsolute(home) ? home : homedir()
}

/**
 * Under systemd with `StateDirectory=meshkeep`, `$STATE_DIRECTORY` is
 * /var/lib/meshkeep (a colon-separated list when a unit names several; the
 * first is ours). Otherwise `$XDG_DATA_HOME/meshkeep`, which the XDG spec
 * says to ignore unless absolute, else ~/.local/share/meshkeep.
 */
export function defaultDataDir(env: Env): string {
  const state = env.STATE_DIRECTORY?.split(':')[0]
  if (state !== undefined && isAbsolute(state)) return resolve(state)
  const xdg = env.XDG_DATA_HOME
  if (xdg !== undefined && isAbsolute(xdg)) return resolve(xdg, 'meshkeep')
  return join(homeDir(env), '.local', 'share', 'meshkeep')
}

export function defaultSocket(dataDir: string): string {
  return join(dataDir, 'control.sock')
}

/** The configuration with no file, no MESHKEEP_* variable and no flag. */
export function defaultConfig(env: Env = process.env): MeshkeepConfig {
  const dataDir = defaultDataDir(env)
  return buildConfig(key => {
    if (key === 'dataDir') return dataDir
    if (key === 'socket') return defaultSocket(dataDir)
    const value = CONFIG_SCHEMA[key].default
    // lists are copied so no caller can mutate the table through a config
    return Array.isArray(value) ? [...value] : value
  })
}
