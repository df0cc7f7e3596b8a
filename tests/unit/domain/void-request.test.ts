import { describe, expect, it } from 'vitest'
import { validateVoidRequest } from '../../../src/domain/void-request.js'

const codes = (body: unknown): string[] => {
  const r = validateVoidRequest(body, '430621-BYG')
  return r.ok ? [] : r.errors.map(e => `${e.pointer} ${e.code}`)
}

describe('a void request', () => {
  it('keeps a plain reason, with spaces folded, and the funeral home from the body or the query', () => {
    expect(validateVoidRequest({ reason: '  家属核实：报错了人，  逝者仍健在 ', funeralHome: ' 430621-BYG ' }))
      .toEqual({ ok: true, value: { reason: '家属核实：报错了人， 逝者仍健在', funeralHome: '430621-BYG' } })
    expect(validateVoidRequest({ reason: '证号录错' }, '430621-BYG')).toEqual({ ok: true, value: { reason: '证号录错', funeralHome: '430621-BYG' } })
  })

  it('requires the funeral home: a certificate number alone may be another funeral home\'s', () => {
    const r = validateVoidRequest({ reason: '证号录错' })
    expect(r).toMatchObject({ ok: false, kind: 'schema', errors: [{ pointer: '/funeralHome', code: 'HUB_ERR_REQUIRED' }] })
    expect(r.ok ? '' : r.errors[0]!.message).toContain('殡仪馆代码')
  })

  it('names every wrong field of the shape at once', () => {
    expect(codes({ reason: 3, colour: 'blue', funeralHome: '' })).toEqual([
      '/colour HUB_ERR_UNKNOWN_FIELD', '/reason HUB_ERR_REQUIRED', '/funeralHome HUB_ERR_TYPE'
    ])
    expect(codes([])).toEqual([' HUB_ERR_TYPE'])
  })

  it('refuses a reason too short, too long or with control characters', () => {
    expect(codes({ reason: '错' })).toEqual(['/reason HUB_ERR_VOID_REASON'])
    expect(codes({ reason: '错'.repeat(101) })).toEqual(['/reason HUB_ERR_VOID_REASON'])
    expect(codes({ reason: '错'.repeat(100) })).toEqual([])
    expect(codes({ reason: '报错\u0000了' })).toEqual(['/reason HUB_ERR_VOID_REASON'])
  })

  it.each([
    ['an ID number', '证号 430621193805120041 录错'],
    ['an ID number in full-width digits', '证号 ４３０６２１１９３８０５１２００４１ 录错'],
    ['an ID number with spaces', '证号 430621 19380512 0041 录错'],
    ['a 15-digit ID number', '旧证号 430621380512004 录错'],
    ['a mobile number', '请联系 139-0730-1234 核实']
  ])('refuses a reason with %s: it goes to every department and into the audit trail', (_what, reason) => {
    expect(codes({ reason })).toEqual(['/reason HUB_ERR_VOID_REASON_PERSONAL'])
  })

  it('refuses characters a GBK department file cannot carry, so the void reaches every department', () => {
    expect(codes({ reason: '误报，当事人健在🙏' })).toEqual(['/reason HUB_ERR_VOID_REASON_CHARACTERS'])
    // GB18030-only: iconv-lite writes them, but GBK readers do not read them back.
    expect(codes({ reason: '误报，当事人刘䶮健在' })).toEqual(['/reason HUB_ERR_VOID_REASON_CHARACTERS'])
    expect(codes({ reason: '误报，退款€100' })).toEqual(['/reason HUB_ERR_VOID_REASON_CHARACTERS'])
  })
})
