// $lookup: GET|POST [base]/CodeSystem/$lookup and [base]/CodeSystem/[id]/$lookup over the conformance registry
// (http://hl7.org/fhir/R4/codesystem-operation-lookup.html), against R4 core CodeSystems.
import type { OperationOutcome, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/app.js';

const { app } = await createTestApp();

const V3_GENDER = 'http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender';
const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';

async function lookup(query: string): Promise<{ status: number; body: Parameters & Pick<OperationOutcome, 'issue'> }> {
  const res = await app.inject({ method: 'GET', url: `/CodeSystem/$lookup?${query}` });
  return { status: res.statusCode, body: res.json() };
}

const value = (body: Parameters, name: string) => body.parameter?.find((p) => p.name === name)?.valueString;
const all = (body: Parameters, name: string) => (body.parameter ?? []).filter((p) => p.name === name);
const part = (p: ParametersParameter, name: string) => p.part?.find((x) => x.name === name);
const properties = (body: Parameters) =>
  all(body, 'property').map((p) => ({
    code: part(p, 'code')?.valueCode,
    value: part(p, 'value'),
    description: part(p, 'description')?.valueString,
  }));
const hubCode = (outcome: Pick<OperationOutcome, 'issue'>) => outcome.issue[0].details?.coding?.[0].code;

describe('CodeSystem $lookup', () => {
  it('answers name, version and display of a code given by system and code', async () => {
    const { status, body } = await lookup('system=http://hl7.org/fhir/administrative-gender&code=female');
    expect(status).toBe(200);
    expect(body.resourceType).toBe('Parameters');
    expect(value(body, 'name')).toBe('AdministrativeGender');
    expect(value(body, 'version')).toBe('4.0.1');
    expect(value(body, 'display')).toBe('Female');
  });

  it('returns the designations with language, use and value', async () => {
    const { body } = await lookup(`system=${V3_GENDER}&code=F`);
    const designations = all(body, 'designation').map((d) => ({
      language: part(d, 'language')?.valueCode,
      use: part(d, 'use')?.valueCoding?.code,
      value: part(d, 'value')?.valueString,
    }));
    expect(designations).toContainEqual({ language: 'nl', use: 'display', value: 'Vrouw' });
  });

  it('shows the display in displayLanguage when a designation has it', async () => {
    const { body } = await lookup(`system=${V3_GENDER}&code=F&displayLanguage=nl-NL`);
    expect(value(body, 'display')).toBe('Vrouw');
  });

  it('returns the concept properties, its definition and its place in the hierarchy', async () => {
    const { body } = await lookup(`system=${ROLE_CODE}&code=_AgentRoleType`);
    const props = properties(body);
    expect(props).toContainEqual({
      code: 'notSelectable',
      value: { name: 'value', valueBoolean: true },
      description: undefined,
    });
    expect(props).toContainEqual({
      code: 'parent',
      value: { name: 'value', valueCode: '_AffiliationRoleType' },
      description: 'AffiliationRoleType',
    });
    expect(props).toContainEqual({
      code: 'child',
      value: { name: 'value', valueCode: 'AMENDER' },
      description: 'amender',
    });
    expect(props.find((p) => p.code === 'definition')?.value?.valueString).toContain('contribute');
  });

  it('returns only the properties asked for with property', async () => {
    const { body } = await lookup(`system=${ROLE_CODE}&code=_AgentRoleType&property=parent`);
    expect(properties(body).map((p) => p.code)).toEqual(['parent']);
    expect(all(body, 'designation')).toEqual([]);
    expect(value(body, 'display')).toBe('AgentRoleType');
  });

  it('takes the concept as a Coding in a Parameters body on POST', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/CodeSystem/$lookup',
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [{ name: 'coding', valueCoding: { system: V3_GENDER, code: 'M' } }],
      }),
    });
    expect(res.statusCode).toBe(200);
    expect(value(res.json(), 'display')).toBe('Male');
  });

  it('takes a Coding as system|code in the query string', async () => {
    const { body } = await lookup(`coding=${encodeURIComponent(`${V3_GENDER}|UN`)}`);
    expect(value(body, 'display')).toBe('Undifferentiated');
  });

  it('resolves [base]/CodeSystem/[id]/$lookup by the registry id, without system', async () => {
    const res = await app.inject({ method: 'GET', url: '/CodeSystem/administrative-gender/$lookup?code=other' });
    expect(res.statusCode).toBe(200);
    expect(value(res.json(), 'display')).toBe('Other');
  });

  it('answers an unknown code with 404 naming system and code', async () => {
    const { status, body } = await lookup('system=http://hl7.org/fhir/administrative-gender&code=femme');
    expect(status).toBe(404);
    expect(hubCode(body)).toBe('HUB_ERR_TERM_UNKNOWN_CODE');
    expect(body.issue[0].diagnostics).toBe(
      'Code "femme" is not defined in CodeSystem http://hl7.org/fhir/administrative-gender',
    );
  });

  it('answers a code of a CodeSystem held without concepts (SNOMED CT) with 422', async () => {
    const { status, body } = await lookup('system=http://snomed.info/sct&code=73211009');
    expect(status).toBe(422);
    expect(hubCode(body)).toBe('HUB_ERR_TERM_CONCEPTS_NOT_HELD');
    expect(body.issue[0].diagnostics).toContain('not-present');
  });

  it.each([
    ['an unknown system', 'system=http://example.org/cs&code=x', 404, 'HUB_ERR_TERM_UNKNOWN_CODE_SYSTEM'],
    [
      'a version the registry does not hold',
      'system=http://hl7.org/fhir/administrative-gender&code=male&version=1.0.2',
      404,
      'HUB_ERR_TERM_UNKNOWN_VERSION',
    ],
    ['no code', 'system=http://hl7.org/fhir/administrative-gender', 400, 'HUB_ERR_REST_BAD_PARAMETER'],
    ['a code without system', 'code=male', 400, 'HUB_ERR_REST_BAD_PARAMETER'],
    [
      'both code and coding',
      `code=M&coding=${encodeURIComponent(`${V3_GENDER}|M`)}`,
      400,
      'HUB_ERR_REST_BAD_PARAMETER',
    ],
  ])('answers %s with %i %s', async (_case, query, status, code) => {
    const res = await lookup(query);
    expect(res.status).toBe(status);
    expect(hubCode(res.body)).toBe(code);
  });

  describe('on the hub package (profiles/code-systems/)', () => {
    const REGIME = 'https://zorghub.example.org/fhir/CodeSystem/financing-regime';

    it('looks up wlz with its Dutch designation and its payor-role property', async () => {
      const { status, body } = await lookup(`system=${REGIME}&code=wlz`);
      expect(status).toBe(200);
      expect(value(body, 'display')).toBe('Long-term Care Act (Wlz)');
      expect(value(body, 'version')).toBe('0.1.0');
      expect(
        all(body, 'designation').map((d) => [part(d, 'language')?.valueCode, part(d, 'value')?.valueString]),
      ).toEqual([['nl', 'Wet langdurige zorg (Wlz)']]);
      expect(properties(body)).toContainEqual(
        expect.objectContaining({ code: 'payor-role', value: { name: 'value', valueCode: 'zorgkantoor' } }),
      );
    });

    it('answers the Dutch display by id with displayLanguage=nl', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/CodeSystem/financing-regime/$lookup?code=self-pay&displayLanguage=nl',
      });
      expect(value(res.json(), 'display')).toBe('Eigen rekening');
    });
  });
});
