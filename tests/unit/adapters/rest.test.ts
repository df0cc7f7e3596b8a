import net from 'node:net'
import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Deliverer, OutboundMessage } from '../../../src/adapters/deliverer.js'
import { createDeliverer } from '../../../src/adapters/index.js'
import { HttpDeliveryError, createRestDeliverer, parseRetryAfter } from '../../../src/adapters/rest.js'
import type { TargetConfig } from '../../../src/config/schema.js'
import { gonganRestMapping } from '../../../src/mappings/gongan-rest.js'
import { signBody, verifySignature } from '../../../src/security/signature.js'
import { captureRequest, failureOf } from '../../helpers/deliveries.js'

const BASE = 'http://gongan.example.test'
const PATH = '/api/notices'
const SECRET = 'a-signing-secret-of-16+'

type RestConfig = NonNullable<TargetConfig['rest']>

function target (rest: Partial<RestConfig> = {}): TargetConfig {
  return Object.freeze({
    code: 'gongan',
    department: 'gongan',
    name: '县公安局',
    enabled: true,
    transport: 'rest',
    events: ['notice.created'],
    mapping: 'gongan-rest-v1',
    concurrency: 4,
    rest: { url: `${BASE}${PATH}`, timeoutMs: 2_000, auth: { type: 'none' }, signingSecret: SECRET, ...rest }
  }) as TargetConfig
}

const message: OutboundMessage = Object.freeze({
  deliveryId: 'dlv-0001',
  noticeId: 'ntc-0001',
  version: 2,
  event: 'notice.created',
  idempotencyKey: 'ntc-0001:gongan:2',
  createdAt: new Date('2026-03-12T02:00:00Z'),
  body: { noticeId: 'ntc-0001', name: '张三', idNumber: '11010519491231002X', note: 'ü €' }
})

let deliverer: Deliverer | undefined

function open (t: TargetConfig = target()): Deliverer {
  deliverer = createRestDeliverer(t)
  return deliverer
}

const never = new AbortController().signal

beforeEach(() => {
  nock.disableNetConnect()
})

afterEach(async () => {
  await deliverer?.close?.()
  deliverer = undefined
  nock.cleanAll()
  nock.enableNetConnect()
})

