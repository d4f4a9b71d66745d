// The access policy, table-driven: every kind of principal x every interaction x every core resource type, written
// out by hand so that it reads as the policy's documentation (docs/access-policy.md is rendered from the same
// decisions, and must be current). A cell is the scope a permit opens (`-`: deny), with the mask (`*d` delivery,
// `*a` administrative); the scope codes are in policy-matrix.ts. Columns:
//   read      search    history   create    update    delete    resolve
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../server/contracts/principal.js';
import { ACCESS_POLICY_DOC, renderAccessPolicy } from '../policy-tools/access-policy-doc.js';
import { decide } from './decide.js';
import { MATRIX_SUBJECTS, matrix } from './policy-matrix.js';
import { ACCESS_INTERACTIONS, CORE_TYPES } from './rules.js';

const POLICY: Record<string, Record<string, string>> = {
  'person (all data services)': {
    Patient: 'own       own       -         -         -         -         own',
    RelatedPerson: 'own       own       -         -         -         -         own',
    CarePlan: 'own       own       -         -         -         -         own',
    Goal: 'own       own       -         -         -         -         own',
    CareTeam: 'own       own       -         -         -         -         own',
    DeviceRequest: 'own       own       -         -         -         -         own',
    Device: 'own       own       -         -         -         -         own',
    DeviceUseStatement: 'own       own       -         -         -         -         own',
    SupplyRequest: 'own       own       -         -         own       -         own',
    SupplyDelivery: 'own       own       -         -         -         -         own',
    Coverage: 'own       own       -         -         -         -         own',
    Consent: 'own       own       -         own-dir   own       -         own',
    Organization: 'payors    payors    -         -         -         -         payors',
    Practitioner: '-         -         -         -         -         -         -',
    PractitionerRole: '-         -         -         -         -         -         -',
    Location: '-         -         -         -         -         -         -',
    AuditEvent: 'own       own       -         -         -         -         own',
  },
  'delegate (leveringen, read only)': {
    Patient: '-         -         -         -         -         -         -',
    RelatedPerson: '-         -         -         -         -         -         -',
    CarePlan: '-         -         -         -         -         -         -',
    Goal: '-         -         -         -         -         -         -',
    CareTeam: '-         -         -         -         -         -         -',
    DeviceRequest: '-         -         -         -         -         -         -',
    Device: '-         -         -         -         -         -         -',
    DeviceUseStatement: '-         -         -         -         -         -         -',
    SupplyRequest: 'own       own       -         -         -         -         own',
    SupplyDelivery: 'own       own       -         -         -         -         own',
    Coverage: '-         -         -         -         -         -         -',
    Consent: 'own-dir   own-dir   -         -         -         -         own-dir',
    Organization: '-         -         -         -         -         -         -',
    Practitioner: '-         -         -         -         -         -         -',
    PractitionerRole: '-         -         -         -         -         -         -',
    Location: '-         -         -         -         -         -         -',
    AuditEvent: '-         -         -         -         -         -         -',
  },
  'care-provider': {
    Patient: 'care      care      care      all       care      -         all',
    RelatedPerson: 'care      care      care      care      care      -         care',
    CarePlan: 'care      care      care      care      care      -         care',
    Goal: 'care      care      care      care      care      -         care',
    CareTeam: 'care      care      care      care      care      -         care',
    DeviceRequest: 'care      care      care      care      care      -         care',
    Device: 'care      care      care      -         -         -         care',
    DeviceUseStatement: 'care      care      care      care      care      -         care',
    SupplyRequest: 'care      care      care      care      care      -         care',
    SupplyDelivery: 'care      care      care      -         -         -         care',
    Coverage: 'care      care      care      care      care      -         care',
    Consent: 'care      care      care      -         -         -         care',
    Organization: 'all       all       -         all       -         -         all',
    Practitioner: 'all       all       -         all       -         -         all',
    PractitionerRole: 'all       all       -         all       -         -         all',
    Location: 'all       all       -         all       -         -         all',
    AuditEvent: '-         -         -         -         -         -         -',
  },
  supplier: {
    Patient: 'clients*d clients*d -         -         -         -         clients*d',
    RelatedPerson: '-         -         -         -         -         -         -',
    CarePlan: '-         -         -         -         -         -         -',
    Goal: '-         -         -         -         -         -         -',
    CareTeam: '-         -         -         -         -         -         -',
    DeviceRequest: 'org*d     org*d     -         -         -         -         org*d',
    Device: 'items*d   items*d   -         items*d   items*d   -         items*d',
    DeviceUseStatement: '-         -         -         -         -         -         -',
    SupplyRequest: 'org*d     org*d     -         -         org*d     -         org*d',
    SupplyDelivery: 'org       org       -         org       org       -         org',
    Coverage: '-         -         -         -         -         -         -',
    Consent: '-         -         -         -         -         -         -',
    Organization: 'all       all       -         -         -         -         all',
    Practitioner: 'all       all       -         -         -         -         all',
    PractitionerRole: 'all       all       -         -         -         -         all',
    Location: 'all       all       -         -         -         -         all',
    AuditEvent: '-         -         -         -         -         -         -',
  },
  logistics: {
    Patient: 'clients*d clients*d -         -         -         -         clients*d',
    RelatedPerson: '-         -         -         -         -         -         -',
    CarePlan: '-         -         -         -         -         -         -',
    Goal: '-         -         -         -         -         -         -',
    CareTeam: '-         -         -         -         -         -         -',
    DeviceRequest: 'org*d     org*d     -         -         -         -         org*d',
    Device: 'items*d   items*d   -         items*d   items*d   -         items*d',
    DeviceUseStatement: '-         -         -         -         -         -         -',
    SupplyRequest: 'org*d     org*d     -         -         org*d     -         org*d',
    SupplyDelivery: 'org       org       -         org       org       -         org',
    Coverage: '-         -         -         -         -         -         -',
    Consent: '-         -         -         -         -         -         -',
    Organization: 'all       all       -         -         -         -         all',
    Practitioner: 'all       all       -         -         -         -         all',
    PractitionerRole: 'all       all       -         -         -         -         all',
    Location: 'all       all       -         -         -         -         all',
    AuditEvent: '-         -         -         -         -         -         -',
  },
  financier: {
    Patient: 'clients*a clients*a -         all       -         -         all',
    RelatedPerson: '-         -         -         -         -         -         -',
    CarePlan: '-         -         -         -         -         -         -',
    Goal: '-         -         -         -         -         -         -',
    CareTeam: '-         -         -         -         -         -         -',
    DeviceRequest: 'charged   charged   -         -         -         -         charged',
    Device: '-         -         -         -         -         -         -',
    DeviceUseStatement: '-         -         -         -         -         -         -',
    SupplyRequest: '-         -         -         -         -         -         -',
    SupplyDelivery: 'charged   charged   -         -         -         -         charged',
    Coverage: 'org       org       org       org       org       -         org',
    Consent: '-         -         -         -         -         -         -',
    Organization: 'all       all       -         all       -         -         all',
    Practitioner: 'all       all       -         all       -         -         all',
    PractitionerRole: 'all       all       -         all       -         -         all',
    Location: 'all       all       -         all       -         -         all',
    AuditEvent: '-         -         -         -         -         -         -',
  },
  auditor: {
    Patient: '-         -         -         -         -         -         -',
    RelatedPerson: '-         -         -         -         -         -         -',
    CarePlan: '-         -         -         -         -         -         -',
    Goal: '-         -         -         -         -         -         -',
    CareTeam: '-         -         -         -         -         -         -',
    DeviceRequest: '-         -         -         -         -         -         -',
    Device: '-         -         -         -         -         -         -',
    DeviceUseStatement: '-         -         -         -         -         -         -',
    SupplyRequest: '-         -         -         -         -         -         -',
    SupplyDelivery: '-         -         -         -         -         -         -',
    Coverage: '-         -         -         -         -         -         -',
    Consent: 'all       all       all       -         -         -         all',
    Organization: '-         -         -         -         -         -         -',
    Practitioner: '-         -         -         -         -         -         -',
    PractitionerRole: '-         -         -         -         -         -         -',
    Location: '-         -         -         -         -         -         -',
    AuditEvent: 'all       all       all       -         -         -         all',
  },
  admin: {
    Patient: 'all       all       all       all       all       all       all',
    RelatedPerson: 'all       all       all       all       all       all       all',
    CarePlan: 'all       all       all       all       all       all       all',
    Goal: 'all       all       all       all       all       all       all',
    CareTeam: 'all       all       all       all       all       all       all',
    DeviceRequest: 'all       all       all       all       all       all       all',
    Device: 'all       all       all       all       all       all       all',
    DeviceUseStatement: 'all       all       all       all       all       all       all',
    SupplyRequest: 'all       all       all       all       all       all       all',
    SupplyDelivery: 'all       all       all       all       all       all       all',
    Coverage: 'all       all       all       all       all       all       all',
    Consent: 'all       all       all       all       all       all       all',
    Organization: 'all       all       all       all       all       all       all',
    Practitioner: 'all       all       all       all       all       all       all',
    PractitionerRole: 'all       all       all       all       all       all       all',
    Location: 'all       all       all       all       all       all       all',
    AuditEvent: 'all       all       all       all       -         -         all',
  },
};

