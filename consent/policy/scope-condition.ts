// A permit's scope as a search Condition (server/fhir/search/plan.ts), which the search compiler turns into SQL:
// the policy is enforced by the database, in the same statement as the query, never by filtering rows afterwards.
// The caller's organisation is known by its identifier (URA, AGB, GLN, UZOVI, gemeentecode), so a reference to it
// matches either way a resource can point at it: a literal reference to an Organization with that identifier, or a
// logical reference carrying the identifier itself.
import { compartmentKey } from '../../server/contracts/compartment-key.js';
import {
  CLIENT_REFERENCE_OUTSIDE_COMPARTMENT,
  clientCompartmentCondition,
} from '../../server/fhir/search/client-compartment.js';
import { and, type Condition, or } from '../../server/contracts/condition.js';
import { searchParameters } from '../../server/fhir/search/parameters.js';
import { tokenCriterion } from '../../server/contracts/token-entry.js';
import { DATA_SERVICE_SYSTEM, DATA_SERVICES } from '../data-services.js';
import type { Principal } from '../../server/contracts/principal.js';
import {
  type ClientGroup,
  CONSENT_CATEGORY_SYSTEM,
  type DirectiveOutcome,
  FINANCING_REGIME_SYSTEM,
  type RegimeScope,
} from './directives.js';
import { CARE_RELATION_VIA, type Scope } from './rules.js';

