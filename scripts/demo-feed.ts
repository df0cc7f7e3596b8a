import type { TargetConfig } from '../src/config/schema.js'
import { feedArrivals } from './demo-arrivals.js'
import { ackFeed, pullFeed, type FeedMessage, type HubClient } from './demo-client.js'
import { arrivalLine, bold, dim, line, red, statusText } from './demo-print.js'

/**
 * 退役军人事务局's side of the pull feed, as its system would run it: pull what is owed after the
 * cursor it keeps, take the messages in, then acknowledge up to the page's `nextCursor`. What
 * was acknowledged counts as delivered; what was not is served again next time.
 */
export interface FeedReader {
  readonly target: TargetConfig
  /** Everything pulled so far, in order. */
  readonly messages: FeedMessage[]
  /** The position acknowledged last. */
  readonly cursor: number
  /**
   * Pulls until nothing more is waiting, acknowledging each page, and prints it all.
   * @returns false when a pull or an ack was refused or fell short
   */
  pullAndAck (indent?: string): Promise<boolean>
}

export function feedReader (client: HubClient, target: TargetConfig): FeedReader {
  const token = target.feed!.token
  const messages: FeedMessage[] = []
  let cursor = 0
  const path = `/v1/feeds/${target.department}`
  return {
    target,
    messages,
    get cursor () { return cursor },
    async pullAndAck (indent = '') {
      const say = (text: string): void => line(indent + text)
      for (;;) {
        const pulled = await pullFeed(client, target.department, token, cursor)
        const { page } = pulled
        say(`${bold(`GET ${path}?after=${cursor}`)} ${dim('Authorization: Bearer <token>')} → ${statusText(pulled.status, 200)}` +
          (pulled.status === 200 ? ` ${page.messages.length} messages, nextCursor ${page.nextCursor}, hasMore ${String(page.hasMore)}` : ''))
        if (pulled.status !== 200) return false
        messages.push(...page.messages)
        for (const a of feedArrivals(page.messages)) say(`  ${arrivalLine(a)}`)
        if (page.messages.length === 0) return true
        const acked = await ackFeed(client, target.department, token, page.nextCursor)
        say(`${bold(`POST ${path}/ack`)} {"cursor":${page.nextCursor}} → ${statusText(acked.status, 200)} acknowledged ${acked.acknowledged}` +
          (acked.acknowledged !== page.messages.length ? red(` (expected ${page.messages.length})`) : ''))
        if (acked.status !== 200 || acked.acknowledged !== page.messages.length) return false
        cursor = page.nextCursor
        if (!page.hasMore) return true
      }
    }
  }
}
