import type { Fail } from './check-fields.js'

/** DESIGN §5: no date before 1900, in Beijing time. */
export const EARLIEST_INSTANT = Date.parse('1900-01-01T00:00:00+08:00')
export const EARLIEST_DATE = '1900-01-01'

export type InstantRuleCode = 'HUB_ERR_FORMAT' | 'HUB_ERR_DATE_RANGE' | 'HUB_ERR_DATE_FUTURE'

/**
 * A check of one instant of a document: epoch milliseconds when it lies in 1900 ≤ t ≤ `latest`
 * (now plus the allowed clock skew), otherwise `undefined` with the failure reported, so an
 * instant already out of range is not compared again.
 */
export function instantChecker (fail: Fail<InstantRuleCode>, latest: number): (pointer: string, value: string) => number | undefined {
  return (pointer, value) => {
    const t = parseInstant(value)
    if (Number.isNaN(t)) fail(pointer, 'HUB_ERR_FORMAT', '不是有效的时间')
    else if (t < EARLIEST_INSTANT) fail(pointer, 'HUB_ERR_DATE_RANGE', `不能早于 ${EARLIEST_DATE}`)
    else if (t > latest) fail(pointer, 'HUB_ERR_DATE_FUTURE', '不能晚于当前时间')
    else return t
    return undefined
  }
}

/**
 * Epoch milliseconds of an RFC 3339 date-time as ajv-formats accepts it (`T`, `t` or a space
 * between date and time; `Z`, `±hh`, `±hhmm` or `±hh:mm`; a leap second `:60`), computed here
 * rather than by `Date.parse`, whose handling of the non-ISO variants is implementation-defined.
 */
export function parseInstant (value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt\s](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):?(\d{2})?)$/.exec(value)
  if (m === null) return Number.NaN
  const [, y, mo, d, h, mi, s, frac = '', sign, oh = '0', om = '0'] = m
  // ajv-formats lets impossible clock times through its leap-second branch (`T31:59:30+08:00`),
  // which Date would roll over into another day. A leap second (:60) is RFC 3339's own.
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 60 || Number(oh) > 23 || Number(om) > 59) return Number.NaN
  const t = new Date(0)
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  t.setUTCFullYear(Number(y), Number(mo) - 1, Number(d))
  t.setUTCHours(Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0').slice(0, 3)))
  const offsetMs = (Number(oh) * 60 + Number(om)) * 60_000
  return t.getTime() - (sign === '-' ? -offsetMs : sign === '+' ? offsetMs : 0)
}
