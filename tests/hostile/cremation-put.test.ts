import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cremationWith, validCremation } from '../fixtures/cremation.js'
import type { TestHubWithDepartments } from '../helpers/test-hub.js'
import { documentCases } from './cases/body-cases.js'
import { CREMATION_TEXT_FIELDS, idNumbers, wrongTypes } from './cases/cremation-cases.js'
import { expectRefused, fingerprint, json, OTHER_ID_NUMBER, sentence, startHostileHubWithReport, type HostileCase } from './harness.js'

const URL = `/v1/cremations/${validCremation.certificateNo}`
/** A correction the hub would store: only the cremation operator changes. */
const correction = json(cremationWith({ cremation: { operator: '周建军' } }))

const ifMatch = (what: string, value: string, status = 400, code = 'HUB_ERR_IF_MATCH'): HostileCase =>
  ({ what: `a correction with If-Match: ${what}`, headers: { 'if-match': value }, payload: correction, status, code })

const ifMatchCases: HostileCase[] = [
  ifMatch('"1 (an unbalanced quote)', '"1'),
  ifMatch('1" (an unbalanced quote)', '1"'),
  ifMatch('""1"" (doubled quotes)', '""1""'),
  ifMatch('W/"1" (a weak tag)', 'W/"1"'),
  ifMatch('"0"', '"0"'),
  ifMatch('"-1"', '"-1"'),
  ifMatch('"1.0"', '"1.0"'),
  ifMatch('"1e0"', '"1e0"'),
  ifMatch('a full-width digit', '"１"'),
  ifMatch('an Arabic-Indic digit', '"١"'),
  ifMatch('ten digits', '"9999999999"'),
  ifMatch('a list of two versions', '"1", "2"'),
  ifMatch('a quoted star', '"*"'),
  ifMatch('an empty value', ''),
  ifMatch('SQL', "1' OR '1'='1"),
  ifMatch('"2", a version that does not exist yet', '"2"', 412, 'HUB_ERR_VERSION_CHANGED'),
  ifMatch('"999999999"', '"999999999"', 412, 'HUB_ERR_VERSION_CHANGED')
]

const pathCases: HostileCase[] = [
  { what: 'a body naming another certificate than the path', payload: json(cremationWith({ certificateNo: 'YYX-2026-0816' })), status: 400, code: 'HUB_ERR_CERTIFICATE_NO_MISMATCH' },
  { what: 'a certificate nobody reported', url: '/v1/cremations/NOPE-1', payload: json(cremationWith({ certificateNo: 'NOPE-1' })), status: 404, code: 'HUB_ERR_NOT_FOUND' },
  { what: 'a path that climbs out of the resource', url: '/v1/cremations/..%2F..%2Fetc%2Fpasswd', payload: correction, status: 404, code: 'HUB_ERR_NOT_FOUND' },
  { what: 'a path with a broken percent escape', url: '/v1/cremations/%E0%A4%A', payload: correction, status: 400, code: 'HUB_ERR_BAD_URL' },
  { what: 'a certificate number of 41 characters in the path', url: `/v1/cremations/${'A'.repeat(41)}`, payload: correction, status: 404, code: 'HUB_ERR_NOT_FOUND' },
  { what: 'a path parameter over 100 characters', url: `/v1/cremations/${'A'.repeat(200)}`, payload: correction, status: 400, code: 'HUB_ERR_BAD_URL' },
  { what: 'a NUL in the path', url: '/v1/cremations/YYX-2026-0815%00', payload: correction, status: 404, code: 'HUB_ERR_NOT_FOUND' },
  { what: 'a correction from another funeral home', payload: json(cremationWith({ funeralHome: { code: '430621-OTHER' } })), status: 404, code: 'HUB_ERR_NOT_FOUND' },
  { what: 'a correction that names another person', payload: json(cremationWith({ deceased: { idNumber: OTHER_ID_NUMBER, birthDate: '1940-01-01' } })), status: 422, code: 'HUB_ERR_SUBJECT_CHANGED' }
]

const cases = [...documentCases(cremationWith({ cremation: { operator: '周建军' } }), CREMATION_TEXT_FIELDS, 'PUT'), ...wrongTypes(), ...idNumbers(), ...ifMatchCases, ...pathCases]

describe('hostile input to PUT /v1/cremations/:certificateNo', () => {
  let th: TestHubWithDepartments
  beforeAll(async () => { th = await startHostileHubWithReport() })
  afterAll(async () => { await th.close() })

  for (const c of cases) {
    it(sentence(c), async () => { await expectRefused(th, c, { method: 'PUT', url: URL }) })
  }

  it('still takes the correction with a well-formed If-Match once the corpus has run, and only then changes the record', async () => {
    const before = await fingerprint(th.testDb.db)
    const res = await th.hub.app.inject({ method: 'PUT', url: URL, headers: { 'content-type': 'application/json', 'if-match': '"1"' }, payload: correction })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ outcome: 'corrected', certificateVersion: 2 })
    expect(await fingerprint(th.testDb.db)).not.toEqual(before)
  })
})
