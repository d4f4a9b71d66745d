// The audit trail as a service: records every access (access-record.ts) in the audit log, seals the records into
// the hash chain, signs checkpoints of it, verifies it over a period, and prunes what is past retention.
// A record is written as one row of the log (server/storage/pg/audit-log.ts, migration 0015): reads by group
// commit (the records of requests finishing in the same turn of the event loop go into one statement, and each
// response waits for it, so no data leaves the hub without its record, and a failed record fails the request with
// 500); writes with the write itself (its transaction, or a single create's group commit: create-batcher.ts), so
// write and record commit together or not at all. The row is searchable the moment it commits. The sealer then
// chains the records' hashes, in the background, in batches, under the chain's lock: the only deferred work,
// a hash and a narrow row per record, so it keeps up with any rate the hub can record at (lag() measures it).
import type { FastifyBaseLogger } from 'fastify';
import type { Sql } from 'postgres';
import type { HubKeys } from '../keys/hub-keys.js';
import { BackgroundWork } from './background-work.js';
import type { AuditRecord, AuditSink } from '../../server/contracts/audit-record.js';
import type { StorageRepository } from '../../server/storage/storage-repository.js';
import {
  AUDIT_LOCK,
  INBOX_STATEMENT_RECORDS,
  auditContentHash,
  auditContents,
  auditPartitions,
  auditUnsealed,
  auditUnsealedHead,
  auditUnsealedHolds,
  ensureAuditPartitions,
  sealAuditLog,
  sha256Hex,
} from '../../server/storage/pg/audit-log.js';

/** Records per sealing transaction. */
const SEAL_BATCH = 1000;
/** How long the sealer waits after a record arrives, so that under load one seal carries many records. */
const SEAL_DELAY_MS = 20;
/** After a failed seal, the next attempt. */
const SEAL_RETRY_MS = 1000;
const CHECKPOINT_TYP = 'zorghub-audit-checkpoint+jwt';
const GENESIS = '0'.repeat(64);

export interface AuditTrailOptions {
  /** Where sealing failures are logged (never an event's content). */
  log?: Pick<FastifyBaseLogger, 'error' | 'warn'>;
  /**
   * The retention period (HUB_AUDIT_RETENTION_MONTHS): a record older than this may be gone (a partition dropped
   * for retention) without breaking verification; a younger one may not.
   */
  retentionMonths?: number;
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
  /** Records not sealed yet after verify sealed: only ones committed after it began. */
  pending: number;
  /** Records past the retention period that are gone from the log (removed for retention, their links kept). */
  expired: number;
}

