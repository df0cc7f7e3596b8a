/**
 * Business dates are calendar dates in the county's time zone (DESIGN §6): a death at 00:30 on
 * 1 February Beijing time is a February death, whatever UTC says.
 */

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatterFor (timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    formatters.set(timeZone, f)
  }
  return f
}

/** Recent answers: each record's few instants are dated once for all its departments' mappings. */
const recent = new Map<string, string>()
const RECENT_LIMIT = 4_096

/** The `YYYY-MM-DD` calendar date of an instant in `timeZone`. */
export function localDate (instant: string | Date, timeZone: string): string {
  const d = typeof instant === 'string' ? new Date(instant) : instant
  const key = `${timeZone}|${d.getTime()}`
  let date = recent.get(key)
  if (date === undefined) {
    date = formatterFor(timeZone).format(d)
    if (recent.size >= RECENT_LIMIT) recent.delete(recent.keys().next().value!)
    recent.set(key, date)
  }
  return date
}

const wallClocks = new Map<string, Intl.DateTimeFormat>()

/** The wall-clock date and time of an instant in `timeZone`, to the second, as zero-padded parts. */
export function wallClockParts (at: Date, timeZone: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string> {
  let f = wallClocks.get(timeZone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit'
    })
    wallClocks.set(timeZone, f)
  }
  const p = Object.fromEntries(f.formatToParts(at).map(({ type, value }) => [type, value]))
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour!, minute: p.minute!, second: p.second! }
}

/** The first day of the month after the given `YYYY-MM-DD` date. */
export function firstDayOfNextMonth (date: string): string {
  const [y, m] = date.split('-').map(Number) as [number, number]
  const year = m === 12 ? y + 1 : y
  const month = m === 12 ? 1 : m + 1
  return `${year}-${String(month).padStart(2, '0')}-01`
}

/** `YYYY-MM-DD` → `YYYYMMDD`, the form most department systems expect. */
export function compactDate (date: string): string {
  return date.replaceAll('-', '')
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isKnownTimeZone (timeZone: string): boolean {
  try {
    formatterFor(timeZone)
    return true
  } catch {
    return false
  }
}
