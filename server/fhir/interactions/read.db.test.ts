// read: GET [type]/[id] (http://hl7.org/fhir/R4/http.html#read)
import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createResource } from '../../../test/support/fhir-requests.js';
import { createTestApp } from '../../../test/support/app.js';

const { app } = await createTestApp();

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';

function patient(): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: '999920011' }],
    name: [{ family: 'Jansen', given: ['Pieter'] }],
    gender: 'male',
    birthDate: '1958-11-02',
  };
}

function createPatient(): Promise<Patient & { id: string }> {
  return createResource(app, patient());
}

describe('read', () => {
  it('returns the created Patient with ETag and Last-Modified', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/Patient',
      headers: { 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Patient', name: [{ family: 'Jansen' }] },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    const res = await app.inject({ method: 'GET', url: `/Patient/${body.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.headers['last-modified']).toBe(new Date(body.meta.lastUpdated).toUTCString());
    expect(res.json()).toEqual(body);
  });

  it('returns a resource whose id is the [id] of the URL', async () => {
    const created = await createPatient();
    const res = await app.inject({ method: 'GET', url: `/Patient/${created.id}` });
    expect(res.json().id).toBe(created.id);
  });

  it('returns 404 with an OperationOutcome for an unknown id', async () => {
    const res = await app.inject({ method: 'GET', url: '/Patient/onbekend-123' });
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(res.json().issue[0].code).toBe('not-found');
  });

  it('returns 410 with an OperationOutcome for a deleted Patient', async () => {
    const created = await createPatient();
    await app.inject({ method: 'DELETE', url: `/Patient/${created.id}` });
    const res = await app.inject({ method: 'GET', url: `/Patient/${created.id}` });
    expect(res.statusCode).toBe(410);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(res.json().issue[0].code).toBe('deleted');
  });

  it.each([
    ['an underscore', 'pat_1'],
    ['more than 64 characters', 'a'.repeat(65)],
    ['a space', 'pat%201'],
  ])('returns 400 with an OperationOutcome for an id with %s', async (_what, id) => {
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('returns 404 with an OperationOutcome for an unknown resource type', async () => {
    const res = await app.inject({ method: 'GET', url: '/Zorgpas/123' });
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('treats ids case-sensitively', async () => {
    const created = await app.inject({
      method: 'PUT',
      url: '/Patient/Hoofdletter-1',
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({ ...patient(), id: 'Hoofdletter-1' }),
    });
    expect(created.statusCode).toBe(201);
    const res = await app.inject({ method: 'GET', url: '/Patient/hoofdletter-1' });
    expect(res.statusCode).toBe(404);
  });

  it('answers HEAD with the headers of a read and no body', async () => {
    const created = await createPatient();
    const res = await app.inject({ method: 'HEAD', url: `/Patient/${created.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.body).toBe('');
  });

  it('ignores Prefer: return=minimal on a read', async () => {
    const created = await createPatient();
    const res = await app.inject({
      method: 'GET',
      url: `/Patient/${created.id}`,
      headers: { prefer: 'return=minimal' },
    });
    expect(res.json()).toEqual(created);
  });
});

describe('conditional read', () => {
  it('answers 304 without a body when If-None-Match names the current version', async () => {
    const created = await createPatient();
    const res = await app.inject({
      method: 'GET',
      url: `/Patient/${created.id}`,
      headers: { 'if-none-match': 'W/"1"' },
    });
    expect(res.statusCode).toBe(304);
    expect(res.body).toBe('');
    expect(res.headers.etag).toBe('W/"1"');
  });

  it('answers 200 with the resource when If-None-Match names an older version', async () => {
    const created = await createPatient();
    await app.inject({
      method: 'PUT',
      url: `/Patient/${created.id}`,
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({ ...created, gender: 'other' }),
    });
    const res = await app.inject({
      method: 'GET',
      url: `/Patient/${created.id}`,
      headers: { 'if-none-match': 'W/"1"' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().meta.versionId).toBe('2');
  });

  it.each([
    ['at the Last-Modified time', 0, 304],
    ['an hour later', 3_600_000, 304],
    ['an hour earlier', -3_600_000, 200],
  ])('answers If-Modified-Since %s with %i', async (_when, offset, status) => {
    const created = await createPatient();
    const since = new Date(Date.parse(created.meta!.lastUpdated!) + offset).toUTCString();
    const res = await app.inject({
      method: 'GET',
      url: `/Patient/${created.id}`,
      headers: { 'if-modified-since': since },
    });
    expect(res.statusCode).toBe(status);
  });

  it('refuses an If-Modified-Since that is not a date with 400', async () => {
    const created = await createPatient();
    const res = await app.inject({
      method: 'GET',
      url: `/Patient/${created.id}`,
      headers: { 'if-modified-since': 'yesterday' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('answers a Bundle GET entry with If-None-Match as 304 Not Modified without a resource', async () => {
    const created = await createPatient();
    const res = await app.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'GET', url: `Patient/${created.id}`, ifNoneMatch: 'W/"1"' } }],
      }),
    });
    const [entry] = res.json().entry;
    expect(entry.response.status).toBe('304 Not Modified');
    expect(entry.resource).toBeUndefined();
  });
});
