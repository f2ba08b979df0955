/**
 * The bench's output: one row per figure (median, the baseline measured in
 * the same run, their ratio, the goal), rendered as one Markdown table, and
 * the same as JSON with every sample and the machine it ran on.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Machine } from './machine.js'

export interface Goal {
  text: string
  met: boolean
}

export interface Row {
  /** scenario number and letter, e.g. "2" or "5a" */
  id: string
  what: string
  /** the figure, formatted (e.g. "12.3 MB/s state, 24.6 MB/s wire") */
  result: string
  value: number
  unit: string
  baseline?: { label: string; value: number; unit: string }
  ratio?: number
  goal?: Goal
  /** what the figure is made of, how it was measured, what bounds it */
  note?: string
  samples?: Record<string, number[]>
}

export interface Section {
  title: string
  lines: string[]
}

export class Results {
  readonly rows: Row[] = []
  readonly sections: Section[] = []
  readonly warnings: string[] = []
  /** stacks of failed scenarios (JSON only) */
  readonly errors: string[] = []
  readonly extra: Record<string, unknown> = {}

  add(row: Row): void {
    this.rows.push(row)
    process.stderr.write(`  → ${row.id} ${row.what}: ${row.result}${row.ratio === undefined ? '' : `, ratio ${row.ratio.toFixed(2)}`}\n`)
  }

  warn(message: string): void {
    this.warnings.push(message)
    process.stderr.write(`  ! ${message}\n`)
  }
}

/** Ratios: two decimals, or two significant digits below 0.1 (an incremental put's 0.0046 is not 0.00). */
const ratioText = (x: number) => (!Number.isFinite(x) ? 'n/a' : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2))

export function fmt(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a'
}

/** The Markdown table (and the sections and warnings after it). */
export function renderMarkdown(results: Results, machine: Machine, header: string): string {
  const lines = [header, '', `Machine: ${machine.summary}`, '']
  lines.push('| # | scenario | result (median) | baseline, same run | ratio | goal | met |', '| --- | --- | --- | --- | ---: | --- | :---: |')
  for (const r of results.rows) {
    const base =
      r.baseline === undefined
        ? '—'
        : `${r.baseline.label}: ${fmt(r.baseline.value, r.baseline.unit === 'MB/s' || r.baseline.unit === 's' ? 1 : 0)} ${r.baseline.unit}`
    const met = r.goal === undefined ? '—' : r.goal.met ? 'yes' : '**no**'
    lines.push(`| ${r.id} | ${r.what} | ${r.result} | ${base} | ${r.ratio === undefined ? '—' : ratioText(r.ratio)} | ${r.goal?.text ?? '—'} | ${met} |`)
  }
  const notes = results.rows.filter(r => r.note !== undefined)
  if (notes.length > 0) {
    lines.push('', 'Notes:', '')
    for (const r of notes) lines.push(`- **${r.id}** ${r.note}`)
  }
  for (const s of results.sections) lines.push('', `#### ${s.title}`, '', ...s.lines)
  if (results.warnings.length > 0) lines.push('', 'Warnings:', '', ...results.warnings.map(w => `- ${w}`))
  return `${lines.join('\n')}\n`
}

export async function writeOutputs(
  jsonPath: string,
  mdPath: string,
  results: Results,
  machine: Machine,
  meta: Record<string, unknown>,
  markdown: string
): Promise<void> {
  await mkdir(dirname(jsonPath), { recursive: true })
  await mkdir(dirname(mdPath), { recursive: true })
  const json = { ...meta, machine, rows: results.rows, sections: results.sections, warnings: results.warnings, errors: results.errors, extra: results.extra }
  await writeFile(jsonPath, `${JSON.stringify(json, null, 2)}\n`)
  await writeFile(mdPath, markdown)
}
