// Content negotiation, _format and _pretty (http://hl7.org/fhir/R4/http.html#mime-type, #parameters): the server
// speaks FHIR JSON only; XML asked for is 406, XML sent is 415.
import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/support/app.js';

const { app, db } = await createTestApp();

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const PATIENT: Patient = {
  resourceType: 'Patient',
  identifier: [{ system: BSN, value: '999990019' }],
  name: [{ family: 'van den Berg', given: ['Thijs'] }],
  gender: 'male',
  birthDate: '1988-10-05',
};

function post(contentType: string, headers: Record<string, string> = {}, url = '/Patient') {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': contentType, ...headers },
    payload: JSON.stringify(PATIENT),
  });
}

const created = await post('application/fhir+json');
const id = created.json().id as string;

async function historyRows(): Promise<number> {
  const [row] = await db.sql`SELECT count(*)::int AS count FROM resource_history WHERE resource_type <> 'AuditEvent'`;
  return row.count;
}

describe('Accept', () => {
  it.each([
    ['application/fhir+json', 'application/fhir+json'],
    ['application/json', 'application/json'],
    ['application/json+fhir', 'application/fhir+json'],
    ['application/fhir+json; fhirVersion=4.0', 'application/fhir+json'],
    ['*/*', 'application/fhir+json'],
    ['application/fhir+xml, application/fhir+json;q=0.9', 'application/fhir+json'],
  ])('answers Accept: %s in %s', async (accept, mediaType) => {
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}`, headers: { accept } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(`${mediaType}; charset=utf-8`);
    expect(res.json().id).toBe(id);
  });

  it('answers in application/fhir+json when there is no Accept header', async () => {
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}` });
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
  });

  it.each(['application/fhir+xml', 'application/xml', 'text/html'])(
    'returns 406 with an OperationOutcome in JSON for Accept: %s',
    async (accept) => {
      const res = await app.inject({ method: 'GET', url: `/Patient/${id}`, headers: { accept } });
      expect(res.statusCode).toBe(406);
      expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expect(res.json().resourceType).toBe('OperationOutcome');
    },
  );

  it('writes nothing when a create cannot be answered in an acceptable format', async () => {
    const before = await historyRows();
    const res = await post('application/fhir+json', { accept: 'application/fhir+xml' });
    expect(res.statusCode).toBe(406);
    expect(await historyRows()).toBe(before);
  });

  it('answers Accept: text/json, a generic JSON type, in JSON', async () => {
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}`, headers: { accept: 'text/json' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().id).toBe(id);
  });
});

describe('_format', () => {
  it.each(['xml', 'text/xml', 'application/xml', 'application/fhir+xml'])(
    'returns 406 with an OperationOutcome for _format=%s',
    async (format) => {
      const res = await app.inject({ method: 'GET', url: `/Patient/${id}?_format=${encodeURIComponent(format)}` });
      expect(res.statusCode).toBe(406);
      expect(res.json().resourceType).toBe('OperationOutcome');
    },
  );

  it.each([
    ['json', 'application/fhir+json'],
    ['application/json', 'application/json'],
    ['application/fhir+json', 'application/fhir+json'],
  ])('answers _format=%s in %s', async (format, mediaType) => {
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}?_format=${encodeURIComponent(format)}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(`${mediaType}; charset=utf-8`);
  });

  it('overrides the Accept header', async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/Patient/${id}?_format=json`,
      headers: { accept: 'application/fhir+xml' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().id).toBe(id);
  });
});

describe('Content-Type of a request body', () => {
  it.each([
    'application/fhir+json',
    'application/json',
    'application/json+fhir',
    'application/fhir+json; charset=utf-8',
    'application/fhir+json; fhirVersion=4.0',
  ])('accepts a create sent as %s', async (contentType) => {
    const res = await post(contentType);
    expect(res.statusCode).toBe(201);
    expect(res.json().resourceType).toBe('Patient');
  });

  it.each(['application/xml', 'application/fhir+xml', 'text/plain'])(
    'returns 415 with an OperationOutcome for a create sent as %s',
    async (contentType) => {
      const res = await post(contentType);
      expect(res.statusCode).toBe(415);
      expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expect(res.json().resourceType).toBe('OperationOutcome');
    },
  );

  it('returns 415 for an update sent as application/fhir+xml, and changes nothing', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: `/Patient/${id}`,
      headers: { 'content-type': 'application/fhir+xml' },
      payload: `<Patient xmlns="http://hl7.org/fhir"><id value="${id}"/><gender value="other"/></Patient>`,
    });
    expect(res.statusCode).toBe(415);
    expect((await app.inject({ method: 'GET', url: `/Patient/${id}` })).headers.etag).toBe('W/"1"');
  });

  it('does not let _format change how the body is read', async () => {
    const res = await post('application/xml', {}, '/Patient?_format=json');
    expect(res.statusCode).toBe(415);
  });
});

describe('_pretty', () => {
  it('indents the response with _pretty=true', async () => {
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}?_pretty=true` });
    expect(res.body).toMatch(/^\{\n {2}"resourceType": "Patient",\n/);
    expect(res.json()).toEqual(created.json());
  });

  it.each(['false', undefined])('sends compact JSON with _pretty=%s', async (pretty) => {
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}${pretty ? `?_pretty=${pretty}` : ''}` });
    expect(res.body).not.toContain('\n');
  });

  it('indents a Bundle too', async () => {
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}/_history?_pretty=true` });
    expect(res.body).toMatch(/^\{\n {2}"resourceType": "Bundle",\n/);
  });

  it('indents the response of a create', async () => {
    const res = await post('application/fhir+json', {}, '/Patient?_pretty=true');
    expect(res.statusCode).toBe(201);
    expect(res.body).toMatch(/^\{\n {2}"resourceType": "Patient",\n/);
  });
});
