/** Waits for `work` at most `ms`: true when it settled (either way) in time, false otherwise. */
export async function settlesWithin (work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>(resolve => { timer = setTimeout(() => { resolve(false) }, ms) })
  try {
    return await Promise.race([work.then(() => true, () => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}
