// Client directives: how a data-sharing Consent is read, which directive governs (more specific wins, deny at a
// tie), and what the decision makes of them. The SQL they compile into is tested over HTTP in
// test/security/consent-directives.test.ts.
import type { Consent } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../server/contracts/principal.js';
import { decide } from './decide.js';
import { type Directive, directiveOf, RECIPIENT_CATEGORY_URL, settleDirectives } from './directives.js';

const UZOVI = 'http://fhir.nl/fhir/NamingSystem/uzovi';
const insurer: Principal = {
  kind: 'system',
  clientId: 'zk',
  role: 'financier',
  organization: { system: UZOVI, value: '3311' },
  dataServices: [],
  tokenId: 't',
};
const CALLER = { categories: ['health-insurer'], organizationIds: ['zk'] };
const NOW = new Date('2026-06-01T12:00:00Z');

let n = 0;
function directive(
  effect: 'permit' | 'deny',
  recipient: 'org' | 'other-org' | 'category' | 'other-category',
  services: string[],
  regimes: string[] = [],
  patient = 'p1',
): Directive {
  const recipients: Directive['recipients'] = {
    org: [{ kind: 'organization' as const, system: UZOVI, value: '3311' }],
    'other-org': [{ kind: 'organization' as const, system: UZOVI, value: '9999' }],
    category: [{ kind: 'category' as const, code: 'health-insurer' }],
    'other-category': [{ kind: 'category' as const, code: 'care-provider' }],
  }[recipient];
  return { consent: `Consent/d${++n}`, patient, effect, recipients, dataServices: services, regimes };
}

describe('settling the directives that name a caller', () => {
  const cases: { name: string; directives: Directive[]; deny: unknown[]; permit: unknown[] }[] = [
    { name: 'none', directives: [], deny: [], permit: [] },
    {
      name: 'a category deny',
      directives: [directive('deny', 'category', ['hulpmiddelen'])],
      deny: [{ patients: ['p1'], regime: { kind: 'any' } }],
      permit: [],
    },
    {
      name: 'another data service is no concern',
      directives: [directive('deny', 'category', ['zorgplan'])],
      deny: [],
      permit: [],
    },
    {
      name: 'another recipient is no concern',
      directives: [
        directive('deny', 'other-org', ['hulpmiddelen']),
        directive('deny', 'other-category', ['hulpmiddelen']),
      ],
      deny: [],
      permit: [],
    },
    {
      name: 'the organisation beats its category',
      directives: [directive('deny', 'category', ['hulpmiddelen']), directive('permit', 'org', ['hulpmiddelen'])],
      deny: [],
      permit: [{ patients: ['p1'], regime: { kind: 'any' } }],
    },
    {
      name: 'deny wins at equal specificity',
      directives: [
        directive('permit', 'org', ['hulpmiddelen']),
        directive('deny', 'org', ['hulpmiddelen', 'zorgplan']),
      ],
      deny: [{ patients: ['p1'], regime: { kind: 'any' } }],
      permit: [],
    },
    {
      name: 'a regime-limited deny beats a general permit for that regime only',
      directives: [
        directive('permit', 'category', ['hulpmiddelen']),
        directive('deny', 'category', ['hulpmiddelen'], ['wmo']),
      ],
      deny: [{ patients: ['p1'], regime: { kind: 'is', regime: 'wmo' } }],
      permit: [{ patients: ['p1'], regime: { kind: 'none-of', regimes: ['wmo'] } }],
    },
    {
      name: 'a named organisation beats a regime-limited category directive',
      directives: [
        directive('deny', 'category', ['hulpmiddelen'], ['wmo']),
        directive('permit', 'org', ['hulpmiddelen']),
      ],
      deny: [],
      permit: [
        { patients: ['p1'], regime: { kind: 'is', regime: 'wmo' } },
        { patients: ['p1'], regime: { kind: 'none-of', regimes: ['wmo'] } },
      ],
    },
    {
      name: 'a regime-limited directive alone says nothing of other regimes',
      directives: [directive('deny', 'org', ['hulpmiddelen'], ['wmo', 'wlz'])],
      deny: [
        { patients: ['p1'], regime: { kind: 'is', regime: 'wlz' } },
        { patients: ['p1'], regime: { kind: 'is', regime: 'wmo' } },
      ],
      permit: [],
    },
    {
      name: 'clients are settled one by one and grouped',
      directives: [
        directive('deny', 'category', ['hulpmiddelen'], [], 'p1'),
        directive('deny', 'org', ['hulpmiddelen'], [], 'p2'),
        directive('permit', 'org', ['hulpmiddelen'], [], 'p3'),
      ],
      deny: [{ patients: ['p1', 'p2'], regime: { kind: 'any' } }],
      permit: [{ patients: ['p3'], regime: { kind: 'any' } }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const outcome = settleDirectives(insurer, CALLER, c.directives, 'hulpmiddelen');
      expect(outcome.deny).toEqual(c.deny);
      expect(outcome.permit).toEqual(c.permit);
    });
  }

  it('names only the consents that governed', () => {
    const loser = directive('deny', 'category', ['hulpmiddelen']);
    const winner = directive('permit', 'org', ['hulpmiddelen']);
    expect(settleDirectives(insurer, CALLER, [loser, winner], 'hulpmiddelen').consents).toEqual([winner.consent]);
  });

  it('matches an organisation by its id here as by its identifier', () => {
    const byId: Directive = {
      ...directive('deny', 'other-org', ['hulpmiddelen']),
      recipients: [{ kind: 'organization-id', id: 'zk' }],
    };
    const category = directive('permit', 'category', ['hulpmiddelen']);
    expect(settleDirectives(insurer, CALLER, [byId, category], 'hulpmiddelen').deny).toEqual([
      { patients: ['p1'], regime: { kind: 'any' } },
    ]);
  });

  it('matches a category only when the caller belongs to it', () => {
    expect(
      settleDirectives(
        insurer,
        { categories: [], organizationIds: [] },
        [directive('deny', 'category', ['hulpmiddelen'])],
        'hulpmiddelen',
      ).deny,
    ).toEqual([]);
  });
});

