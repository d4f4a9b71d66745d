// transaction: POST / with a Bundle of type transaction (http://hl7.org/fhir/R4/http.html#transaction, #trules)
import { randomUUID } from 'node:crypto';
import type { BundleEntry, Coverage, DeviceRequest, Organization, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/app.js';

const { app, db } = await createTestApp();

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const UZOVI = 'http://fhir.nl/fhir/NamingSystem/uzovi';
let seq = 0;
const nextBsn = () => String(999_800_000 + ++seq);
const urn = () => `urn:uuid:${randomUUID()}`;

function patient(bsn = nextBsn(), extra: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: bsn }],
    name: [{ family: 'Hendriks', given: ['Wim'] }],
    gender: 'male',
    birthDate: '1944-08-17',
    ...extra,
  };
}
const insurer: Organization = {
  resourceType: 'Organization',
  identifier: [{ system: UZOVI, value: '3311' }],
  name: 'CZ Zorgverzekeringen',
};
function coverage(beneficiary: string, payor: string): Coverage {
  return {
    resourceType: 'Coverage',
    status: 'active',
    subscriberId: '20240001',
    beneficiary: { reference: beneficiary },
    payor: [{ reference: payor }],
  };
}
function deviceRequest(subject: string, insurance: string): DeviceRequest {
  return {
    resourceType: 'DeviceRequest',
    status: 'active',
    intent: 'order',
    codeCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '58938008', display: 'Wheelchair' }] },
    subject: { reference: subject },
    insurance: [{ reference: insurance }],
  };
}

function post(body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/',
    headers: { 'content-type': 'application/fhir+json', ...headers },
    payload: JSON.stringify(body),
  });
}
const transaction = (entry: BundleEntry[]) => post({ resourceType: 'Bundle', type: 'transaction', entry });
const postEntry = (resource: BundleEntry['resource'], fullUrl = urn(), ifNoneExist?: string): BundleEntry => ({
  fullUrl,
  resource,
  request: { method: 'POST', url: resource!.resourceType, ...(ifNoneExist ? { ifNoneExist } : {}) },
});

/** "Patient/abc/_history/1" -> "abc" */
const idOf = (entry: { response: { location: string } }) => entry.response.location.split('/')[1];

async function createPatient(bsn = nextBsn()): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/Patient',
    headers: { 'content-type': 'application/fhir+json' },
    payload: JSON.stringify(patient(bsn)),
  });
  return res.json().id;
}
async function read(path: string) {
  return (await app.inject({ method: 'GET', url: `/${path}` })).json();
}
async function rows(): Promise<{ patients: number; history: number }> {
  const [p] = await db.sql`SELECT count(*)::int AS count FROM "Patient"`;
  const [h] = await db.sql`SELECT count(*)::int AS count FROM resource_history WHERE resource_type <> 'AuditEvent'`;
  return { patients: p.count, history: h.count };
}

