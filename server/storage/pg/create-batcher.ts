// Group commit for single creates. Creates that arrive while earlier ones are being written wait for a free slot
// and are then written together: one multi-row statement (write.ts, insertResources) and one commit for all of
// them, instead of a statement, a commit and a WAL flush each. An idle hub writes a create at once (a batch of
// one, after the current tick); a busy one writes bigger batches. Each create still commits whole or not at all
// (the batch is one statement); if a batch fails, its rows are written one by one so that one bad row fails alone.
// A create's audit record rides along: a batch with records is one transaction, its creates' statement and one
// insert into the audit inbox, so each create and its record still commit together, and the batch commits once.
import type postgres from 'postgres';
import type { StoredVersion } from '../../contracts/repository.js';
import { appendAuditRecords } from './audit-log.js';
import type { AuditRecord } from '../../contracts/audit-record.js';
import type { Db } from './db.js';
import { insertResource, insertResources, type VersionRow } from './write.js';

/** An audit record to write with a create, and its time. */
export interface PendingAudit {
  record: AuditRecord;
}

interface Pending {
  row: VersionRow;
  audit?: PendingAudit;
  resolve: (version: StoredVersion | undefined) => void;
  reject: (error: unknown) => void;
}

/** The version a row will be once written (for its audit record, built before the write). */
export function storedVersionOf(row: VersionRow): StoredVersion {
  return {
    resourceType: row.resourceType,
    id: row.id,
    versionId: String(row.version),
    lastUpdated: row.lastUpdated.toISOString(),
    deleted: false,
    json: row.content,
    compartments: row.index.compartments,
  };
}

/** One create and its record; inside the caller's transaction (the caller opens one where there is none). */
export async function insertWithAudit(
  db: Db,
  row: VersionRow,
  audit: PendingAudit | undefined,
): Promise<StoredVersion | undefined> {
  const version = await insertResource(db, row);
  if (version && audit) await appendAuditRecords(db, [audit.record]);
  return version;
}

export interface CreateBatcherOptions {
  /** Batches written at the same time (each holds a pool connection). */
  maxInFlight?: number;
  /** Most rows in one statement. */
  maxBatch?: number;
}

export class CreateBatcher {
  private readonly queues = new Map<string, Pending[]>();
  private inFlight = 0;
  private scheduled = false;
  private readonly maxInFlight: number;
  private readonly maxBatch: number;

  constructor(
    private readonly db: Db,
    options: CreateBatcherOptions = {},
  ) {
    // Two: measured on 2 cores, one or two batches in flight give the largest batches and the most creates per
    // second (815/s and 790/s against 650/s with 16); two keeps one slow batch from holding up every create.
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxBatch = options.maxBatch ?? 100;
  }

  /** Writes version 1 of a new resource; undefined when the id exists already (as insertResource). */
  insert(row: VersionRow, audit?: PendingAudit): Promise<StoredVersion | undefined> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(row.resourceType);
      if (queue) queue.push({ row, audit, resolve, reject });
      else this.queues.set(row.resourceType, [{ row, audit, resolve, reject }]);
      if (!this.scheduled) {
        // After the current tick, so that creates arriving together share the first batch.
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxInFlight && this.queues.size > 0) {
      const [type, queue] = this.queues.entries().next().value as [string, Pending[]];
      const batch = queue.splice(0, this.maxBatch);
      if (queue.length === 0) this.queues.delete(type);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const [{ row, audit, resolve, reject }] = batch;
      await this.one(row, audit).then(resolve, reject);
      return;
    }
    try {
      const rows = batch.map((p) => p.row);
      const audited = batch.filter((p) => p.audit);
      const written = new Map(
        (audited.length === 0
          ? await insertResources(this.db, rows)
          : ((await (this.db as postgres.Sql).begin(async (tx) => {
              const versions = await insertResources(tx, rows);
              const ids = new Set(versions.map((v) => v.id));
              const records = audited.filter((p) => ids.has(p.row.id)).map((p) => p.audit!);
              // One statement for the batch's records.
              if (records.length)
                await appendAuditRecords(
                  tx,
                  records.map((a) => a.record),
                );
              return versions;
            })) as StoredVersion[])
        ).map((version) => [version.id, version]),
      );
      for (const pending of batch) pending.resolve(written.get(pending.row.id));
    } catch {
      // One row failed the statement (an id that exists, a value PostgreSQL refuses): each on its own, so that
      // the others still commit and the bad one gets its own error.
      await Promise.all(batch.map(({ row, audit, resolve, reject }) => this.one(row, audit).then(resolve, reject)));
    }
  }

  private one(row: VersionRow, audit: PendingAudit | undefined): Promise<StoredVersion | undefined> {
    return audit
      ? ((this.db as postgres.Sql).begin((tx) => insertWithAudit(tx, row, audit)) as Promise<StoredVersion | undefined>)
      : insertResource(this.db, row);
  }
}
