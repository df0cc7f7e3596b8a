import { expect } from 'vitest'
import type { Db } from '../../src/store/db.js'
import { computeCheckDigit } from '../../src/domain/id-number.js'
import { validCremation } from '../fixtures/cremation.js'
import { startHubWithDepartments, type TestHubWithDepartments } from '../helpers/test-hub.js'

/**
 * The hostile-input corpus's shared parts: one real hub per test file (PGlite, a held REST
 * department so nothing moves in the background, and a pull feed), a fingerprint of every
 * table, and the checks every refused case must pass.
 */

export const FEED_TOKEN = 'tuiyi-feed-token-0123456789'
export const OTHER_FEED_TOKEN = 'canlian-feed-token-0123456789'

const feedTarget = (department: string, token: string): Record<string, unknown> => ({
  code: department, department, name: department, transport: 'feed', events: ['notice.created', 'notice.updated', 'notice.voided'], mapping: 'yibao-rest-v1', feed: { token, maxPage: 50 }
})

/**
 * 公安 holds its deliveries for ten hours, so they wait in the database and no worker changes a
 * row while the corpus runs; 退役军人 and 残联 pull feeds.
 */
export async function startHostileHub (): Promise<TestHubWithDepartments> {
  return await startHubWithDepartments('pglite', ['gongan'], {
    overrides: { gongan: { holdMinutes: 600 } },
    extraTargets: [feedTarget('tuiyi', FEED_TOKEN), feedTarget('canlian', OTHER_FEED_TOKEN)]
  })
}

/** The hostile hub with `validCremation` already reported, for the corpora that correct or void it. */
export async function startHostileHubWithReport (): Promise<TestHubWithDepartments> {
  const th = await startHostileHub()
  const res = await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: validCremation })
  if (res.statusCode !== 201) {
    await th.close()
    throw new Error(`reporting the fixture answered ${res.statusCode}`)
  }
  return th
}

/** Every table of `src/store/migrations`, with the columns that only background work changes left out. */
const TABLES: Record<string, string> = {
  notices: 'SELECT t::text AS r FROM notices t',
  records: 'SELECT t::text AS r FROM records t',
  deliveries: 'SELECT t::text AS r FROM deliveries t',
  attempts: 'SELECT t::text AS r FROM attempts t',
  // The sealer chains events later (chain_seq, prev_hash, hash): that is not a change a request made.
  audit_events: 'SELECT concat_ws(\'|\', id, at, actor, action, entity, details::text) AS r FROM audit_events',
  feed_cursors: 'SELECT t::text AS r FROM feed_cursors t',
  sftp_batches: 'SELECT t::text AS r FROM sftp_batches t'
}

/** Row count and a digest of the content of every table: a refused request must leave all of them as they were. */
export async function fingerprint (db: Db): Promise<Record<string, string>> {
  const parts = Object.entries(TABLES).map(([name, select]) =>
    `(SELECT count(*) || ':' || md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) FROM (${select}) s) AS ${name}`)
  const res = await db.query<Record<string, string>>(`SELECT ${parts.join(', ')}`)
  return res.rows[0]!
}

/** A second woman, valid everywhere the fixture's deceased is: for "which person was stored" cases. */
export const OTHER_ID_NUMBER = (() => {
  const first17 = '43062119400101002'
  return first17 + computeCheckDigit(first17)
})()

/** Personal data the fixtures send: no answer may contain any of it. */
export const PERSONAL = [
  validCremation.deceased.name, validCremation.deceased.idNumber, validCremation.informant!.name,
  validCremation.informant!.phone, OTHER_ID_NUMBER
]

export interface HostileCase {
  /** What is sent, completing "answers <status> <code> to …". */
  what: string
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'
  url?: string
  headers?: Record<string, string>
  /** The bytes sent (a string is sent as its UTF-8 bytes). */
  payload?: Buffer | string
  status: number
  code: string
  /** Field errors that must be listed (pointer and code), when the answer lists fields. */
  fields?: Array<[pointer: string, code: string]>
  /** Personal data this case sends besides `PERSONAL`. */
  personal?: string[]
}

/** The name of a case's test: a full sentence. */
export const sentence = (c: HostileCase): string => `answers ${c.status} ${c.code} to ${c.what}, changing nothing`

/** `value` as the JSON bytes a client sends. */
export const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8')

const MARKER = '\u0001MARK\u0001'

/**
 * `body` as JSON bytes with `bytes` spliced in raw where `place(body, marker)` put the marker:
 * how invalid UTF-8 or another charset's bytes get inside a string.
 */
export function withBytes<T> (body: T, place: (copy: T, marker: string) => void, bytes: Buffer): Buffer {
  const copy = structuredClone(body)
  place(copy, MARKER)
  const text = JSON.stringify(copy)
  const escaped = JSON.stringify(MARKER).slice(1, -1)
  const at = text.indexOf(escaped)
  if (at < 0) throw new Error('withBytes: the marker was not placed')
  return Buffer.concat([Buffer.from(text.slice(0, at), 'utf8'), bytes, Buffer.from(text.slice(at + escaped.length), 'utf8')])
}

/**
 * Sends one case and checks what every refusal must be: the status and code asked for, a JSON
 * answer in the hub's shape with a Chinese message, at most 20 listed fields, no personal data,
 * and no table changed.
 */
export async function expectRefused (th: TestHubWithDepartments, c: HostileCase, defaults: { method: HostileCase['method'], url: string, headers?: Record<string, string> }): Promise<void> {
  const before = await fingerprint(th.testDb.db)
  const payload = c.payload
  const res = await th.hub.app.inject({
    method: c.method ?? defaults.method ?? 'POST',
    url: c.url ?? defaults.url,
    headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...defaults.headers, ...c.headers },
    ...(payload === undefined ? {} : { payload })
  })
  const text = res.body
  expect({ status: res.statusCode, code: safeJson(text)?.code }).toEqual({ status: c.status, code: c.code })
  expect(res.headers['content-type']).toMatch(/^application\/json/)
  const body = JSON.parse(text) as { code: string, message: string, errors?: Array<{ pointer: string, code: string, message: string }> }
  expect(body.message).toMatch(/\p{Script=Han}/u)
  if (body.errors !== undefined) {
    expect(body.errors.length).toBeGreaterThan(0)
    expect(body.errors.length).toBeLessThanOrEqual(20)
    for (const e of body.errors) {
      expect(e).toEqual({ pointer: expect.any(String), code: expect.stringMatching(/^HUB_ERR_[A-Z_]+$/), message: expect.stringMatching(/\p{Script=Han}/u) })
    }
  }
  for (const [pointer, code] of c.fields ?? []) {
    expect(body.errors ?? [], `${pointer} ${code} in ${text.slice(0, 2000)}`).toContainEqual(expect.objectContaining({ pointer, code }))
  }
  // No answer to a refused request is large, whatever was sent.
  expect(Buffer.byteLength(text)).toBeLessThan(8192)
  for (const p of [...PERSONAL, ...(c.personal ?? [])]) expect(text, `echoes ${p}`).not.toContain(p)
  expect(await fingerprint(th.testDb.db)).toEqual(before)
}

function safeJson (text: string): { code?: unknown } | undefined {
  try {
    return JSON.parse(text) as { code?: unknown }
  } catch {
    return undefined
  }
}
