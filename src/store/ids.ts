import { createHash } from 'node:crypto'

/**
 * Deterministic ids (DESIGN §3): the same inputs always give the same id, so every step can be
 * repeated safely. Ids are hashes of non-personal keys, or of the blind index, never of raw data.
 */
function digest (prefix: string, ...parts: Array<string | number>): string {
  return prefix + createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 22)
}

export const recordId = (kind: string, source: string, documentNo: string, version: number): string =>
  digest('rec_', kind, source, documentNo, version)

export const noticeId = (subjectKey: string): string => digest('ntc_', subjectKey)

export const deliveryId = (notice: string, target: string, event: string, version: number): string =>
  digest('dlv_', notice, target, event, version)
