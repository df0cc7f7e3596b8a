import { wallClockParts } from '../../domain/business-date.js'

/** What names one file: who it is for, when it was made, and which delivery or batch it carries. */
export interface FileNameParts {
  /** The target's `sftp.filePrefix`. */
  prefix: string
  /** The target code. */
  target: string
  /**
   * When the delivery or batch was created (stored, so every retry names the file alike), shown
   * as wall-clock time in the county's zone: that is how the department's staff read it.
   */
  createdAt: Date
  timeZone: string
  /** The delivery id (per-notice) or batch id: traceable back to the hub's records. */
  id: string
  format: 'csv' | 'fixed-width'
}

/**
 * `<prefix>_<target>_<yyyyMMddHHmmss>_<id>.<csv|txt>`. Deterministic for a given delivery or
 * batch, so a retry rewrites the same file rather than adding a second one (DESIGN §7: unique
 * file names let a department drop duplicates). Ids are hashes: no personal data in the name.
 */
export function dataFileName (p: FileNameParts): string {
  return `${p.prefix}_${p.target}_${compactLocalTime(p.createdAt, p.timeZone)}_${p.id}.${p.format === 'csv' ? 'csv' : 'txt'}`
}

/** The name a file is written under before the rename makes it visible (a dot file: hidden from `*.csv` pollers). */
export const partFileName = (name: string): string => `.${name}.part`

/** The done-file written after the data file, for receivers that poll for it. */
export const doneFileName = (name: string): string => `${name}.ok`

/** `yyyyMMddHHmmss` of the instant in `timeZone`. */
export function compactLocalTime (at: Date, timeZone: string): string {
  const p = wallClockParts(at, timeZone)
  return `${p.year}${p.month}${p.day}${p.hour}${p.minute}${p.second}`
}
