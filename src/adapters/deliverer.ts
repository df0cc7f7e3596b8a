import type { EventType } from '../config/schema.js'

/** One mapped message, ready for a department's transport. Carries no hub internals. */
export interface OutboundMessage {
  deliveryId: string
  noticeId: string
  version: number
  event: EventType
  /** Stable across retries of the same delivery, so the receiver can drop duplicates. */
  idempotencyKey: string
  /** When the hub committed to this delivery: stable across retries (SFTP file names carry it). */
  createdAt: Date
  /** What the mapping produced for this department (JSON-serialisable). */
  body: unknown
  /** `body` as JSON, when the caller has serialised it already (sent as is by REST). */
  json?: string
}

/** What the department answered when it accepted the message. */
export interface Receipt {
  /** The department's own id for the message, when it returns one. */
  ackId?: string
  /** HTTP status or transport-specific status. */
  status?: number
  /** Short, non-personal summary of the response, kept with the delivery. */
  summary: string
}

/** Sends one mapped message to one department target. Throws DeliveryError. */
export interface Deliverer {
  readonly transport: 'rest' | 'soap' | 'sftp' | 'feed'
  deliver (message: OutboundMessage, signal: AbortSignal): Promise<Receipt>
  close? (): Promise<void>
}
