import type { TargetConfig } from '../config/schema.js'
import type { Mapping } from '../mappings/mapping.js'
import type { Deliverer } from './deliverer.js'
import { createRestDeliverer } from './rest.js'
import { createSoapDeliverer } from './soap.js'

export type { Deliverer, OutboundMessage, Receipt } from './deliverer.js'
export { DeliveryError } from './delivery-error.js'
export { HttpDeliveryError } from './rest.js'

/** The one switch from a target's configured transport to its Deliverer. */
export function createDeliverer (target: TargetConfig, _mapping: Mapping): Deliverer {
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
    case 'feed':
      throw new Error(`传输方式 ${target.transport} 尚未实现 (target ${target.code})`)
  }
}