describe('reading a data-sharing Consent', () => {
  const consent = (
    changes: Partial<Consent> = {},
    provision: Partial<NonNullable<Consent['provision']>> = {},
  ): Consent => ({
    resourceType: 'Consent',
    id: 'c1',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [
      { coding: [{ system: 'https://zorghub.example.org/fhir/CodeSystem/consent-category', code: 'data-sharing' }] },
    ],
    patient: { reference: 'Patient/p1' },
    provision: {
      type: 'deny',
      period: { start: '2026-01-01' },
      actor: [
        {
          role: { coding: [{ code: 'IRCP' }] },
          extension: [
            {
              url: RECIPIENT_CATEGORY_URL,
              valueCoding: {
                system: 'https://zorghub.example.org/fhir/CodeSystem/organisation-role',
                code: 'health-insurer',
              },
            },
          ],
          reference: { display: 'every insurer' },
        },
        {
          role: { coding: [{ code: 'IRCP' }] },
          reference: { reference: 'Organization/o', identifier: { system: UZOVI, value: '3311' } },
        },
      ],
      class: [{ system: 'https://zorghub.example.org/fhir/CodeSystem/data-service', code: 'hulpmiddelen' }],
      code: [{ coding: [{ system: 'https://zorghub.example.org/fhir/CodeSystem/financing-regime', code: 'wmo' }] }],
      ...provision,
    },
    ...changes,
  });

  it('reads recipients, data services and regimes', () => {
    expect(directiveOf(consent(), NOW)).toEqual({
      consent: 'Consent/c1',
      patient: 'p1',
      effect: 'deny',
      recipients: [
        { kind: 'category', code: 'health-insurer' },
        { kind: 'organization', system: UZOVI, value: '3311' },
        { kind: 'organization-id', id: 'o' },
      ],
      dataServices: ['hulpmiddelen'],
      regimes: ['wmo'],
    });
  });

  it('ignores what is not an active data-sharing consent in its period', () => {
    expect(directiveOf(consent({ status: 'inactive' }), NOW)).toBeUndefined();
    expect(
      directiveOf(
        consent({
          category: [
            {
              coding: [
                { system: 'https://zorghub.example.org/fhir/CodeSystem/consent-category', code: 'pgo-authorisation' },
              ],
            },
          ],
        }),
        NOW,
      ),
    ).toBeUndefined();
    expect(directiveOf(consent({}, { period: { start: '2026-07-01' } }), NOW)).toBeUndefined();
    expect(directiveOf(consent({}, { period: { start: '2026-01-01', end: '2026-05-31' } }), NOW)).toBeUndefined();
    expect(directiveOf(consent({}, { period: { start: '2026-01-01', end: '2026-06-01' } }), NOW)).toBeDefined(); // the whole end day
    expect(directiveOf(consent({}, { class: [] }), NOW)).toBeUndefined();
  });
});

describe('the decision with directives', () => {
  const loaded = (directives: Directive[]) => ({ ...CALLER, directives });

  it('adds the directives to a permit of the rules, for sharing interactions only', () => {
    const deny = directive('deny', 'org', ['hulpmiddelen']);
    expect(decide(insurer, 'search', 'DeviceRequest', { directives: loaded([deny]) })).toMatchObject({
      effect: 'permit',
      rule: 'finance-orders',
      directives: { consents: [deny.consent] },
    });
    expect(decide(insurer, 'search', 'DeviceRequest', { directives: loaded([]) })).not.toHaveProperty('directives');
  });

  it('permits by a client permit where the rules open nothing of the type', () => {
    const permit = directive('permit', 'category', ['zorgplan']);
    expect(decide(insurer, 'read', 'CarePlan', { directives: loaded([]) })).toMatchObject({ effect: 'deny' });
    expect(decide(insurer, 'read', 'CarePlan', { directives: loaded([permit]) })).toMatchObject({
      effect: 'permit',
      rule: 'client-permit',
      scope: { kind: 'none' },
    });
    expect(decide(insurer, 'create', 'CarePlan', { directives: loaded([permit]) })).toMatchObject({ effect: 'deny' });
    // A deny adds nothing to a deny.
    expect(
      decide(insurer, 'read', 'CarePlan', { directives: loaded([directive('deny', 'category', ['zorgplan'])]) }),
    ).toMatchObject({ effect: 'deny' });
  });

  it('does not concern the admin, the auditor or persons', () => {
    const permit = directive('permit', 'category', ['zorgplan']);
    const auditor: Principal = { ...insurer, role: 'auditor' };
    expect(decide(auditor, 'read', 'CarePlan', { directives: loaded([permit]) })).toMatchObject({ effect: 'deny' });
    const admin: Principal = { ...insurer, role: 'admin' };
    expect(
      decide(admin, 'read', 'CarePlan', { directives: loaded([directive('deny', 'org', ['zorgplan'])]) }),
    ).not.toHaveProperty('directives');
  });
});
