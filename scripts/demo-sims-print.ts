import type { HubConfig } from '../src/config/schema.js'
import { dim, line, pad } from './demo-print.js'
import { shown } from './demo-setup.js'
import { FLAKY_TARGET, type DemoSims } from './demo-sims.js'

/** One line per target of the config: its transport and the simulator that stands in for it. */
export function simLines (sims: DemoSims, config: Readonly<HubConfig>): string[] {
  return config.targets.filter(t => t.enabled).map(t => {
    const head = `${pad(t.code, 18)} ${pad(t.transport.toUpperCase(), 4)}  `
    switch (t.transport) {
      case 'rest':
        return head + (sims.rest[t.code]?.url ?? '?') + (t.code === FLAKY_TARGET ? dim(' — flaky: 1st request per notice → HTTP 503') : '')
      case 'soap':
        return head + sims.soap.url + dim(` — WSDL ${t.soap!.wsdl}, UsernameToken checked`)
      case 'sftp': {
        const sim = sims.sftp[t.code]
        if (sim === undefined) return `${head}?`
        return `${head}sftp://${sim.username}@${sim.host}:${sim.port}${t.sftp!.remoteDir} → ${shown(sim.root)}` + dim(` — host key ${sim.hostKeySha256.slice(0, 19)}…`)
      }
      case 'feed':
        return head + dim(`no simulator: the department pulls GET /v1/feeds/${t.department}`)
    }
  })
}

export function printSims (sims: DemoSims, config: Readonly<HubConfig>): void {
  simLines(sims, config).forEach((text, i) => line(`${i === 0 ? '部门 sims   ' : '            '}${text}`))
}
