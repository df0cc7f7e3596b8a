import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSoapDepartment, type SoapDepartmentSim } from '../../sim/soap-department.js'
import { CANLIAN_COLUMNS } from '../../src/mappings/canlian-csv.js'
import { GONGJIJIN_COLUMNS } from '../../src/mappings/gongjijin-csv.js'
import { startSshd, type TestSshd } from '../helpers/sshd.js'
import { expectAllDelivered, printFigures } from './harness/departments.js'
import { sleep } from './harness/hub-process.js'
import { startPoster, type AcknowledgedRecord } from './harness/poster.js'
import { startScenario, type Scenario } from './harness/scenario.js'
import { fileView, soapView, tally, waitTallied, type DepartmentView, type TallyFigures } from './peers/department-tally.js'
import { watchFileDepartment, type FileDepartment } from './peers/file-department.js'
import { startFaultProxy, type ConnectionLog, type FaultPlan, type FaultProxy } from '../helpers/fault-proxy.js'

/**
 * 人社 over SOAP, 残联 by one SFTP file per notice and 公积金 by a batch file every second, each
 * behind a proxy that hangs or drops connections mid-exchange (tests/faults/peers/): a real
 * SOAP service built from the WSDL and a real sshd, the hub a real process. One hub for the
 * file; each test faults one department while a funeral home posts, then heals it and waits.
 */

const SOAP_USER = 'houshi-faults'
const SOAP_PASSWORD = 'renshe-faults-password'
const ALL_EVENTS = ['notice.created', 'notice.updated', 'notice.voided']
/** Short timeouts so a hang is noticed quickly; a window of hours, so a dead letter is a finding. */
const SOAP_TIMEOUT_MS = 1_500
const SFTP_TIMEOUT_MS = 2_000
const RETRY = { baseDelayMs: 200, maxDelayMs: 1_000, windowMs: 6 * 3_600_000 }
const RECORDS = 40
const RATE = 8
/** How long the whole department is silent (every connection hangs) in the middle of each fault. */
const SILENCE_MS = 3_000
const CATCH_UP_TIMEOUT_MS = 30_000
/** One 人社 answer, headers (~170 bytes) and envelope, as measured through the proxy. */
const SOAP_ANSWER_BYTES = 985

interface World {
  scenario: Scenario
  soap: SoapDepartmentSim
  proxies: { renshe: FaultProxy, canlian: FaultProxy, gongjijin: FaultProxy }
  views: DepartmentView[]
}

