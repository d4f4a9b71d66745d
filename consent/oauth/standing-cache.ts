// Whether a token still stands, kept between requests while nothing that decides it has changed. Asking on every
// request cost a round trip to PostgreSQL per request, which on a read by id was half of the hub's database work.
// What decides it (grants, Consents, revoked tokens) changes rarely, and every change is announced: migration 0012
// has PostgreSQL NOTIFY 'zorghub_standing' on commit of any change to those tables, by whoever made it. Each hub
// process LISTENs on a connection of its own and drops everything it keeps when a notification arrives.
//
// Safe by construction:
// - An answer is kept only while the listener is connected; while it is not (start-up, a lost connection until it
//   is back), every request asks the database, as before.
// - An answer is kept only if no change was announced while it was being asked, so a revocation racing the
//   question cannot leave a stale "stands" behind.
// - This process's own revocations drop the kept answers at once (OAuthStore, the FHIR plugin after a Consent is
//   written), without waiting for their notification: the next request of the revoked token is refused.
// - Another process's change applies once its notification arrives, a millisecond or so after its commit.
// - Nothing is kept longer than MAX_AGE_MS, in case a notification is ever lost without the connection dropping.
import postgres, { type Sql } from 'postgres';

export const STANDING_CHANNEL = 'zorghub_standing';
const MAX_ENTRIES = 10_000;
const MAX_AGE_MS = 60_000;
const RELISTEN_MS = 1_000;

export interface Standing {
  stands: boolean;
  readOnly: boolean;
}

export interface StandingLog {
  warn(object: object, message: string): void;
}

export class StandingCache {
  #entries = new Map<string, { standing: Standing; atMs: number }>();
  /** Bumped by every invalidation: an answer asked across a bump is not kept. */
  #generation = 0;
  #listening = false;
  #closed = false;
  #listener?: Sql;
  #retry?: NodeJS.Timeout;

  constructor(
    private readonly sql: Sql,
    private readonly log?: StandingLog,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Starts listening; until it does, and whenever it stops, nothing is kept. Never throws: it retries. */
  async start(): Promise<void> {
    if (this.#closed || this.#listener) return;
    this.#listener = postgres({
      ...this.sql.options,
      max: 1,
      idle_timeout: null,
      max_lifetime: null,
      fetch_types: false,
      onnotify: (channel: string) => {
        if (channel === STANDING_CHANNEL) this.invalidate();
      },
      onclose: () => {
        // Notifications sent while no connection listens are lost: keep nothing until listening again.
        this.#listening = false;
        this.invalidate();
        this.#relistenSoon();
      },
    } as unknown as postgres.Options<Record<string, postgres.PostgresType>>);
    await this.#listen();
  }

  async #listen(): Promise<void> {
    if (this.#closed || !this.#listener) return;
    try {
      await this.#listener.unsafe(`LISTEN ${STANDING_CHANNEL}`);
      this.invalidate();
      this.#listening = true;
    } catch (error) {
      this.log?.warn({ err: error }, 'token standing cache: LISTEN failed, every request asks the database until it works');
      this.#relistenSoon();
    }
  }

  #relistenSoon(): void {
    if (this.#closed || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#listen();
    }, RELISTEN_MS);
    this.#retry.unref();
  }

  /** Whether the cache is in force (listening). */
  get active(): boolean {
    return this.#listening;
  }

  /** The kept answer for `key`, or `ask()`'s, kept when it is safe to. */
  async get(key: string, ask: () => Promise<Standing>): Promise<Standing> {
    if (!this.#listening) return ask();
    const now = this.nowMs();
    const kept = this.#entries.get(key);
    if (kept && now - kept.atMs < MAX_AGE_MS) return kept.standing;
    const generation = this.#generation;
    const standing = await ask();
    if (generation === this.#generation && this.#listening) {
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, { standing, atMs: now });
    }
    return standing;
  }

  /** Drops every kept answer: something that decides standing has changed (or may have). */
  invalidate(): void {
    this.#generation++;
    this.#entries.clear();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listening = false;
    clearTimeout(this.#retry);
    this.#entries.clear();
    await this.#listener?.end({ timeout: 1 });
  }
}
