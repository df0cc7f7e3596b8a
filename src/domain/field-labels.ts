/**
 * Chinese names of the fields, keyed by JSON pointer, for the messages a funeral home operator
 * reads (DESIGN §5: field names are English in the API, Chinese in docs and error messages).
 */

export interface FieldInfo {
  /** How the field is called on the paper form, e.g. `逝者身份证号码`. */
  label: string
  /** The code table an `enum` field draws from, named in its error message. */
  codeTable?: string
  /** What a `pattern` means, in words, since a regular expression means nothing to an operator. */
  patternHint?: string
}

/** Pointer → field description. An entry for `/items/*` also describes `/items/0`, `/items/1`… */
export type FieldDictionary = Readonly<Record<string, FieldInfo>>

export const CREMATION_FIELDS: FieldDictionary = Object.freeze({
  '': { label: '请求体' },
  '/certificateNo': { label: '火化证明编号', patternHint: '只能包含字母、数字和“-”' },
  '/funeralHome': { label: '殡仪馆' },
  '/funeralHome/code': { label: '殡仪馆代码' },
  '/funeralHome/name': { label: '殡仪馆名称' },
  '/deceased': { label: '逝者信息' },
  '/deceased/name': { label: '逝者姓名' },
  /** @see GB/T 2261.1-2003 */
  '/deceased/gender': { label: '逝者性别', codeTable: 'GB/T 2261.1 代码表' },
  '/deceased/idType': { label: '逝者证件类型', codeTable: '死亡医学证明书证件类型代码表' },
  '/deceased/idNumber': { label: '逝者身份证号码' },
  '/deceased/birthDate': { label: '逝者出生日期' },
  '/deceased/ethnicity': { label: '逝者民族' },
  '/deceased/householdAddress': { label: '逝者户籍地址' },
  /** @see GB/T 2260 */
  '/deceased/householdDivision': {
    label: '逝者户籍地行政区划代码',
    patternHint: '应为 6 位 GB/T 2260 行政区划代码，首位不为 0'
  },
  '/deceased/policeStation': { label: '逝者户籍所在派出所' },
  '/deceased/policeStation/code': { label: '派出所代码' },
  '/deceased/policeStation/name': { label: '派出所名称' },
  '/death': { label: '死亡信息' },
  '/death/time': { label: '死亡时间' },
  '/death/place': { label: '死亡地点', codeTable: '死亡地点代码表' },
  '/death/circumstance': { label: '死亡情形', codeTable: '死亡情形代码表' },
  '/death/medicalCertificateNo': { label: '死亡医学证明编号' },
  '/cremation': { label: '火化信息' },
  '/cremation/time': { label: '火化时间' },
  '/cremation/operator': { label: '火化操作员' },
  '/informant': { label: '申报人' },
  '/informant/name': { label: '申报人姓名' },
  '/informant/relation': { label: '申报人与逝者关系' },
  '/informant/phone': { label: '申报人电话' },
  '/issuedAt': { label: '火化证明开具时间' }
})

/** The description of a pointer: an exact entry, else one with array indices as `*`. */
export function fieldInfo (pointer: string, fields: FieldDictionary = CREMATION_FIELDS): FieldInfo | undefined {
  return fields[pointer] ?? fields[pointer.replace(/\/\d+(?=\/|$)/g, '/*')]
}

/** The Chinese label of a pointer, or the pointer itself when the dictionary has none. */
export function fieldLabel (pointer: string, fields: FieldDictionary = CREMATION_FIELDS): string {
  return fieldInfo(pointer, fields)?.label ?? pointer
}