/** The resources of `resourceType` the scope opens to `principal`. */
export function scopeCondition(principal: Principal, scope: Scope, resourceType: string): Condition {
  switch (scope.kind) {
    case 'everything':
      return { kind: 'true' };
    case 'none':
      return { kind: 'false' };
    case 'own-compartment': {
      const patientId = principal.patient!.replace(/^Patient\//, '');
      if (resourceType === 'Patient') {
        return { kind: 'id', ids: [patientId] };
      }
      return clientCompartmentCondition(resourceType, patientId);
    }
    case 'own-directives': {
      const conditions: Condition[] = [
        scopeCondition(principal, { kind: 'own-compartment' }, resourceType),
        { kind: 'tokens', entries: [tokenCriterion('category', `${CONSENT_CATEGORY_SYSTEM}|data-sharing`)] },
      ];
      // A delegate's directives stay within the data services delegated to him.
      const others =
        principal.kind === 'delegate'
          ? DATA_SERVICES.map((s) => s.id).filter((id) => !principal.dataServices.includes(id))
          : [];
      if (others.length) {
        conditions.push({
          kind: 'not',
          condition: {
            kind: 'tokens',
            entries: others.map((id) => tokenCriterion('data-service', `${DATA_SERVICE_SYSTEM}|${id}`)),
          },
        });
      }
      return and(conditions);
    }
    case 'own-payors': {
      const patientId = principal.patient!.replace(/^Patient\//, '');
      return {
        kind: 'has',
        sourceType: 'Coverage',
        param: 'payor',
        condition: { kind: 'compartment', patientKey: compartmentKey(patientId) },
      };
    }
    case 'organization':
      return or(scope.params.map((param) => referencesOwnOrganization(principal, param)));
    case 'charged-to-own-coverage':
      return chargedTo(resourceType, referencesOwnOrganization(principal, 'payor'));
    case 'items-of':
      return or([
        ...scope.params.map((param) => referencesOwnOrganization(principal, param)),
        ...scope.via.map(
          (via): Condition => ({
            kind: 'has',
            sourceType: via.type,
            param: stored(via.type, via.itemParam),
            condition: or(via.organizationParams.map((param) => referencesOwnOrganization(principal, param))),
          }),
        ),
      ]);
    case 'clients-of':
      return or(
        scope.via.map((via) => ({
          kind: 'has',
          sourceType: via.type,
          param: via.patientParam,
          condition: or(via.organizationParams.map((param) => referencesOwnOrganization(principal, param))),
        })),
      );
    case 'care-relation': {
      const clients = scopeCondition(principal, { kind: 'clients-of', via: CARE_RELATION_VIA }, 'Patient');
      if (resourceType === 'Patient') {
        return clients;
      }
      const param = CLIENT_REFERENCE_OUTSIDE_COMPARTMENT[resourceType];
      return param
        ? { kind: 'chain', param, targetType: 'Patient', condition: clients }
        : { kind: 'in-compartment-of', condition: clients };
    }
  }
}

/** `param` points at the principal's organisation: by a reference to it, or by its identifier. */
export function referencesOwnOrganization(principal: Principal, param: string): Condition {
  const { system, value } = principal.organization!;
  return or([
    {
      kind: 'chain',
      param,
      targetType: 'Organization',
      condition: { kind: 'tokens', entries: [`identifier|${system}|${value}`] },
    },
    { kind: 'tokens', entries: [`${param}:identifier|${system}|${value}`] },
  ]);
}

/**
 * A scope with the clients' directives applied: what the scope opens minus the clients (and regimes) denied, plus
 * those permitted. The directives were settled beforehand (directives.ts), so each client is in at most one of the
 * two for a given regime.
 */
export function withClientDirectives(scope: Condition, outcome: DirectiveOutcome, resourceType: string): Condition {
  const groups = (list: ClientGroup[]) =>
    or(
      list.map((group) =>
        and([clientsCondition(group.patients, resourceType), regimeCondition(group.regime, resourceType)]),
      ),
    );
  const denied = groups(outcome.deny);
  return or([
    and([scope, denied.kind === 'false' ? { kind: 'true' } : { kind: 'not', condition: denied }]),
    groups(outcome.permit),
  ]);
}

/** The resources of `resourceType` that belong to one of `patients`. */
function clientsCondition(patients: string[], resourceType: string): Condition {
  if (resourceType === 'Patient') {
    return { kind: 'id', ids: patients };
  }
  return or(patients.map((id) => clientCompartmentCondition(resourceType, id)));
}

/** A reference search parameter by the code its values are stored under (server/fhir/search/parameters.ts). */
const stored = (resourceType: string, code: string): string => searchParameters(resourceType).get(code)?.stored ?? code;
/** `resourceType` resources whose reference `code` points at a `targetType` resource satisfying `condition`. */
const chainVia = (resourceType: string, code: string, targetType: string, condition: Condition): Condition => ({
  kind: 'chain',
  param: stored(resourceType, code),
  targetType,
  condition,
});

/**
 * The resources of a type charged to a Coverage satisfying `coverage`: an order by its `insurance`; a delivery
 * request by the order it serves (`based-on`, hub-ext-based-on); a delivery or return by the request it answers
 * (`based-on`); a Device by the orders naming it (DeviceRequest `device`). A type the hub cannot follow to a
 * Coverage is charged to none.
 */
const CHARGED: Partial<Record<string, (coverage: Condition) => Condition>> = {
  DeviceRequest: (coverage) => chainVia('DeviceRequest', 'insurance', 'Coverage', coverage),
  SupplyRequest: (coverage) => chainVia('SupplyRequest', 'based-on', 'DeviceRequest', CHARGED.DeviceRequest!(coverage)),
  SupplyDelivery: (coverage) =>
    chainVia('SupplyDelivery', 'based-on', 'SupplyRequest', CHARGED.SupplyRequest!(coverage)),
  Device: (coverage) => ({
    kind: 'has',
    sourceType: 'DeviceRequest',
    param: stored('DeviceRequest', 'device'),
    condition: CHARGED.DeviceRequest!(coverage),
  }),
};

function chargedTo(resourceType: string, coverage: Condition): Condition {
  return CHARGED[resourceType]?.(coverage) ?? { kind: 'false' };
}

/**
 * The financing regime of a resource, where the hub can tell it: a Coverage's own (`regime`), any other's by the
 * Coverage it is charged to (CHARGED); a Device named by orders of two regimes (a wheelchair that moved from Wmo to
 * Wlz) is of both. Other types have no regime the hub knows: a directive limited to regimes does not concern them,
 * one for every regime does.
 */
function regimeOf(resourceType: string): ((regime: string) => Condition) | undefined {
  const own = (regime: string): Condition => ({
    kind: 'tokens',
    entries: [tokenCriterion('regime', `${FINANCING_REGIME_SYSTEM}|${regime}`)],
  });
  if (resourceType === 'Coverage') return own;
  return CHARGED[resourceType] ? (regime) => chargedTo(resourceType, own(regime)) : undefined;
}

function regimeCondition(scope: RegimeScope, resourceType: string): Condition {
  const of = regimeOf(resourceType);
  switch (scope.kind) {
    case 'any':
      return { kind: 'true' };
    case 'is':
      return of ? of(scope.regime) : { kind: 'false' };
    case 'none-of':
      return of ? { kind: 'not', condition: or(scope.regimes.map(of)) } : { kind: 'true' };
  }
}
