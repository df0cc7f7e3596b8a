import { randomBytes } from 'node:crypto'
import cron from 'node-cron'
import type { Logger } from 'pino'
import { DeliveryError } from '../adapters/delivery-error.js'
import { UnencodableError } from '../adapters/sftp/encoding.js'
import { FileFormatError, fileRowFor, renderHeader, renderLine, type FileLayout } from '../adapters/sftp/file-format.js'
import { dataFileName } from '../adapters/sftp/file-name.js'
import { uploadFile, type Upload } from '../adapters/sftp/upload.js'
import type { TargetConfig } from '../config/schema.js'
import type { CremationRecord } from '../domain/cremation-record.js'
import type { FileMapping } from '../mappings/mapping.js'
import type { FieldCrypto } from '../security/crypto.js'
import { loggableError } from '../logger.js'
import type { Db } from '../store/db.js'
import { claimNewBatch, leaseOpenBatch, settleBatch, type BatchMember, type LeasedBatch, type MemberOutcome } from '../store/sftp-batches.js'
import { openCremation } from '../store/record-codec.js'
import { backoffDelay, decideRetry, DEFAULT_RETRY } from './backoff.js'
import { mappingContext } from '../mappings/context.js'
import { retireOvertaken } from '../store/overtaken.js'
import { deliveryMode } from './delivery-mode.js'
import type { Schedules } from './schedules.js'
import { settlesWithin } from './settles-within.js'

export interface SftpBatchDeps {
  db: Db
  crypto: FieldCrypto
  logger: Logger
  /** A target with `transport: sftp` and `sftp.mode: batch`. */
  target: TargetConfig
  mapping: FileMapping
  timeZone: string
  countyCode: string
  /** @defaultValue uploadFile */
  upload?: Upload
  /** Ends an upload in progress (shutdown): recorded as an interrupted try, due again at once. */
  signal?: AbortSignal
  /** Most deliveries in one file. @defaultValue 5000 */
  limit?: number
  random?: () => number
}

export interface SftpBatchResult {
  /** The batch written (or tried) last in this run. */
  batchId?: string
  file?: string
  delivered: number
  dead: number
  /** The upload failed: the batch stays pending and is retried, same file and lines, in `retryInMs`. */
  failed?: { errorClass: string, error: string, retryInMs: number }
  /** An unfinished batch is not due yet (backoff) or held by another run: nothing was done. */
  waitingMs?: number
}

const DEFAULT_LIMIT = 5_000
/** How long past the upload timeout a run holds its batch before another run may take over. */
const LEASE_MARGIN_MS = 60_000

/**
 * One batch run for one target. First the target's unfinished batch, if any (an earlier run
 * failed or died): same file name, same deliveries, so no notice is ever sent in two files.
 * Then, if that is done, a new batch with every due delivery. Rows that cannot be written
 * (mapping error, a character the encoding lacks) go dead and are left out of the file.
 * @param now the batch's creation time, which its file name shows
 */
export async function runSftpBatch (deps: SftpBatchDeps, now: Date = new Date()): Promise<SftpBatchResult> {
  const sftp = deps.target.sftp
  if (sftp === undefined || sftp.mode !== 'batch') throw new Error(`target ${deps.target.code} 不是 SFTP 批量模式`)
  const leaseMs = sftp.timeoutMs + LEASE_MARGIN_MS
  let total: SftpBatchResult = { delivered: 0, dead: 0 }

  // Voided or superseded since they were queued (or since a failed batch try): never written.
  await retireOvertaken(deps.db, { target: deps.target.code }, 'sftp-batch')
  const open = await leaseOpenBatch(deps.db, deps.target.code, leaseMs)
  if (open.kind === 'waiting') return { ...total, waitingMs: open.inMs }
  if (open.kind === 'leased') {
    total = await sendBatch(open.batch, deps)
    // The department is still unreachable: newer notices wait for the earlier file.
    if (total.failed !== undefined) return total
  }

  const batchId = newBatchId(now)
  const fresh = await claimNewBatch(deps.db, {
    id: batchId,
    target: deps.target.code,
    fileName: dataFileName({ prefix: sftp.filePrefix, target: deps.target.code, createdAt: now, timeZone: deps.timeZone, id: batchId, format: sftp.format }),
    createdAt: now,
    limit: deps.limit ?? DEFAULT_LIMIT,
    leaseMs
  })
  if (fresh === undefined) return total
  const result = await sendBatch(fresh, deps)
  return { ...result, delivered: total.delivered + result.delivered, dead: total.dead + result.dead }
}

