import iconv from 'iconv-lite'
import { json, withBytes, type HostileCase } from '../harness.js'
import { place, setAt } from './edit.js'

/**
 * Cases any JSON document endpoint must refuse the same way, whatever the document: broken JSON,
 * the wrong media type or charset, bytes that are not UTF-8, prototype keys, duplicate keys,
 * bodies too deep or too large, and characters no field may hold. `base` is a valid document;
 * `textFields` are pointers to its free-text fields (strings that hold anything but controls).
 */
export function documentCases (base: object, textFields: readonly string[], label: string): HostileCase[] {
  return labelled([...bodyCases(base, textFields), ...unsafeCharacters(base, textFields)], label)
}

/** The cases of `documentCases` that the body parser refuses, whatever the route does with fields. */
export function bodyCases (base: object, textFields: readonly string[]): HostileCase[] {
  return [
    ...malformedJson(),
    ...mediaTypes(base, textFields),
    ...invalidUtf8(base, textFields),
    ...prototypeKeys(base),
    ...duplicateKeys(base, textFields),
    ...structure(base)
  ]
}

/** `cases` with the route named in each sentence. */
export function labelled (cases: HostileCase[], label: string): HostileCase[] {
  return cases.map(c => ({ ...c, what: `${c.what} (${label})` }))
}

const BAD_JSON = { status: 400, code: 'HUB_ERR_BAD_JSON' } as const
const SCHEMA = { status: 400, code: 'HUB_ERR_SCHEMA' } as const
const MEDIA = { status: 415, code: 'HUB_ERR_MEDIA_TYPE' } as const

export function malformedJson (): HostileCase[] {
  const bodies: Array<[string, string]> = [
    ['an empty body', ''],
    ['a lone opening brace', '{'],
    ['a key without a value', '{"certificateNo":}'],
    ['a trailing comma', '{"certificateNo":"A-1",}'],
    ['single-quoted strings', "{'certificateNo':'A-1'}"],
    ['an unquoted key', '{certificateNo:"A-1"}'],
    ['NaN as a value', '{"certificateNo":NaN}'],
    ['Infinity as a value', '{"certificateNo":Infinity}'],
    ['a JavaScript comment', '{"certificateNo":"A-1"/* x */}'],
    ['a string cut off in the middle', '{"certificateNo":"A-'],
    ['two objects one after the other', '{}{}'],
    ['trailing text after the object', '{"certificateNo":"A-1"} x'],
    ['a hexadecimal number', '{"gender":0x1}'],
    ['a number with a leading zero', '{"gender":01}'],
    ['a raw line break inside a string', '{"certificateNo":"A\n1"}'],
    ['an invalid escape sequence', '{"certificateNo":"A\\x41"}'],
    ['a truncated unicode escape', '{"certificateNo":"\\u12"}'],
    ['the word undefined', 'undefined'],
    ['whitespace only', ' \r\n\t ']
  ]
  return bodies.map(([what, text]) => ({ what: `JSON with ${what}`, payload: text, ...BAD_JSON }))
}

function mediaTypes (base: object, textFields: readonly string[]): HostileCase[] {
  const refused: Array<[string, Buffer]> = [
    ['application/json; charset=gbk', iconv.encode(JSON.stringify(base), 'gbk')],
    ['application/json; charset=GB2312', iconv.encode(JSON.stringify(base), 'gbk')],
    ['application/json; charset=gb18030', iconv.encode(JSON.stringify(base), 'gb18030')],
    ['application/json; charset=iso-8859-1', json(base)],
    ['application/json; charset=utf-16', iconv.encode(JSON.stringify(base), 'utf-16le')],
    ['application/json; charset=utf-8; charset=gbk', json(base)],
    ['APPLICATION/JSON; CHARSET=BIG5', json(base)],
    ['application/json; charset=', json(base)],
    ['text/plain', json(base)],
    ['text/plain; charset=utf-8', json(base)],
    ['application/x-www-form-urlencoded', Buffer.from('certificateNo=A-1')],
    ['multipart/form-data; boundary=x', Buffer.from('--x\r\n\r\n{}\r\n--x--')],
    ['application/xml', Buffer.from('<certificateNo>A-1</certificateNo>')]
  ]
  return [
    ...refused.map(([type, payload]): HostileCase => ({ what: `a body sent as ${type}`, headers: { 'content-type': type }, payload, ...MEDIA })),
    {
      what: 'a GBK-encoded body declared as UTF-8',
      payload: iconv.encode(JSON.stringify(base), 'gbk'),
      ...SCHEMA,
      fields: [[textFields[0]!, 'HUB_ERR_CHARACTERS']]
    },
    { what: 'a UTF-16 body without a charset', payload: iconv.encode(JSON.stringify(base), 'utf-16le'), ...SCHEMA, fields: [['', 'HUB_ERR_CHARACTERS']] }
  ]
}

