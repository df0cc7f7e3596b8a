import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import iconv from 'iconv-lite'
import { pino } from 'pino'
import ssh2 from 'ssh2'
import { generateEd25519 } from '../../sim/ssh-keys.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OutboundMessage } from '../../src/adapters/deliverer.js'
import { DeliveryError } from '../../src/adapters/delivery-error.js'
import { createSftpDeliverer } from '../../src/adapters/sftp/sftp-deliverer.js'
import { uploadFile } from '../../src/adapters/sftp/upload.js'
import type { SftpTransportConfig, TargetConfig } from '../../src/config/schema.js'
import { validateCremation } from '../../src/domain/validate-cremation.js'
import type { FileMapping } from '../../src/mappings/mapping.js'
import { processDelivery } from '../../src/queues/process-delivery.js'
import { createFieldCrypto, parseMasterKey } from '../../src/security/crypto.js'
import { ingestCremation } from '../../src/store/cremations.js'
import { cremationNow, makeCremation } from '../fixtures/cremation.js'
import { createTestDb } from '../helpers/databases.js'
import { startSshd, type TestSshd } from '../helpers/sshd.js'

/** A 残联-like layout; the deliverer only uses `columns` (rows come in the message body). */
const mapping: FileMapping = {
  name: 'test-canlian-file',
  columns: [
    { key: 'certificateNo', label: '火化证明编号', width: 12 },
    { key: 'name', label: '姓名', width: 10 },
    { key: 'stopFrom', label: '停发起始月', width: 6 }
  ],
  map: () => ({})
}

const createdAt = new Date('2026-11-28T04:05:06Z')
const signal = new AbortController().signal

