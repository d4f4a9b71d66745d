// vread: GET [type]/[id]/_history/[vid] (http://hl7.org/fhir/R4/http.html#vread)
import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/app.js';

const { app } = await createTestApp();

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const JSON_HEADERS = { 'content-type': 'application/fhir+json' };

function patient(family: string): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: '999930014' }],
    name: [{ family, given: ['Fatima'] }],
    gender: 'female',
    birthDate: '1990-01-23',
  };
}

/** A Patient with three versions (Bakker, Bakker-El Amrani, El Amrani); returns its id and the bodies. */
async function threeVersions(): Promise<{ id: string; versions: Patient[] }> {
  const created = await app.inject({
    method: 'POST',
    url: '/Patient',
    headers: JSON_HEADERS,
    payload: JSON.stringify(patient('Bakker')),
  });
  const id = created.json().id as string;
  const versions: Patient[] = [created.json()];
  for (const family of ['Bakker-El Amrani', 'El Amrani']) {
    const res = await app.inject({
      method: 'PUT',
      url: `/Patient/${id}`,
      headers: JSON_HEADERS,
      payload: JSON.stringify({ ...patient(family), id }),
    });
    expect(res.statusCode).toBe(200);
    versions.push(res.json());
  }
  return { id, versions };
}

describe('vread', () => {
  it.each([1, 2, 3])('returns version %i as it was written', async (vid) => {
    const { id, versions } = await threeVersions();
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}/_history/${vid}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(versions[vid - 1]);
  });

  it('returns the id and meta.versionId of the URL, with a matching ETag and Last-Modified', async () => {
    const { id } = await threeVersions();
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}/_history/2` });
    const body = res.json();
    expect(body.id).toBe(id);
    expect(body.meta.versionId).toBe('2');
    expect(res.headers.etag).toBe('W/"2"');
    expect(res.headers['last-modified']).toBe(new Date(body.meta.lastUpdated).toUTCString());
  });

  it('returns 404 with an OperationOutcome for a version that does not exist', async () => {
    const { id } = await threeVersions();
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}/_history/4` });
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('returns 404 with an OperationOutcome for a version id that is not a number this server issued', async () => {
    const { id } = await threeVersions();
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}/_history/abc` });
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('returns 404 with an OperationOutcome for an unknown resource', async () => {
    const res = await app.inject({ method: 'GET', url: '/Patient/bestaat-niet/_history/1' });
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('returns 400 with an OperationOutcome for an invalid id', async () => {
    const res = await app.inject({ method: 'GET', url: '/Patient/pat_1/_history/1' });
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('returns 410 with an OperationOutcome for the version that records the delete', async () => {
    const { id } = await threeVersions();
    await app.inject({ method: 'DELETE', url: `/Patient/${id}` });
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}/_history/4` });
    expect(res.statusCode).toBe(410);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('still returns the versions before a delete', async () => {
    const { id, versions } = await threeVersions();
    await app.inject({ method: 'DELETE', url: `/Patient/${id}` });
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}/_history/3` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(versions[2]);
  });
});
