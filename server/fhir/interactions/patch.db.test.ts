// patch with JSON Patch: PATCH [type]/[id] (http://hl7.org/fhir/R4/http.html#patch, RFC 6902)
import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createResource, historyCount } from '../../../test/support/fhir-requests.js';
import { createTestApp } from '../../../test/support/app.js';

const { app, db } = await createTestApp();

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';

function patient(): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: '999950017' }],
    active: true,
    name: [{ family: 'Meijer', given: ['Lotte'] }],
    gender: 'female',
    birthDate: '1967-04-08',
    telecom: [{ system: 'phone', value: '+31 30 123 4567', use: 'home' }],
  };
}

function createPatient(): Promise<Patient & { id: string }> {
  return createResource(app, patient());
}

function patch(url: string, operations: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'PATCH',
    url,
    headers: { 'content-type': 'application/json-patch+json', ...headers },
    payload: JSON.stringify(operations),
  });
}

function historyRows(id: string): Promise<number> {
  return historyCount(db.sql, 'Patient', id);
}

describe('patch', () => {
  it('applies a replace and returns the new version with ETag W/"2"', async () => {
    const { id } = await createPatient();
    const res = await patch(`/Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'other' }]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, gender: 'other', meta: { versionId: '2' } });
    expect(res.headers.etag).toBe('W/"2"');
  });

  it('applies an add to an array', async () => {
    const { id } = await createPatient();
    const res = await patch(`/Patient/${id}`, [{ op: 'add', path: '/name/0/given/-', value: 'Johanna' }]);
    expect(res.statusCode).toBe(200);
    expect(res.json().name[0].given).toEqual(['Lotte', 'Johanna']);
  });

  it('applies a remove', async () => {
    const { id } = await createPatient();
    const res = await patch(`/Patient/${id}`, [{ op: 'remove', path: '/telecom' }]);
    expect(res.statusCode).toBe(200);
    expect(res.json().telecom).toBeUndefined();
  });

  it('applies several operations together, with a passing test', async () => {
    const { id } = await createPatient();
    const res = await patch(`/Patient/${id}`, [
      { op: 'test', path: '/active', value: true },
      { op: 'replace', path: '/active', value: false },
      { op: 'add', path: '/deceasedBoolean', value: false },
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ active: false, deceasedBoolean: false, meta: { versionId: '2' } });
  });

  it('stores the patched version: a later read returns it', async () => {
    const { id } = await createPatient();
    const res = await patch(`/Patient/${id}`, [{ op: 'replace', path: '/birthDate', value: '1967-04-09' }]);
    const read = await app.inject({ method: 'GET', url: `/Patient/${id}` });
    expect(read.json()).toEqual(res.json());
  });

  it('records the patch in the history with method PATCH', async () => {
    const { id } = await createPatient();
    await patch(`/Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'other' }]);
    const history = await app.inject({ method: 'GET', url: `/Patient/${id}/_history` });
    expect(history.json().entry[0].request.method).toBe('PATCH');
  });

  it('returns 400 naming the element when the patched resource is invalid', async () => {
    const { id } = await createPatient();
    const res = await patch(`/Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'foo' }]);
    expect(res.statusCode).toBe(400);
    expect(res.json().issue.flatMap((i: { expression?: string[] }) => i.expression ?? [])).toContain('Patient.gender');
    expect(await historyRows(id)).toBe(1);
  });

  it('returns 422 with an OperationOutcome when the patch changes the id', async () => {
    const { id } = await createPatient();
    const res = await patch(`/Patient/${id}`, [{ op: 'replace', path: '/id', value: 'ander-id' }]);
    expect(res.statusCode).toBe(422);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await historyRows(id)).toBe(1);
  });

  it('returns 422 with an OperationOutcome when a test operation fails, and changes nothing', async () => {
    const { id } = await createPatient();
    const res = await patch(`/Patient/${id}`, [
      { op: 'replace', path: '/gender', value: 'other' },
      { op: 'test', path: '/active', value: false },
    ]);
    expect(res.statusCode).toBe(422);
    expect(res.json().resourceType).toBe('OperationOutcome');
    const read = await app.inject({ method: 'GET', url: `/Patient/${id}` });
    expect(read.json().gender).toBe('female');
  });

  it('returns 422 with an OperationOutcome when a path does not exist', async () => {
    const { id } = await createPatient();
    const res = await patch(`/Patient/${id}`, [
      { op: 'replace', path: '/contact/0/name', value: { family: 'Meijer' } },
    ]);
    expect(res.statusCode).toBe(422);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('returns an OperationOutcome error when the body is not a JSON Patch array', async () => {
    const { id } = await createPatient();
    const res = await patch(`/Patient/${id}`, { op: 'replace', path: '/gender', value: 'other' });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('patches when If-Match names the current version', async () => {
    const { id } = await createPatient();
    const res = await patch(`/Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'other' }], {
      'if-match': 'W/"1"',
    });
    expect(res.statusCode).toBe(200);
  });

  it('returns 412 with an OperationOutcome when If-Match names an older version', async () => {
    const { id } = await createPatient();
    await patch(`/Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'other' }]);
    const res = await patch(`/Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'unknown' }], {
      'if-match': 'W/"1"',
    });
    expect(res.statusCode).toBe(412);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await historyRows(id)).toBe(2);
  });

  it('returns 404 with an OperationOutcome for an unknown resource', async () => {
    const res = await patch('/Patient/bestaat-niet', [{ op: 'replace', path: '/gender', value: 'other' }]);
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('returns 410 with an OperationOutcome for a deleted resource', async () => {
    const { id } = await createPatient();
    await app.inject({ method: 'DELETE', url: `/Patient/${id}` });
    const res = await patch(`/Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'other' }]);
    expect(res.statusCode).toBe(410);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('keeps the version when the patch changes nothing', async () => {
    const { id } = await createPatient();
    const res = await patch(`/Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'female' }]);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('W/"1"');
    expect(await historyRows(id)).toBe(1);
  });
});
