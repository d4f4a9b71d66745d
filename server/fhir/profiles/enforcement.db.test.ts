// Profiles on the write path of a real hub: the types of the standard view must conform to the hub profile
// whether or not they claim it (HUB_REQUIRED_PROFILES), claimed profiles are checked, violations answer 422 with
// an OperationOutcome naming element, profile and rule, and nothing is stored. Also $validate with profile=.
import { readFileSync } from 'node:fs';
import type { Bundle, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/app.js';

const HUB_PATIENT = 'https://zorghub.example.org/fhir/StructureDefinition/hub-Patient';
const HUB_COVERAGE = 'https://zorghub.example.org/fhir/StructureDefinition/hub-Coverage';

/** An example of profiles/examples/, without its id. */
function example(path: string): Resource {
  const resource = JSON.parse(
    readFileSync(new URL(`../../../profiles/examples/${path}`, import.meta.url), 'utf8'),
  ) as Resource;
  delete resource.id;
  return resource;
}

const enforced = await createTestApp({ requiredProfiles: 'all' });
const coverageOnly = await createTestApp({ requiredProfiles: ['Coverage'] });
const open = await createTestApp({ requiredProfiles: 'none' });

function send(
  app: typeof enforced.app,
  method: 'POST' | 'PUT' | 'PATCH',
  url: string,
  body: unknown,
  contentType = 'application/fhir+json',
) {
  return app.inject({ method, url, headers: { 'content-type': contentType }, payload: JSON.stringify(body) });
}

const plainPatient: Patient = { resourceType: 'Patient', name: [{ family: 'Bakker' }] };

function errorIssues(body: OperationOutcome) {
  return body.issue.filter((i) => i.severity === 'error');
}

describe('profile enforcement on writes', () => {
  it('refuses a Patient that does not meet hub-Patient with 422, even when it claims no profile', async () => {
    const res = await send(enforced.app, 'POST', '/Patient', plainPatient);
    expect(res.statusCode).toBe(422);
    const body = res.json() as OperationOutcome;
    expect(body.issue[0].details?.coding?.[0].code).toBe('HUB_ERR_STORE_PROFILE_VIOLATION');
    const diagnostics = errorIssues(body)
      .map((i) => i.diagnostics)
      .join('\n');
    expect(diagnostics).toContain(`profile ${HUB_PATIENT}`);
    expect(diagnostics).toContain('Patient.identifier');
    expect(diagnostics).toContain('Patient.birthDate at least 1 required, found 0');
    const [{ count }] = await enforced.db.sql`SELECT count(*)::int AS count FROM "Patient"`;
    expect(count).toBe(0);
  });

  it('stores a Patient that meets the profile, and refuses one failing the 11-proof naming the rule', async () => {
    expect((await send(enforced.app, 'POST', '/Patient', example('hub-Patient/valid-1.json'))).statusCode).toBe(201);
    const res = await send(enforced.app, 'POST', '/Patient', example('hub-Patient/invalid-bsn-11-proof.json'));
    expect(res.statusCode).toBe(422);
    const error = errorIssues(res.json()).find((i) => i.expression && i.diagnostics?.includes('rule hub-pat-1 failed'));
    expect(error?.diagnostics).toContain('passes the 11-proof');
    expect(error?.expression).toEqual(['Patient']);
  });

  it('checks updates and patches too', async () => {
    const created = (
      await send(enforced.app, 'POST', '/Patient', example('hub-Patient/valid-2.json'))
    ).json() as Patient;
    const update = await send(enforced.app, 'PUT', `/Patient/${created.id}`, { ...created, birthDate: undefined });
    expect(update.statusCode).toBe(422);
    const patch = await send(
      enforced.app,
      'PATCH',
      `/Patient/${created.id}`,
      [{ op: 'remove', path: '/birthDate' }],
      'application/json-patch+json',
    );
    expect(patch.statusCode).toBe(422);
    const read = (await enforced.app.inject({ method: 'GET', url: `/Patient/${created.id}` })).json() as Patient;
    expect(read.birthDate).toBe(created.birthDate);
  });

  it('rolls a transaction back when one entry violates its profile, naming the entry', async () => {
    const [{ count: before }] = await enforced.db.sql`SELECT count(*)::int AS count FROM "Patient"`;
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: example('hub-Patient/valid-1.json') as Patient, request: { method: 'POST', url: 'Patient' } },
        { resource: plainPatient, request: { method: 'POST', url: 'Patient' } },
      ],
    };
    const res = await send(enforced.app, 'POST', '/', bundle);
    expect(res.statusCode).toBe(422);
    expect(JSON.stringify(res.json())).toContain('entry[1]');
    const [{ count: after }] = await enforced.db.sql`SELECT count(*)::int AS count FROM "Patient"`;
    expect(after).toBe(before);
  });

  it('enforces only the configured types', async () => {
    expect((await send(coverageOnly.app, 'POST', '/Patient', plainPatient)).statusCode).toBe(201);
    const coverage = example('hub-Coverage/invalid-no-regime.json');
    delete coverage.meta;
    expect((await send(coverageOnly.app, 'POST', '/Coverage', coverage)).statusCode).toBe(422);
  });

  it('with enforcement off, still checks a profile the resource claims, and ignores claims it does not know', async () => {
    expect((await send(open.app, 'POST', '/Patient', plainPatient)).statusCode).toBe(201);
    const claimed = await send(open.app, 'POST', '/Patient', { ...plainPatient, meta: { profile: [HUB_PATIENT] } });
    expect(claimed.statusCode).toBe(422);
    const unknown = await send(open.app, 'POST', '/Patient', {
      ...plainPatient,
      meta: { profile: ['http://example.org/StructureDefinition/elsewhere'] },
    });
    expect(unknown.statusCode).toBe(201);
  });
});

describe('$validate with profile=', () => {
  it('validates against the named profile without storing', async () => {
    const res = await open.app.inject({
      method: 'POST',
      url: `/Patient/$validate?profile=${encodeURIComponent(HUB_PATIENT)}`,
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify(plainPatient),
    });
    expect(res.statusCode).toBe(200);
    const errors = errorIssues(res.json());
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((i) => i.diagnostics?.includes(`profile ${HUB_PATIENT}`))).toBe(true);
  });

  it('takes the profile from a Parameters body, and reports a valid resource as valid', async () => {
    const parameters = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: example('hub-Coverage/valid-1.json') },
        { name: 'profile', valueCanonical: HUB_COVERAGE },
      ],
    };
    const res = await send(open.app, 'POST', '/Coverage/$validate', parameters);
    expect(res.statusCode).toBe(200);
    expect(errorIssues(res.json())).toEqual([]);
  });

  it('answers 400 for a profile the hub does not know, and names claims it cannot check', async () => {
    const unknown = await open.app.inject({
      method: 'POST',
      url: '/Patient/$validate?profile=http://example.org/nope',
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify(plainPatient),
    });
    expect(unknown.statusCode).toBe(400);
    expect(JSON.stringify(unknown.json())).toContain('http://example.org/nope');
    const claims = await send(open.app, 'POST', '/Patient/$validate', {
      ...plainPatient,
      meta: { profile: ['http://example.org/elsewhere'] },
    });
    const warning = (claims.json() as OperationOutcome).issue.find((i) => i.severity === 'warning');
    expect(warning?.diagnostics).toContain('http://example.org/elsewhere, which this hub does not hold');
  });
});
