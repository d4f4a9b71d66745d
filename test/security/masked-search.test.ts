// Masked elements are no search criteria, generated: for every role with a mask (SYSTEM_RULES), every type it
// reads under that mask and every search parameter whose expression reads an element the mask hides (derived
// from the mask and the SearchParameter expressions by consent/policy/masked-search.ts, not written out here),
// the parameter is refused with a 403 naming it: as a criterion, :missing, _sort, _summary=count, a chain from
// every type that references the masked type, a _has from every type the masked one references, _include /
// _revinclude through it, and conditional-update criteria; `_elements` naming a hidden element likewise. The
// parameters the mask lets through keep answering 200, and the attacks reported first are replayed with the
// client's real values. Each request runs the route's handler over the policy repository of the principal, on a
// real PostgreSQL (test/support/as-principal.ts does the same, but keeps only the error code).
import { tryGetDataType } from '@medplum/core';
import type { Bundle, Device, Patient, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { decide } from '../../consent/policy/decide.js';
import { hiddenSearchParameters, jsonNames, maskHiddenElements } from '../../consent/policy/masked-search.js';
import { CORE_TYPES, type MaskName, SYSTEM_RULES } from '../../consent/policy/rules.js';
import type { Principal, SystemRole } from '../../server/contracts/principal.js';
import { loadDefinitions } from '../../server/fhir/definitions.js';
import type { FhirMethod } from '../../server/fhir/request.js';
import { type ParamDefinition, searchParameters } from '../../server/fhir/search/parameters.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { type Answer, principalClient } from '../support/as-principal.js';
import { createTestDatabase } from '../support/database.js';

loadDefinitions();
const BASE = 'http://hub.test';
const { sql } = await createTestDatabase();
const store = new PgRepository(sql, { baseUrl: BASE });

const ORG_SYSTEM = 'urn:test:organisation';
const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const principalOf = (role: SystemRole): Principal => ({
  kind: 'system',
  clientId: role,
  role,
  organization: { system: ORG_SYSTEM, value: role },
  dataServices: [],
  tokenId: 't',
});

/** Each (role, type, mask) of the rules that search under a mask, and the parameters the mask hides there or not. */
interface Masked {
  role: SystemRole;
  resourceType: string;
  mask: MaskName;
  hidden: ParamDefinition[];
  allowed: ParamDefinition[];
}
const searchable = (p: ParamDefinition) => !p.unsupported && p.type !== 'special';
const masked: Masked[] = Object.entries(SYSTEM_RULES).flatMap(([role, rules]) =>
  rules.flatMap((rule) =>
    rule.mask && rule.interactions.includes('search')
      ? rule.types
          .filter((type) => maskHiddenElements(rule.mask!, type))
          .map((resourceType): Masked => {
            const hiddenCodes = hiddenSearchParameters(resourceType, maskHiddenElements(rule.mask!, resourceType)!);
            const params = [...searchParameters(resourceType).values()].filter(searchable);
            return {
              role: role as SystemRole,
              resourceType,
              mask: rule.mask!,
              hidden: params.filter((p) => hiddenCodes.has(p.code)),
              allowed: params.filter((p) => !hiddenCodes.has(p.code)),
            };
          })
      : [],
  ),
);
const MASKED_ROLES = [...new Set(masked.map((m) => m.role))];

/** A well-formed value of each parameter type (what it matches does not matter to a refusal). */
function sampleValue(param: ParamDefinition): string {
  switch (param.code) {
    case '_lastUpdated':
      return 'ge2020-01-01';
  }
  switch (param.type) {
    case 'date':
      return '2020-01-01';
    case 'number':
    case 'quantity':
      return '1';
    case 'reference':
      return `${param.targets[0] ?? 'Patient'}/x`;
    case 'uri':
      return 'http://example.org/x';
    case 'composite':
      return 'a$b';
    default:
      return 'x';
  }
}

const canSearch = (role: SystemRole, type: string) => decide(principalOf(role), 'search', type).effect === 'permit';
const maskedParams = (role: SystemRole, type: string) => masked.find((m) => m.role === role && m.resourceType === type);
const isHidden = (role: SystemRole, type: string, code: string) =>
  maskedParams(role, type)?.hidden.some((p) => p.code === code) ?? false;
/** Reference parameters of types the role may search that can point at `target`, themselves not hidden. */
const referencesTo = (role: SystemRole, target: string) =>
  CORE_TYPES.filter((source) => canSearch(role, source)).flatMap((source) =>
    [...searchParameters(source).values()]
      .filter(
        (p) => p.type === 'reference' && searchable(p) && p.targets.includes(target) && !isHidden(role, source, p.code),
      )
      .map((param) => ({ source, param })),
  );

interface Refusal {
  role: SystemRole;
  kind: string;
  url: string;
  names: string;
  method?: FhirMethod;
}
const refusals: Refusal[] = [];
for (const { role, resourceType: type, hidden } of masked) {
  for (const p of hidden) {
    const value = encodeURIComponent(sampleValue(p));
    refusals.push({ role, kind: 'criterion', url: `/${type}?${p.code}=${value}`, names: p.code });
    refusals.push({ role, kind: ':missing', url: `/${type}?${p.code}:missing=true`, names: p.code });
    refusals.push({ role, kind: '_summary=count', url: `/${type}?${p.code}=${value}&_summary=count`, names: p.code });
    if (p.type !== 'composite') refusals.push({ role, kind: '_sort', url: `/${type}?_sort=-${p.code}`, names: p.code });
    // A chain into the masked type from every type that references it.
    for (const { source, param } of referencesTo(role, type)) {
      refusals.push({ role, kind: 'chain', url: `/${source}?${param.code}:${type}.${p.code}=${value}`, names: p.code });
    }
    // A _has from the masked type into every type it references that the role may search.
    for (const target of CORE_TYPES.filter((t) => canSearch(role, t))) {
      for (const link of [...searchParameters(type).values()].filter(
        (r) => r.type === 'reference' && searchable(r) && r.targets.includes(target) && !isHidden(role, type, r.code),
      )) {
        refusals.push({
          role,
          kind: '_has',
          url: `/${target}?_has:${type}:${link.code}:${p.code}=${value}`,
          names: p.code,
        });
      }
    }
    if (p.type === 'reference') {
      refusals.push({ role, kind: '_include', url: `/${type}?_include=${type}:${p.code}`, names: p.code });
      for (const target of p.targets.filter((t) => canSearch(role, t))) {
        refusals.push({ role, kind: '_revinclude', url: `/${target}?_revinclude=${type}:${p.code}`, names: p.code });
      }
    }
    if (decide(principalOf(role), 'update', type).effect === 'permit') {
      refusals.push({
        role,
        kind: 'conditional update',
        method: 'PUT',
        url: `/${type}?${p.code}=${value}`,
        names: p.code,
      });
    }
  }
}
// `_elements` naming an element the mask hides: refused too (rather than silently dropped), so nobody mistakes the
// answer for "no such value".
for (const { role, resourceType: type, mask } of masked) {
  const hidden = maskHiddenElements(mask, type)!;
  const names = Object.keys(tryGetDataType(type)?.elements ?? {}).map((path) => path.replace('[x]', ''));
  for (const name of names.filter((n) => jsonNames(type, n).some((json) => hidden.has(json)))) {
    refusals.push({ role, kind: '_elements', url: `/${type}?_elements=${name}`, names: '_elements' });
  }
}

interface Allowed {
  role: SystemRole;
  url: string;
}
const allowed: Allowed[] = masked.flatMap(({ role, resourceType: type, allowed: params }) =>
  params.map((p) => ({ role, url: `/${type}?${p.code}=${encodeURIComponent(sampleValue(p))}` })),
);

// -- data: one client each masked role delivers to or pays for --------------------------------------------------
const org = (role: string) => ({ reference: `Organization/${role}` });
const resources: Resource[] = [
  ...['care', ...MASKED_ROLES].map(
    (role) =>
      ({
        resourceType: 'Organization',
        id: role,
        name: role,
        identifier: [{ system: ORG_SYSTEM, value: role }],
      }) as Resource,
  ),
  {
    resourceType: 'Patient',
    id: 'c0',
    identifier: [{ system: BSN, value: '999911120' }],
    active: true,
    name: [{ family: 'Familie0', given: ['Anna'] }],
    telecom: [{ system: 'phone', value: '0612345678' }],
    gender: 'female',
    birthDate: '1941-03-12',
    address: [{ city: 'Zwolle' }],
    managingOrganization: org('care'),
  },
  {
    resourceType: 'Coverage',
    id: 'cov0',
    status: 'active',
    beneficiary: { reference: 'Patient/c0' },
    payor: [org('financier')],
  },
  ...['supplier', 'logistics'].flatMap((role): Resource[] => [
    {
      resourceType: 'DeviceRequest',
      id: `dr-${role}`,
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/c0' },
      codeCodeableConcept: { text: 'rolstoel' },
      requester: org('care'),
      performer: org(role),
      insurance: [{ reference: 'Coverage/cov0' }],
      reasonCode: [{ text: 'diagnose' }],
      note: [{ text: 'notitie' }],
    },
    {
      resourceType: 'SupplyRequest',
      id: `sr-${role}`,
      status: 'active',
      itemCodeableConcept: { text: 'rolstoel' },
      quantity: { value: 1 },
      deliverTo: { reference: 'Patient/c0' },
      supplier: [org(role)],
      reasonCode: [{ text: 'diagnose' }],
    },
    {
      resourceType: 'Device',
      id: `dev-${role}`,
      status: 'active',
      identifier: [{ system: 'urn:test:device', value: role }],
      patient: { reference: 'Patient/c0' },
      owner: org(role),
      note: [{ text: 'onderhoud' }],
      url: 'http://example.org/device',
    },
  ]),
];
await store.createMany(resources);

const as = await principalClient(store, BASE);
const call = (role: SystemRole, method: FhirMethod, url: string, body?: unknown) =>
  as(principalOf(role))(method, url, body);
const diagnostics = (reply: Answer) => reply.diagnostics ?? '';

describe('the rules have masked roles, and their masks hide searchable elements', () => {
  it('derives the cases', () => {
    expect(MASKED_ROLES.sort()).toEqual(['financier', 'logistics', 'supplier']);
    // The rules read here are the ones decided: each masked search is permitted under that mask.
    for (const { role, resourceType, mask } of masked) {
      expect(decide(principalOf(role), 'search', resourceType), `${role} ${resourceType}`).toMatchObject({
        effect: 'permit',
        mask,
      });
    }
    expect(refusals.length).toBeGreaterThan(100);
    expect(allowed.length).toBeGreaterThan(50);
    const counts = new Map<string, number>();
    for (const { kind } of refusals) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    const byKind = [...counts].map(([kind, count]) => `${kind} ${count}`);
    console.info(
      `masked-search: ${masked.length} (role, type) pairs, ${refusals.length} refusals (${byKind.join(', ')}), ${allowed.length} allowed parameters`,
    );
  });
});

describe.each(refusals.map((r) => [`${r.role} ${r.method ?? 'GET'} ${r.url}`, r] as const))(
  '%s',
  (_name, { role, url, names, method }) => {
    it('is refused with a 403 naming the parameter', async () => {
      const body = method === 'PUT' ? { resourceType: url.slice(1, url.indexOf('?')), status: 'active' } : undefined;
      const reply = await call(role, method ?? 'GET', url, body);
      expect(reply.status, JSON.stringify(reply.body ?? null).slice(0, 300)).toBe(403);
      expect(reply.code).toBe('HUB_ERR_AUTH_INSUFFICIENT_SCOPE');
      expect(diagnostics(reply)).toContain(names === '_elements' ? '_elements=' : `the search parameter ${names} of `);
      expect(diagnostics(reply)).toContain('which this caller may not see');
    });
  },
);

describe.each(allowed.map((a) => [`${a.role} GET ${a.url}`, a] as const))('%s', (_name, { role, url }) => {
  it('still answers 200', async () => {
    const reply = await call(role, 'GET', url);
    expect(reply.status, diagnostics(reply)).toBe(200);
  });
});

describe("the attacks first reported, with the client's real values", () => {
  it.each([
    ['logistics', '/Patient?birthdate=1941-03-12', 'birthdate'],
    ['logistics', '/Patient?birthdate=ge1941-01-01,lt1900-01-01', 'birthdate'],
    ['logistics', `/Patient?identifier=${encodeURIComponent(`${BSN}|999911120`)}`, 'identifier'],
    ['logistics', '/Patient?gender=female', 'gender'],
    ['logistics', '/DeviceRequest?subject:Patient.birthdate=1941-03-12', 'birthdate'],
    ['supplier', '/Patient?_sort=birthdate', 'birthdate'],
    ['supplier', '/Patient?gender:missing=false', 'gender'],
    ['supplier', '/Patient?_has:DeviceRequest:subject:insurance:Coverage.status=active', 'insurance'],
    ['supplier', '/DeviceRequest?_include=DeviceRequest:insurance', 'insurance'],
    ['supplier', '/Device?url=http://example.org/device&_summary=count', 'url'],
    ['financier', '/Patient?phone=0612345678', 'phone'],
    ['financier', '/DeviceRequest?subject:Patient.telecom=0612345678', 'telecom'],
  ] as const)('%s %s', async (role, url, param) => {
    const reply = await call(role, 'GET', url);
    expect(reply.status).toBe(403);
    expect(diagnostics(reply)).toContain(`the search parameter ${param} of `);
  });

  it('names the parameter and the element as the caller would read them', async () => {
    expect(diagnostics(await call('logistics', 'GET', '/Patient?birthdate=1941-03-12'))).toBe(
      'Not allowed: the search parameter birthdate of Patient reads Patient.birthDate, which this caller may not see',
    );
    expect(diagnostics(await call('supplier', 'GET', '/DeviceRequest?_include=DeviceRequest:requester'))).toBe(
      'Not allowed: _include=DeviceRequest:requester: the search parameter requester of DeviceRequest reads DeviceRequest.requester, which this caller may not see',
    );
  });

  it('refuses a wildcard include that would follow a hidden reference', async () => {
    const reply = await call('supplier', 'GET', '/DeviceRequest?_include=DeviceRequest:*');
    expect(reply.status).toBe(403);
    expect(diagnostics(reply)).toContain('_include=DeviceRequest:*');
  });

  it('refuses a conditional update whose criteria read a hidden element, and keeps the stored resource', async () => {
    const device = (await call('supplier', 'GET', '/Device/dev-supplier')).body as Device;
    const reply = await call('supplier', 'PUT', '/Device?url=http://example.org/device', {
      ...device,
      status: 'inactive',
    });
    expect(reply.status).toBe(403);
    expect(JSON.parse((await store.read('Device', 'dev-supplier')).json).status).toBe('active');
  });
});

describe('what the masks let through keeps working', () => {
  const ids = (reply: Answer) =>
    (((reply.body as Bundle | undefined)?.entry ?? []) as { resource: Resource }[])
      .map((e) => `${e.resource.resourceType}/${e.resource.id}`)
      .sort();

  it('finds the client by what the mask keeps, and returns him masked', async () => {
    for (const role of ['supplier', 'logistics'] as const) {
      const reply = await call(role, 'GET', '/Patient?name=Familie0&phone=0612345678&address-city=Zwolle');
      expect(ids(reply), role).toEqual(['Patient/c0']);
      expect((reply.body as Bundle<Patient>).entry![0].resource!.birthDate).toBeUndefined();
      expect(ids(await call(role, 'GET', `/SupplyRequest?status=active`)), role).toEqual([`SupplyRequest/sr-${role}`]);
      expect(ids(await call(role, 'GET', `/DeviceRequest?subject:Patient.name=Familie0`)), role).toEqual([
        `DeviceRequest/dr-${role}`,
      ]);
      expect(ids(await call(role, 'GET', '/Patient?_has:DeviceRequest:subject:status=active')), role).toEqual([
        'Patient/c0',
      ]);
    }
    const financier = await call('financier', 'GET', '/Patient?birthdate=1941-03-12&gender=female');
    expect(ids(financier)).toEqual(['Patient/c0']);
    expect((financier.body as Bundle<Patient>).entry![0].resource!.telecom).toBeUndefined();
  });

  it('sorts, counts, includes and subsets by what the mask keeps; neither _summary nor _elements reveals a hidden element', async () => {
    expect((await call('supplier', 'GET', '/Patient?_sort=name')).status).toBe(200);
    expect(
      ((await call('supplier', 'GET', '/Patient?name=Familie0&_summary=count')).body as Bundle | undefined)?.total,
    ).toBe(1);
    const included = await call(
      'supplier',
      'GET',
      '/DeviceRequest?_include=DeviceRequest:subject&_include=DeviceRequest:performer',
    );
    expect(ids(included)).toEqual(['DeviceRequest/dr-supplier', 'Organization/supplier', 'Patient/c0']);
    expect((await call('supplier', 'GET', '/Patient?_revinclude=Device:patient')).status).toBe(200);
    for (const query of ['_summary=true', '_summary=text', '_summary=data', '_elements=name,telecom']) {
      const reply = await call('supplier', 'GET', `/Patient?${query}`);
      expect(reply.status, query).toBe(200);
      const patient = (reply.body as Bundle | undefined)?.entry?.[0].resource ?? {};
      const hidden = maskHiddenElements('delivery', 'Patient')!;
      expect(
        Object.keys(patient).filter((key) => hidden.has(key)),
        query,
      ).toEqual([]);
    }
  });

  it('matches a conditional update on what the mask keeps', async () => {
    const device = (await call('supplier', 'GET', '/Device/dev-supplier')).body as Device;
    const reply = await call('supplier', 'PUT', '/Device?identifier=urn:test:device|supplier', {
      ...device,
      location: { display: 'Depot' },
    });
    expect(reply.status).toBe(200);
    const stored = JSON.parse((await store.read('Device', 'dev-supplier')).json);
    expect(stored.location).toEqual({ display: 'Depot' });
    expect(stored.url).toBe('http://example.org/device');
  });
});
