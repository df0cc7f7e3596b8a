import { createServer } from 'node:net'

/**
 * A TCP port that was free on 127.0.0.1 a moment ago (the OS picks it). Another process may
 * still take it before the caller binds it, so callers that spawn servers should retry.
 */
export async function freePort (host = '127.0.0.1'): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      if (address === null || typeof address === 'string') {
        server.close()
        reject(new Error('could not read the port the OS picked'))
        return
      }
      server.close(err => err === undefined ? resolve(address.port) : reject(err))
    })
  })
}
