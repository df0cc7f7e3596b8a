import type { TargetConfig } from './schema.js'

/** How long one attempt may take on the target's transport (a pull feed has no attempts). */
export function attemptTimeoutMs (t: TargetConfig): number {
  if (t.transport === 'rest') return t.rest?.timeoutMs ?? 0
  if (t.transport === 'soap') return t.soap?.timeoutMs ?? 0
  if (t.transport === 'sftp') return t.sftp?.timeoutMs ?? 0
  return 0
}