interface RenderedLine { id: string, attemptNo: number, line: Buffer, digest: string }

/** Renders, uploads and records one leased batch. */
async function sendBatch (batch: LeasedBatch, deps: SftpBatchDeps): Promise<SftpBatchResult> {
  const sftp = deps.target.sftp!
  const layout: FileLayout = { format: sftp.format, encoding: sftp.encoding, header: sftp.header }
  const policy = deps.target.retry ?? DEFAULT_RETRY
  const startedAt = new Date()
  const lines: RenderedLine[] = []
  const left: MemberOutcome[] = []
  for (const m of batch.members) {
    const r = renderMember(m, deps, layout)
    if ('line' in r) lines.push(r)
    else left.push(r.retry ? { ...r.outcome, retryInMs: backoffDelay(m.attemptNo, policy, deps.random) } : r.outcome)
  }
  const dead = left.filter(o => o.outcome === 'dead').length
  const base = { target: deps.target.code, batchAttemptNo: batch.attemptNo, startedAt }

  if (left.length > 0 || lines.length === 0) {
    // The file carries exactly these lines, from now on and in every retry.
    await settleBatch(deps.db, {
      ...base,
      endedAt: new Date(),
      batch: lines.length > 0
        ? { id: batch.id, status: 'pending', keepLease: true, deliveryIds: lines.map(l => l.id) }
        : { id: batch.id, status: 'empty', deliveryIds: [] },
      members: left
    })
    for (const o of left) deps.logger.error({ deliveryId: o.id, target: deps.target.code, batchId: batch.id, errorClass: o.errorClass, error: o.error }, o.outcome === 'dead' ? 'delivery dead' : 'delivery left out of batch, will retry')
  }
  if (lines.length === 0) return { batchId: batch.id, delivered: 0, dead }

  const header = renderHeader(deps.mapping.columns, layout)
  const content = Buffer.concat([...(header === undefined ? [] : [header]), ...lines.map(l => l.line)])
  const upload = deps.upload ?? uploadFile
  const signal = deps.signal ?? new AbortController().signal
  try {
    await upload(sftp, { name: batch.fileName, content }, signal)
  } catch (err) {
    const failure = err instanceof DeliveryError ? err : new DeliveryError(`上传异常：${(err as Error).message}`, true, 'internal')
    const { retry, delayMs: delay, reason: error } = decideRetry(failure, {
      attemptNo: batch.attemptNo,
      elapsedMs: batch.sinceCreatedMs + (Date.now() - startedAt.getTime()),
      policy,
      interrupted: signal.aborted,
      random: deps.random
    })
    await settleBatch(deps.db, {
      ...base,
      endedAt: new Date(),
      batch: retry ? { id: batch.id, status: 'pending', retryInMs: delay, lastError: error } : { id: batch.id, status: 'failed', lastError: error },
      members: lines.map(l => ({ id: l.id, attemptNo: l.attemptNo, outcome: retry ? 'retry' : 'dead', errorClass: failure.errorClass, error, ...(failure.sentNothing ? {} : { requestDigest: l.digest }), ...(retry ? { retryInMs: delay } : {}) }))
    })
    const log = { batchId: batch.id, target: deps.target.code, file: batch.fileName, attemptNo: batch.attemptNo, lines: lines.length, errorClass: failure.errorClass, error }
    if (retry) deps.logger.warn({ ...log, retryInMs: delay }, 'sftp batch upload failed, will retry')
    else deps.logger.error(log, 'sftp batch failed, deliveries dead')
    return {
      batchId: batch.id,
      file: batch.fileName,
      delivered: 0,
      dead: dead + (retry ? 0 : lines.length),
      failed: { errorClass: failure.errorClass, error, retryInMs: retry ? delay : 0 }
    }
  }
  // The file is in place. If recording that fails (database away), this throws: the batch stays
  // pending and the next run rewrites the same file with the same lines.
  const endedAt = new Date()
  const summary = `SFTP 批量文件 ${batch.fileName}（${lines.length} 行，${content.length} 字节）`
  const settled = await settleBatch(deps.db, {
    ...base,
    endedAt,
    batch: { id: batch.id, status: 'done' },
    members: lines.map(l => ({ id: l.id, attemptNo: l.attemptNo, outcome: 'delivered', requestDigest: l.digest })),
    receipt: { ackId: batch.fileName, summary, batchId: batch.id, at: endedAt.toISOString() },
    responseSummary: summary
  })
  if (!settled.held) {
    // This run was too slow and another took the batch over: that one writes the same file and records it.
    deps.logger.warn({ batchId: batch.id, target: deps.target.code, file: batch.fileName }, 'sftp batch taken over by another run; it records the outcome')
    return { batchId: batch.id, file: batch.fileName, delivered: 0, dead }
  }
  deps.logger.info({ batchId: batch.id, target: deps.target.code, file: batch.fileName, lines: lines.length, dead }, 'sftp batch delivered')
  return { batchId: batch.id, file: batch.fileName, delivered: lines.length, dead }
}

