// The crash test of a transaction: when its last entry is invalid, nothing of the Bundle may remain.
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/app.js';

const { baseUrl, db, adminHeaders } = await startTestServer();
const auth = await adminHeaders();

async function rowCounts(): Promise<Record<string, number>> {
  const [row] = await db.sql<Record<string, number>[]>`
    SELECT (SELECT count(*)::int FROM "Patient") AS patients,
           (SELECT count(*)::int FROM "Coverage") AS coverages,
           (SELECT count(*)::int FROM "DeviceRequest") AS requests,
           (SELECT count(*)::int FROM resource_history WHERE resource_type <> 'AuditEvent') AS history`;
  return row;
}

function bundleWithInvalidLast(size: number): Bundle {
  const entries: NonNullable<Bundle['entry']> = [];
  for (let i = 0; i < size - 1; i++) {
    entries.push({
      fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resource: {
        resourceType: 'Patient',
        identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: String(100000000 + i) }],
      },
      request: { method: 'POST', url: 'Patient' },
    });
  }
  entries.push({
    resource: { resourceType: 'Patient', id: 'late-update', gender: 'not-a-gender' } as never,
    request: { method: 'PUT', url: 'Patient/late-update' },
  });
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

describe('transaction atomicity', () => {
  it('leaves no resource and no history row behind when the last entry is invalid, and names that entry', async () => {
    const before = await rowCounts();
    const response = await fetch(baseUrl, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(bundleWithInvalidLast(50)),
    });
    expect(response.status).toBe(400);
    const outcome = (await response.json()) as OperationOutcome;
    expect(outcome.issue[0].diagnostics).toContain('Bundle.entry[49]');
    expect(
      outcome.issue.some((issue) =>
        issue.expression?.some((path) => path.startsWith('Bundle.entry[49].resource.gender')),
      ),
    ).toBe(true);
    expect(await rowCounts()).toEqual(before);
  });

  it('rolls back writes already made when a later entry fails in the database (an If-Match conflict)', async () => {
    await fetch(`${baseUrl}/Coverage/cov-1`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Coverage',
        id: 'cov-1',
        status: 'active',
        beneficiary: { reference: 'Patient/x' },
        payor: [{ display: 'CZ' }],
      }),
    });
    const before = await rowCounts();
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
        {
          resource: {
            resourceType: 'Coverage',
            id: 'cov-1',
            status: 'cancelled',
            beneficiary: { reference: 'Patient/x' },
            payor: [{ display: 'CZ' }],
          },
          request: { method: 'PUT', url: 'Coverage/cov-1', ifMatch: 'W/"7"' },
        },
      ],
    };
    const response = await fetch(baseUrl, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(bundle),
    });
    expect(response.status).toBe(412);
    expect(((await response.json()) as OperationOutcome).issue[0].diagnostics).toContain('Bundle.entry[1]');
    expect(await rowCounts()).toEqual(before);
  });
});
