// The hub's audit trail after a measured window, for the benchmarks: what is left to seal and to index, and how long
// the hub takes to clear it. Waiting for that also keeps the next run from paying for this one's records.
import type { Sql } from 'postgres';
import { auditUnsealedSize, auditUnindexedSize } from '../server/storage/pg/audit-log.js';

export interface AuditBacklog {
  backlogAtEnd: number;
  drainMs: number;
  unindexedAtEnd: number;
  indexDrainMs: number;
}

/**
 * The audit trail's backlog right after a measured window: records committed but not yet sealed into the chain
 * (audit_unsealed), and records sealed but not yet indexed as AuditEvents (the indexer is throttled while the hub is
 * busy), and how long the hub then takes to clear each. Waiting for that also keeps the next run from paying for
 * this one's records.
 */
export async function auditBacklog(sql: Sql): Promise<AuditBacklog> {
  const unsealed = () => auditUnsealedSize(sql);
  const unindexed = () => auditUnindexedSize(sql);
  const started = Date.now();
  const [backlogAtEnd, unindexedAtEnd] = [await unsealed(), await unindexed()];
  const drain = async (count: () => Promise<number>, what: string) => {
    while ((await count()) > 0) {
      if (Date.now() - started > 600_000) throw new Error(`the audit trail did not ${what} within 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return Date.now() - started;
  };
  const drainMs = backlogAtEnd ? await drain(unsealed, 'seal its records') : 0;
  const indexed = await drain(unindexed, 'index its sealed records');
  const indexDrainMs = backlogAtEnd || unindexedAtEnd ? indexed : 0;
  return { backlogAtEnd, drainMs, unindexedAtEnd, indexDrainMs };
}