const normalise = (cells: string) => cells.trim().split(/\s+/).join(' ');

describe('the access policy', () => {
  it('covers every core type for every kind of principal', () => {
    expect(Object.keys(POLICY)).toEqual(MATRIX_SUBJECTS.map((s) => s.name));
    for (const table of Object.values(POLICY)) {
      expect(Object.keys(table)).toEqual(CORE_TYPES);
    }
  });

  for (const subject of MATRIX_SUBJECTS) {
    it(`decides for ${subject.name} as the table says`, () => {
      const expected = Object.fromEntries(
        Object.entries(POLICY[subject.name]).map(([type, cells]) => [type, normalise(cells)]),
      );
      expect(matrix(subject.principal)).toEqual(expected);
    });
  }

  it('denies by default: a type outside the table is for the admin only', () => {
    for (const subject of MATRIX_SUBJECTS) {
      for (const interaction of ACCESS_INTERACTIONS) {
        expect(decide(subject.principal, interaction, 'Observation').effect).toBe(
          subject.principal.role === 'admin' ? 'permit' : 'deny',
        );
      }
    }
  });

  it('denies a person token that names no client, and a scoped role without an organisation', () => {
    const person: Principal = { kind: 'person', clientId: 'pgo', dataServices: ['basisgegevens'], tokenId: 't' };
    expect(decide(person, 'read', 'Patient')).toMatchObject({ effect: 'deny', reason: 'the token names no client' });
    const supplier: Principal = { kind: 'system', clientId: 's', role: 'supplier', dataServices: [], tokenId: 't' };
    expect(decide(supplier, 'read', 'SupplyRequest')).toMatchObject({ effect: 'deny' });
    expect(decide(supplier, 'read', 'Organization')).toMatchObject({ effect: 'permit' }); // directory data needs none
  });

  it('names the rule of each permit, for the audit trail, and the reason of each denial', () => {
    const logistics = MATRIX_SUBJECTS.find((s) => s.name === 'logistics')!.principal;
    expect(decide(logistics, 'read', 'SupplyRequest')).toEqual({
      effect: 'permit',
      rule: 'logistics-requests',
      scope: { kind: 'organization', params: ['supplier'] },
      mask: 'delivery',
    });
    expect(decide(logistics, 'read', 'CarePlan')).toEqual({
      effect: 'deny',
      reason: 'the role logistics may not read CarePlan',
    });
    const person = MATRIX_SUBJECTS[0].principal;
    expect(decide({ ...person, dataServices: ['leveringen'] }, 'read', 'CarePlan')).toEqual({
      effect: 'deny',
      reason: "the token's data services (leveringen) do not allow read of CarePlan",
    });
  });

  it('is documented in docs/access-policy.md as it is decided (npm run policy:doc)', () => {
    expect(readFileSync(ACCESS_POLICY_DOC, 'utf8')).toBe(renderAccessPolicy());
  });
});
