import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { EventType, TargetConfig } from '../config/schema.js'
import type { CremationRecord } from '../domain/cremation-record.js'
import type { FieldError } from '../domain/field-error.js'
import {
  badParameter, cursorNotServed, feedForbidden, feedNotFound, feedUnauthorized, feedUnavailable, schemaInvalid
} from '../errors.js'
import { mappingByName, type Mapping } from '../mappings/index.js'
import { mappingContext } from '../mappings/context.js'
import {
  ackFeed, hasUnplacedMessages, markFeedServed, markFeedUnmappable, placeFeedMessages, readFeed, type FeedRow, type ServedFacts
} from '../store/feed.js'
import { openCremation } from '../store/record-codec.js'
import { noteOutcome } from './request-outcome.js'

/** One message of a department's feed: what a push would have carried, plus its position. */
export interface FeedMessage {
  /** Position in the feed: pass it as `after` to read on, or acknowledge up to it. */
  cursor: number
  deliveryId: string
  noticeId: string
  version: number
  event: EventType
  /** The delivery id: the same message pulled twice carries the same key. */
  idempotencyKey: string
  /** What the target's mapping produced. */
  body: unknown
}

export interface FeedPage {
  messages: FeedMessage[]
  /** Position after which the next page starts (the `after` given, when nothing was read). */
  nextCursor: number
  hasMore: boolean
}

const DEFAULT_LIMIT = 100
const ACK_FIELDS = Object.freeze({ '': { label: '请求体' }, '/cursor': { label: '游标' } })
const DEPARTMENT = /^[a-z]{2,20}$/

type Hub = FastifyInstance['hub']
interface Params { department: string }

/**
 * `GET /v1/feeds/:department` and `POST /v1/feeds/:department/ack`: a department that takes no
 * pushes (退役军人事务局) pulls what it is owed and acknowledges it by cursor (DESIGN §7).
 */
export async function feedRoutes (app: FastifyInstance): Promise<void> {
  // No HEAD: Fastify would run this handler for it, and a probe (`curl -I`) would mark messages
  // served that nobody read, letting a later ack cover them.
  app.get<{ Params: Params }>('/:department', { exposeHeadRoute: false }, async (req): Promise<FeedPage> => {
    const target = authorizedTarget(app.hub, req)
    const query = req.query as Record<string, unknown>
    const maxPage = target.feed?.maxPage ?? DEFAULT_LIMIT
    const after = parseInteger(query.after, 'after', 0) ?? 0
    const limit = parseInteger(query.limit, 'limit', 1, maxPage) ?? Math.min(DEFAULT_LIMIT, maxPage)
    const page = await pullPage(app.hub, target, after, limit)
    noteOutcome(req, 'feed pulled', { target: target.code, after, served: page.messages.length, nextCursor: page.nextCursor })
    return page
  })

  app.post<{ Params: Params }>('/:department/ack', { config: { fields: ACK_FIELDS } }, async (req) => {
    const target = authorizedTarget(app.hub, req)
    const cursor = ackCursor(req.body)
    const result = await ackFeed(app.hub.db, target.code, cursor, `department:${target.department}`, app.hub.now?.() ?? new Date())
    if (result.kind === 'not-served') throw cursorNotServed(cursor, result.servedUpTo)
    noteOutcome(req, 'feed acknowledged', { target: target.code, cursor, acknowledged: result.deliveryIds.length })
    return { acknowledged: result.deliveryIds.length, cursor }
  })
}

/**
 * The department's feed target, if the bearer token is that target's own. A token of another
 * department's feed is refused (403): each department reads only its own feed.
 */
function authorizedTarget (hub: Hub, req: FastifyRequest<{ Params: Params }>): TargetConfig {
  const department = req.params.department
  const feeds = hub.targets.filter(t => t.transport === 'feed' && t.feed !== undefined)
  const target = DEPARTMENT.test(department) ? feeds.find(t => t.department === department) : undefined
  if (target === undefined) throw feedNotFound()
  const presented = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')?.[1]
  if (presented === undefined) throw feedUnauthorized()
  if (tokenMatches(presented, target.feed!.token)) return target
  if (feeds.some(t => tokenMatches(presented, t.feed!.token))) throw feedForbidden()
  throw feedUnauthorized()
}

/** Constant-time: digests of equal length, so neither the content nor the length leaks. */
function tokenMatches (presented: string, expected: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest()
  return timingSafeEqual(digest(presented), digest(expected))
}

/** An optional non-negative integer query parameter, within bounds. */
function parseInteger (value: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !/^[0-9]{1,16}$/.test(value)) throw badParameter(name, '必须是非负整数')
  const n = Number(value)
  if (n < min || n > max) throw badParameter(name, `必须在 ${min} 到 ${max} 之间`)
  return n
}

