/** A copy of `base` with the value at the JSON pointer `pointer` replaced (`undefined` removes it). */
export function setAt<T> (base: T, pointer: string, value: unknown): T {
  const copy = structuredClone(base)
  place(copy, pointer, value)
  return copy
}

/** Sets the value at `pointer` in `target` itself, creating objects on the way. */
export function place (target: unknown, pointer: string, value: unknown): void {
  const keys = pointer.split('/').slice(1)
  let node = target as Record<string, unknown>
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {}
    node = node[key] as Record<string, unknown>
  }
  const last = keys.at(-1)!
  if (value === undefined) delete node[last]
  else node[last] = value
}

/** `{"a":{"a":…}}` `depth` levels deep, as text (JSON.stringify of such a value would recurse). */
export function nested (depth: number, open = '[', close = ']'): string {
  return open.repeat(depth) + close.repeat(depth)
}
