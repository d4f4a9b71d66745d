// The hub's audit trail after a measured window, for the benchmarks: how many records are left to seal into the
// hash chain, and how long the hub takes to clear them. That is the trail's only deferred work (its records are in
// the log, searchable, when their request answers); waiting for it keeps the next run from paying for this one's.
import type { Sql } from 'postgres';
import { auditUnsealed } from '../server/storage/pg/audit-log.js';
import { caughtUp, type BacklogProbe } from './harness/caught-up.js';

export interface AuditBacklog {
  backlogAtEnd: number;
  drainMs: number;
}

/** The probe of the audit trail's deferred work: records committed but not yet sealed. */
export const auditUnsealedProbe =
  (sql: Sql): BacklogProbe =>
  async () =>
    (await auditUnsealed(sql)).count;

/** The records committed but not yet sealed right after a window, and the time until none is left. */
export async function auditBacklog(sql: Sql): Promise<AuditBacklog> {
  const result = await caughtUp({ audit: auditUnsealedProbe(sql) });
  return { backlogAtEnd: result.backlogAtEnd.audit, drainMs: result.drainMs };
}
