import iconv from 'iconv-lite'
import { hasNonGbkBytes, hasPrivateUse } from '../../domain/gbk-strict.js'

/** The character sets department files are written in (the target's `sftp.encoding`). */
export type FileEncoding = 'utf-8' | 'gbk'

/**
 * A value holds a character the file's encoding cannot carry. Names the column, never the value:
 * the value is personal data (a name, an address).
 */
export class UnencodableError extends Error {
  override readonly name = 'UnencodableError'

  constructor (readonly column: string, readonly encoding: FileEncoding) {
    super(`列“${column}”含有 ${encoding.toUpperCase()} 编码无法表示的字符`)
  }
}

/**
 * The bytes of `text` in `encoding`, one Buffer per character (code point), each checked by a
 * round trip: encoders replace what they cannot encode with `?` (or U+FFFD for a lone
 * surrogate) and say nothing, and a department would then stop the wrong person's benefit.
 * GBK output is also checked against what GBK readers accept (gbk-strict.ts). Per character, so a fixed-width column can be cut between characters, never inside one
 * (GBK and UTF-8 are stateless: the concatenation is the encoding of the whole text).
 */
export function encodeChars (text: string, encoding: FileEncoding, column: string): Buffer[] {
  return Array.from(text, ch => encodeChar(ch, encoding, column))
}

/** One character (code point) in `encoding`, checked as `encodeChars` does. */
export function encodeChar (ch: string, encoding: FileEncoding, column: string): Buffer {
  const bytes = encode(ch, encoding)
  if (bytes === undefined) throw new UnencodableError(column, encoding)
  return bytes
}

/** The whole of `text` in `encoding`, with the same checks (one pass, for CSV). */
export function encodeStrict (text: string, encoding: FileEncoding, column: string): Buffer {
  const bytes = encode(text, encoding)
  if (bytes === undefined) throw new UnencodableError(column, encoding)
  return bytes
}

/**
 * Whether every character of `text` can be written in `encoding` by this writer: what an API
 * should check before it accepts text bound for department files (e.g. a void reason).
 */
export function canEncode (text: string, encoding: FileEncoding): boolean {
  return encode(text, encoding) !== undefined
}

/**
 * `undefined` when a character does not survive: for GBK, also a character iconv-lite can
 * write but GBK readers cannot read as written (gbk-strict.ts).
 */
function encode (text: string, encoding: FileEncoding): Buffer | undefined {
  if (encoding === 'utf-8') {
    const bytes = Buffer.from(text, 'utf8')
    return bytes.toString('utf8') === text ? bytes : undefined
  }
  const bytes = iconv.encode(text, 'gbk')
  const readable = iconv.decode(bytes, 'gbk') === text && !hasNonGbkBytes(bytes) && !hasPrivateUse(text)
  return readable ? bytes : undefined
}
