// search: GET [type]?..., POST [type]/_search, GET ?_type=..., GET Patient/[id]/[type]
// (http://hl7.org/fhir/R4/search.html). One data set, put under fixed ids; each test one behaviour.
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_BASE_URL } from '../../../test/support/app.js';

const { app } = await createTestApp();

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const ISO9999 = 'urn:iso:std:iso:9999';

const resources: Resource[] = [
  {
    resourceType: 'Organization',
    id: 'zwolle',
    name: 'Gemeente Zwolle',
    identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/ura', value: '0001' }],
  },
  { resourceType: 'Organization', id: 'medipoint', name: 'Medipoint', partOf: { reference: 'Organization/zwolle' } },
  {
    resourceType: 'Patient',
    id: 'anna',
    identifier: [
      {
        system: BSN,
        value: '999911120',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NNNLD' }] },
      },
    ],
    name: [{ family: 'Jansen', given: ['Ánna', 'Maria'] }],
    gender: 'female',
    birthDate: '1941-03-12',
    address: [{ city: "'s-Hertogenbosch", postalCode: '5211 AB' }],
    managingOrganization: { reference: 'Organization/zwolle' },
  },
  {
    resourceType: 'Patient',
    id: 'bert',
    identifier: [{ system: BSN, value: '999922290' }],
    name: [{ family: 'de Vries', given: ['Bert'] }],
    gender: 'male',
    birthDate: '1950',
  },
  {
    resourceType: 'Patient',
    id: 'cor',
    name: [{ family: 'Jansma' }],
    gender: 'male',
    birthDate: '1941-03',
    maritalStatus: { text: 'Weduwnaar' },
  },
  {
    resourceType: 'Device',
    id: 'lift',
    status: 'active',
    owner: { reference: 'Organization/medipoint' },
    url: 'http://example.org/devices/lift/1',
  },
  {
    resourceType: 'DeviceRequest',
    id: 'dr1',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/anna' },
    codeReference: { reference: 'Device/lift' },
    authoredOn: '2026-03-01T10:00:00Z',
    performer: { reference: 'Organization/medipoint' },
  },
  {
    resourceType: 'DeviceRequest',
    id: 'dr2',
    status: 'completed',
    intent: 'order',
    subject: { reference: `${TEST_BASE_URL}/Patient/bert` },
    codeCodeableConcept: { coding: [{ system: ISO9999, code: '12 22' }], text: 'Rolstoel' },
    authoredOn: '2025-11-20',
  },
  {
    resourceType: 'DeviceRequest',
    id: 'dr3',
    status: 'active',
    intent: 'plan',
    subject: { reference: 'Patient/anna' },
    codeCodeableConcept: { coding: [{ system: ISO9999, code: '18 30' }] },
    authoredOn: '2026-01-15',
  },
  {
    resourceType: 'Coverage',
    id: 'cov1',
    status: 'active',
    beneficiary: { reference: 'Patient/anna' },
    payor: [{ reference: 'Organization/zwolle' }],
    period: { start: '2026-01-01' },
  },
  {
    resourceType: 'Coverage',
    id: 'cov2',
    status: 'cancelled',
    beneficiary: { reference: 'Patient/bert' },
    payor: [{ reference: 'Organization/zwolle' }],
    period: { start: '2020-01-01', end: '2024-12-31' },
  },
  {
    resourceType: 'Encounter',
    id: 'enc1',
    status: 'in-progress',
    class: { code: 'HH' },
    subject: { reference: 'Patient/anna' },
    period: { start: '2026-01-01' },
  },
  {
    resourceType: 'Encounter',
    id: 'enc2',
    status: 'finished',
    class: { code: 'HH' },
    subject: { reference: 'Patient/bert' },
    period: { start: '2020-01-01', end: '2024-12-31' },
  },
  {
    resourceType: 'SupplyRequest',
    id: 'sr1',
    status: 'active',
    quantity: { value: 1 },
    itemReference: { reference: 'Device/lift' },
    deliverTo: { reference: 'Patient/anna' },
    occurrencePeriod: { start: '2026-12-01T08:00:00Z', end: '2026-12-01T12:00:00Z' },
  },
  {
    resourceType: 'Provenance',
    id: 'prov1',
    target: [{ reference: 'DeviceRequest/dr1' }],
    recorded: '2026-03-01T10:00:00Z',
    agent: [{ who: { reference: 'Organization/medipoint' } }],
  },
  {
    resourceType: 'Observation',
    id: 'obs1',
    status: 'final',
    subject: { reference: 'Patient/anna' },
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
    valueQuantity: { value: 72.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  },
  {
    resourceType: 'Observation',
    id: 'obs2',
    status: 'final',
    subject: { reference: 'Patient/bert' },
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
    valueQuantity: { value: 100, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  },
  {
    resourceType: 'Observation',
    id: 'obs4',
    status: 'final',
    subject: { reference: 'https://other.example/fhir/Patient/anna' },
    code: { coding: [{ system: 'http://loinc.org', code: '8302-2' }] },
  },
  {
    resourceType: 'Observation',
    id: 'obs3',
    status: 'final',
    subject: { reference: 'Patient/cor' },
    code: { coding: [{ system: 'http://loinc.org', code: '72166-2' }] },
    valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '8517006' }] },
  },
];

