// A search that runs longer than HUB_SEARCH_TIMEOUT_MS is stopped by PostgreSQL (the search pools'
// statement_timeout, db/connect.ts) and answered with a 400 too-costly, on record in the audit trail; the pool's
// connection serves the next search. The long search is made certain by a lock the test holds on the table.
import type { AuditEvent, Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/app.js';
import { sealAudit } from '../../../test/support/audit.js';

const TIMEOUT_MS = 300;
const { app, db } = await createTestApp({ searchTimeoutMs: TIMEOUT_MS });
const created = await app.inject({ method: 'POST', url: '/Patient', payload: { resourceType: 'Patient', name: [{ family: 'Jansen' }] } });
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
    await sealAudit(db.sql);
    const res = await app.inject({ method: 'GET', url: '/AuditEvent?outcome=4&_count=100' });
    expect(res.statusCode).toBe(200);
    const events = ((res.json() as Bundle<AuditEvent>).entry ?? []).map((e) => e.resource!);
    expect(events.map((e) => e.outcomeDesc)).toContain('HUB_ERR_SEARCH_TOO_COSTLY');
  });

  it('does not touch other failures: a malformed search is still HUB_ERR_SEARCH_BAD_VALUE', async () => {
    const res = await whileLocked(() => app.inject({ method: 'GET', url: '/Patient?birthdate=not-a-date' }));
    expect(res.statusCode).toBe(400);
    expect((res.json() as OperationOutcome).issue[0].code).toBe('value');
  });
});
