import type { SoapDepartmentSim } from '../../../sim/soap-department.js'
import type { DeliveryFigures } from '../harness/departments.js'
import { sleep } from '../harness/hub-process.js'
import type { AcknowledgedRecord } from '../harness/poster.js'
import type { FileDepartment } from './file-department.js'

/**
 * The fault suite's delivery figures (harness/departments.ts) for departments that are not
 * REST: what a SOAP service or a folder of files received, reduced to what each department can
 * see and act on. A message is a notice id + version + event; its key is what the department
 * drops duplicates by: the SOAP `HubHeader` idempotency key, or the file name (per-notice and
 * batch alike: a batch file retried is written again under its own name, with the same lines).
 */
export interface DepartmentView {
  /** The target code the hub routes to. */
  readonly target: string
  /** Arrivals are file lines, which the department imports as they are: one line too many is a duplicate. */
  readonly lines: boolean
  /** Every message the department accepted, once per time it arrived (file lines: once per line). */
  arrivals (): Arrival[]
  /** Arrivals beyond the first under the same key: a repeat the department drops by its key. */
  repeats (): number
}

export interface Arrival {
  noticeId: string
  /** `<noticeId>/<version>/<event>` */
  message: string
  key: string
}

export interface TallyFigures extends DeliveryFigures {
  /** Lines beyond the first of a message, in one file or across files (file departments): must be 0. */
  duplicateLines: number
  /** From the end of the fault until the database owed nothing (every delivery `delivered`). */
  settledMs?: number
}

/** A SOAP department as its service sees it: the accepted requests, duplicates included. */
export function soapView (target: string, sim: SoapDepartmentSim): DepartmentView {
  return {
    target,
    lines: false,
    arrivals: () => sim.received.filter(m => m.outcome === 'accepted').map(m => ({
      noticeId: m.header.noticeId ?? '?',
      message: `${m.header.noticeId ?? '?'}/${m.header.version ?? '?'}/${m.header.event ?? '?'}`,
      key: m.idempotencyKey ?? '(none)'
    })),
    repeats: () => sim.duplicateCount
  }
}

/** A department that takes files: each data line of each file is one arrival, keyed by its file. */
export function fileView (target: string, department: FileDepartment): DepartmentView {
  return {
    target,
    lines: true,
    arrivals: () => department.lines().map(l => ({ noticeId: l.noticeId, message: `${l.noticeId}/${l.version}/${l.event}`, key: l.file })),
    repeats: () => department.repeatedLandings()
  }
}

/** What the departments hold now, against the records the hub acknowledged. */
export function tally (acked: readonly AcknowledgedRecord[], views: readonly DepartmentView[]): TallyFigures {
  let missing = 0
  let repeats = 0
  let keyMismatches = 0
  let accepted = 0
  let duplicateLines = 0
  const missingSample: string[] = []
  for (const view of views) {
    const arrivals = view.arrivals()
    accepted += arrivals.length
    repeats += view.repeats()
    const noticeIds = new Set(arrivals.map(a => a.noticeId))
    const keysOf = new Map<string, Set<string>>()
    const seen = new Set<string>()
    for (const a of arrivals) {
      let keys = keysOf.get(a.message)
      if (keys === undefined) keysOf.set(a.message, keys = new Set())
      keys.add(a.key)
      if (view.lines && seen.has(a.message)) duplicateLines++
      seen.add(a.message)
    }
    keyMismatches += [...keysOf.values()].filter(k => k.size > 1).length
    for (const r of acked) {
      if (!r.targets.includes(view.target) || noticeIds.has(r.noticeId)) continue
      missing++
      if (missingSample.length < 5) missingSample.push(`${view.target} ${r.noticeId}`)
    }
  }
  return { records: acked.length, missing, repeats, keyMismatches, accepted, missingSample, duplicateLines }
}

/**
 * Polls until nothing is missing; `catchUpMs` runs from `since` (when the fault ended). Without
 * `catchUpMs` when `timeoutMs` passed first.
 */
export async function waitTallied (
  acked: readonly AcknowledgedRecord[], views: readonly DepartmentView[], o: { since: number, timeoutMs: number }
): Promise<TallyFigures> {
  const deadline = Date.now() + o.timeoutMs
  for (;;) {
    const f = tally(acked, views)
    if (f.missing === 0) return { ...f, catchUpMs: Math.max(0, Date.now() - o.since) }
    if (Date.now() > deadline) return f
    await sleep(100)
  }
}
