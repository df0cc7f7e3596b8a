import { expect } from 'vitest'
import { alwaysOk, startRestDepartment, type Behaviour, type RestDepartmentSim } from '../../../sim/rest-department.js'
import { FAULTS_SIGNING_SECRET } from './config.js'
import { sleep } from './hub-process.js'
import type { AcknowledgedRecord } from './poster.js'

/**
 * Counting REST departments (sim/rest-department.ts, one per target code) and the check every
 * fault scenario ends with: each acknowledged record reached every department it was routed
 * to, and every repeat of a message carried the key of its first sending (one notice id +
 * version + event ⇒ one Idempotency-Key), so a department can drop it.
 *
 * API (shared with the other fault scenarios):
 * - `startDepartments(['gongan', 'yibao'], { behaviour? })` → `Departments`
 * - `departments.urls`                 target code → URL, for `hubConfig({ departments })`
 * - `departments.setBehaviour(b, code?)` every department, or one
 * - `departments.figures(acked)`       `{ records, missing, repeats, keyMismatches, … }` now
 * - `departments.waitDelivered(acked, { since, timeoutMs })` polls until nothing is missing;
 *                                      `catchUpMs` runs from `since` (when the fault ended)
 * - `printFigures(scenario, figures)`  one stable line: `[faults] <scenario> records=… missing=…
 *                                      repeats=… keyMismatches=… catchUpMs=… [settledMs=…] …`
 *                                      (`settledMs`: until the database owed nothing, from
 *                                      `Scenario.finish`)
 * - `expectAllDelivered(figures)`      the assertion: nothing missing, no repeat with a new key
 */
export interface Departments {
  readonly sims: Record<string, RestDepartmentSim>
  readonly urls: Record<string, string>
  setBehaviour (behaviour: Behaviour, code?: string): void
  figures (acked: readonly AcknowledgedRecord[]): DeliveryFigures
  waitDelivered (acked: readonly AcknowledgedRecord[], o: { since: number, timeoutMs: number }): Promise<DeliveryFigures>
  close (): Promise<void>
}

export interface DeliveryFigures {
  /** Acknowledged records checked. */
  records: number
  /** (record, routed department) pairs with no accepted notice. */
  missing: number
  /** Notices a department accepted again under a key it had accepted already. */
  repeats: number
  /** Notices (id + version + event) that came with more than one key: must be 0. */
  keyMismatches: number
  /** Notices the departments accepted, in all. */
  accepted: number
  /** From the end of the fault until nothing was missing (`waitDelivered` only). */
  catchUpMs?: number
  /** A few of the missing pairs, `<target> <noticeId>`, for the failure message. */
  missingSample: string[]
}

/** What one department saw, indexed as messages arrive (the sims keep counters only). */
interface Seen {
  /** Notice ids accepted with a `notice.created`. */
  created: Set<string>
  /** `<noticeId>/<version>/<event>` → the keys it came with. */
  keysOf: Map<string, Set<string>>
  acceptedKeys: Set<string>
  repeats: number
  accepted: number
}

export async function startDepartments (codes: readonly string[], o: { behaviour?: Behaviour } = {}): Promise<Departments> {
  const sims: Record<string, RestDepartmentSim> = {}
  const seen: Record<string, Seen> = {}
  try {
    for (const code of codes) {
      const s: Seen = seen[code] = { created: new Set(), keysOf: new Map(), acceptedKeys: new Set(), repeats: 0, accepted: 0 }
      sims[code] = await startRestDepartment({
        name: code,
        signingSecret: FAULTS_SIGNING_SECRET,
        requireSignature: true,
        behaviour: o.behaviour ?? alwaysOk(),
        // Thousands of messages: keep counts and this index, not every body.
        record: false,
        onMessage: (m) => {
          const noticeId = m.headers['x-hub-notice-id'] ?? '?'
          const message = `${noticeId}/${m.headers['x-hub-version'] ?? '?'}/${m.headers['x-hub-event'] ?? '?'}`
          const key = m.idempotencyKey ?? '(none)'
          let keys = s.keysOf.get(message)
          if (keys === undefined) s.keysOf.set(message, keys = new Set())
          keys.add(key)
          if (m.status === undefined || m.status < 200 || m.status >= 300) return
          s.accepted++
          if (s.acceptedKeys.has(key)) s.repeats++
          else s.acceptedKeys.add(key)
          if (m.headers['x-hub-event'] === 'notice.created') s.created.add(noticeId)
        }
      })
    }
  } catch (err) {
    await Promise.all(Object.values(sims).map(async s => await s.close()))
    throw err
  }

  const figures = (acked: readonly AcknowledgedRecord[]): DeliveryFigures => {
    let missing = 0
    const missingSample: string[] = []
    for (const r of acked) {
      for (const target of r.targets) {
        const s = seen[target]
        if (s === undefined || s.created.has(r.noticeId)) continue
        missing++
        if (missingSample.length < 5) missingSample.push(`${target} ${r.noticeId}`)
      }
    }
    const all = Object.values(seen)
    return {
      records: acked.length,
      missing,
      repeats: all.reduce((n, s) => n + s.repeats, 0),
      keyMismatches: all.reduce((n, s) => n + [...s.keysOf.values()].filter(k => k.size > 1).length, 0),
      accepted: all.reduce((n, s) => n + s.accepted, 0),
      missingSample
    }
  }

  return {
    sims,
    urls: Object.fromEntries(Object.entries(sims).map(([code, s]) => [code, s.url])),
    setBehaviour (behaviour, code) {
      for (const [c, s] of Object.entries(sims)) if (code === undefined || c === code) s.setBehaviour(behaviour)
    },
    figures,
    async waitDelivered (acked, { since, timeoutMs }) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const f = figures(acked)
        if (f.missing === 0) return { ...f, catchUpMs: Math.max(0, Date.now() - since) }
        if (Date.now() > deadline) return f
        await sleep(50)
      }
    },
    async close () {
      await Promise.all(Object.values(sims).map(async s => await s.close()))
    }
  }
}

/** The scenario's figures on one line, in a format the docs quote and a script can grep. */
export function printFigures (scenario: string, f: DeliveryFigures, extra: Record<string, string | number> = {}): void {
  const more = Object.entries(extra).map(([k, v]) => ` ${k}=${v}`).join('')
  const settled = (f as { settledMs?: number }).settledMs
  console.log(`[faults] ${scenario} records=${f.records} missing=${f.missing} repeats=${f.repeats} ` +
    `keyMismatches=${f.keyMismatches} catchUpMs=${f.catchUpMs ?? 'never'}${settled === undefined ? '' : ` settledMs=${settled}`}${more}`)
}

/** Every acknowledged record reached every department it was routed to; repeats kept their key. */
export function expectAllDelivered (f: DeliveryFigures): void {
  expect(f.records, 'acknowledged records').toBeGreaterThan(0)
  expect({ missing: f.missing, sample: f.missingSample }).toEqual({ missing: 0, sample: [] })
  expect(f.keyMismatches, 'notices repeated under another Idempotency-Key').toBe(0)
  expect(f.catchUpMs, 'catch-up time').toBeDefined()
}
