// What a caller may see, as the storage layer takes it: per resource type, a search Condition that the SQL of
// every read, search, include, chain, _has and conditional match is narrowed by. The consent layer's policy
// (consent/policy/) builds one per request from its decision; the storage layer knows nothing of principals.
import { and, type Condition } from '../fhir/search/plan.js';

/** read: reading and searching (includes, chains and _has included); resolve: the id lookup of a conditional write. */
export type AccessPurpose = 'read' | 'resolve';

export interface AccessFilter {
  /** The resources of `resourceType` the caller may reach for `purpose`: `{ kind: 'false' }` for none. */
  condition(resourceType: string, purpose: AccessPurpose): Condition;
  /**
   * Throws when the caller may not match on these criteria of a conditional interaction (planned as the storage
   * planned them): a policy that hides elements from the caller hides them from its criteria too.
   */
  checkCriteria?(resourceType: string, where: Condition): void;
}

export function isUnrestricted(condition: Condition): boolean {
  return condition.kind === 'true';
}

/**
 * The caller's condition for `resourceType` and, inside it, the caller's conditions on every resource a chain or
 * _has reaches: `DeviceRequest?subject:Patient.name=x` must not tell whether a Patient the caller may not see is
 * called x.
 */
export function restrict(
  where: Condition,
  resourceType: string,
  access: AccessFilter,
  purpose: AccessPurpose = 'read',
): Condition {
  return and([nested(where, access), access.condition(resourceType, purpose)]);
}

function nested(condition: Condition, access: AccessFilter): Condition {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return { kind: condition.kind, conditions: condition.conditions.map((c) => nested(c, access)) };
    case 'not':
      return { kind: 'not', condition: nested(condition.condition, access) };
    case 'chain':
      return { ...condition, condition: restrict(condition.condition, condition.targetType, access) };
    case 'has':
      return { ...condition, condition: restrict(condition.condition, condition.sourceType, access) };
    case 'in-compartment-of':
      return { ...condition, condition: restrict(condition.condition, 'Patient', access) };
    default:
      return condition;
  }
}
