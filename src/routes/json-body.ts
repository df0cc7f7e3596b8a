import { isUtf8 } from 'node:buffer'
import type { FastifyInstance } from 'fastify'
import type { FieldDictionary } from '../domain/field-labels.js'
import { jsonStructureError } from '../domain/json-structure.js'
import { undecodableErrors } from '../domain/undecodable.js'
import { badCharset, schemaInvalid } from '../errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Chinese labels of the route's body fields, for the errors the body parser reports. */
    fields?: FieldDictionary
  }
}

const BODY_ONLY: FieldDictionary = Object.freeze({ '': { label: '请求体' } })

/**
 * A JSON media type that leaves the body UTF-8: no charset, or one `charset` of `utf-8` (or its
 * common alias `utf8`), any case, quoted or not; no other parameter. Split by hand rather than
 * matched by a regular expression: a header of thousands of spaces made one take 200 ms of CPU.
 * @see RFC 8259 §8.1
 */
export function declaresUtf8 (contentType: string): boolean {
  const [, ...parameters] = contentType.split(';')
  let charsets = 0
  for (const parameter of parameters) {
    const p = parameter.trim()
    if (p === '') continue
    const eq = p.indexOf('=')
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'charset') return false
    const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase()
    if (value !== 'utf-8' && value !== 'utf8') return false
    charsets++
  }
  return charsets <= 1
}

/**
 * The one JSON body parser of the API, stricter than Fastify's in what it lets reach a route:
 * 1. `application/json` in UTF-8 only: another charset is `415`, as are bytes Fastify would
 *    otherwise decode into mojibake that departments then receive;
 * 2. bytes that are not UTF-8 are refused before decoding (`400`, `HUB_ERR_CHARACTERS` naming
 *    the fields that hold them), instead of becoming U+FFFD and being stored;
 * 3. one pass over the text for duplicate keys, keys that are no field name, and bodies too
 *    deep or too large to parse and validate cheaply (`json-structure.ts`);
 * 4. Fastify's own parse: `secure-json-parse`, which refuses `__proto__` and
 *    `constructor.prototype` keys (`400 HUB_ERR_BAD_JSON`), exactly as before.
 */
export function useStrictJsonParser (app: FastifyInstance): void {
  const fastifyParse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    if (!declaresUtf8(req.headers['content-type'] ?? '')) {
      done(badCharset(), undefined)
      return
    }
    const fields = req.routeOptions.config.fields ?? BODY_ONLY
    const text = body.toString('utf8')
    // Before any parse: a body of 90,000 keys is refused without building its object.
    const problem = jsonStructureError(text, fields)
    if (!isUtf8(body)) {
      // Fields are named only in a body cheap enough to parse; a hostile one is refused whole.
      done(schemaInvalid(undecodableErrors(body, fields, problem === undefined)), undefined)
      return
    }
    if (problem !== undefined) {
      done(schemaInvalid([problem]), undefined)
      return
    }
    void fastifyParse(req, text, done)
  })
}
