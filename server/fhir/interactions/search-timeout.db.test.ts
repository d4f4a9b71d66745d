// A search that runs longer than HUB_SEARCH_TIMEOUT_MS is stopped by PostgreSQL (the search pools'
// statement_timeout, db/connect.ts) and answered with a 400 too-costly, on record in the audit trail; the pool's
// connection serves the next search. The long search is made certain by a lock the test holds on the table.
import type { AuditEvent, Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/app.js';

const TIMEOUT_MS = 300;
const { app, db } = await createTestApp({ searchTimeoutMs: TIMEOUT_MS });
const created = await app.inject({
  method: 'POST',
  url: '/Patient',
  payload: { resourceType: 'Patient', name: [{ family: 'Jansen' }] },
});
expect(created.statusCode).toBe(201);

/** Runs `work` while another session holds the Patient table so that no statement can read it. */
async function whileLocked<T>(work: () => Promise<T>): Promise<T> {
  let result: T | undefined;
  await db.sql.begin(async (tx) => {
    await tx`LOCK TABLE "Patient" IN ACCESS EXCLUSIVE MODE`;
    result = await work();
  });
  return result as T;
}

describe('a search longer than HUB_SEARCH_TIMEOUT_MS', () => {
  it('is stopped and answered with a 400 too-costly that says what to do', async () => {
    const started = performance.now();
    const res = await whileLocked(() => app.inject({ method: 'GET', url: '/Patient?family=Jansen' }));
    const took = performance.now() - started;
    expect(res.statusCode).toBe(400);
    const outcome = res.json() as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].code).toBe('too-costly');
    expect(outcome.issue[0].diagnostics).toContain('HUB_SEARCH_TIMEOUT_MS');
    // Stopped at the limit, not when the lock went away.
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(took).toBeLessThan(10_000);
  });

  it('leaves the search pools able to answer the next search', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await app.inject({ method: 'GET', url: '/Patient?family=Jansen' });
      expect(res.statusCode).toBe(200);
      expect((res.json() as Bundle).entry).toHaveLength(1);
    }
  });

  it('is on record in the audit trail as a failed search with its error code', async () => {
    const res = await app.inject({ method: 'GET', url: '/AuditEvent?outcome=4&_count=100' });
    expect(res.statusCode).toBe(200);
    const events = ((res.json() as Bundle<AuditEvent>).entry ?? []).map((e) => e.resource!);
    expect(events.map((e) => e.outcomeDesc)).toContain('HUB_ERR_SEARCH_TOO_COSTLY');
  });
});

describe('a search stopped for another reason', () => {
  it('is not called too costly: an operator cancelling it (pg_cancel_backend) gets no advice to narrow it', async () => {
    // A hub of its own with a long limit, so that the cancel comes first however loaded the machine is.
    const patient = await createTestApp({ searchTimeoutMs: 60_000 });
    await patient.app.inject({
      method: 'POST',
      url: '/Patient',
      payload: { resourceType: 'Patient', name: [{ family: 'Jansen' }] },
    });
    let result: { statusCode: number; json(): unknown } | undefined;
    await patient.db.sql.begin(async (tx) => {
      await tx`LOCK TABLE "Patient" IN ACCESS EXCLUSIVE MODE`;
      const search = patient.app.inject({ method: 'GET', url: '/Patient?family=Jansen' });
      // The search's session, waiting for the lock, is cancelled from a third session.
      let cancelled = false;
      for (let tries = 0; tries < 500 && !cancelled; tries++) {
        const [row] = await patient.db.sql<{ cancelled: boolean }[]>`
          SELECT bool_or(pg_cancel_backend(pid)) AS cancelled FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%"Patient"%'`;
        cancelled = row.cancelled === true;
        if (!cancelled) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(cancelled).toBe(true);
      result = await search;
    });
    expect(result!.statusCode).toBe(500);
    const outcome = result!.json() as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].code).not.toBe('too-costly');
  });
});
