import { describe, expect, it } from 'vitest'

import {
  closed,
  dropped,
  empty,
  failed,
  heldToken,
  started,
  succeeded,
  wakeAt,
  type CacheState,
  type Failing,
  type Fresh,
  type Held,
  type Refreshing,
  type Stale,
} from './cache-state.js'
import { createFlight } from './single-flight.js'

const second = 1000
const error = new Error('outage')
const flat = (): number => second

function held(name: string, expiresAt = 100 * second): Held {
  return heldToken({ token: `v1.${name}`, expiresAt }, 0, 0.9, 10 * second)
}

function fresh(token = held('a')): Fresh {
  return succeeded(empty, createFlight(1), token) as Fresh
}

function stale(): Stale {
  return failed(started(fresh(), createFlight(2)), error, 90 * second, flat) as Stale
}

function failing(): Failing {
  return failed(started(empty, createFlight(1)), error, 0, flat) as Failing
}

describe('heldToken', () => {
  it('puts the refresh point at refreshRatio of the lifetime since obtainedAt', () => {
    const token = heldToken({ token: 'v1.a', expiresAt: 200 * second }, 100 * second, 0.5, 10 * second)
    expect(token.refreshAt).toBe(150 * second)
    expect(token.marginAt).toBe(190 * second)
  })

  it('keeps the margin within half of the refresh window, so a short-lived token is still served', () => {
    const token = heldToken({ token: 'v1.a', expiresAt: 10 * second }, 0, 0.9, 10 * second)
    expect(token.refreshAt).toBe(9 * second)
    expect(token.marginAt).toBe(9.5 * second)
  })

  it('serves the token as one settled promise', async () => {
    const token = held('a')
    await expect(token.served).resolves.toBe(token.token)
  })
})

describe('start', () => {
  it('turns every idle state into refreshing with that flight, keeping the token and the failure', () => {
    const flight = createFlight(7)
    const fromStale = stale()
    for (const state of [empty, fresh(), fromStale, failing()]) {
      const next = started(state, flight)
      expect(next).toMatchObject({ name: 'refreshing', flight, held: state.held, failure: state.failure })
    }
    expect(started(fromStale, flight).failure?.count).toBe(1)
  })
})

describe('token', () => {
  it('makes the running flight refreshing → fresh, and forgets the failure', () => {
    const flight = createFlight(3)
    const token = held('b')
    const next = succeeded(started(stale(), flight), flight, token)
    expect(next).toEqual({ name: 'fresh', held: token, failure: undefined, flight: undefined })
  })

  it('keeps a newer flight running when a given-up flight delivers late', () => {
    const late = createFlight(1)
    const running = createFlight(2)
    const token = held('late')
    const next = succeeded(started(failing(), running), late, token)
    expect(next).toEqual({ name: 'refreshing', held: token, failure: undefined, flight: running })
  })

  it('makes an idle state fresh when a given-up flight delivers with nothing running', () => {
    const token = held('late')
    for (const state of [empty, stale(), failing()]) {
      expect(succeeded(state, createFlight(1), token)).toMatchObject({ name: 'fresh', held: token })
    }
  })

  it('leaves closed closed', () => {
    expect(succeeded(closed, createFlight(1), held('a'))).toBe(closed)
  })
})

describe('failure', () => {
  it('turns refreshing with a token into stale, retrying after the first backoff', () => {
    const token = held('a')
    const next = failed(started(fresh(token), createFlight(2)), error, 90 * second, (attempt) => {
      expect(attempt).toBe(0)
      return 800
    })
    expect(next).toEqual({
      name: 'stale',
      held: token,
      failure: { error, retryAt: 90 * second + 800, count: 1 },
      flight: undefined,
    })
  })

  it('turns refreshing without a token into failing', () => {
    const next = failed(started(empty, createFlight(1)), error, 5 * second, flat)
    expect(next).toEqual({
      name: 'failing',
      held: undefined,
      failure: { error, retryAt: 6 * second, count: 1 },
      flight: undefined,
    })
  })

  it('grows the backoff with each consecutive failure', () => {
    const attempts: number[] = []
    let state: Stale | Failing = failing()
    for (let index = 0; index < 3; index++) {
      state = failed(started(state, createFlight(index + 2)), error, 0, (attempt) => {
        attempts.push(attempt)
        return 1
      })
    }
    expect(attempts).toEqual([1, 2, 3])
    expect(state.failure.count).toBe(4)
  })
})

describe('drop', () => {
  it('turns fresh into empty and stale into failing, keeping the failure', () => {
    expect(dropped(fresh())).toBe(empty)
    const from = stale()
    expect(dropped(from)).toEqual({
      name: 'failing',
      held: undefined,
      failure: from.failure,
      flight: undefined,
    })
  })

  it('keeps a running flight and its failure, without the token', () => {
    const flight = createFlight(3)
    const from = started(stale(), flight)
    expect(dropped(from)).toEqual({
      name: 'refreshing',
      held: undefined,
      failure: from.failure,
      flight,
    } satisfies Refreshing)
  })

  it('changes nothing where no token is held', () => {
    const withoutToken: CacheState[] = [empty, failing(), closed, started(empty, createFlight(1))]
    for (const state of withoutToken) expect(dropped(state)).toBe(state)
  })
})

describe('wakeAt', () => {
  it('wakes a fresh token at its refresh point', () => {
    const token = held('a')
    expect(wakeAt(fresh(token))).toBe(token.refreshAt)
  })

  it('wakes a stale token at its retry time, or at its expiry when that comes first', () => {
    expect(wakeAt(stale())).toBe(91 * second)
    const soon = failed(started(fresh(held('a', 95 * second)), createFlight(2)), error, 90 * second, () => {
      return 60 * second
    })
    expect(wakeAt(soon)).toBe(95 * second)
  })

  it('sets no timer for the states that wait for a flight or a caller', () => {
    for (const state of [empty, failing(), closed, started(fresh(), createFlight(2))]) {
      expect(wakeAt(state)).toBeUndefined()
    }
  })
})
