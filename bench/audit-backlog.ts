// The hub's audit trail after a measured window, for the benchmarks: how many records are left to seal into the
// hash chain, and how long the hub takes to clear them. That is the trail's only deferred work (its records are in
// the log, searchable, when their request answers); waiting for it keeps the next run from paying for this one's.
import type { Sql } from 'postgres';
import { auditUnsealed } from '../server/storage/pg/audit-log.js';

export interface AuditBacklog {
  backlogAtEnd: number;
  drainMs: number;
}

/** The records committed but not yet sealed right after a window, and the time until none is left. */
export async function auditBacklog(sql: Sql): Promise<AuditBacklog> {
  const unsealed = async () => (await auditUnsealed(sql)).count;
  const started = Date.now();
  const backlogAtEnd = await unsealed();
  while (backlogAtEnd && (await unsealed()) > 0) {
    if (Date.now() - started > 600_000) throw new Error('the audit trail did not seal its records within 10 minutes');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { backlogAtEnd, drainMs: backlogAtEnd ? Date.now() - started : 0 };
}
