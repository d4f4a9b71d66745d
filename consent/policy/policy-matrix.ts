// The policy as a matrix, one per kind of principal: for each core resource type and each interaction, the scope a
// permit opens (or `-` for deny), with the mask. decide.test.ts checks it against a table written out by hand, and
// access-policy-doc.ts renders it into docs/access-policy.md: both come from decide() itself.
import { DATA_SERVICES } from '../data-services.js';
import type { Principal, SystemRole } from '../../server/contracts/principal.js';
import { decide } from './decide.js';
import { ACCESS_INTERACTIONS, CORE_TYPES, type Scope } from './rules.js';

/** Short names of scopes, used in the matrix. */
export const SCOPE_CODES: Record<Scope['kind'], string> = {
  everything: 'all',
  'own-compartment': 'own',
  'own-directives': 'own-dir',
  'own-payors': 'payors',
  organization: 'org',
  'items-of': 'items',
  'charged-to-own-coverage': 'charged',
  'clients-of': 'clients',
  'care-relation': 'care',
  none: 'none',
};

export const MASK_CODES = { delivery: '*d', administrative: '*a' } as const;

export interface MatrixSubject {
  name: string;
  principal: Principal;
}

const ORGANIZATIONS: Record<SystemRole, { system: string; value: string }> = {
  'care-provider': { system: 'http://fhir.nl/fhir/NamingSystem/ura', value: '12345678' },
  supplier: { system: 'https://www.gs1.org/gln', value: '8712345678906' },
  logistics: { system: 'https://www.gs1.org/gln', value: '8712345000004' },
  financier: { system: 'http://fhir.nl/fhir/NamingSystem/uzovi', value: '3311' },
  auditor: { system: 'http://fhir.nl/fhir/NamingSystem/ura', value: '87654321' },
  admin: { system: 'https://zorghub.example.org/fhir/NamingSystem/hub-operator', value: 'zorghub' },
};

const ALL_SERVICES = DATA_SERVICES.map((s) => s.id);

/** One principal per kind: a person with every data service, a read-only delegate for deliveries, each role. */
export const MATRIX_SUBJECTS: MatrixSubject[] = [
  {
    name: 'person (all data services)',
    principal: { kind: 'person', clientId: 'pgo', patient: 'Patient/p', dataServices: ALL_SERVICES, tokenId: 't' },
  },
  {
    name: 'delegate (leveringen, read only)',
    principal: {
      kind: 'delegate',
      clientId: 'pgo',
      patient: 'Patient/p',
      actor: 'RelatedPerson/r',
      dataServices: ['leveringen'],
      readOnly: true,
      tokenId: 't',
    },
  },
  ...(Object.keys(ORGANIZATIONS) as SystemRole[]).map((role) => ({
    name: role,
    principal: {
      kind: 'system' as const,
      clientId: role,
      role,
      organization: ORGANIZATIONS[role],
      dataServices: [],
      tokenId: 't',
    },
  })),
];

function cell(principal: Principal, interaction: (typeof ACCESS_INTERACTIONS)[number], resourceType: string): string {
  const decision = decide(principal, interaction, resourceType);
  if (decision.effect === 'deny') {
    return '-';
  }
  return `${SCOPE_CODES[decision.scope.kind]}${decision.mask ? MASK_CODES[decision.mask] : ''}`;
}

/** type -> the cells of ACCESS_INTERACTIONS, space separated. */
export function matrix(principal: Principal): Record<string, string> {
  return Object.fromEntries(
    CORE_TYPES.map((type) => [
      type,
      ACCESS_INTERACTIONS.map((interaction) => cell(principal, interaction, type)).join(' '),
    ]),
  );
}
