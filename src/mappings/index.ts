import { canlianCsvMapping } from './canlian-csv.js'
import { gongjijinCsvMapping } from './gongjijin-csv.js'
import { gonganRestMapping } from './gongan-rest.js'
import type { Mapping } from './mapping.js'
import { minzhengRestMapping } from './minzheng-rest.js'
import { rensheSoapMapping } from './renshe-soap.js'
import { tuiyiFeedMapping } from './tuiyi-feed.js'
import { yibaoRestMapping } from './yibao-rest.js'

export type { Corroboration, FileColumn, FileMapping, Mapping, MappingContext } from './mapping.js'
export { isFileMapping, MappingError } from './mapping.js'
export type { GonganNotice } from './gongan-rest.js'
export type { MinzhengNotice } from './minzheng-rest.js'
export type { RensheNotice } from './renshe-soap.js'
export type { TuiyiNotice } from './tuiyi-feed.js'
export type { YibaoNotice } from './yibao-rest.js'
export { CANLIAN_COLUMNS } from './canlian-csv.js'
export { GONGJIJIN_COLUMNS } from './gongjijin-csv.js'
export {
  canlianCsvMapping,
  gongjijinCsvMapping,
  gonganRestMapping,
  minzhengRestMapping,
  rensheSoapMapping,
  tuiyiFeedMapping,
  yibaoRestMapping
}

/** Every mapping a target's `mapping` setting may name. */
export const MAPPINGS: readonly Mapping[] = Object.freeze([
  gonganRestMapping,
  rensheSoapMapping,
  yibaoRestMapping,
  gongjijinCsvMapping,
  minzhengRestMapping,
  canlianCsvMapping,
  tuiyiFeedMapping
])

const byName = new Map<string, Mapping>(MAPPINGS.map((m) => [m.name, m]))

/** The mapping registered under `name` (e.g. `gongan-rest-v1`), or undefined. */
export function mappingByName (name: string): Mapping | undefined {
  return byName.get(name)
}
