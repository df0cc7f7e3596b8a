/** Latency summary in milliseconds, from every sample (no histogram rounding). */
export interface Latency {
  n: number
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
}

export function summarize (samples: ArrayLike<number>): Latency {
  const sorted = Float64Array.from(samples).sort()
  const n = sorted.length
  const at = (p: number): number => n === 0 ? NaN : sorted[Math.min(n - 1, Math.ceil(p * n) - 1)]!
  let sum = 0
  for (const v of sorted) sum += v
  return { n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: n === 0 ? NaN : sorted[n - 1]!, mean: n === 0 ? NaN : sum / n }
}

/** A growable list of float samples. */
export class Samples {
  private buf = new Float64Array(4096)
  length = 0

  push (v: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2)
      bigger.set(this.buf)
      this.buf = bigger
    }
    this.buf[this.length++] = v
  }

  values (): Float64Array {
    return this.buf.subarray(0, this.length)
  }
}

export const fmt = {
  rate: (v: number): string => Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—',
  ms: (v: number): string => Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(1)) : '—',
  ratio: (v: number): string => Number.isFinite(v) ? `${(v * 100).toFixed(0)} %` : '—',
  pct: (v: number): string => Number.isFinite(v) ? `${v.toFixed(0)}%` : '—'
}

/** A plain text table: the first row is the header. */
export function table (rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map(r => [...(r[c] ?? '')].length)))
  const line = (r: string[]): string => r.map((cell, c) => {
    const pad = ' '.repeat(widths[c]! - [...cell].length)
    return c === 0 ? cell + pad : pad + cell
  }).join('  ')
  return [line(rows[0]!), widths.map(w => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n')
}

export const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))