describe('SOAP and SFTP departments that hang or drop connections mid-exchange', () => {
  let world: World
  const cleanups: Array<() => Promise<void> | void> = []
  const acked: AcknowledgedRecord[] = []
  let nextIndex = 0

  beforeAll(async () => {
    const sshd: TestSshd = await startSshd()
    cleanups.push(async () => { await sshd.stop() })
    const soap = await startSoapDepartment({ name: 'renshe', username: SOAP_USER, password: SOAP_PASSWORD })
    cleanups.push(async () => { await soap.close() })
    const proxies = {
      renshe: await startFaultProxy('127.0.0.1', soap.port),
      canlian: await startFaultProxy(sshd.host, sshd.port),
      gongjijin: await startFaultProxy(sshd.host, sshd.port)
    }
    cleanups.push(async () => { await Promise.all(Object.values(proxies).map(async p => await p.close())) })
    const folders = { canlian: join(sshd.remoteDir, 'canlian'), gongjijin: join(sshd.remoteDir, 'gongjijin') }
    await Promise.all(Object.values(folders).map(async f => await mkdir(f)))
    const canlian: FileDepartment = watchFileDepartment(folders.canlian, { format: 'fixed-width', encoding: 'gbk', header: false, columns: CANLIAN_COLUMNS })
    const gongjijin: FileDepartment = watchFileDepartment(folders.gongjijin, { format: 'csv', encoding: 'gbk', header: true, columns: GONGJIJIN_COLUMNS })
    cleanups.push(() => { canlian.close(); gongjijin.close() })

    const sftp = (port: number, remoteDir: string): Record<string, unknown> => ({
      host: '127.0.0.1', port, username: sshd.username, privateKeyPath: sshd.privateKeyPath,
      hostKeySha256: sshd.hostKeySha256, remoteDir, encoding: 'gbk', filePrefix: 'houshi', timeoutMs: SFTP_TIMEOUT_MS
    })
    const scenario = await startScenario({
      engine: 'postgres',
      departments: [],
      config: {
        extraTargets: [
          {
            code: 'renshe', department: 'renshe', name: '县人社局', transport: 'soap', events: ALL_EVENTS, mapping: 'renshe-soap-v1',
            soap: {
              wsdl: 'config/wsdl/renshe-death-notice.wsdl',
              endpoint: `http://127.0.0.1:${proxies.renshe.port}/houshi/services/DeathNoticeService`,
              operation: 'ReceiveDeathNotice',
              timeoutMs: SOAP_TIMEOUT_MS,
              security: { username: SOAP_USER, password: SOAP_PASSWORD, passwordType: 'PasswordDigest' }
            },
            retry: RETRY,
            concurrency: 4
          },
          {
            code: 'canlian', department: 'canlian', name: '县残联', transport: 'sftp', events: ALL_EVENTS, mapping: 'canlian-csv-v1',
            sftp: { ...sftp(proxies.canlian.port, folders.canlian), mode: 'per-notice', format: 'fixed-width', header: false, doneFile: false },
            retry: RETRY,
            concurrency: 4
          },
          {
            code: 'gongjijin', department: 'gongjijin', name: '住房公积金中心', transport: 'sftp', events: ALL_EVENTS, mapping: 'gongjijin-csv-v1',
            sftp: { ...sftp(proxies.gongjijin.port, folders.gongjijin), mode: 'batch', batchCron: '* * * * * *', format: 'csv', header: true, doneFile: true },
            retry: RETRY
          }
        ]
      }
    })
    cleanups.push(async () => { await scenario.close() })
    world = {
      scenario,
      soap,
      proxies,
      views: [soapView('renshe', soap), fileView('canlian', canlian), fileView('gongjijin', gongjijin)]
    }
    // A few records before any fault: the set-up works, and each proxy has seen clean exchanges
    // to place the SFTP faults by.
    const warmUp = await post(5, 10)
    const figures = await waitTallied(warmUp, world.views, { since: Date.now(), timeoutMs: CATCH_UP_TIMEOUT_MS })
    expectAllDelivered(figures)
  })

  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  /** Posts `total` new records at `rate` a second and returns those acknowledged (all, or the test fails). */
  async function post (total: number, rate: number): Promise<AcknowledgedRecord[]> {
    const poster = startPoster({ url: world.scenario.hub.url, total, ratePerSecond: rate, firstIndex: nextIndex })
    nextIndex += total
    await poster.finished()
    expect(poster.unanswered()).toEqual([])
    expect(poster.refused()).toEqual([])
    const mine = poster.acknowledged()
    // Routed to all three: a record routed nowhere would be "delivered" by counting nothing.
    expect(mine.filter(r => r.targets.slice().sort().join() !== 'canlian,gongjijin,renshe')).toEqual([])
    acked.push(...mine)
    return mine
  }

  /**
   * Faults the target's proxy by `plan` while RECORDS records are posted, with the whole department
   * silent for SILENCE_MS in the middle; then heals it, waits until every department has every record
   * and checks the database: nothing dead, everything delivered.
   */
  async function underFault (name: string, target: keyof World['proxies'], plan: FaultPlan): Promise<TallyFigures> {
    const proxy = world.proxies[target]
    const view = world.views.find(v => v.target === target)!
    const repeatsBefore = view.repeats()
    const outputBefore = world.scenario.hub.output().length
    const round = proxy.setPlan(plan)
    const faulted = (): ConnectionLog[] => proxy.connections.filter(c => c.round === round)
    const posting = post(RECORDS, RATE)
    // The plan's first faults strike before the silence (a batch target opens one connection a
    // second at most, and its first is the one that loses the rename's answer).
    const deadline = Date.now() + 5_000
    while (!faulted().some(c => c.struck) && Date.now() < deadline) await sleep(50)
    await sleep(500)
    proxy.silence()
    await sleep(SILENCE_MS)
    proxy.resume()
    const mine = await posting
    // The fault lasts a moment past the last record, so the last ones meet it too.
    await sleep(1_000)
    proxy.heal()
    const healedAt = Date.now()

    // The faulted department's figures for this fault, counted again once the database owes
    // nothing (a retry after the catch-up may repeat a notice, or write a line again); the other
    // departments must not miss anything either.
    const { catchUpMs } = await waitTallied(mine, [view], { since: healedAt, timeoutMs: CATCH_UP_TIMEOUT_MS })
    const settled = await settle(healedAt)
    const final = tally(mine, [view])
    const figures: TallyFigures = { ...final, repeats: final.repeats - repeatsBefore, catchUpMs, settledMs: settled.settledMs }
    const connections = faulted()
    // Hung by the plan, or open while the whole department was silent.
    const hung = connections.filter(c => (c.struck && c.fault.kind === 'hang') || c.silenced).length
    const dropped = connections.filter(c => c.struck && c.fault.kind === 'drop').length
    const errors = failedAttempts(world.scenario.hub.output().slice(outputBefore), target)
    printFigures(`soap-sftp ${name}`, figures, {
      connections: connections.length, hung, dropped, silenceMs: SILENCE_MS, duplicateLines: figures.duplicateLines,
      failures: Object.entries(errors).map(([k, n]) => `${k}:${n}`).join(',')
    })
    expectAllDelivered(figures)
    expect(figures.duplicateLines, 'lines repeated in one file or across files').toBe(0)
    expect({ hung: hung > 0, dropped: dropped > 0 }, 'the fault struck mid-exchange').toEqual({ hung: true, dropped: true })
    // Ops read what happened: a connection that broke or went silent, never a department refusing.
    expect(Object.keys(errors).filter(c => c !== 'network' && c !== 'timeout'), 'error classes of the failed attempts').toEqual([])
    const everyone = tally(acked, world.views)
    expect({ missing: everyone.missingSample, keyMismatches: everyone.keyMismatches }, 'the departments not faulted').toEqual({ missing: [], keyMismatches: 0 })
    // What the departments hold, the database says too: delivered, and no dead letter.
    expect(settled.statuses).toEqual({ delivered: acked.length * world.views.length })
    return figures
  }

  /**
   * Waits (10 s at most) until every delivery of every acknowledged record is `delivered`: a batch
   * settles after its upload, a lost answer's delivery after its retry. `settledMs` runs from `since`.
   */
  async function settle (since: number): Promise<{ statuses: Record<string, number>, settledMs?: number }> {
    const want = JSON.stringify({ delivered: acked.length * world.views.length })
    const deadline = Date.now() + 10_000
    for (;;) {
      const statuses = await world.scenario.deliveryStatuses()
      if (JSON.stringify(statuses) === want) return { statuses, settledMs: Date.now() - since }
      if (Date.now() > deadline) return { statuses }
      await sleep(200)
    }
  }

  it('delivers every notice to the 人社 SOAP service, which hangs or drops its answers, with repeats under the same key only', async () => {
    // Every connection breaks: in the status line, the headers or the envelope of its first
    // answer, as its next request goes out, or inside its second answer. One in three hangs,
    // the others are reset (turns of 3, 5 points: every point meets both kinds).
    const points = [25, 120, 600, SOAP_ANSWER_BYTES, SOAP_ANSWER_BYTES + 600]
    const figures = await underFault('soap renshe', 'renshe', (n) =>
      ({ kind: n % 3 === 1 ? 'hang' : 'drop', afterBytes: points[(n - 1) % points.length]! }))
    expect(figures.repeats, 'answers lost after the department took the notice').toBeGreaterThan(0)
  })

  it('delivers every notice to 残联 as one file, whose sshd hangs or drops mid-upload, a file landing again only under its own name', async () => {
    const figures = await underFault('sftp per-notice canlian', 'canlian', sftpPlan(world.proxies.canlian, { doneFile: false, passEvery: 3 }))
    expect(figures.repeats, 'files landed again after the answer to their rename was lost').toBeGreaterThan(0)
  })

  it('writes every notice into exactly one line of one 公积金 batch file, whose sshd hangs or drops mid-upload', async () => {
    const figures = await underFault('sftp batch gongjijin', 'gongjijin', sftpPlan(world.proxies.gongjijin, { doneFile: true }))
    expect(figures.repeats, 'the batch file landed again after the answer to its rename was lost').toBeGreaterThan(0)
  })
})

