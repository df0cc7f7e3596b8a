/**
 * Coalesces the calls made in one turn of the event loop into one call of `run` (one database
 * statement for many deliveries instead of one each: under load, most of a statement's cost is
 * per statement, not per row). `run` answers in the order of its items, and must be atomic (one
 * statement): if it fails for a batch, each item is tried alone, so one bad item cannot fail the
 * others, and nothing of the failed batch has happened.
 */
export function tickBatcher<I, O> (run: (items: readonly I[]) => Promise<O[]>, maxBatch = 256): (item: I) => Promise<O> {
  type Waiter = { item: I, resolve: (o: O) => void, reject: (err: unknown) => void }
  const pending: Waiter[] = []
  let scheduled = false

  const schedule = (): void => {
    if (scheduled) return
    scheduled = true
    setImmediate(() => { scheduled = false; void flush() })
  }

  async function flush (): Promise<void> {
    const batch = pending.splice(0, maxBatch)
    if (pending.length > 0) schedule()
    if (batch.length === 0) return
    try {
      const out = await run(batch.map(w => w.item))
      batch.forEach((w, i) => { w.resolve(out[i]!) })
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err)
        return
      }
      // One after another: when the database is away, a batch of 256 must not become 256
      // statements at once.
      for (const w of batch) {
        try {
          w.resolve((await run([w.item]))[0]!)
        } catch (e) {
          w.reject(e)
        }
      }
    }
  }

  return async (item) => await new Promise<O>((resolve, reject) => {
    pending.push({ item, resolve, reject })
    schedule()
  })
}

/** One batcher per database handle (tests open many; a hub has one). */
export function perHandle<H extends object, I, O> (make: (handle: H) => (item: I) => Promise<O>): (handle: H) => (item: I) => Promise<O> {
  const batchers = new WeakMap<H, (item: I) => Promise<O>>()
  return (handle) => {
    let b = batchers.get(handle)
    if (b === undefined) {
      b = make(handle)
      batchers.set(handle, b)
    }
    return b
  }
}
