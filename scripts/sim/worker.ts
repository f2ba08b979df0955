/** Worker thread entry of the scan: one range of chunks, one result message. */
import { parentPort, workerData } from 'node:worker_threads'
import { type ScanInput, scanRange } from './scan.js'

const { input, start, end } = workerData as { input: ScanInput; start: number; end: number }
const out = scanRange(input, start, end)
parentPort?.postMessage(out, [
  out.topIdx.buffer,
  out.topHi.buffer,
  out.topLo.buffer,
  out.recStart.buffer,
  out.recIdx.buffer,
  out.recHi.buffer,
  out.recLo.buffer,
  out.weighted.buffer
] as ArrayBuffer[])