/**
 * Where an SFTP upload breaks, placed by the bytes the server sent on a clean upload through the
 * same proxy (their median). From the start: the banner and key exchange, authentication, the
 * write. From the end, as measured with OpenSSH's internal-sftp: the status answering the
 * rename is the last ~70 bytes, followed with a done-file by ~190 bytes for `<name>.ok`. A
 * break inside that status is the worst case: the file has landed but the hub does not know.
 * `passEvery`: every n-th connection is spared, so deliveries also get through during the fault.
 */
function sftpPlan (proxy: FaultProxy, o: { doneFile: boolean, passEvery?: number }): FaultPlan {
  const clean = proxy.connections.filter(c => c.closed && c.fault.kind === 'pass' && !c.struck && !c.silenced && c.serverBytes > 0)
    .map(c => c.serverBytes).sort((a, b) => a - b)
  const total = clean[Math.floor(clean.length / 2)]
  if (total === undefined) throw new Error('no clean SFTP upload through the proxy to place the faults by')
  const renameAnswer = total - (o.doneFile ? 190 : 0) - 35
  // Seven points, two kinds, a pass every third: every point meets both kinds (2, 3 and 7 are coprime).
  const points = [renameAnswer, 20, Math.round(total * 0.35), Math.round(total * 0.65), Math.round(total * 0.85), total - 10, total]
  return (n) => {
    if (o.passEvery !== undefined && n % o.passEvery === 0) return { kind: 'pass' }
    return { kind: n % 2 === 1 ? 'drop' : 'hang', afterBytes: points[(n - 1) % points.length]! }
  }
}

/** Failed attempts at `target` by error class, from the hub's warn lines (per delivery or per batch file). */
function failedAttempts (output: string, target: string): Record<string, number> {
  const classes: Record<string, number> = {}
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue
    let entry: { target?: unknown, errorClass?: unknown }
    try { entry = JSON.parse(line) as typeof entry } catch { continue }
    if (entry.target !== target || typeof entry.errorClass !== 'string') continue
    classes[entry.errorClass] = (classes[entry.errorClass] ?? 0) + 1
  }
  return classes
}
