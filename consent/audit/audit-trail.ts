// The audit trail as a service: records the AuditEvent of every request (audit-event.ts), seals the records into
// the hash chain, signs checkpoints of it, verifies it over a period, and prunes what is past retention.
// A record is first put into the inbox (migration 0010): reads by group commit (the records of requests finishing
// in the same turn of the event loop go into one statement, and each response waits for it, so no data leaves the
// hub without its record, and a failed record fails the request with 500); writes with the write itself (its
// transaction, or a single create's group commit: server/fhir/plugin.ts, create-batcher.ts), so write and record
// commit together or not at all; the record's content hash is computed then. The sealer then chains the hashes, in
// the background, in batches, under the chain's lock (server/storage/pg/audit-log.ts): no request holds that lock
// across its commit any more; the indexer later makes the sealed records searchable AuditEvents. Whatever reads
// AuditEvents first calls sealPending(), so it sees every record committed before it started.
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { Sql } from 'postgres';
import type { HubKeys } from '../keys/hub-keys.js';
import { BackgroundWork } from './background-work.js';
import { BATCH as INDEX_BATCH, IndexThrottle } from './index-throttle.js';
import type { AuditSink } from '../../server/contracts/audit-record.js';
import type { StorageRepository } from '../../server/storage/storage-repository.js';
import type { AuditRecord } from '../../server/contracts/audit-record.js';
import {
  AUDIT_INDEX_LOCK,
  AUDIT_LOCK,
  auditUnsealedHead,
  auditUnsealedHolds,
  auditUnsealedSize,
  auditInboxTail,
  auditRecordTexts,
  auditUnindexedUpTo,
  indexAuditTrail,
  sealAuditInbox,
  sha256Hex,
  INBOX_STATEMENT_RECORDS,
} from '../../server/storage/pg/audit-log.js';

/** Records per sealing transaction. */
const SEAL_BATCH = 1000;
/** How long the sealer waits after a record arrives, so that under load one seal carries many records. */
const SEAL_DELAY_MS = 20;
/** After a failed seal, the next attempt. */
const SEAL_RETRY_MS = 1000;
/** How often a put-off indexer looks again (index-throttle.ts). */
const INDEX_POLL_MS = 100;
const CHECKPOINT_TYP = 'zorghub-audit-checkpoint+jwt';
const GENESIS = '0'.repeat(64);

export interface AuditTrailOptions {
  /** The hub's base URL, for the AuditEvents' search values (references to it are local). */
  baseUrl?: string;
  /** Where sealing failures are logged (never an event's content). */
  log?: Pick<FastifyBaseLogger, 'error' | 'warn'>;
}

interface ChainBreak {
  seq: number;
  eventId?: string;
  reason: string;
}

export interface Verification {
  intact: boolean;
  checked: number;
  checkpoints: number;
  firstBreak?: ChainBreak;
  /** Checkpoints signed by a key the hub no longer holds: their signature could not be checked. */
  unverifiable: number;
  /** Records still in the inbox after verify sealed: only ones committed after it began. */
  pending: number;
}

interface TrailRow {
  seq: string;
  event_id: string;
  content_hash: string;
  previous_hash: string;
  chain_hash: string;
}

export class AuditTrail implements AuditSink {
  #pending: { record: AuditRecord; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #scheduled = false;
  #flushing = false;
  #closed = false;
  /** Readers waiting for the index: while there are any, indexing runs unthrottled. */
  #urgent = 0;
  readonly #throttle = new IndexThrottle();

  constructor(
    private readonly sql: Sql,
    private readonly repository: StorageRepository,
    private readonly keys: HubKeys,
    private readonly now: () => Date = () => new Date(),
    private readonly options: AuditTrailOptions = {},
  ) {}