/** `{ "cursor": <n> }` and nothing else. */
function ackCursor (body: unknown): number {
  const errors: FieldError[] = []
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    errors.push({ pointer: '', code: 'HUB_ERR_TYPE', message: '请求体必须是 JSON 对象 {"cursor": <游标>}' })
    throw schemaInvalid(errors)
  }
  const { cursor, ...rest } = body as Record<string, unknown>
  for (const key of Object.keys(rest)) errors.push({ pointer: `/${key}`, code: 'HUB_ERR_UNKNOWN_FIELD', message: `不认识的字段 ${key}` })
  if (cursor === undefined) errors.push({ pointer: '/cursor', code: 'HUB_ERR_REQUIRED', message: '缺少游标 cursor' })
  else if (typeof cursor !== 'number' || !Number.isSafeInteger(cursor) || cursor < 0) {
    errors.push({ pointer: '/cursor', code: 'HUB_ERR_TYPE', message: '游标 cursor 必须是非负整数' })
  }
  if (errors.length > 0) throw schemaInvalid(errors)
  return cursor as number
}

/**
 * Places what has committed since the last pull, then reads up to `limit` owed messages after
 * `after`, mapped as a push would be. A record that cannot be mapped is made dead and skipped;
 * one this process cannot decrypt ends the page there, so the feed keeps its order until ops
 * restore the key.
 */
async function pullPage (hub: Hub, target: TargetConfig, after: number, limit: number): Promise<FeedPage> {
  const mapping = mappingByName(target.mapping)!
  const now = hub.now?.() ?? new Date()
  await placeFeedMessages(hub.db, target.code, limit + 1)
  /** Each message with the row it was built from (its corroboration and void reason are kept on serving). */
  const built: Array<{ message: FeedMessage, row: FeedRow }> = []
  let scanned = after
  let hasMore = false
  let blocked = false
  reading: for (;;) {
    const wanted = limit - built.length
    const rows = await readFeed(hub.db, target.code, scanned, wanted + 1)
    for (const row of rows) {
      if (built.length === limit) {
        hasMore = true
        break reading
      }
      const result = buildMessage(hub, mapping, row)
      if (result.kind === 'undecryptable') {
        hub.logger.error({ target: target.code, deliveryId: row.deliveryId, keyId: hub.crypto.keyId }, 'feed message cannot be decrypted; feed held at it')
        hasMore = blocked = true
        break reading
      }
      if (result.kind === 'unmappable') {
        // The reason stays in the attempt row for ops; it is not logged (it may quote the record).
        await markFeedUnmappable(hub.db, row.deliveryId, target.code, result.reason, now)
        hub.logger.error({ target: target.code, deliveryId: row.deliveryId, errorClass: 'mapping' }, 'feed message cannot be mapped; delivery dead')
      } else {
        built.push({ message: result.message, row })
      }
      scanned = row.position
    }
    if (rows.length <= wanted) break
  }
  if (blocked && built.length === 0) throw feedUnavailable()
  // Only positions actually read count as served: an `after` beyond the feed must not let a
  // later ack reach past what the department has seen.
  const served = scanned > after
    ? await markFeedServed(hub.db, target.code, built.map(({ row }) => ({ id: row.deliveryId, corroboration: row.corroboration, voidReason: row.voidReason })), scanned, now)
    : new Map<string, ServedFacts>()
  hasMore ||= await hasUnplacedMessages(hub.db, target.code)
  const page: FeedMessage[] = []
  for (const { message, row } of built) {
    const kept = served.get(message.deliveryId)
    if (kept === undefined) continue
    // A pull running at the same time served it first, before a certificate (or another void)
    // changed the notice: this page must say what that one said.
    const rebuilt = kept.corroboration === row.corroboration && kept.voidReason === row.voidReason
      ? undefined
      : buildMessage(hub, mapping, { ...row, corroboration: kept.corroboration, voidReason: kept.voidReason })
    page.push(rebuilt?.kind === 'message' ? rebuilt.message : message)
  }
  return { messages: page, nextCursor: scanned, hasMore }
}

type Built =
  | { kind: 'message', message: FeedMessage }
  | { kind: 'unmappable', reason: string }
  | { kind: 'undecryptable' }

function buildMessage (hub: Hub, mapping: Mapping, row: FeedRow): Built {
  let record: CremationRecord
  try {
    record = openCremation(hub.crypto, row)
  } catch {
    return { kind: 'undecryptable' }
  }
  const event = row.event as EventType
  try {
    const body = mapping.map(record, mappingContext(row, { timeZone: hub.config.county.timeZone, countyCode: hub.config.county.code }))
    return {
      kind: 'message',
      message: { cursor: row.position, deliveryId: row.deliveryId, noticeId: row.noticeId, version: row.version, event, idempotencyKey: row.deliveryId, body }
    }
  } catch (err) {
    // As the worker does: whatever the mapping throws (MappingError or a record it cannot read)
    // is permanent for this delivery.
    return { kind: 'unmappable', reason: `映射失败：${(err as Error).message}` }
  }
}
