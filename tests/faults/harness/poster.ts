import { makeCremation } from '../../fixtures/cremation.js'
import { sleep } from './hub-process.js'

/**
 * A funeral home under load, bounded: posts `total` distinct valid records (`makeCremation(i)`,
 * valid against the real clock since 2026-11-23) at no more than `ratePerSecond`, with at most
 * `inFlight` requests open. It behaves as docs/faults.md tells clients to: a record that got no
 * answer (connection refused or reset, timeout) or a 5xx is posted again, the same body, after
 * `retryDelayMs`, for as long as the poster runs (a re-post is idempotent: 200 with the same
 * notice). It keeps, for each record, whether the hub acknowledged it (201, or 200 to a
 * re-post) and the notice id it was given.
 *
 * API (shared with the other fault scenarios):
 * - `startPoster({ url, total, ratePerSecond, … })` starts posting at once.
 * - `finished()`           resolves once every record got an acknowledgement or a 4xx
 * - `stop()`               stops posting (new and repeated); waits for the requests in flight
 * - `repostUnanswered(timeoutMs)` after a stop: posts every record posted but not acknowledged
 *                          again until all are acknowledged or refused, or `timeoutMs` passes
 *                          (records never posted because of the stop are left alone)
 * - `acknowledged()`       the acknowledged records: `{ index, certificateNo, noticeId, targets }`
 * - `unanswered()`         records posted without an acknowledgement or a 4xx (none at the end)
 * - `statuses()`           every answer by status (`error` for no answer), re-posts included
 * - `refused()`            records answered 4xx: a bad fixture or a real defect, never expected
 */
export interface PosterOptions {
  /** The hub, `http://127.0.0.1:<port>`; a function when it may change. */
  url: string | (() => string)
  total: number
  ratePerSecond: number
  /** @defaultValue 16 */
  inFlight?: number
  /** makeCremation(firstIndex + i): scenarios sharing a database use distinct ranges. @defaultValue 0 */
  firstIndex?: number
  /** A request unanswered this long counts as lost. @defaultValue 10000 */
  timeoutMs?: number
  /** @defaultValue 300 */
  retryDelayMs?: number
}

export interface PostedRecord {
  index: number
  certificateNo: string
  /** Set once acknowledged. */
  noticeId?: string
  /** Target codes the hub planned deliveries to, from the acknowledgement. */
  targets?: string[]
  /** The status of the last answer; `error` for none. */
  last?: number | 'error'
  posts: number
  /** Answered 4xx: refused for good. */
  refused?: boolean
}

export interface AcknowledgedRecord { index: number, certificateNo: string, noticeId: string, targets: string[] }

export interface Poster {
  finished (): Promise<void>
  stop (): Promise<void>
  repostUnanswered (timeoutMs?: number): Promise<void>
  acknowledged (): AcknowledgedRecord[]
  unanswered (): PostedRecord[]
  refused (): PostedRecord[]
  statuses (): Record<string, number>
}

/** A planned delivery as the 201/200 answer lists it. */
interface PlannedDelivery { target: string, status: string }

export function startPoster (o: PosterOptions): Poster {
  const url = typeof o.url === 'string' ? () => o.url as string : o.url
  const first = o.firstIndex ?? 0
  const timeoutMs = o.timeoutMs ?? 10_000
  const retryDelayMs = o.retryDelayMs ?? 300
  const inFlightMax = o.inFlight ?? 16
  const records: PostedRecord[] = Array.from({ length: o.total }, (_, i) => ({
    index: first + i, certificateNo: makeCremation(first + i).certificateNo, posts: 0
  }))
  const statuses: Record<string, number> = {}
  const retries: PostedRecord[] = []
  let next = 0
  let inFlight = 0
  let stopped = false
  const pending = new Set<Promise<void>>()
  let wake: (() => void) | undefined
  const settled = (r: PostedRecord): boolean => r.noticeId !== undefined || r.refused === true
  /** Posted at least once and neither acknowledged nor refused: what a client must post again. */
  const open = (r: PostedRecord): boolean => r.posts > 0 && !settled(r)

  async function post (r: PostedRecord): Promise<void> {
    r.posts++
    try {
      const res = await fetch(`${url()}/v1/cremations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(makeCremation(r.index)),
        signal: AbortSignal.timeout(timeoutMs)
      })
      r.last = res.status
      statuses[res.status] = (statuses[res.status] ?? 0) + 1
      const body = await res.json().catch(() => undefined) as { noticeId?: string, deliveries?: PlannedDelivery[] } | undefined
      if ((res.status === 201 || res.status === 200) && body?.noticeId !== undefined) {
        r.noticeId = body.noticeId
        r.targets = (body.deliveries ?? []).map(d => d.target)
      } else if (res.status >= 400 && res.status < 500) {
        r.refused = true
      }
    } catch {
      r.last = 'error'
      statuses.error = (statuses.error ?? 0) + 1
    }
  }

  const launch = (r: PostedRecord): void => {
    inFlight++
    const p = post(r).finally(() => {
      inFlight--
      pending.delete(p)
      if (!settled(r) && !stopped) setTimeout(() => { retries.push(r); wake?.() }, retryDelayMs).unref()
      wake?.()
    })
    pending.add(p)
  }

  // Request i is due at t0 + i / rate; re-posts go first and count against the same rate.
  const loop = (async () => {
    const started = Date.now()
    let sent = 0
    while (!stopped) {
      if (next >= records.length && retries.length === 0) {
        if (records.every(settled)) break
        await new Promise<void>(resolve => { wake = resolve; setTimeout(resolve, 200).unref() })
        continue
      }
      const due = started + (sent * 1000) / o.ratePerSecond
      if (Date.now() < due) await sleep(due - Date.now())
      if (inFlight >= inFlightMax) {
        await new Promise<void>(resolve => { wake = resolve; setTimeout(resolve, 50).unref() })
        continue
      }
      if (stopped) break
      const r = retries.length > 0 ? retries.shift()! : records[next++]!
      if (settled(r)) continue
      sent++
      launch(r)
    }
  })()

  const drain = async (): Promise<void> => {
    while (pending.size > 0) await Promise.allSettled([...pending])
  }

  return {
    finished: async () => {
      await loop
      await drain()
    },
    async stop () {
      stopped = true
      wake?.()
      await loop
      await drain()
    },
    async repostUnanswered (timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const unanswered = records.filter(open)
        if (unanswered.length === 0 || Date.now() > deadline) return
        // A few at a time: the hub may just have come back.
        for (let i = 0; i < unanswered.length; i += inFlightMax) {
          await Promise.all(unanswered.slice(i, i + inFlightMax).map(post))
        }
        if (records.some(open)) await sleep(retryDelayMs)
      }
    },
    acknowledged: () => records.filter(r => r.noticeId !== undefined)
      .map(r => ({ index: r.index, certificateNo: r.certificateNo, noticeId: r.noticeId!, targets: r.targets ?? [] })),
    unanswered: () => records.filter(open),
    refused: () => records.filter(r => r.refused === true),
    statuses: () => ({ ...statuses })
  }
}