type Rendered = RenderedLine | { outcome: MemberOutcome, retry: boolean }

/** One delivery's line, or why it cannot be in the file (messages name columns, never values). */
function renderMember (m: BatchMember, deps: SftpBatchDeps, layout: FileLayout): Rendered {
  const fail = (errorClass: string, error: string, retry = false): Rendered =>
    ({ outcome: { id: m.id, attemptNo: m.attemptNo, outcome: retry ? 'retry' : 'dead', errorClass, error }, retry })
  let record: CremationRecord
  try {
    record = openCremation(deps.crypto, m)
  } catch {
    // A key this process lacks is ours to fix: the delivery waits for a later file.
    return fail('crypto', `无法解密记录（密钥 ${deps.crypto.keyId}）`, true)
  }
  let row: Readonly<Record<string, string>>
  try {
    row = fileRowFor(m.event, deps.mapping.map(record, mappingContext(m, deps)), layout.encoding)
  } catch (err) {
    return fail('mapping', `映射失败：${(err as Error).message}`)
  }
  try {
    return { id: m.id, attemptNo: m.attemptNo, line: renderLine(deps.mapping.columns, row, layout), digest: deps.crypto.digest(JSON.stringify(row)) }
  } catch (err) {
    if (err instanceof UnencodableError) return fail('encoding', err.message)
    if (err instanceof FileFormatError) return fail('mapping', err.message)
    throw err
  }
}

/** Sortable by creation, unique: `bat_<yyyyMMddHHmmss in UTC>_<random>`. */
function newBatchId (now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14)
  return `bat_${stamp}_${randomBytes(5).toString('hex')}`
}

export interface SftpBatchTarget {
  config: TargetConfig
  mapping: FileMapping
}

export type SftpBatchSharedDeps = Omit<SftpBatchDeps, 'target' | 'mapping' | 'logger' | 'signal'>

/** How long `stop()` waits for runs in flight (their uploads are aborted first). */
const STOP_GRACE_MS = 10_000

/**
 * One node-cron task per enabled batch target, on its `sftp.batchCron` in the county's time
 * zone ('0 0 18 * * *' is 18:00 local). Runs of one target never overlap: a slow upload makes
 * the next tick skip, not queue up. A failed run is logged; its batch is retried next tick.
 */
export function startSftpBatchSchedules (targets: readonly SftpBatchTarget[], deps: SftpBatchSharedDeps, logger: Logger): Schedules {
  const shutdown = new AbortController()
  const running = new Map<string, Promise<void>>()
  const tasks = targets
    .filter(t => t.config.enabled && deliveryMode(t.config) === 'batch')
    .map(({ config, mapping }) => {
      const expression = config.sftp?.batchCron
      if (expression === undefined || !cron.validate(expression)) {
        throw new Error(`target ${config.code} 的 sftp.batchCron 无效：${expression ?? '（缺失）'}`)
      }
      return cron.schedule(expression, async () => {
        if (running.has(config.code) || shutdown.signal.aborted) return
        const run = (async () => {
          try {
            await runSftpBatch({ ...deps, target: config, mapping, logger, signal: shutdown.signal })
          } catch (err) {
            logger.error({ err: loggableError(err), target: config.code }, 'sftp batch run failed')
          }
        })()
        running.set(config.code, run)
        try {
          await run
        } finally {
          running.delete(config.code)
        }
      }, { name: `sftp-batch.${config.code}`, timezone: deps.timeZone, noOverlap: true })
    })
  return {
    stop: async () => {
      await Promise.all(tasks.map(async t => { await t.stop() }))
      shutdown.abort()
      await settlesWithin(Promise.all(running.values()), STOP_GRACE_MS)
    }
  }
}
