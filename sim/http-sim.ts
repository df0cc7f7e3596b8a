import type { Server, ServerResponse } from 'node:http'
import type { AddressInfo, Server as NetServer } from 'node:net'

/**
 * What the HTTP department simulators (REST and SOAP) share: how they listen, count idempotency
 * keys, delay answers, wait for a condition and close. Each sim keeps its own protocol.
 */

/** Where to listen. */
export interface ListenOptions {
  /** @defaultValue 0 (a free port) */
  port?: number
  /** @defaultValue '127.0.0.1' */
  host?: string
}

/** Listens on `host:port` (any TCP server); resolves with the port taken, or rejects with the listen error. */
export async function listenOn (server: NetServer, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return (server.address() as AddressInfo).port
}

/** Listens as an HTTP department; resolves with the port taken and the origin (`http://127.0.0.1:41234`, IPv6 in brackets). */
export async function listenSim (server: Server, opts: ListenOptions): Promise<{ port: number, origin: string }> {
  const host = opts.host ?? '127.0.0.1'
  server.on('clientError', (_err, socket) => socket.destroy())
  // Longer than any client keep-alive, so an idle socket is never closed under a request.
  server.keepAliveTimeout = 65_000
  server.headersTimeout = 66_000
  const port = await listenOn(server, opts.port ?? 0, host)
  return { port, origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}` }
}

/** What a sim remembers of one idempotency key. */
export interface KeyState {
  /** Requests with this key so far. */
  n: number
  /** The ack id of the first accepted request, once there is one. */
  ackId?: string
}

/** Counts one more request with `key`; `undefined` for a request without a key. */
export function countKey (keys: Map<string, KeyState>, key: string | undefined): KeyState | undefined {
  if (key === undefined) return undefined
  let state = keys.get(key)
  if (state === undefined) keys.set(key, state = { n: 0 })
  state.n++
  return state
}

/** The first message of each idempotency key, in order; keyless messages each count as their own. */
export function firstOfEachKey<M extends { idempotencyKey: string | undefined }> (messages: readonly M[]): M[] {
  const seen = new Set<string>()
  return messages.filter(m => {
    if (m.idempotencyKey === undefined) return true
    if (seen.has(m.idempotencyKey)) return false
    seen.add(m.idempotencyKey)
    return true
  })
}

/**
 * The department has processed the message even if the client stopped waiting: that is what
 * makes the hub's retry of a timed-out delivery arrive as a duplicate. True when it stopped.
 */
export function clientGone (res: ServerResponse): boolean {
  return res.destroyed || res.socket === null || res.socket.destroyed
}

/** Answers held back by a slow behaviour (to trip client timeouts). */
export interface DelayedAnswers {
  /** Runs `answer` after `delayMs`, unless the sim closes first. */
  schedule (res: ServerResponse, delayMs: number, answer: () => void): void
  /** Drops every answer not yet sent and destroys its socket, so closing never waits for one. */
  cancelAll (): void
}

export function createDelayedAnswers (): DelayedAnswers {
  const pending = new Set<{ timer: NodeJS.Timeout, res: ServerResponse }>()
  return {
    schedule (res, delayMs, answer) {
      const entry = {
        res,
        timer: setTimeout(() => {
          pending.delete(entry)
          answer()
        }, delayMs)
      }
      pending.add(entry)
    },
    cancelAll () {
      for (const { timer, res } of pending) {
        clearTimeout(timer)
        res.destroy()
      }
      pending.clear()
    }
  }
}

/**
 * Polls `predicate` every 20 ms; rejects after `timeoutMs` with `<sim>: condition not met …` and
 * what the sim received (`describe`), so a failing test says what did arrive.
 */
export async function pollUntil (predicate: () => boolean, timeoutMs: number, sim: string, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      if (predicate()) return
    } catch (err) {
      lastError = err
    }
    if (Date.now() >= deadline) break
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  const why = lastError === undefined ? '' : ` (the predicate last threw: ${(lastError as Error).message})`
  throw new Error(`${sim}: condition not met within ${timeoutMs} ms${why}; ${describe()}`)
}

/** Cancels the delayed answers and closes the server, dropping idle keep-alive connections. */
export async function closeSim (server: Server, delayed: DelayedAnswers): Promise<void> {
  delayed.cancelAll()
  await new Promise<void>(resolve => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
