// create and conditional create: POST [type] (http://hl7.org/fhir/R4/http.html#create, #ccreate)
import type { OperationOutcome, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp, TEST_BASE_URL } from '../../../test/support/app.js';

const { app, db } = await createTestApp();

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
let bsnSeq = 0;
/** A BSN no other test in this file uses, so conditional criteria match only this test's resources. */
function nextBsn(): string {
  return String(999_910_000 + ++bsnSeq);
}

function patient(bsn = nextBsn(), extra: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: bsn }],
    name: [{ family: 'de Vries', given: ['Sanne'] }],
    gender: 'female',
    birthDate: '1982-06-14',
    address: [{ city: 'Utrecht', country: 'NL' }],
    ...extra,
  };
}

function create(body: unknown, headers: Record<string, string> = {}, url = '/Patient') {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/fhir+json', ...headers },
    payload: JSON.stringify(body),
  });
}

async function count(sql: string): Promise<number> {
  const [row] = await db.sql.unsafe(sql);
  return Number(row.count);
}

async function patientsWithBsn(bsn: string): Promise<number> {
  return count(`SELECT count(*) FROM "Patient" WHERE NOT deleted AND content LIKE '%${bsn}%'`);
}

describe('create', () => {
  it('returns 201 with the created Patient', async () => {
    const res = await create(patient());
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(res.json()).toMatchObject({ resourceType: 'Patient', name: [{ family: 'de Vries', given: ['Sanne'] }] });
  });

  it('sets Location to [base]/Patient/[id]/_history/1', async () => {
    const res = await create(patient());
    expect(res.headers.location).toBe(`${TEST_BASE_URL}/Patient/${res.json().id}/_history/1`);
  });

  it('sets ETag W/"1" and Last-Modified from meta.lastUpdated', async () => {
    const res = await create(patient());
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.headers['last-modified']).toBe(new Date(res.json().meta.lastUpdated).toUTCString());
  });

  it('assigns its own id, ignoring an id in the body', async () => {
    const res = await create({ ...patient(), id: 'client-chosen-id' });
    expect(res.statusCode).toBe(201);
    expect(res.json().id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    expect(res.json().id).not.toBe('client-chosen-id');
    const read = await app.inject({ method: 'GET', url: '/Patient/client-chosen-id' });
    expect(read.statusCode).toBe(404);
  });

  it('sets meta.versionId and meta.lastUpdated, ignoring the values the client sent', async () => {
    const before = Date.now();
    const res = await create({
      ...patient(),
      meta: { versionId: '7', lastUpdated: '2001-01-01T00:00:00Z', source: 'urn:oid:2.16.840.1.113883.2.4.6.6.1' },
    });
    const meta = res.json().meta;
    expect(meta.versionId).toBe('1');
    expect(new Date(meta.lastUpdated).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(meta.source).toBe('urn:oid:2.16.840.1.113883.2.4.6.6.1');
  });

  it('stores what it returns: a read gives the same resource', async () => {
    const res = await create(patient());
    const read = await app.inject({ method: 'GET', url: `/Patient/${res.json().id}` });
    expect(read.json()).toEqual(res.json());
  });

  it('returns 400 with an OperationOutcome when the body is another resource type than the URL', async () => {
    const res = await create({ resourceType: 'Organization', name: 'Zilveren Kruis' });
    expect(res.statusCode).toBe(400);
    const outcome = res.json() as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].severity).toBe('error');
    expect(outcome.issue[0].diagnostics).toMatch(/Organization/);
  });

  it.each([
    ['an unknown element', { foo: 'bar' }, 'Patient.foo'],
    ['a wrong type', { active: 'ja' }, 'Patient.active'],
    ['a code outside the required ValueSet', { gender: 'foo' }, 'Patient.gender'],
    ['an object where an array is required', { name: { family: 'Bakker' } }, 'Patient.name'],
    ['an invalid date', { birthDate: '1982-02-30' }, 'Patient.birthDate'],
  ])('returns 400 with an OperationOutcome naming the element for %s', async (_what, extra, path) => {
    const res = await create({ ...patient(), ...extra });
    expect(res.statusCode).toBe(400);
    const outcome = res.json() as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    const errorPaths = outcome.issue.filter((i) => i.severity === 'error').flatMap((i) => i.expression ?? []);
    expect(errorPaths).toContain(path);
  });

  it('stores nothing when the resource is invalid', async () => {
    const before = await count("SELECT count(*) FROM resource_history WHERE resource_type <> 'AuditEvent'");
    await create({ ...patient(), gender: 'foo' });
    expect(await count("SELECT count(*) FROM resource_history WHERE resource_type <> 'AuditEvent'")).toBe(before);
  });

  it('returns 404 with an OperationOutcome for a resource type that does not exist', async () => {
    const res = await create({ resourceType: 'Zorgverzekeraar', name: 'Menzis' }, {}, '/Zorgverzekeraar');
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });
});