beforeAll(async () => {
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource) => ({
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
    })),
  };
  const res = await app.inject({
    method: 'POST',
    url: '/',
    headers: { 'content-type': 'application/fhir+json' },
    payload: bundle,
  });
  expect(res.statusCode, res.body).toBe(200);
});

async function search(url: string, headers: Record<string, string> = {}): Promise<Bundle> {
  const res = await app.inject({ method: 'GET', url, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** The ids of the matches, sorted (order-independent tests), or in order. */
async function ids(url: string, ordered = false): Promise<string[]> {
  const bundle = await search(url);
  const found = (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id!);
  return ordered ? found : found.sort();
}

function outcomeDiagnostics(bundle: Bundle): string[] {
  const outcome = bundle.entry?.find((e) => e.search?.mode === 'outcome')?.resource as
    | { issue: { diagnostics: string }[] }
    | undefined;
  return outcome?.issue.map((i) => i.diagnostics) ?? [];
}

describe('search: token parameters', () => {
  it.each([
    ['system|code', `/Patient?identifier=${BSN}|999911120`, ['anna']],
    ['code in any system', '/Patient?identifier=999922290', ['bert']],
    ['any code in a system', `/Patient?identifier=${BSN}|`, ['anna', 'bert']],
    ['a code without system (|code) that only system-less values have', '/Patient?identifier=|999911120', []],
    ['comma for OR', '/Patient?gender=female,other', ['anna']],
    ['repetition for AND', '/DeviceRequest?status=active&intent=plan', ['dr3']],
    [':not, which includes resources without a value', '/DeviceRequest?status:not=active', ['dr2']],
    [':missing=true', '/Patient?identifier:missing=true', ['cor']],
    [':missing=false', '/Patient?identifier:missing=false', ['anna', 'bert']],
    [':text on CodeableConcept.text', '/DeviceRequest?code:text=rolst', ['dr2']],
    [':of-type', `/Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|NNNLD|999911120`, ['anna']],
    ['_id', '/Patient?_id=anna,cor', ['anna', 'cor']],
    ['_id:not', '/Patient?_id:not=anna', ['bert', 'cor']],
    [
      'a token$token composite',
      '/Observation?code-value-concept=http://loinc.org|72166-2$http://snomed.info/sct|8517006',
      ['obs3'],
    ],
  ])('finds by %s', async (_case, url, expected) => {
    expect(await ids(url)).toEqual(expected);
  });
});

describe('search: string parameters', () => {
  it.each([
    ['prefix, case and accent insensitive', '/Patient?given=ANNA', ['anna']],
    ['prefix of a family name', '/Patient?family=jans', ['anna', 'cor']],
    [':exact, case sensitive', '/Patient?family:exact=Jansen', ['anna']],
    ['phonetic, which R4 defines on the same element as name', '/Patient?phonetic=jans', ['anna', 'cor']],
    [':missing=true on a string parameter', '/Patient?address:missing=true', ['bert', 'cor']],
    [':missing=false on a date parameter', '/DeviceRequest?authored-on:missing=false', ['dr1', 'dr2', 'dr3']],
    [':exact refuses another case', '/Patient?family:exact=jansen', []],
    [':contains', '/Patient?family:contains=vri', ['bert']],
    ['an address part', "/Patient?address-city='s-Hert", ['anna']],
  ])('finds by %s', async (_case, url, expected) => {
    expect(await ids(url)).toEqual(expected);
  });
});

describe('search: date parameters', () => {
  it.each([
    ['eq at day precision inside a month value', '/Patient?birthdate=1941-03-12', ['anna']],
    ['eq at month precision containing days and months', '/Patient?birthdate=1941-03', ['anna', 'cor']],
    ['ne', '/Patient?birthdate=ne1941-03', ['bert']],
    ['gt', '/Patient?birthdate=gt1941-03-31', ['bert']],
    ['lt', '/Patient?birthdate=lt1941-03-13', ['anna', 'cor']],
    ['ge', '/Patient?birthdate=ge1950-01-01', ['bert']],
    ['le', '/Patient?birthdate=le1941-03-12', ['anna', 'cor']],
    ['sa', '/Patient?birthdate=sa1941', ['bert']],
    ['eb', '/Patient?birthdate=eb1942', ['anna', 'cor']],
    ['an open-ended period that reaches past the date', '/Encounter?date=ge2027-06-01', ['enc1']],
    ['a closed period that ends before', '/Encounter?date=eb2025-01-01', ['enc2']],
    ['a date inside neither period entirely', '/Encounter?date=2026-02', []],
    ['a dateTime with a zone, compared in UTC', '/DeviceRequest?authored-on=2026-03-01T11:00:00%2B01:00', ['dr1']],
    ['a range from two bounds', '/DeviceRequest?authored-on=ge2026-01-01&authored-on=lt2026-02-01', ['dr3']],
    ['_lastUpdated', '/Patient?_lastUpdated=gt2000-01-01', ['anna', 'bert', 'cor']],
  ])('finds by %s', async (_case, url, expected) => {
    expect(await ids(url)).toEqual(expected);
  });
});

describe('search: number, quantity and uri parameters', () => {
  it.each([
    ['a quantity with system and code', '/Observation?value-quantity=72.5|http://unitsofmeasure.org|kg', ['obs1']],
    ['a quantity by its precision (100 covers 99.5 to 100.5)', '/Observation?value-quantity=100', ['obs2']],
    ['a quantity with gt and a unit only', '/Observation?value-quantity=gt80||kg', ['obs2']],
    ['a quantity with le', '/Observation?value-quantity=le72.5', ['obs1']],
    ['a quantity in another unit', '/Observation?value-quantity=72.5|http://unitsofmeasure.org|g', []],
    ['uri equality', '/Device?url=http://example.org/devices/lift/1', ['lift']],
    ['uri :below', '/Device?url:below=http://example.org/devices', ['lift']],
    ['uri :above', '/Device?url:above=http://example.org/devices/lift/1/extra', ['lift']],
  ])('finds by %s', async (_case, url, expected) => {
    expect(await ids(url)).toEqual(expected);
  });
});

describe('search: references, chains and _has', () => {
  it.each([
    ['Type/id', '/DeviceRequest?subject=Patient/anna', ['dr1', 'dr3']],
    ['an absolute reference to this server, stored as relative', '/DeviceRequest?subject=Patient/bert', ['dr2']],
    ['our absolute URL in the search value', `/DeviceRequest?subject=${TEST_BASE_URL}/Patient/anna`, ['dr1', 'dr3']],
    [
      "a reference to another server's Patient by its URL",
      '/Observation?subject=https://other.example/fhir/Patient/anna',
      ['obs4'],
    ],
    ["not a reference to another server's Patient of the same id", '/Observation?subject=Patient/anna', ['obs1']],
    [
      'an absolute reference to this server through patient (subject.where(resolve() is Patient))',
      '/DeviceRequest?patient=Patient/bert',
      ['dr2'],
    ],
    ['a bare id with a :type modifier', '/DeviceRequest?subject:Patient=anna', ['dr1', 'dr3']],
    ['a bare id of a single-target parameter', '/DeviceRequest?patient=anna', ['dr1', 'dr3']],
    [':identifier', '/Patient?organization:identifier=http://fhir.nl/fhir/NamingSystem/ura|0001', []],
    ['a chain with a token', `/DeviceRequest?subject:Patient.identifier=${BSN}|999922290`, ['dr2']],
    ['a chain with a modifier inside', '/DeviceRequest?subject:Patient.family:exact=Jansen', ['dr1', 'dr3']],
    ['a two-level chain', '/DeviceRequest?performer:Organization.partof:Organization.name=gemeente', ['dr1']],
    ['a chain without a type, over the targets that have the parameter', '/DeviceRequest?subject.gender=male', ['dr2']],
    ['_has', '/Patient?_has:Coverage:beneficiary:status=active', ['anna']],
    [
      'nested _has',
      '/Patient?_has:DeviceRequest:subject:_has:Provenance:target:agent=Organization/medipoint',
      ['anna'],
    ],
    [
      '_has combined with a parameter of the type',
      '/Patient?_has:Observation:subject:value-quantity=gt50&gender=male',
      ['bert'],
    ],
  ])('finds by %s', async (_case, url, expected) => {
    expect(await ids(url)).toEqual(expected);
  });
});

describe('search: _include and _revinclude', () => {
  it('adds the referenced resources as include entries after the matches', async () => {
    const bundle = await search('/DeviceRequest?_id=dr1&_include=DeviceRequest:device&_include=DeviceRequest:subject');
    expect(bundle.entry!.map((e) => `${e.search!.mode}:${e.resource!.resourceType}/${e.resource!.id}`)).toEqual([
      'match:DeviceRequest/dr1',
      expect.stringMatching(/^include:/),
      expect.stringMatching(/^include:/),
    ]);
    expect(
      bundle
        .entry!.slice(1)
        .map((e) => e.resource!.id)
        .sort(),
    ).toEqual(['anna', 'lift']);
  });

  it('follows _include:iterate from included resources', async () => {
    const bundle = await search(
      '/DeviceRequest?_id=dr1&_include=DeviceRequest:device&_include:iterate=Device:organization',
    );
    expect(
      bundle
        .entry!.filter((e) => e.search!.mode === 'include')
        .map((e) => e.resource!.id)
        .sort(),
    ).toEqual(['lift', 'medipoint']);
  });

  it('adds the resources that reference the matches with _revinclude', async () => {
    const bundle = await search('/Patient?_id=anna&_revinclude=DeviceRequest:subject&_revinclude=Coverage:beneficiary');
    expect(
      bundle
        .entry!.filter((e) => e.search!.mode === 'include')
        .map((e) => e.resource!.id)
        .sort(),
    ).toEqual(['cov1', 'dr1', 'dr3']);
  });

  it('includes the targets of one type only when the _include names it', async () => {
    const bundle = await search(
      '/DeviceRequest?_id=dr1&_include=DeviceRequest:subject:Patient&_include=DeviceRequest:subject:Group',
    );
    expect(
      bundle
        .entry!.filter((e) => e.search!.mode === 'include')
        .map((e) => `${e.resource!.resourceType}/${e.resource!.id}`),
    ).toEqual(['Patient/anna']);
  });

  it('includes the targets of a reference that may point at any type', async () => {
    const bundle = await search('/Provenance?_id=prov1&_include=Provenance:target&_include=Provenance:agent');
    expect(
      bundle
        .entry!.filter((e) => e.search!.mode === 'include')
        .map((e) => `${e.resource!.resourceType}/${e.resource!.id}`)
        .sort(),
    ).toEqual(['DeviceRequest/dr1', 'Organization/medipoint']);
  });

  it('includes a resource once even when several matches reference it', async () => {
    const bundle = await search('/DeviceRequest?subject=Patient/anna&_include=DeviceRequest:subject');
    expect(bundle.entry!.filter((e) => e.search!.mode === 'include').map((e) => e.resource!.id)).toEqual(['anna']);
  });

  it('refuses a malformed _include with 400', async () => {
    const res = await app.inject({ method: 'GET', url: '/DeviceRequest?_include=DeviceRequest' });
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0].diagnostics).toMatch(/_include/);
  });
});

describe('search: sorting and paging', () => {
  it('sorts descending by a date and then by id', async () => {
    expect(await ids('/DeviceRequest?_sort=-authored-on', true)).toEqual(['dr1', 'dr3', 'dr2']);
  });

  it('sorts on several keys', async () => {
    expect(await ids('/Patient?_sort=gender,-birthdate', true)).toEqual(['anna', 'bert', 'cor']);
  });

  it('sorts resources without a value last', async () => {
    expect(await ids('/Patient?_sort=identifier', true)).toEqual(['anna', 'bert', 'cor']);
  });

  it('pages with next links until the last page, each resource once', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/Patient?_sort=family&_count=1';
    while (url) {
      const bundle: Bundle = await search(url);
      seen.push(...(bundle.entry ?? []).map((e) => e.resource!.id!));
      const next = bundle.link?.find((l) => l.relation === 'next')?.url;
      url = next?.replace(TEST_BASE_URL, '');
    }
    expect(seen).toEqual(['bert', 'anna', 'cor']); // normalised: "de vries", "jansen", "jansma"
  });

  it('gives a previous link that returns the page before', async () => {
    const first = await search('/DeviceRequest?_count=2');
    const second = await search(first.link!.find((l) => l.relation === 'next')!.url.replace(TEST_BASE_URL, ''));
    const previous = await search(second.link!.find((l) => l.relation === 'previous')!.url.replace(TEST_BASE_URL, ''));
    expect(previous.entry!.map((e) => e.resource!.id)).toEqual(first.entry!.map((e) => e.resource!.id));
  });

  it('keeps a next link working after a resource of the first page is deleted', async () => {
    await app.inject({
      method: 'PUT',
      url: '/Device/temp1',
      headers: { 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Device', id: 'temp1', status: 'inactive' },
    });
    await app.inject({
      method: 'PUT',
      url: '/Device/temp2',
      headers: { 'content-type': 'application/fhir+json' },
      payload: { resourceType: 'Device', id: 'temp2', status: 'inactive' },
    });
    const first = await search('/Device?status=inactive&_count=1');
    expect(first.entry![0].resource!.id).toBe('temp1');
    await app.inject({ method: 'DELETE', url: '/Device/temp1' });
    const second = await search(first.link!.find((l) => l.relation === 'next')!.url.replace(TEST_BASE_URL, ''));
    expect(second.entry!.map((e) => e.resource!.id)).toEqual(['temp2']);
    expect(second.link!.find((l) => l.relation === 'next')).toBeUndefined();
  });

  it('answers an empty page with no entry and no next link', async () => {
    const bundle = await search('/Patient?family=nobody');
    expect(bundle.entry).toBeUndefined();
    expect(bundle.link!.map((l) => l.relation)).toEqual(['self']);
  });

  it('refuses a forged cursor with 400', async () => {
    const res = await app.inject({ method: 'GET', url: '/Patient?_cursor=bm90LWEtY3Vyc29y' });
    expect(res.statusCode).toBe(400);
  });
});

describe('search: totals and result shapes', () => {
  it('counts all matches with _total=accurate, not only the page', async () => {
    const bundle = await search('/DeviceRequest?_total=accurate&_count=1');
    expect(bundle.total).toBe(3);
    expect(bundle.entry).toHaveLength(1);
  });

  it('gives an estimate with _total=estimate', async () => {
    expect(typeof (await search('/DeviceRequest?_total=estimate')).total).toBe('number');
  });

  it('answers _summary=count with the total and no entries', async () => {
    const bundle = await search('/Patient?_summary=count');
    expect(bundle.total).toBe(3);
    expect(bundle.entry).toBeUndefined();
  });

  it('returns only summary elements with _summary=true, tagged SUBSETTED', async () => {
    const bundle = await search('/Patient?_id=anna&_summary=true');
    const resource = bundle.entry![0].resource as unknown as Record<string, unknown> & {
      meta: { tag: { code: string }[] };
    };
    expect(resource.name).toBeDefined();
    expect(resource.maritalStatus).toBeUndefined();
    expect(resource.meta.tag.map((t) => t.code)).toContain('SUBSETTED');
  });

  it('returns the listed elements with _elements', async () => {
    const bundle = await search('/Patient?_id=anna&_elements=birthDate');
    expect(Object.keys(bundle.entry![0].resource!).sort()).toEqual(['birthDate', 'id', 'meta', 'resourceType']);
  });
});

describe('search: unknown and malformed parameters', () => {
  it('ignores an unknown parameter and says so in an outcome entry', async () => {
    const bundle = await search('/Patient?shoe-size=42&gender=male');
    expect(bundle.entry!.filter((e) => e.search!.mode === 'match')).toHaveLength(2);
    expect(outcomeDiagnostics(bundle)[0]).toMatch(/shoe-size/);
  });

  it('refuses an unknown parameter with 400 under Prefer: handling=strict', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/Patient?shoe-size=42',
      headers: { prefer: 'handling=strict' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0].diagnostics).toMatch(/shoe-size/);
  });

  it.each([
    ['a malformed date', '/Patient?birthdate=12-03-1941', /birthdate/],
    ['an unknown prefix', '/Patient?birthdate=xx1941', /birthdate/],
    ['a malformed number', '/Observation?value-quantity=heavy', /value-quantity/],
    ['a modifier the type does not have', '/Patient?birthdate:exact=1941', /birthdate:exact/],
    ['a chain on a non-reference', '/Patient?gender.name=x', /chained/],
    ['_count that is not a number', '/Patient?_count=many', /_count/],
    ['a :missing value other than true or false', '/Patient?gender:missing=maybe', /missing/],
  ])('refuses %s with 400 naming the parameter', async (_case, url, pattern) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(res.json().issue[0].diagnostics).toMatch(pattern);
  });
});