/** What the sealer has still to do: the deferred work of the trail (a gauge for /readyz and /metrics). */
export interface AuditLag {
  /** Committed records not chained yet. */
  unsealed: number;
  /** How long the oldest of them has waited, in seconds (0 when none). */
  oldestSeconds: number;
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
      this.sealSoon();
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.#flushing = false;
      this.#schedule();
    }
  }

  /** Tells the sealer that records were committed to the log (the access seam calls it after a write commits). */
  sealSoon(delayMs = SEAL_DELAY_MS): void {
    if (!this.#closed) this.#sealer.soon(delayMs);
  }

  // Message and code only: PostgreSQL's detail of a failed row would hold the record's text.
  #failed =
    (what: string) =>
    (error: unknown): void => {
      const { message, code } = error as { message?: string; code?: string };
      this.options.log?.error({ err: { message, code } }, `${what} audit records failed; retrying`);
    };

  /** Seals until nothing committed waits (other processes' sealers take the same lock). */
  readonly #sealer = new BackgroundWork(
    async () => {
      for (;;) {
        const sealed = await sealAuditLog(this.sql, SEAL_BATCH);
        if (sealed < SEAL_BATCH) break;
      }
    },
    this.#failed('sealing'),
    SEAL_DELAY_MS,
    SEAL_RETRY_MS,
  );

  /** The sealer's backlog now. */
  async lag(): Promise<AuditLag> {
    const { count, oldest } = await auditUnsealed(this.sql);
    const oldestSeconds = oldest ? Math.max(0, (this.now().getTime() - oldest.getTime()) / 1000) : 0;
    return { unsealed: count, oldestSeconds };
  }

  /** Makes the log's partitions for this month and the next (and for rows that landed in the default one). */
  async preparePartitions(): Promise<string[]> {
    return ensureAuditPartitions(this.sql, this.now());
  }

  /**
   * Returns once every record committed before the call is sealed into the chain (by this process or another).
   * Verification and pruning call it first. Reads need not: a record is in the log the moment it commits.
   */
  async sealPending(): Promise<void> {
    const head = await auditUnsealedHead(this.sql);
    while (head !== undefined && (await auditUnsealedHolds(this.sql, head))) {
      await this.#sealer.run();
    }
  }

  /** On shutdown: seals what is there, then stops the background sealer (a record after this waits for the next start). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#sealer.stop();
    await this.#sealer.run();
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
    const pending = (await auditUnsealed(this.sql)).count;
    const checkpoints = await this.sql<{ seq: string; chain_hash: string; kind: string; jws: string }[]>`
      SELECT seq, chain_hash, kind, jws FROM audit_checkpoints ORDER BY seq`;
    const result: Verification = { intact: true, checked: 0, checkpoints: 0, unverifiable: 0, pending, expired: 0 };
    const retainedFrom = this.#retainedFrom();
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
      const contents = await auditContents(
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
        const content = contents.get(row.event_id);
        if (content === undefined && retainedFrom !== undefined && row.recorded < retainedFrom) {
          result.expired++; // past retention: its removal is allowed (its link still proves where it stood)
        } else if (content === undefined) {
          return fail(seq, 'the AuditEvent of this record is gone', row.event_id);
        } else if (auditContentHash(content) !== row.content_hash) {
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
    // A record in the log that the chain does not know (nor the sealer's queue): inserted behind the hub's back.
    const [inserted] = await this.sql<{ id: string }[]>`
      SELECT l.id::text AS id FROM audit_log l
      WHERE NOT EXISTS (SELECT 1 FROM audit_trail t WHERE t.event_id = l.id::text)
        AND NOT EXISTS (SELECT 1 FROM audit_unsealed u WHERE u.event_id = l.id::text)
      LIMIT 1`;
    if (inserted) {
      return fail(previousSeq + 1, 'a record in the audit log is not in the chain: it was inserted', inserted.id);
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

  /** The start of the retention period, when one is set. */
  #retainedFrom(): Date | undefined {
    if (this.options.retentionMonths === undefined) return undefined;
    const from = this.now();
    from.setUTCMonth(from.getUTCMonth() - this.options.retentionMonths);
    return from;
  }

  /**
   * Removes the records recorded before `before` and signs a prune checkpoint where the chain resumes, so that
   * verification still passes: whole partitions that end by `before` are dropped, the rest deleted row by row.
   * Returns how many records were removed.
   */
  async prune(before: Date): Promise<{ removed: number; upTo?: number; partitions: string[] }> {
    await this.sealPending();
    return this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`;
      const [last] = await tx<{ seq: string; chain_hash: string }[]>`
        SELECT seq, chain_hash FROM audit_trail WHERE recorded < ${before} ORDER BY seq DESC LIMIT 1`;
      if (!last) {
        return { removed: 0, partitions: [] };
      }
      // Every record recorded before `before` is at or before `last` in the chain, so a partition that ends by
      // then holds none that stays.
      const dropped = (await auditPartitions(tx)).filter((partition) => partition.to <= before).map((p) => p.name);
      for (const name of dropped) await tx`DROP TABLE ${tx(name)}`;
      await tx`
        DELETE FROM audit_log WHERE id IN (SELECT event_id::uuid FROM audit_trail WHERE seq <= ${last.seq})`;
      const [{ n }] = await tx<{ n: number }[]>`
        WITH gone AS (DELETE FROM audit_trail WHERE seq <= ${last.seq} RETURNING 1) SELECT count(*)::int AS n FROM gone`;
      const seq = Number(last.seq);
      const jws = await this.keys.sign(
        { seq, chain_hash: last.chain_hash, kind: 'prune', iat: Math.floor(this.now().getTime() / 1000) },
        { typ: CHECKPOINT_TYP },
      );
      await tx`DELETE FROM audit_checkpoints WHERE seq <= ${seq}`;
      await tx`INSERT INTO audit_checkpoints (seq, chain_hash, kind, jws, created) VALUES (${seq}, ${last.chain_hash}, 'prune', ${jws}, ${this.now()})`;
      return { removed: n, upTo: seq, partitions: dropped };
    }) as Promise<{ removed: number; upTo?: number; partitions: string[] }>;
  }
}
