import { describe, expect, it } from 'vitest'
import { abortable } from './abortable.js'

/** Collects the process's unhandled rejections while `run` and a few turns of the event loop go by. */
async function unhandledDuring(run: () => Promise<unknown>): Promise<unknown[]> {
  const reasons: unknown[] = []
  const listener = (reason: unknown): void => {
    reasons.push(reason)
  }
  process.prependListener('unhandledRejection', listener)
  try {
    await run()
    await new Promise((resolve) => setTimeout(resolve, 20))
  } finally {
    process.off('unhandledRejection', listener)
  }
  return reasons
}

describe('abortable', () => {
  it('settles with the promise when no signal is given', async () => {
    await expect(abortable(Promise.resolve(1), undefined)).resolves.toBe(1)
  })

  it('rejects with the reason of a signal that aborts first', async () => {
    const controller = new AbortController()
    const reason = new Error('caller gave up')
    const waiting = abortable(new Promise(() => undefined), controller.signal)
    controller.abort(reason)
    await expect(waiting).rejects.toBe(reason)
  })

  it('leaves no unhandled rejection behind when the signal was already aborted', async () => {
    const reason = new Error('caller gave up')
    const failing = Promise.reject(new Error('the source failed'))
    const unhandled = await unhandledDuring(async () => {
      await expect(abortable(failing, AbortSignal.abort(reason))).rejects.toBe(reason)
    })
    expect(unhandled).toEqual([])
  })
})
