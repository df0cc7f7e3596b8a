/**
 * Normalisation of the free-text fields people type at a funeral home counter: names and phone
 * numbers arrive with full-width characters, stray spaces and several look-alike middle dots.
 */

/** A failure's `message` says what is wrong but not whose field it is: the caller adds the label. */
export type TextCheck<C extends string> =
  | { ok: true, value: string }
  | { ok: false, code: C, message: string }

/** Full-width ASCII (U+FF01–U+FF5E) → ASCII, and the ideographic space U+3000 → U+0020. */
export function toHalfWidth (raw: string): string {
  return raw.replace(/[\uFF01-\uFF5E\u3000]/g, c =>
    c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xFEE0))
}

/**
 * The interpunct of minority and foreign names (阿依古丽·买买提) is typed with whatever dot the
 * input method offers. All of these become U+00B7, the form the civil registry prints.
 * @see GB/T 15834-2011 标点符号用法 §4.14 间隔号
 */
const MIDDLE_DOTS = /[•．・‧･∙⋅\u00B7\u30FB]/gu
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}]/u
/** Copy-paste debris that is invisible on screen and never part of a name. */
const INVISIBLES = /[\u200B\uFEFF\u2060]/gu
/** An ASCII full stop typed as the interpunct: between two characters that are not spaces. */
const FULL_STOP_AS_DOT = /(?<=\S)\.(?=\S)/gu
/** The typographic apostrophe, which word processors substitute for the typed one. */
const APOSTROPHES = /\u2019/gu
/** Letters and combining marks, with one `-` or `'` allowed between two letters (Jean-Pierre, O'Neill). */
const WORD = String.raw`(?:\p{L}\p{M}*)+(?:['-](?:\p{L}\p{M}*)+)*`
/** Words joined by one `·` or one space. */
const NAME = new RegExp(`^${WORD}(?:[· ]${WORD})*$`, 'u')
/** Hyphens and apostrophes belong to foreign names: next to a CJK character they are typos (`李-桂英`). */
const JOINER_BY_CJK = new RegExp(`${CJK.source}\\p{M}*['-]|['-]${CJK.source}`, 'u')
const NAME_MAX = 50

/**
 * A person's name as the registry writes it: NFC, trimmed, dots unified to `·` with no space
 * around them, no spaces between CJK characters (`张 三` → `张三`), and single spaces between
 * other words (`Maria  Anna` → `Maria Anna`). Valid names have 1–50 characters (code points),
 * letters of any script, marks, `·` and single spaces; digits and punctuation are rejected.
 *
 * An ASCII `.` between two non-space characters is an interpunct typed on a plain keyboard
 * (`阿依古丽.买买提` → `阿依古丽·买买提`); next to a space or at either end it is punctuation.
 * Foreign names keep a hyphen or an apostrophe (`’` → `'`) standing between two letters
 * (`Jean-Pierre DUPONT`, `O'NEILL SEAN`); anywhere else (at either end, doubled, next to a space,
 * a `·` or a CJK character) they are punctuation too.
 *
 * Characters of the Private Use Area, which some local systems use for rare characters (生僻字),
 * are rejected: rare characters must be sent as their standard code points (CJK Ext. B–H).
 */
export function normaliseName (raw: string): TextCheck<'HUB_ERR_NAME'> {
  const value = raw.normalize('NFC')
    .replace(INVISIBLES, '')
    .replace(MIDDLE_DOTS, '·')
    .replace(FULL_STOP_AS_DOT, '·')
    .replace(APOSTROPHES, "'")
    .trim()
    .replace(/\s*·\s*/gu, '·')
    .replace(/(\S)\s+(?=(\S))/gu, (_, before: string, after: string) =>
      CJK.test(before) && CJK.test(after) ? before : `${before} `)

  const length = [...value].length
  if (length === 0) return { ok: false, code: 'HUB_ERR_NAME', message: '不能为空' }
  if (length > NAME_MAX) {
    return { ok: false, code: 'HUB_ERR_NAME', message: `过长：最多 ${NAME_MAX} 个字（现为 ${length} 个）` }
  }
  if (/\p{N}/u.test(value)) return { ok: false, code: 'HUB_ERR_NAME', message: '不能包含数字' }
  if (!NAME.test(value) || JOINER_BY_CJK.test(value)) {
    return {
      ok: false,
      code: 'HUB_ERR_NAME',
      message: '只能由文字组成，词与词之间可用间隔号“·”或单个空格分隔，外文姓名的两个字母之间可用连字符“-”或撇号“\'”'
    }
  }
  return { ok: true, value }
}

const MOBILE = /^1[3-9]\d{9}$/
/** `010` and `02x` take 8 subscriber digits; every other area code, `0[3-9]xx`, 7 or 8. */
const LANDLINE = /^(?:0(?:10|2\d)\d{8}|0[3-9]\d{2}\d{7,8})$/

/**
 * A Chinese phone number in its normalised form: **digits only**, for mobiles and landlines alike
 * (`0730-8123456` → `07308123456`). Digits only is unambiguous because area codes are prefix-free:
 * `010` and `02x` have three digits and are followed by 8 digits, every other area code
 * (`0[3-9]xx`) has four and is followed by 7 or 8. A number one digit short (`0730-812345`) is
 * therefore refused rather than read as another area code.
 *
 * Accepted input: full-width digits, spaces, dashes and parentheses anywhere, a leading `+86` or
 * `0086` (a landline written internationally, `+86 730 8123456`, gets its trunk `0` back), and
 * the `0` some people dial before an out-of-town mobile (`013907301234`).
 * @see 工业和信息化部《电信网编号计划（2017 年版）》
 */
export function normalisePhone (raw: string): TextCheck<'HUB_ERR_PHONE'> {
  let digits = toHalfWidth(raw).replace(/[\s\-‐‑–—－()（）]/gu, '')
  const international = /^(?:\+86|0086)/.exec(digits)
  if (international !== null) {
    digits = digits.slice(international[0].length)
    if (!MOBILE.test(digits) && !digits.startsWith('0')) digits = `0${digits}`
  }
  if (/^01[3-9]\d{9}$/.test(digits)) digits = digits.slice(1)

  if (MOBILE.test(digits) || LANDLINE.test(digits)) return { ok: true, value: digits }
  return {
    ok: false,
    code: 'HUB_ERR_PHONE',
    message: '应为 11 位手机号或带区号的固定电话（如 0730-8123456）'
  }
}
