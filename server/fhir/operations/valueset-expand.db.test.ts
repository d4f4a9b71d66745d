// $expand: GET|POST [base]/ValueSet/$expand and [base]/ValueSet/[id]/$expand over the conformance registry
// (http://hl7.org/fhir/R4/valueset-operation-expand.html), against R4 core ValueSets the registry always holds.
import type { CapabilityStatement, OperationOutcome, ValueSet } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/app.js';

const { app } = await createTestApp();

const GENDER = 'http://hl7.org/fhir/ValueSet/administrative-gender';
const GENDER_SYSTEM = 'http://hl7.org/fhir/administrative-gender';
/** Two listed SNOMED CT concepts plus "is-a 254291000", which the hub cannot evaluate. */
const STAGE_TYPE = 'http://hl7.org/fhir/ValueSet/condition-stage-type';

async function expand(query: string): Promise<{ status: number; body: ValueSet & Pick<OperationOutcome, 'issue'> }> {
  const res = await app.inject({ method: 'GET', url: `/ValueSet/$expand?${query}` });
  return { status: res.statusCode, body: res.json() };
}

const codes = (vs: ValueSet) => (vs.expansion?.contains ?? []).map((c) => c.code);
const hubCode = (outcome: Pick<OperationOutcome, 'issue'>) => outcome.issue[0].details?.coding?.[0].code;

