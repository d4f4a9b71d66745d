// The policy's scopes as search Conditions. The database enforces these (the access-isolation matrix in
// test/security/ holds what each principal then reads); here each scope's Condition is held on its own: which
// resources it names, by which path, and how a client's directives narrow or widen it.
import { describe, expect, it } from 'vitest';
import { compartmentKey } from '../../server/contracts/compartment-key.js';
import type { Condition } from '../../server/contracts/condition.js';
import type { Principal } from '../../server/contracts/principal.js';
import { DATA_SERVICE_SYSTEM, DATA_SERVICES } from '../data-services.js';
import { CONSENT_CATEGORY_SYSTEM, FINANCING_REGIME_SYSTEM } from './directives.js';
import { referencesOwnOrganization, scopeCondition, withClientDirectives } from './scope-condition.js';

const PATIENT = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const URA = { system: 'http://fhir.nl/fhir/NamingSystem/ura', value: '12345678' };

const person: Principal = {
  kind: 'person',
  clientId: 'pgo',
  patient: `Patient/${PATIENT}`,
  dataServices: ['basisgegevens'],
  tokenId: 't1',
};
const delegate: Principal = { ...person, kind: 'delegate', actor: 'RelatedPerson/r1', dataServices: ['leveringen'] };
const financier: Principal = {
  kind: 'system',
  clientId: 'zk',
  role: 'financier',
  organization: URA,
  dataServices: [],
  tokenId: 't2',
};

/** Every sub-condition, depth first, the condition itself included. */
function walk(condition: Condition): Condition[] {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return [condition, ...condition.conditions.flatMap(walk)];
    case 'not':
    case 'chain':
    case 'has':
    case 'in-compartment-of':
      return [condition, ...walk(condition.condition)];
    default:
      return [condition];
  }
}

/** The path of chains from a type to the condition at its end: `['insurance:Coverage', ...]`. */
function chainPath(condition: Condition): string[] {
  return condition.kind === 'chain'
    ? [`${condition.param}:${condition.targetType}`, ...chainPath(condition.condition)]
    : [];
}

const ownOrganization = referencesOwnOrganization(financier, 'payor');

