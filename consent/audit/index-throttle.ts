// When the audit trail's indexer works (audit-trail.ts): indexing a record as a searchable AuditEvent costs about
// as much as the read it records, so while the hub is busy it is put off. Busy means more than
// BUSY_RECORDS_PER_SECOND requests recorded (every request but the public ones is), not a busy event loop: indexing
// keeps the loop busy itself and would then pause for its own load. While busy, the indexer waits for a whole batch
// (one statement of 500 costs far less per record than many of a few), at most WAIT_MS, and after each batch
// pauses so that it takes at most DUTY of the time: it falls behind under load and catches up when the load drops.
// At DUTY it still indexes about a hundred records a second. Whoever waits for the index (a reader of AuditEvents,
// the shutdown) is never held up by any of this: the caller says so with `mayWait`.
export const BATCH = 500;
export const DUTY = 0.1;
export const WAIT_MS = 2_000;
export const BUSY_RECORDS_PER_SECOND = 50;
/** The longest pause after one batch. */
const MAX_PAUSE_MS = 5_000;
/** A look at the arrival rate shorter than this says nothing new. */
const MIN_LOOK_MS = 50;

export class IndexThrottle {
  #arrivals = 0;
  #since: number;
  #wasBusy = false;
  /** Records this process sealed that the index has not taken yet (other processes' are bounded by WAIT_MS). */
  #sealed = 0;
  #indexedAt: number;

  constructor(private readonly nowMs: () => number = () => performance.now()) {
    this.#since = nowMs();
    this.#indexedAt = this.#since;
  }

  /** Requests recorded. */
  arrived(count = 1): void {
    this.#arrivals += count;
  }

  /** Records sealed, now waiting for the index. */
  sealed(count: number): void {
    this.#sealed += count;
  }

  /** Records indexed. */
  indexed(count: number): void {
    this.#sealed = Math.max(0, this.#sealed - count);
    this.#indexedAt = this.nowMs();
  }

  /** Whether the hub was busy since the last look (a look shorter than MIN_LOOK_MS keeps the last answer). */
  busy(): boolean {
    const now = this.nowMs();
    const elapsed = now - this.#since;
    if (elapsed < MIN_LOOK_MS) return this.#wasBusy;
    this.#wasBusy = (this.#arrivals * 1000) / elapsed >= BUSY_RECORDS_PER_SECOND;
    this.#arrivals = 0;
    this.#since = now;
    return this.#wasBusy;
  }

  /** Whether the indexer should put off a round: busy, less than a batch waiting, and not waited WAIT_MS yet. */
  putOff(mayWait: boolean): boolean {
    return mayWait && this.#sealed < BATCH && this.nowMs() - this.#indexedAt < WAIT_MS && this.busy();
  }

  /** The pause after a whole batch that took `ms`: none unless busy and nobody waits. */
  pauseAfter(ms: number, mayWait: boolean): number {
    return mayWait && this.busy() ? Math.min(ms * (1 / DUTY - 1), MAX_PAUSE_MS) : 0;
  }
}
