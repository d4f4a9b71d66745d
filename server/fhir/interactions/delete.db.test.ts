// delete and conditional delete: DELETE [type]/[id], DELETE [type]?criteria (http://hl7.org/fhir/R4/http.html#delete)
import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createResource, historyCount } from '../../../test/support/fhir-requests.js';
import { createTestApp } from '../../../test/support/app.js';

const { app, db } = await createTestApp();

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
let seq = 0;
function nextBsn(): string {
  return String(999_960_000 + ++seq);
}

function patient(bsn: string): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: bsn }],
    name: [{ family: 'Mulder', given: ['Bram'] }],
    gender: 'male',
    birthDate: '1949-12-01',
  };
}

async function createPatient(bsn = nextBsn()): Promise<string> {
  return (await createResource(app, patient(bsn))).id;
}

function del(url: string, headers: Record<string, string> = {}) {
  return app.inject({ method: 'DELETE', url, headers });
}

function read(id: string) {
  return app.inject({ method: 'GET', url: `/Patient/${id}` });
}

function historyRows(id: string): Promise<number> {
  return historyCount(db.sql, 'Patient', id);
}

describe('delete', () => {
  it('returns 200 with an OperationOutcome', async () => {
    const id = await createPatient();
    const res = await del(`/Patient/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('makes a later read return 410', async () => {
    const id = await createPatient();
    await del(`/Patient/${id}`);
    expect((await read(id)).statusCode).toBe(410);
  });

  it.each([
    ['an unknown id', 'nooit-bestaan'],
    ['an id deleted before', undefined],
  ])('succeeds (200 or 204) for %s', async (_what, givenId) => {
    const id = givenId ?? (await createPatient());
    if (!givenId) {
      await del(`/Patient/${id}`);
    }
    const res = await del(`/Patient/${id}`);
    expect([200, 204]).toContain(res.statusCode);
  });

  it('writes no new version when the resource is already deleted', async () => {
    const id = await createPatient();
    await del(`/Patient/${id}`);
    await del(`/Patient/${id}`);
    expect(await historyRows(id)).toBe(2);
  });

  it('keeps the history: earlier versions stay readable and the delete is a version', async () => {
    const id = await createPatient();
    await del(`/Patient/${id}`);
    expect((await app.inject({ method: 'GET', url: `/Patient/${id}/_history/1` })).statusCode).toBe(200);
    const history = await app.inject({ method: 'GET', url: `/Patient/${id}/_history` });
    expect(history.json().entry.map((e: { request: { method: string } }) => e.request.method)).toEqual([
      'DELETE',
      'POST',
    ]);
  });

  it('returns 400 with an OperationOutcome for an invalid id', async () => {
    const res = await del('/Patient/pat_1');
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('returns 404 with an OperationOutcome for an unknown resource type', async () => {
    const res = await del('/Verzekerde/123');
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('returns 412 when If-Match names an older version, and deletes nothing', async () => {
    const id = await createPatient();
    await app.inject({
      method: 'PUT',
      url: `/Patient/${id}`,
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({ ...patient(nextBsn()), id }),
    });
    const res = await del(`/Patient/${id}`, { 'if-match': 'W/"1"' });
    expect(res.statusCode).toBe(412);
    expect((await read(id)).statusCode).toBe(200);
  });

  it('deletes when If-Match names the current version', async () => {
    const id = await createPatient();
    const res = await del(`/Patient/${id}`, { 'if-match': 'W/"1"' });
    expect(res.statusCode).toBe(200);
    expect((await read(id)).statusCode).toBe(410);
  });
});

describe('conditional delete', () => {
  it('deletes the one matching resource', async () => {
    const bsn = nextBsn();
    const id = await createPatient(bsn);
    const other = await createPatient();
    const res = await del(`/Patient?identifier=${BSN}|${bsn}`);
    expect(res.statusCode).toBe(200);
    expect((await read(id)).statusCode).toBe(410);
    expect((await read(other)).statusCode).toBe(200);
  });

  it('deletes every one of several matching resources', async () => {
    const bsn = nextBsn();
    const ids = [await createPatient(bsn), await createPatient(bsn), await createPatient(bsn)];
    const res = await del(`/Patient?identifier=${BSN}|${bsn}`);
    expect(res.statusCode).toBe(200);
    expect(await Promise.all(ids.map(async (id) => (await read(id)).statusCode))).toEqual([410, 410, 410]);
  });

  it('succeeds without deleting anything when nothing matches', async () => {
    const before =
      await db.sql`SELECT count(*)::int AS count FROM resource_history WHERE resource_type <> 'AuditEvent'`;
    const res = await del(`/Patient?identifier=${BSN}|${nextBsn()}`);
    expect([200, 204]).toContain(res.statusCode);
    const after = await db.sql`SELECT count(*)::int AS count FROM resource_history WHERE resource_type <> 'AuditEvent'`;
    expect(after[0].count).toBe(before[0].count);
  });

  it('returns 400 naming the parameter when the criteria use one the type does not have', async () => {
    const res = await del('/Patient?shoe-size=42');
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0].diagnostics).toContain('shoe-size');
  });

  it('refuses a conditional delete without criteria and deletes nothing', async () => {
    const id = await createPatient();
    const res = await del('/Patient');
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect((await read(id)).statusCode).toBe(200);
  });
});