/** Byte sequences that are not UTF-8, each named as a reader would see it. */
export const INVALID_UTF8: Array<[string, Buffer]> = [
  ['the byte 0xFF', Buffer.from([0xFF])],
  ['a lone continuation byte 0x80', Buffer.from([0x80])],
  ['an overlong encoding of "/" (C0 AF)', Buffer.from([0xC0, 0xAF])],
  ['a UTF-8-encoded surrogate (ED A0 80)', Buffer.from([0xED, 0xA0, 0x80])],
  ['a code point above U+10FFFF (F4 90 80 80)', Buffer.from([0xF4, 0x90, 0x80, 0x80])],
  ['a three-byte character cut short (E6 9D)', Buffer.from([0xE6, 0x9D])],
  ['李 in GBK (C0 EE)', Buffer.from([0xC0, 0xEE])]
]

function invalidUtf8 (base: object, textFields: readonly string[]): HostileCase[] {
  const cases: HostileCase[] = []
  textFields.forEach((pointer, i) => {
    // Every sequence in every field would be many cases saying the same; each field gets six.
    for (let k = 0; k < 6; k++) {
      const [name, bytes] = INVALID_UTF8[(i + k) % INVALID_UTF8.length]!
      cases.push({
        what: `${name} inside ${pointer}`,
        payload: withBytes(base, (copy, marker) => place(copy, pointer, `文字${marker}文字`), bytes),
        ...SCHEMA,
        fields: [[pointer, 'HUB_ERR_CHARACTERS']]
      })
    }
  })
  cases.push({
    what: 'the byte 0xFF between two members',
    payload: Buffer.concat([Buffer.from('{"certificateNo":"A-1",'), Buffer.from([0xFF]), Buffer.from('"x":1}')]),
    ...SCHEMA,
    fields: [['', 'HUB_ERR_CHARACTERS']]
  }, {
    what: 'the byte 0xFF inside a key',
    payload: Buffer.concat([Buffer.from('{"ke'), Buffer.from([0xFF]), Buffer.from(`y":1,${JSON.stringify(base).slice(1)}`)]),
    ...SCHEMA,
    fields: [['', 'HUB_ERR_CHARACTERS']]
  })
  return cases
}

export function prototypeKeys (base: object): HostileCase[] {
  const text = JSON.stringify(base)
  const inject = (member: string): string => `{${member},${text.slice(1)}`
  return [
    ['a __proto__ key at the top', inject('"__proto__":{"isAdmin":true}')],
    ['a __proto__ key spelled with escapes', inject('"\\u005f\\u005fproto\\u005f\\u005f":{"x":1}')],
    ['a __proto__ key inside a nested object', inject('"extra":{"__proto__":{"idNumber":"1"}}')],
    ['constructor.prototype at the top', inject('"constructor":{"prototype":{"polluted":true}}')],
    ['constructor.prototype nested', inject('"extra":[{"constructor":{"prototype":{}}}]')]
  ].map(([what, payload]): HostileCase => ({ what: `a body with ${what!}`, payload: payload!, ...BAD_JSON }))
    .concat([{ what: 'a body with a plain constructor key', payload: inject('"constructor":1'), ...SCHEMA, fields: [['/constructor', 'HUB_ERR_UNKNOWN_FIELD']] }])
}

function duplicateKeys (base: object, textFields: readonly string[]): HostileCase[] {
  const text = JSON.stringify(base)
  const [firstKey] = Object.keys(base)
  const cases: HostileCase[] = textFields.slice(0, 3).map(pointer => {
    const key = pointer.split('/').at(-1)!
    // The duplicate goes first, so the original (last) value would win in a plain JSON.parse.
    const parent = pointer.split('/').slice(0, -1).join('/')
    const opener = parent === '' ? '{' : `"${parent.split('/').at(-1)!}":{`
    const at = parent === '' ? 0 : text.indexOf(opener)
    return {
      what: `${pointer} given twice`,
      payload: `${text.slice(0, at + opener.length)}"${key}":"重复的值",${text.slice(at + opener.length)}`,
      ...SCHEMA,
      fields: [[pointer, 'HUB_ERR_DUPLICATE_KEY']]
    }
  })
  cases.push({
    what: `the first member ${firstKey!} given twice, once with an escaped letter`,
    payload: `{"${escapeFirst(firstKey!)}":"X",${text.slice(1)}`,
    ...SCHEMA,
    fields: [[`/${firstKey!}`, 'HUB_ERR_DUPLICATE_KEY']]
  }, {
    what: 'a duplicate key inside an unknown member',
    payload: `{"extra":{"a":1,"a":2},${text.slice(1)}`,
    ...SCHEMA,
    fields: [['/extra/a', 'HUB_ERR_DUPLICATE_KEY']]
  })
  return cases
}

