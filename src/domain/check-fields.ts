/**
 * What every rule step (`kind: 'rule'`) of a document validator shares: the validator owns the
 * error list and the field labels, and the checks report into it through a `Fail`.
 */

/** Reports one failing field: JSON pointer, stable code, and the Chinese detail after the field's label. */
export type Fail<C extends string = string> = (pointer: string, code: C, detail: string) => void

/** `{ key: value }` when the value is present, `{}` otherwise: absent fields stay absent, never `undefined`. */
export function optional<K extends string, V> (key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}
