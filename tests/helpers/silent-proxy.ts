import net from 'node:net'

/**
 * A TCP proxy that can go silent: it keeps every connection open but stops passing bytes either
 * way, as a server does that vanished in a failover without closing its connections (no RST,
 * no FIN; the client only ever waits).
 */
export interface SilentProxy {
  port: number
  silence (): void
  resume (): void
  close (): Promise<void>
}

export async function startSilentProxy (targetHost: string, targetPort: number): Promise<SilentProxy> {
  let silent = false
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost)
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from)
      from.on('data', (chunk) => { if (!silent) to.write(chunk) })
      // A half-close is not passed on while silent either: the far side never hears of it.
      from.on('end', () => { if (!silent) to.end() })
      from.on('error', () => { to.destroy() })
      from.on('close', () => { sockets.delete(from) })
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    silence () { silent = true },
    resume () { silent = false },
    async close () {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
