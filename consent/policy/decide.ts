// The one access decision: (principal, interaction, resource type, the client directives naming the caller) ->
// deny, or permit within a scope, under a mask, with the clients whose directives deny or permit more. Pure: no
// I/O, no clock; the same inputs give the same answer, which is what the table-driven test and
// docs/access-policy.md rely on. Persons and delegates are decided by their token's data services (inside the
// client's own compartment); system clients by their role's rules (rules.ts) and the clients' data-sharing
// directives (directives.ts). policy-repository.ts turns a permit into SQL (scope-condition.ts) on every read,
// search, include, chain, history and write.
import { dataService } from '../data-services.js';
import type { Principal } from '../../server/contracts/principal.js';
import {
  type CallerDirectives,
  DIRECTED_ROLES,
  type DirectiveOutcome,
  dataServiceOf,
  settleDirectives,
} from './directives.js';
import {
  type AccessInteraction,
  type HubOperation,
  type MaskName,
  OPERATION_RULES,
  type PolicyRules,
  type Rule,
  type Scope,
  SYSTEM_RULES,
} from './rules.js';

export type Decision =
  | { effect: 'deny'; reason: string }
  | {
      effect: 'permit';
      rule: string;
      scope: Scope;
      mask?: MaskName;
      /** Clients whose directives take away from the scope (deny) or add to it (permit). */
      directives?: DirectiveOutcome;
      /** An update by a person, a delegate or a rule that says so: the only top-level elements it may change (changed-elements.ts). */
      changes?: readonly string[];
      /** A write may add references only to what the caller may already read (rules.ts, added-references.ts). */
      namesOnlyVisible?: true;
    };

/** The interactions client directives govern: what shares data with the caller. Writes follow the rules alone. */
export const SHARING: readonly AccessInteraction[] = ['read', 'search', 'resolve', 'history'];

const NO_DIRECTIVES: CallerDirectives = { categories: [], organizationIds: [], directives: [] };

/** What a decision weighs besides the principal: the directives naming it, and the system roles' rules in force. */
export interface DecisionInputs {
  directives?: CallerDirectives;
  /** The baseline of rules.ts, or what HUB_ACCESS_POLICY configures instead (policy-file.ts). */
  rules?: PolicyRules;
}

/** A person's data-service interactions, as the policy's: a data service's `search` also opens the id lookup. */
const SERVICE_INTERACTIONS: Record<string, AccessInteraction[]> = {
  read: ['read'],
  search: ['search', 'resolve'],
  update: ['update'],
  create: ['create'],
};

const OWN_CONSENT_INTERACTIONS: AccessInteraction[] = ['read', 'search', 'resolve', 'update'];

const CHANGES: AccessInteraction[] = ['update', 'delete'];

const DELEGATE_DIRECTIVE_INTERACTIONS: AccessInteraction[] = ['read', 'search', 'resolve', 'create', 'update'];

export function decide(
  principal: Principal,
  interaction: AccessInteraction,
  resourceType: string,
  inputs: DecisionInputs = {},
): Decision {
  // An AuditEvent is never changed or removed, not even by the admin (tamper evidence; retention prunes).
  if (resourceType === 'AuditEvent' && CHANGES.includes(interaction)) {
    return { effect: 'deny', reason: 'an AuditEvent cannot be changed or deleted' };
  }
  if (principal.kind === 'system') {
    const decision = decideSystem(principal, interaction, resourceType, inputs.rules ?? SYSTEM_RULES);
    return withDirectives(principal, interaction, resourceType, decision, inputs.directives ?? NO_DIRECTIVES);
  }
  return decidePerson(principal, interaction, resourceType);
}

