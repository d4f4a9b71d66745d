// batch, and what POST / refuses for any Bundle: wrong type, too many entries, too large a body
// (http://hl7.org/fhir/R4/http.html#transaction, #brules)
import type { BundleEntry, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/app.js';

const { app, db } = await createTestApp();
const limited = await createTestApp({ maxBundleEntries: 5, maxBodyBytes: 4096 });

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
let seq = 0;
const nextBsn = () => String(999_700_000 + ++seq);

function patient(extra: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: nextBsn() }],
    name: [{ family: 'Kok', given: ['Eva'] }],
    gender: 'female',
    birthDate: '1999-03-03',
    ...extra,
  };
}

function post(body: unknown, target = app) {
  return target.inject({
    method: 'POST',
    url: '/',
    headers: { 'content-type': 'application/fhir+json' },
    payload: JSON.stringify(body),
  });
}
const bundle = (type: string, entry: BundleEntry[]) => ({ resourceType: 'Bundle', type, entry });
const create = (resource: Patient): BundleEntry => ({ resource, request: { method: 'POST', url: 'Patient' } });

async function createPatient(): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/Patient',
    headers: { 'content-type': 'application/fhir+json' },
    payload: JSON.stringify(patient()),
  });
  return res.json().id;
}

describe('batch', () => {
  async function mixedBatch() {
    const existing = await createPatient();
    const upsertId = `batch-${nextBsn()}`;
    const res = await post(
      bundle('batch', [
        create(patient()),
        create(patient({ gender: 'foo' as Patient['gender'] })),
        { request: { method: 'GET', url: 'Patient/bestaat-niet' } },
        { resource: { ...patient(), id: upsertId }, request: { method: 'PUT', url: `Patient/${upsertId}` } },
        { request: { method: 'DELETE', url: `Patient/${existing}` } },
        {
          resource: { ...patient(), id: existing },
          request: { method: 'PUT', url: `Patient/${existing}`, ifMatch: 'W/"7"' },
        },
      ]),
    );
    return { res, existing, upsertId };
  }

  it('returns 200 with a batch-response even when entries fail', async () => {
    const { res } = await mixedBatch();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ resourceType: 'Bundle', type: 'batch-response' });
  });

  it('gives every entry its own status, in the order of the request', async () => {
    const { res } = await mixedBatch();
    const statuses = res.json().entry.map((e: { response: { status: string } }) => e.response.status.split(' ')[0]);
    expect(statuses).toEqual(['201', '400', '404', '201', '200', '412']);
  });

  it('puts an OperationOutcome naming the element in the failing entry', async () => {
    const { res } = await mixedBatch();
    const outcome = res.json().entry[1].response.outcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue.flatMap((i: { expression?: string[] }) => i.expression ?? [])).toEqual(
      expect.arrayContaining([expect.stringMatching(/gender$/)]),
    );
  });

  it('keeps the writes of the entries that succeeded', async () => {
    const { res, existing, upsertId } = await mixedBatch();
    const createdId = res.json().entry[0].response.location.split('/')[1];
    const statuses = await Promise.all(
      [`Patient/${createdId}`, `Patient/${upsertId}`, `Patient/${existing}`].map(
        async (path) => (await app.inject({ method: 'GET', url: `/${path}` })).statusCode,
      ),
    );
    expect(statuses).toEqual([200, 200, 410]);
  });

  it('applies a PATCH entry carried as a Binary JSON Patch', async () => {
    const id = await createPatient();
    const data = Buffer.from(JSON.stringify([{ op: 'replace', path: '/gender', value: 'other' }])).toString('base64');
    const res = await post(
      bundle('batch', [
        {
          resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data },
          request: { method: 'PATCH', url: `Patient/${id}` },
        },
      ]),
    );
    expect(res.json().entry[0].response).toMatchObject({ status: '200 OK', etag: 'W/"2"' });
  });

  it('refuses a Bundle entry that is itself a batch, in that entry only', async () => {
    const res = await post(
      bundle('batch', [
        create(patient()),
        { resource: bundle('batch', []) as never, request: { method: 'POST', url: '/' } },
      ]),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().entry.map((e: { response: { status: string } }) => e.response.status.split(' ')[0])).toEqual([
      '201',
      '400',
    ]);
  });
});

describe('POST / with a Bundle', () => {
  it.each(['collection', 'document', 'searchset', 'message', 'batch-response'])(
    'returns 400 with an OperationOutcome for Bundle.type %s',
    async (type) => {
      const res = await post(bundle(type, []));
      expect(res.statusCode).toBe(400);
      expect(res.json().resourceType).toBe('OperationOutcome');
    },
  );

  it('returns 400 with an OperationOutcome for a body that is not a Bundle', async () => {
    const res = await post(patient());
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it.each([
    ['without request', { resource: patient() }],
    ['with an unknown method', { resource: patient(), request: { method: 'COPY', url: 'Patient' } }],
    ['POST without a resource', { request: { method: 'POST', url: 'Patient' } }],
  ])('returns 400 naming the entry for an entry %s', async (_what, entry) => {
    const res = await post(bundle('transaction', [create(patient()), entry as BundleEntry]));
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0].diagnostics).toContain('Bundle.entry[1]');
  });

  it('returns 413 with an OperationOutcome for more entries than the limit', async () => {
    const res = await post(
      bundle(
        'batch',
        Array.from({ length: 6 }, () => ({ request: { method: 'GET', url: 'metadata' } })),
      ),
      limited.app,
    );
    expect(res.statusCode).toBe(413);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(res.json().issue[0].diagnostics).toMatch(/6 entries.*limit is 5/);
  });

  it('stores nothing when a transaction has more entries than the limit', async () => {
    await post(
      bundle(
        'transaction',
        Array.from({ length: 6 }, () => create({ resourceType: 'Patient', gender: 'male' })),
      ),
      limited.app,
    );
    const [row] = await limited.db
      .sql`SELECT count(*)::int AS count FROM resource_history WHERE resource_type <> 'AuditEvent'`;
    expect(row.count).toBe(0);
  });

  it('accepts as many entries as the limit', async () => {
    const res = await post(
      bundle(
        'transaction',
        Array.from({ length: 5 }, () => create({ resourceType: 'Patient', gender: 'male' })),
      ),
      limited.app,
    );
    expect(res.statusCode).toBe(200);
  });

  it('returns 413 with an OperationOutcome naming the byte limit for a body over it', async () => {
    const entries = Array.from({ length: 3 }, () =>
      create(patient({ name: [{ family: 'Kok', given: ['E'.repeat(1500)] }] })),
    );
    const res = await post(bundle('transaction', entries), limited.app);
    expect(res.statusCode).toBe(413);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(res.json().issue[0].diagnostics).toContain('limit of 4096 bytes');
  });
});

describe('batch writes', () => {
  it('writes one history row per successful write entry', async () => {
    const [before] =
      await db.sql`SELECT count(*)::int AS count FROM resource_history WHERE resource_type <> 'AuditEvent'`;
    await post(
      bundle('batch', [create(patient()), create(patient()), create(patient({ gender: 'foo' as Patient['gender'] }))]),
    );
    const [after] =
      await db.sql`SELECT count(*)::int AS count FROM resource_history WHERE resource_type <> 'AuditEvent'`;
    expect(after.count - before.count).toBe(2);
  });
});