describe("search: the hub's own SearchParameters (profiles/search-parameters/)", () => {
  it('finds a SupplyRequest by its delivery window with the hub parameter occurrence', async () => {
    expect(await ids('/SupplyRequest?occurrence=2026-12-01')).toEqual(['sr1']);
    expect(await ids('/SupplyRequest?occurrence=ge2026-12-02')).toEqual([]);
  });

  it('lists the hub parameter in the CapabilityStatement with its canonical URL', async () => {
    const statement = (await app.inject({ method: 'GET', url: '/metadata' })).json();
    const supply = statement.rest[0].resource.find((r: { type: string }) => r.type === 'SupplyRequest');
    expect(supply.searchParam).toContainEqual({
      name: 'occurrence',
      type: 'date',
      definition: 'https://zorghub.example.org/fhir/SearchParameter/SupplyRequest-occurrence',
    });
  });
});

describe('search: other entry points', () => {
  it('searches with POST [type]/_search and a form body', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/Patient/_search',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'gender=male&birthdate=1950',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().entry.map((e: { resource: Resource }) => e.resource.id)).toEqual(['bert']);
  });

  it('refuses a form body on a create with 415', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/Patient',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=b',
    });
    expect(res.statusCode).toBe(415);
  });

  it('searches several types with _type at system level', async () => {
    expect(await ids('/?_type=Patient,Organization&_id=anna,zwolle')).toEqual(['anna', 'zwolle']);
  });

  it('searches a Patient compartment', async () => {
    expect(await ids('/Patient/anna/DeviceRequest')).toEqual(['dr1', 'dr3']);
    expect(await ids('/Patient/anna/DeviceRequest?status=active&intent=plan')).toEqual(['dr3']);
  });

  it('explains the plan with __explain=true', async () => {
    const bundle = await search(
      `/DeviceRequest?subject:Patient.identifier=${BSN}|999911120&_sort=-authored-on&__explain=true`,
    );
    expect(outcomeDiagnostics(bundle)[0]).toBe(
      `DeviceRequest where subject -> Patient where tokens any {identifier|${BSN}|999911120}; order authored-on desc, id asc; limit 20`,
    );
  });
});

