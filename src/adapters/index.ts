import type { TargetConfig } from '../config/schema.js'
import { isFileMapping, type Mapping } from '../mappings/mapping.js'
import type { Deliverer } from './deliverer.js'
import { createRestDeliverer } from './rest.js'
import { createSftpDeliverer } from './sftp/sftp-deliverer.js'
import { createSoapDeliverer } from './soap.js'

export type { Deliverer, OutboundMessage, Receipt } from './deliverer.js'
export { DeliveryError } from './delivery-error.js'
export { HttpDeliveryError } from './rest.js'

/** The one switch from a target's configured transport to its Deliverer. */
export function createDeliverer (target: TargetConfig, mapping: Mapping, options: { timeZone?: string } = {}): Deliverer {
  switch (target.transport) {
    case 'rest':
      if (target.rest === undefined) {
        throw new Error(`target ${target.code} 的传输方式为 rest，但缺少 rest 配置`)
      }
      return createRestDeliverer(target)
    case 'soap':
      if (target.soap === undefined) throw new Error(`target ${target.code} 的传输方式为 soap，但缺少 soap 配置`)
      return createSoapDeliverer(target)
    case 'sftp':
      if (target.sftp === undefined) throw new Error(`target ${target.code} 的传输方式为 sftp，但缺少 sftp 配置`)
      if (!isFileMapping(mapping)) throw new Error(`target ${target.code} 的映射 ${mapping.name} 不是文件映射`)
      return createSftpDeliverer(target, mapping, options)
    case 'feed':
      // A feed is pulled by the department (src/routes/feeds.ts): nothing is pushed to it.
      throw new Error(`target ${target.code} 为拉取方式，不推送`)
  }
}
