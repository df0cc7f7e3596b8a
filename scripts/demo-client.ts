import type { DeliveryStatus } from '../src/store/cremation-status.js'

/**
 * The demo's HTTP calls to the hub, made as its callers make them: the funeral home (report,
 * correct, void, look up) and 退役军人事务局 (pull its feed, acknowledge).
 */

export interface Answer { status: number, json: Record<string, unknown> }

/** `GET /v1/cremations/:certificateNo`, the parts the demo reads. */
export interface RecordStatus {
  noticeId: string
  version: number
  noticeStatus: string
  deliveries: DeliveryStatus[]
}

/** One message of `GET /v1/feeds/:department` (src/routes/feeds.ts). */
export interface FeedMessage {
  cursor: number
  deliveryId: string
  noticeId: string
  version: number
  event: string
  body: Record<string, unknown>
}

export interface FeedPage { messages: FeedMessage[], nextCursor: number, hasMore: boolean }

/** Delivery states that will not change by themselves. */
export const FINAL = new Set(['delivered', 'dead', 'superseded', 'cancelled'])

export interface HubClient {
  post (path: string, body: unknown, headers?: Record<string, string>): Promise<Answer>
  put (path: string, body: unknown): Promise<Answer>
  get (path: string, headers?: Record<string, string>): Promise<Answer>
  status (certificateNo: string): Promise<RecordStatus | undefined>
}

export function hubClient (base: string): HubClient {
  async function call (path: string, init: RequestInit = {}): Promise<Answer> {
    const res = await fetch(`${base}${path}`, init)
    return { status: res.status, json: await res.json() as Record<string, unknown> }
  }
  const send = (method: string) => async (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> =>
    await call(path, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  const client: HubClient = {
    post: send('POST'),
    put: send('PUT'),
    get: async (path, headers = {}) => await call(path, { headers }),
    async status (certificateNo) {
      const a = await client.get(`/v1/cremations/${encodeURIComponent(certificateNo)}`)
      return a.status === 200 ? a.json as unknown as RecordStatus : undefined
    }
  }
  return client
}

/**
 * Polls the records' statuses until every pushed delivery is final: REST, SOAP and per-notice
 * SFTP through their queues, batch files on their cron. Feed deliveries wait for the department's
 * pull (`isPulled`), so they are not waited for.
 * @returns the last statuses, and whether everything settled within `timeoutMs`
 */
export async function waitForPushes (
  client: HubClient, certificateNos: readonly string[], isPulled: (target: string) => boolean, timeoutMs: number
): Promise<{ statuses: Map<string, RecordStatus>, settled: boolean, pending: DeliveryStatus[] }> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const statuses = new Map<string, RecordStatus>()
    for (const no of certificateNos) {
      const s = await client.status(no)
      if (s !== undefined) statuses.set(no, s)
    }
    const pending = [...statuses.values()].flatMap(s => s.deliveries).filter(d => !FINAL.has(d.status) && !isPulled(d.target))
    const settled = statuses.size === certificateNos.length && pending.length === 0
    if (settled || Date.now() > deadline) return { statuses, settled, pending }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

/** Pulls a department's feed after `cursor` with its token, as the department's system does. */
export async function pullFeed (client: HubClient, department: string, token: string, after: number): Promise<{ status: number, page: FeedPage }> {
  const a = await client.get(`/v1/feeds/${department}?after=${after}`, { authorization: `Bearer ${token}` })
  return { status: a.status, page: a.json as unknown as FeedPage }
}

/** Acknowledges everything served up to `cursor`. */
export async function ackFeed (client: HubClient, department: string, token: string, cursor: number): Promise<{ status: number, acknowledged: number }> {
  const a = await client.post(`/v1/feeds/${department}/ack`, { cursor }, { authorization: `Bearer ${token}` })
  return { status: a.status, acknowledged: Number(a.json.acknowledged ?? 0) }
}