describe('ValueSet $expand', () => {
  it('expands a complete ValueSet by url with system, code and display, a total and an identifier', async () => {
    const { status, body } = await expand(`url=${GENDER}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      resourceType: 'ValueSet',
      id: 'administrative-gender',
      url: GENDER,
      version: '4.0.1',
    });
    expect(body.expansion).toMatchObject({ total: 4, offset: 0 });
    expect(body.expansion!.identifier).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(Date.parse(body.expansion!.timestamp!)).not.toBeNaN();
    expect(body.expansion!.contains).toContainEqual({ system: GENDER_SYSTEM, code: 'female', display: 'Female' });
    expect(body.expansion!.extension).toBeUndefined();
  });

  it('resolves [base]/ValueSet/[id]/$expand by the registry id', async () => {
    const res = await app.inject({ method: 'GET', url: '/ValueSet/administrative-gender/$expand' });
    expect(res.statusCode).toBe(200);
    expect(codes(res.json())).toEqual(['male', 'female', 'other', 'unknown']);
  });

  it('filters case-insensitively on a substring of the code or the display', async () => {
    const { body } = await expand(`url=${GENDER}&filter=MAL`);
    expect(codes(body)).toEqual(['male', 'female']);
    expect(body.expansion!.total).toBe(2);
    expect(body.expansion!.parameter).toContainEqual({ name: 'filter', valueString: 'MAL' });
  });

  it('pages with offset and count, keeping the total of the whole expansion', async () => {
    const { body } = await expand(`url=${GENDER}&offset=1&count=2`);
    expect(codes(body)).toEqual(['female', 'other']);
    expect(body.expansion).toMatchObject({ total: 4, offset: 1 });
    expect(body.expansion!.parameter).toEqual(
      expect.arrayContaining([
        { name: 'offset', valueInteger: 1 },
        { name: 'count', valueInteger: 2 },
      ]),
    );
  });

  it('answers count=0 with the total and no concepts', async () => {
    const { body } = await expand(`url=${GENDER}&count=0`);
    expect(body.expansion!.total).toBe(4);
    expect(body.expansion!.contains).toBeUndefined();
  });

  it('shows displays in displayLanguage where the CodeSystem has a designation in it', async () => {
    const { body } = await expand('url=http://hl7.org/fhir/ValueSet/publication-status&displayLanguage=nl');
    expect(body.expansion!.contains).toContainEqual({
      system: 'http://hl7.org/fhir/publication-status',
      code: 'draft',
      display: 'ontwerp',
    });
    expect(body.expansion!.parameter).toContainEqual({ name: 'displayLanguage', valueCode: 'nl' });
  });

  it('marks abstract concepts', async () => {
    const { body } = await expand('url=http://terminology.hl7.org/ValueSet/v3-RoleCode&filter=_AgentRoleType');
    expect(body.expansion!.contains).toEqual([expect.objectContaining({ code: '_AgentRoleType', abstract: true })]);
  });

  it('lists the known concepts of an incomplete expansion, marks it unclosed, names the open system and gives no total', async () => {
    const { status, body } = await expand(`url=${STAGE_TYPE}`);
    expect(status).toBe(200);
    expect(codes(body)).toEqual(['261023001', '260998006']);
    expect(body.expansion!.extension).toEqual([
      { url: 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed', valueBoolean: true },
    ]);
    expect(body.expansion!.parameter).toContainEqual({
      name: 'incomplete-systems',
      valueUri: 'http://snomed.info/sct',
    });
    expect(body.expansion!.total).toBeUndefined();
  });

  it('takes its parameters from a Parameters body on POST', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/ValueSet/$expand',
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [
          { name: 'url', valueUri: GENDER },
          { name: 'filter', valueString: 'unk' },
        ],
      }),
    });
    expect(res.statusCode).toBe(200);
    expect(codes(res.json())).toEqual(['unknown']);
  });

  it('accepts the version the registry holds, given as valueSetVersion or as url|version', async () => {
    expect((await expand(`url=${GENDER}&valueSetVersion=4.0.1`)).status).toBe(200);
    expect((await expand(`url=${encodeURIComponent(`${GENDER}|4.0.1`)}`)).status).toBe(200);
  });

  it.each([
    [
      'an unknown url',
      'url=http://example.org/ValueSet/nope',
      404,
      'HUB_ERR_TERM_UNKNOWN_VALUE_SET',
      'http://example.org/ValueSet/nope',
    ],
    [
      'a version the registry does not hold',
      `url=${GENDER}&valueSetVersion=3.0.2`,
      404,
      'HUB_ERR_TERM_UNKNOWN_VERSION',
      '"4.0.1"',
    ],
    [
      'a ValueSet importing one the hub lacks',
      'url=http://hl7.org/fhir/ValueSet/yesnodontknow',
      422,
      'HUB_ERR_TERM_CANNOT_EXPAND',
      'v2-0136',
    ],
    ['no url', 'filter=x', 400, 'HUB_ERR_REST_BAD_PARAMETER', 'url'],
    ['a negative count', `url=${GENDER}&count=-1`, 400, 'HUB_ERR_REST_BAD_PARAMETER', 'count'],
    ['a count that is no integer', `url=${GENDER}&count=ten`, 400, 'HUB_ERR_REST_BAD_PARAMETER', 'count'],
    [
      'a parameter the hub does not support',
      `url=${GENDER}&includeDesignations=true`,
      400,
      'HUB_ERR_REST_BAD_PARAMETER',
      'includeDesignations',
    ],
    ['a repeated parameter', `url=${GENDER}&filter=a&filter=b`, 400, 'HUB_ERR_REST_BAD_PARAMETER', 'filter'],
  ])('answers %s with %i and %s', async (_case, query, status, code, named) => {
    const res = await expand(query);
    expect(res.status).toBe(status);
    expect(hubCode(res.body)).toBe(code);
    expect(res.body.issue[0].diagnostics).toContain(named);
  });

  it('answers an unknown registry id with 404 naming the id', async () => {
    const res = await app.inject({ method: 'GET', url: '/ValueSet/no-such-valueset/$expand' });
    expect(res.statusCode).toBe(404);
    expect(res.json().issue[0].diagnostics).toContain('no-such-valueset');
  });

  it('refuses a POST body that is not a Parameters resource', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/ValueSet/$expand',
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({ resourceType: 'ValueSet', url: GENDER }),
    });
    expect(res.statusCode).toBe(400);
  });

  it('leaves read, search, history and $validate of stored ValueSets to their own routes', async () => {
    expect((await app.inject({ method: 'GET', url: '/ValueSet' })).statusCode).toBe(200);
    const read = await app.inject({ method: 'GET', url: '/ValueSet/administrative-gender' });
    expect(read.statusCode).toBe(404);
    expect(hubCode(read.json())).toBe('HUB_ERR_STORE_NOT_FOUND');
    expect(hubCode((await app.inject({ method: 'GET', url: '/ValueSet/administrative-gender/_history' })).json())).toBe(
      'HUB_ERR_STORE_NOT_FOUND',
    );
    const validate = await app.inject({
      method: 'POST',
      url: '/ValueSet/$validate',
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({ resourceType: 'ValueSet', status: 'active' }),
    });
    expect(validate.statusCode).toBe(200);
    expect(validate.json().resourceType).toBe('OperationOutcome');
  });

  it('runs as a GET entry of a batch Bundle', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'GET', url: `ValueSet/$expand?url=${GENDER}&count=1` } }],
      }),
    });
    expect(res.statusCode).toBe(200);
    const entry = res.json().entry[0];
    expect(entry.response.status).toMatch(/^200/);
    expect(codes(entry.resource)).toEqual(['male']);
  });

  it('is listed in the CapabilityStatement on ValueSet only', async () => {
    const statement = (await app.inject({ method: 'GET', url: '/metadata' })).json() as CapabilityStatement;
    const operations = (type: string) =>
      statement.rest![0].resource!.find((r) => r.type === type)!.operation!.map((o) => o.name);
    expect(operations('ValueSet')).toEqual(expect.arrayContaining(['expand', 'validate-code', 'validate']));
    expect(operations('CodeSystem')).toEqual(expect.arrayContaining(['lookup', 'validate-code', 'validate']));
    expect(operations('CodeSystem')).not.toContain('expand');
    expect(operations('Patient')).toEqual(['validate', 'everything']);
  });

  describe('on the hub package (profiles/value-sets/)', () => {
    const HUB = 'https://zorghub.example.org/fhir/';

    it('expands financing-regime by id, in Dutch, filtering on the Dutch display', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/ValueSet/financing-regime/$expand?displayLanguage=nl&filter=wet',
      });
      expect(res.statusCode).toBe(200);
      const body = res.json() as ValueSet;
      expect(body.url).toBe(`${HUB}ValueSet/financing-regime`);
      expect(codes(body)).toEqual(['zvw', 'wmo', 'wlz', 'jeugdwet']);
      expect(body.expansion!.contains![0]).toEqual({
        system: `${HUB}CodeSystem/financing-regime`,
        code: 'zvw',
        display: 'Zorgverzekeringswet (Zvw)',
      });
    });

    it('prefers the hub ValueSet when an R4 core one has the same id', async () => {
      const res = await app.inject({ method: 'GET', url: '/ValueSet/consent-category/$expand' });
      expect(res.json().url).toBe(`${HUB}ValueSet/consent-category`);
    });

    it('marks aid-type incomplete: it includes SNOMED CT and GS1 GTIN codes the hub cannot list', async () => {
      const res = await app.inject({ method: 'GET', url: '/ValueSet/aid-type/$expand' });
      const expansion = (res.json() as ValueSet).expansion!;
      expect(expansion.extension?.[0].url).toBe('http://hl7.org/fhir/StructureDefinition/valueset-unclosed');
      expect(
        expansion
          .parameter!.filter((p) => p.name === 'incomplete-systems')
          .map((p) => p.valueUri)
          .sort(),
      ).toEqual(['http://snomed.info/sct', 'https://www.gs1.org/gtin']);
      expect(expansion.contains!.length).toBeGreaterThan(0);
    });
  });
});
