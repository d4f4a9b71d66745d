// Prefer: return=minimal | representation | OperationOutcome on writes (http://hl7.org/fhir/R4/http.html#prefer)
import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp, TEST_BASE_URL } from '../../test/support/app.js';

const { app } = await createTestApp();

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';

function patient(extra: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: '999980013' }],
    name: [{ family: 'Bos', given: ['Julia'] }],
    gender: 'female',
    birthDate: '1978-02-11',
    ...extra,
  };
}

function send(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body: unknown, prefer?: string) {
  return app.inject({
    method,
    url,
    headers: {
      ...(body === undefined
        ? {}
        : { 'content-type': method === 'PATCH' ? 'application/json-patch+json' : 'application/fhir+json' }),
      ...(prefer ? { prefer } : {}),
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
}

async function createdId(): Promise<string> {
  const res = await send('POST', '/Patient', patient());
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

describe('Prefer: return=minimal', () => {
  it('answers a create with 201 and an empty body', async () => {
    const res = await send('POST', '/Patient', patient(), 'return=minimal');
    expect(res.statusCode).toBe(201);
    expect(res.body).toBe('');
  });

  it('still sets Location, ETag and Last-Modified on a create', async () => {
    const res = await send('POST', '/Patient', patient(), 'return=minimal');
    expect(res.headers.location).toMatch(new RegExp(`^${TEST_BASE_URL}/Patient/[A-Za-z0-9\\-.]+/_history/1$`));
    expect(res.headers.etag).toBe('W/"1"');
    expect(new Date(String(res.headers['last-modified'])).getTime()).not.toBeNaN();
  });

  it('creates the resource all the same', async () => {
    const res = await send('POST', '/Patient', patient(), 'return=minimal');
    const path = String(res.headers.location)
      .slice(TEST_BASE_URL.length)
      .replace(/\/_history\/1$/, '');
    expect((await app.inject({ method: 'GET', url: path })).statusCode).toBe(200);
  });

  it('answers an update with 200, an empty body and ETag W/"2"', async () => {
    const id = await createdId();
    const res = await send('PUT', `/Patient/${id}`, patient({ id, gender: 'other' }), 'return=minimal');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(res.headers.etag).toBe('W/"2"');
  });

  it('answers a patch with an empty body and ETag W/"2"', async () => {
    const id = await createdId();
    const res = await send(
      'PATCH',
      `/Patient/${id}`,
      [{ op: 'replace', path: '/gender', value: 'other' }],
      'return=minimal',
    );
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(res.headers.etag).toBe('W/"2"');
  });

  it('answers a delete without a body', async () => {
    const id = await createdId();
    const res = await send('DELETE', `/Patient/${id}`, undefined, 'return=minimal');
    expect([200, 204]).toContain(res.statusCode);
    expect(res.body).toBe('');
  });

  it('is read among other preferences in the same header', async () => {
    const res = await send('POST', '/Patient', patient(), 'handling=strict, return=minimal');
    expect(res.body).toBe('');
  });

  it('still returns an OperationOutcome when the write fails', async () => {
    const res = await send('POST', '/Patient', patient({ gender: 'foo' as Patient['gender'] }), 'return=minimal');
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });
});

describe('Prefer: return=OperationOutcome', () => {
  it('answers a create with 201 and an OperationOutcome instead of the resource', async () => {
    const res = await send('POST', '/Patient', patient(), 'return=OperationOutcome');
    expect(res.statusCode).toBe(201);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(
      res.json().issue.every((i: { severity: string }) => i.severity === 'information' || i.severity === 'warning'),
    ).toBe(true);
  });

  it('still sets Location and ETag on a create', async () => {
    const res = await send('POST', '/Patient', patient(), 'return=OperationOutcome');
    expect(res.headers.location).toMatch(/\/Patient\/[A-Za-z0-9\-.]+\/_history\/1$/);
    expect(res.headers.etag).toBe('W/"1"');
  });

  it('answers an update with an OperationOutcome', async () => {
    const id = await createdId();
    const res = await send('PUT', `/Patient/${id}`, patient({ id, gender: 'other' }), 'return=OperationOutcome');
    expect(res.statusCode).toBe(200);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(res.headers.etag).toBe('W/"2"');
  });
});

describe('Prefer: return=representation', () => {
  it.each([
    ['when asked for', 'return=representation'],
    ['by default', undefined],
  ])('returns the stored resource %s', async (_when, prefer) => {
    const res = await send('POST', '/Patient', patient(), prefer);
    expect(res.statusCode).toBe(201);
    const read = await app.inject({ method: 'GET', url: `/Patient/${res.json().id}` });
    expect(res.json()).toEqual(read.json());
  });
});

describe('Prefer on a transaction', () => {
  const transaction = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:2b7d5c4e-1f0a-4c39-9c59-7a4a1d0e0b11',
        resource: patient(),
        request: { method: 'POST', url: 'Patient' },
      },
    ],
  };

  it('leaves the resources out of the response entries with return=minimal', async () => {
    const res = await send('POST', '/', transaction, 'return=minimal');
    expect(res.statusCode).toBe(200);
    const [entry] = res.json().entry;
    expect(entry.resource).toBeUndefined();
    expect(entry.response.status).toMatch(/^201/);
    expect(entry.response.location).toMatch(/^Patient\/[A-Za-z0-9\-.]+\/_history\/1$/);
  });

  it('puts an OperationOutcome in response.outcome with return=OperationOutcome', async () => {
    const res = await send('POST', '/', transaction, 'return=OperationOutcome');
    const [entry] = res.json().entry;
    expect(entry.resource).toBeUndefined();
    expect(entry.response.outcome?.resourceType).toBe('OperationOutcome');
  });

  it('includes the resources by default', async () => {
    const res = await send('POST', '/', transaction);
    expect(res.json().entry[0].resource).toMatchObject({ resourceType: 'Patient', meta: { versionId: '1' } });
  });
});