describe('the REST deliverer', () => {
  it('sends the idempotency key, the hub headers and a signature that verifies over the exact raw body', async () => {
    const seen = captureRequest(nock(BASE).post(PATH).reply(200, { ackId: 'A-1' }))

    await open().deliver(message, never)

    const { headers, raw } = seen()
    expect(raw).toBe(JSON.stringify(message.body))
    expect(headers['content-type']).toBe('application/json; charset=utf-8')
    expect(headers['idempotency-key']).toBe('ntc-0001:gongan:2')
    expect(headers['x-hub-notice-id']).toBe('ntc-0001')
    expect(headers['x-hub-version']).toBe('2')
    expect(headers['x-hub-event']).toBe('notice.created')
    expect(headers['x-hub-delivery-id']).toBe('dlv-0001')
    expect(headers['x-hub-signature']).toBe(signBody(raw, SECRET))
    expect(verifySignature(raw, SECRET, headers['x-hub-signature'])).toBe(true)
    expect(verifySignature(raw, 'another-secret-of-16+', headers['x-hub-signature'])).toBe(false)
    expect(headers.authorization).toBeUndefined()
  })

  it('sends a bearer token in the Authorization header', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: 'Bearer t0ken' } }).post(PATH).reply(204)
    await open(target({ auth: { type: 'bearer', token: 't0ken' } })).deliver(message, never)
    expect(scope.isDone()).toBe(true)
  })

  it('sends basic credentials through axios auth', async () => {
    const expected = `Basic ${Buffer.from('hub:pa:ss').toString('base64')}`
    const scope = nock(BASE, { reqheaders: { authorization: expected } }).post(PATH).reply(200)
    await open(target({ auth: { type: 'basic', username: 'hub', password: 'pa:ss' } })).deliver(message, never)
    expect(scope.isDone()).toBe(true)
  })

  it('adds the configured extra headers but never lets them replace the hub headers', async () => {
    const seen = captureRequest(nock(BASE).post(PATH).reply(200))
    await open(target({ headers: { 'X-App-Code': 'HUB01', 'Idempotency-Key': 'forged' } })).deliver(message, never)
    const { headers } = seen()
    expect(headers['x-app-code']).toBe('HUB01')
    expect(headers['idempotency-key']).toBe('ntc-0001:gongan:2')
  })

  it('returns a receipt with the ack id of a 200 answer and a summary that does not echo the body', async () => {
    nock(BASE).post(PATH).reply(200, { ackId: 'GA-2026-1', echo: '张三 11010519491231002X' })
    const receipt = await open().deliver(message, never)
    expect(receipt).toEqual({ status: 200, ackId: 'GA-2026-1', summary: 'HTTP 200 ackId=GA-2026-1' })
  })

  it.each([
    [{ id: 42 }, '42'],
    [{ receiptId: 'R-9' }, 'R-9'],
    [{ id: { nested: true }, receiptId: 'R-10' }, 'R-10']
  ])('takes the ack id from the id or receiptId field of %j', async (body, ackId) => {
    nock(BASE).post(PATH).reply(200, body)
    const receipt = await open().deliver(message, never)
    expect(receipt.ackId).toBe(ackId)
  })

  it('keeps no ack id that could be personal data: an ID-number-like value or a long one', async () => {
    nock(BASE).post(PATH).reply(200, { id: '430621193805120041', receiptId: 'x'.repeat(65) })
    const receipt = await open().deliver(message, never)
    expect(receipt).toEqual({ status: 200, summary: 'HTTP 200' })
  })

  it('keeps long numeric ack ids that are not ID numbers, such as snowflake and timestamp ids', async () => {
    nock(BASE).post(PATH).reply(200, { ackId: '1864823498123456789' })
    expect((await open().deliver(message, never)).ackId).toBe('1864823498123456789')
  })

  it('refuses a 2xx whose body says the department did not accept the message, when the target says how to tell', async () => {
    const strict = target({ accept: { field: 'result.code', values: ['0000'] } })
    nock(BASE).post(PATH).reply(200, { result: { code: '0000' }, id: 'A-1' })
    expect(await open(strict).deliver(message, never)).toMatchObject({ status: 200, ackId: 'A-1' })
    await deliverer!.close?.()
    nock(BASE).post(PATH).reply(200, { result: { code: 'E1001', msg: '人员不存在' } })
    const err = await failureOf<HttpDeliveryError>(open(strict).deliver(message, never))
    expect(err).toMatchObject({ retryable: false, errorClass: 'business-rejected', status: 200 })
    expect(err.message).toContain('result.code=E1001')
    await deliverer!.close?.()
    // A body that is not JSON at all (a gateway's page, nothing) is no answer: retried.
    nock(BASE).post(PATH).reply(200, '<html>系统维护中</html>')
    expect(await failureOf<HttpDeliveryError>(open(strict).deliver(message, never))).toMatchObject({ retryable: true, errorClass: 'http-response' })
    await deliverer!.close?.()
    nock(BASE).post(PATH).reply(200, '')
    expect(await failureOf<HttpDeliveryError>(open(strict).deliver(message, never))).toMatchObject({ retryable: true, errorClass: 'http-response' })
  })

  it('falls back to the x-request-id header when the body carries no id', async () => {
    nock(BASE).post(PATH).reply(200, 'OK', { 'x-request-id': 'req-77' })
    const receipt = await open().deliver(message, never)
    expect(receipt).toEqual({ status: 200, ackId: 'req-77', summary: 'HTTP 200 ackId=req-77' })
  })

  it('accepts a 201 without a JSON body and returns a receipt without an ack id', async () => {
    nock(BASE).post(PATH).reply(201)
    const receipt = await open().deliver(message, never)
    expect(receipt).toEqual({ status: 201, summary: 'HTTP 201' })
  })

  it.each([
    [500, 'http-5xx'],
    [502, 'http-5xx'],
    [503, 'http-5xx'],
    [408, 'http-408'],
    [429, 'http-429']
  ])('treats HTTP %i as a retryable failure of class %s', async (status, errorClass) => {
    nock(BASE).post(PATH).reply(status, { error: '张三 的记录' })
    const err = await failureOf<HttpDeliveryError>(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass, status })
    expect(err.message).toBe(`部门接口返回 HTTP ${status}`)
    expect(err.message).not.toContain('张三')
  })

  it.each([400, 404, 409, 422])('treats HTTP %i as a permanent failure', async (status) => {
    nock(BASE).post(PATH).reply(status, { error: '11010519491231002X 无效' })
    const err = await failureOf<HttpDeliveryError>(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: false, errorClass: 'http-4xx', status })
    expect(err.message).not.toContain('11010519491231002X')
  })

  it('treats a redirect as a permanent failure instead of following it', async () => {
    const elsewhere = nock('http://elsewhere.example.test').post('/').reply(200)
    nock(BASE).post(PATH).reply(302, '', { Location: 'http://elsewhere.example.test/' })
    const err = await failureOf<HttpDeliveryError>(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: false, errorClass: 'http-3xx', status: 302 })
    expect(elsewhere.isDone()).toBe(false)
  })

  it('exposes a Retry-After of delta-seconds on 429 and 503 in milliseconds', async () => {
    nock(BASE).post(PATH).reply(429, '', { 'Retry-After': '120' })
    const throttled = await failureOf<HttpDeliveryError>(open().deliver(message, never))
    expect(throttled).toBeInstanceOf(HttpDeliveryError)
    expect(throttled.retryAfterMs).toBe(120_000)

    nock(BASE).post(PATH).reply(503, '', { 'Retry-After': '5' })
    const unavailable = await failureOf<HttpDeliveryError>(deliverer!.deliver(message, never))
    expect(unavailable.retryAfterMs).toBe(5_000)
  })

  it('exposes a Retry-After given as an HTTP date', async () => {
    const at = new Date(Date.now() + 60_000).toUTCString()
    nock(BASE).post(PATH).reply(503, '', { 'Retry-After': at })
    const err = await failureOf<HttpDeliveryError>(open().deliver(message, never))
    expect(err.retryAfterMs).toBeGreaterThan(50_000)
    expect(err.retryAfterMs).toBeLessThanOrEqual(60_000)
  })

  it('parses Retry-After values and ignores ones it cannot read', () => {
    const now = Date.parse('2026-02-01T00:00:00Z')
    expect(parseRetryAfter('0', now)).toBe(0)
    expect(parseRetryAfter(' 30 ', now)).toBe(30_000)
    expect(parseRetryAfter('Sun, 01 Feb 2026 00:01:00 GMT', now)).toBe(60_000)
    expect(parseRetryAfter('Sat, 31 Jan 2026 00:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
  })

  it('ignores Retry-After on statuses other than 429 and 503', async () => {
    nock(BASE).post(PATH).reply(500, '', { 'Retry-After': '10' })
    const err = await failureOf<HttpDeliveryError>(open().deliver(message, never))
    expect(err.retryAfterMs).toBeUndefined()
  })

  it('treats a refused connection as a retryable network failure', async () => {
    const port = await unusedPort()
    nock.enableNetConnect('127.0.0.1')
    const err = await failureOf<HttpDeliveryError>(open(target({ url: `http://127.0.0.1:${port}/api` })).deliver(message, never))
    // Nothing can have reached the department: it is not owed later corrections or voids.
    expect(err).toMatchObject({ retryable: true, errorClass: 'network', message: '网络错误：ECONNREFUSED', sentNothing: true })
  })

  it('treats a reset connection as a retryable network failure that may have reached the department', async () => {
    nock(BASE).post(PATH).replyWithError(socketError('ECONNRESET', 'socket hang up'))
    const err = await failureOf<HttpDeliveryError>(open().deliver(message, never))
    expect(err).toMatchObject({ retryable: true, errorClass: 'network', sentNothing: false })
  })

  it('stops a request in flight when the signal aborts and calls it a retryable abort', async () => {
    nock(BASE).post(PATH).delay(1_000).reply(200)
    const controller = new AbortController()
    setTimeout(() => { controller.abort() }, 50)
    const started = Date.now()
    const err = await failureOf<HttpDeliveryError>(open().deliver(message, controller.signal))
    expect(err).toMatchObject({ retryable: true, errorClass: 'aborted' })
    expect(Date.now() - started).toBeLessThan(900)
  })

  it('does not send anything when the signal is already aborted', async () => {
    const scope = nock(BASE).post(PATH).reply(200)
    const controller = new AbortController()
    controller.abort()
    const err = await failureOf<HttpDeliveryError>(open().deliver(message, controller.signal))
    expect(err).toMatchObject({ retryable: true, errorClass: 'aborted' })
    expect(scope.isDone()).toBe(false)
  })

  it('never keeps the request config, with its credentials and body, on the error', async () => {
    nock(BASE).post(PATH).replyWithError(socketError('ECONNRESET', 'read ECONNRESET'))
    const err = await failureOf<HttpDeliveryError>(open(target({ auth: { type: 'bearer', token: 'secret-token' } })).deliver(message, never))
    expect(err.cause).toBeUndefined()
    expect(JSON.stringify({ ...err, message: err.message })).not.toMatch(/secret-token|张三/)
  })
})

