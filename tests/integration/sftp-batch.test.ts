import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import iconv from 'iconv-lite'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uploadFile, type Upload } from '../../src/adapters/sftp/upload.js'
import type { TargetConfig } from '../../src/config/schema.js'
import { validateCremation } from '../../src/domain/validate-cremation.js'
import type { FileMapping } from '../../src/mappings/mapping.js'
import { runSftpBatch, startSftpBatchSchedules, type SftpBatchDeps } from '../../src/queues/sftp-batch.js'
import { createFieldCrypto, parseMasterKey } from '../../src/security/crypto.js'
import { ingestCremation } from '../../src/store/cremations.js'
import type { Db } from '../../src/store/db.js'
import type { CremationBody } from '../../src/domain/cremation-schema.js'
import { cremationNow, makeCremation } from '../fixtures/cremation.js'
import { createTestDb, ENGINES, type TestDb } from '../helpers/databases.js'
import { startSshd, type TestSshd } from '../helpers/sshd.js'
import { eventually } from '../helpers/waits.js'

const crypto = createFieldCrypto(parseMasterKey('d'.repeat(64)), 'k1')
const logger = pino({ level: 'silent' })

/** A 公积金-like file: certificate, name and ID number of the deceased. */
const mapping: FileMapping = {
  name: 'test-gongjijin-file',
  columns: [
    { key: 'certificateNo', label: '火化证明编号', width: 14 },
    { key: 'name', label: '姓名', width: 12 },
    { key: 'idNumber', label: '身份证号', width: 18 }
  ],
  map: (record) => ({ certificateNo: record.certificateNo, name: record.deceased.name, idNumber: record.deceased.idNumber })
}

/** The clock of the batch runs, so file names are known in advance. */
const runAt = new Date('2026-11-28T10:00:00Z')

