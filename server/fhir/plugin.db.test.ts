// The FHIR plugin's error handling: every error is an OperationOutcome (http://hl7.org/fhir/R4/http.html#Status-Codes),
// with the body limit, JSON parsing, unknown routes and X-Request-Id.
import type { OperationOutcome, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/support/app.js';
import { ERROR_CODE_SYSTEM } from './outcome.js';

const { app, db } = await createTestApp();
const small = await createTestApp({ maxBodyBytes: 2048 });

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';

function patient(extra: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: '999900018' }],
    name: [{ family: 'Dekker', given: ['Ruben'] }],
    gender: 'male',
    birthDate: '1970-05-05',
    ...extra,
  };
}

function postRaw(payload: string, target = app) {
  return target.inject({
    method: 'POST',
    url: '/Patient',
    headers: { 'content-type': 'application/fhir+json' },
    payload,
  });
}

function hubCode(outcome: OperationOutcome): string | undefined {
  return outcome.issue[0].details?.coding?.find((c) => c.system === ERROR_CODE_SYSTEM)?.code;
}

describe('errors', () => {
  it('are OperationOutcomes with Content-Type application/fhir+json', async () => {
    const res = await app.inject({ method: 'GET', url: '/Patient/onbekend' });
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(res.json().issue[0]).toMatchObject({ severity: 'error', code: 'not-found' });
  });

  it('carry the hub error code in issue.details', async () => {
    const res = await app.inject({ method: 'GET', url: '/Patient/onbekend' });
    expect(hubCode(res.json())).toBe('HUB_ERR_STORE_NOT_FOUND');
  });

  it('return 500 with a fatal OperationOutcome that quotes the request id and hides the cause', async () => {
    await db.sql`DROP TABLE "Basic"`;
    const res = await app.inject({ method: 'GET', url: '/Basic/kapot' });
    expect(res.statusCode).toBe(500);
    const outcome = res.json() as OperationOutcome;
    expect(outcome.issue[0]).toMatchObject({ severity: 'fatal', code: 'exception' });
    expect(outcome.issue[0].diagnostics).toContain(String(res.headers['x-request-id']));
    expect(res.body).not.toMatch(/relation|Basic/);
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/Patient/1/2/3/4'],
    ['GET', '/Patient/1/_history/1/extra'],
    ['POST', '/Patient/1/2'],
  ] as const)('returns 404 with an OperationOutcome for %s %s', async (method, url) => {
    const res = await app.inject({ method, url, headers: { 'content-type': 'application/fhir+json' }, payload: '{}' });
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(hubCode(res.json())).toBe('HUB_ERR_REST_NO_ROUTE');
  });

  it('refuses a method the server does not support on a path with an OperationOutcome', async () => {
    const res = await app.inject({
      method: 'PATCH',
      url: '/Patient',
      headers: { 'content-type': 'application/json-patch+json' },
      payload: '[]',
    });
    expect([404, 405]).toContain(res.statusCode);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });
});

describe('body limit', () => {
  const big = JSON.stringify(patient({ name: [{ family: 'Dekker', given: ['R'.repeat(3000)] }] }));

  it('returns 413 with an OperationOutcome for a body over the limit', async () => {
    const res = await postRaw(big, small.app);
    expect(res.statusCode).toBe(413);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(res.json().issue[0].code).toBe('too-costly');
  });

  it('names the limit in the message', async () => {
    const res = await postRaw(big, small.app);
    expect(res.json().issue[0].diagnostics).toContain('2048 bytes');
  });

  it('stores nothing for a body over the limit', async () => {
    await postRaw(big, small.app);
    const [row] = await small.db
      .sql`SELECT count(*)::int AS count FROM resource_history WHERE resource_type <> 'AuditEvent'`;
    expect(row.count).toBe(0);
  });

  it('accepts a body under the limit', async () => {
    const res = await postRaw(JSON.stringify(patient()), small.app);
    expect(res.statusCode).toBe(201);
  });
});

describe('invalid JSON', () => {
  it.each([
    ['a truncated object', '{"resourceType":"Patient",'],
    ['a trailing comma', '{"resourceType":"Patient",}'],
    ['single quotes', "{'resourceType':'Patient'}"],
    ['an empty body', ''],
  ])('returns 400 with an OperationOutcome for %s', async (_what, payload) => {
    const res = await postRaw(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(res.json().issue[0].severity).toBe('error');
  });

  it('names the JSON problem with issue code structure', async () => {
    const res = await postRaw('{"resourceType":"Patient",');
    expect(res.json().issue[0].code).toBe('structure');
    expect(hubCode(res.json())).toBe('HUB_ERR_REST_INVALID_JSON');
  });

  it('returns 400 with an OperationOutcome for a __proto__ key', async () => {
    const res = await postRaw('{"resourceType":"Patient","__proto__":{"admin":true}}');
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it.each([
    ['a JSON array', '[]'],
    ['a JSON string', '"Patient"'],
    ['JSON null', 'null'],
  ])('returns 400 with an OperationOutcome for %s as a create body', async (_what, payload) => {
    const res = await postRaw(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });
});

describe('X-Request-Id', () => {
  it('is set on a successful response', async () => {
    const res = await postRaw(JSON.stringify(patient()));
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it.each([
    ['a 404', () => app.inject({ method: 'GET', url: '/Patient/onbekend' })],
    ['an unknown route', () => app.inject({ method: 'GET', url: '/a/b/c/d/e' })],
    ['invalid JSON', () => postRaw('{')],
    ['a 413', () => postRaw('x'.repeat(4096), small.app)],
  ])('is set on %s', async (_what, send) => {
    const res = await send();
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('differs between requests', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(async () => (await app.inject({ method: 'GET', url: '/metadata' })).headers['x-request-id']),
    );
    expect(new Set(ids).size).toBe(3);
  });
});

describe('capabilities', () => {
  it('answers GET /metadata with a CapabilityStatement', async () => {
    const res = await app.inject({ method: 'GET', url: '/metadata' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
  });
});
