import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validCremation } from '../fixtures/cremation.js'
import type { TestHubWithDepartments } from '../helpers/test-hub.js'
import { labelled, malformedJson, prototypeKeys, structure } from './cases/body-cases.js'
import { expectRefused, FEED_TOKEN, json, OTHER_FEED_TOKEN, sentence, startHostileHub, type HostileCase } from './harness.js'

const FEED = '/v1/feeds/tuiyi'
const ACK = `${FEED}/ack`
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

const UNAUTHORIZED = { status: 401, code: 'HUB_ERR_UNAUTHORIZED' } as const
const BAD_PARAMETER = { status: 400, code: 'HUB_ERR_BAD_PARAMETER' } as const
const SCHEMA = { status: 400, code: 'HUB_ERR_SCHEMA' } as const

/** `GET /v1/feeds/:department`: who may pull, and what `after` and `limit` may be. */
const pullCases: HostileCase[] = [
  { what: 'a pull without a token', headers: { authorization: '' }, ...UNAUTHORIZED },
  { what: 'a pull with the token sent as Basic', headers: { authorization: `Basic ${FEED_TOKEN}` }, ...UNAUTHORIZED },
  { what: 'a pull with an empty bearer token', headers: { authorization: 'Bearer ' }, ...UNAUTHORIZED },
  { what: 'a pull with a wrong token', headers: bearer('wrong-token'), ...UNAUTHORIZED },
  { what: 'a pull with the token followed by more words', headers: bearer(`${FEED_TOKEN} admin`), ...UNAUTHORIZED },
  { what: 'a pull with a token of 10,000 characters', headers: bearer('t'.repeat(10_000)), ...UNAUTHORIZED },
  { what: 'a pull with the token\'s prefix only', headers: bearer(FEED_TOKEN.slice(0, -1)), ...UNAUTHORIZED },
  { what: 'a pull with another department\'s token', headers: bearer(OTHER_FEED_TOKEN), status: 403, code: 'HUB_ERR_FORBIDDEN' },
  { what: 'a pull of a department without a feed', url: '/v1/feeds/gongan', status: 404, code: 'HUB_ERR_FEED_NOT_FOUND' },
  { what: 'a pull of a department in capitals', url: '/v1/feeds/TUIYI', status: 404, code: 'HUB_ERR_FEED_NOT_FOUND' },
  { what: 'a pull of a department with a NUL', url: '/v1/feeds/tuiyi%00', status: 404, code: 'HUB_ERR_FEED_NOT_FOUND' },
  { what: 'a pull of a path climbing out', url: '/v1/feeds/..%2Fadmin', status: 404, code: 'HUB_ERR_FEED_NOT_FOUND' },
  { what: 'a pull of a department name over 100 characters', url: `/v1/feeds/${'a'.repeat(120)}`, status: 400, code: 'HUB_ERR_BAD_URL' },
  ...[
    ['-1', 'a negative after'], ['1.5', 'a fractional after'], ['1e3', 'an exponent'], ['0x10', 'a hexadecimal after'], ['', 'an empty after'],
    ['abc', 'letters'], ['99999999999999999', 'seventeen digits'], ['1&after=2', 'after given twice'], ["1'%20OR%20'1'='1", 'SQL'],
    ['%EF%BC%91', 'a full-width digit'], ['%00', 'a NUL']
  ].map(([value, what]): HostileCase => ({ what: `a pull with ${what!} (after=${value!})`, url: `${FEED}?after=${value!}`, ...BAD_PARAMETER })),
  ...[['0', 'zero'], ['51', 'more than maxPage'], ['-5', 'a negative number'], ['NaN', 'NaN'], ['10.0', 'a decimal point']]
    .map(([value, what]): HostileCase => ({ what: `a pull with a limit of ${what!} (limit=${value!})`, url: `${FEED}?limit=${value!}`, ...BAD_PARAMETER })),
  { what: 'a PUT to the feed', method: 'PUT' as const, url: FEED, payload: json({}), status: 404, code: 'HUB_ERR_ROUTE_NOT_FOUND' }
].map((c): HostileCase => ({ method: 'GET', ...c }))

