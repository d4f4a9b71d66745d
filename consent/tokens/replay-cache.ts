// Client assertions are one-time (RFC 7523 3, SMART Backend Services): the hub remembers each jti until the
// assertion would have expired anyway, and refuses it a second time. The in-memory cache is right for one hub
// process only: with several processes behind a load balancer an assertion refused by one is accepted by the next,
// so they need a shared implementation (for instance a PostgreSQL table with a unique jti and its expiry, or
// Redis SET NX EX); `seen` may return a promise for that.

export interface ReplayCache {
  /**
   * Records `jti` until `expiresAt` (epoch seconds) and tells whether it was recorded already (a replay).
   * Check and record must be one atomic step, or two concurrent requests with the same jti both pass.
   */
  seen(jti: string, expiresAt: number): boolean | Promise<boolean>;
}

export class MemoryReplayCache implements ReplayCache {
  private readonly entries = new Map<string, number>();

  /** `clock`: when entries are forgotten; tests pass the same clock as the verification. */
  constructor(private readonly clock: () => Date = () => new Date()) {}

  seen(jti: string, expiresAt: number): boolean {
    this.forgetExpired();
    if (this.entries.has(jti)) {
      return true;
    }
    this.entries.set(jti, expiresAt);
    return false;
  }

  /** How many jti values are remembered now. */
  get size(): number {
    this.forgetExpired();
    return this.entries.size;
  }

  private forgetExpired(): void {
    const now = this.clock().getTime() / 1000;
    for (const [jti, expiresAt] of this.entries) {
      if (expiresAt <= now) {
        this.entries.delete(jti);
      }
    }
  }
}
