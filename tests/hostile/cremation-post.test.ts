import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeCremation, validCremation } from '../fixtures/cremation.js'
import type { TestHubWithDepartments } from '../helpers/test-hub.js'
import { documentCases } from './cases/body-cases.js'
import { CREMATION_TEXT_FIELDS, cremationCases } from './cases/cremation-cases.js'
import { expectRefused, fingerprint, json, OTHER_ID_NUMBER, PERSONAL, sentence, startHostileHub } from './harness.js'

const cases = [...documentCases(validCremation, CREMATION_TEXT_FIELDS, 'POST'), ...cremationCases()]

describe('hostile input to POST /v1/cremations', () => {
  let th: TestHubWithDepartments
  beforeAll(async () => { th = await startHostileHub() })
  afterAll(async () => { await th.close() })

  for (const c of cases) {
    it(sentence(c), async () => { await expectRefused(th, c, { method: 'POST', url: '/v1/cremations' }) })
  }

  it('stores the first person, not a second one hidden behind a duplicate idNumber', async () => {
    // A plain JSON.parse keeps the last of two equal keys: the record would be another woman's.
    const text = JSON.stringify(validCremation).replace('"idNumber":', `"idNumber":"${OTHER_ID_NUMBER}","idNumber":`)
    const before = await fingerprint(th.testDb.db)
    const res = await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', headers: { 'content-type': 'application/json' }, payload: text })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors).toEqual([expect.objectContaining({ pointer: '/deceased/idNumber', code: 'HUB_ERR_DUPLICATE_KEY' })])
    expect(res.body).not.toContain(OTHER_ID_NUMBER)
    expect(await fingerprint(th.testDb.db)).toEqual(before)
  })

  it('lists the first 20 of 300 unknown fields and counts all of them in the message', async () => {
    const extra = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`extra${i}`, i]))
    const res = await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: { ...validCremation, ...extra } })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toBe('请求格式不正确：300 个字段有误（仅列出前 20 个）')
    expect(res.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual(Array.from({ length: 20 }, (_, i) => `/extra${i}`))
  })

  it('accepts the same record sent as application/json; charset="UTF-8" and stores it', async () => {
    const res = await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', headers: { 'content-type': 'application/json; charset="UTF-8"' }, payload: json(validCremation) })
    expect(res.statusCode).toBe(201)
  })

  it('accepts a record sent as application/json;charset=utf8, the alias many clients send', async () => {
    const res = await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', headers: { 'content-type': 'application/json;charset=utf8' }, payload: json(makeCremation(7)) })
    expect(res.statusCode).toBe(201)
  })

  it('writes none of the personal data the corpus sent to the log', () => {
    const logs = th.logText()
    for (const p of PERSONAL) expect(logs).not.toContain(p)
  })
})