/** `POST /v1/feeds/:department/ack`: only `{"cursor": n}` up to what was served. */
const ackCases: HostileCase[] = [
  ...[[-1, 'a negative cursor'], [1.5, 'a fractional cursor'], ['1', 'a cursor as a string'], [true, 'a cursor of true'], [null, 'a null cursor'],
    [[1], 'a cursor in an array'], [{ n: 1 }, 'a cursor that is an object'], [9007199254740993, 'a cursor beyond the safe integers']]
    .map(([cursor, what]): HostileCase => ({ what: `an ack with ${String(what)}`, payload: json({ cursor }), ...SCHEMA, fields: [['/cursor', 'HUB_ERR_TYPE']] })),
  { what: 'an ack with a cursor of 1e309', payload: '{"cursor":1e309}', ...SCHEMA, fields: [['/cursor', 'HUB_ERR_TYPE']] },
  { what: 'an ack without a cursor', payload: '{}', ...SCHEMA, fields: [['/cursor', 'HUB_ERR_REQUIRED']] },
  { what: 'an ack with another member', payload: '{"cursor":0,"all":true}', ...SCHEMA, fields: [['/all', 'HUB_ERR_UNKNOWN_FIELD']] },
  { what: 'an ack with the cursor given twice', payload: '{"cursor":0,"cursor":5}', ...SCHEMA, fields: [['/cursor', 'HUB_ERR_DUPLICATE_KEY']] },
  { what: 'an ack beyond what was served', payload: '{"cursor":5}', status: 400, code: 'HUB_ERR_CURSOR_NOT_SERVED' },
  { what: 'an ack in GBK', headers: { 'content-type': 'application/json; charset=gbk' }, payload: '{"cursor":0}', status: 415, code: 'HUB_ERR_MEDIA_TYPE' },
  { what: 'an ack as a form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'cursor=0', status: 415, code: 'HUB_ERR_MEDIA_TYPE' },
  { what: 'an ack with a byte that is not UTF-8', payload: Buffer.concat([Buffer.from('{"cursor":0,"note":"'), Buffer.from([0xFF]), Buffer.from('"}')]), ...SCHEMA, fields: [['/note', 'HUB_ERR_CHARACTERS']] },
  { what: 'an ack without a token', headers: { authorization: '' }, payload: '{"cursor":0}', ...UNAUTHORIZED },
  { what: 'an ack with another department\'s token', headers: bearer(OTHER_FEED_TOKEN), payload: '{"cursor":0}', status: 403, code: 'HUB_ERR_FORBIDDEN' },
  ...labelled([...malformedJson(), ...prototypeKeys({ cursor: 0 }), ...structure({ cursor: 0 })], 'ack')
]

describe('hostile input to the pull feed', () => {
  let th: TestHubWithDepartments
  beforeAll(async () => {
    th = await startHostileHub()
    // Something owed to the feed, so a pull that got through would place and serve it.
    expect((await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: validCremation })).statusCode).toBe(201)
  })
  afterAll(async () => { await th.close() })

  describe('GET /v1/feeds/:department', () => {
    for (const c of pullCases) {
      it(sentence(c), async () => { await expectRefused(th, c, { method: 'GET', url: FEED, headers: bearer(FEED_TOKEN) }) })
    }
  })

  describe('POST /v1/feeds/:department/ack', () => {
    for (const c of ackCases) {
      it(sentence(c), async () => { await expectRefused(th, c, { method: 'POST', url: ACK, headers: bearer(FEED_TOKEN) }) })
    }
  })

  it('still serves the department its message after the corpus has run', async () => {
    const res = await th.hub.app.inject({ method: 'GET', url: FEED, headers: bearer(FEED_TOKEN) })
    expect(res.statusCode).toBe(200)
    expect(res.json().messages).toHaveLength(1)
  })
})