/** `key` with its first letter written as a `\u` escape: the same key to JSON, not to a byte compare. */
function escapeFirst (key: string): string {
  return `\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}${key.slice(1)}`
}

export function structure (base: object): HostileCase[] {
  const text = JSON.stringify(base)
  const many = (n: number): string => Array.from({ length: n }, (_, i) => `"k${i}":1`).join(',')
  return [
    { what: 'an array nested 10,000 deep', payload: '['.repeat(10_000) + ']'.repeat(10_000), ...SCHEMA, fields: [['', 'HUB_ERR_BODY_TOO_COMPLEX']] },
    { what: 'an object nested 100 deep in an extra member', payload: `{"extra":${'{"a":'.repeat(100)}1${'}'.repeat(100)},${text.slice(1)}`, ...SCHEMA },
    { what: 'an array of 200,000 numbers', payload: `[${new Array(200_000).fill('1').join(',')}]`, ...SCHEMA, fields: [['', 'HUB_ERR_BODY_TOO_COMPLEX']] },
    { what: '90,000 unknown keys', payload: `{${many(90_000)}}`, ...SCHEMA, fields: [['', 'HUB_ERR_BODY_TOO_COMPLEX']] },
    { what: '90,000 unknown keys and a byte that is not UTF-8, refused whole without being parsed', payload: Buffer.concat([Buffer.from(`{${many(90_000)},"x":"`), Buffer.from([0xFF]), Buffer.from('"}')]), ...SCHEMA, fields: [['', 'HUB_ERR_CHARACTERS']] },
    { what: '300 unknown keys', payload: `{${many(300)},${text.slice(1)}`, ...SCHEMA, fields: [['/k0', 'HUB_ERR_UNKNOWN_FIELD']] },
    { what: 'a key 5,000 characters long', payload: `{"${'k'.repeat(5000)}":1,${text.slice(1)}`, ...SCHEMA, fields: [['', 'HUB_ERR_UNKNOWN_FIELD']] },
    { what: 'an empty key', payload: `{"":1,${text.slice(1)}`, ...SCHEMA, fields: [['', 'HUB_ERR_UNKNOWN_FIELD']] },
    { what: 'a body over the 1 MiB limit', payload: `{"extra":"${'x'.repeat(1_100_000)}"}`, status: 413, code: 'HUB_ERR_BODY_TOO_LARGE' },
    { what: 'a null body', payload: 'null', ...SCHEMA, fields: [['', 'HUB_ERR_TYPE']] },
    { what: 'an array body', payload: '[]', ...SCHEMA, fields: [['', 'HUB_ERR_TYPE']] },
    { what: 'a string body', payload: '"x"', ...SCHEMA, fields: [['', 'HUB_ERR_TYPE']] },
    { what: 'a number body', payload: '42', ...SCHEMA, fields: [['', 'HUB_ERR_TYPE']] },
    { what: 'the body as an array holding the document', payload: `[${text}]`, ...SCHEMA, fields: [['', 'HUB_ERR_TYPE']] }
  ]
}

/** Characters no text field may hold, named. */
export const UNSAFE_CHARACTERS: Array<[string, string]> = [
  ['NUL', '\u0000'], ['ESC', '\u001B'], ['a line feed', '\n'], ['DEL', '\u007F'],
  ['the C1 control U+0085 (NEL)', '\u0085'], ['the C1 control U+0080', '\u0080'], ['the C1 control U+009F', '\u009F'],
  ['U+2028 LINE SEPARATOR', '\u2028'], ['U+2029 PARAGRAPH SEPARATOR', '\u2029'],
  ['U+202E RIGHT-TO-LEFT OVERRIDE', '\u202E'], ['U+202A LEFT-TO-RIGHT EMBEDDING', '\u202A'],
  ['U+2066 LEFT-TO-RIGHT ISOLATE', '\u2066'], ['U+2069 POP DIRECTIONAL ISOLATE', '\u2069'],
  ['U+200F RIGHT-TO-LEFT MARK', '\u200F'], ['a lone high surrogate', '\uD800'], ['a lone low surrogate', '\uDFFF'],
  ['a reversed surrogate pair', '\uDC00\uD800'], ['the noncharacter U+FFFE', '\uFFFE'], ['the noncharacter U+FDD0', '\uFDD0'],
  ['the replacement character U+FFFD', '\uFFFD']
]

export function unsafeCharacters (base: object, textFields: readonly string[]): HostileCase[] {
  // Each character once, in turn across the fields: every field and every character is covered.
  return UNSAFE_CHARACTERS.map(([name, ch], i) => {
    const pointer = textFields[i % textFields.length]!
    return {
      what: `${name} inside ${pointer}`,
      payload: json(setAt(base, pointer, `文字${ch}文字`)),
      ...SCHEMA,
      fields: [[pointer, 'HUB_ERR_CHARACTERS']] as Array<[string, string]>
    }
  })
}
