// What the consent layer decides per caller, kept between requests while nothing it rests on changes. Asking on every
// request cost round trips to PostgreSQL per request: whether the token still stands (grant, Consent, revocation:
// half of a read's database work) and, for the roles client directives concern, the caller's Organization and the
// directives naming it (two searches). What these rest on changes rarely, and every change is announced: migrations
// 0012 and 0014 have PostgreSQL NOTIFY 'zorghub_standing' on commit of any change to grants, revoked tokens,
// Consents and Organizations, by whoever made it. Each hub process LISTENs on a connection of its own
// (ConsentChanges) and its caches (KeptAnswers) drop everything they keep when a notification arrives.
//
// Safe by construction:
// - An answer is kept only while the listener is connected; while it is not (start-up, a lost connection until it
//   is back), every request asks the database, as before.
// - An answer is kept only if no change was announced while it was being asked, so a revocation racing the
//   question cannot leave a stale "stands" behind.
// - This process's own changes drop the kept answers at once (OAuthStore's revocations, the FHIR plugin after it
//   wrote a Consent or an Organization: changedHere()), without waiting for their notification: the next request
//   sees them.
// - Another process's change applies once its notification arrives, a millisecond or so after its commit.
// - Nothing is kept longer than maxAgeMs, in case a notification is ever lost without the connection dropping.
import postgres, { type Sql } from 'postgres';

const CHANGES_CHANNEL = 'zorghub_standing';
const RELISTEN_MS = 1_000;

export interface ChangesLog {
  warn(object: object, message: string): void;
}

/** The listener: tells its caches when what they keep may have changed, and whether they may keep anything. */
export class ConsentChanges {
  readonly #caches = new Set<KeptAnswers<unknown>>();
  #listening = false;
  #closed = false;
  #listener?: Sql;
  #retry?: NodeJS.Timeout;

  constructor(
    private readonly sql: Sql,
    private readonly log?: ChangesLog,
    /** Tests listen on a channel nobody announces on, to see what this process's own changes do alone. */
    private readonly channel = CHANGES_CHANNEL,
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
        if (channel === this.channel) this.changedHere();
      },
      onclose: () => {
        // Notifications sent while no connection listens are lost: keep nothing until listening again.
        this.#listening = false;
        this.changedHere();
        this.#relistenSoon();
      },
    } as unknown as postgres.Options<Record<string, postgres.PostgresType>>);
    await this.#listen();
  }

  async #listen(): Promise<void> {
    if (this.#closed || !this.#listener) return;
    try {
      await this.#listener.unsafe(`LISTEN ${this.channel}`);
      this.changedHere();
      this.#listening = true;
    } catch (error) {
      this.log?.warn({ err: error }, 'consent caches: LISTEN failed, every request asks the database until it works');
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

  /** Whether the caches are in force (listening). */
  get active(): boolean {
    return this.#listening;
  }

  /** Something the caches rest on has changed (or may have): every kept answer goes. */
  changedHere(): void {
    for (const cache of this.#caches) cache.invalidate();
  }

  /** @internal KeptAnswers registers itself. */
  register(cache: KeptAnswers<unknown>): void {
    this.#caches.add(cache);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listening = false;
    clearTimeout(this.#retry);
    this.changedHere();
    await this.#listener?.end({ timeout: 1 });
  }
}

/** One cache of answers by key, dropped whenever ConsentChanges says so. */
export class KeptAnswers<T> {
  #entries = new Map<string, { answer: T; atMs: number }>();
  /** Bumped by every invalidation: an answer asked across a bump is not kept. */
  #generation = 0;

  constructor(
    private readonly changes: ConsentChanges,
    private readonly limits: { maxEntries: number; maxAgeMs: number } = { maxEntries: 10_000, maxAgeMs: 60_000 },
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    changes.register(this as KeptAnswers<unknown>);
  }

  /** The kept answer for `key`, or `ask()`'s, kept when it is safe to. */
  async get(key: string, ask: () => Promise<T>): Promise<T> {
    if (!this.changes.active) return ask();
    const now = this.nowMs();
    const kept = this.#entries.get(key);
    if (kept && now - kept.atMs < this.limits.maxAgeMs) return kept.answer;
    const generation = this.#generation;
    const answer = await ask();
    if (generation === this.#generation && this.changes.active) {
      if (this.#entries.size >= this.limits.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, { answer, atMs: now });
    }
    return answer;
  }

  invalidate(): void {
    this.#generation++;
    this.#entries.clear();
  }
}
