import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validCremation } from '../fixtures/cremation.js'
import type { TestHubWithDepartments } from '../helpers/test-hub.js'
import { bodyCases, labelled, UNSAFE_CHARACTERS } from './cases/body-cases.js'
import { expectRefused, json, OTHER_ID_NUMBER, sentence, startHostileHubWithReport, type HostileCase } from './harness.js'

const URL = `/v1/cremations/${validCremation.certificateNo}/void`
const valid = { reason: '家属核实：报错了人，逝者仍健在', funeralHome: validCremation.funeralHome.code }
const body = (patch: Record<string, unknown>): Buffer => json({ ...valid, ...patch })

const SCHEMA = { status: 400, code: 'HUB_ERR_SCHEMA' } as const
const RULES = { status: 422, code: 'HUB_ERR_VALIDATION' } as const

/** The void's own rules: what the reason and the funeral home may be. */
const voidCases: HostileCase[] = [
  { what: 'a void without a reason', payload: json({ funeralHome: valid.funeralHome }), ...SCHEMA, fields: [['/reason', 'HUB_ERR_REQUIRED']] },
  { what: 'a void without a funeral home', payload: json({ reason: valid.reason }), ...SCHEMA, fields: [['/funeralHome', 'HUB_ERR_REQUIRED']] },
  { what: 'a reason that is a number', payload: body({ reason: 42 }), ...SCHEMA, fields: [['/reason', 'HUB_ERR_REQUIRED']] },
  { what: 'a reason that is an array', payload: body({ reason: ['误报'] }), ...SCHEMA, fields: [['/reason', 'HUB_ERR_REQUIRED']] },
  { what: 'a funeral home that is an object', payload: body({ funeralHome: { code: valid.funeralHome } }), ...SCHEMA, fields: [['/funeralHome', 'HUB_ERR_TYPE']] },
  { what: 'a funeral home of 41 characters', payload: body({ funeralHome: 'B'.repeat(41) }), ...SCHEMA, fields: [['/funeralHome', 'HUB_ERR_TYPE']] },
  { what: 'a blank funeral home', payload: body({ funeralHome: '   ' }), ...SCHEMA, fields: [['/funeralHome', 'HUB_ERR_TYPE']] },
  { what: 'an unknown member', payload: body({ force: true }), ...SCHEMA, fields: [['/force', 'HUB_ERR_UNKNOWN_FIELD']] },
  { what: 'a reason of one character', payload: body({ reason: '错' }), ...RULES, fields: [['/reason', 'HUB_ERR_VOID_REASON']] },
  { what: 'a reason of 101 characters', payload: body({ reason: '错'.repeat(101) }), ...RULES, fields: [['/reason', 'HUB_ERR_VOID_REASON']] },
  { what: 'a reason of 100,000 characters', payload: body({ reason: '错'.repeat(100_000) }), ...RULES, fields: [['/reason', 'HUB_ERR_VOID_REASON']] },
  { what: 'a reason holding an ID number', payload: body({ reason: `误报，身份证 ${OTHER_ID_NUMBER}` }), ...RULES, fields: [['/reason', 'HUB_ERR_VOID_REASON_PERSONAL']] },
  { what: 'a reason holding an ID number in full-width digits', payload: body({ reason: '误报４３０６２１１９４００１０１００２８' }), ...RULES, fields: [['/reason', 'HUB_ERR_VOID_REASON_PERSONAL']], personal: ['４３０６２１１９４００１０１００２８'] },
  { what: 'a reason holding a mobile number split by dashes', payload: body({ reason: '误报，请联系 139-0730-1234' }), ...RULES, fields: [['/reason', 'HUB_ERR_VOID_REASON_PERSONAL']], personal: ['139-0730-1234'] },
  { what: 'a reason with an emoji', payload: body({ reason: '误报，当事人健在🙏' }), ...RULES, fields: [['/reason', 'HUB_ERR_VOID_REASON_CHARACTERS']] },
  { what: 'a reason with a character GBK lacks', payload: body({ reason: '误报，当事人刘䶮健在' }), ...RULES, fields: [['/reason', 'HUB_ERR_VOID_REASON_CHARACTERS']] },
  { what: 'a reason with SQL', payload: body({ reason: "误报'); DELETE FROM records; --" }), status: 404, code: 'HUB_ERR_NOT_FOUND', url: '/v1/cremations/NOPE-1/void' },
  ...UNSAFE_CHARACTERS.filter(([, ch]) => !/\s/u.test(ch)).map(([name, ch]): HostileCase =>
    ({ what: `a reason holding ${name}`, payload: body({ reason: `报错了${ch}人` }), ...RULES, fields: [['/reason', 'HUB_ERR_VOID_REASON']] })),
  ...UNSAFE_CHARACTERS.slice(0, 12).map(([name, ch]): HostileCase =>
    ({ what: `a funeral home code holding ${name}`, payload: body({ funeralHome: `BYG${ch}` }), ...SCHEMA, fields: [['/funeralHome', 'HUB_ERR_TYPE']] }))
]

/** The path and the query string: which record, of which funeral home. */
const pathCases: HostileCase[] = [
  { what: 'another funeral home\'s code', payload: body({ funeralHome: '430621-OTHER' }), status: 404, code: 'HUB_ERR_NOT_FOUND' },
  { what: 'a funeral home in the query holding a control character', url: `${URL}?funeralHome=BYG%07`, payload: json({ reason: valid.reason }), ...SCHEMA, fields: [['/funeralHome', 'HUB_ERR_TYPE']] },
  { what: 'a funeral home in the query given twice', url: `${URL}?funeralHome=A&funeralHome=B`, payload: json({ reason: valid.reason }), ...SCHEMA, fields: [['/funeralHome', 'HUB_ERR_TYPE']] },
  { what: 'a certificate number with SQL in the path', url: "/v1/cremations/YYX'%20OR%20'1'='1/void", payload: json(valid), status: 404, code: 'HUB_ERR_NOT_FOUND' },
  { what: 'a broken percent escape in the path', url: '/v1/cremations/%C0/void', payload: json(valid), status: 400, code: 'HUB_ERR_BAD_URL' },
  { what: 'a void sent with GET', method: 'GET', url: URL, status: 404, code: 'HUB_ERR_ROUTE_NOT_FOUND' },
  { what: 'a void sent with DELETE', method: 'DELETE', url: URL, payload: json(valid), status: 404, code: 'HUB_ERR_ROUTE_NOT_FOUND' }
]

const cases = [...labelled(bodyCases(valid, ['/reason', '/funeralHome']), 'void'), ...voidCases, ...pathCases]

describe('hostile input to POST /v1/cremations/:certificateNo/void', () => {
  let th: TestHubWithDepartments
  beforeAll(async () => { th = await startHostileHubWithReport() })
  afterAll(async () => { await th.close() })

  for (const c of cases) {
    it(sentence(c), async () => { await expectRefused(th, c, { method: 'POST', url: URL }) })
  }

  it('folds line breaks in a reason into spaces, and voids the record only for the well-formed request', async () => {
    const res = await th.hub.app.inject({ method: 'POST', url: URL, payload: { ...valid, reason: '家属核实：\r\n报错了人\u2028逝者仍健在' } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ outcome: 'voided', reason: '家属核实： 报错了人 逝者仍健在' })
  })
})
