import { verifySignature } from '../src/security/signature.js'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Behaviour, ReceivedMessage, SimResponse } from './behaviours.js'
import { alwaysOk } from './behaviours.js'
import {
  clientGone, closeSim, countKey, createDelayedAnswers, firstOfEachKey, listenSim, pollUntil, type KeyState
} from './http-sim.js'

export * from './behaviours.js'

/**
 * A department system that receives death notices over REST, for integration tests and the
 * demo. Built on node:http rather than Fastify so that benchmarks measure the hub, not the sink.
 */
export interface RestDepartmentOptions {
  /** Department code, used in ack ids (`<name>-<seq>`) and messages. */
  name: string
  /** @defaultValue 0 (a free port) */
  port?: number
  /** @defaultValue '127.0.0.1' */
  host?: string
  /** Path put in `url`; any path is accepted. @defaultValue '/notices' */
  path?: string
  /** When set, `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>` is verified. */
  signingSecret?: string
  /** Answer 401 when the signature is missing or wrong (needs `signingSecret`). @defaultValue false */
  requireSignature?: boolean
  /** @defaultValue alwaysOk() */
  behaviour?: Behaviour
  /** `false` keeps counters only (for benchmarks): `received` stays empty. @defaultValue true */
  record?: boolean
  /** Called once per POST, after it was answered (or the client gave up). */
  onMessage?: (message: ReceivedMessage) => void
  /** Larger bodies are answered 413. @defaultValue 10 MiB */
  bodyLimit?: number
}

export interface RestDepartmentSim {
  readonly name: string
  /** e.g. `http://127.0.0.1:41234/notices` */
  readonly url: string
  readonly port: number
  /** Every POST, in arrival order (empty when `record: false`). */
  readonly received: ReceivedMessage[]
  /** POSTs received. */
  readonly count: number
  /** POSTs answered 2xx. */
  readonly acceptedCount: number
  /** Distinct idempotency keys answered 2xx (keyless messages count one each). */
  readonly uniqueAcceptedCount: number
  /** POSTs whose idempotency key had been accepted before. */
  readonly duplicateCount: number
  /** Messages answered 2xx. */
  accepted (): ReceivedMessage[]
  /** The first accepted message of each idempotency key. */
  uniqueAccepted (): ReceivedMessage[]
  setBehaviour (behaviour: Behaviour): void
  /** Forgets messages, counters and idempotency keys; keeps the behaviour. */
  reset (): void
  /** Polls `predicate` every 20 ms; rejects after `timeoutMs` listing what was received. */
  waitFor (predicate: (sim: RestDepartmentSim) => boolean, timeoutMs?: number): Promise<void>
  close (): Promise<void>
}

