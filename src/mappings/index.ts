import { gonganRestMapping } from './gongan-rest.js'
import type { Mapping } from './mapping.js'
import { minzhengRestMapping } from './minzheng-rest.js'
import { yibaoRestMapping } from './yibao-rest.js'

export type { Mapping, MappingContext } from './mapping.js'
export { MappingError } from './mapping.js'
export { gonganRestMapping, minzhengRestMapping, yibaoRestMapping }

/** Every mapping a target's `mapping` setting may name. */
export const MAPPINGS: readonly Mapping[] = Object.freeze([
  gonganRestMapping,
  yibaoRestMapping,
  minzhengRestMapping
])

const byName = new Map<string, Mapping>(MAPPINGS.map((m) => [m.name, m]))

/** The mapping registered under `name` (e.g. `gongan-rest-v1`), or undefined. */
export function mappingByName (name: string): Mapping | undefined {
  return byName.get(name)
}