describe('createDeliverer', () => {
  it('builds a REST deliverer for a rest target', async () => {
    deliverer = createDeliverer(target(), gonganRestMapping)
    expect(deliverer.transport).toBe('rest')
  })

  it('refuses a rest target without a rest block and names the target', () => {
    const { rest: _rest, ...withoutRest } = target()
    expect(() => createDeliverer(withoutRest as TargetConfig, gonganRestMapping)).toThrow(/gongan/)
  })
})

describe('body signatures', () => {
  it('signs a body as sha256= and hex, and rejects a tampered body or a malformed header', () => {
    const body = '{"name":"张三"}'
    const header = signBody(body, SECRET)
    expect(header).toMatch(/^sha256=[0-9a-f]{64}$/)
    expect(verifySignature(Buffer.from(body, 'utf8'), SECRET, header)).toBe(true)
    expect(verifySignature('{"name":"李四"}', SECRET, header)).toBe(false)
    expect(verifySignature(body, SECRET, header.slice(0, -1))).toBe(false)
    expect(verifySignature(body, SECRET, undefined)).toBe(false)
    expect(verifySignature(body, SECRET, [header])).toBe(false)
  })
})

/** An error as a socket raises it (nock 15 needs an Error instance, a plain object hangs). */
function socketError (code: string, message: string): Error {
  return Object.assign(new Error(message), { code })
}

async function unusedPort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => { resolve(port) })
    })
  })
}
