/**
 * A stack of clean-up steps (drop the database, delete Redis keys, close servers, stop
 * children) that runs in reverse order when the bench ends, fails or is interrupted.
 */
export class Cleanup {
  private readonly steps: Array<{ name: string, fn: () => Promise<void> | void }> = []

  add (name: string, fn: () => Promise<void> | void): () => Promise<void> {
    const step = { name, fn }
    this.steps.push(step)
    // Runs this step now (and only once), e.g. at the end of one trial.
    return async () => {
      const i = this.steps.indexOf(step)
      if (i < 0) return
      this.steps.splice(i, 1)
      await runStep(step)
    }
  }

  async run (): Promise<void> {
    while (this.steps.length > 0) await runStep(this.steps.pop()!)
  }
}

async function runStep (step: { name: string, fn: () => Promise<void> | void }): Promise<void> {
  try {
    await step.fn()
  } catch (err) {
    console.error(`cleanup "${step.name}" failed: ${(err as Error).message}`)
  }
}

/**
 * Runs `main` with a clean-up stack; on Ctrl-C / SIGTERM the stack still runs before exiting.
 * Sets a non-zero exit code when `main` throws.
 */
export async function withCleanup<T> (main: (cleanup: Cleanup) => Promise<T>): Promise<T | undefined> {
  const cleanup = new Cleanup()
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`\n${signal}: cleaning up…`)
    void cleanup.run().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    return await main(cleanup)
  } catch (err) {
    console.error(err)
    process.exitCode = 1
    return undefined
  } finally {
    await cleanup.run()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
