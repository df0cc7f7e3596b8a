import type { TargetConfig } from '../config/schema.js'

/**
 * How a target's deliveries leave the hub. `queue`: one BullMQ job per delivery (REST, SOAP,
 * SFTP per notice). `batch`: a node-cron job writes every due delivery into one SFTP file.
 * `feed`: nothing is pushed; the department pulls its feed and acknowledges by cursor.
 */
export type DeliveryMode = 'queue' | 'batch' | 'feed'

export function deliveryMode (t: Pick<TargetConfig, 'transport' | 'sftp'>): DeliveryMode {
  if (t.transport === 'feed') return 'feed'
  if (t.transport === 'sftp' && t.sftp?.mode === 'batch') return 'batch'
  return 'queue'
}
