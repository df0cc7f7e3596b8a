import soap from 'soap'
import { DeliveryError } from './delivery-error.js'

export type Wsdl = soap.Client['wsdl']

/** What the deliverer needs of a WSDL: the parsed document and the operation's body fields. */
export interface SoapContract {
  wsdl: Wsdl
  /** Child elements of the operation's input element, in schema (`xs:sequence`) order. */
  inputFields: readonly string[]
}

/** Keys node-soap's description adds beside the element names. */
const DESCRIPTION_META_KEYS = new Set(['targetNSAlias', 'targetNamespace'])

/**
 * Reads and parses a target's WSDL file and finds `operation` in it. Each call reads the file
 * afresh (node-soap's process-wide cache is bypassed), so a fixed file is picked up by the
 * next attempt. A WSDL that cannot be used is the hub's configuration problem, not the
 * department's: a retryable `config` error naming the file, so the delivery waits for ops
 * instead of going dead.
 */
export async function loadSoapContract (path: string, operation: string): Promise<SoapContract> {
  let client: soap.Client
  try {
    client = await soap.createClientAsync(path, { disableCache: true })
  } catch (err) {
    throw new DeliveryError(`无法加载 WSDL 文件 ${path}：${reasonOf(err)}`, true, 'config', undefined, { sentNothing: true })
  }
  const input = operationInput(client.describe(), operation)
  if (input === undefined) {
    throw new DeliveryError(`WSDL 文件 ${path} 中没有操作 ${operation}`, true, 'config', undefined, { sentNothing: true })
  }
  return {
    wsdl: client.wsdl,
    inputFields: Object.keys(input).filter(key => !DESCRIPTION_META_KEYS.has(key))
  }
}

/** `describe()` is service → port → operation → { input, output }. */
function operationInput (description: unknown, operation: string): object | undefined {
  for (const service of Object.values(description as Record<string, unknown>)) {
    for (const port of Object.values(service as Record<string, unknown>)) {
      const input = (port as Record<string, { input?: unknown } | undefined>)[operation]?.input
      if (input !== null && typeof input === 'object') return input
    }
  }
  return undefined
}

function reasonOf (err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  if (code === 'ENOENT') return '文件不存在'
  if (code === 'EACCES' || code === 'EPERM') return '没有读取权限'
  if (code === 'EISDIR') return '路径是目录而不是文件'
  // A parser's message names the line and column; it comes from our own file, never a person.
  const message = err instanceof Error ? err.message : String(err)
  return `不是有效的 WSDL（${message.replace(/\s+/g, ' ').trim().slice(0, 160)}）`
}
