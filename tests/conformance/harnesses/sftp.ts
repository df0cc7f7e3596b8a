import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import iconv from 'iconv-lite'
import { createDeliverer } from '../../../src/adapters/index.js'
import type { OutboundMessage } from '../../../src/adapters/index.js'
import { canlianCsvMapping } from '../../../src/mappings/canlian-csv.js'
import { csvFields } from '../../../sim/csv-fields.js'
import { startSshd, type TestSshd } from '../../helpers/sshd.js'
import { conformanceMessage, conformanceTarget, conformanceRecord, type Arrival, type ConformanceHarness } from '../adapter-conformance.js'

const TARGET_CODE = 'canlian'
const FILE_PREFIX = 'houshi'
/** A CJK Extension B character (U+20000): in Unicode, not in GBK. Some rare names use such characters. */
const NOT_IN_GBK = '\u{20000}'

/**
 * 残联 over SFTP, one GBK CSV file per notice (canlian-csv-v1), to a real OpenSSH server. The
 * department is a file receiver watching its folder (inotify, as incron or a Windows
 * FileSystemWatcher would): each time a data file lands — the hub's rename from `.<name>.part` —
 * is one arrival, and a name that has landed before is a duplicate.
 * - unavailable: sshd stopped (connection refused);
 * - permanent: a name GBK cannot write. Every server-side SFTP failure (no permission, missing
 *   folder, wrong host key) is retryable by design (src/adapters/sftp/upload.ts: ops fix it and the
 *   backlog must then drain), so the one thing no retry can fix is the message itself;
 * - slow: sshd frozen with SIGSTOP for `ms`: the kernel accepts the connection, no banner comes.
 */
export function sftpHarness (): ConformanceHarness {
  let sshd: TestSshd | undefined
  let watcher: FSWatcher | undefined
  let running = false
  let frozen = false
  let thawTimer: NodeJS.Timeout | undefined
  /** When the frozen sshd is thawed (`performance.now()` time). */
  let thawAt = 0
  let arrivals: Arrival[] = []
  /** Inode of each name's last landing: a rename event for a file already recorded is not a new arrival. */
  let landed = new Map<string, number>()

  const server = (): TestSshd => {
    if (sshd === undefined) throw new Error('the SFTP harness is not started')
    return sshd
  }

  const onRename = (name: string): void => {
    if (!isDataFile(name)) return
    const path = join(server().remoteDir, name)
    let inode: number
    let content: Buffer
    try {
      inode = statSync(path).ino
      content = readFileSync(path)
    } catch {
      return // a deletion (reset) or a name already replaced again
    }
    if (landed.get(name) === inode) return
    arrivals.push({
      key: name,
      accepted: true,
      duplicate: landed.has(name),
      ackId: name,
      // sshd lets in only the hub's key: a file cannot land otherwise.
      authenticated: true,
      body: rowOf(content)
    })
    landed.set(name, inode)
  }

  const thaw = (): void => {
    clearTimeout(thawTimer)
    thawTimer = undefined
    if (frozen) server().resume()
    frozen = false
  }

  const ensureRunning = async (): Promise<void> => {
    thaw()
    if (!running) {
      await server().start()
      running = true
    }
  }

  return {
    transport: 'sftp',
    unavailable: { description: 'sshd stopped', errorClass: 'network' },
    permanent: { description: 'a name the GBK file cannot carry', errorClass: 'encoding' },
    slowness: 'sshd frozen by SIGSTOP',

    async start () {
      sshd = await startSshd()
      running = true
      watcher = watch(sshd.remoteDir, (event, name) => { if (event === 'rename' && name !== null) onRename(name) })
    },

    async stop () {
      watcher?.close()
      thaw()
      await sshd?.stop()
      sshd = undefined
      running = false
    },

    async reset () {
      await ensureRunning()
      const dir = server().remoteDir
      await Promise.all((await readdir(dir)).map(async name => { await rm(join(dir, name), { force: true, recursive: true }) }))
      await settle()
      arrivals = []
      landed = new Map()
    },

    deliverer (opts = {}) {
      const s = server()
      const target = conformanceTarget({
        code: TARGET_CODE,
        department: 'canlian',
        name: '县残联',
        transport: 'sftp',
        mapping: canlianCsvMapping.name,
        concurrency: 1,
        sftp: {
          host: s.host,
          port: s.port,
          username: s.username,
          privateKeyPath: s.privateKeyPath,
          hostKeySha256: s.hostKeySha256,
          remoteDir: s.remoteDir,
          mode: 'per-notice',
          format: 'csv',
          encoding: 'gbk',
          header: true,
          doneFile: false,
          filePrefix: FILE_PREFIX,
          timeoutMs: opts.timeoutMs ?? 5_000
        }
      })
      return createDeliverer(target, canlianCsvMapping, { timeZone: 'Asia/Shanghai' })
    },

    message: deliveryId => conformanceMessage(canlianCsvMapping, deliveryId),

    keyOf: expectedFileName,

    async makeUnavailable () {
      await server().kill()
      running = false
      return ensureRunning
    },

    async failPermanently (deliveryId) {
      const record = { ...conformanceRecord, deceased: { ...conformanceRecord.deceased, name: `王${NOT_IN_GBK}` } }
      return conformanceMessage(canlianCsvMapping, deliveryId, record)
    },

    async makeSlow (ms) {
      server().pause()
      frozen = true
      thawAt = performance.now() + ms
      thawTimer = setTimeout(thaw, ms)
      return async () => {
        // Thawed when the `ms` are up, as a slow server would finally answer; it then takes the
        // hub's abandoned connection from its backlog and finds it closed.
        await new Promise(resolve => setTimeout(resolve, Math.max(0, thawAt - performance.now())))
        thaw()
      }
    },

    async received () {
      await settle()
      return [...arrivals]
    },

    async holds () {
      return (await readdir(server().remoteDir)).filter(isDataFile).sort()
    }
  }
}

/**
 * The name the department expects, by the file naming agreed with it:
 * `<prefix>_<target>_<yyyyMMddHHmmss, Beijing time>_<delivery id>.csv`.
 * (Written out here rather than taken from src/: the suite checks the agreement.)
 */
function expectedFileName (message: OutboundMessage): string {
  // Asia/Shanghai is UTC+8 all year (no daylight saving since 1991).
  const beijing = new Date(message.createdAt.getTime() + 8 * 3_600_000).toISOString()
  const stamp = beijing.slice(0, 19).replace(/\D/g, '')
  return `${FILE_PREFIX}_${TARGET_CODE}_${stamp}_${message.deliveryId}.csv`
}

/** A data file as a poller would pick it: not a hidden upload in progress, not a done-file. */
function isDataFile (name: string): boolean {
  return !name.startsWith('.') && !name.endsWith('.ok')
}

/** The file's one data row, keyed by the columns its GBK header names (RFC 4180, CRLF). */
function rowOf (content: Buffer): Record<string, string> {
  const lines = iconv.decode(content, 'gbk').split('\r\n').filter(line => line !== '')
  const labels = csvFields(lines[0] ?? '')
  const values = csvFields(lines[1] ?? '')
  const keyOfLabel = new Map(canlianCsvMapping.columns.map(c => [c.label, c.key]))
  return Object.fromEntries(labels.map((label, i) => [keyOfLabel.get(label) ?? label, values[i] ?? '']))
}

/** Lets the watcher's pending events in: inotify queued them before the SFTP rename was answered. */
async function settle (): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, 30))
}
