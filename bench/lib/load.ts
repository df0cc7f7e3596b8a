import http from 'node:http'
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import { Samples, summarize, type Latency } from './stats.js'

export interface LoadResult {
  /** Responses with a 2xx status. */
  ok: number
  /** Responses with another status, plus transport errors and timeouts. */
  failed: number
  seconds: number
  /** 2xx responses per second. */
  rps: number
  latency: Latency
  /** Answers by HTTP status (`error` for transport errors and timeouts). */
  statuses: Record<string, number>
}

/**
 * Closed loop: `connections` keep one request each in flight for `seconds` (autocannon).
 * Every request carries its own body from `nextBody()`, so each is a distinct record.
 * Latencies are kept per request (autocannon's own histogram rounds to whole milliseconds).
 */
export async function closedLoop (o: { url: string, connections: number, seconds: number, nextBody: () => string }): Promise<LoadResult> {
  const lat = new Samples()
  const statuses: Record<string, number> = {}
  let ok = 0
  let failed = 0
  const target = new URL(o.url)
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: target.origin,
      connections: o.connections,
      duration: o.seconds,
      timeout: 30,
      requests: [{
        method: 'POST',
        path: target.pathname,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: o.nextBody() })
      }]
    }, (err, res) => { if (err !== null && err !== undefined) reject(err); else resolve(res) })
    instance.on('response', (_client, status, _bytes, responseTime) => {
      statuses[status] = (statuses[status] ?? 0) + 1
      if (status >= 200 && status < 300) {
        ok++
        lat.push(responseTime)
      } else {
        failed++
      }
    })
  })
  failed += result.errors + result.timeouts
  if (result.errors + result.timeouts > 0) statuses.error = result.errors + result.timeouts
  return { ok, failed, seconds: result.duration, rps: ok / result.duration, latency: summarize(lat.values()), statuses }
}

/**
 * Open loop at a fixed offered rate: request i is due at t0 + i/rate whatever happened to the
 * others, and its latency runs from when it was due (so a server that falls behind shows it:
 * no coordinated omission). Connections are opened as needed (keep-alive).
 */
export async function openLoop (o: { url: string, rate: number, seconds: number, nextBody: () => string }): Promise<LoadResult & { offered: number, behindMs: number }> {
  const total = Math.max(1, Math.round(o.rate * o.seconds))
  const bodies = Array.from({ length: total }, () => Buffer.from(o.nextBody()))
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2048 })
  const target = new URL(o.url)
  const interval = 1000 / o.rate
  const lat = new Samples()
  const statuses: Record<string, number> = {}
  const count = (key: string | number): void => { statuses[key] = (statuses[key] ?? 0) + 1 }
  let ok = 0
  let failed = 0
  let finished = 0
  let behindMs = 0
  const t0 = performance.now() + 50
  await new Promise<void>((resolve) => {
    const settle = (): void => { if (++finished === total) resolve() }
    const send = (i: number, due: number): void => {
      const body = bodies[i]!
      const req = http.request({
        agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length }, timeout: 30_000
      }, (res) => {
        res.resume()
        res.on('end', () => {
          count(res.statusCode ?? 'none')
          if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) {
            ok++
            lat.push(performance.now() - due)
          } else {
            failed++
          }
          settle()
        })
      })
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', () => { failed++; count('error'); settle() })
      req.end(body)
    }
    let sent = 0
    const tick = (): void => {
      const now = performance.now()
      while (sent < total && t0 + sent * interval <= now) {
        const due = t0 + sent * interval
        behindMs = Math.max(behindMs, now - due)
        send(sent, due)
        sent++
      }
      if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()))
    }
    setTimeout(tick, 50)
  })
  agent.destroy()
  const seconds = (performance.now() - t0) / 1000
  return { ok, failed, seconds, rps: ok / seconds, latency: summarize(lat.values()), statuses, offered: o.rate, behindMs }
}