describe('SFTP delivery to a real OpenSSH server', () => {
  let sshd: TestSshd
  beforeAll(async () => { sshd = await startSshd() })
  afterAll(async () => { await sshd.stop() })

  function sftpConfig (patch: Partial<SftpTransportConfig> = {}): SftpTransportConfig {
    return {
      host: sshd.host,
      port: sshd.port,
      username: sshd.username,
      privateKeyPath: sshd.privateKeyPath,
      hostKeySha256: sshd.hostKeySha256,
      remoteDir: sshd.remoteDir,
      mode: 'per-notice',
      format: 'csv',
      encoding: 'gbk',
      header: true,
      doneFile: false,
      filePrefix: 'houshi',
      timeoutMs: 5_000,
      ...patch
    }
  }

  function target (code: string, patch: Partial<SftpTransportConfig> = {}): TargetConfig {
    return {
      code, department: 'canlian', name: '县残联', enabled: true, transport: 'sftp', events: ['notice.created'],
      mapping: mapping.name, sftp: sftpConfig(patch), holdMinutes: 0, requireCorroboration: false, concurrency: 1
    }
  }

  const message = (deliveryId: string, name = '欧阳·娜娜'): OutboundMessage => ({
    deliveryId, noticeId: 'ntc_1', version: 1, event: 'notice.created', idempotencyKey: deliveryId, createdAt,
    body: { certificateNo: 'HH2026-000001', name, stopFrom: '202612' }
  })

  async function filesOf (prefix: string): Promise<string[]> {
    return (await readdir(sshd.remoteDir)).filter(f => f.includes(prefix)).sort()
  }

  it('lands one file per notice with exactly the expected GBK bytes and no temporary file left', async () => {
    const deliverer = createSftpDeliverer(target('cl-bytes'), mapping)
    const receipt = await deliverer.deliver(message('dlv_bytes'), signal)
    const name = 'houshi_cl-bytes_20261128120506_dlv_bytes.csv'
    expect(receipt.summary).toContain(name)
    expect(await filesOf('cl-bytes')).toEqual([name])
    expect(await readFile(join(sshd.remoteDir, name)))
      .toEqual(iconv.encode('火化证明编号,姓名,停发起始月\r\nHH2026-000001,欧阳·娜娜,202612\r\n', 'gbk'))
  })

  it('writes the .ok done-file after the data file when the target asks for it', async () => {
    const deliverer = createSftpDeliverer(target('cl-done', { doneFile: true }), mapping)
    await deliverer.deliver(message('dlv_done'), signal)
    const name = 'houshi_cl-done_20261128120506_dlv_done.csv'
    expect(await filesOf('cl-done')).toEqual([name, `${name}.ok`])
  })

  it('rewrites the same file when the same delivery is sent again, so the department sees one file', async () => {
    const deliverer = createSftpDeliverer(target('cl-twice'), mapping)
    await deliverer.deliver(message('dlv_twice', '张三'), signal)
    await deliverer.deliver(message('dlv_twice', '张三'), signal)
    const files = await filesOf('cl-twice')
    expect(files).toEqual(['houshi_cl-twice_20261128120506_dlv_twice.csv'])
    expect(iconv.decode(await readFile(join(sshd.remoteDir, files[0]!)), 'gbk').split('\r\n').filter(Boolean)).toHaveLength(2)
  })

  it.each([
    ['a character beyond GBK', '王𠀀', 'cl-enc-extb'],
    ['a GB18030 addition that GBK readers cannot read', '刘䶮', 'cl-enc-gb18030']
  ])('refuses a name with %s, for good, without uploading anything or echoing the name', async (_what, name, code) => {
    const deliverer = createSftpDeliverer(target(code), mapping)
    const failure = await deliverer.deliver(message('dlv_enc', name), signal).catch((err: unknown) => err)
    expect(failure).toBeInstanceOf(DeliveryError)
    expect(failure).toMatchObject({ retryable: false, errorClass: 'encoding', sentNothing: true })
    expect((failure as Error).message).toContain('姓名')
    expect((failure as Error).message).not.toContain(name.slice(0, 1))
    expect(await filesOf(code)).toEqual([])
  })

  it('still delivers a void whose name GBK cannot write, with ? for the missing character', async () => {
    const deliverer = createSftpDeliverer(target('cl-enc-void'), mapping)
    const voided: OutboundMessage = { ...message('dlv_enc_void', '王𠀀'), event: 'notice.voided' }
    await deliverer.deliver(voided, signal)
    const files = await filesOf('cl-enc-void')
    expect(files).toHaveLength(1)
    const text = iconv.decode(await readFile(join(sshd.remoteDir, files[0]!)), 'gbk')
    expect(text).toContain('HH2026-000001')
    expect(text).toContain('王?')
  })

  it('refuses a server whose host key is not the pinned one, as a retryable problem for ops', async () => {
    const other = 'SHA256:' + 'A'.repeat(43)
    const deliverer = createSftpDeliverer(target('cl-hostkey', { hostKeySha256: other }), mapping)
    await expect(deliverer.deliver(message('dlv_hostkey'), signal)).rejects.toMatchObject({ retryable: true, errorClass: 'sftp-config' })
    expect(await filesOf('cl-hostkey')).toEqual([])
  })

  it('reports a missing remote folder as a retryable problem for ops', async () => {
    // The file never got its final name: the department cannot have seen it.
    await expect(uploadFile(sftpConfig({ remoteDir: join(sshd.remoteDir, 'missing') }), { name: 'x.csv', content: Buffer.from('x') }, signal))
      .rejects.toMatchObject({ retryable: true, errorClass: 'sftp-config', sentNothing: true })
  })

  it('gives up on a server that accepts the connection but never answers, within the timeout, as retryable', async () => {
    const silent = net.createServer(() => {})
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve))
    const started = Date.now()
    try {
      const { port } = silent.address() as net.AddressInfo
      await expect(uploadFile(sftpConfig({ port, timeoutMs: 300 }), { name: 'x.csv', content: Buffer.from('x') }, signal))
        .rejects.toMatchObject({ retryable: true, errorClass: 'timeout' })
    } finally {
      silent.close()
    }
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('delivers through the worker, naming the file by the stored delivery so a replay rewrites it', async () => {
    const t = await createTestDb('pglite')
    try {
      const crypto = createFieldCrypto(parseMasterKey('e'.repeat(64)), 'k1')
      const recordMapping: FileMapping = {
        ...mapping,
        map: (record) => ({ certificateNo: record.certificateNo, name: record.deceased.name, stopFrom: '202612' })
      }
      const config = target('cl-worker')
      const checked = validateCremation(makeCremation(42), cremationNow)
      if (!checked.ok) throw new Error('fixture invalid')
      const ingested = await ingestCremation(t.db, crypto, checked.value, [config], 'test')
      const deliverer = createSftpDeliverer(config, recordMapping)
      const deps = {
        db: t.db, crypto, timeZone: 'Asia/Shanghai', countyCode: '430621', logger: pino({ level: 'silent' }),
        targets: new Map([[config.code, { config, mapping: recordMapping, deliverer }]])
      }
      const id = ingested.deliveries[0]!.id
      expect(await processDelivery(id, deps)).toEqual({ kind: 'delivered' })
      // Ops replays it: the department gets the same file again, not a second one.
      await t.db.query(`UPDATE deliveries SET status = 'queued' WHERE id = $1`, [id])
      expect(await processDelivery(id, deps)).toEqual({ kind: 'delivered' })
      const files = await filesOf('cl-worker')
      expect(files).toHaveLength(1)
      expect(files[0]).toMatch(new RegExp(`^houshi_cl-worker_\\d{14}_${id}\\.csv$`))
      const receipt = await t.db.query<{ receipt: { ackId: string } }>('SELECT receipt FROM deliveries WHERE id = $1', [id])
      expect(receipt.rows[0]!.receipt.ackId).toBe(files[0])
    } finally {
      await t.drop()
    }
  })

  it('retries when the server is down', async () => {
    await sshd.kill()
    try {
      const deliverer = createSftpDeliverer(target('cl-down'), mapping)
      await expect(deliverer.deliver(message('dlv_down'), signal)).rejects.toMatchObject({ retryable: true, errorClass: 'network' })
    } finally {
      await sshd.start()
    }
    expect(await filesOf('cl-down')).toEqual([])
  })
})