  /**
   * Records outside any transaction, by group commit: one statement at a time writes every record that arrived
   * while the previous one ran (at most one inbox statement's worth), so under load a commit carries many records.
   */
  record(record: AuditRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ record, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (!this.#scheduled && !this.#flushing && this.#pending.length) {
      this.#scheduled = true;
      setImmediate(() => void this.#flush());
    }
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    this.#flushing = true;
    const batch = this.#pending.splice(0, INBOX_STATEMENT_RECORDS);
    try {
      await this.repository.appendAudit(batch.map((entry) => entry.record));
      for (const entry of batch) entry.resolve();
      this.#throttle.arrived(batch.length - 1); // sealSoon() counts one
      this.sealSoon();
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.#flushing = false;
      this.#schedule();
    }
  }

  /** Tells the sealer that records were committed to the inbox (the access seam calls it after a write commits). */
  sealSoon(delayMs = SEAL_DELAY_MS): void {
    this.#throttle.arrived();
    this.#sealer.soon(delayMs);
  }

  /** Tells the indexer that sealed records wait (the sealer does after each round). */
  indexSoon(): void {
    this.#indexer.soon();
  }

  // Message and code only: PostgreSQL's detail of a failed row would hold the record's text.
  #failed =
    (what: string) =>
    (error: unknown): void => {
      const { message, code } = error as { message?: string; code?: string };
      this.options.log?.error({ err: { message, code } }, `${what} audit records failed; retrying`);
    };

  /** Seals until the inbox is empty (other processes' sealers take the same lock), then wakes the indexer. */
  readonly #sealer = new BackgroundWork(
    async () => {
      for (;;) {
        const sealed = await sealAuditInbox(this.sql, SEAL_BATCH);
        this.#throttle.sealed(sealed);
        if (sealed < SEAL_BATCH) break;
      }
      this.indexSoon();
    },
    this.#failed('sealing'),
    SEAL_DELAY_MS,
    SEAL_RETRY_MS,
  );

