// How the storage narrows a Condition by a caller's AccessFilter (server/contracts/access-filter.ts): the filter's
// condition for the type searched, and inside it the filter's conditions on whatever a chain or _has reaches.
import type { AccessFilter, AccessPurpose } from '../contracts/access-filter.js';
import { and, type Condition } from '../contracts/condition.js';

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