export async function startRestDepartment (opts: RestDepartmentOptions): Promise<RestDepartmentSim> {
  const { name, signingSecret } = opts
  const record = opts.record ?? true
  const bodyLimit = opts.bodyLimit ?? 10 * 1024 * 1024
  let behaviour = opts.behaviour ?? alwaysOk()
  const received: ReceivedMessage[] = []
  let keys = new Map<string, KeyState>()
  const delayed = createDelayedAnswers()
  let seq = 0
  let acceptedCount = 0
  let uniqueAcceptedCount = 0
  let duplicateCount = 0
  let closed = false

  function answer (msg: ReceivedMessage, res: ServerResponse, state: KeyState | undefined, r: SimResponse): void {
    const ok = r.status >= 200 && r.status < 300
    let body = r.body
    if (body === undefined) {
      body = ok
        ? { ackId: state?.ackId ?? `${name}-${msg.seq}`, ...(msg.duplicate ? { duplicate: true } : {}) }
        : { error: `simulated ${r.status} from ${name}` }
    }
    msg.status = r.status
    msg.respondedAt = new Date()
    msg.clientGone = clientGone(res)
    if (ok) {
      acceptedCount++
      if (state === undefined) uniqueAcceptedCount++
      else if (state.ackId === undefined) {
        const ackId = (body as { ackId?: unknown } | null)?.ackId
        state.ackId = typeof ackId === 'string' ? ackId : `${name}-${msg.seq}`
        uniqueAcceptedCount++
      }
    }
    if (!msg.clientGone) {
      const noBody = r.status === 204 || r.status === 304
      const text = noBody ? '' : JSON.stringify(body)
      res.writeHead(r.status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        ...r.headers
      })
      res.end(text)
    }
    opts.onMessage?.(msg)
  }

  function onRequest (req: IncomingMessage, res: ServerResponse, raw: Buffer, tooLarge: boolean): void {
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v
    }
    const idempotencyKey = headers['idempotency-key']
    const state = countKey(keys, idempotencyKey)
    const text = raw.toString('utf8')
    let body: unknown
    let validJson = true
    try { body = JSON.parse(text) } catch { validJson = false }
    const msg: ReceivedMessage = {
      seq: ++seq,
      at: new Date(),
      method: req.method ?? 'POST',
      path: req.url ?? '/',
      headers,
      body,
      raw: text,
      idempotencyKey,
      signatureValid: signingSecret === undefined ? undefined : verifySignature(raw, signingSecret, headers['x-hub-signature']),
      duplicate: state?.ackId !== undefined,
      n: state?.n ?? 1
    }
    if (record) received.push(msg)
    if (msg.duplicate) duplicateCount++

    if (tooLarge) return answer(msg, res, state, { status: 413, body: { error: 'body too large' } })
    if (!validJson) return answer(msg, res, state, { status: 400, body: { error: 'body is not JSON' } })
    if (opts.requireSignature === true && msg.signatureValid !== true) {
      return answer(msg, res, state, { status: 401, body: { error: 'bad X-Hub-Signature' } })
    }
    let r: SimResponse
    try {
      r = behaviour(msg, msg.n)
    } catch (err) {
      r = { status: 500, body: { error: `behaviour threw: ${(err as Error).message}` } }
    }
    const delayMs = r.delayMs ?? 0
    if (delayMs <= 0) return answer(msg, res, state, r)
    delayed.schedule(res, delayMs, () => answer(msg, res, state, r))
  }

  const server = createServer((req, res) => {
    // A client that gives up resets the socket; never let that reach process level.
    req.on('error', () => {})
    res.on('error', () => {})
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify({ name, received: seq }))
      return
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST', 'content-type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify({ error: 'method not allowed' }))
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= bodyLimit) chunks.push(chunk)
    })
    req.on('end', () => {
      if (!closed) onRequest(req, res, Buffer.concat(chunks), size > bodyLimit)
    })
  })
  const { port, origin } = await listenSim(server, opts)
  const url = `${origin}${opts.path ?? '/notices'}`

  const describe = (): string => {
    if (!record) {
      return `counting only: ${seq} received, ${acceptedCount} accepted, ${uniqueAcceptedCount} unique, ${duplicateCount} duplicates`
    }
    if (received.length === 0) return 'nothing received'
    const lines = received.slice(-30).map(m =>
      `  #${m.seq} ${m.method} ${m.path} status=${m.status ?? 'pending'} n=${m.n}` +
      ` key=${m.idempotencyKey ?? '-'} event=${m.headers['x-hub-event'] ?? '-'}` +
      ` signature=${String(m.signatureValid)}${m.duplicate ? ' duplicate' : ''}${m.clientGone === true ? ' client-gone' : ''}`)
    const skipped = received.length > 30 ? `  … ${received.length - 30} earlier message(s) not shown\n` : ''
    return `received ${received.length} message(s):\n${skipped}${lines.join('\n')}`
  }

  const sim: RestDepartmentSim = {
    name,
    url,
    port,
    received,
    get count () { return seq },
    get acceptedCount () { return acceptedCount },
    get uniqueAcceptedCount () { return uniqueAcceptedCount },
    get duplicateCount () { return duplicateCount },
    accepted: () => received.filter(m => m.status !== undefined && m.status >= 200 && m.status < 300),
    uniqueAccepted: () => firstOfEachKey(sim.accepted()),
    setBehaviour (b) { behaviour = b },
    reset () {
      received.length = 0
      keys = new Map()
      seq = acceptedCount = uniqueAcceptedCount = duplicateCount = 0
    },
    waitFor: async (predicate, timeoutMs = 10_000) =>
      await pollUntil(() => predicate(sim), timeoutMs, `department sim "${name}" (${url})`, describe),
    async close () {
      if (closed) return
      closed = true
      await closeSim(server, delayed)
    }
  }
  return sim
}