describe('SFTP clean-up after a failed write', () => {
  it('gives up removing the temporary file from a server that stops answering, instead of hanging the job', async () => {
    const server = await startStallingServer()
    try {
      const config: SftpTransportConfig = {
        host: '127.0.0.1', port: server.port, username: 'houshi', privateKeyPath: server.privateKeyPath,
        insecureAcceptAnyHostKey: true, remoteDir: '/upload', mode: 'per-notice', format: 'csv', encoding: 'gbk',
        header: true, doneFile: false, filePrefix: 'houshi', timeoutMs: 5_000
      }
      const started = Date.now()
      const outcome = await Promise.race([
        uploadFile(config, { name: 'x.csv', content: Buffer.from('x') }, signal).then(() => 'uploaded', (err: unknown) => err),
        new Promise(resolve => { setTimeout(() => { resolve('still waiting') }, 6_000).unref() })
      ])
      expect(outcome).toBeInstanceOf(DeliveryError)
      expect(outcome).toMatchObject({ retryable: true, errorClass: 'sftp' })
      // The write failed, the hub asked to remove the .part, the server never answered.
      expect(server.removals).toEqual(['/upload/.x.csv.part'])
      expect(Date.now() - started).toBeLessThan(4_000)
    } finally {
      await server.close()
    }
  }, 10_000)
})

/**
 * An SSH server that lets anyone in and speaks just enough SFTP: every file open fails, and a
 * remove is never answered, as over a connection that went half-open after the write failed.
 */
async function startStallingServer (): Promise<{ port: number, privateKeyPath: string, removals: string[], close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'houshi-sftp-stall-'))
  const privateKeyPath = join(dir, 'id_ed25519')
  await writeFile(privateKeyPath, generateEd25519().private, { mode: 0o600 })
  const removals: string[] = []
  const connections = new Set<ssh2.Connection>()
  const server = new ssh2.Server({ hostKeys: [generateEd25519().private] }, (client) => {
    connections.add(client)
    client.on('error', () => {})
    client.on('close', () => connections.delete(client))
    client.on('authentication', (ctx) => { ctx.accept() })
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('sftp', (acceptSftp) => {
          const sftp = acceptSftp()
          sftp.on('OPEN', (reqid) => { sftp.status(reqid, ssh2.utils.sftp.STATUS_CODE.FAILURE) })
          sftp.on('REMOVE', (_reqid, path) => { removals.push(path) })
        })
      })
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    privateKeyPath,
    removals,
    async close () {
      for (const client of connections) client.end()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
      await rm(dir, { recursive: true, force: true })
    }
  }
}
