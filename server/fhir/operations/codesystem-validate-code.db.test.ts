// $validate-code on a CodeSystem: GET|POST [base]/CodeSystem/$validate-code and [base]/CodeSystem/[id]/$validate-code
// (http://hl7.org/fhir/R4/codesystem-operation-validate-code.html), against R4 core CodeSystems.
import type { OperationOutcome, Parameters } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/app.js';

const { app } = await createTestApp();

const GENDER = 'http://hl7.org/fhir/administrative-gender';
const V3_GENDER = 'http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender';

async function validateCode(
  query: string,
  path = '/CodeSystem/$validate-code',
): Promise<{ status: number; body: Parameters & Pick<OperationOutcome, 'issue'> }> {
  const res = await app.inject({ method: 'GET', url: `${path}?${query}` });
  return { status: res.statusCode, body: res.json() };
}

async function post(parameter: Parameters['parameter']) {
  const res = await app.inject({
    method: 'POST',
    url: '/CodeSystem/$validate-code',
    headers: { 'content-type': 'application/fhir+json' },
    payload: JSON.stringify({ resourceType: 'Parameters', parameter }),
  });
  return { status: res.statusCode, body: res.json() as Parameters & Pick<OperationOutcome, 'issue'> };
}

const out = (body: Parameters) => ({
  result: body.parameter?.find((p) => p.name === 'result')?.valueBoolean,
  message: body.parameter?.find((p) => p.name === 'message')?.valueString,
  display: body.parameter?.find((p) => p.name === 'display')?.valueString,
});
const hubCode = (outcome: Pick<OperationOutcome, 'issue'>) => outcome.issue[0].details?.coding?.[0].code;

describe('CodeSystem $validate-code', () => {
  it('answers true with the display for a code of the CodeSystem', async () => {
    const { status, body } = await validateCode(`url=${GENDER}&code=male`);
    expect(status).toBe(200);
    expect(out(body)).toEqual({ result: true, message: undefined, display: 'Male' });
  });

  it('answers false with a message naming system and code for an unknown code', async () => {
    const { body } = await validateCode(`url=${GENDER}&code=man`);
    expect(out(body)).toEqual({
      result: false,
      message: `Code "man" is not defined in CodeSystem ${GENDER}`,
      display: undefined,
    });
  });

  it('answers false naming the expected display when the display does not match', async () => {
    const { body } = await validateCode(`url=${V3_GENDER}&code=F&display=Vrouwtje`);
    expect(out(body).result).toBe(false);
    expect(out(body).message).toBe(
      `Display "Vrouwtje" is not a display of ${V3_GENDER}#F; expected "Female" (or one of "Vrouw")`,
    );
  });

  it('takes the CodeSystem from the system of a Coding when url is absent', async () => {
    const { body } = await validateCode(`coding=${encodeURIComponent(`${V3_GENDER}|M`)}`);
    expect(out(body)).toMatchObject({ result: true, display: 'Male' });
  });

  it('answers false for a Coding of another system', async () => {
    const { body } = await validateCode(`url=${GENDER}&coding=${encodeURIComponent(`${V3_GENDER}|M`)}`);
    expect(out(body)).toMatchObject({
      result: false,
      message: `Coding system ${V3_GENDER} is not CodeSystem ${GENDER}`,
    });
  });

  it('answers true for a CodeableConcept in a Parameters body when one coding is in the CodeSystem', async () => {
    const { status, body } = await post([
      { name: 'url', valueUri: GENDER },
      {
        name: 'codeableConcept',
        valueCodeableConcept: {
          coding: [
            { system: V3_GENDER, code: 'F' },
            { system: GENDER, code: 'female', display: 'Female' },
          ],
        },
      },
    ]);
    expect(status).toBe(200);
    expect(out(body)).toMatchObject({ result: true, display: 'Female' });
  });

  it('answers false when the version asked for is not the one held', async () => {
    const { body } = await validateCode(`url=${GENDER}&code=male&version=3.0.2`);
    expect(out(body)).toMatchObject({
      result: false,
      message: `CodeSystem ${GENDER} is held in version "4.0.1" only, not "3.0.2"`,
    });
  });

  it('resolves [base]/CodeSystem/[id]/$validate-code by the registry id', async () => {
    const { status, body } = await validateCode('code=UN', '/CodeSystem/v3-AdministrativeGender/$validate-code');
    expect(status).toBe(200);
    expect(out(body)).toMatchObject({ result: true, display: 'Undifferentiated' });
  });

  it('answers 422 for a code of a CodeSystem held without its concepts', async () => {
    const { status, body } = await validateCode('url=http://snomed.info/sct&code=73211009');
    expect(status).toBe(422);
    expect(hubCode(body)).toBe('HUB_ERR_TERM_CONCEPTS_NOT_HELD');
  });

  const TYPE = '/CodeSystem/$validate-code';
  it.each([
    ['neither code, coding nor codeableConcept', TYPE, `url=${GENDER}`, 400, 'HUB_ERR_REST_BAD_PARAMETER'],
    ['a code without url', TYPE, 'code=male', 400, 'HUB_ERR_REST_BAD_PARAMETER'],
    [
      'a parameter of ValueSet $validate-code',
      TYPE,
      `url=${GENDER}&code=male&system=${GENDER}`,
      400,
      'HUB_ERR_REST_BAD_PARAMETER',
    ],
    ['an unknown CodeSystem', TYPE, 'url=http://example.org/cs&code=x', 404, 'HUB_ERR_TERM_UNKNOWN_CODE_SYSTEM'],
    [
      'an unknown registry id',
      '/CodeSystem/no-such-cs/$validate-code',
      'code=x',
      404,
      'HUB_ERR_TERM_UNKNOWN_CODE_SYSTEM',
    ],
  ])('answers %s (GET %s?%s) with %i %s', async (_case, path, query, status, code) => {
    const res = await validateCode(query, path);
    expect(res.status).toBe(status);
    expect(hubCode(res.body)).toBe(code);
  });

  describe('on the hub package (profiles/code-systems/)', () => {
    it('accepts pgb by id and answers its Dutch display with displayLanguage=nl', async () => {
      const { body } = await validateCode('code=pgb&displayLanguage=nl', '/CodeSystem/financing-regime/$validate-code');
      expect(out(body)).toEqual({ result: true, message: undefined, display: 'Persoonsgebonden budget (pgb)' });
    });
  });
});