describe('transaction', () => {
  it('returns 200 with a transaction-response holding one entry per request entry, in order', async () => {
    const res = await transaction([postEntry(patient()), postEntry(insurer)]);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.type).toBe('transaction-response');
    expect(
      body.entry.map((e: { response: { status: string; location: string } }) => [
        e.response.status,
        e.response.location.split('/')[0],
      ]),
    ).toEqual([
      ['201 Created', 'Patient'],
      ['201 Created', 'Organization'],
    ]);
  });

  it('rewrites urn:uuid references between a Patient, a Coverage and a DeviceRequest to the assigned Type/id', async () => {
    const [p, o, c, d] = [urn(), urn(), urn(), urn()];
    const res = await transaction([
      postEntry(deviceRequest(p, c), d),
      postEntry(coverage(p, o), c),
      postEntry(patient(), p),
      postEntry(insurer, o),
    ]);
    expect(res.statusCode).toBe(200);
    const [dr, cov, pat, org] = res.json().entry.map(idOf);
    expect(await read(`DeviceRequest/${dr}`)).toMatchObject({
      subject: { reference: `Patient/${pat}` },
      insurance: [{ reference: `Coverage/${cov}` }],
    });
    expect(await read(`Coverage/${cov}`)).toMatchObject({
      beneficiary: { reference: `Patient/${pat}` },
      payor: [{ reference: `Organization/${org}` }],
    });
  });

  it('rewrites a urn:uuid fullUrl that appears in a uri element', async () => {
    const p = urn();
    const request = { ...deviceRequest(p, 'Coverage/onbekend'), instantiatesUri: [p] };
    const res = await transaction([postEntry(patient(), p), postEntry(request)]);
    const [pat, dr] = res.json().entry.map(idOf);
    expect((await read(`DeviceRequest/${dr}`)).instantiatesUri).toEqual([`Patient/${pat}`]);
  });

  it('resolves a conditional reference on the BSN to the one matching Patient', async () => {
    const bsn = nextBsn();
    const id = await createPatient(bsn);
    const res = await transaction([postEntry(coverage(`Patient?identifier=${BSN}|${bsn}`, 'Organization/onbekend'))]);
    expect(res.statusCode).toBe(200);
    expect((await read(`Coverage/${idOf(res.json().entry[0])}`)).beneficiary).toEqual({ reference: `Patient/${id}` });
  });

  it.each([
    ['matches no Patient', 0],
    ['matches two Patients', 2],
  ])('fails with 400 naming the entry when a conditional reference %s', async (_what, matches) => {
    const bsn = nextBsn();
    for (let i = 0; i < matches; i++) await createPatient(bsn);
    const before = await rows();
    const res = await transaction([
      postEntry(patient()),
      postEntry(coverage(`Patient?identifier=${BSN}|${bsn}`, 'Organization/x')),
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(res.json().issue[0].diagnostics).toContain('Bundle.entry[1]');
    expect(await rows()).toEqual(before);
  });

  it('leaves nothing behind when the last entry is invalid, and names that entry', async () => {
    const before = await rows();
    const res = await transaction([
      postEntry(patient()),
      postEntry(patient()),
      postEntry(patient(nextBsn(), { gender: 'foo' as Patient['gender'] })),
    ]);
    expect(res.statusCode).toBe(400);
    const outcome = res.json();
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0].diagnostics).toContain('Bundle.entry[2]');
    expect(outcome.issue.flatMap((i: { expression?: string[] }) => i.expression ?? [])).toContain(
      'Bundle.entry[2].resource.gender',
    );
    expect(await rows()).toEqual(before);
  });

  it('rolls back earlier writes when a later PUT fails', async () => {
    const id = await createPatient();
    const before = await rows();
    const res = await transaction([
      postEntry(patient()),
      { resource: { ...patient(), id }, request: { method: 'PUT', url: `Patient/${id}`, ifMatch: 'W/"9"' } },
    ]);
    expect(res.statusCode).toBe(412);
    expect(await rows()).toEqual(before);
  });

  it('accepts an empty transaction', async () => {
    const res = await transaction([]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ resourceType: 'Bundle', type: 'transaction-response' });
  });
});

