// $validate: POST [type]/$validate, POST|GET [type]/[id]/$validate
// (http://hl7.org/fhir/R4/resource-operation-validate.html): answers 200 with an OperationOutcome, stores nothing.
import type { OperationOutcome, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/app.js';

const { app, db } = await createTestApp();

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';

function patient(extra: Record<string, unknown> = {}): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: '999600011' }],
    name: [{ family: 'Vermeulen', given: ['Sophie'] }],
    gender: 'female',
    birthDate: '2010-12-24',
    ...extra,
  } as Patient;
}

function validate(body: unknown, url = '/Patient/$validate') {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/fhir+json' },
    payload: JSON.stringify(body),
  });
}

async function rows(): Promise<[number, number]> {
  const [p] = await db.sql`SELECT count(*)::int AS count FROM "Patient"`;
  const [h] = await db.sql`SELECT count(*)::int AS count FROM resource_history WHERE resource_type <> 'AuditEvent'`;
  return [p.count, h.count];
}

const errorPaths = (outcome: OperationOutcome) =>
  outcome.issue.filter((i) => i.severity === 'error' || i.severity === 'fatal').flatMap((i) => i.expression ?? []);

async function createPatient(): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/Patient',
    headers: { 'content-type': 'application/fhir+json' },
    payload: JSON.stringify(patient()),
  });
  return res.json().id;
}

describe('$validate', () => {
  it('answers 200 with an information-only OperationOutcome for a valid resource', async () => {
    const res = await validate(patient());
    expect(res.statusCode).toBe(200);
    const outcome = res.json() as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue.length).toBeGreaterThan(0);
    expect(outcome.issue.every((i) => i.severity === 'information')).toBe(true);
  });

  it('answers 200 with error issues naming each invalid element', async () => {
    const res = await validate(patient({ foo: 1, gender: 'foo', active: 'ja' }));
    expect(res.statusCode).toBe(200);
    expect(errorPaths(res.json())).toEqual(expect.arrayContaining(['Patient.foo', 'Patient.gender', 'Patient.active']));
  });

  it.each([
    ['a valid', patient()],
    ['an invalid', patient({ gender: 'foo' })],
  ])('stores nothing for %s resource', async (_what, resource) => {
    const before = await rows();
    await validate(resource);
    expect(await rows()).toEqual(before);
  });

  it('takes the resource from a Parameters body', async () => {
    const res = await validate({
      resourceType: 'Parameters',
      parameter: [{ name: 'resource', resource: patient({ gender: 'foo' }) }],
    });
    expect(res.statusCode).toBe(200);
    expect(errorPaths(res.json())).toContain('Patient.gender');
  });

  it('accepts a valid resource in a Parameters body with mode=create', async () => {
    const res = await validate({
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: patient() },
        { name: 'mode', valueCode: 'create' },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().issue.every((i: { severity: string }) => i.severity === 'information')).toBe(true);
  });

  it('returns 400 with an OperationOutcome for an unknown mode', async () => {
    const res = await validate({
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: patient() },
        { name: 'mode', valueCode: 'vernietig' },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('returns 400 with an OperationOutcome when the resource type differs from the URL', async () => {
    const res = await validate({ resourceType: 'Organization', name: 'Vilans' });
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('returns 400 with an OperationOutcome when there is no resource to validate', async () => {
    const res = await validate({ resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'create' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });
});

describe('[type]/[id]/$validate', () => {
  it('answers mode=delete for an existing resource with 200 and an information OperationOutcome, deleting nothing', async () => {
    const id = await createPatient();
    const res = await validate(
      { resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'delete' }] },
      `/Patient/${id}/$validate`,
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().issue.every((i: { severity: string }) => i.severity === 'information')).toBe(true);
    expect((await app.inject({ method: 'GET', url: `/Patient/${id}` })).statusCode).toBe(200);
  });

  it('accepts mode=delete as a query parameter on GET', async () => {
    const id = await createPatient();
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}/$validate?mode=delete` });
    expect(res.statusCode).toBe(200);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('returns 404 with an OperationOutcome for mode=delete on an unknown resource', async () => {
    const res = await app.inject({ method: 'GET', url: '/Patient/bestaat-niet/$validate?mode=delete' });
    expect(res.statusCode).toBe(404);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('validates the stored resource when no body is given', async () => {
    const id = await createPatient();
    const res = await app.inject({ method: 'GET', url: `/Patient/${id}/$validate` });
    expect(res.statusCode).toBe(200);
    expect(res.json().issue.every((i: { severity: string }) => i.severity === 'information')).toBe(true);
  });

  it('validates a proposed update with mode=update and stores nothing', async () => {
    const id = await createPatient();
    const before = await rows();
    const res = await validate(
      {
        resourceType: 'Parameters',
        parameter: [
          { name: 'resource', resource: patient({ id, gender: 'foo' }) },
          { name: 'mode', valueCode: 'update' },
        ],
      },
      `/Patient/${id}/$validate`,
    );
    expect(res.statusCode).toBe(200);
    expect(errorPaths(res.json())).toContain('Patient.gender');
    expect(await rows()).toEqual(before);
  });

  it('returns 400 for mode=update when the resource id differs from the URL', async () => {
    const id = await createPatient();
    const res = await validate(
      {
        resourceType: 'Parameters',
        parameter: [
          { name: 'resource', resource: patient({ id: 'ander' }) },
          { name: 'mode', valueCode: 'update' },
        ],
      },
      `/Patient/${id}/$validate`,
    );
    expect(res.statusCode).toBe(400);
  });

  it('returns 400 for mode=delete without an instance', async () => {
    const res = await validate({ resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'delete' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });
});
