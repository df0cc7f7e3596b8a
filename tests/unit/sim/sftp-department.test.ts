import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import iconv from 'iconv-lite'
import SftpClient from 'ssh2-sftp-client'
import { afterEach, describe, expect, it } from 'vitest'
import { startSftpDepartment, type SftpDepartmentOptions, type SftpDepartmentSim } from '../../../sim/sftp-department.js'
import { generateEd25519 } from '../../../sim/ssh-keys.js'

const sims: SftpDepartmentSim[] = []
const clients: SftpClient[] = []
const dirs: string[] = []

afterEach(async () => {
  await Promise.all(clients.splice(0).map(async c => await c.end().catch(() => {})))
  await Promise.all(sims.splice(0).map(async s => await s.close()))
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'sftp-sim-test-'))
  dirs.push(dir)
  return dir
}

/** The root sits one level down, so a file escaping it would land in a folder the test sees. */
async function start (opts: Partial<SftpDepartmentOptions> = {}): Promise<SftpDepartmentSim> {
  const outer = tempDir()
  const root = join(outer, 'root')
  mkdirSync(root)
  const sim = await startSftpDepartment({ name: 'gongjijin', root, ...opts })
  sims.push(sim)
  return sim
}

function fingerprintOf (key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`
}

async function connect (sim: SftpDepartmentSim, overrides: Partial<SftpClient.ConnectOptions> = {}): Promise<SftpClient> {
  // Quiet callbacks: the library's defaults print every disconnect to the console.
  const client = new SftpClient('test', { error: () => {}, end: () => {}, close: () => {} })
  clients.push(client)
  await client.connect({
    host: sim.host,
    port: sim.port,
    username: sim.username,
    ...(sim.privateKeyPath !== undefined ? { privateKey: readFileSync(sim.privateKeyPath) } : {}),
    hostVerifier: (key: Buffer) => fingerprintOf(key) === sim.hostKeySha256,
    readyTimeout: 5_000,
    ...overrides
  })
  return client
}

// A 公积金 batch line in GBK: these bytes are not valid UTF-8 and must arrive untouched.
const gbkCsv = iconv.encode('业务类型,单位\r\n死亡提取,住房公积金中心\r\n', 'gbk')

describe('the SFTP department simulator', () => {
  it('takes an upload under a temp name and a posix-rename over an existing file, keeping the GBK bytes as sent', async () => {
    const sim = await start()
    writeFileSync(join(sim.root, 'GJJ_20240301.csv'), 'yesterday\n')
    const client = await connect(sim)

    await client.put(gbkCsv, '/GJJ_20240301.csv.tmp')
    expect(sim.files()).toEqual(['GJJ_20240301.csv'])
    await client.posixRename('/GJJ_20240301.csv.tmp', '/GJJ_20240301.csv')

    expect((await client.list('/')).map(f => [f.type, f.name, f.size])).toEqual([['-', 'GJJ_20240301.csv', gbkCsv.length]])
    expect(sim.files()).toEqual(['GJJ_20240301.csv'])
    expect(readFileSync(join(sim.root, 'GJJ_20240301.csv')).equals(gbkCsv)).toBe(true)
    expect(sim.read('GJJ_20240301.csv').equals(gbkCsv)).toBe(true)
    expect(iconv.decode(sim.read('/GJJ_20240301.csv'), 'gbk')).toContain('死亡提取')
  })

  it('stores a large upload written in many chunks at their offsets, and serves it back', async () => {
    const sim = await start()
    const client = await connect(sim)
    const big = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251))
    await client.put(big, 'big.dat')
    expect(sim.read('big.dat').equals(big)).toBe(true)
    expect((await client.get('big.dat') as Buffer).equals(big)).toBe(true)
  })

  it('lists a folder larger than one READDIR answer in full', async () => {
    const sim = await start()
    for (let i = 0; i < 150; i++) writeFileSync(join(sim.root, `notice-${String(i).padStart(3, '0')}.csv`), 'x')
    const client = await connect(sim)
    const names = (await client.list('/')).map(f => f.name).sort()
    expect(names).toHaveLength(150)
    expect(names).toEqual(sim.files())
  })

  it('refuses a plain rename onto an existing file, as SFTP v3 servers do', async () => {
    const sim = await start()
    const client = await connect(sim)
    await client.put(Buffer.from('new'), '/a.csv.part')
    await client.put(Buffer.from('old'), '/a.csv')

    await expect(client.rename('/a.csv.part', '/a.csv')).rejects.toThrow(/目标文件已存在/)
    expect(sim.read('a.csv').toString()).toBe('old')

    await client.rename('/a.csv.part', '/b.csv')
    expect(sim.files()).toEqual(['a.csv', 'b.csv'])
  })

  it('makes folders, answers exists, and deletes files', async () => {
    const sim = await start()
    const client = await connect(sim)
    await client.mkdir('/2024/03', true)
    await client.put(Buffer.from('x'), '/2024/03/canlian-1.csv')
    await client.put(Buffer.from(''), '/2024/03/canlian-1.csv.ok')

    expect(await client.exists('/2024')).toBe('d')
    expect(await client.exists('/2024/03/canlian-1.csv')).toBe('-')
    expect(await client.exists('/2024/03/none.csv')).toBe(false)
    expect(sim.files()).toEqual(['2024/03/canlian-1.csv', '2024/03/canlian-1.csv.ok'])
    expect((await client.stat('/2024/03/canlian-1.csv')).size).toBe(1)
    expect(await client.cwd()).toBe('/')

    await client.delete('/2024/03/canlian-1.csv')
    expect(sim.files()).toEqual(['2024/03/canlian-1.csv.ok'])
    await expect(client.delete('/2024/03/canlian-1.csv')).rejects.toThrow()
  })

  it('refuses paths that climb out of the root folder', async () => {
    const sim = await start()
    const client = await connect(sim)
    const outside = join(sim.root, '..', 'escape.csv')

    await expect(client.put(Buffer.from('x'), '/../escape.csv')).rejects.toThrow(/超出部门目录/)
    await expect(client.put(Buffer.from('x'), 'sub/../../escape.csv')).rejects.toThrow(/超出部门目录/)
    await expect(client.list('/..')).rejects.toThrow(/超出部门目录/)
    await client.put(Buffer.from('x'), '/inside.csv')
    await expect(client.posixRename('/inside.csv', '/../escape.csv')).rejects.toThrow(/超出部门目录/)
    expect(existsSync(outside)).toBe(false)
    expect(() => sim.read('../escape.csv')).toThrow()
    // `..` that stays inside is fine.
    await client.put(Buffer.from('y'), '/a/../inside-2.csv')
    expect(sim.files()).toEqual(['inside-2.csv', 'inside.csv'])
  })

  it('refuses a key other than the authorised one, and another user name', async () => {
    const sim = await start()
    const stranger = generateEd25519()
    await expect(connect(sim, { privateKey: stranger.private })).rejects.toThrow(/authentication/i)
    await expect(connect(sim, { username: 'root' })).rejects.toThrow(/authentication/i)
    await expect(connect(sim, { privateKey: undefined, password: 'houshi' })).rejects.toThrow()
  })

  it('gives the host key fingerprint that a pinned client checks', async () => {
    const sim = await start()
    expect(sim.hostKeySha256).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
    await expect(connect(sim, { hostVerifier: () => false })).rejects.toThrow()
    const seen: string[] = []
    await connect(sim, { hostVerifier: (key: Buffer) => { seen.push(fingerprintOf(key)); return true } })
    expect(seen).toEqual([sim.hostKeySha256])
  })

  it('lets in the caller’s own key when one is given', async () => {
    const key = generateEd25519()
    const sim = await start({ authorizedKey: key.public, username: 'gjj' })
    expect(sim.privateKeyPath).toBeUndefined()
    const client = await connect(sim, { privateKey: key.private })
    expect(await client.list('/')).toEqual([])
  })

  it('frees its port and drops connected clients on close()', async () => {
    const sim = await start()
    const client = await connect(sim)
    const keyPath = sim.privateKeyPath ?? ''
    expect(existsSync(keyPath)).toBe(true)

    await sim.close()
    await expect(client.list('/')).rejects.toThrow()
    expect(existsSync(keyPath)).toBe(false)
    const probe = createServer()
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject)
      probe.listen(sim.port, sim.host, () => resolve())
    })
    await new Promise<void>(resolve => probe.close(() => resolve()))
  })
})