function decidePerson(principal: Principal, interaction: AccessInteraction, resourceType: string): Decision {
  if (!principal.patient) {
    return { effect: 'deny', reason: 'the token names no client' };
  }
  if (principal.readOnly && (interaction === 'create' || interaction === 'update' || interaction === 'delete')) {
    return { effect: 'deny', reason: 'the delegation allows reading only' };
  }
  // A client manages his own consents (reads them, withdraws one by setting it inactive) whatever his token's data
  // services; a delegate does not manage the client's consents (only directives, below).
  if (resourceType === 'Consent' && principal.kind === 'person' && OWN_CONSENT_INTERACTIONS.includes(interaction)) {
    return { effect: 'permit', rule: 'person-own-consents', scope: { kind: 'own-compartment' } };
  }
  // His directives (data-sharing Consents: who may see which of his data) he also records himself; a delegate whose
  // delegation allows acting records and changes them too, for the data services delegated to him (scope-condition.ts).
  if (resourceType === 'Consent' && principal.kind === 'person' && interaction === 'create') {
    return { effect: 'permit', rule: 'person-own-directives', scope: { kind: 'own-directives' } };
  }
  if (
    resourceType === 'Consent' &&
    principal.kind === 'delegate' &&
    DELEGATE_DIRECTIVE_INTERACTIONS.includes(interaction)
  ) {
    return { effect: 'permit', rule: 'delegate-directives', scope: { kind: 'own-directives' } };
  }
  for (const id of principal.dataServices) {
    const service = dataService(id);
    if (!service?.resourceTypes.includes(resourceType)) {
      continue;
    }
    if (service.interactions.some((allowed) => SERVICE_INTERACTIONS[allowed]?.includes(interaction))) {
      const scope: Scope = resourceType === 'Organization' ? { kind: 'own-payors' } : { kind: 'own-compartment' };
      if (interaction === 'update') {
        const changes = changeableElements(principal, service.changeable?.[resourceType] ?? [], resourceType);
        if (changes.length === 0) continue;
        return { effect: 'permit', rule: `${principal.kind}-service-${service.id}`, scope, changes };
      }
      return { effect: 'permit', rule: `${principal.kind}-service-${service.id}`, scope };
    }
  }
  const services = principal.dataServices.join(', ') || 'none';
  return {
    effect: 'deny',
    reason: `the token's data services (${services}) do not allow ${interaction} of ${resourceType}`,
  };
}

/** What a person may change of a type by a data service, narrowed for a delegate to what her delegation names. */
function changeableElements(
  principal: Principal,
  byService: readonly string[],
  resourceType: string,
): readonly string[] {
  if (principal.kind !== 'delegate' || principal.changeable === undefined) return byService;
  const delegated = new Set(
    principal.changeable.filter((e) => e.startsWith(`${resourceType}.`)).map((e) => e.slice(resourceType.length + 1)),
  );
  return byService.filter((element) => delegated.has(element));
}

function decideSystem(
  principal: Principal,
  interaction: AccessInteraction,
  resourceType: string,
  policy: PolicyRules,
): Decision {
  const rules: readonly Rule[] = principal.role ? policy[principal.role] : [];
  const rule = rules.find(
    (r) => (r.types.includes('*') || r.types.includes(resourceType)) && r.interactions.includes(interaction),
  );
  if (!rule) {
    return { effect: 'deny', reason: `the role ${principal.role ?? '(none)'} may not ${interaction} ${resourceType}` };
  }
  if (rule.scope.kind !== 'everything' && !principal.organization) {
    return { effect: 'deny', reason: 'the token names no organisation to scope the access by' };
  }
  return {
    effect: 'permit',
    rule: rule.id,
    scope: rule.scope,
    ...(rule.mask ? { mask: rule.mask } : {}),
    ...(rule.namesOnlyVisible ? { namesOnlyVisible: true } : {}),
    ...(rule.changes ? { changes: rule.changes } : {}),
  };
}

/**
 * A system caller's decision with the client directives that name it: a deny directive takes the client's data of
 * that category out of the scope, a permit adds it (even where the role's rules open nothing of the type).
 */
function withDirectives(
  principal: Principal,
  interaction: AccessInteraction,
  resourceType: string,
  decision: Decision,
  loaded: CallerDirectives,
): Decision {
  const service = dataServiceOf(resourceType);
  if (
    !service ||
    loaded.directives.length === 0 ||
    !SHARING.includes(interaction) ||
    !principal.role ||
    !DIRECTED_ROLES.includes(principal.role)
  ) {
    return decision;
  }
  const outcome = settleDirectives(principal, loaded, loaded.directives, service);
  if (outcome.deny.length === 0 && outcome.permit.length === 0) {
    return decision;
  }
  if (decision.effect === 'permit') {
    return { ...decision, directives: outcome };
  }
  if (outcome.permit.length === 0) {
    return decision;
  }
  return { effect: 'permit', rule: 'client-permit', scope: { kind: 'none' }, directives: outcome };
}

/** A hub operation (rules.ts OPERATION_RULES): permitted to the system roles its rule names, denied to anyone else. */
export function decideOperation(principal: Principal, operation: HubOperation): Decision {
  const rule = OPERATION_RULES.find((r) => r.operation === operation);
  if (!rule || principal.kind !== 'system' || !principal.role || !rule.roles.includes(principal.role)) {
    const who = principal.kind === 'system' ? `the role ${principal.role ?? '(none)'}` : `a ${principal.kind}`;
    return {
      effect: 'deny',
      reason: `${operation} is for ${rule?.roles.join(' and ') ?? 'no'} clients only, not ${who}`,
    };
  }
  return { effect: 'permit', rule: rule.id, scope: { kind: 'everything' } };
}
