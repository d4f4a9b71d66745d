// Group commit for single creates. Creates that arrive while earlier ones are being written wait for a free slot
// and are then written together: one multi-row statement (write.ts, insertResources) and one commit for all of
// them, instead of a statement, a commit and a WAL flush each. An idle hub writes a create at once (a batch of
// one, after the current tick); a busy one writes bigger batches. Each create still commits whole or not at all
// (the batch is one statement); if a batch fails, its rows are written one by one so that one bad row fails alone.
import type { StoredVersion } from '../repository.js';
import type { Db } from './db.js';
import { insertResource, insertResources, type VersionRow } from './write.js';

interface Pending {
  row: VersionRow;
  resolve: (version: StoredVersion | undefined) => void;
  reject: (error: unknown) => void;
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
  insert(row: VersionRow): Promise<StoredVersion | undefined> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(row.resourceType);
      if (queue) queue.push({ row, resolve, reject });
      else this.queues.set(row.resourceType, [{ row, resolve, reject }]);
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
      const [{ row, resolve, reject }] = batch;
      await insertResource(this.db, row).then(resolve, reject);
      return;
    }
    try {
      const written = new Map((await insertResources(this.db, batch.map((p) => p.row))).map((version) => [version.id, version]));
      for (const pending of batch) pending.resolve(written.get(pending.row.id));
    } catch {
      // One row failed the statement (an id that exists, a value PostgreSQL refuses): each on its own, so that
      // the others still commit and the bad one gets its own error.
      await Promise.all(batch.map(({ row, resolve, reject }) => insertResource(this.db, row).then(resolve, reject)));
    }
  }
}