describe.each(ENGINES)('SFTP batch files (%s)', (engine) => {
  let sshd: TestSshd
  let t: TestDb
  let codes = 0
  // One database for the file: each test has its own target (and its own people), and looks only at those.
  beforeAll(async () => { [sshd, t] = await Promise.all([startSshd(), createTestDb(engine)]) })
  afterAll(async () => { await Promise.all([sshd.stop(), t.drop()]) })

  /** A batch target of its own (its code is in every file name, so tests do not see each other's files). */
  function batchTarget (retry = { baseDelayMs: 10, maxDelayMs: 10, windowMs: 3_600_000 }): TargetConfig {
    return {
      code: `gjj-${engine}-${++codes}`, department: 'gongjijin', name: '住房公积金中心', enabled: true, transport: 'sftp',
      events: ['notice.created'], mapping: mapping.name, holdMinutes: 0, requireCorroboration: false, concurrency: 1, retry,
      sftp: {
        host: sshd.host, port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath,
        hostKeySha256: sshd.hostKeySha256, remoteDir: sshd.remoteDir, mode: 'batch', batchCron: '0 0 18 * * *',
        format: 'csv', encoding: 'gbk', header: true, doneFile: true, filePrefix: 'houshi', timeoutMs: 5_000
      }
    }
  }

  async function setup (target: TargetConfig, bodies: CremationBody[], upload?: Upload): Promise<SftpBatchDeps> {
    for (const body of bodies) await ingest(t.db, target, body)
    return { db: t.db, crypto, logger, target, mapping, timeZone: 'Asia/Shanghai', countyCode: '430621', ...(upload ? { upload } : {}) }
  }

  async function ingest (db: Db, target: TargetConfig, body: CremationBody): Promise<void> {
    const checked = validateCremation(body, cremationNow)
    if (!checked.ok) throw new Error('fixture invalid')
    await ingestCremation(db, crypto, checked.value, [target], 'test')
  }

  async function dataFiles (target: TargetConfig): Promise<string[]> {
    return (await readdir(sshd.remoteDir)).filter(f => f.includes(`_${target.code}_`)).sort()
  }

  async function linesOf (file: string): Promise<string[]> {
    return iconv.decode(await readFile(join(sshd.remoteDir, file)), 'gbk').split('\r\n').filter(l => l !== '')
  }

  /** The file reaches the department, but the answer is lost (connection dropped at the end). */
  const lostAnswer: Upload = async (config, file, signal) => {
    await uploadFile(config, file, signal)
    throw new Error('connection lost after the upload')
  }

  async function statuses (target: TargetConfig): Promise<Record<string, number>> {
    const r = await t.db.query<{ status: string, n: number }>('SELECT status, count(*)::int AS n FROM deliveries WHERE target = $1 GROUP BY status', [target.code])
    return Object.fromEntries(r.rows.map(row => [row.status, Number(row.n)]))
  }

  it('writes three due notices into one GBK file with three lines, and marks them delivered', async () => {
    const target = batchTarget()
    const deps = await setup(target, [makeCremation(1), makeCremation(2), makeCremation(3)])
    const result = await runSftpBatch(deps, runAt)
    expect(result).toMatchObject({ delivered: 3, dead: 0 })
    expect(result.file).toMatch(new RegExp(`^houshi_${target.code}_20261128180000_bat_\\w+\\.csv$`))
    expect(await dataFiles(target)).toEqual([result.file, `${result.file!}.ok`])
    const lines = await linesOf(result.file!)
    expect(lines).toHaveLength(4)
    expect(lines[0]).toBe('火化证明编号,姓名,身份证号')
    expect(lines.slice(1).map(l => l.split(',')[0]).sort()).toEqual(['HH2026-000001', 'HH2026-000002', 'HH2026-000003'])
    expect(await statuses(target)).toEqual({ delivered: 3 })
    const attempts = await t.db.query<{ outcome: string, response_summary: string }>(
      'SELECT a.outcome, a.response_summary FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.target = $1', [target.code])
    expect(attempts.rows).toHaveLength(3)
    for (const a of attempts.rows) {
      expect(a.outcome).toBe('delivered')
      expect(a.response_summary).toContain(result.file)
    }
    const batch = await t.db.query<{ status: string, n: number }>('SELECT status, cardinality(delivery_ids) AS n FROM sftp_batches WHERE target = $1', [target.code])
    expect(batch.rows).toEqual([{ status: 'done', n: 3 }])
  })

  it('writes no file when nothing is due', async () => {
    const target = batchTarget()
    const deps = await setup(target, [])
    expect(await runSftpBatch(deps, runAt)).toEqual({ delivered: 0, dead: 0 })
    expect(await dataFiles(target)).toEqual([])
    expect((await t.db.query('SELECT 1 FROM sftp_batches WHERE target = $1', [target.code])).rowCount).toBe(0)
  })

  it('leaves out a notice whose name GBK cannot write: that delivery is dead, the others are in the file', async () => {
    const target = batchTarget()
    const rare = makeCremation(5)
    rare.deceased.name = '王𠀀'
    const deps = await setup(target, [makeCremation(4), rare, makeCremation(6)])
    const result = await runSftpBatch(deps, runAt)
    expect(result).toMatchObject({ delivered: 2, dead: 1 })
    const lines = await linesOf(result.file!)
    expect(lines.slice(1).map(l => l.split(',')[0]).sort()).toEqual(['HH2026-000004', 'HH2026-000006'])
    const dead = await t.db.query<{ last_error: string, error_class: string }>(
      `SELECT d.last_error, a.error_class FROM deliveries d JOIN attempts a ON a.delivery_id = d.id WHERE d.status = 'dead' AND d.target = $1`, [target.code])
    expect(dead.rows).toHaveLength(1)
    expect(dead.rows[0]!.error_class).toBe('encoding')
    expect(dead.rows[0]!.last_error).toContain('姓名')
    expect(dead.rows[0]!.last_error).not.toContain('王')
    const batch = await t.db.query<{ n: number }>('SELECT cardinality(delivery_ids) AS n FROM sftp_batches WHERE target = $1', [target.code])
    expect(batch.rows).toEqual([{ n: 2 }])
  })

  it('retries a batch whose upload failed after the file was written: one file, three lines, no duplicates', async () => {
    const target = batchTarget()
    const deps = await setup(target, [makeCremation(7), makeCremation(8), makeCremation(9)], lostAnswer)
    const first = await runSftpBatch(deps, runAt)
    expect(first).toMatchObject({ delivered: 0, dead: 0, failed: { errorClass: 'internal' } })
    expect(await statuses(target)).toEqual({ retrying: 3 })

    // A notice arriving meanwhile goes in a later file, never into the one being retried.
    await ingest(t.db, target, makeCremation(10))
    await new Promise(resolve => setTimeout(resolve, 50))
    const second = await runSftpBatch({ ...deps, upload: uploadFile }, new Date(runAt.getTime() + 3_600_000))
    expect(second.delivered).toBe(4)
    const files = (await dataFiles(target)).filter(f => !f.endsWith('.ok'))
    expect(files).toHaveLength(2)
    expect(files[0]).toBe(first.file)
    expect((await linesOf(first.file!)).slice(1).map(l => l.split(',')[0]).sort()).toEqual(['HH2026-000007', 'HH2026-000008', 'HH2026-000009'])
    expect((await linesOf(files[1]!)).slice(1).map(l => l.split(',')[0])).toEqual(['HH2026-000010'])
    expect(await statuses(target)).toEqual({ delivered: 4 })
    const attempts = await t.db.query<{ outcome: string, n: number }>(
      'SELECT a.outcome, count(*)::int AS n FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.target = $1 GROUP BY a.outcome ORDER BY a.outcome', [target.code])
    expect(attempts.rows).toEqual([{ outcome: 'delivered', n: 4 }, { outcome: 'retry', n: 3 }])
    // The lost answer may have followed a file the department has: those attempts count as sent.
    const sent = await t.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.target = $1 AND a.outcome = 'retry' AND a.request_digest IS NOT NULL", [target.code])
    expect(sent.rows).toEqual([{ n: 3 }])
  })

  it('writes a retried file as it was first written, though a death certificate arrived in between', async () => {
    const target = batchTarget()
    const withCorroboration: FileMapping = {
      ...mapping,
      name: 'test-file-with-corroboration',
      columns: [...mapping.columns, { key: 'corroboration', label: '佐证', width: 24 }],
      map: (record, ctx) => ({ ...mapping.map(record, ctx), corroboration: ctx.corroboration ?? '' })
    }
    const deps = { ...await setup(target, [makeCremation(41)], lostAnswer), mapping: withCorroboration }
    const first = await runSftpBatch(deps, runAt)
    const before = await linesOf(first.file!)
    expect(before[1]!.split(',')[3]).toBe('cremation')
    await t.db.query(`UPDATE notices SET corroboration = 'cremation+certificate' WHERE id IN (SELECT notice_id FROM deliveries WHERE target = $1)`, [target.code])
    await new Promise(resolve => setTimeout(resolve, 50))
    const second = await runSftpBatch({ ...deps, upload: uploadFile }, new Date(runAt.getTime() + 3_600_000))
    expect(second.delivered).toBe(1)
    // The same file name again: the department may keep either copy, so both must say the same.
    expect(await linesOf(first.file!)).toEqual(before)
  })

  it('leaves the outcome to the run that took over a slow run\'s lease, so no delivery is stranded', async () => {
    const target = batchTarget()
    let takeoverUploading!: () => void
    const takeoverStarted = new Promise<void>(resolve => { takeoverUploading = resolve })
    let releaseTakeover!: () => void
    const takeoverGate = new Promise<void>(resolve => { releaseTakeover = resolve })
    let takeover: Promise<unknown> | undefined
    // The first run is slow: while it uploads, its lease runs out and a second run takes the batch over.
    const slow: Upload = async (config, file, signal) => {
      await t.db.query('UPDATE sftp_batches SET lease_until = now() - interval \'1 second\' WHERE target = $1', [target.code])
      takeover = runSftpBatch({ ...deps, upload: async (c, f, s) => { takeoverUploading(); await takeoverGate; return await uploadFile(c, f, s) } }, runAt)
      await takeoverStarted
      return await uploadFile(config, file, signal)
    }
    const deps = await setup(target, [makeCremation(21), makeCremation(22)])
    // The slow run finishes first; the run that took over finishes after it.
    const first = await runSftpBatch({ ...deps, upload: slow }, runAt)
    expect(first.delivered).toBe(0)
    releaseTakeover()
    expect(await takeover).toMatchObject({ delivered: 2 })
    expect(await statuses(target)).toEqual({ delivered: 2 })
    const batch = await t.db.query<{ status: string, attempts: number }>('SELECT status, attempts FROM sftp_batches WHERE target = $1', [target.code])
    expect(batch.rows).toEqual([{ status: 'done', attempts: 2 }])
  })

  it('rewrites the same file when recording the delivery failed after the upload', async () => {
    const target = batchTarget()
    const deps = await setup(target, [makeCremation(11), makeCremation(12), makeCremation(13)])
    const real = t.db
    let failOnce = true
    const flaky: Db = {
      ...real,
      query: async (sql, params) => {
        if (failOnce && sql.includes('UPDATE sftp_batches SET status') && params?.[1] === 'done') {
          failOnce = false
          throw new Error('database connection lost')
        }
        return await real.query(sql, params)
      }
    }
    await expect(runSftpBatch({ ...deps, db: flaky }, runAt)).rejects.toThrow('database connection lost')
    // The run still holds the batch; once its lease runs out the next run takes it over.
    await real.query(`UPDATE sftp_batches SET lease_until = now() - interval '1 second' WHERE target = $1`, [target.code])
    const again = await runSftpBatch(deps, new Date(runAt.getTime() + 60_000))
    expect(again.delivered).toBe(3)
    const files = (await dataFiles(target)).filter(f => !f.endsWith('.ok'))
    expect(files).toHaveLength(1)
    expect(await linesOf(files[0]!)).toHaveLength(4)
    expect(await statuses(target)).toEqual({ delivered: 3 })
  })

  it('waits for the backoff before retrying a failed batch, and starts no new batch meanwhile', async () => {
    const target = batchTarget({ baseDelayMs: 60_000, maxDelayMs: 60_000, windowMs: 3_600_000 })
    const failing: Upload = async () => { throw new Error('refused') }
    const deps = await setup(target, [makeCremation(14)], failing)
    expect((await runSftpBatch(deps, runAt)).failed).toBeDefined()
    await ingest(t.db, target, makeCremation(15))
    const waiting = await runSftpBatch({ ...deps, upload: uploadFile }, runAt)
    expect(waiting.waitingMs).toBeGreaterThan(0)
    expect(await dataFiles(target)).toEqual([])
  })

  it('gives up when the retry window is over: deliveries dead, batch failed', async () => {
    const target = batchTarget({ baseDelayMs: 10, maxDelayMs: 10, windowMs: 0 })
    const deps = await setup(target, [makeCremation(16), makeCremation(17)])
    await sshd.kill()
    let result
    try {
      result = await runSftpBatch(deps, runAt)
    } finally {
      await sshd.start()
    }
    expect(result).toMatchObject({ delivered: 0, dead: 2, failed: { errorClass: 'network' } })
    expect(await statuses(target)).toEqual({ dead: 2 })
    // The server was down: no file reached the department, so it is owed no correction or void.
    const sent = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.target = $1 AND a.request_digest IS NOT NULL', [target.code])
    expect(sent.rows).toEqual([{ n: 0 }])
    const batch = await t.db.query<{ status: string }>('SELECT status FROM sftp_batches WHERE target = $1', [target.code])
    expect(batch.rows).toEqual([{ status: 'failed' }])
    // Dead letters replayed by ops go into a new file.
    await t.db.query(`UPDATE deliveries SET status = 'queued' WHERE target = $1`, [target.code])
    expect(await runSftpBatch(deps, runAt)).toMatchObject({ delivered: 2 })
  })

  it('runs on the target\'s cron schedule and stops cleanly', async () => {
    const target = { ...batchTarget(), sftp: { ...batchTarget().sftp!, batchCron: '* * * * * *' } }
    const deps = await setup(target, [makeCremation(18)])
    const { crypto: c, db, timeZone, countyCode } = deps
    const schedules = startSftpBatchSchedules([{ config: target, mapping }], { db, crypto: c, timeZone, countyCode }, logger)
    try {
      await eventually(async () => ((await statuses(target)).delivered === 1 ? true : undefined), 5_000, 'the scheduled batch')
    } finally {
      await schedules.stop()
    }
    expect((await dataFiles(target)).filter(f => !f.endsWith('.ok'))).toHaveLength(1)
  })
})
