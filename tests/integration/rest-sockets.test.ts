import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { Deliverer, OutboundMessage } from '../../src/adapters/deliverer.js'
import { createRestDeliverer } from '../../src/adapters/rest.js'
import type { TargetConfig } from '../../src/config/schema.js'
import { freePort } from '../../scripts/free-port.js'

/**
 * The REST adapter against real sockets: what a mock cannot show — refused connections, slow and
 * oversized answers, redirects, credentials on the wire, shutdown.
 */
const message: OutboundMessage = {
  deliveryId: 'dlv-u1', noticeId: 'ntc-u1', version: 1, event: 'notice.created', idempotencyKey: 'dlv-u1',
  createdAt: new Date('2026-11-28T04:00:00Z'), body: { noticeId: 'ntc-u1', name: '张三' }
}

function target (url: string, auth: Record<string, unknown> = { type: 'none' }): TargetConfig {
  return {
    code: 'yibao', department: 'yibao', name: '医保', enabled: true, transport: 'rest', events: ['notice.created'],
    mapping: 'yibao-rest-v1', concurrency: 2, holdMinutes: 0, requireCorroboration: false,
    rest: { url, timeoutMs: 2_000, auth, signingSecret: '0123456789abcdef' }
  } as TargetConfig
}

describe('the REST adapter against real sockets', () => {
  const closers: Array<() => Promise<void>> = []
  afterEach(async () => { for (const c of closers.splice(0).reverse()) await c() })

  async function serve (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
    const server: Server = createServer(handler)
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    closers.push(async () => { server.closeAllConnections(); await new Promise(resolve => server.close(resolve)) })
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/notices`
  }
  function open (t: TargetConfig): Deliverer {
    const d = createRestDeliverer(t)
    closers.push(async () => { await d.close?.() })
    return d
  }

  it('sends the signed body with basic credentials and keeps the ack id', async () => {
    let seen: { auth?: string, key?: string, body?: string } = {}
    const url = await serve((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => { body += c.toString() })
      req.on('end', () => {
        seen = { auth: req.headers.authorization, key: req.headers['idempotency-key'] as string, body }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ackId":"YB-1"}')
      })
    })
    const receipt = await open(target(url, { type: 'basic', username: 'houshi', password: 'p@ss' })).deliver(message, new AbortController().signal)
    expect(receipt).toMatchObject({ status: 200, ackId: 'YB-1' })
    expect(seen.auth).toBe(`Basic ${Buffer.from('houshi:p@ss').toString('base64')}`)
    expect(seen.key).toBe('dlv-u1')
    expect(JSON.parse(seen.body!)).toEqual(message.body)
  })

  it('retries a department that refuses connections', async () => {
    const port = await freePort()
    await expect(open(target(`http://127.0.0.1:${port}/notices`)).deliver(message, new AbortController().signal))
      .rejects.toMatchObject({ retryable: true, errorClass: 'network' })
  })

  it('refuses an answer larger than 1 MiB without keeping it, as a retryable transport error', async () => {
    const url = await serve((_req, res) => { res.writeHead(200).end('x'.repeat(2 * 1_048_576)) })
    await expect(open(target(url)).deliver(message, new AbortController().signal))
      .rejects.toMatchObject({ retryable: true, errorClass: 'transport' })
  })

  it('gives up on an answer slower than the timeout, as a retryable timeout', async () => {
    const url = await serve((_req, res) => { setTimeout(() => { res.writeHead(200).end('{"ackId":"late"}') }, 1_000) })
    const started = Date.now()
    await expect(open({ ...target(url), rest: { ...target(url).rest!, timeoutMs: 150 } }).deliver(message, new AbortController().signal))
      .rejects.toMatchObject({ retryable: true, errorClass: 'timeout', message: '请求超时（150 ms）' })
    expect(Date.now() - started).toBeLessThan(900)
  })

  it('never follows a redirect', async () => {
    let hits = 0
    const url = await serve((_req, res) => {
      hits++
      res.writeHead(302, { location: '/elsewhere' }).end()
    })
    await expect(open(target(url)).deliver(message, new AbortController().signal))
      .rejects.toMatchObject({ retryable: false, errorClass: 'http-3xx' })
    expect(hits).toBe(1)
  })

  it('ends the exchange at once when the worker shuts down', async () => {
    const url = await serve(() => { /* never answers */ })
    const shutdown = new AbortController()
    const started = Date.now()
    const pending = open(target(url)).deliver(message, shutdown.signal)
    setTimeout(() => { shutdown.abort() }, 50)
    await expect(pending).rejects.toMatchObject({ retryable: true, errorClass: 'aborted' })
    expect(Date.now() - started).toBeLessThan(1_000)
  })
})
