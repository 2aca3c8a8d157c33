/** A clock that moves only when told to, shared by the token cache, the signer and the emulator. */
export interface VirtualClock {
  /** Milliseconds since the epoch, on the virtual time line. */
  readonly now: () => number
  readonly advance: (milliseconds: number) => void
}

/** Starts at the real time, so JWT `iat` and `exp` values stay plausible to anyone reading them. */
export function createVirtualClock(start = Date.now()): VirtualClock {
  let time = start
  return {
    now: () => time,
    advance: (milliseconds) => {
      time += milliseconds
    },
  }
}
