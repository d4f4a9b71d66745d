// update, update-as-create and conditional update: PUT [type]/[id], PUT [type]?criteria
// (http://hl7.org/fhir/R4/http.html#update, #upsert, #cond-update, #concurrency)
import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createResource, historyCount } from '../../../test/support/fhir-requests.js';
import { createTestApp, TEST_BASE_URL } from '../../../test/support/app.js';

const { app, db } = await createTestApp();

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
let seq = 0;
function nextBsn(): string {
  return String(999_940_000 + ++seq);
}

function patient(bsn = nextBsn(), extra: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: bsn }],
    name: [{ family: 'Visser', given: ['Daan'] }],
    gender: 'male',
    birthDate: '2001-09-30',
    ...extra,
  };
}

function put(url: string, body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'PUT',
    url,
    headers: { 'content-type': 'application/fhir+json', ...headers },
    payload: JSON.stringify(body),
  });
}

function createPatient(bsn = nextBsn()): Promise<Patient & { id: string }> {
  return createResource(app, patient(bsn));
}

function historyRows(id: string): Promise<number> {
  return historyCount(db.sql, 'Patient', id);
}

describe('update', () => {
  it('returns 200 with the new version, ETag W/"2" and Last-Modified', async () => {
    const { id } = await createPatient();
    const res = await put(`/Patient/${id}`, { ...patient(), id, gender: 'other' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, gender: 'other', meta: { versionId: '2' } });
    expect(res.headers.etag).toBe('W/"2"');
    expect(res.headers['last-modified']).toBe(new Date(res.json().meta.lastUpdated).toUTCString());
  });

  it('makes the update what a later read returns', async () => {
    const { id } = await createPatient();
    const res = await put(`/Patient/${id}`, { ...patient(), id, name: [{ family: 'Smit', given: ['Noor'] }] });
    const read = await app.inject({ method: 'GET', url: `/Patient/${id}` });
    expect(read.json()).toEqual(res.json());
  });

  it('ignores meta.versionId and meta.lastUpdated sent by the client', async () => {
    const { id } = await createPatient();
    const res = await put(`/Patient/${id}`, {
      ...patient(),
      id,
      gender: 'other',
      meta: { versionId: '41', lastUpdated: '2001-01-01T00:00:00Z' },
    });
    expect(res.json().meta.versionId).toBe('2');
    expect(res.json().meta.lastUpdated).not.toBe('2001-01-01T00:00:00Z');
  });

  it('creates the resource with the client id (201, Location) when it does not exist', async () => {
    const res = await put('/Patient/zorghub-test-upsert-1', { ...patient(), id: 'zorghub-test-upsert-1' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ id: 'zorghub-test-upsert-1', meta: { versionId: '1' } });
    expect(res.headers.location).toBe(`${TEST_BASE_URL}/Patient/zorghub-test-upsert-1/_history/1`);
  });

  it('returns 400 with an OperationOutcome when the body id differs from the URL id', async () => {
    const { id } = await createPatient();
    const res = await put(`/Patient/${id}`, { ...patient(), id: 'ander-id' });
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await historyRows(id)).toBe(1);
  });

  it('returns 400 with an OperationOutcome when the body has no id', async () => {
    const { id } = await createPatient();
    const res = await put(`/Patient/${id}`, patient());
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('returns 400 with an OperationOutcome when the body is another resource type than the URL', async () => {
    const res = await put('/Patient/type-fout', { resourceType: 'Practitioner', id: 'type-fout' });
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('returns 400 naming the element when the new version is invalid', async () => {
    const { id } = await createPatient();
    const res = await put(`/Patient/${id}`, { ...patient(), id, gender: 'foo' });
    expect(res.statusCode).toBe(400);
    expect(res.json().issue.flatMap((i: { expression?: string[] }) => i.expression ?? [])).toContain('Patient.gender');
  });

  it('updates when If-Match names the current version', async () => {
    const { id } = await createPatient();
    const res = await put(`/Patient/${id}`, { ...patient(), id, gender: 'other' }, { 'if-match': 'W/"1"' });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('W/"2"');
  });

  it('returns 412 with an OperationOutcome when If-Match names an older version', async () => {
    const { id } = await createPatient();
    await put(`/Patient/${id}`, { ...patient(), id, gender: 'other' });
    const res = await put(`/Patient/${id}`, { ...patient(), id, gender: 'unknown' }, { 'if-match': 'W/"1"' });
    expect(res.statusCode).toBe(412);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await historyRows(id)).toBe(2);
  });

  it('returns 400 with an OperationOutcome for a malformed If-Match', async () => {
    const { id } = await createPatient();
    const res = await put(`/Patient/${id}`, { ...patient(), id, gender: 'other' }, { 'if-match': 'versie-een' });
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await historyRows(id)).toBe(1);
  });

  it('keeps the version when the content is unchanged', async () => {
    const created = await createPatient();
    const res = await put(`/Patient/${created.id}`, created);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.json()).toEqual(created);
    expect(await historyRows(created.id)).toBe(1);
  });

  it('brings a deleted resource back to life with the next version (201)', async () => {
    const { id } = await createPatient();
    await app.inject({ method: 'DELETE', url: `/Patient/${id}` });
    const res = await put(`/Patient/${id}`, { ...patient(), id });
    expect(res.statusCode).toBe(201);
    expect(res.json().meta.versionId).toBe('3');
    const read = await app.inject({ method: 'GET', url: `/Patient/${id}` });
    expect(read.statusCode).toBe(200);
  });
});

describe('conditional update', () => {
  it('creates the resource (201) when the criteria match nothing', async () => {
    const bsn = nextBsn();
    const res = await put(`/Patient?identifier=${BSN}|${bsn}`, patient(bsn));
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe(`${TEST_BASE_URL}/Patient/${res.json().id}/_history/1`);
  });

  it('updates the one matching resource (200)', async () => {
    const bsn = nextBsn();
    const { id } = await createPatient(bsn);
    const res = await put(`/Patient?identifier=${BSN}|${bsn}`, patient(bsn, { gender: 'other' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, gender: 'other', meta: { versionId: '2' } });
  });

  it('returns 400 when one resource matches but the body names another id', async () => {
    const bsn = nextBsn();
    const { id } = await createPatient(bsn);
    const res = await put(`/Patient?identifier=${BSN}|${bsn}`, { ...patient(bsn), id: 'een-ander-id' });
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await historyRows(id)).toBe(1);
  });

  it('returns 412 with an OperationOutcome when the criteria match two resources', async () => {
    const bsn = nextBsn();
    const first = await createPatient(bsn);
    const second = await createPatient(bsn);
    const res = await put(`/Patient?identifier=${BSN}|${bsn}`, patient(bsn, { gender: 'other' }));
    expect(res.statusCode).toBe(412);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect([await historyRows(first.id), await historyRows(second.id)]).toEqual([1, 1]);
  });

  it('returns 400 naming the parameter when the criteria use one the type does not have', async () => {
    const res = await put('/Patient?shoe-size=42', patient());
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0].diagnostics).toContain('shoe-size');
  });

  it('honours If-Match against the matched resource', async () => {
    const bsn = nextBsn();
    const { id } = await createPatient(bsn);
    await put(`/Patient/${id}`, { ...patient(bsn), id, gender: 'other' });
    const res = await put(`/Patient?identifier=${BSN}|${bsn}`, patient(bsn), { 'if-match': 'W/"1"' });
    expect(res.statusCode).toBe(412);
  });
});
