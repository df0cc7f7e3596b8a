import type { HubConfig, TargetConfig } from '../src/config/schema.js'
import { isFileMapping, mappingByName, type FileColumn } from '../src/mappings/index.js'
import { arrivalOf, feedArrivals, fileArrivals, restArrivals, soapArrivals, type Arrival } from './demo-arrivals.js'
import type { RecordStatus } from './demo-client.js'
import type { FeedReader } from './demo-feed.js'
import { receivedFiles, type ReceivedFile } from './demo-files.js'
import { arrivalLine, bold, count, dim, fieldsLine, green, line, printFile, red } from './demo-print.js'
import { shown } from './demo-setup.js'
import type { DemoSims } from './demo-sims.js'

/** What every department got, read from its simulator, its SFTP folder or the feed it pulled. */
export interface DepartmentView {
  target: TargetConfig
  arrivals: Arrival[]
  /** SFTP targets: the files in the department's folder. */
  files: ReceivedFile[]
  /** Trouble the department would notice: a bad signature, a failed UsernameToken. */
  problems: string[]
}

function columnsOf (target: TargetConfig): readonly FileColumn[] {
  const mapping = mappingByName(target.mapping)
  return mapping !== undefined && isFileMapping(mapping) ? mapping.columns : []
}

export function departmentView (target: TargetConfig, sims: DemoSims, feed: FeedReader): DepartmentView {
  switch (target.transport) {
    case 'rest': {
      const received = sims.rest[target.code]?.received ?? []
      const bad = received.filter(m => m.signatureValid !== true).length
      return { target, arrivals: restArrivals(received), files: [], problems: bad > 0 ? [`${bad} 个请求签名无效 bad signature`] : [] }
    }
    case 'soap': {
      const bad = sims.soap.received.filter(m => m.authenticated !== true).length
      return { target, arrivals: soapArrivals(sims.soap.received), files: [], problems: bad > 0 ? [`${bad} 个请求 UsernameToken 未通过`] : [] }
    }
    case 'sftp': {
      const sim = sims.sftp[target.code]
      const files = sim === undefined ? [] : receivedFiles(sim, target.sftp!, columnsOf(target))
      return { target, arrivals: fileArrivals(files), files, problems: [] }
    }
    case 'feed':
      return { target, arrivals: feedArrivals(feed.messages), files: [], problems: [] }
  }
}

/** Section [3] for one pushed-to department: how it was reached, then every notice it accepted. */
export function printPushedDepartment (view: DepartmentView, sims: DemoSims): void {
  const t = view.target
  const title = `${bold(`${t.name} ${t.code}`)}  ${t.transport.toUpperCase()}`
  const problems = view.problems.length > 0 ? red(`  ${view.problems.join('; ')}`) : ''
  if (t.transport === 'rest') {
    const sim = sims.rest[t.code]!
    line(`${title}  ${count(sim.count, 'POST')}, ${count(view.arrivals.length, 'notice')}, ${problems === '' ? green('签名全部有效 signatures valid') : problems}`)
  } else if (t.transport === 'soap') {
    const s = t.soap!
    line(`${title} ${s.operation}  ${count(sims.soap.received.length, 'request')}, ${count(view.arrivals.length, 'notice')}, ` +
      (problems === '' ? green(`UsernameToken ${s.security.passwordType} 验证通过`) : problems))
  } else if (t.transport === 'sftp') {
    const s = t.sftp!
    const mode = s.mode === 'batch' ? `batch file on cron '${s.batchCron ?? ''}'` : 'one file per notice'
    line(`${title}  ${mode}, ${s.encoding.toUpperCase()} ${s.format}${s.doneFile ? ' + .ok' : ''} → ` +
      `${shown(sims.sftp[t.code]!.root)}${s.remoteDir}  ${count(view.files.length, 'file')}, ${count(view.arrivals.length, 'line')}`)
    if (s.format === 'fixed-width') {
      const columns = columnsOf(t)
      line(dim(`  定长 fixed-width, ${columns.reduce((n, c) => n + c.width, 0)} bytes per line, no header; shown with padding trimmed and | between fields:`))
      line(dim(`  ${columns.map(c => `${c.label}(${c.width})`).join('|')}`))
    }
    for (const f of view.files) printFile(f, columnsOf(t), s.format)
    return
  }
  line(`  ${dim(fieldsLine(view.arrivals))}`)
  for (const a of view.arrivals) line(`  ${arrivalLine(a)}`)
}

/**
 * Every delivery the hub calls delivered must have arrived at its department, and every one
 * must be delivered: the demo's success test. Returns what is wrong, one line each.
 */
export function deliveryProblems (statuses: ReadonlyMap<string, RecordStatus>, views: ReadonlyMap<string, DepartmentView>): string[] {
  const problems: string[] = [...views.values()].flatMap(v => v.problems.map(p => `${v.target.code}: ${p}`))
  for (const [certificateNo, s] of statuses) {
    for (const d of s.deliveries) {
      const what = `${certificateNo} ${d.target} ${d.event} v${d.version}`
      if (d.status !== 'delivered') problems.push(`${what}: ${d.status}${d.lastError !== null ? ` (${d.lastError})` : ''}`)
      else if (arrivalOf(views.get(d.target)?.arrivals ?? [], d, s.noticeId) === undefined) problems.push(`${what}: delivered, but the department has no such message`)
    }
  }
  return problems
}

/** The views of every enabled target, in config order. */
export function departmentViews (config: Readonly<HubConfig>, sims: DemoSims, feed: FeedReader): Map<string, DepartmentView> {
  return new Map(config.targets.filter(t => t.enabled).map(t => [t.code, departmentView(t, sims, feed)]))
}
