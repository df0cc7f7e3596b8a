/**
 * National code tables the canonical records use.
 * @see GB/T 2261.1-2003 (gender), 《居民死亡医学证明（推断）书》 (ID type, death place)
 */

/** GB/T 2261.1: 1 男, 2 女, 0 未知的性别, 9 未说明的性别 */
export const GENDER = { '0': '未知的性别', '1': '男', '2': '女', '9': '未说明的性别' } as const
export type GenderCode = keyof typeof GENDER

/** ID document types printed on the death medical certificate. */
export const ID_TYPE = {
  '1': '身份证', '2': '户口簿', '3': '护照', '4': '军官证',
  '5': '驾驶证', '6': '港澳通行证', '7': '台湾通行证', '9': '其他'
} as const
export type IdTypeCode = keyof typeof ID_TYPE

/** Place of death on the death medical certificate. */
export const DEATH_PLACE = {
  '0': '不详', '1': '医疗机构', '2': '来院途中', '3': '家中', '4': '养老机构', '9': '其他'
} as const
export type DeathPlaceCode = keyof typeof DEATH_PLACE

/** The two circumstances the notice admits (home natural death; non-case death in hospital). */
export const DEATH_CIRCUMSTANCE = {
  'home-natural': '在家自然死亡',
  'hospital-non-case': '非案件类在医院死亡',
  other: '其他'
} as const
export type DeathCircumstance = keyof typeof DEATH_CIRCUMSTANCE