describe('scopeCondition', () => {
  it('opens everything or nothing as the constant conditions', () => {
    expect(scopeCondition(person, { kind: 'everything' }, 'Device')).toEqual({ kind: 'true' });
    expect(scopeCondition(person, { kind: 'none' }, 'Device')).toEqual({ kind: 'false' });
  });

  it('own-compartment is the client himself for Patient and his compartment for the types in it', () => {
    expect(scopeCondition(person, { kind: 'own-compartment' }, 'Patient')).toEqual({ kind: 'id', ids: [PATIENT] });
    for (const type of ['DeviceRequest', 'SupplyRequest', 'SupplyDelivery', 'Coverage', 'CarePlan']) {
      expect(scopeCondition(person, { kind: 'own-compartment' }, type)).toEqual({
        kind: 'compartment',
        patientKey: compartmentKey(PATIENT),
      });
    }
  });

  it('own-compartment follows Device.patient, which lies outside the Patient compartment', () => {
    expect(scopeCondition(person, { kind: 'own-compartment' }, 'Device')).toEqual({
      kind: 'reference',
      param: 'patient',
      targetType: 'Patient',
      targetId: PATIENT,
    });
  });

  it("a person's own directives are his data-sharing Consents, all data services", () => {
    const condition = scopeCondition(person, { kind: 'own-directives' }, 'Consent');
    const parts = walk(condition);
    expect(parts).toContainEqual({ kind: 'compartment', patientKey: compartmentKey(PATIENT) });
    expect(parts).toContainEqual({
      kind: 'tokens',
      entries: [`category|${CONSENT_CATEGORY_SYSTEM}|data-sharing`],
    });
    expect(parts.some((part) => part.kind === 'not')).toBe(false);
  });

  it("a delegate's own directives exclude every data service not delegated to her, and only those", () => {
    const condition = scopeCondition(delegate, { kind: 'own-directives' }, 'Consent');
    const excluded = walk(condition).find((part) => part.kind === 'not');
    expect(excluded).toBeDefined();
    const entries = walk((excluded as { condition: Condition }).condition).flatMap((part) =>
      part.kind === 'tokens' ? part.entries : [],
    );
    const others = DATA_SERVICES.map((s) => s.id).filter((id) => id !== 'leveringen');
    expect(entries.sort()).toEqual(others.map((id) => `data-service|${DATA_SERVICE_SYSTEM}|${id}`).sort());
  });

  it("own-payors are the Organizations a Coverage in the client's compartment names as payor", () => {
    expect(scopeCondition(person, { kind: 'own-payors' }, 'Organization')).toEqual({
      kind: 'has',
      sourceType: 'Coverage',
      param: 'payor',
      condition: { kind: 'compartment', patientKey: compartmentKey(PATIENT) },
    });
  });

  it('an organisation is matched by a reference to it and by its identifier, for each parameter', () => {
    const condition = scopeCondition(financier, { kind: 'organization', params: ['payor', 'insurer'] }, 'Coverage');
    expect(condition.kind).toBe('or');
    const parts = walk(condition);
    for (const param of ['payor', 'insurer']) {
      expect(parts).toContainEqual({
        kind: 'chain',
        param,
        targetType: 'Organization',
        condition: { kind: 'tokens', entries: [`identifier|${URA.system}|${URA.value}`] },
      });
      expect(parts).toContainEqual({ kind: 'tokens', entries: [`${param}:identifier|${URA.system}|${URA.value}`] });
    }
  });

  it('items-of opens what the organisation owns or holds, and the items of its delivery requests and deliveries', () => {
    const supplier: Principal = { ...financier, role: 'supplier' };
    const condition = scopeCondition(
      supplier,
      {
        kind: 'items-of',
        params: ['organization', 'holder'],
        via: [
          { type: 'SupplyRequest', itemParam: 'item', organizationParams: ['supplier'] },
          { type: 'SupplyDelivery', itemParam: 'item', organizationParams: ['supplier'] },
        ],
      },
      'Device',
    );
    expect(condition.kind).toBe('or');
    const top = condition.kind === 'or' ? condition.conditions : [];
    expect(top).toContainEqual(referencesOwnOrganization(supplier, 'organization'));
    expect(top).toContainEqual(referencesOwnOrganization(supplier, 'holder'));
    for (const sourceType of ['SupplyRequest', 'SupplyDelivery']) {
      expect(top).toContainEqual({
        kind: 'has',
        sourceType,
        param: 'item',
        condition: referencesOwnOrganization(supplier, 'supplier'),
      });
    }
    expect(top).toHaveLength(4);
  });

  it('charged-to-own-coverage follows each type back to a Coverage the organisation pays', () => {
    const scope = { kind: 'charged-to-own-coverage' } as const;
    const order = scopeCondition(financier, scope, 'DeviceRequest');
    expect(chainPath(order)).toEqual(['insurance:Coverage']);
    const request = scopeCondition(financier, scope, 'SupplyRequest');
    expect(chainPath(request).map((step) => step.split(':')[1])).toEqual(['DeviceRequest', 'Coverage']);
    const delivery = scopeCondition(financier, scope, 'SupplyDelivery');
    expect(chainPath(delivery).map((step) => step.split(':')[1])).toEqual([
      'SupplyRequest',
      'DeviceRequest',
      'Coverage',
    ]);
    // The innermost condition is the organisation's own payor reference.
    let inner: Condition = delivery;
    while (inner.kind === 'chain') inner = inner.condition;
    expect(inner).toEqual(ownOrganization);

    const device = scopeCondition(financier, scope, 'Device');
    expect(device).toMatchObject({ kind: 'has', sourceType: 'DeviceRequest' });
    expect((device as { condition: Condition }).condition).toEqual(order);
  });

  it('charged-to-own-coverage names nothing of a type the hub cannot follow to a Coverage', () => {
    for (const type of ['Patient', 'CarePlan', 'Observation']) {
      expect(scopeCondition(financier, { kind: 'charged-to-own-coverage' }, type)).toEqual({ kind: 'false' });
    }
  });

  it('care-relation: the clients an order, plan, team or request ties to the organisation, and their data', () => {
    const provider: Principal = { ...financier, role: 'care-provider' };
    const clients = scopeCondition(provider, { kind: 'care-relation' }, 'Patient');
    const via = walk(clients).flatMap((part) => (part.kind === 'has' ? [part.sourceType] : []));
    expect(via.sort()).toEqual(['CarePlan', 'CareTeam', 'DeviceRequest', 'SupplyRequest']);

    expect(scopeCondition(provider, { kind: 'care-relation' }, 'SupplyDelivery')).toEqual({
      kind: 'in-compartment-of',
      condition: clients,
    });
    expect(scopeCondition(provider, { kind: 'care-relation' }, 'Device')).toEqual({
      kind: 'chain',
      param: 'patient',
      targetType: 'Patient',
      condition: clients,
    });
  });
});