  /** Indexes until no sealed record waits; while the hub is busy, in whole batches and a tenth of the time (index-throttle.ts). */
  readonly #indexer = new BackgroundWork(
    async () => {
      for (;;) {
        if (this.#throttle.putOff(this.#mayWait())) {
          this.#indexer.soon(INDEX_POLL_MS);
          return;
        }
        const started = performance.now();
        const indexed = await indexAuditTrail(
          this.sql,
          INDEX_BATCH,
          { baseUrl: this.options.baseUrl },
          this.#indexError,
        );
        this.#throttle.indexed(indexed);
        if (indexed < INDEX_BATCH) break;
        await this.#pause(this.#throttle.pauseAfter(performance.now() - started, this.#mayWait()));
      }
    },
    this.#failed('indexing'),
    SEAL_DELAY_MS,
    SEAL_RETRY_MS,
  );

  /** Waits `ms`, or less if somebody starts waiting for the index. */
  async #pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (!this.#mayWait()) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve();
        }
      }, 10);
      const timer = setTimeout(() => {
        clearInterval(poll);
        resolve();
      }, ms);
    });
  }

  /** Nobody waits for the index (a reader of AuditEvents, the shutdown). */
  #mayWait(): boolean {
    return this.#urgent === 0 && !this.#closed;
  }

  #indexError = (eventId: string, error: unknown): void => {
    this.options.log?.warn(
      { err: { message: (error as Error).message }, eventId },
      'an audit record was sealed without search values',
    );
  };

  /**
   * Read-your-audit: returns once every record committed to the inbox before the call is sealed (by this process
   * or another). Anything that reads AuditEvents or the chain calls it first (sealed-reads.ts, verify, prune).
   */
  async sealPending(): Promise<void> {
    const head = await auditUnsealedHead(this.sql);
    while (head !== undefined && (await auditUnsealedHolds(this.sql, head))) {
      await this.#sealer.run();
    }
    // Then the index: every record sealed so far becomes a searchable AuditEvent before the reader goes on.
    const tail = await auditInboxTail(this.sql);
    if (tail === undefined) return;
    this.#urgent++;
    try {
      while (await auditUnindexedUpTo(this.sql, tail)) {
        await this.#indexer.run();
      }
    } finally {
      this.#urgent--;
    }
  }

  /** On shutdown: seals what is there, then stops the background sealer (a record after this waits for the next start). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#sealer.stop();
    this.#indexer.stop();
    await this.#sealer.run();
    await this.#indexer.run();
  }

  /** Signs the chain's current head, unless the last checkpoint already covers it. Returns its seq, if one was made. */
  async checkpoint(
    kind: 'interval' | 'prune' = 'interval',
    at?: { seq: number; chainHash: string },
  ): Promise<number | undefined> {
    const head = at ?? (await this.#head());
    if (!head) {
      return undefined;
    }
    const [last] = await this.sql<{ seq: string }[]>`SELECT seq FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`;
    if (kind === 'interval' && last && Number(last.seq) >= head.seq) {
      return undefined;
    }
    const jws = await this.keys.sign(
      { seq: head.seq, chain_hash: head.chainHash, kind, iat: Math.floor(this.now().getTime() / 1000) },
      { typ: CHECKPOINT_TYP },
    );
    await this.sql`
      INSERT INTO audit_checkpoints (seq, chain_hash, kind, jws, created) VALUES (${head.seq}, ${head.chainHash}, ${kind}, ${jws}, ${this.now()})
      ON CONFLICT (seq) DO NOTHING`;
    return head.seq;
  }

  async #head(): Promise<{ seq: number; chainHash: string } | undefined> {
    const [row] = await this.sql<
      { seq: string; chain_hash: string }[]
    >`SELECT seq, chain_hash FROM audit_trail ORDER BY seq DESC LIMIT 1`;
    return row ? { seq: Number(row.seq), chainHash: row.chain_hash } : undefined;
  }

  /**
   * Walks the chain from its start (or the last prune) through every record recorded until `end`, checking each
   * record's content against its hash, each link against its predecessor, every seq present, and every signed
   * checkpoint on the way. `start` limits the report to records from then on; the walk always begins at the
   * chain's anchor, since a break before `start` would otherwise hide.
   */
  async verify(options: { start?: Date; end?: Date } = {}): Promise<Verification> {
    await this.sealPending();
    const pending = await auditUnsealedSize(this.sql);
    const checkpoints = await this.sql<{ seq: string; chain_hash: string; kind: string; jws: string }[]>`
      SELECT seq, chain_hash, kind, jws FROM audit_checkpoints ORDER BY seq`;
    const result: Verification = { intact: true, checked: 0, checkpoints: 0, unverifiable: 0, pending };
    const fail = (seq: number, reason: string, eventId?: string): Verification => ({
      ...result,
      intact: false,
      firstBreak: { seq, eventId, reason },
    });
    const signed = new Map<number, { chainHash: string; kind: string }>();
    for (const checkpoint of checkpoints) {
      try {
        const { payload } = await this.keys.verify(checkpoint.jws, { typ: CHECKPOINT_TYP });
        if (
          payload.seq !== Number(checkpoint.seq) ||
          payload.chain_hash !== checkpoint.chain_hash ||
          payload.kind !== checkpoint.kind
        ) {
          return fail(Number(checkpoint.seq), 'a checkpoint row does not match what its signature says');
        }
      } catch (error) {
        if ((error as { reason?: string }).reason === 'unknown-key') {
          result.unverifiable++;
        } else {
          return fail(Number(checkpoint.seq), `a checkpoint's signature does not verify (${(error as Error).message})`);
        }
      }
      signed.set(Number(checkpoint.seq), { chainHash: checkpoint.chain_hash, kind: checkpoint.kind });
    }
    // The anchor: the last prune checkpoint (the chain resumes after it), or the genesis hash.
    const prune = [...signed.entries()].filter(([, c]) => c.kind === 'prune').pop();
    let previousSeq = prune ? prune[0] : 0;
    let previousHash = prune ? prune[1].chainHash : GENESIS;
    const startMs = options.start?.getTime();
    // Seal order is chain order, so `recorded` is not monotonic in seq (a record that committed late has an earlier
    // time than the one before it): walk every seq up to the last one recorded by `end`, count those in the period.
    const endMs = options.end?.getTime();
    const [last] = options.end
      ? await this.sql<
          { seq: string | null }[]
        >`SELECT max(seq) AS seq FROM audit_trail WHERE recorded <= ${options.end}`
      : [{ seq: null }];
    const lastSeq = options.end ? Number(last.seq ?? previousSeq) : Number.MAX_SAFE_INTEGER;
    for (;;) {
      const rows = await this.sql<(TrailRow & { recorded: Date })[]>`
        SELECT seq, recorded, event_id, content_hash, previous_hash, chain_hash FROM audit_trail
        WHERE seq > ${previousSeq} AND seq <= ${lastSeq}
        ORDER BY seq LIMIT 2000`;
      if (rows.length === 0) break;
      const texts = await auditRecordTexts(
        this.sql,
        rows.map((row) => row.event_id),
      );
      for (const row of rows) {
        const seq = Number(row.seq);
        if (seq !== previousSeq + 1) {
          return fail(previousSeq + 1, `record ${previousSeq + 1} is missing from the chain`);
        }
        if (row.previous_hash !== previousHash) {
          return fail(
            seq,
            'the link to the previous record does not match: a record before it was altered or removed',
            row.event_id,
          );
        }
        const content = texts.get(row.event_id);
        if (content === undefined) {
          return fail(seq, 'the AuditEvent of this record is gone', row.event_id);
        }
        if (sha256Hex(content) !== row.content_hash) {
          return fail(seq, 'the AuditEvent was altered after it was recorded', row.event_id);
        }
        if (sha256Hex(previousHash + row.content_hash) !== row.chain_hash) {
          return fail(seq, "the record's chain hash was altered", row.event_id);
        }
        const checkpoint = signed.get(seq);
        if (checkpoint && checkpoint.chainHash !== row.chain_hash) {
          return fail(seq, 'the chain differs from what a signed checkpoint says: the log was rewritten', row.event_id);
        }
        if (checkpoint) result.checkpoints++;
        const at = row.recorded.getTime();
        if ((startMs === undefined || at >= startMs) && (endMs === undefined || at <= endMs)) result.checked++;
        previousSeq = seq;
        previousHash = row.chain_hash;
      }
    }
    // Up to now (no end given), a checkpoint beyond the last record means records were removed from the end.
    const beyond = options.end === undefined ? [...signed.keys()].find((seq) => seq > previousSeq) : undefined;
    if (beyond !== undefined) {
      return fail(
        previousSeq + 1,
        `a signed checkpoint covers record ${beyond}, but the chain ends at ${previousSeq}: records were removed`,
      );
    }
    return result;
  }

  /**
   * Removes the records recorded before `before` (their AuditEvents with them) and signs a prune checkpoint where
   * the chain resumes, so that verification still passes. Returns how many were removed.
   */
  async prune(before: Date): Promise<{ removed: number; upTo?: number }> {
    await this.sealPending();
    return this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`;
      await tx`SELECT pg_advisory_xact_lock(${AUDIT_INDEX_LOCK})`;
      const [last] = await tx<{ seq: string; chain_hash: string }[]>`
        SELECT seq, chain_hash FROM audit_trail WHERE recorded < ${before} ORDER BY seq DESC LIMIT 1`;
      if (!last) {
        return { removed: 0 };
      }
      const ids = (await tx<{ event_id: string }[]>`SELECT event_id FROM audit_trail WHERE seq <= ${last.seq}`).map(
        (r) => r.event_id,
      );
      for (const table of [
        'search_string',
        'search_date',
        'search_number',
        'search_quantity',
        'search_reference',
        'search_uri',
      ]) {
        await tx`DELETE FROM ${tx(table)} WHERE resource_type = 'AuditEvent' AND resource_id = ANY(${ids}::text[])`;
      }
      await tx`DELETE FROM resource_history WHERE resource_type = 'AuditEvent' AND id = ANY(${ids}::text[])`;
      await tx`DELETE FROM "AuditEvent" WHERE id = ANY(${ids}::text[])`;
      await tx`DELETE FROM audit_trail WHERE seq <= ${last.seq}`;
      const seq = Number(last.seq);
      const jws = await this.keys.sign(
        { seq, chain_hash: last.chain_hash, kind: 'prune', iat: Math.floor(this.now().getTime() / 1000) },
        { typ: CHECKPOINT_TYP },
      );
      await tx`DELETE FROM audit_checkpoints WHERE seq <= ${seq}`;
      await tx`INSERT INTO audit_checkpoints (seq, chain_hash, kind, jws, created) VALUES (${seq}, ${last.chain_hash}, 'prune', ${jws}, ${this.now()})`;
      return { removed: ids.length, upTo: seq };
    }) as Promise<{ removed: number; upTo?: number }>;
  }
}
