import net from 'node:net'
import { startSilentProxy, type SilentProxy } from './silent-proxy.js'

/**
 * What the proxy does to one connection, counted in the bytes the server has sent on it (its
 * answers: a SOAP response, an SSH server's packets), so a fault lands mid-exchange. The fault
 * strikes inside the server's bytes, or, once the server has sent `afterBytes`, at the client's
 * next bytes (so `afterBytes` = all a clean exchange sends hits the session's goodbye):
 * - `pass`: nothing;
 * - `hang`: after `afterBytes`, nothing more passes either way and the socket stays open, as
 *   from a server that froze (the client only learns of it by its own timeout);
 * - `drop`: after `afterBytes`, both sides are reset (RST), as from a server or firewall that
 *   cut the connection.
 */
export type ConnectionFault =
  | { kind: 'pass' }
  | { kind: 'hang', afterBytes: number }
  | { kind: 'drop', afterBytes: number }

/**
 * Decides the fault of each connection, by its number (1-based) under this plan: the connections
 * open when the plan is set come first, in the order they opened, then each new one.
 */
export type FaultPlan = (connectionNo: number) => ConnectionFault

/** What happened on one connection, for the scenario's figures and for calibrating a plan. */
export interface ConnectionLog {
  no: number
  /** How many plans had been set when it opened or was last planned: which fault it took part in. */
  round: number
  fault: ConnectionFault
  /** Bytes the server sent on it (passed on or not). */
  serverBytes: number
  /** Bytes the client sent on it. */
  clientBytes: number
  /** The fault fired: the connection hung or was dropped. */
  struck: boolean
  /** `serverBytes` when its fault was planned: the fault's `afterBytes` count from here. */
  faultFrom: number
  /** The client's side has closed. */
  closed: boolean
  /** It was open while the proxy was silent: whatever it was exchanging then hung. */
  silenced: boolean
}

/**
 * A TCP proxy that hangs or drops connections mid-exchange, by plan. It sits in front of the
 * silent proxy (tests/helpers/silent-proxy.ts), which in turn sits in front of the server: so
 * `silence()` also hangs every connection, open and new, for a while.
 */
export interface FaultProxy {
  readonly port: number
  /**
   * From now on, connections are treated by `plan`: the open ones (a keep-alive connection
   * would otherwise carry on unharmed), their bytes counted from now, and every new one.
   * Returns the round: the `round` of every connection the plan treats.
   * @defaultValue every connection passes
   */
  setPlan (plan: FaultPlan): number
  /**
   * The fault is over: new connections pass, and open ones whose fault has not struck yet are
   * spared. Connections already hung stay hung until their client gives up, as after a real hang.
   */
  heal (): void
  /** Every connection, open or new, stops passing bytes (the silent proxy underneath). */
  silence (): void
  resume (): void
  readonly connections: readonly ConnectionLog[]
  close (): Promise<void>
}

export const passAll: FaultPlan = () => ({ kind: 'pass' })

export async function startFaultProxy (targetHost: string, targetPort: number): Promise<FaultProxy> {
  const silent: SilentProxy = await startSilentProxy(targetHost, targetPort)
  let plan: FaultPlan = passAll
  /** Connections numbered under the current plan so far. */
  let planned = 0
  let round = 0
  let silentNow = false
  const connections: ConnectionLog[] = []
  const sockets = new Set<net.Socket>()

  const server = net.createServer((client) => {
    const log: ConnectionLog = {
      no: connections.length + 1, round, fault: plan(++planned), serverBytes: 0, clientBytes: 0, faultFrom: 0, struck: false, closed: false, silenced: silentNow
    }
    connections.push(log)
    const upstream = net.connect(silent.port, '127.0.0.1')
    sockets.add(client).add(upstream)
    let hung = false
    const drop = (): void => {
      client.resetAndDestroy()
      upstream.resetAndDestroy()
    }

    client.on('data', (chunk: Buffer) => {
      log.clientBytes += chunk.length
      const fault = log.fault
      // The server has sent all it will before the fault: the client's next words meet it (a
      // fault at the very end of a session hits its goodbye).
      if (!log.struck && fault.kind !== 'pass' && log.serverBytes - log.faultFrom >= fault.afterBytes) {
        log.struck = true
        hung = fault.kind === 'hang'
        if (fault.kind === 'drop') drop()
        return
      }
      if (!hung) upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => {
      log.serverBytes += chunk.length
      if (log.struck) return
      const fault = log.fault
      const faultAt = fault.kind === 'pass' ? Infinity : log.faultFrom + fault.afterBytes
      if (log.serverBytes <= faultAt) {
        client.write(chunk)
        return
      }
      // Pass exactly the bytes before the fault point: the exchange breaks off inside a message.
      log.struck = true
      hung = fault.kind === 'hang'
      const keep = faultAt - (log.serverBytes - chunk.length)
      if (fault.kind === 'hang') {
        if (keep > 0) client.write(chunk.subarray(0, keep))
      } else if (keep > 0) {
        client.write(chunk.subarray(0, keep), drop)
      } else {
        drop()
      }
    })
    // A server that hangs never hears of the client going away either, but the socket is the
    // proxy's to free: a hung connection lasts as long as the client keeps it.
    client.on('end', () => { if (!hung) upstream.end() })
    upstream.on('end', () => { if (!hung) client.end() })
    client.on('close', () => { log.closed = true; upstream.destroy(); sockets.delete(client) })
    upstream.on('close', () => { if (!hung) client.destroy(); sockets.delete(upstream) })
    client.on('error', () => {})
    upstream.on('error', () => { if (!hung) client.destroy() })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))

  return {
    port: (server.address() as net.AddressInfo).port,
    setPlan (p) {
      plan = p
      planned = 0
      round++
      for (const c of connections) {
        if (c.closed || c.struck) continue
        c.round = round
        c.fault = p(++planned)
        c.faultFrom = c.serverBytes
      }
      return round
    },
    heal () {
      plan = passAll
      for (const c of connections) if (!c.struck) c.fault = { kind: 'pass' }
    },
    silence () {
      silentNow = true
      for (const c of connections) if (!c.closed) c.silenced = true
      silent.silence()
    },
    resume () {
      silentNow = false
      silent.resume()
    },
    connections,
    async close () {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
      await silent.close()
    }
  }
}