describe('conditional create', () => {
  it('creates the resource (201) when If-None-Exist matches nothing', async () => {
    const bsn = nextBsn();
    const res = await create(patient(bsn), { 'if-none-exist': `identifier=${BSN}|${bsn}` });
    expect(res.statusCode).toBe(201);
    expect(await patientsWithBsn(bsn)).toBe(1);
  });

  it('returns the existing resource with 200 when If-None-Exist matches one', async () => {
    const bsn = nextBsn();
    const first = await create(patient(bsn));
    const res = await create(patient(bsn, { gender: 'male' }), { 'if-none-exist': `identifier=${BSN}|${bsn}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(first.json());
    expect(res.headers.etag).toBe('W/"1"');
  });

  it('creates nothing when If-None-Exist matches one', async () => {
    const bsn = nextBsn();
    await create(patient(bsn));
    const before = await count("SELECT count(*) FROM resource_history WHERE resource_type <> 'AuditEvent'");
    await create(patient(bsn), { 'if-none-exist': `identifier=${BSN}|${bsn}` });
    expect(await count("SELECT count(*) FROM resource_history WHERE resource_type <> 'AuditEvent'")).toBe(before);
    expect(await patientsWithBsn(bsn)).toBe(1);
  });

  it('returns 412 with an OperationOutcome when If-None-Exist matches two', async () => {
    const bsn = nextBsn();
    await create(patient(bsn));
    await create(patient(bsn));
    const res = await create(patient(bsn), { 'if-none-exist': `identifier=${BSN}|${bsn}` });
    expect(res.statusCode).toBe(412);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await patientsWithBsn(bsn)).toBe(2);
  });

  it('accepts If-None-Exist with a leading "?"', async () => {
    const bsn = nextBsn();
    await create(patient(bsn));
    const res = await create(patient(bsn), { 'if-none-exist': `?identifier=${BSN}|${bsn}` });
    expect(res.statusCode).toBe(200);
  });

  it('returns 400 naming the parameter when If-None-Exist uses one the type does not have', async () => {
    const res = await create(patient(), { 'if-none-exist': 'shoe-size=42' });
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0].diagnostics).toContain('shoe-size');
  });

  it('evaluates any search parameter in If-None-Exist, a string and a date here', async () => {
    const family = `Uniek${nextBsn()}`;
    const first = await create(
      { ...patient(), name: [{ family }], birthDate: '1930-01-02' },
      { 'if-none-exist': `family=${family}&birthdate=1930-01-02` },
    );
    const second = await create(
      { ...patient(), name: [{ family }], birthDate: '1930-01-02' },
      { 'if-none-exist': `family=${family}&birthdate=1930-01-02` },
    );
    expect([first.statusCode, second.statusCode]).toEqual([201, 200]);
    expect(second.json().id).toBe(first.json().id);
  });

  it('creates exactly one resource when 10 identical conditional creates run in parallel', async () => {
    const bsn = nextBsn();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => create(patient(bsn), { 'if-none-exist': `identifier=${BSN}|${bsn}` })),
    );
    const statuses = responses.map((res) => res.statusCode).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((res) => res.json().id)).size).toBe(1);
    expect(await patientsWithBsn(bsn)).toBe(1);
  });
});