describe('transaction processing order', () => {
  it('runs a GET after a PUT that comes later in the Bundle', async () => {
    const id = `volgorde-${randomUUID()}`;
    const res = await transaction([
      { request: { method: 'GET', url: `Patient/${id}` } },
      { resource: { ...patient(), id }, request: { method: 'PUT', url: `Patient/${id}` } },
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.json().entry[0]).toMatchObject({ response: { status: '200 OK' }, resource: { id } });
  });

  it('runs a GET after a POST that comes later in the Bundle', async () => {
    const res = await transaction([
      { request: { method: 'GET', url: 'Patient/_history?_count=1' } },
      postEntry(patient()),
    ]);
    const [history, created] = res.json().entry;
    expect(history.resource.entry[0].resource.id).toBe(idOf(created));
  });

  it('runs a DELETE before a GET that comes earlier in the Bundle', async () => {
    const id = await createPatient();
    const res = await transaction([
      { request: { method: 'GET', url: `Patient/${id}/_history` } },
      { request: { method: 'DELETE', url: `Patient/${id}` } },
    ]);
    expect(res.json().entry[0].resource.entry[0].request.method).toBe('DELETE');
  });

  it('runs a DELETE before a conditional POST that comes earlier in the Bundle', async () => {
    const bsn = nextBsn();
    const id = await createPatient(bsn);
    const res = await transaction([
      postEntry(patient(bsn), urn(), `identifier=${BSN}|${bsn}`),
      { request: { method: 'DELETE', url: `Patient/${id}` } },
    ]);
    expect(res.json().entry[0].response.status).toBe('201 Created');
    expect(idOf(res.json().entry[0])).not.toBe(id);
  });

  it.each([
    ['two PUTs', 'PUT'],
    ['a DELETE and a PUT', 'DELETE'],
  ])('fails when %s name the same resource', async (_what, firstMethod) => {
    const id = await createPatient();
    const before = await rows();
    const first =
      firstMethod === 'PUT'
        ? { resource: { ...patient(), id, gender: 'other' }, request: { method: 'PUT', url: `Patient/${id}` } }
        : { request: { method: 'DELETE', url: `Patient/${id}` } };
    const res = await transaction([
      first as BundleEntry,
      { resource: { ...patient(), id, gender: 'unknown' }, request: { method: 'PUT', url: `Patient/${id}` } },
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await rows()).toEqual(before);
  });
});

describe('transaction entries', () => {
  it('updates the one Patient a conditional PUT URL matches', async () => {
    const bsn = nextBsn();
    const id = await createPatient(bsn);
    const res = await transaction([
      {
        resource: patient(bsn, { gender: 'other' }),
        request: { method: 'PUT', url: `Patient?identifier=${BSN}|${bsn}` },
      },
    ]);
    expect(res.json().entry[0].response).toMatchObject({ status: '200 OK', etag: 'W/"2"' });
    expect(await read(`Patient/${id}`)).toMatchObject({ gender: 'other' });
  });

  it('creates a Patient when a conditional PUT URL matches nothing', async () => {
    const bsn = nextBsn();
    const res = await transaction([
      { resource: patient(bsn), request: { method: 'PUT', url: `Patient?identifier=${BSN}|${bsn}` } },
    ]);
    expect(res.json().entry[0].response.status).toBe('201 Created');
  });

  it('returns the existing Patient (200) for a conditional POST that matches, and points references at it', async () => {
    const bsn = nextBsn();
    const id = await createPatient(bsn);
    const p = urn();
    const res = await transaction([
      postEntry(patient(bsn), p, `identifier=${BSN}|${bsn}`),
      postEntry(coverage(p, 'Organization/x')),
    ]);
    const [pat, cov] = res.json().entry;
    expect(pat.response.status).toBe('200 OK');
    expect((await read(`Coverage/${idOf(cov)}`)).beneficiary).toEqual({ reference: `Patient/${id}` });
  });

  it('applies a PATCH entry carried as a Binary JSON Patch', async () => {
    const id = await createPatient();
    const data = Buffer.from(JSON.stringify([{ op: 'replace', path: '/gender', value: 'other' }])).toString('base64');
    const res = await transaction([
      {
        resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data },
        request: { method: 'PATCH', url: `Patient/${id}` },
      },
    ]);
    expect(res.json().entry[0].response).toMatchObject({ status: '200 OK', etag: 'W/"2"' });
    expect(await read(`Patient/${id}`)).toMatchObject({ gender: 'other' });
  });

  it('applies a conditional PATCH entry to the one resource its criteria match, and fails the whole when none does', async () => {
    const bsn = nextBsn();
    const id = await createPatient(bsn);
    const data = Buffer.from(JSON.stringify([{ op: 'replace', path: '/gender', value: 'other' }])).toString('base64');
    const patch = (criteria: string): BundleEntry => ({
      resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data },
      request: { method: 'PATCH', url: `Patient?${criteria}` },
    });
    const res = await transaction([patch(`identifier=http://fhir.nl/fhir/NamingSystem/bsn|${bsn}`)]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().entry[0].response).toMatchObject({ status: '200 OK', etag: 'W/"2"' });
    expect(await read(`Patient/${id}`)).toMatchObject({ gender: 'other' });
    const before = await rows();
    const none = await transaction([
      { resource: patient(nextBsn()), request: { method: 'POST', url: 'Patient' } },
      patch('identifier=http://fhir.nl/fhir/NamingSystem/bsn|000000000'),
    ]);
    expect(none.statusCode).toBe(404);
    expect(none.body).toContain('Bundle.entry[1]');
    expect(await rows()).toEqual(before); // the create of entry 0 rolled back with it
  });
});