describe('search: several criteria on one parameter', () => {
  it('lets different values of a multi-valued parameter meet different criteria', async () => {
    await app.inject({
      method: 'PUT',
      url: '/Goal/g1',
      headers: { 'content-type': 'application/fhir+json' },
      payload: {
        resourceType: 'Goal',
        id: 'g1',
        lifecycleStatus: 'active',
        description: { text: 'zelfstandig traplopen' },
        subject: { reference: 'Patient/anna' },
        target: [{ dueDate: '2026-01-10' }, { dueDate: '2026-03-10' }],
      },
    });
    expect(await ids('/Goal?target-date=ge2026-03-01&target-date=lt2026-02-01')).toEqual(['g1']);
  });

  it('checks criteria on a single-valued parameter against its one value', async () => {
    expect(await ids('/Patient?birthdate=ge1941-03-01&birthdate=lt1941-04-01')).toEqual(['anna', 'cor']);
    // Anna's day cannot be both after the 13th and before the 12th; Cor's month (March 1941) reaches both sides.
    expect(await ids('/Patient?birthdate=ge1941-03-13&birthdate=lt1941-03-12')).toEqual(['cor']);
  });
});

describe('search: open ends', () => {
  it('stores a Range without a high end (an infinite bound) and finds it by its low end', async () => {
    const put = await app.inject({
      method: 'PUT',
      url: '/Library/lib1',
      headers: { 'content-type': 'application/fhir+json' },
      payload: {
        resourceType: 'Library',
        id: 'lib1',
        status: 'active',
        type: { coding: [{ code: 'logic-library' }] },
        useContext: [
          {
            code: { system: 'http://terminology.hl7.org/CodeSystem/usage-context-type', code: 'age' },
            valueRange: { low: { value: 65 } },
          },
        ],
      },
    });
    expect(put.statusCode, put.body).toBe(201);
    expect(await ids('/Library?context-quantity=65')).toEqual(['lib1']);
  });
});
