import iconv from 'iconv-lite'

/**
 * iconv-lite's `gbk` is really the two-byte part of GB18030: it also writes characters that
 * the GBK readers departments run — Windows CP936, Java `GBK`, Python `gbk` — refuse, or read
 * back as a private-use glyph (䶮 U+4DAE → FE9F, 㑇 → FE56, € → 0x80). A department would then
 * see a blank box or no character at all in a name, and a person it cannot match. These
 * byte sequences are what such readers do not share; checked on iconv-lite's output.
 * @see GB 18030-2005 §6 (the two-byte code space) and the GBK 1.0 user-defined areas
 */

/** GB18030-2000 additions inside the two-byte code space that GBK readers lack: ḿ ǹ 〾 ⿰–⿻. */
const GB18030_TWO_BYTE_ADDITIONS = new Set([0xA8BC, 0xA8BF, ...range(0xA989, 0xA995)])

/** `bytes` (iconv-lite `gbk` output, stateless) holds a code a GBK reader would not read as written. */
export function hasNonGbkBytes (bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const lead = bytes[i]!
    if (lead < 0x80) continue
    // The single byte 0x80 is € only in CP936's later editions and GB18030; GBK has no such byte.
    if (lead === 0x80) return true
    const trail = bytes[++i]
    if (trail === undefined || !isGbkPair(lead, trail)) return true
  }
  return false
}

/**
 * A character iconv-lite writes into an unassigned or user-defined slot comes back as a
 * private-use code point: a glyph only one system's font has, never a portable name.
 */
export function hasPrivateUse (text: string): boolean {
  return /[\uE000-\uF8FF]/u.test(text)
}

function isGbkPair (lead: number, trail: number): boolean {
  // GB18030's additions at FE50–FEA0 (䶮, 㑇 …): CP936 maps them to private use, Python refuses them.
  if (lead === 0xFE && trail >= 0x50 && trail <= 0xA0) return false
  // User-defined areas (自定义区) of GBK: AAA1–AFFE, F8A1–FEFE, A140–A7A0.
  if (lead >= 0xAA && lead <= 0xAF && trail >= 0xA1) return false
  if (lead >= 0xF8 && lead <= 0xFE && trail >= 0xA1) return false
  if (lead >= 0xA1 && lead <= 0xA7 && trail <= 0xA0) return false
  return !GB18030_TWO_BYTE_ADDITIONS.has((lead << 8) | trail)
}

function range (from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

/**
 * Whether a department reading GBK gets exactly `text` back: iconv-lite can write it (no `?`),
 * and every code is one GBK readers share.
 */
export function gbkCanCarry (text: string): boolean {
  const bytes = iconv.encode(text, 'gbk')
  return iconv.decode(bytes, 'gbk') === text && !hasNonGbkBytes(bytes) && !hasPrivateUse(text)
}
