// $validate-code on a ValueSet: GET|POST [base]/ValueSet/$validate-code and [base]/ValueSet/[id]/$validate-code
// (http://hl7.org/fhir/R4/valueset-operation-validate-code.html), against R4 core ValueSets.
import type { OperationOutcome, Parameters } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/app.js';

const { app } = await createTestApp();

const GENDER = 'http://hl7.org/fhir/ValueSet/administrative-gender';
const GENDER_SYSTEM = 'http://hl7.org/fhir/administrative-gender';
const V3_GENDER = 'http://terminology.hl7.org/ValueSet/v3-AdministrativeGender';
const V3_GENDER_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender';
const STAGE_TYPE = 'http://hl7.org/fhir/ValueSet/condition-stage-type';
const SNOMED = 'http://snomed.info/sct';

async function validateCode(
  query: string,
): Promise<{ status: number; body: Parameters & Pick<OperationOutcome, 'issue'> }> {
  const res = await app.inject({ method: 'GET', url: `/ValueSet/$validate-code?${query}` });
  return { status: res.statusCode, body: res.json() };
}

async function post(parameter: Parameters['parameter'], url = '/ValueSet/$validate-code') {
  const res = await app.inject({
    method: 'POST',
    url,
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

describe('ValueSet $validate-code', () => {
  it('answers true with the display for a code and system in the ValueSet', async () => {
    const { status, body } = await validateCode(`url=${GENDER}&system=${GENDER_SYSTEM}&code=female`);
    expect(status).toBe(200);
    expect(out(body)).toEqual({ result: true, message: undefined, display: 'Female' });
  });

  it('answers false with a message for a code not in the CodeSystem', async () => {
    const { body } = await validateCode(`url=${GENDER}&system=${GENDER_SYSTEM}&code=femme`);
    expect(out(body).result).toBe(false);
    expect(out(body).message).toBe(`Code "femme" is not defined in CodeSystem ${GENDER_SYSTEM}`);
  });

  it('answers false naming the ValueSet for a code of another system', async () => {
    const { body } = await validateCode(`url=${GENDER}&system=${V3_GENDER_SYSTEM}&code=F`);
    expect(out(body)).toMatchObject({ result: false, message: `${V3_GENDER_SYSTEM}#F is not in ValueSet ${GENDER}` });
  });

  it('validates a Coding given as system|code', async () => {
    const { body } = await validateCode(`url=${GENDER}&coding=${encodeURIComponent(`${GENDER_SYSTEM}|male`)}`);
    expect(out(body).result).toBe(true);
  });

  it('validates a Coding from a Parameters body on POST, display included', async () => {
    const { status, body } = await post([
      { name: 'url', valueUri: GENDER },
      { name: 'coding', valueCoding: { system: GENDER_SYSTEM, code: 'other', display: 'Other' } },
    ]);
    expect(status).toBe(200);
    expect(out(body)).toEqual({ result: true, message: undefined, display: 'Other' });
  });

  it('answers false with a message naming the expected display when the display does not match', async () => {
    const { body } = await validateCode(`url=${GENDER}&system=${GENDER_SYSTEM}&code=female&display=Woman`);
    expect(out(body)).toEqual({
      result: false,
      message: `Display "Woman" is not a display of ${GENDER_SYSTEM}#female; expected "Female"`,
      display: 'Female',
    });
  });

  it('accepts a display that differs only in case and spacing, or is a designation', async () => {
    expect(
      out(
        (
          await validateCode(
            `url=${GENDER}&system=${GENDER_SYSTEM}&code=female&display=${encodeURIComponent(' FEMALE ')}`,
          )
        ).body,
      ).result,
    ).toBe(true);
    expect(
      out((await validateCode(`url=${V3_GENDER}&system=${V3_GENDER_SYSTEM}&code=F&display=Vrouw`)).body).result,
    ).toBe(true);
  });

  it('answers the display in displayLanguage', async () => {
    const { body } = await validateCode(`url=${V3_GENDER}&system=${V3_GENDER_SYSTEM}&code=F&displayLanguage=nl`);
    expect(out(body).display).toBe('Vrouw');
  });

  it('answers true for a CodeableConcept when one of its codings is in the ValueSet', async () => {
    const { body } = await post([
      { name: 'url', valueUri: GENDER },
      {
        name: 'codeableConcept',
        valueCodeableConcept: {
          coding: [
            { system: V3_GENDER_SYSTEM, code: 'F' },
            { system: GENDER_SYSTEM, code: 'female' },
          ],
        },
      },
    ]);
    expect(out(body)).toMatchObject({ result: true, display: 'Female' });
  });

  it('answers false for a CodeableConcept naming the problem of every coding', async () => {
    const { body } = await post([
      { name: 'url', valueUri: GENDER },
      {
        name: 'codeableConcept',
        valueCodeableConcept: {
          coding: [
            { system: V3_GENDER_SYSTEM, code: 'F' },
            { system: GENDER_SYSTEM, code: 'x' },
          ],
        },
      },
    ]);
    expect(out(body).result).toBe(false);
    expect(out(body).message).toContain(`${V3_GENDER_SYSTEM}#F is not in ValueSet`);
    expect(out(body).message).toContain('Code "x" is not defined');
  });

  it('accepts a code of an open system (a SNOMED CT filter) and says it was not checked', async () => {
    const { body } = await validateCode(`url=${STAGE_TYPE}&system=${SNOMED}&code=385356007`);
    expect(out(body).result).toBe(true);
    expect(out(body).message).toContain('without checking');
  });

  it('accepts a listed SNOMED CT code without a message', async () => {
    const { body } = await validateCode(`url=${STAGE_TYPE}&system=${SNOMED}&code=261023001`);
    expect(out(body)).toEqual({ result: true, message: undefined, display: 'Pathological staging (qualifier value)' });
  });

  it('resolves [base]/ValueSet/[id]/$validate-code by the registry id', async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/ValueSet/administrative-gender/$validate-code?system=${GENDER_SYSTEM}&code=unknown`,
    });
    expect(res.statusCode).toBe(200);
    expect(out(res.json()).result).toBe(true);
  });

  it.each([
    ['neither code, coding nor codeableConcept', `url=${GENDER}`, 'needs code, coding or codeableConcept'],
    ['a code without system', `url=${GENDER}&code=male`, 'system'],
    [
      'both code and coding',
      `url=${GENDER}&system=${GENDER_SYSTEM}&code=male&coding=${encodeURIComponent(`${GENDER_SYSTEM}|male`)}`,
      'not code and coding',
    ],
    [
      'a display without code',
      `url=${GENDER}&coding=${encodeURIComponent(`${GENDER_SYSTEM}|male`)}&display=Male`,
      'display goes with code',
    ],
    ['no url', `system=${GENDER_SYSTEM}&code=male`, 'url'],
    ['a codeableConcept in the query string', `url=${GENDER}&codeableConcept=x`, 'Parameters body'],
  ])('answers 400 for %s', async (_case, query, named) => {
    const { status, body } = await validateCode(query);
    expect(status).toBe(400);
    expect(hubCode(body)).toBe('HUB_ERR_REST_BAD_PARAMETER');
    expect(body.issue[0].diagnostics).toContain(named);
  });

  it('answers 400 for a Parameters value of the wrong type', async () => {
    const { status, body } = await post([
      { name: 'url', valueUri: GENDER },
      { name: 'coding', valueString: `${GENDER_SYSTEM}|male` },
    ]);
    expect(status).toBe(400);
    expect(body.issue[0].diagnostics).toContain('valueCoding');
  });

  it('answers an unknown ValueSet with 404 naming its url', async () => {
    const { status, body } = await validateCode(`url=http://example.org/ValueSet/x&system=${GENDER_SYSTEM}&code=male`);
    expect(status).toBe(404);
    expect(hubCode(body)).toBe('HUB_ERR_TERM_UNKNOWN_VALUE_SET');
    expect(body.issue[0].diagnostics).toContain('http://example.org/ValueSet/x');
  });

  describe('on the hub package (profiles/value-sets/)', () => {
    const REGIME = 'https://zorghub.example.org/fhir/CodeSystem/financing-regime';

    it('accepts wmo with its Dutch display', async () => {
      const res = await app.inject({
        method: 'GET',
        url: `/ValueSet/financing-regime/$validate-code?system=${REGIME}&code=wmo&display=${encodeURIComponent('Wet maatschappelijke ondersteuning (Wmo)')}`,
      });
      expect(out(res.json())).toEqual({ result: true, message: undefined, display: 'Social Support Act (Wmo)' });
    });

    it('refuses a code the hub CodeSystem does not define', async () => {
      const { body } = await validateCode(
        `url=https://zorghub.example.org/fhir/ValueSet/financing-regime&system=${REGIME}&code=awbz`,
      );
      expect(out(body)).toMatchObject({ result: false, message: `Code "awbz" is not defined in CodeSystem ${REGIME}` });
    });
  });
});
