/**
 * The configuration reference, rendered from the schema table: the example
 * file (config/meshkeep.example.toml) and the key table of
 * docs/OPERATOR-GUIDE.md. Tests compare both files with these renderings;
 * `npm run config:docs` rewrites them (run as a script, this module does).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CONFIG_SCHEMA, CONFIG_SECTIONS, type ConfigKeyInfo, type ConfigKeyPath, configKeys } from './schema.js'

const WIDTH = 78

const EXAMPLE_INTRO = `meshkeep configuration. Every key is shown with its default; delete what you do not change. Precedence, lowest first: defaults < this file (--config FILE) < MESHKEEP_* environment variables < command-line flags. A key's variable is its path in upper snake case: holder.capacityBytes is MESHKEEP_HOLDER_CAPACITY_BYTES.

Byte sizes: an integer, or a string such as "512MiB", "10GiB", "1.5GB". Durations: milliseconds as an integer, or a string such as "500ms", "30s", "10m", "1h30m", "7d". Relative paths are relative to this file's directory. Unknown keys are refused, so a typo cannot silently keep a default.

(Generated from config/schema.ts and config/defaults.ts by \`npm run config:docs\`.)`

/** `text` as `# ` comment lines of at most WIDTH columns; blank lines stay as `#`. */
function comment(text: string): string[] {
  const out: string[] = []
  for (const paragraph of text.split('\n')) {
    let line = '#'
    for (const word of paragraph.split(' ').filter(w => w !== '')) {
      if (line !== '#' && line.length + 1 + word.length > WIDTH) {
        out.push(line)
        line = '#'
      }
      line += ` ${word}`
    }
    out.push(line)
  }
  return out
}

/** Sizes and durations as their unit strings ("10GiB", "30d"), everything else as TOML (which JSON literals are). */
function tomlValue(key: ConfigKeyPath, value: unknown): string {
  const kind = CONFIG_SCHEMA[key].kind as { format: (v: unknown) => string }
  const text = kind.format(value)
  return typeof value === 'number' && text !== String(value) ? JSON.stringify(text) : JSON.stringify(value)
}

const capitalize = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`

function whereToSet(k: ConfigKeyInfo): string {
  const flag = k.flag === undefined ? '' : `Flag --${k.flag}${k.list ? ' (repeatable)' : ''}; variable`
  return `${flag === '' ? 'Variable' : flag} ${k.env}${k.list ? ' (comma-separated)' : ''}.`
}

/** config/meshkeep.example.toml: every key with its help, where to set it, and its default. */
export function renderExampleToml(): string {
  const lines = comment(EXAMPLE_INTRO)
  let section = ''
  for (const k of configKeys()) {
    if (k.section !== section) {
      section = k.section
      lines.push('', ...comment(CONFIG_SECTIONS[section] ?? ''), `[${section}]`)
    } else lines.push('')
    const name = section === '' ? k.key : k.key.slice(section.length + 1)
    const spec = CONFIG_SCHEMA[k.key as ConfigKeyPath]
    lines.push(...comment(`${capitalize(k.help)}.${k.default === undefined ? ` Default: ${k.defaultText}.` : ''} ${whereToSet(k)}`))
    if (k.default === undefined) lines.push(`# ${name} = ${JSON.stringify(spec.example)}`)
    else lines.push(`${name} = ${tomlValue(k.key as ConfigKeyPath, k.default)}`)
  }
  return `${lines.join('\n')}\n`
}

/** Text for a Markdown table cell: pipes escaped, `<…>` kept as text rather than read as HTML. */
const escapeCell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
/** The same for text inside backticks, where entities would show literally. */
const escapeCode = (text: string): string => text.replaceAll('|', '\\|')

export const KEY_TABLE_BEGIN = '<!-- config-keys:begin (generated from config/schema.ts by npm run config:docs) -->'
export const KEY_TABLE_END = '<!-- config-keys:end -->'

/** The Markdown table of every key for docs/OPERATOR-GUIDE.md, between its markers. */
export function renderKeyTable(): string {
  const rows = configKeys().map(k => {
    const def = k.default === undefined ? escapeCell(k.defaultText) : `\`${escapeCode(k.defaultText)}\``
    const flag = k.flag === undefined ? '' : `\`--${k.flag}${k.flagValue === undefined ? '' : ` ${k.flagValue}`}\`${k.list ? ' (repeatable)' : ''}`
    return `| \`${k.key}\` | ${escapeCell(k.type)} | ${def} | \`${k.env}\` | ${flag} | ${escapeCell(k.help)} |`
  })
  return [KEY_TABLE_BEGIN, '| key | type | default | variable | flag | meaning |', '| --- | --- | --- | --- | --- | --- |', ...rows, KEY_TABLE_END].join('\n')
}

/** The key table as it stands in a document, markers included; undefined when the markers are missing. */
export function keyTableIn(document: string): string | undefined {
  const begin = document.indexOf(KEY_TABLE_BEGIN)
  const end = document.indexOf(KEY_TABLE_END)
  return begin < 0 || end < begin ? undefined : document.slice(begin, end + KEY_TABLE_END.length)
}

export const EXAMPLE_FILE = 'config/meshkeep.example.toml'
export const GUIDE_FILE = 'docs/OPERATOR-GUIDE.md'

/** Rewrites the example file and the guide's key table under `root` (the repository). */
export async function writeReferenceFiles(root: string): Promise<void> {
  await writeFile(join(root, EXAMPLE_FILE), renderExampleToml())
  const guidePath = join(root, GUIDE_FILE)
  const guide = await readFile(guidePath, 'utf8')
  const current = keyTableIn(guide)
  if (current === undefined) throw new Error(`${GUIDE_FILE} has no ${KEY_TABLE_BEGIN} … ${KEY_TABLE_END} block`)
  await writeFile(guidePath, guide.replace(current, renderKeyTable()))
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.cwd()
  await writeReferenceFiles(root)
  process.stdout.write(`wrote ${EXAMPLE_FILE} and the key table of ${GUIDE_FILE} under ${root}\n`)
}