describe('withClientDirectives', () => {
  const scope: Condition = { kind: 'tokens', entries: ['status|http://hl7.org/fhir/request-status|active'] };
  const other = 'b7e9c1d2-0a3b-4c5d-8e6f-7a8b9c0d1e2f';
  const regime = (code: string): Condition => ({
    kind: 'tokens',
    entries: [`regime|${FINANCING_REGIME_SYSTEM}|${code}`],
  });

  it('leaves the scope as it is without directives', () => {
    expect(withClientDirectives(scope, { deny: [], permit: [], consents: [] }, 'DeviceRequest')).toEqual(scope);
  });

  it("takes a denying client's resources out of the scope", () => {
    const outcome = { deny: [{ patients: [PATIENT], regime: { kind: 'any' as const } }], permit: [], consents: [] };
    expect(withClientDirectives(scope, outcome, 'DeviceRequest')).toEqual({
      kind: 'and',
      conditions: [scope, { kind: 'not', condition: { kind: 'compartment', patientKey: compartmentKey(PATIENT) } }],
    });
    expect(withClientDirectives(scope, outcome, 'Patient')).toEqual({
      kind: 'and',
      conditions: [scope, { kind: 'not', condition: { kind: 'id', ids: [PATIENT] } }],
    });
  });

  it("adds a permitting client's resources to a scope that opens nothing", () => {
    const outcome = {
      deny: [],
      permit: [{ patients: [PATIENT, other], regime: { kind: 'any' as const } }],
      consents: [],
    };
    expect(withClientDirectives({ kind: 'false' }, outcome, 'Coverage')).toEqual({
      kind: 'or',
      conditions: [
        { kind: 'compartment', patientKey: compartmentKey(PATIENT) },
        { kind: 'compartment', patientKey: compartmentKey(other) },
      ],
    });
  });

  it("limits a regime's directive to resources of that regime: a Coverage by its own, an order by its Coverage", () => {
    const outcome = {
      deny: [{ patients: [PATIENT], regime: { kind: 'is' as const, regime: 'wlz' } }],
      permit: [],
      consents: [],
    };
    const coverage = withClientDirectives(scope, outcome, 'Coverage');
    expect(walk(coverage)).toContainEqual(regime('wlz'));
    const order = withClientDirectives(scope, outcome, 'DeviceRequest');
    const chained = walk(order).find((part) => part.kind === 'chain');
    expect(chained && chainPath(chained)).toEqual(['insurance:Coverage']);
    expect(walk(order)).toContainEqual(regime('wlz'));
  });

  it('a directive for one regime does not concern a type without a regime; one for all but some regimes does', () => {
    const only = {
      deny: [{ patients: [PATIENT], regime: { kind: 'is' as const, regime: 'wmo' } }],
      permit: [],
      consents: [],
    };
    expect(withClientDirectives(scope, only, 'CarePlan')).toEqual(scope);
    const allBut = {
      deny: [{ patients: [PATIENT], regime: { kind: 'none-of' as const, regimes: ['zvw'] } }],
      permit: [],
      consents: [],
    };
    expect(withClientDirectives(scope, allBut, 'CarePlan')).toEqual({
      kind: 'and',
      conditions: [scope, { kind: 'not', condition: { kind: 'compartment', patientKey: compartmentKey(PATIENT) } }],
    });
    const coverage = withClientDirectives(scope, allBut, 'Coverage');
    expect(walk(coverage)).toContainEqual({ kind: 'not', condition: regime('zvw') });
  });
});
